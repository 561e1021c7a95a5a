"""The security register over the API and OGC API - Features: theft incidents (company-scoped through their
pipeline) and refinery points (the regulator's: 403 for a company's key or staff, nothing in OGC for them)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from api.models import ApiKeyCompany
from security.models import RefineryPoint, TheftIncident

pytestmark = pytest.mark.django_db


def _key(company=None):
    obj, key = APIKey.objects.create_key(name="security")
    if company is not None:
        ApiKeyCompany.objects.create(key=obj, company=company)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.raw_key = key
    return client


def _person(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.fixture
def incident():
    return TheftIncident.objects.select_related("pipeline__company").order_by("pk").first()


def test_theft_incidents_as_geojson_filtered_and_scoped(incident):
    city = _key()
    body = city.get("/api/v1/theft-incidents/", {"page_size": 500}).json()
    assert body["type"] == "FeatureCollection" and body["count"] == TheftIncident.objects.count()
    feature = next(f for f in body["features"] if f["id"] == incident.pk)
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["code"] == incident.code
    assert feature["properties"]["pipeline_code"] == incident.pipeline.code
    patrol = city.get("/api/v1/theft-incidents/", {"found_how": "patrol", "page_size": 500}).json()
    assert patrol["count"] == TheftIncident.objects.filter(found_how="patrol").count()
    assert city.get("/api/v1/theft-incidents/", {"status": "nonsense"}).status_code == 400
    assert city.get("/api/v1/theft-incidents/", {"found_after": "x"}).status_code == 400
    company = incident.pipeline.company
    owner = _key(company)
    own = owner.get("/api/v1/theft-incidents/", {"page_size": 500}).json()
    assert own["count"] == TheftIncident.objects.filter(pipeline__company=company).count()
    other = TheftIncident.objects.exclude(pipeline__company=company).first()
    assert owner.get(f"/api/v1/theft-incidents/{other.pk}/").status_code == 404
    assert owner.get(f"/api/v1/theft-incidents/{incident.pk}/").json()["id"] == incident.pk
    staff = _person(User.objects.filter(company=company).first().username)
    assert staff.get("/api/v1/theft-incidents/", {"page_size": 500}).json()["count"] == own["count"]
    assert APIClient().get("/api/v1/theft-incidents/").status_code in (401, 403)


def test_refinery_points_are_for_the_office_and_the_city_platform():
    city = _key()
    body = city.get("/api/v1/refinery-points/").json()
    assert body["count"] == RefineryPoint.objects.count()
    recurred = next(f for f in body["features"] if f["properties"]["recurrences"])
    assert any(r["result"] == "working_again" for r in recurred["properties"]["rechecks"])
    assert _person("inspector1").get("/api/v1/refinery-points/").status_code == 200
    company = TheftIncident.objects.first().pipeline.company
    refused = _key(company).get("/api/v1/refinery-points/")
    assert refused.status_code == 403 and "监管" in refused.json()["detail"]
    assert _person("company01").get("/api/v1/refinery-points/").status_code == 403


def test_ogc_collections_theft_incidents_and_refinery_points(incident):
    city = _key()
    client = Client(headers={"Authorization": f"Api-Key {city.raw_key}"})
    ids = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert {"theft_incidents", "refinery_points"} <= ids
    items = client.get("/ogc/collections/theft_incidents/items", {"limit": 1000}).json()
    assert items["numberMatched"] == TheftIncident.objects.count()
    ranged = client.get("/ogc/collections/theft_incidents/items", {"datetime": "2026-10-01/.."}).json()
    assert ranged["numberMatched"] == TheftIncident.objects.filter(found_on__gte="2026-10-01").count()
    assert client.get("/ogc/collections/refinery_points/items").json()["numberMatched"] == RefineryPoint.objects.count()
    company = incident.pipeline.company
    owner = Client(headers={"Authorization": f"Api-Key {_key(company).raw_key}"})
    own = owner.get("/ogc/collections/theft_incidents/items", {"limit": 1000}).json()
    assert own["numberMatched"] == TheftIncident.objects.filter(pipeline__company=company).count()
    assert owner.get("/ogc/collections/refinery_points/items").json()["numberMatched"] == 0
