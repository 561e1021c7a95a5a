"""Emergency plans and drills (emergency.md) with the database: the demo's
overdue flags, the nightly run stores them idempotently and clears them when
met, a drill on a simulated incident, its findings become reported hazards,
plan documents are checked and served only to who may see them, and the
admin pages are company-scoped."""

from datetime import date, timedelta

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from accounts.models import User
from common.errors import DomainError, InvalidUpload, NotPermitted
from companies.models import OperatingCompany
from emergency.choices import FlagKind, IncidentSource
from emergency.models import Drill, EmergencyPlan, Incident, PreparednessFlag
from emergency.plan_services import (
    drill_findings_record,
    drill_incident_run,
    drill_save,
    plan_save,
    preparedness_flags_sync,
)
from emergency.tasks import preparedness_flags_task
from hazards.models import Hazard, HazardTransition
from hca.loading import single_line, to_metric, to_wgs84
from tests.conftest import DEMO_TODAY, PDF_BYTES, jpeg_bytes

pytestmark = pytest.mark.django_db


def _companies():
    return list(OperatingCompany.objects.order_by("pk"))


def _staff(company) -> User:
    return User.objects.get(company=company, username__startswith="company")


def _on_pipeline(pipeline, fraction=0.5) -> Point:
    line = single_line(to_metric(np.array([shapely.from_wkb(bytes(pipeline.route.wkb))], dtype=object))[0])
    p = to_wgs84(np.array([line.interpolate(line.length * fraction)], dtype=object))[0]
    return Point(p.x, p.y, srid=4326)


def _open():
    return set(
        PreparednessFlag.objects.filter(cleared_at__isnull=True).values_list(
            "pk", "company_id", "kind", "plan_id", "due_on"
        )
    )


@pytest.fixture
def drill(db):
    company = _companies()[0]
    return drill_save(drill=Drill(company=company, kind="special", held_on=DEMO_TODAY, scenario="管道泄漏专项演练"))


def test_the_demo_has_plans_and_drills_for_every_company_and_a_few_overdue():
    companies = _companies()
    assert set(EmergencyPlan.objects.values_list("company", flat=True)) == {c.pk for c in companies}
    assert set(Drill.objects.values_list("company", flat=True)) == {c.pk for c in companies}
    flags = {(f.company_id, f.kind) for f in PreparednessFlag.objects.filter(cleared_at__isnull=True)}
    assert flags == {
        (companies[1].pk, FlagKind.REVIEW_OVERDUE),
        (companies[2].pk, FlagKind.ONSITE_DRILL_OVERDUE),
        (companies[3].pk, FlagKind.NOT_FILED),
    }
    review = PreparednessFlag.objects.get(kind=FlagKind.REVIEW_OVERDUE)
    assert review.plan.kind == "comprehensive" and review.due_on == review.plan.next_review_on < DEMO_TODAY
    onsite = PreparednessFlag.objects.get(kind=FlagKind.ONSITE_DRILL_OVERDUE)
    assert onsite.due_on == DEMO_TODAY - timedelta(days=245) + (date(2026, 9, 20) - date(2026, 3, 20))


def test_the_nightly_run_is_idempotent_and_clears_a_flag_once_it_is_met():
    before = _open()
    assert preparedness_flags_sync(today=DEMO_TODAY) == {"raised": 0, "cleared": 0, "open": 3}
    assert _open() == before
    company = _companies()[2]
    drill_save(drill=Drill(company=company, kind="onsite", held_on=DEMO_TODAY, scenario="站场泄漏现场处置"))
    assert preparedness_flags_sync(today=DEMO_TODAY) == {"raised": 0, "cleared": 1, "open": 2}
    flag = PreparednessFlag.objects.get(company=company, kind=FlagKind.ONSITE_DRILL_OVERDUE)
    assert flag.cleared_at is not None  # kept, with the time it was cleared
    assert preparedness_flags_sync(today=DEMO_TODAY) == {"raised": 0, "cleared": 0, "open": 2}
    # The plan reviewed: its flag clears too. Six months and a day later the on-site drill is overdue again.
    plan = PreparednessFlag.objects.get(kind=FlagKind.REVIEW_OVERDUE).plan
    plan.last_reviewed_on = DEMO_TODAY
    plan_save(plan=plan)
    assert preparedness_flags_sync(today=DEMO_TODAY)["cleared"] == 1
    later = date(2027, 5, 22)
    preparedness_flags_sync(today=later)
    assert PreparednessFlag.objects.filter(
        company=company, kind=FlagKind.ONSITE_DRILL_OVERDUE, cleared_at__isnull=True, due_on=date(2027, 5, 21)
    ).exists()


def test_the_task_runs_the_sync_and_the_schedule_is_installed_on_migrate():
    assert preparedness_flags_task(DEMO_TODAY.isoformat()) == {"raised": 0, "cleared": 0, "open": 3}
    job = PeriodicTask.objects.get(name="nightly-preparedness-flags")
    assert job.task == "emergency.tasks.preparedness_flags_task" and job.crontab.hour == "1"


def test_a_drill_on_a_simulated_incident_and_its_findings_become_reported_hazards(drill, inspector):
    pipeline = drill.company.pipelines.order_by("code").first()
    incident = drill_incident_run(
        drill=drill, location=_on_pipeline(pipeline), kind="leak", level="III", actor=inspector
    )
    assert (incident.is_drill, incident.source, incident.pipeline) == (True, IncidentSource.DRILL, pipeline)
    assert incident.trace["pipeline_code"] == pipeline.code
    drill.refresh_from_db()
    assert drill.incident == incident
    with pytest.raises(DomainError):  # one simulated incident per drill
        drill_incident_run(drill=drill, location=_on_pipeline(pipeline), kind="leak", level="III", actor=inspector)

    elsewhere = _on_pipeline(pipeline, 0.2)
    # Another company's pipeline, or no pipeline near: refused, nothing kept.
    other = drill_save(drill=Drill(company=_companies()[1], kind="onsite", held_on=DEMO_TODAY, scenario="现场处置"))
    before = Incident.objects.count()
    for point in (_on_pipeline(pipeline, 0.5), Point(118.0, 38.9, srid=4326)):
        with pytest.raises(DomainError) as refused:
            drill_incident_run(drill=other, location=point, kind="leak", level="IV", actor=inspector)
        assert refused.value.field == "location"
    assert Incident.objects.count() == before and other.incident is None

    hazards = drill_findings_record(
        drill=drill,
        actor=inspector,
        findings=[
            {"category": "management", "level": "general", "description": "应急物资库存不足"},
            {"category": "missing_marker", "level": "major", "description": "阀室标识缺失", "location": elsewhere},
        ],
    )
    assert [h.status for h in hazards] == ["reported", "reported"]
    first, second = hazards
    assert (first.location, first.pipeline, first.company) == (incident.location, pipeline, drill.company)
    assert (second.location.x, second.pipeline) == (pytest.approx(elsewhere.x), pipeline)
    assert first.found_on == drill.held_on and first.reported_by == inspector and first.code.startswith("YH-")
    assert set(drill.hazards.all()) == set(hazards) == set(incident.hazards.all())
    assert HazardTransition.objects.filter(hazard__in=hazards, action="report").count() == 2


def test_company_staff_record_their_own_drills_findings_but_not_another_companys(drill):
    own, other = _staff(drill.company), _staff(_companies()[1])
    location = _on_pipeline(drill.company.pipelines.order_by("code").first())
    [hazard] = drill_findings_record(
        drill=drill, actor=own, findings=[{"description": "通讯录未更新", "location": location}]
    )
    assert (hazard.status, hazard.source, hazard.reported_by, hazard.category) == (
        "reported",
        "self_report",
        own,
        "management",
    )
    before = Hazard.objects.count()
    with pytest.raises(NotPermitted):
        drill_findings_record(drill=drill, actor=other, findings=[{"description": "x", "location": location}])
    assert Hazard.objects.count() == before


def test_a_finding_without_a_place_on_a_drill_without_an_incident_is_refused_and_nothing_is_written(drill, inspector):
    location = _on_pipeline(drill.company.pipelines.order_by("code").first())
    before = (Hazard.objects.count(), drill.hazards.count())
    with pytest.raises(DomainError, match=r"第2条|Finding 2"):
        drill_findings_record(
            drill=drill,
            actor=inspector,
            findings=[{"description": "合格", "location": location}, {"description": "无位置"}],
        )
    with pytest.raises(DomainError, match=r"第1条|Finding 1"):
        drill_findings_record(drill=drill, actor=inspector, findings=[{"description": " ", "location": location}])
    assert (Hazard.objects.count(), drill.hazards.count()) == before


def test_a_plan_document_must_be_a_pdf_and_is_served_only_to_who_may_see_the_plan(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    company, other = _companies()[0], _companies()[1]
    plan = EmergencyPlan.objects.filter(company=company).first()
    with pytest.raises(InvalidUpload):
        plan_save(plan=plan, document=SimpleUploadedFile("预案.pdf", jpeg_bytes()))
    assert not any(tmp_path.rglob("*.*"))
    plan_save(plan=plan, document=SimpleUploadedFile("综合预案.pdf", PDF_BYTES), actor=_staff(company))
    plan.refresh_from_db()
    assert plan.document_name == "综合预案.pdf" and plan.document.name.startswith("emergency/plans/")
    url = reverse("admin:emergency_emergencyplan_document", args=[plan.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(_staff(company))
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    client.force_login(_staff(other))
    assert client.get(url).status_code == 404


def test_inspector_sees_every_plan_and_filters_the_overdue_ones(client, inspector):
    client.force_login(inspector)
    response = client.get(reverse("admin:emergency_emergencyplan_changelist"), {"overdue": "yes"})
    assert response.status_code == 200
    flagged = set(PreparednessFlag.objects.filter(plan__isnull=False).values_list("plan", flat=True))
    assert {p.pk for p in response.context["cl"].result_list} == flagged and len(flagged) == 2
    assert "预案评审逾期" in response.content.decode() or "plan review overdue" in response.content.decode()
    response = client.get(reverse("admin:emergency_drill_changelist"), {"overdue": "yes"})
    assert {d.company_id for d in response.context["cl"].result_list} == {_companies()[2].pk}
    assert client.get(reverse("admin:emergency_preparednessflag_changelist")).status_code == 200


def test_company_staff_keep_their_own_plans_and_drills_only(client):
    company, other = _companies()[0], _companies()[1]
    staff = _staff(company)
    client.force_login(staff)
    response = client.get(reverse("admin:emergency_emergencyplan_changelist"))
    assert {p.company_id for p in response.context["cl"].result_list} == {company.pk}
    response = client.get(reverse("admin:emergency_drill_changelist"))
    assert {d.company_id for d in response.context["cl"].result_list} == {company.pk}
    theirs = EmergencyPlan.objects.filter(company=other).first()
    response = client.get(reverse("admin:emergency_emergencyplan_change", args=[theirs.pk]))
    assert response.status_code == 302  # "does not exist": back to the list
    their_drill = Drill.objects.filter(company=other).first()
    assert client.get(reverse("admin:emergency_drill_change", args=[their_drill.pk])).status_code == 302
    assert client.get(reverse("admin:emergency_drill_findings", args=[their_drill.pk])).status_code == 404
    # They add a plan of their own company; another company is not offered.
    url = reverse("admin:emergency_emergencyplan_add")
    data = {
        "company": other.pk,
        "kind": "onsite",
        "title": "阀室火灾现场处置方案",
        "effective_on": "2026-10-01",
        "filed_on": "2026-10-15",
        "filed_with": "东营市东营区应急管理局",
        "last_reviewed_on": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and not EmergencyPlan.objects.filter(title="阀室火灾现场处置方案").exists()
    response = client.post(url, {**data, "company": company.pk})
    assert response.status_code == 302
    plan = EmergencyPlan.objects.get(title="阀室火灾现场处置方案")
    assert (plan.company, plan.filed_on, plan.next_review_on) == (company, date(2026, 10, 15), date(2029, 10, 1))
    # Filed without naming the county: refused with the reason.
    response = client.post(url, {**data, "company": company.pk, "title": "另一方案", "filed_with": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors["filed_with"]


def test_a_manager_views_plans_and_drills_but_cannot_add_them(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:emergency_emergencyplan_changelist")).status_code == 200
    assert client.get(reverse("admin:emergency_drill_changelist")).status_code == 200
    assert client.get(reverse("admin:emergency_emergencyplan_add")).status_code == 403
    drill = Drill.objects.first()
    assert client.get(reverse("admin:emergency_drill_findings", args=[drill.pk])).status_code == 403


def test_the_drill_pages_run_a_simulated_incident_and_record_findings(client, drill):
    staff = _staff(drill.company)
    client.force_login(staff)
    page = client.get(reverse("admin:emergency_drill_change", args=[drill.pk])).content.decode()
    assert reverse("admin:emergency_drill_simulate", args=[drill.pk]) in page
    point = _on_pipeline(drill.company.pipelines.order_by("code").first())
    url = reverse("admin:emergency_drill_simulate", args=[drill.pk])
    assert client.get(url).status_code == 200
    # The map widget posts in its own projection (EPSG:3857).
    response = client.post(url, {"kind": "leak", "level": "IV", "location": point.transform(3857, clone=True).geojson})
    drill.refresh_from_db()
    assert drill.incident is not None and response.url == reverse(
        "admin:emergency_incident_change", args=[drill.incident.pk]
    )
    url = reverse("admin:emergency_drill_findings", args=[drill.pk])
    form = {"finding-TOTAL_FORMS": "2", "finding-INITIAL_FORMS": "0", "finding-MIN_NUM_FORMS": "1",
            "finding-MAX_NUM_FORMS": "1000"}  # fmt: skip
    row = {"finding-0-category": "management", "finding-0-level": "general", "finding-0-description": "警戒距离不足"}
    response = client.post(url, {**form, **row, "finding-1-longitude": "118.5"})
    assert response.status_code == 200 and drill.hazards.count() == 0  # half a place: the form says so
    response = client.post(url, {**form, **row})
    assert response.status_code == 302
    [hazard] = drill.hazards.all()
    assert (hazard.description, hazard.status, hazard.location) == ("警戒距离不足", "reported", drill.incident.location)
    page = client.get(reverse("admin:emergency_drill_change", args=[drill.pk])).content.decode()
    assert hazard.code in page and drill.incident.code in page


def test_company_staff_upload_their_plans_pdf_in_the_admin_and_anything_else_is_refused(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    company = _companies()[0]
    plan = EmergencyPlan.objects.filter(company=company, filed_on__isnull=False).first()
    client.force_login(_staff(company))
    url = reverse("admin:emergency_emergencyplan_change", args=[plan.pk])
    data = {
        "company": company.pk,
        "kind": plan.kind,
        "title": plan.title,
        "effective_on": plan.effective_on.isoformat(),
        "filed_on": plan.filed_on.isoformat(),
        "filed_with": plan.filed_with,
        "last_reviewed_on": "",
    }
    response = client.post(url, {**data, "document": SimpleUploadedFile("预案.pdf", jpeg_bytes())})
    assert response.status_code == 200 and "预案.pdf" in str(response.context["adminform"].form.errors["document"])
    assert not any(tmp_path.rglob("*.*"))
    response = client.post(url, {**data, "document": SimpleUploadedFile("综合应急预案.pdf", PDF_BYTES)})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.document_name == "综合应急预案.pdf" and plan.document_size == len(PDF_BYTES)
    page = client.get(url).content.decode()
    assert reverse("admin:emergency_emergencyplan_document", args=[plan.pk]) in page
    assert "/media/" not in page  # never a direct link to the stored file
    # Saved again without a new file: the document stays.
    assert client.post(url, {**data, "title": "综合应急预案(2026修订)"}).status_code == 302
    plan.refresh_from_db()
    assert plan.document_name == "综合应急预案.pdf" and plan.title == "综合应急预案(2026修订)"


def test_company_staff_add_a_drill_of_their_own_company_with_their_own_plan(client):
    company, other = _companies()[0], _companies()[1]
    client.force_login(_staff(company))
    url = reverse("admin:emergency_drill_add")
    data = {
        "company": company.pk,
        "kind": "onsite",
        "held_on": "2026-11-18",
        "plan": EmergencyPlan.objects.filter(company=other).first().pk,
        "scenario": "阀室法兰泄漏现场处置",
        "participants": "站场值班人员",
        "participant_count": "8",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["adminform"].form.errors["plan"]
    own_plan = EmergencyPlan.objects.filter(company=company, kind="onsite").first()
    assert client.post(url, {**data, "plan": own_plan.pk}).status_code == 302
    drill = Drill.objects.get(scenario="阀室法兰泄漏现场处置")
    assert (drill.company, drill.plan, drill.held_on) == (company, own_plan, date(2026, 11, 18))
    response = client.get(reverse("admin:emergency_drill_changelist"))
    assert response.status_code == 200 and drill in response.context["cl"].result_list
