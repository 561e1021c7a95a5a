"""OGC API - Features at /ogc/: JSON shapes, paging, bbox, access, and GDAL's OAPIF driver reading it."""

import json
import shutil
import subprocess
import sys
from datetime import date

import pytest
from django.contrib.gis.db.models.aggregates import Extent
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.management import call_command
from django.test import Client
from rest_framework_api_key.models import APIKey

from accounts.models import User
from construction.models import Application
from emergency.models import Incident, Valve
from hazards.models import Hazard
from hca.models import HcaSegment
from ogc.collections import COLLECTIONS
from ogc.views import CRS84
from patrols.models import Checkpoint, PatrolSection, PatrolTask, PatrolTrack
from pipelines.models import Pipeline
from security.models import RefineryPoint, TheftIncident
from tests.conftest import DEMO_TODAY
from video.models import Camera

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
MODELS = {
    "pipelines": (Pipeline, "route"),
    "hazards": (Hazard, "location"),
    "hca_segments": (HcaSegment, "geom"),
    "valves": (Valve, "location"),
    "incidents": (Incident, "location"),
    "patrol_sections": (PatrolSection, "line"),
    "checkpoints": (Checkpoint, "location"),
    "patrol_tasks": (PatrolTask, "section__line"),
    "theft_incidents": (TheftIncident, "location"),
    "refinery_points": (RefineryPoint, "location"),
    "construction_sites": (Application, "area"),
    "cameras": (Camera, "location"),
    "patrol_tracks": (PatrolTrack, "line"),
}


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
    assert [c["id"] for c in body["collections"]] == [
        "pipelines", "hazards", "hca_segments", "valves", "incidents", "patrol_sections", "checkpoints",
        "patrol_tasks", "theft_incidents", "refinery_points", "construction_sites", "cameras",
        "patrol_tracks",
    ]  # fmt: skip
    for collection in body["collections"]:
        _model, field = MODELS[collection["id"]]
        assert collection["itemType"] == "feature"
        assert collection["crs"] == [CRS84]
        assert collection["title"]
        rows = COLLECTIONS[collection["id"]].queryset()  # construction_sites: only approved or under-way works
        expected = rows.aggregate(extent=Extent(field))["extent"]
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


@pytest.mark.parametrize(
    "collection",
    [
        "pipelines",
        "hazards",
        "hca_segments",
        "valves",
        "incidents",
        "theft_incidents",
        "refinery_points",
        "cameras",
        "patrol_tracks",
    ],
)
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
        "bbox=118,38,119,37",  # minLat > maxLat
        "bbox=118,37,119,95",
        "bbox=118,37,0,119,38",  # five numbers
        "bbox=118,37,10,119,38,5",  # six numbers, minHeight > maxHeight
        "bbox=118,37,0,119,38,nan",
        "bbox=118,37,0,119,95,10",
        "bbox=181,37,-170,38",
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


def _ids_intersecting(model, field, geometry):
    """Independent of the database's spatial functions: GEOS in Python."""
    return sorted(pk for pk, value in model.objects.values_list("pk", field) if value.intersects(geometry))


@pytest.mark.parametrize("collection", ["pipelines", "hazards"])
def test_a_six_number_bbox_uses_its_horizontal_extent(key_client, collection):
    """OGC API - Features Part 1, 7.15.3: minLon,minLat,minHeight,maxLon,maxLat,maxHeight is allowed."""
    model, field = MODELS[collection]
    min_x, min_y, max_x, max_y = model.objects.aggregate(extent=Extent(field))["extent"]
    box = (min_x, min_y, (min_x + max_x) / 2, (min_y + max_y) / 2)
    expected = _ids_intersecting(model, field, Polygon.from_bbox(box))
    assert 0 < len(expected) < model.objects.count()
    six = f"{box[0]},{box[1]},-50,{box[2]},{box[3]},1200.5"
    response = key_client.get(f"/ogc/collections/{collection}/items", {"bbox": six, "limit": 1000})
    assert response.status_code == 200, response.content
    assert [feature["id"] for feature in response.json()["features"]] == expected


@pytest.mark.parametrize("collection", ["pipelines", "hazards"])
def test_a_bbox_crossing_the_antimeridian_is_the_union_of_its_two_halves(key_client, collection):
    """OGC API - Features Part 1, 7.15.3: minLon > maxLon means the box spans the antimeridian."""
    from django.contrib.gis.geos import MultiPolygon

    model, field = MODELS[collection]
    min_x, min_y, max_x, max_y = model.objects.aggregate(extent=Extent(field))["extent"]
    west, east = min_x + (max_x - min_x) * 0.6, min_x + (max_x - min_x) * 0.4  # everything but a band in the middle
    halves = MultiPolygon(Polygon.from_bbox((west, min_y, 180, max_y)), Polygon.from_bbox((-180, min_y, east, max_y)))
    expected = _ids_intersecting(model, field, halves)
    assert 0 < len(expected) < model.objects.count()
    bbox = f"{west},{min_y},{east},{max_y}"
    body = key_client.get(f"/ogc/collections/{collection}/items", {"bbox": bbox, "limit": 1000}).json()
    assert [feature["id"] for feature in body["features"]] == expected
    # Both forms together: six numbers across the antimeridian.
    six = f"{west},{min_y},0,{east},{max_y},10"
    body = key_client.get(f"/ogc/collections/{collection}/items", {"bbox": six, "limit": 1000}).json()
    assert [feature["id"] for feature in body["features"]] == expected


@pytest.mark.parametrize("bbox", ["170,30,-170,40", "180,30,-180,40", "179.5,-90,-179.5,90", "-180,-90,180,90"])
def test_boxes_at_the_antimeridian_are_answered(key_client, bbox):
    response = key_client.get("/ogc/collections/hazards/items", {"bbox": bbox})
    assert response.status_code == 200, response.content
    expected = Hazard.objects.count() if bbox == "-180,-90,180,90" else 0  # the city is far from the antimeridian
    assert response.json()["numberMatched"] == expected


def test_the_api_definition_allows_four_or_six_bbox_numbers(key_client):
    definition = key_client.get("/ogc/api").json()
    parameters = definition["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    schema = next(p for p in parameters if p["name"] == "bbox")["schema"]
    assert schema["oneOf"] == [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]


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
                "code": str(frame.sort_index().iloc[0]["code"]) if "code" in frame.columns else None,
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
    counts = {
        "pipelines": Pipeline.objects.count(),
        "hazards": Hazard.objects.count(),
        "hca_segments": HcaSegment.objects.count(),
        "valves": Valve.objects.count(),
        "incidents": Incident.objects.count(),
        "patrol_sections": PatrolSection.objects.count(),
        "checkpoints": Checkpoint.objects.count(),
        "patrol_tasks": PatrolTask.objects.count(),
        "theft_incidents": TheftIncident.objects.count(),
        "refinery_points": RefineryPoint.objects.count(),
        "cameras": Camera.objects.count(),
        "patrol_tracks": PatrolTrack.objects.count(),
    }
    from video.models import VideoAlarm

    by_video = VideoAlarm.objects.filter(hazard__isnull=False).count()  # the demo's alarms report hazards too
    assert counts["pipelines"] == 161 and counts["hazards"] == 420 + by_video and counts["hca_segments"] > 100
    assert counts["valves"] > 322 and counts["incidents"] >= 3
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
    assert dict(read["layers"]) == {
        "pipelines": "MultiLineString",
        "hazards": "Point",
        "hca_segments": "LineString",
        "valves": "Point",
        "incidents": "Point",
        "patrol_sections": "LineString",
        "checkpoints": "Point",
        "patrol_tasks": "LineString",
        "theft_incidents": "Point",
        "refinery_points": "Point",
        "construction_sites": "LineString",  # lines and points: GDAL names the first one's type
        "cameras": "Point",
        "patrol_tracks": "LineString",
    }
    sites = COLLECTIONS["construction_sites"].queryset()
    assert read["construction_sites"]["count"] == sites.count() > 0
    assert read["construction_sites"]["ids"] == sorted(sites.values_list("pk", flat=True))
    for name, count in counts.items():
        model, _ = MODELS[name]
        assert read[name]["count"] == count
        assert read[name]["ids"] == sorted(model.objects.values_list("pk", flat=True))
        assert "company_name" in read[name]["columns"] or name == "refinery_points"  # the regulator's: no company
    assert {"pipeline_code", "start_m", "end_m", "grade", "rules"} <= set(read["hca_segments"]["columns"])
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
    assert f"Feature Count: {HcaSegment.objects.count()}" in result.stdout
    assert "Layer name: pipelines" in result.stdout and "Layer name: hazards" in result.stdout
    assert "Layer name: hca_segments" in result.stdout


# --- datetime (Part 1 Core §7.15.4) and unknown parameters -------------------------------


def _matched(client, collection, **query):
    response = client.get(f"/ogc/collections/{collection}/items", {"limit": 1000, **query})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["numberMatched"] == body["numberReturned"]
    return sorted(feature["id"] for feature in body["features"])


def _ids(queryset):
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("value", "lookup"),
    [
        ("2026-11-10", {"found_on": date(2026, 11, 10)}),
        # Instants fall on a day in Asia/Shanghai (UTC+8): 16:00Z is already the next day there.
        ("2026-11-10T02:00:00Z", {"found_on": date(2026, 11, 10)}),
        ("2026-11-09T16:00:00Z", {"found_on": date(2026, 11, 10)}),
        ("2026-11-09T15:59:59.5Z", {"found_on": date(2026, 11, 9)}),
        ("2026-11-10T09:30:00+08:00", {"found_on": date(2026, 11, 10)}),
        ("2026-10-01/2026-10-31", {"found_on__range": (date(2026, 10, 1), date(2026, 10, 31))}),
        ("2026-10-01T00:00:00+08:00/2026-10-31T23:59:59+08:00", {"found_on__range": ("2026-10-01", "2026-10-31")}),
        ("2026-09-30T16:00:00Z/2026-10-31T00:00:00Z", {"found_on__range": ("2026-10-01", "2026-10-31")}),
        ("../2026-06-30", {"found_on__lte": date(2026, 6, 30)}),
        ("/2026-06-30", {"found_on__lte": date(2026, 6, 30)}),
        ("2026-11-01/..", {"found_on__gte": date(2026, 11, 1)}),
        ("2026-11-01T00:00:00Z/", {"found_on__gte": date(2026, 11, 1)}),
        ("2026-01-01/2026-11-21", {}),
    ],
)
def test_datetime_selects_hazards_found_then(key_client, value, lookup):
    expected = _ids(Hazard.objects.filter(**lookup))
    assert expected, "the demo city has hazards on those days"
    assert _matched(key_client, "hazards", datetime=value) == expected


def test_datetime_on_pipelines_uses_the_commissioning_date_and_keeps_undated_ones(key_client):
    undated = Pipeline.objects.order_by("pk").first()
    Pipeline.objects.filter(pk=undated.pk).update(commissioned_on=None)
    dated = Pipeline.objects.exclude(commissioned_on=None)
    middle = sorted(dated.values_list("commissioned_on", flat=True))[len(dated) // 2]
    before = [*_ids(Pipeline.objects.filter(commissioned_on__lte=middle)), undated.pk]
    assert 1 < len(before) < Pipeline.objects.count()
    # A feature without a temporal value matches every datetime (/req/core/fc-time-response C).
    assert _matched(key_client, "pipelines", datetime=f"../{middle.isoformat()}") == sorted(before)
    assert _matched(key_client, "pipelines", datetime="1900-01-01") == [undated.pk]
    feature = key_client.get(f"/ogc/collections/pipelines/items/{dated.first().pk}").json()
    assert feature["properties"]["commissioned_on"] == dated.first().commissioned_on.isoformat()


def test_datetime_combines_with_bbox_and_stays_in_the_paging_links(key_client):
    box = (118.5, 37.2, 119.0, 37.8)
    polygon = Polygon.from_bbox(box)
    expected = [
        pk
        for pk, point in Hazard.objects.filter(found_on__gte="2026-10-01").values_list("pk", "location")
        if point.intersects(polygon)
    ]
    assert 2 < len(expected) < Hazard.objects.filter(found_on__gte="2026-10-01").count()
    query = {"datetime": "2026-10-01/2026-11-21", "bbox": ",".join(map(str, box)), "limit": 2}
    body = key_client.get("/ogc/collections/hazards/items", query).json()
    assert body["numberMatched"] == len(expected)
    next_href = _links(body)["next"]["href"]
    assert "datetime=2026-10-01%2F2026-11-21" in next_href and "bbox=" in next_href
    assert key_client.get(next_href).json()["numberMatched"] == body["numberMatched"]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2026-13-01",
        "2026-02-30",
        "2026-01-01T00:00:00",  # no time zone: ambiguous
        "2026-01-01T25:00:00Z",
        "2026-01-01 00:00:00Z",
        "20260101",
        "../..",
        "/",
        "2026-06-30/2026-01-01",
        "2026-01-01/2026-02-01/2026-03-01",
        "2026-01-01T00:00:00Z/yesterday",
        "9999-12-31",  # the calendar's ends overflow in the city's time zone
        "2026-01-01/9999-12-31",
        "0001-01-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize("collection", ["hazards", "hca_segments"])
def test_bad_datetime_is_an_ogc_exception_naming_the_parameter(key_client, value, collection):
    response = key_client.get(f"/ogc/collections/{collection}/items", {"datetime": value})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert body["parameter"] == "datetime"
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert body["description"] == body["detail"]
    assert "datetime" in body["description"] and value in body["description"]


@pytest.mark.parametrize(
    "url",
    [
        "/ogc/?lang=en",
        "/ogc/conformance?foo=1",
        "/ogc/collections?limit=5",
        "/ogc/collections/hazards?datetime=2026-01-01",
        "/ogc/collections/hazards/items?status=closed",
        "/ogc/collections/hazards/items?limit=5&Limit=5",
        "/ogc/collections/hazards/items/1?datetime=2026-01-01",
    ],
)
def test_unknown_query_parameters_are_refused(key_client, url):
    response = key_client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "UnknownParameter"
    assert body["parameter"] in url and body["parameter"] in body["description"]


def test_every_parameter_the_items_take_is_in_the_api_definition(key_client):
    definition = key_client.get("/ogc/api").json()
    documented = {p["name"] for p in definition["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]}
    assert {"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f"} <= documented
    query = {"f": "json", "limit": 5, "offset": 1, "bbox": "118,37,119,38", "bbox-crs": CRS84, "crs": CRS84}
    assert key_client.get("/ogc/collections/hazards/items", {**query, "datetime": "2026-11-01/.."}).status_code == 200
    exception = definition["components"]["schemas"]["exception"]
    assert exception["required"] == ["code"]
    bad = key_client.get("/ogc/collections/hazards/items?datetime=x").json()
    assert set(bad) <= set(exception["properties"])


def test_collections_document_their_temporal_property(key_client):
    from django.db.models import Max, Min

    for collection, field in (("hazards", "found_on"), ("pipelines", "commissioned_on")):
        model, _ = MODELS[collection]
        temporal = key_client.get(f"/ogc/collections/{collection}").json()["extent"]["temporal"]
        assert temporal["property"] == field and field in temporal["description"]
        assert temporal["trs"] == "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
        bounds = model.objects.aggregate(start=Min(field), end=Max(field))
        # Whole days in Asia/Shanghai, written as RFC 3339 with the offset.
        assert temporal["interval"] == [
            [f"{bounds['start'].isoformat()}T00:00:00+08:00", f"{bounds['end'].isoformat()}T23:59:59+08:00"]
        ]


def test_datetime_on_a_date_time_property(db):
    """For a future collection with a date-time property (e.g. hca_segments): a date is that whole local
    day, a date-time is that moment, and rows without a value match."""
    from datetime import UTC

    from django.utils import timezone

    from ogc.temporal import parse_datetime, temporal_q

    def selected(value):
        return set(
            Hazard.objects.filter(temporal_q(parse_datetime(value), field="closed_at", model=Hazard)).values_list(
                "pk", flat=True
            )
        )

    rows = list(Hazard.objects.values_list("pk", "closed_at"))
    undated = {pk for pk, at in rows if at is None}
    moment = next(at for _pk, at in rows if at is not None)
    day = timezone.localdate(moment)
    assert selected(day.isoformat()) == undated | {pk for pk, at in rows if at and timezone.localdate(at) == day}
    exactly = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert selected(exactly) == undated | {pk for pk, at in rows if at == moment}
    assert selected(f"../{exactly}") == undated | {pk for pk, at in rows if at and at <= moment}
    assert selected(f"{day.isoformat()}/..") == undated | {
        pk for pk, at in rows if at and timezone.localdate(at) >= day
    }
