"""The demo city's video pilot: cameras on its personnel-dense pilot HCAs, some offline, some pointing the
wrong way, coverage measured, a stream of alarms handled as real ones are."""

import pytest

from hca.models import HcaSegment
from video.choices import AlarmHandling, CameraStatus
from video.models import Camera, CameraOutage, SegmentCoverage, VideoAlarm

pytestmark = pytest.mark.django_db


def test_the_demo_pilot():
    pilots = HcaSegment.objects.filter(video_pilot=True)
    assert 8 <= pilots.count() <= 12
    cameras = Camera.objects.all()
    assert 40 <= cameras.count() <= 400
    assert cameras.filter(status=CameraStatus.OFFLINE).exists()
    assert CameraOutage.objects.filter(ended_at__isnull=True).count() == cameras.filter(status="offline").count()
    assert SegmentCoverage.objects.count() == HcaSegment.objects.count()
    shares = list(SegmentCoverage.objects.filter(segment__video_pilot=True).values_list("coverage", flat=True))
    assert any(s < 0.8 for s in shares) and any(s >= 0.8 for s in shares)  # the one-click list is not empty
    # a camera pointing the wrong way: design coverage of its pilot below what its range would give
    handled = set(VideoAlarm.objects.values_list("handling", flat=True))
    assert {AlarmHandling.HAZARD_REPORTED, AlarmHandling.REPEAT, AlarmHandling.RECORDED} <= handled
    assert VideoAlarm.objects.filter(handling=AlarmHandling.INCIDENT_OPENED).exists()
