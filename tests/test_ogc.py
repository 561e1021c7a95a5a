"""OGC API - Features at /ogc/: JSON shapes, paging, bbox, access, and GDAL's OAPIF driver reading it."""

import json
import shutil
import subprocess
import sys

import pytest
from django.contrib.gis.db.models.aggregates import Extent
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.management import call_command
from django.test import Client
from rest_framework_api_key.models import APIKey

from accounts.models import User
from hazards.models import Hazard
from ogc.views import CRS84
from pipelines.models import Pipeline
from tests.conftest import DEMO_TODAY

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
MODELS = {"pipelines": (Pipeline, "route"), "hazards": (Hazard, "location")}


@pytest.fixture
def api_key(db):
    _, key = APIKey.objects.create_key(name="city")
    return key


@pytest.fixture
def key_client(api_key):
    return Client(headers={"Authorization": f"Api-Key {api_key}"})


def _links(document):
    return {link["rel"]: link for link in document["links"]}


def test_landing_page(key_client):
    response = key_client.get("/ogc/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["title"] and body["description"]
    links = _links(body)
    assert {"self", "service-desc", "conformance", "data"} <= set(links)
    assert links["data"]["href"].endswith("/ogc/collections")
    assert links["conformance"]["href"].endswith("/ogc/conformance")
    assert key_client.get(links["service-desc"]["href"]).json()["openapi"].startswith("3.0")


def test_conformance(key_client):
    body = key_client.get("/ogc/conformance").json()
    assert CORE in body["conformsTo"]
    assert GEOJSON_CONF in body["conformsTo"]


def test_collections(key_client):
    body = key_client.get("/ogc/collections").json()
    assert [c["id"] for c in body["collections"]] == ["pipelines", "hazards"]
    for collection in body["collections"]:
        model, field = MODELS[collection["id"]]
        assert collection["itemType"] == "feature"
        assert collection["crs"] == [CRS84]
        assert collection["title"]
        expected = model.objects.aggregate(extent=Extent(field))["extent"]
        assert collection["extent"]["spatial"]["bbox"][0] == pytest.approx(list(expected), abs=1e-6)
        links = _links(collection)
        assert links["items"]["type"] == "application/geo+json"
        assert links["items"]["href"].endswith(f"/ogc/collections/{collection['id']}/items")
        assert key_client.get(links["self"]["href"]).json()["id"] == collection["id"]
    hazards = key_client.get("/ogc/collections/hazards").json()
    assert hazards["extent"]["temporal"]["interval"][0][0].startswith("2026-")


def test_unknown_collection_is_404_json(key_client):
    for url in ("/ogc/collections/wells", "/ogc/collections/wells/items", "/ogc/collections/wells/items/1"):
        response = key_client.get(url)
        assert response.status_code == 404
        assert "wells" in response.json()["detail"]


@pytest.mark.parametrize("collection", ["pipelines", "hazards"])
def test_items_page_through_with_next_links(key_client, collection):
    model, _ = MODELS[collection]
    expected = list(model.objects.order_by("pk").values_list("pk", flat=True))
    url, seen, pages = f"/ogc/collections/{collection}/items?limit=150", [], 0
    while url:
        response = key_client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/geo+json"
        body = response.json()
        assert body["type"] == "FeatureCollection"
        assert body["numberMatched"] == len(expected)
        assert body["numberReturned"] == len(body["features"]) <= 150
        assert body["timeStamp"].endswith("Z")
        links = _links(body)
        assert "self" in links
        assert ("prev" in links) == (pages > 0)
        seen += [feature["id"] for feature in body["features"]]
        url = links.get("next", {}).get("href")
        pages += 1
    assert seen == expected
    assert pages == -(-len(expected) // 150)


def test_items_default_limit_offset_and_clamp(key_client):
    body = key_client.get("/ogc/collections/hazards/items").json()
    assert body["numberReturned"] == 100
    pks = list(Hazard.objects.order_by("pk").values_list("pk", flat=True))
    body = key_client.get("/ogc/collections/hazards/items?limit=7&offset=410").json()
    assert [f["id"] for f in body["features"]] == pks[410:417]
    assert _links(body)["next"]["href"].endswith("limit=7&offset=417")
    body = key_client.get("/ogc/collections/hazards/items?limit=5000").json()
    assert body["numberReturned"] == len(pks)  # limit above the maximum is taken as the maximum (1000)
    assert "next" not in _links(body)
    body = key_client.get(f"/ogc/collections/hazards/items?offset={10**30}").json()
    assert body["features"] == [] and body["numberMatched"] == len(pks)


def test_pipeline_feature_content(key_client):
    pipeline = Pipeline.objects.select_related("company").order_by("pk").first()
    response = key_client.get(f"/ogc/collections/pipelines/items/{pipeline.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == pipeline.pk
    properties = feature["properties"]
    assert properties["code"] == pipeline.code
    assert properties["company_name"] == pipeline.company.name
    assert properties["outer_diameter_mm"] == float(pipeline.outer_diameter_mm)
    assert isinstance(properties["maop_mpa"], float)
    geometry = GEOSGeometry(json.dumps(feature["geometry"]))
    assert geometry.geom_type == "MultiLineString"
    assert geometry.equals_exact(pipeline.route, tolerance=1e-7)


def test_hazard_feature_content(key_client):
    hazard = Hazard.objects.select_related("company", "pipeline").exclude(pipeline=None).order_by("pk").first()
    feature = key_client.get(f"/ogc/collections/hazards/items/{hazard.pk}").json()
    assert feature["properties"] == {
        "code": hazard.code,
        "company_name": hazard.company.name,
        "pipeline_code": hazard.pipeline.code,
        "category": hazard.category,
        "level": hazard.level,
        "status": hazard.status,
        "is_overdue": hazard.is_overdue,
        "found_on": hazard.found_on.isoformat(),
        "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
    }
    assert GEOSGeometry(json.dumps(feature["geometry"])).equals_exact(hazard.location, tolerance=1e-7)


@pytest.mark.parametrize("collection", ["pipelines", "hazards"])
def test_bbox_filter_matches_geometry(key_client, collection):
    model, field = MODELS[collection]
    min_x, min_y, max_x, max_y = model.objects.aggregate(extent=Extent(field))["extent"]
    box = (min_x, min_y, (min_x + max_x) / 2, (min_y + max_y) / 2)
    polygon = Polygon.from_bbox(box)
    # Independent of the database's spatial functions: GEOS in Python.
    expected = sorted(pk for pk, geometry in model.objects.values_list("pk", field) if geometry.intersects(polygon))
    assert 0 < len(expected) < model.objects.count()
    bbox = ",".join(str(value) for value in box)
    body = key_client.get(f"/ogc/collections/{collection}/items", {"bbox": bbox, "limit": 1000}).json()
    assert body["numberMatched"] == len(expected)
    assert [feature["id"] for feature in body["features"]] == expected
    polygon.srid = 4326
    assert model.objects.filter(**{f"{field}__intersects": polygon}).count() == len(expected)
    # The bbox is kept in the paging links.
    small = key_client.get(f"/ogc/collections/{collection}/items", {"bbox": bbox, "limit": 1}).json()
    assert "bbox=" in _links(small)["next"]["href"]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-3",
        "limit=ten",
        "limit=1.5",
        "offset=-1",
        "offset=x",
        "bbox=1,2,3",
        "bbox=1,2,3,4,5",
        "bbox=a,b,c,d",
        "bbox=118,37,nan,38",
        "bbox=118,37,inf,38",
        "bbox=119,37,118,38",
        "bbox=118,37,119,95",
        "bbox=",
        "f=xml",
        "crs=EPSG:3857",
    ],
)
def test_bad_parameters_are_400_json(key_client, query):
    response = key_client.get(f"/ogc/collections/hazards/items?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_bbox_error_message_is_clear(key_client):
    detail = key_client.get("/ogc/collections/pipelines/items?bbox=1,2,3").json()["detail"]
    assert "bbox" in detail and "1,2,3" in detail


@pytest.mark.parametrize("feature_id", ["999999999", "abc", "1.0", str(10**30), "-1"])
def test_unknown_feature_is_404_json(key_client, feature_id):
    response = key_client.get(f"/ogc/collections/hazards/items/{feature_id}")
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    ["/ogc/", "/ogc/api", "/ogc/conformance", "/ogc/collections", "/ogc/collections/hazards/items"],
)
def test_no_credentials_is_401(client, db, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["detail"]
    bad_key = Client(headers={"Authorization": "Api-Key not.a-key"}).get(url)
    assert bad_key.status_code == 401


def test_only_get(key_client):
    response = key_client.post("/ogc/collections/hazards/items", {})
    assert response.status_code == 405
    assert response.json()["detail"]


def test_company_staff_sees_only_their_company(client, db):
    user = User.objects.get(username="company01")
    client.force_login(user)
    own = Hazard.objects.filter(company=user.company_id)
    body = client.get("/ogc/collections/hazards/items?limit=1000").json()
    assert body["numberMatched"] == own.count() > 0
    assert sorted(f["id"] for f in body["features"]) == sorted(own.values_list("pk", flat=True))
    assert {f["properties"]["company_name"] for f in body["features"]} == {user.company.name}
    pipelines = client.get("/ogc/collections/pipelines/items").json()
    assert pipelines["numberMatched"] == Pipeline.objects.filter(company=user.company_id).count()
    other = Hazard.objects.exclude(company=user.company_id).first()
    assert client.get(f"/ogc/collections/hazards/items/{other.pk}").status_code == 404
    assert client.get(f"/ogc/collections/hazards/items/{own.first().pk}").status_code == 200


def test_inspector_and_api_key_see_everything(client, inspector, key_client):
    client.force_login(inspector)
    for reader in (client, key_client):
        assert reader.get("/ogc/collections/hazards/items").json()["numberMatched"] == Hazard.objects.count()
        assert reader.get("/ogc/collections/pipelines/items").json()["numberMatched"] == Pipeline.objects.count()


# --- GDAL's OAPIF client reads the live server -------------------------------------------


@pytest.fixture
def live_city(transactional_db, live_server):
    # Transactional tests start from a flushed database (or what the previous one
    # left); seed_demo builds the city only if it is missing.
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), verbosity=0)
    _, key = APIKey.objects.create_key(name="city")
    return live_server.url, key


# pyogrio holds the GIL while GDAL waits for HTTP, so it cannot call a live server
# running in a thread of this process: it reads from a child Python process.
PYOGRIO_READER = """
import json, sys
import pyogrio

source, header_file = sys.argv[1], sys.argv[2]
pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": header_file})
try:
    result = {"layers": [[str(name), str(geometry)] for name, geometry in pyogrio.list_layers(source)]}
    for name, _ in result["layers"]:
        frame = pyogrio.read_dataframe(source, layer=name, fid_as_index=True)
        result[name] = {
            "count": pyogrio.read_info(source, layer=name)["features"],
            "ids": sorted(int(fid) for fid in frame.index),
            "columns": [str(column) for column in frame.columns],
            "first": {
                "id": int(frame.index.min()),
                "code": str(frame.sort_index().iloc[0]["code"]),
                "point": list(frame.sort_index().geometry.iloc[0].representative_point().coords[0]),
            },
        }
finally:
    pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": None})
print(json.dumps(result))
"""


@pytest.mark.django_db(transaction=True)
def test_gdal_oapif_reads_every_collection(live_city, tmp_path):
    pytest.importorskip("pyogrio")
    url, key = live_city
    counts = {"pipelines": Pipeline.objects.count(), "hazards": Hazard.objects.count()}
    assert counts == {"pipelines": 161, "hazards": 420}
    # The GDAL bundled with pyogrio (3.12) ignores GDAL_HTTP_HEADERS in the OAPIF
    # driver (it sends its own Accept header); GDAL_HTTP_HEADER_FILE works.
    headers = tmp_path / "headers.txt"
    headers.write_text(f"Authorization: Api-Key {key}\n")
    result = subprocess.run(
        [sys.executable, "-c", PYOGRIO_READER, f"OAPIF:{url}/ogc", str(headers)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert dict(read["layers"]) == {"pipelines": "MultiLineString", "hazards": "Point"}
    for name, count in counts.items():
        model, _ = MODELS[name]
        assert read[name]["count"] == count
        assert read[name]["ids"] == sorted(model.objects.values_list("pk", flat=True))
        assert "company_name" in read[name]["columns"]
    hazard = Hazard.objects.order_by("pk").first()
    assert read["hazards"]["first"]["id"] == hazard.pk
    assert read["hazards"]["first"]["code"] == hazard.code
    # Longitude first (CRS84), as stored.
    assert read["hazards"]["first"]["point"] == pytest.approx([hazard.location.x, hazard.location.y], abs=1e-7)


@pytest.mark.django_db(transaction=True)
def test_system_ogrinfo_reads_feature_counts(live_city):
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("gdal-bin is not installed")
    url, key = live_city
    result = subprocess.run(
        [
            ogrinfo,
            "-ro",
            "-al",
            "-so",
            f"OAPIF:{url}/ogc",
            "--config",
            "GDAL_HTTP_HEADERS",
            f"Authorization: Api-Key {key}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"Feature Count: {Pipeline.objects.count()}" in result.stdout
    assert f"Feature Count: {Hazard.objects.count()}" in result.stdout
    assert "Layer name: pipelines" in result.stdout and "Layer name: hazards" in result.stdout
