"""Cameras, stored coverage, health and alarms on the demo city (video.md)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from common.errors import DomainError, NotPermitted
from emergency.models import Incident
from hazards.choices import HazardCategory, HazardStatus
from integrations.models import WebhookDelivery, WebhookSubscription
from tests.conftest import jpeg_bytes
from tests.video_helpers import camera_on, cameras_clear, pilot_segment
from video.alarms import AlarmRefused, video_alarm_receive, video_alarm_review
from video.choices import AlarmHandling, AlarmReview, CameraStatus
from video.loading import range_coverage
from video.models import CameraOutage, SegmentCoverage
from video.services import (
    cameras_seeing_point,
    cameras_silent_mark,
    coverage_missing_fill,
    coverage_refresh,
    heartbeats_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment():
    return pilot_segment()


def test_a_camera_covers_its_range_of_the_segment_and_offline_it_counts_only_by_design(segment):
    cameras_clear()
    start = segment.start_m + 50
    camera = camera_on(segment, start, range_m=100.0)
    coverage_refresh(segment_ids=[segment.pk])
    stored = SegmentCoverage.objects.get(segment=segment)
    assert stored.covered_m == pytest.approx(100.0, abs=0.2)
    assert stored.cameras == ["CAM-T1"]
    assert stored.coverage == pytest.approx(100.0 / (segment.end_m - segment.start_m), abs=1e-3)
    assert stored.uncovered[0] == [round(segment.start_m, 1), pytest.approx(round(start, 1), abs=0.2)]

    answer = range_coverage(pipeline=segment.pipeline, from_m=segment.start_m, to_m=segment.end_m)
    assert list(answer) == ["pipeline_code", "from_m", "to_m", "covered_m", "coverage", "uncovered", "cameras"]
    assert answer["covered_m"] == stored.covered_m and answer["pipeline_code"] == segment.pipeline.code

    camera.status = CameraStatus.OFFLINE
    camera.save()
    coverage_refresh(segment_ids=[segment.pk])
    stored = SegmentCoverage.objects.get(segment=segment)
    assert stored.covered_m == 0.0 and stored.cameras == []
    assert stored.design_covered_m == pytest.approx(100.0, abs=0.2) and stored.design_cameras == ["CAM-T1"]


def test_a_camera_turned_away_covers_nothing(segment):
    cameras_clear()
    camera = camera_on(segment, segment.start_m + 50, offset=20.0, range_m=100.0)
    camera.azimuth_deg = (camera.azimuth_deg + 180) % 360  # the view now points away from the stretch ahead
    camera.save()
    coverage_refresh(segment_ids=[segment.pk])
    assert SegmentCoverage.objects.get(segment=segment).covered_m < 30  # at most the bit behind it


def test_new_segments_are_measured_when_first_read(segment):
    SegmentCoverage.objects.all().delete()
    filled = coverage_missing_fill()
    assert filled == SegmentCoverage.objects.count() > 0
    from video.tasks import cameras_silent_task

    SegmentCoverage.objects.filter(segment=segment).delete()  # as a re-identification replaces a segment
    cameras_silent_task()  # the minutely job measures it
    assert SegmentCoverage.objects.filter(segment=segment).exists()


def test_cameras_seeing_a_place(segment):
    cameras_clear()
    camera = camera_on(segment, segment.start_m + 50, range_m=100.0)
    from pipelines.chainage import pipeline_point_at

    ahead = pipeline_point_at(pipeline=segment.pipeline, chainage_m=segment.start_m + 120)
    behind = pipeline_point_at(pipeline=segment.pipeline, chainage_m=segment.start_m + 10)
    assert [c.code for c in cameras_seeing_point(point=ahead)] == [camera.code]
    assert cameras_seeing_point(point=behind) == []


def test_silent_cameras_go_offline_with_an_alert_and_come_back(segment, django_capture_on_commit_callbacks):
    cameras_clear()
    WebhookSubscription.objects.create(
        name="城市平台", url="https://platform.example/hooks", event_types=["camera.offline", "camera.online"]
    )
    camera = camera_on(segment, segment.start_m + 50)
    now = timezone.now()
    answer = heartbeats_record(
        beats=[
            {"device_id": camera.device_id, "channel_id": camera.channel_id, "at": now - timedelta(seconds=200)},
            {"device_id": "34020000001320009999", "channel_id": "34020000001310000001", "at": now},
        ],
        now=now,
    )
    assert answer["cameras"] == 1 and answer["unknown"] == ["34020000001320009999/34020000001310000001"]
    # 179 s silent: still online; 181 s: offline (three intervals of 60 s)
    assert cameras_silent_mark(now=now - timedelta(seconds=21)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert cameras_silent_mark(now=now - timedelta(seconds=19)) == [camera.code]
    assert cameras_silent_mark(now=now) == []  # once
    camera.refresh_from_db()
    assert camera.status == CameraStatus.OFFLINE
    outage = CameraOutage.objects.get(camera=camera)
    assert outage.ended_at is None
    assert WebhookDelivery.objects.filter(event_type="camera.offline").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        back = heartbeats_record(beats=[{"code": camera.code, "at": now}], now=now)
    assert back["back_online"] == [camera.code]
    outage.refresh_from_db()
    assert outage.ended_at == now
    assert WebhookDelivery.objects.filter(event_type="camera.online").count() == 1
    camera.refresh_from_db()
    assert camera.status == CameraStatus.ONLINE


def test_a_camera_never_heard_from_is_not_watched(segment):
    cameras_clear()
    camera_on(segment, segment.start_m + 50)
    assert cameras_silent_mark(now=timezone.now() + timedelta(days=1)) == []


def snapshot(name="snap.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def test_an_excavator_alarm_becomes_a_construction_hazard_and_repeats_merge(segment):
    cameras_clear()
    camera = camera_on(segment, segment.start_m + 50)
    at = timezone.now() - timedelta(minutes=30)
    alarm = video_alarm_receive(
        camera=camera, occurred_at=at, alarm_class="excavator", confidence=0.91, snapshot=snapshot()
    )
    assert alarm.handling == AlarmHandling.HAZARD_REPORTED
    assert segment.pipeline.code in alarm.pipelines.values_list("code", flat=True)  # and any other it sees
    hazard = alarm.hazard
    assert hazard.category == HazardCategory.THIRD_PARTY_CONSTRUCTION and hazard.status == HazardStatus.REPORTED
    assert hazard.pipeline_id == segment.pipeline_id and hazard.company_id == segment.pipeline.company_id
    assert hazard.photos.count() == 1 and alarm.snapshot
    assert segment.start_m + 40 < hazard.chainage_m < segment.start_m + 160

    repeat = video_alarm_receive(
        camera=camera, occurred_at=at + timedelta(minutes=9), alarm_class="excavator", confidence=0.8
    )
    assert repeat.handling == AlarmHandling.REPEAT and repeat.first_id == alarm.pk and repeat.hazard is None
    again = video_alarm_receive(
        camera=camera, occurred_at=at + timedelta(minutes=18), alarm_class="excavator", confidence=0.8
    )
    assert again.first_id == alarm.pk  # within 10 minutes of the previous repeat: the same event
    alarm.refresh_from_db()
    assert alarm.repeat_count == 2
    later = video_alarm_receive(
        camera=camera, occurred_at=at + timedelta(minutes=29), alarm_class="excavator", confidence=0.8
    )
    assert later.first_id is None and later.handling == AlarmHandling.HAZARD_REPORTED
    person = video_alarm_receive(
        camera=camera, occurred_at=at + timedelta(minutes=1), alarm_class="person", confidence=0.7
    )
    assert person.handling == AlarmHandling.RECORDED and person.first_id is None


def test_an_approved_application_covering_the_place_and_day_makes_no_hazard(segment, admin_user):
    from construction.models import Application, Contractor
    from pipelines.chainage import pipeline_point_at

    cameras_clear()
    camera = camera_on(segment, segment.start_m + 50)
    at = timezone.now() - timedelta(minutes=5)
    day = timezone.localtime(at).date()
    contractor = Contractor.objects.create(name="东营某建设工程有限公司")
    Application.objects.create(
        number="SG-2026-9901",
        project="道路改造",
        contractor=contractor,
        contact_person="张工",
        contact_phone="13800000000",
        area=pipeline_point_at(pipeline=segment.pipeline, chainage_m=segment.start_m + 60),
        work_type=_any_work_type(),
        planned_start=day - timedelta(days=1),
        planned_end=day + timedelta(days=3),
        verdict=_any_verdict(),
        status="approved",
        submitted_at=at,
        submitted_by=admin_user,
        **_required_extras(day),
    )
    alarm = video_alarm_receive(camera=camera, occurred_at=at, alarm_class="digging", confidence=0.9)
    assert alarm.handling == AlarmHandling.CONSTRUCTION_APPROVED
    assert alarm.hazard is None and alarm.application_ref == "SG-2026-9901"


def _any_work_type():
    from construction.choices import WorkType

    return WorkType.values[0]


def _any_verdict():
    from construction.choices import Verdict

    return Verdict.values[0]


def _required_extras(day):
    from construction.models import Application

    names = {f.name for f in Application._meta.concrete_fields}
    extras = {}
    for name in ("valid_until", "decision_due"):
        if name in names and not Application._meta.get_field(name).null:
            extras[name] = day + timedelta(days=30)
    return extras


def test_smoke_opens_an_incident_and_alarms_can_be_confirmed_or_dismissed(segment, inspector, manager):
    cameras_clear()
    camera = camera_on(segment, segment.start_m + 50)
    before = Incident.objects.count()
    alarm = video_alarm_receive(
        camera=camera, occurred_at=timezone.now() - timedelta(minutes=2), alarm_class="smoke", confidence=0.66
    )
    assert alarm.handling == AlarmHandling.INCIDENT_OPENED and Incident.objects.count() == before + 1
    assert alarm.incident.pipeline_id == segment.pipeline_id
    with pytest.raises(NotPermitted):
        video_alarm_review(alarm=alarm, actor=manager, confirmed=True)  # managers watch
    with pytest.raises(DomainError, match=r"reason|理由"):
        video_alarm_review(alarm=alarm, actor=inspector, confirmed=False)
    video_alarm_review(alarm=alarm, actor=inspector, confirmed=False, comment="炊烟,误报")
    alarm.refresh_from_db()
    assert alarm.review == AlarmReview.DISMISSED and alarm.reviewed_by == inspector


def test_bad_alarms_are_refused_before_anything_is_written(segment):
    from common.errors import InvalidUpload

    cameras_clear()
    camera = camera_on(segment, segment.start_m + 50)
    with pytest.raises(InvalidUpload):
        video_alarm_receive(
            camera=camera,
            occurred_at=timezone.now(),
            alarm_class="excavator",
            confidence=0.9,
            snapshot=SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"),
        )
    with pytest.raises(AlarmRefused):
        video_alarm_receive(
            camera=camera, occurred_at=timezone.now() + timedelta(hours=1), alarm_class="fire", confidence=0.9
        )
    assert not camera.alarms.exists()


def test_video_coverage_command(segment, tmp_path):
    import json

    from django.core.management import CommandError, call_command

    cameras_clear()
    camera_on(segment, segment.start_m + 50, range_m=100.0)
    out = tmp_path / "one.json"
    call_command(
        "video_coverage", "--pipeline", segment.pipeline.code, "--from-m", str(segment.start_m),
        "--to-m", str(segment.end_m), "--json", str(out),
    )  # fmt: skip
    one = json.loads(out.read_text(encoding="utf-8"))
    assert one["pipeline_code"] == segment.pipeline.code and one["cameras"] == ["CAM-T1"]
    assert one["covered_m"] == pytest.approx(100.0, abs=0.2)
    every = tmp_path / "all.json"
    call_command("video_coverage", "--json", str(every))
    listed = json.loads(every.read_text(encoding="utf-8"))
    assert len(listed) == segment.__class__.objects.filter(rule_set="gb32167").count()
    assert one in listed or any(item["cameras"] == ["CAM-T1"] for item in listed)
    with pytest.raises(CommandError, match="range"):
        call_command("video_coverage", "--pipeline", segment.pipeline.code, "--from-m", "5", "--to-m", "1")
    with pytest.raises(CommandError, match="No pipeline"):
        call_command("video_coverage", "--pipeline", "NOPE")


def test_setting_a_selection_offline_records_each_camera_and_measures_coverage_once(
    segment, django_capture_on_commit_callbacks
):
    from video.models import Camera
    from video.services import cameras_status_set
    from video.tasks import coverage_refresh_task

    cameras_clear()
    first = camera_on(segment, segment.start_m + 50)
    second = camera_on(segment, segment.start_m + 150, code="CAM-T2", channel_id="34020000001310000002")
    with django_capture_on_commit_callbacks() as callbacks:
        changed = cameras_status_set(cameras=Camera.objects.filter(pk__in=[first.pk, second.pk]), status="offline")
    assert sorted(changed) == sorted([first.code, second.code])
    assert CameraOutage.objects.filter(camera__in=[first, second], ended_at__isnull=True).count() == 2
    # one whole-city measurement for the selection, not one per camera
    assert [c for c in callbacks if c == coverage_refresh_task.delay] == [coverage_refresh_task.delay]
    assert cameras_status_set(cameras=Camera.objects.filter(pk=first.pk), status=CameraStatus.OFFLINE) == []
