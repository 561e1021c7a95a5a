"""Bad input, continued (tests/test_bad_input.py has the admin sweep): junk layer files through the
upload page, and every /api/v1/ and /ogc/ route from the URL resolver with junk ids and queries."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_bad_input import JUNK_IDS, PARAM, _client, users  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


# --- layer files that pass the upload form's first look but are junk --------


def _zip(entries):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


POINT_FAR_AWAY = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
    b'{"type":"Point","coordinates":[999,999]},"properties":{"id":"1"}}]}'
)
JUNK_LAYER_FILES = {
    "sqlite-header-only": ("buildings.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
    "broken-json": ("buildings.geojson", b"{not json at all"),
    "feature-not-collection": ("buildings.geojson", b'{"type":"Feature"}'),
    "empty-object": ("sites.geojson", b"{}"),
    "out-of-range-point": ("sites.geojson", POINT_FAR_AWAY),
    "null-geometry": ("sites.geojson", POINT_FAR_AWAY.replace(b'{"type":"Point","coordinates":[999,999]}', b"null")),
    "fgb-magic-only": ("buildings.fgb", b"fgb\x03" + b"\x00" * 100),
    "bad-zip": ("layers.zip", b"PK\x03\x04" + b"\x00" * 100),
    "zip-of-junk-shapefile": ("layers.zip", _zip({"buildings.shp": b"junk", "buildings.dbf": b"junk"})),
    "zip-without-layers": ("layers.zip", _zip({"readme.txt": b"hello"})),
    "zip-with-traversal": ("layers.zip", _zip({"../../evil.geojson": POINT_FAR_AWAY})),
}


@pytest.mark.parametrize("kind", JUNK_LAYER_FILES)
def test_a_junk_layer_file_is_a_form_error_not_a_server_error(users, kind):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from layers.models import LayerImport

    name, content = JUNK_LAYER_FILES[kind]
    client = _client(users["inspector"])
    imported = LayerImport.objects.filter(status=LayerImport.Status.SUCCEEDED).count()
    response = client.post(reverse("admin:layers_layerimport_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200, (kind, response.status_code)
    assert response.context["form"].errors or response.context["import_errors"], kind
    assert LayerImport.objects.filter(status=LayerImport.Status.SUCCEEDED).count() == imported


# --- the API and OGC routes: junk ids and junk queries -------------------


def api_routes():
    """(name, path with <params>) of every route under /api/v1/ and /ogc/, from the resolver."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in ("api", "ogc") and "format" not in route:
                found.append((f"{namespace}:{entry.name}", "/" + (prefix + route).lstrip("^").replace("$", "")))

    walk(get_resolver().url_patterns, "", None)
    return sorted(set(found))


API_ROUTES = api_routes()
API_JUNK_QUERIES = [
    "page=abc",
    "page=-1",
    "page_size=abc",
    "limit=abc",
    "offset=-1",
    "in_bbox=1,2,3",
    "in_bbox=nan,1,2,3",
    "bbox=a,b,c,d",
    "status=nope",
    "company=abc",
    "pipeline=abc",
    "found_on_after=notadate",
    "found_on__gte=notadate",
    "ordering=-nope",
    "search=%00",
    "datetime=2026-13-45",
    "f=nope",
]


def _api_url(route, value, collection="hazards"):
    """``route`` with ``collection`` as the OGC collection and ``value`` in every other parameter."""

    def fill(match):
        return collection if match.group(1) == "collection_id" else value

    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", fill, route.replace("^", "").replace("$", ""))
    return re.sub(r"<(?:\w+:)?(\w+)>", fill, url)


def test_the_resolver_finds_the_api_and_ogc_routes():
    names = {name for name, _route in API_ROUTES}
    assert {"api:hazard-list", "api:hazard-detail", "api:event-intake", "ogc:items", "ogc:item"} <= names


@pytest.mark.parametrize(("name", "route"), API_ROUTES, ids=[name for name, _route in API_ROUTES])
def test_api_and_ogc_routes_with_junk_are_never_a_server_error(users, name, route):  # noqa: F811
    from rest_framework_api_key.models import APIKey

    _key_object, key = APIKey.objects.create_key(name="sweep")
    clients = {
        "api_key": Client(raise_request_exception=False, headers={"Authorization": f"Api-Key {key}"}),
        "inspector": _client(users["inspector"]),
        "company": _client(users["company"]),
        "no_permissions": _client(users["no_permissions"]),
    }
    urls = {_api_url(route, value) for value in ["1", *JUNK_IDS]}
    urls.update(_api_url(route, "1", collection=junk) for junk in ("nope", "%00", "hazards.json"))
    first = _api_url(route, "1")
    urls.update(f"{first}?{query}" for query in API_JUNK_QUERIES)
    for who, client in clients.items():
        bad = []
        for url in sorted(urls):
            for method in ("get", "post"):
                response = getattr(client, method)(url, headers={"Idempotency-Key": "sweep"})
                if response.status_code >= 500:
                    bad.append((method, url, response.status_code))
        assert bad == [], who
