"""Emergency response over the API: the isolation answer, incidents reported once per Idempotency-Key, the
time line, and who may do what (the city's key, an inspector, a company's key, another company)."""

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from api.models import ApiKeyCompany
from emergency.models import Incident, Valve

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_key():
    _, key = APIKey.objects.create_key(name="city")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def company_key(company):
    api_key, key = APIKey.objects.create_key(name=f"company {company.pk}")
    ApiKeyCompany.objects.create(key=api_key, company=company)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def spot():
    """A point 150 m past a remote line valve of the demo city, with the answer the service gives."""
    from emergency.services import isolation_answer
    from tests.test_browser_emergency import _point_after

    valve = Valve.objects.filter(kind="remote", name__contains="线路").select_related("pipeline").order_by("code")[0]
    point = _point_after(valve, 150.0)
    return valve, point, isolation_answer(location=point)


def test_the_isolation_answer_for_the_city_and_the_office_not_for_a_company(city_key, spot, client, inspector):
    valve, point, expected = spot
    url = f"/api/v1/isolation/?lon={point.x:.8f}&lat={point.y:.8f}"
    answer = city_key.get(url)
    assert answer.status_code == 200
    body = answer.json()
    assert body["pipeline_code"] == valve.pipeline.code
    assert [v["code"] for v in body["valves_to_close"]] == [v["code"] for v in expected["valves_to_close"]]
    first = body["valves_to_close"][0]["code"]
    failed = city_key.get(f"{url}&failed={first}").json()
    assert first in failed["failed"] and first not in [v["code"] for v in failed["valves_to_close"]]
    unknown = city_key.get(f"{url}&failed=NOPE")
    assert unknown.status_code == 422 and "NOPE" in str(unknown.json())
    assert city_key.get("/api/v1/isolation/?lon=200&lat=37").status_code == 400
    far = city_key.get("/api/v1/isolation/?lon=100&lat=30").json()
    assert far["pipeline_code"] is None

    client.force_login(inspector)
    assert client.get(url).status_code == 200
    assert company_key(valve.pipeline.company).get(url).status_code == 403
    staff = User.objects.filter(company=valve.pipeline.company).first()
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert APIClient().get(url).status_code == 401


def test_an_incident_is_reported_once_per_key_and_moves_along_its_time_line(city_key, spot):
    valve, point, expected = spot
    body = {"kind": "leak", "level": "III", "occurred_at": "2026-12-07T07:30:00+08:00", "lon": point.x, "lat": point.y}
    key = str(uuid.uuid4())
    first = city_key.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    incident = Incident.objects.get(pk=first.json()["id"])
    assert incident.source == "platform" and incident.pipeline == valve.pipeline
    assert first.json()["trace"]["valves_to_close"] == expected["valves_to_close"]
    again = city_key.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == incident.pk and Incident.objects.filter(pk__gte=incident.pk).count() == 1
    other = city_key.post("/api/v1/incidents/", {**body, "level": "I"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 422
    assert city_key.post("/api/v1/incidents/", body, format="json").status_code == 400  # no key

    code = first.json()["trace"]["valves_to_close"][0]["code"]
    failed = city_key.post(f"/api/v1/incidents/{incident.pk}/failed-valve/", {"valve": code}, format="json")
    assert failed.status_code == 200 and code in failed.json()["failed_valves"]
    closed = city_key.post(f"/api/v1/incidents/{incident.pk}/steps/", {"kind": "closed"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    back = city_key.post(f"/api/v1/incidents/{incident.pk}/steps/", {"kind": "leak_stopped"}, format="json")
    assert back.status_code == 409 and back.json()["detail"]
    assert [s["kind"] for s in closed.json()["steps"]] == ["reported", "valve_failed", "closed"]


def test_incidents_are_scoped_to_a_company_for_its_key_and_staff(spot, client):
    valve, point, _expected = spot
    owner = valve.pipeline.company
    mine = company_key(owner)
    body = {
        "kind": "theft_tap",
        "level": "IV",
        "occurred_at": "2026-12-07T07:30:00+08:00",
        "lon": point.x,
        "lat": point.y,
    }
    reported = mine.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reported.status_code == 201 and reported.json()["company_name"] == owner.name
    assert Incident.objects.get(pk=reported.json()["id"]).source == "company"
    ids = {row["id"] for row in mine.get("/api/v1/incidents/").json()["results"]}
    assert reported.json()["id"] in ids
    assert all(Incident.objects.get(pk=i).company_id == owner.pk for i in ids)

    outsider_company = User.objects.filter(company__isnull=False).exclude(company=owner).first().company
    theirs = company_key(outsider_company)
    assert theirs.get(f"/api/v1/incidents/{reported.json()['id']}/").status_code == 404
    assert reported.json()["id"] not in {row["id"] for row in theirs.get("/api/v1/incidents/").json()["results"]}
    step = theirs.post(f"/api/v1/incidents/{reported.json()['id']}/steps/", {"kind": "closed"}, format="json")
    assert step.status_code == 404


def test_the_incident_list_costs_the_same_queries_whatever_the_number_of_steps(city_key, spot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from emergency.services import incident_step_record

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert city_key.get("/api/v1/incidents/").status_code == 200
        return len(queries)

    count()  # the key is looked up and cached on the first request
    before = count()
    for incident in Incident.objects.exclude(status="closed"):
        incident_step_record(incident=incident, kind="valves_closed")
    body = city_key.post(
        "/api/v1/incidents/",
        {"kind": "fire", "level": "II", "occurred_at": "2026-12-07T07:00:00+08:00", "lon": 118.5, "lat": 37.4},
        format="json",
        HTTP_IDEMPOTENCY_KEY="n-1",
    )
    assert body.status_code == 201
    assert count() == before


def test_an_incident_time_outside_2000_to_now_is_refused_by_the_service_for_api_and_admin(city_key, client, inspector):
    body = {"kind": "fire", "level": "II", "occurred_at": "1999-12-31T23:00:00+08:00", "lon": 118.5, "lat": 37.4}
    old = city_key.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="old-1")
    assert old.status_code == 422 and "2000" in old.json()["detail"]
    client.force_login(inspector)
    page = client.post(
        "/admin/emergency/incident/add/",
        {"kind": "fire", "level": "II", "source": "inspector", "occurred_at_0": "2999-01-01", "occurred_at_1": "10:00"},
    )
    assert page.status_code == 200  # the form again, not a redirect
    assert "2000" in str(page.context["adminform"].form.errors.get("occurred_at"))
    assert not Incident.objects.filter(occurred_at__year=2999).exists()
