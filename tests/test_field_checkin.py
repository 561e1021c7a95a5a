# ruff: noqa: F811 (the fixtures of tests/construction_fixtures.py are imported by name)
"""现场监护签到 on the field page (/field/api/checkins/): the owner operator's guard and an inspector check in,
another company's staff and a contractor cannot; bad input is refused with a Chinese message and nothing is
written; an Idempotency-Key makes a retry answer again instead of checking in twice. The page is driven in
Chromium in test_browser_field_checkin.py."""

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from construction import services
from construction.models import ApplicationStep, CheckIn
from tests.conftest import PDF_BYTES
from tests.construction_fixtures import (  # noqa: F401
    contractors,
    jpeg,
    operator_staff,
    site,
    submit,
    today_is,
)

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 1)
URL = "/field/api/checkins/"


@pytest.fixture
def notified(monkeypatch, site, contractors, inspector):
    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    application = submit(contractor, user, site, start=DAY + timedelta(days=10))
    services.application_approve(application=application, actor=inspector, comment="同意")
    return services.notice_send(application=application, actor=user)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, application, point, *, photo=True, key=None, **extra):
    data = {"application": application.pk, "lon": point.x, "lat": point.y, "accuracy": 6, "note": "现场监护"}
    data.update(extra)
    if photo:
        data["photo"] = jpeg() if photo is True else photo
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, data, **headers)


def _counts(application):
    return CheckIn.objects.filter(application=application).count(), ApplicationStep.objects.filter(
        application=application, kind="checked_in"
    ).count()


def test_url_is_the_field_pages():
    assert reverse("field:checkin") == URL


def test_owner_operators_guard_checks_in(notified, site, operator_staff):
    second = operator_staff[1]
    response = _post(_client(second), notified, site.point)
    assert response.status_code == 201, response.content
    body = response.json()
    checkin = CheckIn.objects.get(pk=body["id"])
    assert checkin.guard == second and checkin.operator.company == second.company and checkin.distance_m < 1
    assert checkin.accuracy_m == 6 and checkin.note == "现场监护" and checkin.photo.name
    assert body["number"] == notified.number and body["message"].startswith("已签到")
    assert _counts(notified) == (1, 1)


def test_inspector_checks_in(notified, site, inspector):
    response = _post(_client(inspector), notified, site.point)
    assert response.status_code == 201, response.content
    checkin = CheckIn.objects.get(pk=response.json()["id"])
    assert checkin.guard == inspector and checkin.operator is None


def test_other_company_and_contractor_are_refused(notified, site, operator_staff, contractors):
    outsider = operator_staff[2]
    response = _post(_client(outsider), notified, site.point)
    assert response.status_code == 404 and response.json()["field"] == "application"
    contractor_user = contractors[1]
    response = _post(_client(contractor_user), notified, site.point)
    assert response.status_code == 403 and "签到" in response.json()["detail"]
    assert Client().post(URL, {}).status_code == 401
    assert _counts(notified) == (0, 0)


def test_page_lists_the_applications_each_may_check_in_on(notified, operator_staff, contractors, inspector):
    first, second, outsider = operator_staff
    for user, listed in ((first, True), (second, True), (inspector, True), (outsider, False)):
        response = _client(user).get("/field/")
        assert response.status_code == 200
        data = response.context["field_data"]
        assert data["checkin"] is True
        assert (notified.pk in [row["id"] for row in data["applications"]]) is listed
        assert 'id="checkin-form"' in response.content.decode()
    # Company staff see the check-in card only: no patrol section, the patrol card hidden.
    page = _client(first).get("/field/")
    assert page.context["field_data"]["patrol"] is False and page.context["field_data"]["sections"] == []
    assert '<section id="pick" class="card" hidden>' in page.content.decode()
    # A contractor has no right to check in: still no field page.
    assert _client(contractors[1]).get("/field/").status_code == 403


def test_far_position_is_refused_in_chinese_and_nothing_is_written(notified, site, operator_staff):
    far = Point(site.point.x + 0.05, site.point.y, srid=4326)
    response = _post(_client(operator_staff[1]), notified, far)
    assert response.status_code == 400
    assert "米" in response.json()["detail"] and "500" in response.json()["detail"], response.json()
    assert response.json()["field"] == "location"
    assert _counts(notified) == (0, 0)


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"lon": ""}, "lon"),
        ({"lat": "abc"}, "lat"),
        ({"lon": "nan"}, "lon"),
        ({"lat": "91"}, "lat"),
        ({"photo": False}, "photo"),
        ({"photo": "pdf"}, None),
    ],
)
def test_bad_input_is_a_message(notified, site, operator_staff, extra, field):
    extra = dict(extra)
    photo = extra.pop("photo", True)
    if photo == "pdf":
        photo = SimpleUploadedFile("site.jpg", PDF_BYTES, content_type="image/jpeg")
    response = _post(_client(operator_staff[1]), notified, site.point, photo=photo, **extra)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and not body["detail"].isascii()
    if field:
        assert body["field"] == field
    assert _counts(notified) == (0, 0)


def test_unknown_application_and_wrong_state(notified, site, operator_staff):
    client = _client(operator_staff[1])
    for value in ("", "abc", "999999"):
        response = client.post(URL, {"application": value, "lon": site.point.x, "lat": site.point.y, "photo": jpeg()})
        assert response.status_code == 404
    assert client.get(URL).status_code == 405


def test_idempotency_key_answers_again(notified, site, operator_staff):
    client = _client(operator_staff[1])
    first = _post(client, notified, site.point, key="checkin-abc-1")
    again = _post(client, notified, site.point, key="checkin-abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert _counts(notified) == (1, 1)
    other = _post(client, notified, site.point, key="checkin-abc-1", note="另一次")
    assert other.status_code == 422
    assert _post(client, notified, site.point, key="bad key!").status_code == 400
    # A refused check-in leaves its key free: the corrected retry goes through.
    far = Point(site.point.x + 0.05, site.point.y, srid=4326)
    assert _post(client, notified, far, key="checkin-abc-2").status_code == 400
    assert _post(client, notified, far, key="checkin-abc-2").status_code == 400
    assert _counts(notified) == (1, 1)


def test_csrf_is_required(notified, site, operator_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator_staff[1])
    assert _post(client, notified, site.point).status_code == 403
    assert _counts(notified) == (0, 0)


def test_construction_pages_link_to_the_field_card(notified, operator_staff):
    client = _client(operator_staff[1])
    target = f"/field/?application={notified.pk}#checkin-form"
    form = client.get(reverse("admin:construction_application_checkin", args=[notified.pk]))
    assert form.status_code == 200 and target in form.content.decode()
    change = client.get(reverse("admin:construction_application_change", args=[notified.pk]))
    html = change.content.decode()
    assert target in html and "在现场巡检页签到" in html
