"""The video pages of the admin: the camera register with its map, the coverage of each HCA segment (the
pilot segments under the threshold in one click, Excel), the alarms to confirm or dismiss; who sees what."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from accounts.models import User
from tests.video_helpers import camera_on, cameras_clear, pilot_segment
from video.alarms import video_alarm_receive
from video.choices import AlarmReview
from video.models import SegmentCoverage
from video.services import coverage_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed():
    cameras_clear()
    segment = pilot_segment()
    camera = camera_on(segment, segment.start_m + 50, range_m=100.0)
    coverage_refresh()
    return segment, camera


def login(client, user):
    client.force_login(user)
    return client


def test_camera_pages_draw_views_and_save_through_the_service(client, inspector, placed):
    _segment, camera = placed
    login(client, inspector)
    page = client.get("/admin/video/camera/")
    assert page.status_code == 200 and "CAM-T1" in page.content.decode()
    data = client.get("/admin/video/camera/?_overview=1").json()
    feature = next(f for f in data["features"] if f["id"] == camera.pk)
    assert feature["geometry"]["type"] == "Polygon" and feature["properties"]["color"] == "#1e8449"
    change = client.get(f"/admin/video/camera/{camera.pk}/change/")
    assert change.status_code == 200 and "video/camera-form.js" in change.content.decode()
    form = {
        "code": camera.code, "name": "", "device_id": camera.device_id, "channel_id": "123", "kind": "fixed",
        "company": camera.company_id, "pipeline": camera.pipeline_id, "location": camera.location.geojson,
        "azimuth_deg": "10", "fov_deg": "60", "range_m": "100", "height_m": "6", "stream_url": "",
        "outages-TOTAL_FORMS": "0", "outages-INITIAL_FORMS": "0",
    }  # fmt: skip
    refused = client.post(f"/admin/video/camera/{camera.pk}/change/", form)
    assert refused.status_code == 200 and "20" in refused.content.decode()  # the channel id is named
    form["channel_id"] = camera.channel_id
    saved = client.post(f"/admin/video/camera/{camera.pk}/change/", form)
    assert saved.status_code == 302
    camera.refresh_from_db()
    assert camera.azimuth_deg == 10.0


def test_coverage_list_pilots_under_threshold_and_export(client, inspector, placed):
    segment, _camera = placed
    segment.video_pilot = True
    segment.save(update_fields=["video_pilot"])
    login(client, inspector)
    page = client.get("/admin/video/segmentcoverage/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "pilot-under-threshold" in text and "coverage-export" in text
    under = client.get("/admin/video/segmentcoverage/?pilot=1&under=1")
    assert under.status_code == 200
    rows = under.context["cl"].result_list
    assert segment.pk in [r.segment_id for r in rows]
    assert all(r.coverage < 0.8 and r.segment.video_pilot for r in rows)
    export = client.get("/admin/video/segmentcoverage/export.xlsx?pilot=1&under=1")
    assert export.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.max_row == len(rows) + 1
    detail = client.get(f"/admin/video/segmentcoverage/{segment.pk}/change/")
    assert detail.status_code == 200 and "coverage-data" in detail.content.decode()
    geojson = detail.context["coverage_geojson"]
    colours = [f["properties"]["color"] for f in geojson["features"]]
    assert "#c0392b" in colours and "#1e8449" in colours  # uncovered ranges and the online camera's view


def test_alarm_page_confirm_and_dismiss(client, inspector, manager, placed):
    _segment, camera = placed
    alarm = video_alarm_receive(
        camera=camera, occurred_at=timezone.now() - timedelta(minutes=1), alarm_class="person", confidence=0.8
    )
    login(client, manager)
    assert client.get(f"/admin/video/videoalarm/{alarm.pk}/change/").status_code == 200
    camera_page = client.get(f"/admin/video/camera/{camera.pk}/change/").content.decode()
    assert "id_location_readonly" in camera_page  # a manager sees the place on a read-only map, not as text
    assert client.post(f"/admin/video/videoalarm/{alarm.pk}/review/confirm/").status_code == 403
    login(client, inspector)
    assert client.get(f"/admin/video/videoalarm/{alarm.pk}/review/confirm/").status_code == 405
    client.post(f"/admin/video/videoalarm/{alarm.pk}/review/dismiss/", {"comment": ""})
    alarm.refresh_from_db()
    assert alarm.review == AlarmReview.PENDING  # a dismissal needs its reason
    client.post(f"/admin/video/videoalarm/{alarm.pk}/review/dismiss/", {"comment": "路人,误报"})
    alarm.refresh_from_db()
    assert alarm.review == AlarmReview.DISMISSED
    assert client.get("/admin/video/videoalarm/").status_code == 200


def test_company_staff_see_their_own_cameras_only(client, placed):
    segment, camera = placed
    owner = User.objects.filter(company=camera.company, groups__name="company_staff").first()
    outsider = User.objects.filter(groups__name="company_staff").exclude(company=camera.company).first()
    login(client, owner)
    assert client.get(f"/admin/video/camera/{camera.pk}/change/").status_code == 200
    assert client.get(f"/admin/video/segmentcoverage/{segment.pk}/change/").status_code == 200
    login(client, outsider)
    assert client.get(f"/admin/video/camera/{camera.pk}/change/").status_code == 302  # not found: to the index
    assert "CAM-T1" not in client.get("/admin/video/camera/").content.decode()
    listed = client.get("/admin/video/segmentcoverage/").context["cl"].result_list
    assert segment.pk not in [r.segment_id for r in listed]
    assert SegmentCoverage.objects.filter(segment=segment).exists()
