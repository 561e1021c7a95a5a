"""OGC API - Features - Part 1: Core, at /ogc/, as plain JSON views.

Access is the REST API's: a machine client with a valid API key
(``Authorization: Api-Key <key>``) sees every company; a logged-in person sees
what ``accounts.scoping.scope_queryset`` allows; anyone else gets 401.

Every error is a JSON exception: ``code`` and ``description`` (the exception
of OGC API - Features 1.0), ``title``, ``status`` and ``detail`` (RFC 9457, as
in later OGC API versions and the rest of this application), and
``parameter`` when a query parameter is at fault. A query parameter the API
definition does not list is refused with 400 (/req/core/query-param-unknown).
"""

import json
from datetime import UTC, datetime, time
from functools import wraps
from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib.gis.db.models.aggregates import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db.models import Max, Min
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from api.auth import platform_key
from api.scoping import scoped
from ogc.bbox import InvalidBbox, bbox_geometry
from ogc.collections import COLLECTIONS, Collection
from ogc.temporal import InvalidDatetime, parse_datetime, temporal_q

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CONTENT_CRS = {"Content-Crs": f"<{CRS84}>"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Offsets and ids beyond this do not fit a database integer.
MAX_INT = 2**63 - 1
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
# The query parameters each kind of resource takes (and the API definition lists).
COMMON_PARAMETERS = ("f",)
ITEMS_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime")
ITEM_PARAMETERS = ("f", "crs")
ERROR_CODES = {400: "InvalidParameterValue", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed"}


class OgcError(Exception):
    def __init__(self, status: int, detail: str, *, parameter: str | None = None, code: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        self.code = code


def _json(data, status=200, content_type=JSON, headers=None) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        content_type=content_type,
        headers=headers,
        json_dumps_params={"ensure_ascii": False},
    )


def _error(status: int, detail: str, headers=None, *, parameter=None, code=None) -> JsonResponse:
    body = {
        "code": code or ERROR_CODES.get(status, "NoApplicableCode"),
        "description": detail,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if parameter:
        body["parameter"] = parameter
    return _json(body, status=status, headers=headers)


def ogc_view(view=None, *, parameters=COMMON_PARAMETERS):
    """GET-only, CSRF-exempt, authenticated, taking only ``parameters``; ``OgcError`` becomes a JSON response."""
    if view is None:
        return lambda function: ogc_view(function, parameters=parameters)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return _error(405, _("Only GET is allowed."), headers={"Allow": "GET, HEAD"})
        if platform_key(request) is None:
            user = request.user
            if not (user.is_authenticated and user.is_active):
                return _error(
                    401,
                    _("Log in, or send a valid API key as 'Authorization: Api-Key <key>'."),
                    headers={"WWW-Authenticate": "Api-Key"},
                )
        try:
            _check_parameters(request, parameters)
            _check_format(request)
            return view(request, *args, **kwargs)
        except OgcError as error:
            return _error(error.status, error.detail, parameter=error.parameter, code=error.code)

    return wrapper


def _check_parameters(request, allowed) -> None:
    unknown = sorted(set(request.GET) - set(allowed))
    if unknown:
        raise OgcError(
            400,
            _("Unknown query parameter %(name)s; this resource takes: %(allowed)s.")
            % {"name": unknown[0], "allowed": ", ".join(allowed)},
            parameter=unknown[0],
            code="UnknownParameter",
        )


def _check_format(request) -> None:
    fmt = request.GET.get("f")
    if fmt not in (None, "json", "geojson"):
        raise OgcError(
            400, _("Unsupported format f=%(format)s; only f=json is available.") % {"format": fmt}, parameter="f"
        )


def _scoped(queryset, request):
    return scoped(queryset, request)  # the API's scoping: a company's key sees its own company only


def _url(request, name, *args, query=None) -> str:
    url = request.build_absolute_uri(reverse(f"ogc:{name}", args=args))
    if query:
        url += "?" + urlencode(query)
    return url


def _link(href, rel, type_=JSON, title=None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _collection_or_404(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise OgcError(404, _("No collection %(id)s.") % {"id": collection_id}) from None


# --- Landing page, conformance, API definition ------------------------------------------


@ogc_view
def landing(request):
    return _json(
        {
            "title": "油气管道安全监管 · Pipeline safety supervision",
            "description": "城市油气管道与安全隐患图层(OGC API - Features)。"
            " Pipelines and safety hazards of the city as OGC API - Features.",
            "links": [
                _link(_url(request, "landing"), "self", title="This document"),
                _link(_url(request, "api"), "service-desc", OPENAPI, title="The API definition"),
                _link(_url(request, "conformance"), "conformance", title="Conformance classes"),
                _link(_url(request, "collections"), "data", title="Feature collections"),
            ],
        }
    )


@ogc_view
def conformance(request):
    return _json({"conformsTo": CONFORMANCE})


@ogc_view
def api_definition(request):
    """A small OpenAPI 3.0 description of these endpoints (clients read the ``limit`` bounds from it)."""
    json_content = {JSON: {"schema": {"type": "object"}}}
    geojson_content = {GEOJSON: {"schema": {"type": "object"}}}
    exception = {JSON: {"schema": {"$ref": "#/components/schemas/exception"}}}
    errors = {
        "400": {"description": "Invalid or unknown parameter", "content": exception},
        "401": {"description": "Missing or invalid credentials", "content": exception},
        "404": {"description": "Not found", "content": exception},
    }
    collection_id = {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(COLLECTIONS)},
    }

    f = {
        "name": "f",
        "in": "query",
        "description": "The format of the response; only JSON (GeoJSON for features).",
        "schema": {"type": "string", "enum": ["json", "geojson"]},
    }

    def crs(name):
        return {"name": name, "in": "query", "schema": {"type": "string", "format": "uri", "enum": [CRS84]}}

    def get(summary, content, parameters=()):
        return {
            "get": {
                "summary": summary,
                "parameters": [*parameters, f],
                "responses": {"200": {"description": summary, "content": content}, **errors},
            }
        }

    items_parameters = [
        collection_id,
        {
            "name": "limit",
            "in": "query",
            "style": "form",
            "explode": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {
            "name": "bbox",
            "in": "query",
            "style": "form",
            "explode": False,
            "description": "minLon,minLat,maxLon,maxLat or minLon,minLat,minHeight,maxLon,maxLat,maxHeight "
            "(WGS 84); minLon > maxLon spans the antimeridian.",
            "schema": {
                "type": "array",
                "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
                "items": {"type": "number"},
            },
        },
        crs("bbox-crs"),
        {
            "name": "datetime",
            "in": "query",
            "description": "An RFC 3339 date-time or a date, or an interval of them: "
            "2026-01-01T00:00:00Z, 2026-01-01, 2026-01-01/2026-06-30, ../2026-06-30, 2026-01-01/.. "
            "Selects the features whose temporal property (the collection's extent.temporal.property) "
            "intersects it; a date means that day in Asia/Shanghai time.",
            "style": "form",
            "explode": False,
            "schema": {"type": "string"},
        },
        crs("crs"),
    ]
    document = {
        "openapi": "3.0.3",
        "info": {"title": "油气管道安全监管 OGC API - Features", "version": "1.0.0"},
        "servers": [{"url": _url(request, "landing").rstrip("/")}],
        "components": {
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization"}},
            "schemas": {"exception": _EXCEPTION_SCHEMA},
        },
        "security": [{"ApiKey": []}],
        "paths": {
            "/": get("Landing page", json_content),
            "/conformance": get("Conformance classes", json_content),
            "/collections": get("Feature collections", json_content),
            "/collections/{collectionId}": get("A feature collection", json_content, [collection_id]),
            "/collections/{collectionId}/items": get("Features", geojson_content, items_parameters),
            "/collections/{collectionId}/items/{featureId}": get(
                "A feature",
                geojson_content,
                [
                    collection_id,
                    {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
                    crs("crs"),
                ],
            ),
        },
    }
    return _json(document, content_type=OPENAPI)


_EXCEPTION_SCHEMA = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "description": "e.g. InvalidParameterValue, UnknownParameter, NotFound"},
        "description": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "parameter": {"type": "string", "description": "The query parameter at fault, if any."},
    },
}


# --- Collections ------------------------------------------------------------------------


def _extent(collection: Collection, queryset) -> dict | None:
    aggregates = {"bbox": Extent(collection.geometry_field)}
    if collection.temporal_field:
        aggregates["start"] = Min(collection.temporal_field)
        aggregates["end"] = Max(collection.temporal_field)
    values = queryset.order_by().aggregate(**aggregates)
    extent = {}
    if values["bbox"]:
        extent["spatial"] = {"bbox": [[round(v, 7) for v in values["bbox"]]], "crs": CRS84}
    if collection.temporal_field:
        name = collection.temporal_field
        extent["temporal"] = {
            "interval": [[_moment(values["start"], time.min), _moment(values["end"], time(23, 59, 59))]],
            "trs": GREGORIAN,
            # Not in the standard's extent schema (extensions are allowed): what `datetime` filters on.
            "property": name,
            "description": f"datetime 参数按 {name} 筛选(日期为北京时间的日历日)。"
            f" The datetime parameter filters on {name} (dates are calendar days in Asia/Shanghai time).",
        }
    return extent or None


def _moment(value, at: time) -> str | None:
    """A date as that moment of the day in the city's time zone, a date-time as itself; RFC 3339."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = timezone.make_aware(datetime.combine(value, at))
    return timezone.localtime(value).isoformat(timespec="seconds")


def _collection_document(request, collection: Collection) -> dict:
    items = _url(request, "items", collection.id)
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "extent": _extent(collection, _scoped(collection.queryset(), request)),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            _link(_url(request, "collection", collection.id), "self", title=collection.title),
            _link(items, "items", GEOJSON, title=collection.title),
        ],
    }


@ogc_view
def collections(request):
    return _json(
        {
            "links": [_link(_url(request, "collections"), "self", title="Feature collections")],
            "collections": [_collection_document(request, collection) for collection in COLLECTIONS.values()],
        }
    )


@ogc_view
def collection(request, collection_id):
    return _json(_collection_document(request, _collection_or_404(collection_id)))


# --- Items ------------------------------------------------------------------------------


def _int_parameter(request, name: str, default: int, minimum: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise OgcError(
            400,
            _("Invalid %(name)s=%(value)s: expected an integer of at least %(minimum)d.")
            % {"name": name, "value": raw, "minimum": minimum},
            parameter=name,
        )
    return value


def _check_crs(request) -> None:
    """Only CRS84 is served; a client may ask for it explicitly (Part 2 ``crs`` / ``bbox-crs``)."""
    for name in ("crs", "bbox-crs"):
        value = request.GET.get(name)
        if value is not None and value.strip("<>") != CRS84:
            raise OgcError(
                400,
                _("Unsupported %(name)s=%(value)s; only %(crs)s is available.")
                % {"name": name, "value": value, "crs": CRS84},
                parameter=name,
            )


def _bbox_parameter(request) -> Polygon | MultiPolygon | None:
    raw = request.GET.get("bbox")
    if raw is None:
        return None
    try:
        return bbox_geometry(raw)
    except InvalidBbox:
        message = _(
            "Invalid bbox=%(value)s: expected minLon,minLat,maxLon,maxLat (WGS 84) or "
            "minLon,minLat,minHeight,maxLon,maxLat,maxHeight, with longitudes from -180 to 180 "
            "(minLon > maxLon spans the antimeridian) and minLat <= maxLat within -90 to 90."
        ) % {"value": raw}
        raise OgcError(400, message, parameter="bbox") from None


def _datetime_filter(request, collection: Collection, queryset):
    """``queryset`` narrowed by the ``datetime`` parameter (a collection without a temporal property: all match)."""
    raw = request.GET.get("datetime")
    if raw is None:
        return queryset
    try:
        interval = parse_datetime(raw)
    except InvalidDatetime as error:
        raise OgcError(
            400, _("Invalid datetime=%(value)s: %(reason)s.") % {"value": raw, "reason": error}, parameter="datetime"
        ) from None
    if not collection.temporal_field:
        return queryset
    return queryset.filter(temporal_q(interval, field=collection.temporal_field, model=collection.model))


def _features(collection: Collection, queryset) -> list[dict]:
    fields = ["pk", *collection.properties.values()]
    rows = queryset.annotate(ogc_geometry=AsGeoJSON(collection.geometry_field)).values(*fields, "ogc_geometry")
    return [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": json.loads(row["ogc_geometry"]) if row["ogc_geometry"] else None,
            "properties": collection.feature_properties(row),
        }
        for row in rows
    ]


def _timestamp() -> str:
    return timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@ogc_view(parameters=ITEMS_PARAMETERS)
def items(request, collection_id):
    collection = _collection_or_404(collection_id)
    limit = min(_int_parameter(request, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = _int_parameter(request, "offset", 0, 0)
    _check_crs(request)
    bbox = _bbox_parameter(request)

    queryset = _scoped(collection.queryset(), request)
    if bbox is not None:
        queryset = queryset.filter(**{f"{collection.geometry_field}__intersects": bbox})
    queryset = _datetime_filter(request, collection, queryset)
    matched = queryset.count()
    features = _features(collection, queryset[offset : offset + limit]) if offset < matched else []

    query = {key: value for key, value in request.GET.items() if key not in ("limit", "offset")}

    def page_url(page_offset):
        return _url(request, "items", collection.id, query={**query, "limit": limit, "offset": page_offset})

    links = [
        _link(page_url(offset), "self", GEOJSON, title="This page"),
        _link(_url(request, "collection", collection.id), "collection", title=collection.title),
    ]
    if offset + len(features) < matched and features:
        links.append(_link(page_url(offset + len(features)), "next", GEOJSON, title="Next page"))
    if offset > 0:
        links.append(_link(page_url(max(0, min(offset, matched) - limit)), "prev", GEOJSON, title="Previous page"))
    return _json(
        {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": _timestamp(),
            "links": links,
        },
        content_type=GEOJSON,
        headers=CONTENT_CRS,
    )


@ogc_view(parameters=ITEM_PARAMETERS)
def item(request, collection_id, feature_id):
    collection = _collection_or_404(collection_id)
    detail = _("No feature %(id)s in collection %(collection)s.") % {"id": feature_id, "collection": collection.id}
    not_found = OgcError(404, detail)
    if not feature_id.isascii() or not feature_id.isdigit() or int(feature_id) > MAX_INT:
        raise not_found
    queryset = _scoped(collection.queryset(), request).filter(pk=int(feature_id))
    _check_crs(request)
    features = _features(collection, queryset)
    if not features:
        raise not_found
    feature = features[0]
    feature["links"] = [
        _link(_url(request, "item", collection.id, feature_id), "self", GEOJSON, title="This feature"),
        _link(_url(request, "collection", collection.id), "collection", title=collection.title),
    ]
    return _json(feature, content_type=GEOJSON, headers=CONTENT_CRS)
