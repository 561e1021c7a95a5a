"""Tracks: GPX upload in the admin, the tracks API (GeoJSON, company-scoped) and the OGC collection."""

import datetime as dt

import numpy as np
import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from hca.loading import to_wgs84
from patrols.judging import pipeline_centreline
from patrols.models import Device, PatrolFix, PatrolSection, PatrolTask, PatrolTaskEvent, PatrolTrack, Team
from tests.test_admin_chinese import english_words
from tests.test_patrol_coverage_command import gpx_text

pytestmark = pytest.mark.django_db
URL = "/admin/patrols/patroltrack/upload-gpx/"


@pytest.fixture
def setup():
    staff = User.objects.get(username="company01")
    section = PatrolSection.objects.filter(pipeline__company=staff.company, to_m__gte=3000).order_by("pk").first()
    team = Team.objects.create(name="GPX 测试队", kind="full_time", county="东营区", company=staff.company)
    device = Device.objects.create(device_id="GPX-T-1", team=team)
    line = pipeline_centreline(section.pipeline)
    s = np.arange(section.from_m, section.from_m + 1500, 5.0)
    wgs = shapely.get_coordinates(to_wgs84(shapely.line_interpolate_point(line, s)))
    start = dt.datetime(2026, 11, 18, 1, 0, tzinfo=dt.UTC)  # 09:00 in Dongying
    text = gpx_text(wgs, [start + dt.timedelta(seconds=5 * i) for i in range(len(s))])
    day = dt.date(2026, 11, 18)
    task = PatrolTask.objects.filter(section=section, date=day, time_window="day").order_by("seq").first()
    task = task or PatrolTask.objects.create(section=section, date=day, time_window="day", team=team)
    return section, device, text, task, len(s)


def _login(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _upload(client, device, section, text, name="t.gpx"):
    return client.post(
        URL,
        {
            "device": device.pk,
            "mode": "walk",
            "section": section.pk if section else "",
            "gpx": SimpleUploadedFile(name, text.encode()),
        },
    )


def test_gpx_upload_stores_fixes_records_the_track_and_judges_the_task(setup):
    section, device, text, task, n = setup
    client = _login("inspector1")
    page = client.get(URL)
    assert page.status_code == 200 and "上传 GPX 轨迹" in page.content.decode()
    assert english_words(page.content.decode()) == set()
    answer = _upload(client, device, section, text)
    body = answer.content.decode()
    assert answer.status_code == 200 and "轨迹已记录" in body and "覆盖率" in body, body[-3000:]
    assert english_words(body) == set()
    tracks = client.get("/admin/patrols/patroltrack/").content.decode()
    assert URL in tracks and english_words(tracks) == set()
    track = PatrolTrack.objects.get(device_id=device.device_id)
    assert track.source == "gpx" and track.fix_count == n and track.line.geom_type == "LineString"
    assert track.report["pipeline_code"] == section.pipeline.code and track.report["from_m"] == section.from_m
    assert 1400 < track.length_m < 1600 and track.task_id == task.pk and track.section_id == section.pk
    assert PatrolFix.objects.filter(device_id=device.device_id, source="gpx").count() == n
    task.refresh_from_db()
    assert task.judged_at and task.status in ("partly_done", "done")
    kinds = list(PatrolTaskEvent.objects.filter(task=task).values_list("kind", flat=True))
    assert kinds[-2] == "track_added" and kinds[-1] in ("judged", "rejudged")
    # The same file again: nothing new.
    again = _upload(client, device, section, text)
    assert again.status_code == 200 and PatrolTrack.objects.filter(device_id=device.device_id).count() == 1
    assert PatrolFix.objects.filter(device_id=device.device_id).count() == n


def test_gpx_upload_without_a_section_and_bad_files(setup):
    _section, device, text, _task, _n = setup
    client = _login("inspector1")
    assert _upload(client, device, None, text).status_code == 200
    track = PatrolTrack.objects.get(device_id=device.device_id)
    assert track.report == {} and track.section_id is None
    for bad in ("not a gpx", '<?xml version="1.0"?><gpx version="1.1"><wpt lat="37" lon="118"/></gpx>'):
        other = Device.objects.create(device_id=f"GPX-BAD-{len(bad)}", team=device.team)
        answer = _upload(client, other, None, bad)
        assert answer.status_code == 200 and "errorlist" in answer.content.decode() and "GPX" in answer.content.decode()
        assert not PatrolFix.objects.filter(device_id=other.device_id).exists()
        assert not PatrolTrack.objects.filter(device_id=other.device_id).exists()


def test_gpx_upload_needs_the_permission(setup):
    section, device, text, _task, _n = setup
    for username in ("company01", "manager"):
        client = _login(username)
        assert client.get(URL).status_code == 403
        assert _upload(client, device, section, text).status_code == 403
    assert not PatrolTrack.objects.filter(device_id=device.device_id).exists()


def test_tracks_api_geojson_company_scoped(setup):
    section, device, text, _task, _n = setup
    _upload(_login("inspector1"), device, section, text)
    track = PatrolTrack.objects.get(device_id=device.device_id)
    owner = APIClient()
    owner.force_authenticate(User.objects.get(username="company01"))
    page = owner.get("/api/v1/patrol-tracks/", {"device_id": device.device_id}).json()
    assert page["type"] == "FeatureCollection" and page["count"] == 1
    feature = page["features"][0]
    assert feature["geometry"]["type"] == "LineString" and feature["properties"]["report"]["coverage"] > 0
    assert owner.get(f"/api/v1/patrol-tracks/{track.pk}/").json()["properties"]["fix_count"] == track.fix_count
    outsider = APIClient()
    outsider.force_authenticate(User.objects.exclude(company=device.team.company).filter(company__isnull=False).first())
    assert outsider.get(f"/api/v1/patrol-tracks/{track.pk}/").status_code == 404
    assert outsider.get("/api/v1/patrol-tracks/", {"device_id": device.device_id}).json()["count"] == 0
    regulator = APIClient()
    regulator.force_authenticate(User.objects.get(username="inspector1"))
    assert regulator.get("/api/v1/patrol-tracks/", {"device_id": device.device_id}).json()["count"] == 1
    assert regulator.get("/api/v1/patrol-tracks/", {"started_after": "x"}).status_code == 400
    ogc = _login("company01").get(f"/ogc/collections/patrol_tracks/items/{track.pk}")
    assert ogc.status_code == 200 and ogc.json()["properties"]["device_id"] == device.device_id
