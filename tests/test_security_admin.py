"""The security register in the admin, in Chinese: the incident list with its map, recording one on the map,
its page (steps, evidence, police case, emergency links, history), the hotspots map, the figures page and its
Excel export, refinery points with their re-checks; company scoping with an owner, a regulator and an outsider."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from pipelines.chainage import pipeline_point_at
from pipelines.models import Pipeline
from security.choices import TheftStatus
from security.models import RefineryPoint, TheftIncident
from security.refinery import refinery_rechecks_raise, refinery_record
from security.services import police_case_create, theft_record
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return User.objects.filter(username="company01").get()


@pytest.fixture
def outsider():
    return User.objects.filter(username="company02").get()


@pytest.fixture
def incident(owner):
    pipeline = Pipeline.objects.filter(company=owner.company).order_by("code").first()
    today = timezone.localdate()
    return theft_record(
        pipeline=pipeline,
        location=pipeline_point_at(pipeline=pipeline, chainage_m=1200.0),
        found_on=today - timedelta(days=3),
        found_how="patrol",
        tap_kind="clamp",
        tapped_on=today - timedelta(days=10),
    )


def login(client, user):
    client.force_login(user)
    return client


def test_the_list_map_and_pages_for_an_inspector(client, inspector, incident):
    login(client, inspector)
    changelist = reverse("admin:security_theftincident_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and incident.code in page.content.decode()
    assert "打孔盗油" in page.content.decode()
    features = client.get(changelist + "?_overview=1").json()["features"]
    assert any(f["properties"]["label"].startswith(incident.code) for f in features)
    change = client.get(reverse("admin:security_theftincident_change", args=[incident.pk])).content.decode()
    assert "下一步" in change and "封堵" in change and incident.pipeline.code in change
    for name in ("hotspots", "figures"):
        assert client.get(reverse(f"admin:security_theftincident_{name}")).status_code == 200
    assert client.get(reverse("admin:security_policecase_changelist")).status_code == 200
    assert client.get(reverse("admin:security_refinerypoint_changelist")).status_code == 200
    assert client.get(reverse("admin:security_refineryrecheck_changelist")).status_code == 200
    assert client.get(reverse("admin:security_theftincident_add")).status_code == 200
    assert client.get(reverse("admin:security_refinerypoint_add")).status_code == 200


def test_recording_on_the_map_then_the_life_cycle_evidence_and_history(client, inspector):
    login(client, inspector)
    pipeline = Pipeline.objects.order_by("code").first()
    point = pipeline_point_at(pipeline=pipeline, chainage_m=800.0)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:security_theftincident_add"),
        {
            "pipeline": pipeline.pk,
            "location": point.ewkt,
            "found_on": today.isoformat(),
            "found_how": "pressure_drop",
            "tap_kind": "drilled",
            "tapped_on": "",
            "volume_lost_t": "1.5",
            "shutdown_hours": "6",
            "repair": "",
            "cost_yuan": "20000",
            "description": "夜间打孔",
        },
    )
    incident = TheftIncident.objects.get(pipeline=pipeline, description="夜间打孔")
    assert response.status_code == 302 and response.url.endswith(f"/{incident.pk}/change/")
    assert incident.chainage_m == pytest.approx(800.0, abs=0.5)
    step = reverse("admin:security_theftincident_step", args=[incident.pk])
    client.post(step, {"to_status": "solved", "on": today.isoformat()})
    incident.refresh_from_db()
    assert incident.status == TheftStatus.FOUND  # refused, with the reason
    client.post(step, {"to_status": "sealed", "on": today.isoformat(), "comment": "已封堵"})
    incident.refresh_from_db()
    assert incident.status == TheftStatus.SEALED and incident.sealed_on == today
    upload = SimpleUploadedFile("现场.jpg", jpeg_bytes(), content_type="image/jpeg")
    client.post(reverse("admin:security_theftincident_evidence", args=[incident.pk]), {"file": upload})
    evidence = incident.evidence.get()
    download = client.get(reverse("admin:security_theftincident_evidence_download", args=[evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment") and download["X-Content-SHA256"] == evidence.sha256
    page = client.get(reverse("admin:security_theftincident_change", args=[incident.pk])).content.decode()
    assert evidence.sha256 in page and "已封堵" in page
    # A point far from the pipeline is refused under the map, nothing written.
    far = pipeline_point_at(pipeline=pipeline, chainage_m=800.0).clone()
    far.y += 0.01
    before = TheftIncident.objects.count()
    refused = client.post(
        reverse("admin:security_theftincident_add"),
        {
            "pipeline": pipeline.pk,
            "location": far.ewkt,
            "found_on": today.isoformat(),
            "found_how": "patrol",
            "tap_kind": "valve",
            "volume_lost_t": "0",
            "shutdown_hours": "0",
            "cost_yuan": "0",
        },
    )
    assert refused.status_code == 200 and pipeline.code in refused.content.decode()
    assert TheftIncident.objects.count() == before


def test_police_case_and_emergency_links_shown_on_both_pages(client, inspector, incident):
    from emergency.services import incident_report

    login(client, inspector)
    case = police_case_create(number="东公刑[2026]7号", unit="东营分局", charge="盗窃罪", opened_on=date(2026, 11, 1))
    client.post(reverse("admin:security_theftincident_link_case", args=[incident.pk]), {"code": case.number})
    incident.refresh_from_db()
    assert incident.police_case == case
    emergency = incident_report(
        kind="theft_tap", level="IV", location=incident.location, occurred_at=timezone.now() - timedelta(hours=2)
    )
    client.post(
        reverse("admin:security_theftincident_link_from_emergency", args=[emergency.pk]), {"code": incident.code}
    )
    assert list(incident.emergency_incidents.all()) == [emergency]
    emergency_page = client.get(reverse("admin:emergency_incident_change", args=[emergency.pk])).content.decode()
    assert incident.code in emergency_page and "关联的打孔盗油案事件" in emergency_page
    theft_page = client.get(reverse("admin:security_theftincident_change", args=[incident.pk])).content.decode()
    assert emergency.code in theft_page and case.number in theft_page
    case_page = client.get(reverse("admin:security_policecase_change", args=[case.pk])).content.decode()
    assert incident.code in case_page


def test_company_scoping_owner_regulator_outsider(client, owner, outsider, manager, incident):
    change = reverse("admin:security_theftincident_change", args=[incident.pk])
    changelist = reverse("admin:security_theftincident_changelist")
    assert login(client, owner).get(change).status_code == 200
    assert incident.code in client.get(changelist).content.decode()
    client.logout()
    assert login(client, manager).get(change).status_code == 200
    assert "下一步" not in client.get(change).content.decode()  # managers watch
    client.logout()
    login(client, outsider)
    assert client.get(change).status_code == 302  # not theirs: the admin sends them to the list
    assert incident.code not in client.get(changelist).content.decode()
    assert (
        client.post(
            reverse("admin:security_theftincident_step", args=[incident.pk]),
            {"to_status": "sealed", "on": "2026-11-20"},
        ).status_code
        == 404
    )
    # Refinery points are the regulator's: company staff have no page for them.
    assert client.get(reverse("admin:security_refinerypoint_changelist")).status_code == 403


def test_refinery_point_shut_recheck_and_recurrence_in_the_admin(client, inspector):
    login(client, inspector)
    today = timezone.localdate()
    point = refinery_record(
        kind="still",
        found_on=today - timedelta(days=200),
        location=pipeline_point_at(pipeline=Pipeline.objects.order_by("code").first(), chainage_m=500.0),
    )
    shut = reverse("admin:security_refinerypoint_shut", args=[point.pk])
    client.post(shut, {"on": (today - timedelta(days=100)).isoformat(), "by": "联合执法组"})
    point.refresh_from_db()
    assert point.status == "shut"
    refinery_rechecks_raise(today=today)
    assert point.rechecks.count() == 2  # +30 and +90 are due, +180 not yet
    page = client.get(reverse("admin:security_refinerypoint_change", args=[point.pk])).content.decode()
    assert "复查" in page and "死灰复燃" in page
    first = point.rechecks.order_by("offset_days").first()
    client.post(
        reverse("admin:security_refinerypoint_recheck", args=[point.pk]),
        {"recheck": first.pk, "working": "1", "on": today.isoformat(), "checked_by": "巡护队"},
    )
    point.refresh_from_db()
    assert (point.status, point.recurrences) == ("working", 1)


def test_figures_page_and_excel_exports(client, inspector, incident):
    login(client, inspector)
    page = client.get(reverse("admin:security_theftincident_figures") + "?start=2026-01-01&end=2026-12-31")
    text = page.content.decode()
    assert "破案率" in text and "每百公里" in text
    bad = client.get(reverse("admin:security_theftincident_figures") + "?start=2026-12-31&end=2026-01-01")
    assert bad.status_code == 200
    book = load_workbook(BytesIO(client.get(reverse("admin:security_theftincident_figures_xlsx")).content))
    assert len(book.sheetnames) == 4
    ledger = load_workbook(BytesIO(client.get(reverse("admin:security_theftincident_ledger")).content))
    codes = [row[0].value for row in ledger.active.iter_rows(min_row=2)]
    assert incident.code in codes


def test_company_staff_record_on_their_own_pipelines_only(client, owner, outsider):
    mine = Pipeline.objects.filter(company=owner.company).order_by("code").first()
    theirs = Pipeline.objects.filter(company=outsider.company).order_by("code").first()
    login(client, owner)
    form = client.get(reverse("admin:security_theftincident_add")).content.decode()
    assert mine.code in form and theirs.code not in form  # the pipeline choice is scoped
    today = timezone.localdate().isoformat()
    data = {
        "found_on": today,
        "found_how": "patrol",
        "tap_kind": "valve",
        "volume_lost_t": "0",
        "shutdown_hours": "0",
        "cost_yuan": "0",
        "description": "企业巡线发现",
    }
    point = pipeline_point_at(pipeline=theirs, chainage_m=500.0)
    refused = client.post(
        reverse("admin:security_theftincident_add"), {**data, "pipeline": theirs.pk, "location": point.ewkt}
    )
    assert refused.status_code == 200 and not TheftIncident.objects.filter(description="企业巡线发现").exists()
    point = pipeline_point_at(pipeline=mine, chainage_m=500.0)
    client.post(reverse("admin:security_theftincident_add"), {**data, "pipeline": mine.pk, "location": point.ewkt})
    recorded = TheftIncident.objects.get(description="企业巡线发现")
    assert recorded.pipeline == mine and recorded.recorded_by == owner


def test_refinery_ledger_follows_the_list_filter(client, inspector):
    login(client, inspector)
    url = reverse("admin:security_refinerypoint_ledger")
    book = load_workbook(BytesIO(client.get(url).content))
    assert book.active.max_row - 1 == RefineryPoint.objects.count()
    shut = load_workbook(BytesIO(client.get(url + "?status__exact=shut").content))
    assert shut.active.max_row - 1 == RefineryPoint.objects.filter(status="shut").count()
    assert client.get(url + "?nonsense=1").status_code == 200
    listing = client.get(reverse("admin:security_refinerypoint_changelist") + "?status__exact=shut").content.decode()
    assert "ledger.xlsx?status__exact=shut" in listing
