# ruff: noqa: F811 (the fixtures of tests/construction_fixtures.py are imported by name)
"""Applications (第三方施工申请) through their life cycle: services, rules, history, scoping, working days."""

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point

from common.errors import DomainError, NotPermitted
from construction import services
from construction.lifecycle import AgreementKind, Answer, ApplicationStatus, SiteAction, StepKind
from tests.construction_fixtures import (  # noqa: F401
    contractors,
    jpeg,
    operator_staff,
    pdf,
    site,
    submit,
    today_is,
)

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def english():
    """The services' messages in English here (the pages, in Chinese, are tested in test_construction_admin)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector):
    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    application = submit(contractor, user, site, start=DAY + timedelta(days=10))
    services.application_approve(application=application, actor=inspector, comment="同意")
    return services.notice_send(application=application, actor=user)


def test_submission_runs_the_check_and_lists_one_operator_per_company(monkeypatch, site, contractors):
    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    application = submit(contractor, user, site)
    assert application.number.startswith("SG-2026-")
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.verdict == "approval_required"
    assert sorted(application.operators.values_list("company_id", flat=True)) == sorted(site.company_ids)
    operator = application.operators.first()
    assert operator.band == "crosses" and operator.articles == ["35(1)"] and operator.pipelines
    assert application.work_plan_name == "施工方案.pdf"
    step = application.steps.get()
    assert step.kind == StepKind.SUBMITTED and step.actor == user


def test_the_decision_is_due_in_20_working_days(monkeypatch, site, contractors):
    """2026-09-28 (Mon) + 20 working days: the National Day holiday (Oct 1–7 off) is skipped and the make-up
    working day Saturday Oct 10 counts, so the 20th is Friday Oct 30 (weekdays alone would give Oct 26)."""
    contractor, user, *_ = contractors
    today_is(monkeypatch, date(2026, 9, 28))
    application = submit(contractor, user, site, start=date(2026, 10, 12))
    assert application.decision_due == date(2026, 10, 30)


def test_working_days_holiday_and_make_up_day():
    from construction.workdays import calendar_covers, is_working_day, working_days_add

    assert not is_working_day(date(2026, 10, 1))  # National Day: a Thursday off
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked in its place (调休)
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert working_days_add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert working_days_add(date(2026, 10, 9), 1) == date(2026, 10, 10)
    # The installed calendar does not know 2027 yet: the count falls back to Monday–Friday and says so.
    assert calendar_covers(date(2026, 12, 31)) and not calendar_covers(date(2027, 1, 4))
    assert working_days_add(date(2027, 1, 1), 1) == date(2027, 1, 4)


def test_whole_life_cycle_with_two_operators(monkeypatch, site, contractors, operator_staff, inspector):
    _contractor, user, *_ = contractors
    first, second, _outsider = operator_staff
    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    assert application.status == ApplicationStatus.NOTIFIED and application.notice_sent_on == DAY
    today_is(monkeypatch, DAY + timedelta(days=10))
    with pytest.raises(DomainError) as refused:
        services.application_start(application=application, actor=user)
    message = str(refused.value.message)
    for operator in application.operators.select_related("company"):
        assert operator.company.name in message  # each missing answer and agreement is named
    op1 = application.operators.get(company=first.company)
    op2 = application.operators.get(company=second.company)
    services.operator_answer(operator=op1, answer=Answer.NO_CONFLICT, site_action=SiteAction.MARKED, actor=first)
    services.operator_answer(operator=op2, answer=Answer.CONFLICT, site_action=SiteAction.PRESENCE, actor=second,
                             comment="交叉处需人工开挖")  # fmt: skip
    services.agreement_upload(operator=op1, kind=AgreementKind.SAFETY, file=pdf(), actor=first)
    with pytest.raises(DomainError) as still:
        services.application_start(application=application, actor=user)
    assert second.company.name in str(still.value.message) and first.company.name not in str(still.value.message)
    services.safety_review(operator=op2, actor=inspector, comment="经安全评审,可按方案施工")
    services.application_start(application=application, actor=user)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_WAY and application.started_on == DAY + timedelta(days=10)
    checkin = services.checkin_record(application=application, location=site.point, photo=jpeg(), actor=second,
                                      note="现场监护")  # fmt: skip
    assert checkin.operator == op2 and checkin.distance_m < 1
    with pytest.raises(DomainError):
        services.application_complete(application=application, backfilled=True, markers_restored=False, actor=user)
    services.application_complete(application=application, backfilled=True, markers_restored=True, actor=user)
    services.application_close(application=application, actor=inspector)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED
    kinds = list(application.steps.values_list("kind", flat=True))
    assert kinds == [
        StepKind.SUBMITTED, StepKind.APPROVED, StepKind.NOTICE_SENT, StepKind.ANSWERED, StepKind.ANSWERED,
        StepKind.AGREEMENT_UPLOADED, StepKind.SAFETY_REVIEWED, StepKind.STARTED, StepKind.CHECKED_IN,
        StepKind.COMPLETED, StepKind.CLOSED,
    ]  # fmt: skip


def test_work_cannot_start_within_7_days_of_the_notice(monkeypatch, site, contractors, operator_staff, inspector):
    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    application = submit(contractor, user, site, start=DAY + timedelta(days=3))
    services.application_approve(application=application, actor=inspector)
    with pytest.raises(DomainError, match="7"):
        services.application_start(application=application, actor=user)  # no notice yet
    services.notice_send(application=application, actor=user)
    for operator in application.operators.all():
        services.operator_answer(operator=operator, answer=Answer.NO_CONFLICT, site_action=SiteAction.MARKED,
                                 actor=None)  # fmt: skip
        services.safety_review(operator=operator, actor=inspector, comment="评审通过")
    today_is(monkeypatch, DAY + timedelta(days=6))
    with pytest.raises(DomainError, match="2026-12-08"):
        services.application_start(application=application, actor=user)
    today_is(monkeypatch, DAY + timedelta(days=7))
    services.application_start(application=application, actor=user)


def test_agreements_are_versioned(monkeypatch, site, contractors, operator_staff, inspector):
    first = operator_staff[0]
    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    operator = application.operators.get(company=first.company)
    v1 = services.agreement_upload(operator=operator, kind=AgreementKind.PROTECTION, file=pdf("v1.pdf"), actor=first)
    v2 = services.agreement_upload(operator=operator, kind=AgreementKind.PROTECTION, file=pdf("v2.pdf"), actor=first)
    other = services.agreement_upload(operator=operator, kind=AgreementKind.SAFETY, file=pdf("s.pdf"), actor=first)
    assert (v1.version, v2.version, other.version) == (1, 2, 1)
    assert operator.agreements.count() == 3 and v1.file.name != v2.file.name
    with pytest.raises(DomainError):
        services.agreement_upload(operator=operator, kind=AgreementKind.SAFETY, file=jpeg(), actor=first)


def test_sides_are_enforced(monkeypatch, site, contractors, operator_staff, inspector):
    contractor_a, user_a, _contractor_b, user_b = contractors
    first, second, outsider = operator_staff
    today_is(monkeypatch, DAY)
    with pytest.raises(NotPermitted):
        submit(contractor_a, user_b, site)  # B cannot submit for A
    application = submit(contractor_a, user_a, site)
    operator = application.operators.get(company=first.company)
    with pytest.raises(NotPermitted):
        services.operator_answer(operator=operator, answer="no_conflict", site_action="marked", actor=second)
    with pytest.raises(NotPermitted):
        services.operator_answer(operator=operator, answer="no_conflict", site_action="marked", actor=outsider)
    with pytest.raises(NotPermitted):
        services.application_approve(application=application, actor=first)  # operators do not approve
    with pytest.raises(NotPermitted):
        services.application_approve(application=application, actor=user_a)
    services.application_approve(application=application, actor=inspector)
    with pytest.raises(NotPermitted):
        services.notice_send(application=application, actor=user_b)


def test_prohibited_work_cannot_be_approved(monkeypatch, contractors, inspector):
    from demo.construction import demo_sites

    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    _pairs, singles = demo_sites(pairs=0, singles=1)
    single = singles[0]
    from common.gis import to_metric, transformed
    from pipelines.models import Pipeline

    route = Pipeline.objects.get(code=single.pipeline_codes[0]).route
    on_line = transformed(to_metric(route).interpolate(to_metric(route).length / 2), 4326)  # ON the centreline
    application = services.application_submit(
        contractor=contractor, project="建房", contact_person="赵工", contact_phone="1", area=on_line,
        work_type="building", planned_start=DAY, planned_end=DAY, actor=user,
    )  # fmt: skip
    assert application.verdict == "prohibited"
    with pytest.raises(DomainError, match="30"):
        services.application_approve(application=application, actor=inspector)
    services.application_refuse(application=application, actor=inspector, reason="第三十条禁止")
    assert application.steps.last().kind == StepKind.REFUSED


def test_bad_input_is_refused_with_a_message(monkeypatch, site, contractors):
    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    with pytest.raises(DomainError, match="past"):
        submit(contractor, user, site, start=DAY - timedelta(days=1))
    with pytest.raises(DomainError, match="work type"):
        submit(contractor, user, site, work_type="teleport")
    from construction.models import Application

    assert not Application.objects.filter(contractor=contractor).exists()


def test_checkin_far_from_the_site_is_refused(monkeypatch, site, contractors, operator_staff, inspector):
    second = operator_staff[1]
    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    far = Point(site.point.x + 0.05, site.point.y, srid=4326)
    with pytest.raises(DomainError, match="m from the work area"):
        services.checkin_record(application=application, location=far, photo=jpeg(), actor=second)


def test_expiry_is_idempotent(monkeypatch, site, contractors, operator_staff, inspector):
    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    application.refresh_from_db()
    assert application.number not in services.applications_expire(today=application.valid_until)
    later = application.valid_until + timedelta(days=1)
    assert application.number in services.applications_expire(today=later)  # (and the demo's lapsed ones)
    assert services.applications_expire(today=later) == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED and application.steps.last().kind == StepKind.EXPIRED


def test_approved_application_covering(monkeypatch, site, contractors, operator_staff, inspector):
    """The work area buffered by 50 m (metric CRS), on a day between planned start and end."""
    from common.gis import to_metric, transformed
    from construction.selectors import approved_application_covering

    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    day = application.planned_start
    assert approved_application_covering(point=site.point, day=day) == application
    metric_point = to_metric(site.point)
    line = to_metric(site.line)
    # 40 m and 60 m beside the line's middle, square to it
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    near = transformed(Point(metric_point.x + 40 * nx, metric_point.y + 40 * ny, srid=metric_point.srid), 4326)
    far = transformed(Point(metric_point.x + 60 * nx, metric_point.y + 60 * ny, srid=metric_point.srid), 4326)
    assert approved_application_covering(point=near, day=day) == application
    assert approved_application_covering(point=far, day=day) is None
    assert approved_application_covering(point=site.point, day=day - timedelta(days=1)) is None
    assert approved_application_covering(point=site.point, day=application.planned_end + timedelta(days=1)) is None


def test_scoping_owner_member_outsider_and_contractors(monkeypatch, site, contractors, operator_staff, inspector):
    """Operators see applications that concern their pipelines; a contractor only its own; the office all."""
    from accounts.scoping import scope_queryset
    from construction.models import AgreementVersion, Application, ApplicationOperator, ApplicationStep, CheckIn

    contractor_a, user_a, _contractor_b, user_b = contractors
    first, second, outsider = operator_staff
    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    op1 = application.operators.get(company=first.company)
    services.agreement_upload(operator=op1, kind=AgreementKind.SAFETY, file=pdf(), actor=first)
    services.checkin_record(application=application, location=site.point, photo=jpeg(), actor=first)
    of_this = {
        Application: Application.objects.filter(pk=application.pk),
        ApplicationOperator: ApplicationOperator.objects.filter(application=application),
        AgreementVersion: AgreementVersion.objects.filter(operator__application=application),
        CheckIn: CheckIn.objects.filter(application=application),
        ApplicationStep: ApplicationStep.objects.filter(application=application),
    }
    for model, everything in of_this.items():
        mine = scope_queryset(everything, first)  # owner: one of the operators concerned
        assert mine.exists(), model
        assert scope_queryset(everything, second).count() == mine.count()  # the other operator too
        assert not scope_queryset(everything, outsider).exists(), model  # a company not concerned
        assert scope_queryset(everything, user_a).count() == mine.count(), model  # the contractor
        assert not scope_queryset(everything, user_b).exists(), model  # another contractor
        assert scope_queryset(everything, inspector).count() == mine.count()  # the office (member)
    # Two operator rows, but the application is listed once for each operator (distinct).
    assert scope_queryset(of_this[Application], first).count() == 1
    from construction.models import Contractor

    assert list(scope_queryset(Contractor.objects.all(), user_a)) == [contractor_a]
    assert contractor_a in scope_queryset(Contractor.objects.all(), first)
    assert contractor_a not in scope_queryset(Contractor.objects.all(), outsider)


def test_damage_becomes_a_third_party_hazard_and_a_leak_an_incident(
    monkeypatch, site, contractors, operator_staff, inspector
):
    from construction.damage import damage_report, incident_open
    from hazards.choices import HazardCategory, HazardStatus

    first = operator_staff[0]
    application = _walk_to_notice(monkeypatch, site, contractors, operator_staff, inspector)
    with pytest.raises(NotPermitted):
        damage_report(application=application, kind="damage", description="x", actor=operator_staff[2])
    with pytest.raises(NotPermitted):
        damage_report(application=application, kind="damage", description="x", actor=contractors[1])
    hazard = damage_report(application=application, kind="near_miss", description="挖掘机距管道不足1米",
                           actor=first, location=site.point)  # fmt: skip
    assert hazard.category == HazardCategory.THIRD_PARTY_CONSTRUCTION and hazard.status == HazardStatus.REPORTED
    assert hazard.company_id in site.company_ids and hazard.code.startswith("YH-")
    assert hazard.history.count() == 1 and list(application.hazards.all()) == [hazard]
    from django.utils import timezone

    incident = incident_open(application=application, kind="leak", level="IV", occurred_at=timezone.now(),
                             actor=inspector, location=site.point, hazard=hazard)  # fmt: skip
    assert list(application.incidents.all()) == [incident] and list(incident.hazards.all()) == [hazard]
    kinds = list(application.steps.values_list("kind", flat=True))
    assert kinds[-2:] == [StepKind.HAZARD_REPORTED, StepKind.INCIDENT_OPENED]


def test_approval_and_start_alert_the_city_platform(
    monkeypatch, site, contractors, operator_staff, inspector, django_capture_on_commit_callbacks
):
    """After commit, through the domain's signal: one signed delivery per subscription that wants the event."""
    import json

    from integrations.alerts import webhook_request
    from integrations.models import WebhookDelivery, WebhookSubscription

    contractor, user, *_ = contractors
    platform = WebhookSubscription.objects.create(
        name="平台", url="https://platform.example/hooks", event_types=["construction.approved", "construction.started"]
    )
    WebhookSubscription.objects.create(name="别的", url="https://x.example/h", event_types=["hazard.closed"])
    today_is(monkeypatch, DAY)
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(contractor, user, site, start=DAY + timedelta(days=7))
    assert not WebhookDelivery.objects.exists()  # a submission is not announced
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, actor=inspector)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(application=application, actor=user)
        for operator in application.operators.all():
            services.operator_answer(operator=operator, answer="no_conflict", site_action="marked", actor=None)
            services.safety_review(operator=operator, actor=inspector, comment="评审通过")
    today_is(monkeypatch, DAY + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        services.application_start(application=application, actor=user)
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [(d.subscription, d.event_type) for d in deliveries] == [
        (platform, "construction.approved"),
        (platform, "construction.started"),
    ]
    data = json.loads(webhook_request(deliveries[1]).data)["data"]
    assert data["application"]["number"] == application.number and data["step"]["kind"] == "started"
    assert data["application"]["started_on"] == (DAY + timedelta(days=7)).isoformat()
    assert sorted(data["application"]["companies"]) == sorted(site.company_ids)
