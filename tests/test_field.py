"""The field page's endpoints (session + CSRF): who may start a track where, fixes in (idempotent, bad ones
refused with a message), 结束巡检 and its figures, 上报隐患 with photos (source 巡护, pipeline and chainage,
state 已上报; nothing half-written). The page itself is driven in Chromium in test_browser_field.py."""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import PATROLLER, roles_sync
from hazards.choices import HazardSource, HazardStatus
from hazards.models import Hazard, HazardPhoto
from patrols.models import Checkpoint, Device, PatrolFix, PatrolSection, PatrolTask, PatrolTrack, Team
from pipelines.chainage import pipeline_chainage_at, pipeline_point_at
from pipelines.models import Pipeline
from tests.conftest import PDF_BYTES, jpeg_bytes

PASSWORD = "pw-Field-2026"


@dataclass
class FieldWorld:
    pipeline: Pipeline
    section: PatrolSection  # team A's, 0–300 m of the first demo pipeline, checkpoints at 100 and 250 m
    other_section: PatrolSection  # team B's, on another company's pipeline
    patroller: User  # team A
    other_patroller: User  # team B
    inspector: User
    outsider: User  # company staff: the check-in card only, no patrol


def _person(username: str, group: Group | None = None, **extra) -> User:
    user, _created = User.objects.get_or_create(username=username, defaults=extra)
    user.set_password(PASSWORD)
    user.save()
    if group is not None:
        user.groups.add(group)
    return user


def field_world_build() -> FieldWorld:
    """Two teams of two companies, a patroller in each, a short section with two checkpoints."""
    groups = roles_sync()
    pipeline = Pipeline.objects.order_by("code").first()
    other_pipeline = Pipeline.objects.exclude(company=pipeline.company).order_by("code").first()
    team_a = Team.objects.create(name="测试巡护一队", kind="full_time", county="东营区", company=pipeline.company)
    team_b = Team.objects.create(name="测试巡护二队", kind="local", county="河口区", company=other_pipeline.company)
    section = PatrolSection.objects.create(
        code="FT-S1", name="测试段", pipeline=pipeline, from_m=0, to_m=300, team=team_a, mode="walk"
    )
    other_section = PatrolSection.objects.create(
        code="FT-S2", pipeline=other_pipeline, from_m=0, to_m=500, team=team_b, mode="walk"
    )
    for code, chainage in (("FT-K1", 100.0), ("FT-K2", 250.0)):
        Checkpoint.objects.create(
            code=code,
            pipeline=pipeline,
            location=pipeline_point_at(pipeline=pipeline, chainage_m=chainage),
            chainage_m=chainage,
            radius_m=30,
        )
    patroller = _person("patrol_a", groups[PATROLLER], last_name="赵", first_name="巡护")
    other_patroller = _person("patrol_b", groups[PATROLLER])
    team_a.members.add(patroller)
    team_b.members.add(other_patroller)
    return FieldWorld(
        pipeline=pipeline,
        section=section,
        other_section=other_section,
        patroller=patroller,
        other_patroller=other_patroller,
        inspector=User.objects.get(username="inspector1"),
        outsider=User.objects.get(username="company01"),
    )


@pytest.fixture
def world(db) -> FieldWorld:
    return field_world_build()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, name, body, *args):
    return client.post(reverse(f"field:{name}", args=args), json.dumps(body), content_type="application/json")


def _start(client, section, device="phone-test-0001", mode=None):
    return _post(client, "track_start", {"section": section.pk, "device_id": device, "mode": mode})


def _walk(world: FieldWorld, start_ms: int, from_m=0.0, to_m=300.0, step_m=10.0, every_s=5):
    """Fixes along the section's centreline at walking speed (10 m every 5 s = 7.2 km/h)."""
    fixes, chainage, t = [], from_m, start_ms
    while chainage <= to_m:
        point = pipeline_point_at(pipeline=world.pipeline, chainage_m=chainage)
        fixes.append({"t": t, "lon": point.x, "lat": point.y, "acc": 5})
        chainage += step_m
        t += every_s * 1000
    return fixes


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


# --- the page -----------------------------------------------------------------


def test_the_page_needs_a_log_in_and_the_right_to_patrol(world):
    anonymous = Client()
    response = anonymous.get(reverse("field:page"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("field:login"))
    assert "登录" in anonymous.get(reverse("field:login")).content.decode()
    # Company staff: only the 现场监护签到 card (tests/test_field_checkin.py), no section, no patrol.
    staff_page = _client(world.outsider).get(reverse("field:page"))
    assert staff_page.status_code == 200
    assert staff_page.context["field_data"]["patrol"] is False and staff_page.context["field_data"]["sections"] == []
    assert _client(User.objects.get(username="manager")).get(reverse("field:page")).status_code == 403
    page = _client(world.patroller).get(reverse("field:page"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "开始巡检" in text and "上报隐患" in text and "结束巡检" in text
    data = page.context["field_data"]
    assert [s["code"] for s in data["sections"]] == ["FT-S1"]  # only the team's sections
    assert data["details"][world.section.pk]["checkpoints"][0]["code"] == "FT-K1"
    assert len(data["details"][world.section.pk]["line"]) >= 2
    # An inspector may pick any section.
    codes = [s["code"] for s in _client(world.inspector).get(reverse("field:page")).context["field_data"]["sections"]]
    assert {"FT-S1", "FT-S2"} <= set(codes)


def test_todays_tasks_come_first(world):
    PatrolTask.objects.create(section=world.other_section, date=timezone.localdate(), time_window="day")
    codes = [s["code"] for s in _client(world.inspector).get(reverse("field:page")).context["field_data"]["sections"]]
    assert codes[0] == "FT-S2"


def test_login_page_keeps_the_phone_logged_in(world):
    client = Client()
    response = client.post(reverse("field:login"), {"username": "patrol_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("field:page")
    assert client.session.get_expiry_age() >= 29 * 24 * 3600


def test_endpoints_answer_json_to_anonymous_and_outsiders(world):
    response = _start(Client(), world.section)
    assert response.status_code == 401 and "登录" in response.json()["detail"]
    response = _start(_client(world.outsider), world.section)
    assert response.status_code == 403 and "巡护员" in response.json()["detail"]


def test_csrf_is_required(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.patroller)
    assert _start(client, world.section).status_code == 403
    client.get(reverse("field:page"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("field:track_start"),
        json.dumps({"section": world.section.pk, "device_id": "phone-test-0001"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


# --- tracks -------------------------------------------------------------------


def test_a_patroller_starts_on_their_section_not_on_another_teams(world):
    client = _client(world.patroller)
    refused = _start(client, world.other_section)
    assert refused.status_code == 403 and "FT-S2" in refused.json()["detail"]
    assert not PatrolTrack.objects.filter(user__username__startswith="patrol_").exists()
    response = _start(client, world.section)
    assert response.status_code == 201
    track = PatrolTrack.objects.get(pk=response.json()["id"])
    assert (track.user, track.team, track.source, track.mode) == (world.patroller, world.section.team, "phone", "walk")
    device = Device.objects.get(device_id="phone-test-0001")
    assert (device.user, device.team) == (world.patroller, world.section.team)


def test_an_inspector_starts_on_any_section(world):
    response = _start(_client(world.inspector), world.other_section, device="phone-inspector-01")
    assert response.status_code == 201
    # The inspector's phone is not one of the team's devices (the team's tasks are judged from those).
    assert Device.objects.get(device_id="phone-inspector-01").team is None


def test_start_is_linked_to_todays_task(world):
    task = PatrolTask.objects.create(section=world.section, date=timezone.localdate(), time_window="day")
    response = _start(_client(world.patroller), world.section)
    assert response.json()["task"] == task.pk
    assert task.events.filter(kind="track_started").count() == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"section": "x"}, "管段"),
        ({"section": 0}, "管段"),
        ({"section": None}, "管段"),
        ({"device_id": "short"}, "设备"),
        ({"device_id": 12345678}, "设备"),
        ({"mode": "rocket"}, "方式"),
    ],
)
def test_bad_starts_are_refused_with_a_message(world, change, words):
    body = {"section": world.section.pk, "device_id": "phone-test-0001", **change}
    response = _post(_client(world.patroller), "track_start", body)
    assert response.status_code in (400, 404)
    assert words in response.json()["detail"]
    assert not PatrolTrack.objects.filter(user__username__startswith="patrol_").exists()


def test_not_json_is_refused(world):
    response = _client(world.patroller).post(reverse("field:track_start"), "{", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


# --- fixes --------------------------------------------------------------------


def test_fixes_are_idempotent_on_device_and_time(world):
    client = _client(world.patroller)
    _start(client, world.section)
    fixes = _walk(world, _ms(timezone.now() - timedelta(minutes=3)))
    body = {"device_id": "phone-test-0001", "fixes": fixes}
    first = _post(client, "fixes", body)
    assert first.status_code == 200 and first.json()["added"] == len(fixes)
    again = _post(client, "fixes", body)
    assert again.status_code == 200 and again.json()["added"] == 0
    half = _post(client, "fixes", {**body, "fixes": fixes[10:] + fixes[:2]})
    assert half.json()["added"] == 0
    assert PatrolFix.objects.filter(device_id="phone-test-0001").count() == len(fixes)
    assert set(PatrolFix.objects.filter(device_id="phone-test-0001").values_list("source", flat=True)) == {"phone"}


@pytest.mark.parametrize(
    ("fix", "words"),
    [
        ({"t": "yesterday", "lon": 118.5, "lat": 37.4}, "time"),
        ({"t": 1_700_000_000_000, "lon": "东经", "lat": 37.4}, "lon"),
        ({"t": 1_700_000_000_000, "lon": 118.5, "lat": 95}, "lat"),
        ({"t": 1_700_000_000_000, "lon": 118.5, "lat": 37.4, "acc": -3}, "accuracy_m"),
        ({"t": None, "lon": 118.5, "lat": 37.4}, "time"),
        ("118.5,37.4", None),
    ],
)
def test_bad_fixes_are_refused_with_a_message_and_nothing_stored(world, fix, words):
    """The message names the fix (its index in the batch, from 0) and the field at fault."""
    client = _client(world.patroller)
    _start(client, world.section)
    good = {"t": _ms(timezone.now()), "lon": 118.5, "lat": 37.4}
    response = _post(client, "fixes", {"device_id": "phone-test-0001", "fixes": [good, fix]})
    assert response.status_code == 400
    answer = response.json()
    assert answer["detail"] and answer["index"] == 1 and answer.get("field") == words
    assert not PatrolFix.objects.filter(device_id__startswith="phone-").exists()


def test_fixes_of_a_phone_not_registered_or_not_yours_are_refused(world):
    client = _client(world.patroller)
    fix = {"t": _ms(timezone.now()), "lon": 118.5, "lat": 37.4}
    response = _post(client, "fixes", {"device_id": "phone-never-seen", "fixes": [fix]})
    assert response.status_code == 403 and "开始巡检" in response.json()["detail"]
    _start(_client(world.other_patroller), world.other_section, device="phone-of-team-b")
    response = _post(client, "fixes", {"device_id": "phone-of-team-b", "fixes": [fix]})
    assert response.status_code == 403
    assert not PatrolFix.objects.filter(device_id__startswith="phone-").exists()


def test_empty_batch_is_refused(world):
    client = _client(world.patroller)
    _start(client, world.section)
    response = _post(client, "fixes", {"device_id": "phone-test-0001", "fixes": []})
    assert response.status_code == 400 and response.json()["detail"]


# --- end ----------------------------------------------------------------------


def test_end_builds_the_line_and_gives_the_days_figures(world):
    task = PatrolTask.objects.create(section=world.section, date=timezone.localdate(), time_window="day")
    client = _client(world.patroller)
    track_id = _start(client, world.section).json()["id"]
    # Walked from 0 to 180 m only: K2 (250 m) is missed, 180–300 m is not covered.
    fixes = _walk(world, _ms(timezone.now()) - 60_000, to_m=180)
    _post(client, "fixes", {"device_id": "phone-test-0001", "fixes": fixes})
    response = _post(client, "track_end", {}, track_id)
    assert response.status_code == 200
    figures = response.json()
    assert figures["missed"] == ["FT-K2"]
    assert figures["checkpoints_required"] == 2 and figures["checkpoints_visited"] == 1
    assert 0.6 < figures["coverage"] < 0.75
    assert figures["uncovered"] and figures["uncovered"][-1][1] == 300
    assert figures["task"]["id"] == task.pk and figures["tracks_today"] == 1
    track = PatrolTrack.objects.get(pk=track_id)
    assert track.ended_at is not None and track.fix_count == len(fixes) and track.line is not None
    assert 170 < track.length_m < 200
    task.refresh_from_db()
    assert task.judged_at is not None  # judged again, within its own time window (patrols.judging)
    # Ending again answers the same figures and changes nothing.
    assert _post(client, "track_end", {}, track_id).json() == figures


def test_only_the_patroller_ends_their_track(world):
    track_id = _start(_client(world.patroller), world.section).json()["id"]
    response = _post(_client(world.other_patroller), "track_end", {}, track_id)
    assert response.status_code == 404
    assert PatrolTrack.objects.get(pk=track_id).ended_at is None


# --- 上报隐患 -------------------------------------------------------------------


def _report(client, world, photos=(), **overrides):
    point = pipeline_point_at(pipeline=world.pipeline, chainage_m=120)
    data = {
        "lon": str(point.x),
        "lat": str(point.y + 0.0001),  # about 11 m off the centreline
        "category": "third_party_construction",
        "description": "管道上方有挖掘机作业",
        "section": str(world.section.pk),
        **overrides,
    }
    return client.post(reverse("field:hazard"), {**data, "photos": list(photos)})


def test_a_patroller_reports_a_hazard_with_photos(world):
    before = Hazard.objects.count()
    photo = SimpleUploadedFile("IMG_0001.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = _report(_client(world.patroller), world, photos=[photo])
    assert response.status_code == 201, response.content
    body = response.json()
    hazard = Hazard.objects.get(pk=body["id"])
    assert Hazard.objects.count() == before + 1
    assert (hazard.source, hazard.status, hazard.pipeline, hazard.company) == (
        HazardSource.PATROL,
        HazardStatus.REPORTED,
        world.pipeline,
        world.pipeline.company,
    )
    expected, _offset = pipeline_chainage_at(pipeline=world.pipeline, point=hazard.location)
    assert hazard.chainage_m == pytest.approx(expected, abs=0.1)
    assert hazard.chainage_m == pytest.approx(120, abs=15)  # reported about 11 m north of chainage 120
    assert hazard.reported_by == world.patroller
    assert hazard.photos.count() == 1
    assert "FT-S1" in hazard.place
    assert [row.to_status for row in hazard.history.order_by("pk")] == [HazardStatus.REPORTED] * 2  # report, photo
    assert body["code"] in body["message"] and "已上报" in body["status_label"]


def test_an_inspector_reports_a_hazard_in_their_own_name(world):
    response = _report(_client(world.inspector), world, section="")
    assert response.status_code == 201
    hazard = Hazard.objects.get(pk=response.json()["id"])
    assert hazard.history.get().actor == world.inspector
    assert hazard.place == ""


@pytest.mark.parametrize(
    ("overrides", "photo", "words"),
    [
        ({}, SimpleUploadedFile("scan.jpg", PDF_BYTES, content_type="image/jpeg"), "scan.jpg"),
        ({"description": "  "}, None, "描述"),
        ({"category": "ufo"}, None, "种类"),
        ({"lat": "北纬"}, None, "位置"),
        ({"lon": "121.5", "lat": "31.2"}, None, "位置"),
        ({"lon": "118.1", "lat": "37.0"}, None, "500"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(world, overrides, photo, words):
    before = (Hazard.objects.count(), HazardPhoto.objects.count())
    photos = [SimpleUploadedFile("ok.jpg", jpeg_bytes(), content_type="image/jpeg")] + ([photo] if photo else [])
    response = _report(_client(world.patroller), world, photos=photos, **overrides)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail and (words is None or words in detail)
    assert (Hazard.objects.count(), HazardPhoto.objects.count()) == before


def test_company_staff_cannot_report_from_the_field_page(world):
    before = Hazard.objects.count()
    response = _report(_client(world.outsider), world)
    assert response.status_code == 403
    assert Hazard.objects.count() == before


def test_a_report_sent_again_after_a_lost_answer_is_answered_again_not_doubled(world):
    client = _client(world.patroller)
    before = Hazard.objects.count()
    key = {"headers": {"Idempotency-Key": "field-report-0001"}}
    point = pipeline_point_at(pipeline=world.pipeline, chainage_m=60)
    data = {"lon": str(point.x), "lat": str(point.y), "category": "other", "description": "警示牌缺失"}
    first = client.post(reverse("field:hazard"), data, **key)
    again = client.post(reverse("field:hazard"), data, **key)
    assert first.status_code == again.status_code == 201
    assert again.json()["code"] == first.json()["code"] and again["Idempotent-Replayed"] == "true"
    assert Hazard.objects.count() == before + 1
    other = client.post(reverse("field:hazard"), {**data, "description": "另一处"}, **key)
    assert other.status_code == 422 and "重新打开" in other.json()["detail"]
    assert Hazard.objects.count() == before + 1
    # A refused report keeps no key: corrected, it goes through with the same key.
    refused = client.post(reverse("field:hazard"), {**data, "description": ""}, headers={"Idempotency-Key": "k-2"})
    assert refused.status_code == 400
    fixed = client.post(reverse("field:hazard"), data, headers={"Idempotency-Key": "k-2"})
    assert fixed.status_code == 201 and Hazard.objects.count() == before + 2


def test_the_page_costs_the_same_queries_whatever_the_number_of_sections(world, django_assert_max_num_queries):
    client = _client(world.patroller)
    client.get(reverse("field:page"))
    for n in range(1, 9):
        PatrolSection.objects.create(
            code=f"FT-X{n}", pipeline=world.pipeline, from_m=300 * n, to_m=300 * n + 300, team=world.section.team
        )
    with django_assert_max_num_queries(12):
        page = client.get(reverse("field:page"))
    assert len(page.context["field_data"]["details"]) == 9


def test_the_service_worker_is_served_for_the_page_scope(world):
    response = Client().get(reverse("field:sw"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/field/"
    body = response.content.decode()
    assert "/static/field/field.js" in body and 'const PAGE = "/field/"' in body


def test_a_track_left_open_is_offered_again_and_ended_when_the_phone_starts_anew(world):
    client = _client(world.patroller)
    first = _start(client, world.section).json()["id"]
    data = client.get(reverse("field:page")).context["field_data"]
    assert data["open_track"]["id"] == first and data["open_track"]["section_id"] == world.section.pk
    second = _start(client, world.section).json()["id"]
    assert PatrolTrack.objects.get(pk=first).ended_at is not None
    assert PatrolTrack.objects.get(pk=second).ended_at is None
