"""The security register (patrols.md "Theft and refineries"): theft incidents and their life cycle, evidence,
police cases, the link to emergency incidents, refinery points and their re-checks, the hotspot interface for
the patrols task generator, and the webhooks. Rules are also checked broken on purpose."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile

from pipelines.chainage import pipeline_point_at
from security import choices
from security.choices import FoundHow, RefineryStatus, TapKind, TheftAction, TheftStatus
from security.hotspots import active_hotspot_ranges, hotspot_clusters
from security.models import RefineryRecheck, TheftHistory, TheftIncident
from security.refinery import refinery_recheck_record, refinery_rechecks_raise, refinery_record, refinery_shut
from security.services import (
    SecurityError,
    evidence_intact,
    police_case_create,
    theft_case_link,
    theft_emergency_link,
    theft_evidence_add,
    theft_record,
    theft_step,
)
from tests.conftest import PDF_BYTES, jpeg_bytes
from tests.factories import PipelineFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 21)


@pytest.fixture
def pipeline():
    """A 10 km pipeline of its own, north of the demo city's network, inside 河口区's box."""
    line = LineString((118.60, 37.95), (118.715, 37.95), srid=4326)
    return PipelineFactory(code="T-SEC", route=MultiLineString(line, srid=4326))


def tap(pipeline, chainage, found_on, **kwargs):
    defaults = {"found_how": FoundHow.PATROL, "tap_kind": TapKind.VALVE, "today": TODAY}
    return theft_record(
        pipeline=pipeline,
        location=pipeline_point_at(pipeline=pipeline, chainage_m=chainage),
        found_on=found_on,
        **{**defaults, **kwargs},
    )


def test_an_incident_gets_its_chainage_county_code_and_history_and_a_far_point_is_refused(pipeline, inspector):
    incident = tap(pipeline, 3000.0, date(2026, 5, 1), tapped_on=date(2026, 4, 20), actor=inspector)
    assert incident.chainage_m == pytest.approx(3000.0, abs=0.2)
    assert incident.county == "河口区"
    assert incident.code.startswith("DY-2026-")
    assert incident.status == TheftStatus.FOUND
    assert incident.days_tap_to_discovery == 11
    (row,) = incident.history.all()
    assert (row.action, row.to_status, row.actor) == (TheftAction.RECORDED, TheftStatus.FOUND, inspector)
    far = Point(118.65, 37.96, srid=4326)  # about 1.1 km north
    with pytest.raises(SecurityError, match="T-SEC"):
        theft_record(pipeline=pipeline, location=far, found_on=TODAY, found_how="patrol", tap_kind="valve", today=TODAY)
    with pytest.raises(SecurityError):
        tap(pipeline, 100.0, date(2026, 5, 1), tapped_on=date(2026, 5, 2))
    with pytest.raises(SecurityError):
        tap(pipeline, 100.0, TODAY + timedelta(days=1))
    assert TheftIncident.objects.filter(pipeline=pipeline).count() == 1


FULL_PATH = [
    TheftStatus.SEALED,
    TheftStatus.REPORTED,
    TheftStatus.FILED,
    TheftStatus.SOLVED,
    TheftStatus.PROSECUTED,
    TheftStatus.CLOSED,
]


# patrols.md, written out independently of security.choices: 发现 → 封堵 → 报案 → 立案 or 不予立案 → 破案 →
# 移送起诉 → 结案 (不予立案 only closes the file).
DOC_NEXT = {
    "found": {"sealed"},
    "sealed": {"reported"},
    "reported": {"filed", "not_filed"},
    "filed": {"solved"},
    "not_filed": {"closed"},
    "solved": {"prosecuted"},
    "prosecuted": {"closed"},
    "closed": set(),
}


def life_cycle_holds(pipeline) -> bool:
    """True when exactly patrols.md's life cycle is followed (every other move refused)."""
    incident = tap(pipeline, 1000.0, date(2026, 3, 1))
    day = date(2026, 3, 2)
    for status in FULL_PATH:
        for other in TheftStatus.values:
            if other not in DOC_NEXT[incident.status]:
                try:
                    theft_step(incident=incident, to_status=other, on=day, today=TODAY)
                except SecurityError:
                    continue
                return False  # a move patrols.md does not allow was taken
        incident = theft_step(incident=incident, to_status=status, on=day, today=TODAY)
        day += timedelta(days=3)
    not_filed = tap(pipeline, 5000.0, date(2026, 3, 1))
    for status in (TheftStatus.SEALED, TheftStatus.REPORTED, TheftStatus.NOT_FILED):
        not_filed = theft_step(incident=not_filed, to_status=status, on=date(2026, 3, 5), today=TODAY)
    try:
        theft_step(incident=not_filed, to_status=TheftStatus.SOLVED, on=date(2026, 3, 6), today=TODAY)
        return False
    except SecurityError:
        pass
    closed = theft_step(incident=not_filed, to_status=TheftStatus.CLOSED, on=date(2026, 3, 6), today=TODAY)
    for other in TheftStatus.values:
        try:
            theft_step(incident=closed, to_status=other, on=date(2026, 3, 7), today=TODAY)
            return False
        except SecurityError:
            pass
    return incident.status == TheftStatus.CLOSED and incident.solved_on is not None


def test_the_life_cycle_is_exactly_patrols_md_and_fails_when_broken(pipeline, monkeypatch):
    from django.db import transaction

    with transaction.atomic():
        assert life_cycle_holds(pipeline)
        transaction.set_rollback(True)
    # Broken on purpose: 发现 may jump straight to 报案 (no 封堵).
    monkeypatch.setitem(choices.THEFT_TRANSITIONS, TheftStatus.FOUND, (TheftStatus.SEALED, TheftStatus.REPORTED))
    assert not life_cycle_holds(pipeline)


def test_a_refused_step_names_the_status_and_what_may_follow_and_writes_nothing(pipeline):
    incident = tap(pipeline, 2000.0, date(2026, 6, 1))
    with pytest.raises(SecurityError) as refused:
        theft_step(incident=incident, to_status=TheftStatus.SOLVED, today=TODAY)
    assert "发现" in str(refused.value) or "found" in str(refused.value)
    assert "封堵" in str(refused.value) or "sealed" in str(refused.value)
    sealed = theft_step(incident=incident, to_status=TheftStatus.SEALED, on=date(2026, 6, 2), today=TODAY)
    with pytest.raises(SecurityError):  # before the previous step
        theft_step(incident=sealed, to_status=TheftStatus.REPORTED, on=date(2026, 6, 1), today=TODAY)
    with pytest.raises(SecurityError):
        theft_step(incident=sealed, to_status="nonsense", today=TODAY)
    sealed.refresh_from_db()
    assert sealed.status == TheftStatus.SEALED and sealed.sealed_on == date(2026, 6, 2)
    steps = TheftHistory.objects.filter(incident=sealed, action=TheftAction.STEP)
    assert [(h.from_status, h.to_status) for h in steps] == [("found", "sealed")]


def test_evidence_keeps_its_sha256_and_junk_is_refused(pipeline, inspector):
    import hashlib

    incident = tap(pipeline, 2500.0, date(2026, 6, 1))
    photo = jpeg_bytes()
    evidence = theft_evidence_add(
        incident=incident, file=SimpleUploadedFile("现场.jpg", photo), description="阀门照片", actor=inspector
    )
    assert evidence.sha256 == hashlib.sha256(photo).hexdigest()
    assert evidence.content_type == "image/jpeg" and evidence_intact(evidence)
    pdf = theft_evidence_add(incident=incident, file=SimpleUploadedFile("笔录.pdf", PDF_BYTES))
    assert pdf.content_type == "application/pdf"
    assert incident.history.filter(action=TheftAction.EVIDENCE).first().details["sha256"] == evidence.sha256
    with pytest.raises(SecurityError, match=r"x\.exe"):
        theft_evidence_add(incident=incident, file=SimpleUploadedFile("x.exe", b"MZ\x90\x00junk"))
    assert incident.evidence.count() == 2
    # A file changed in storage no longer matches its hash.
    evidence.file.storage.save(evidence.file.name + ".tmp", BytesIO(b"x"))
    with open(evidence.file.path, "wb") as handle:
        handle.write(jpeg_bytes(color=(0, 0, 0)))
    assert not evidence_intact(evidence)


def test_a_police_case_covers_several_incidents_and_is_named_when_filed(pipeline):
    first, second = tap(pipeline, 1000.0, date(2026, 2, 1)), tap(pipeline, 8000.0, date(2026, 2, 3))
    case = police_case_create(
        number="东公(刑)立字[2026]101号",
        unit="河口分局",
        charge="盗窃罪",
        opened_on=date(2026, 2, 10),
        suspects="张某\n李某",
        suspect_count=2,
        incidents=[first],
    )
    theft_case_link(incident=second, police_case=case)
    assert set(case.incidents.values_list("code", flat=True)) == {first.code, second.code}
    with pytest.raises(SecurityError):
        theft_case_link(incident=second, police_case=case)
    third = tap(pipeline, 6000.0, date(2026, 2, 5))
    for status in (TheftStatus.SEALED, TheftStatus.REPORTED):
        third = theft_step(incident=third, to_status=status, on=date(2026, 2, 6), today=TODAY)
    with pytest.raises(SecurityError):
        theft_step(incident=third, to_status=TheftStatus.SEALED, police_case=case, today=TODAY)
    third = theft_step(incident=third, to_status=TheftStatus.FILED, police_case=case, on=date(2026, 2, 10), today=TODAY)
    assert third.police_case == case and third.filed_on == date(2026, 2, 10)


def test_emergency_incidents_link_to_theft_incidents_both_ways(pipeline):
    from django.utils import timezone

    from emergency.services import incident_report

    incident = tap(pipeline, 4000.0, date(2026, 6, 1))
    emergency = incident_report(
        kind="theft_tap", level="IV", location=incident.location, occurred_at=timezone.now() - timedelta(hours=1)
    )
    theft_emergency_link(incident=incident, emergency_incident=emergency)
    assert list(emergency.theft_incidents.all()) == [incident]
    assert list(incident.emergency_incidents.all()) == [emergency]
    assert incident.history.filter(action=TheftAction.EMERGENCY).get().details["code"] == emergency.code
    with pytest.raises(SecurityError, match=emergency.code):
        theft_emergency_link(incident=incident, emergency_incident=emergency)


# --- refinery points ------------------------------------------------------------------------------------


def test_refinery_rechecks_are_raised_once_when_due_and_a_recurrence_reopens_and_is_counted(inspector):
    """Checked broken on purpose: with the recurrence not counted (``recurrences += 0``), or the point left shut
    after a re-check found it working, this test fails."""
    point = refinery_record(
        kind="still", found_on=date(2026, 1, 5), location=Point(118.9, 37.6, srid=4326), today=TODAY
    )
    assert point.county == "垦利区" and point.status == RefineryStatus.WORKING
    refinery_shut(point=point, on=date(2026, 1, 10), by="垦利区联合执法组", today=TODAY)
    # Day 29: nothing; day 30: the +30 re-check; day 89 nothing more; day 90: the +90 re-check.
    assert refinery_rechecks_raise(today=date(2026, 2, 8)) == 0
    assert refinery_rechecks_raise(today=date(2026, 2, 9)) == 1
    assert refinery_rechecks_raise(today=date(2026, 2, 9)) == 0  # idempotent
    assert refinery_rechecks_raise(today=date(2026, 4, 9)) == 0
    assert refinery_rechecks_raise(today=date(2026, 4, 10)) == 1
    assert list(point.rechecks.values_list("offset_days", "due_on")) == [
        (30, date(2026, 2, 9)),
        (90, date(2026, 4, 10)),
    ]
    first, second = point.rechecks.order_by("offset_days")
    refinery_recheck_record(recheck=first, working=False, on=date(2026, 2, 10), checked_by="巡护队", today=TODAY)
    refinery_recheck_record(recheck=second, working=True, on=date(2026, 4, 12), today=TODAY)
    point.refresh_from_db()
    assert (point.status, point.recurrences, point.closures) == (RefineryStatus.WORKING, 1, 1)
    # Reopened: the +180 re-check of that closure is never raised.
    assert refinery_rechecks_raise(today=date(2026, 7, 20)) == 0
    with pytest.raises(SecurityError):
        refinery_recheck_record(recheck=second, working=False, today=TODAY)
    # Shut again: a new closure, its own re-checks.
    refinery_shut(point=point, on=date(2026, 5, 1), by="垦利区联合执法组", today=TODAY)
    assert refinery_rechecks_raise(today=TODAY) == 3
    assert point.rechecks.filter(closure=2).count() == 3
    assert [h.action for h in point.history.all()][:3] == ["recorded", "shut", "recheck_due"]


def test_the_recheck_days_are_30_90_180_and_the_check_fails_when_changed(monkeypatch):
    def raised_days():
        point = refinery_record(kind="storage", found_on=date(2025, 1, 1), location=Point(118.9, 37.6, srid=4326))
        refinery_shut(point=point, on=date(2025, 1, 1), by="执法组", today=TODAY)
        for day in range(0, 200):
            refinery_rechecks_raise(today=date(2025, 1, 1) + timedelta(days=day))
        return list(RefineryRecheck.objects.filter(point=point).values_list("offset_days", "due_on"))

    expected = [(30, date(2025, 1, 31)), (90, date(2025, 4, 1)), (180, date(2025, 6, 30))]
    assert raised_days() == expected
    monkeypatch.setattr("security.refinery.RECHECK_DAYS", (30, 60, 180))
    assert raised_days() != expected


def test_a_refinery_area_gives_its_point_and_bad_input_is_refused():
    area = Polygon.from_bbox((118.80, 37.60, 118.81, 37.61))
    area.srid = 4326
    point = refinery_record(kind="buying_point", found_on=date(2026, 3, 1), area=area, today=TODAY)
    assert point.area is not None and point.location.within(area)
    with pytest.raises(SecurityError):
        refinery_record(kind="still", found_on=date(2026, 3, 1), today=TODAY)
    with pytest.raises(SecurityError):
        refinery_shut(point=point, on=date(2026, 2, 1), by="执法组", today=TODAY)  # before it was found
    with pytest.raises(SecurityError):
        refinery_shut(point=point, on=date(2026, 3, 2), by=" ", today=TODAY)
    refinery_shut(point=point, on=date(2026, 3, 2), by="执法组", today=TODAY)
    with pytest.raises(SecurityError):
        refinery_shut(point=point, on=date(2026, 3, 3), by="执法组", today=TODAY)


# --- hotspots from the register and the webhooks --------------------------------------------------------


def test_active_hotspot_ranges_for_the_patrols_task_generator(pipeline):
    base = TheftIncident.objects.count()
    tap(pipeline, 2000.0, date(2026, 9, 1))
    tap(pipeline, 2400.0, date(2026, 10, 1))
    tap(pipeline, 9900.0, date(2026, 10, 2))  # alone
    ranges = [r for r in active_hotspot_ranges(on=TODAY) if r[0] == pipeline.pk]
    assert len(ranges) == 1
    _pipe_id, low, high = ranges[0]
    assert low == pytest.approx(1500.0, abs=0.5) and high == pytest.approx(2900.0, abs=0.5)
    # Cooled 91 days after the last incident; not yet formed before the second.
    assert not [r for r in active_hotspot_ranges(on=date(2026, 12, 31)) if r[0] == pipeline.pk]
    assert not [r for r in active_hotspot_ranges(on=date(2026, 9, 30)) if r[0] == pipeline.pk]
    assert TheftIncident.objects.count() == base + 3
    # A stretch is clipped to the pipeline's end.
    tap(pipeline, pipeline.length_m - 10, date(2026, 11, 1))
    tap(pipeline, pipeline.length_m - 20, date(2026, 11, 2))
    ends = [r for r in active_hotspot_ranges(on=TODAY) if r[0] == pipeline.pk]
    assert max(r[2] for r in ends) == pytest.approx(pipeline.length_m, abs=0.2)
    assert len(hotspot_clusters(on=TODAY, active_only=False, queryset=pipeline.theft_incidents.all())) == 2


def test_webhooks_for_a_theft_incident_found_and_a_hotspot_formed(pipeline, django_capture_on_commit_callbacks):
    from integrations.models import WebhookDelivery, WebhookSubscription

    subscription = WebhookSubscription.objects.create(
        name="平台", url="https://platform.example/hooks", event_types=["theft.found", "theft.hotspot_formed"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = tap(pipeline, 3000.0, TODAY - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        second = tap(pipeline, 3300.0, TODAY - timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        tap(pipeline, 3100.0, TODAY - timedelta(days=1))  # joins the hotspot: no second "formed"
    sent = list(WebhookDelivery.objects.filter(subscription=subscription).order_by("pk"))
    assert [d.event_type for d in sent] == ["theft.found", "theft.found", "theft.hotspot_formed", "theft.found"]
    assert sent[0].payload["data"]["theft_incident"]["code"] == first.code
    hotspot = sent[2].payload["data"]["hotspot"]
    assert hotspot["incidents"] == [first.code, second.code] and hotspot["pipeline_code"] == "T-SEC"


def test_a_county_s_pipeline_length_and_figures_from_the_register(pipeline):
    from pipelines.models import Pipeline
    from security.figures import county_lengths_km, security_figures

    lengths = county_lengths_km(Pipeline.objects.filter(pk=pipeline.pk))
    assert lengths["河口区"] == pytest.approx(pipeline.length_m / 1000, rel=1e-3)
    assert lengths["东营区"] == 0
    tap(pipeline, 1000.0, date(2026, 3, 2), found_how=FoundHow.VIDEO)
    tap(pipeline, 1300.0, date(2026, 5, 2))  # a repeat location (300 m from the first)
    rows = security_figures(start=date(2026, 1, 1), end=date(2026, 6, 30))
    (mine,) = [r for r in rows if r.group == "pipeline" and r.key == pipeline.pk]
    assert (mine.figures.taps, mine.figures.found_by_patrol, mine.figures.repeats) == (2, 1, 1)
    assert mine.figures.taps_per_100km_month == pytest.approx(2 / (pipeline.length_m / 100_000) / 6, rel=1e-3)
    (county,) = [r for r in rows if r.group == "county" and r.key == "河口区"]
    assert county.figures.taps >= 2
