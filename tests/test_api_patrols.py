"""Patrol sections, checkpoints and tasks over the API and OGC: GeoJSON, filterable, company-scoped."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from patrols.choices import TaskStatus
from patrols.models import Checkpoint, PatrolSection, PatrolTask
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db
YESTERDAY = (DEMO_TODAY - timedelta(days=1)).isoformat()


@pytest.fixture
def platform():
    _key, key = APIKey.objects.create_key(name="市一体化综合指挥平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _person(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_sections_are_geojson_lines_on_their_pipelines(platform):
    body = platform.get("/api/v1/patrol-sections/", {"page_size": 500}).json()
    assert body["type"] == "FeatureCollection" and body["count"] == PatrolSection.objects.count()
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "LineString"
    section = PatrolSection.objects.get(pk=feature["id"])
    assert feature["properties"]["pipeline_code"] == section.pipeline.code
    assert feature["properties"]["length_m"] == pytest.approx(section.to_m - section.from_m)
    walk = platform.get("/api/v1/patrol-sections/", {"mode": "walk", "page_size": 500}).json()
    assert walk["count"] == PatrolSection.objects.filter(mode="walk").count() > 0
    assert platform.get("/api/v1/patrol-sections/", {"mode": "run"}).status_code == 400


def test_checkpoints_filter_by_pipeline_and_bbox(platform):
    checkpoint = Checkpoint.objects.first()
    body = platform.get("/api/v1/checkpoints/", {"pipeline": checkpoint.pipeline_id, "page_size": 500}).json()
    assert body["count"] == Checkpoint.objects.filter(pipeline=checkpoint.pipeline).count()
    x, y = checkpoint.location.x, checkpoint.location.y
    boxed = platform.get("/api/v1/checkpoints/", {"in_bbox": f"{x - 1e-4},{y - 1e-4},{x + 1e-4},{y + 1e-4}"}).json()
    assert checkpoint.pk in [f["id"] for f in boxed["features"]]


def test_tasks_carry_their_figures(platform):
    body = platform.get("/api/v1/patrol-tasks/", {"date_after": YESTERDAY, "date_before": YESTERDAY}).json()
    assert body["count"] == PatrolTask.objects.filter(date=YESTERDAY).count()
    row = body["results"][0]
    task = PatrolTask.objects.get(pk=row["id"])
    assert (row["status"], row["coverage"], row["report"]) == (task.status, task.coverage, task.report)
    missed = platform.get("/api/v1/patrol-tasks/", {"status": "missed", "date_after": YESTERDAY}).json()
    assert missed["count"] == PatrolTask.objects.filter(status=TaskStatus.MISSED, date__gte=YESTERDAY).count()
    assert platform.get("/api/v1/patrol-tasks/", {"date_after": "x"}).status_code == 400


def test_company_staff_see_their_own_company_only():
    owner = User.objects.get(username="company01")
    client = _person("company01")
    sections = client.get("/api/v1/patrol-sections/", {"page_size": 500}).json()
    assert sections["count"] == PatrolSection.objects.filter(pipeline__company=owner.company).count() > 0
    tasks = client.get("/api/v1/patrol-tasks/", {"date_after": YESTERDAY}).json()
    assert (
        tasks["count"]
        == PatrolTask.objects.filter(section__pipeline__company=owner.company, date__gte=YESTERDAY).count()
    )
    other = PatrolTask.objects.exclude(section__pipeline__company=owner.company).first()
    assert client.get(f"/api/v1/patrol-tasks/{other.pk}/").status_code == 404
    assert APIClient().get("/api/v1/patrol-tasks/").status_code == 401


def test_ogc_collections_of_patrols(client, inspector):
    client.force_login(inspector)
    for collection, model in (("patrol_sections", PatrolSection), ("checkpoints", Checkpoint)):
        body = client.get(f"/ogc/collections/{collection}/items", {"limit": 5}).json()
        assert body["numberMatched"] == model.objects.count()
        assert body["features"][0]["geometry"]["type"] in {"LineString", "Point"}
    tasks = client.get("/ogc/collections/patrol_tasks/items", {"datetime": YESTERDAY, "limit": 5}).json()
    assert tasks["numberMatched"] == PatrolTask.objects.filter(date=YESTERDAY).count()
    assert tasks["features"][0]["geometry"]["type"] == "LineString"
    owner = User.objects.get(username="company01")
    client.force_login(owner)
    own = client.get("/ogc/collections/patrol_tasks/items", {"datetime": YESTERDAY}).json()
    assert (
        own["numberMatched"]
        == PatrolTask.objects.filter(date=YESTERDAY, section__pipeline__company=owner.company).count()
    )
