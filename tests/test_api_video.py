"""Video monitoring over the API: cameras that see a place, heartbeats, alarms reported once per
Idempotency-Key, the coverage of an HCA segment, and who sees what (the city's key, the owner company's
key and staff, a regulator, another company)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from pipelines.chainage import pipeline_point_at
from tests.conftest import jpeg_bytes
from tests.test_api_emergency import city_key, company_key  # noqa: F401
from tests.video_helpers import camera_on, cameras_clear, pilot_segment
from video.choices import CameraStatus
from video.models import Camera, VideoAlarm

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed():
    cameras_clear()
    segment = pilot_segment()
    camera = camera_on(segment, segment.start_m + 50, range_m=100.0)
    return segment, camera


def test_cameras_that_see_a_place_with_their_stream_links(city_key, placed):  # noqa: F811
    segment, camera = placed
    ahead = pipeline_point_at(pipeline=segment.pipeline, chainage_m=segment.start_m + 120)
    body = city_key.get(f"/api/v1/cameras/?sees={ahead.x:.7f},{ahead.y:.7f}").json()
    assert [f["properties"]["code"] for f in body["features"]] == [camera.code]
    properties = body["features"][0]["properties"]
    assert properties["stream_url"] == camera.stream_url and 60 < properties["distance_m"] < 80
    behind = pipeline_point_at(pipeline=segment.pipeline, chainage_m=segment.start_m + 10)
    assert city_key.get(f"/api/v1/cameras/?sees={behind.x:.7f},{behind.y:.7f}").json()["features"] == []
    assert city_key.get("/api/v1/cameras/?sees=abc").status_code == 400
    assert city_key.get("/api/v1/cameras/?sees=200,37").json()["features"] == []  # off the globe: none sees it
    assert city_key.get("/api/v1/cameras/").json()["features"][0]["properties"]["distance_m"] is None


def test_segment_coverage_online_and_by_design(city_key, placed):  # noqa: F811
    segment, camera = placed
    url = f"/api/v1/hca-segments/{segment.pk}/coverage/"
    online = city_key.get(url).json()
    assert online["pipeline_code"] == segment.pipeline.code and online["cameras"] == [camera.code]
    assert online["covered_m"] == pytest.approx(100.0, abs=0.2)
    Camera.objects.filter(pk=camera.pk).update(status=CameraStatus.OFFLINE)
    assert city_key.get(url).json()["covered_m"] == 0.0
    assert city_key.get(url, {"all_cameras": "true"}).json()["covered_m"] == pytest.approx(100.0, abs=0.2)
    assert city_key.get(url, {"all_cameras": "maybe"}).status_code == 400


def test_heartbeats_from_a_platform_and_a_company_key_for_its_own_cameras(city_key, placed):  # noqa: F811
    _segment, camera = placed
    answer = city_key.post(
        "/api/v1/cameras/heartbeats/",
        {"beats": [{"device_id": camera.device_id, "channel_id": camera.channel_id}, {"code": "NOPE"}]},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["cameras"] == 1 and answer.json()["unknown"] == ["NOPE"]
    camera.refresh_from_db()
    assert camera.last_seen_at is not None
    bad = city_key.post("/api/v1/cameras/heartbeats/", {"beats": [{"device_id": "123"}]}, format="json")
    assert bad.status_code == 400 and "beats" in bad.json()
    assert city_key.post("/api/v1/cameras/heartbeats/", {"beats": []}, format="json").status_code == 400
    from companies.models import OperatingCompany

    other = OperatingCompany.objects.exclude(pk=camera.company_id).first()
    outsider = company_key(other).post("/api/v1/cameras/heartbeats/", {"beats": [{"code": camera.code}]}, format="json")
    assert outsider.json()["unknown"] == [camera.code]  # another company's camera is not theirs to report
    owner = company_key(camera.company).post(
        "/api/v1/cameras/heartbeats/", {"beats": [{"code": camera.code}]}, format="json"
    )
    assert owner.json()["cameras"] == 1


def test_alarms_are_taken_once_per_idempotency_key(city_key, placed):  # noqa: F811
    _segment, camera = placed
    key = str(uuid.uuid4())
    at = (timezone.now() - timedelta(minutes=3)).isoformat()
    body = {"camera": camera.code, "occurred_at": at, "alarm_class": "excavator", "confidence": 0.9}
    files = {**body, "snapshot": _jpeg()}
    first = city_key.post("/api/v1/video-alarms/", files, format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.json()
    assert first.json()["handling"] == "hazard_reported" and first.json()["snapshot_attached"] is True
    assert first.json()["hazard"].startswith("YH-")
    again = city_key.post(
        "/api/v1/video-alarms/", {**body, "snapshot": _jpeg()}, format="multipart", HTTP_IDEMPOTENCY_KEY=key
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert VideoAlarm.objects.count() == 1
    missing = city_key.post("/api/v1/video-alarms/", body, format="json")
    assert missing.status_code == 400
    unknown = city_key.post(
        "/api/v1/video-alarms/", {**body, "camera": "NOPE"}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert unknown.status_code == 422
    nameless = {k: v for k, v in body.items() if k != "camera"}
    unnamed = city_key.post("/api/v1/video-alarms/", nameless, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert unnamed.status_code == 422 and "device_id" in unnamed.json()["detail"]
    not_image = city_key.post(
        "/api/v1/video-alarms/",
        {**body, "snapshot": _file(b"%PDF-1.4 not an image")},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert not_image.status_code == 400 and "snapshot" in not_image.json()
    listed = city_key.get("/api/v1/video-alarms/").json()
    assert listed["results"][0]["id"] == first.json()["id"]


def test_company_scoping_of_cameras_and_alarms(placed):
    segment, camera = placed
    owner = User.objects.filter(company=camera.company, groups__name="company_staff").first()
    other = User.objects.filter(groups__name="company_staff").exclude(company=camera.company).first()
    inspector = User.objects.get(username="inspector1")
    for user, expected in ((owner, [camera.code]), (inspector, [camera.code]), (other, [])):
        client = APIClient()
        client.force_login(user)
        codes = [f["properties"]["code"] for f in client.get("/api/v1/cameras/").json()["features"]]
        assert codes == expected, user.username
        status = client.get(f"/api/v1/hca-segments/{segment.pk}/coverage/").status_code
        assert status == (404 if user == other else 200)
        beats = client.post("/api/v1/cameras/heartbeats/", {"beats": [{"code": camera.code}]}, format="json")
        assert beats.status_code == 200  # staff report for their own cameras: another's is unknown to them
        assert beats.json()["unknown"] == ([camera.code] if user == other else [])
        alarm = client.post(
            "/api/v1/video-alarms/",
            {
                "camera": camera.code,
                "occurred_at": timezone.now().isoformat(),
                "alarm_class": "person",
                "confidence": 1,
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert alarm.status_code == 403  # alarms come from video platforms' keys, not from people


def _jpeg():
    return _file(jpeg_bytes(), "snap.jpg")


def _file(content, name="snap.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/jpeg")
