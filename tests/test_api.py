"""The REST API for the city command platform and for people with a login."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from hazards.models import Hazard
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform():
    _key_object, key = APIKey.objects.create_key(name="市一体化综合指挥平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.key_object = _key_object
    return client


def _person(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_no_credentials_no_data():
    response = APIClient().get("/api/v1/hazards/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_revoked_key_is_refused(platform):
    assert platform.get("/api/v1/companies/").status_code == 200
    APIKey.objects.filter(pk=platform.key_object.pk).update(revoked=True)
    assert platform.get("/api/v1/companies/").status_code in (401, 403)


def test_pipelines_as_geojson_with_bbox(platform):
    data = platform.get("/api/v1/pipelines/", {"page_size": 1000}).json()
    assert data["type"] == "FeatureCollection" and data["count"] == Pipeline.objects.count() == 161
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "MultiLineString" and feature["properties"]["code"]
    box = (118.5, 37.3, 118.8, 37.6)
    inside = platform.get("/api/v1/pipelines/", {"in_bbox": ",".join(map(str, box)), "page_size": 1000}).json()
    from django.contrib.gis.geos import Polygon

    expected = Pipeline.objects.filter(route__bboverlaps=Polygon.from_bbox(box)).count()
    assert 0 < inside["count"] == expected < 161


def test_hazard_filters(platform):
    response = platform.get("/api/v1/hazards/", {"status": "rectifying", "level": "major", "is_overdue": "true"})
    assert response.status_code == 200
    expected = Hazard.objects.filter(status="rectifying", level="major", is_overdue=True).count()
    assert response.json()["count"] == expected
    ranged = platform.get("/api/v1/hazards/", {"found_after": "2026-10-01", "found_before": "2026-10-31"}).json()
    assert ranged["count"] == Hazard.objects.filter(found_on__range=("2026-10-01", "2026-10-31")).count()
    bad = platform.get("/api/v1/hazards/", {"found_after": "yesterday"})
    assert bad.status_code == 400 and "found_after" in bad.json()


def test_hazard_detail_has_rectifications_and_history(platform):
    hazard = Hazard.objects.filter(status="closed").first()
    data = platform.get(f"/api/v1/hazards/{hazard.pk}/").json()
    assert data["properties"]["code"] == hazard.code
    assert [h["action"] for h in data["properties"]["history"]][:2] == ["report", "assign"]
    assert data["properties"]["rectifications"][-1]["outcome"] == "accepted"


def test_company_staff_see_only_their_company():
    staff = User.objects.get(username="company01")
    client = _person("company01")
    data = client.get("/api/v1/hazards/", {"page_size": 1000}).json()
    assert data["count"] == Hazard.objects.filter(company=staff.company).count()
    assert {f["properties"]["company"] for f in data["features"]} == {staff.company_id}
    foreign = Hazard.objects.exclude(company=staff.company).first()
    assert client.get(f"/api/v1/hazards/{foreign.pk}/").status_code == 404
    assert client.get("/api/v1/hazards/", {"company": foreign.company_id}).json()["count"] == 0
    assert client.get("/api/v1/companies/").json()["count"] == 1
    stats = client.get("/api/v1/stats/").json()
    assert stats["total"] == Hazard.objects.filter(company=staff.company).count()


def test_actions_call_the_services_and_refuse_with_409():
    inspector = _person("inspector1")
    hazard = Hazard.objects.filter(status="reported").first()
    response = inspector.post(f"/api/v1/hazards/{hazard.pk}/assign/", {"version": hazard.version, "comment": "限期"})
    assert response.status_code == 200, response.json()
    assert response.json()["properties"]["status"] == "assigned"
    again = inspector.post(f"/api/v1/hazards/{hazard.pk}/assign/", {"comment": "再交办"})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition" and again.json()["detail"]
    stale = inspector.post(f"/api/v1/hazards/{hazard.pk}/reopen/", {"version": hazard.version, "comment": "x"})
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_change"
    company = _person(User.objects.filter(company=hazard.company, username__startswith="company").first().username)
    refused = company.post(f"/api/v1/hazards/{hazard.pk}/accept/", {})
    assert refused.status_code in (403, 409)
    assert refused.json()["detail"]


def test_platform_keys_cannot_take_actions(platform):
    hazard = Hazard.objects.filter(status="reported").first()
    response = platform.post(f"/api/v1/hazards/{hazard.pk}/assign/", {})
    assert response.status_code in (401, 403) and response.json()["detail"]
    assert Hazard.objects.get(pk=hazard.pk).status == "reported"


def test_stats(platform):
    stats = platform.get("/api/v1/stats/").json()
    assert stats["total"] == Hazard.objects.count()
    assert stats["by_status"]["closed"] == Hazard.objects.filter(status="closed").count()
    assert sum(stats["by_category"].values()) == stats["total"]
    assert stats["overdue"] == Hazard.objects.exclude(status="closed").filter(is_overdue=True).count()
    assert stats["median_days_to_close"] > 0
    ranged = platform.get("/api/v1/stats/", {"found_after": "2026-11-01"}).json()
    assert ranged["total"] == Hazard.objects.filter(found_on__gte="2026-11-01").count()


@pytest.mark.parametrize("path", ["/api/v1/hazards/", "/api/v1/pipelines/", "/api/v1/inspections/"])
def test_list_queries_do_not_grow_with_rows(platform, path):
    platform.get(path, {"page_size": 5})
    with CaptureQueriesContext(connection) as few:
        platform.get(path, {"page_size": 5})
    with CaptureQueriesContext(connection) as many:
        platform.get(path, {"page_size": 200})
    assert len(few) == len(many)


def test_schema_and_docs_are_served_locally(platform):
    client = _person("inspector1")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/hazards/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    import re

    assets = re.findall(rb'(?:src|href)="([^"]+)"', docs.content)
    assert assets and not [a for a in assets if a.startswith((b"http:", b"https:", b"//"))]


@pytest.mark.parametrize("bbox", ["1e309,37,119,38", "nan,37,119,38", "118,37,119", "119,37,118,38", "a,b,c,d"])
def test_bad_bbox_is_a_400_not_a_crash(platform, bbox):
    # Found by schemathesis: GEOS aborted the whole process on an infinite coordinate.
    response = platform.get("/api/v1/hazards/", {"in_bbox": bbox})
    assert response.status_code == 400 and "in_bbox" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "model", "serializer"),
    [("/api/v1/hazards/", Hazard, "HazardSerializer"), ("/api/v1/pipelines/", Pipeline, "PipelineSerializer")],
)
def test_list_pages_say_what_the_serializers_say(platform, path, model, serializer):
    """The list pages take a fast path (api/fast.py); their features equal the serializer's."""
    import json as _json

    from api import serializers

    page = platform.get(path, {"page_size": 20}).json()["features"]
    objects = model.objects.in_bulk([f["id"] for f in page])
    for feature in page:
        expected = _json.loads(_json.dumps(getattr(serializers, serializer)(objects[feature["id"]]).data, default=str))
        assert feature["properties"] == expected["properties"], feature["id"]
        assert feature["geometry"]["type"] == expected["geometry"]["type"]
        assert _flat(feature["geometry"]["coordinates"]) == pytest.approx(
            _flat(expected["geometry"]["coordinates"]), abs=1e-6
        )


def _flat(coordinates):
    if isinstance(coordinates, (int, float)):
        return [coordinates]
    return [value for item in coordinates for value in _flat(item)]


def test_extend_through_the_api_needs_an_approver_who_may_approve():
    inspector = _person("inspector1")
    hazard = Hazard.objects.filter(status="rectifying").first()
    later = hazard.deadline.toordinal() + 30
    from datetime import date

    new_deadline = date.fromordinal(later).isoformat()
    own = User.objects.get(username="inspector1")
    refused = inspector.post(
        f"/api/v1/hazards/{hazard.pk}/extend/", {"new_deadline": new_deadline, "comment": "汛期", "approver": own.pk}
    )
    assert refused.status_code == 409 and refused.json()["detail"]
    manager = User.objects.get(username="manager")
    done = inspector.post(
        f"/api/v1/hazards/{hazard.pk}/extend/",
        {"new_deadline": new_deadline, "comment": "汛期", "approver": manager.pk},
    )
    assert done.status_code == 200 and done.json()["properties"]["deadline"] == new_deadline
    unknown = inspector.post(
        f"/api/v1/hazards/{hazard.pk}/extend/", {"new_deadline": new_deadline, "comment": "x", "approver": 999999}
    )
    assert unknown.status_code == 400 and "approver" in unknown.json()
