"""A fast path for GeoJSON list pages.

The serializers (api/serializers.py) describe these pages in the OpenAPI
schema and serve the detail views; a list page takes this path instead and
says exactly what they say (tests/test_api.py and tests/test_api_fast.py
compare the two, to the byte for the JSON):

* One query per page (api/pagination.py, ``paginate_in_one_query``): the
  page's keys (``ORDER BY ... LIMIT``) and the count are chosen on the
  filtered, scoped queryset alone, without joins, annotations or geometry,
  as subqueries of the statement that reads the page's rows with their
  joined and computed values (``pk IN (<page>)``). One statement is one
  snapshot: no row can slip in from outside the scope between two queries.
* The database writes each geometry as GeoJSON text (``AsGeoJSON``) and the
  response embeds that text as it is: parsing it into Python lists only to
  print it again was most of the time of a layer page. The rest of a feature
  (its ``properties``) goes through ``json`` with the JSON renderer's
  settings.
* Other renderers (the browsable API, ``Accept: application/json; indent=4``)
  get the same data as a normal ``Response``.
"""

import json
import secrets
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import CharField, Func
from django.http import HttpResponse
from rest_framework.fields import DateTimeField
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.pagination import paginate_in_one_query

_DATETIME = DateTimeField()
_GEOMETRY = "feature_geometry"


class Joined(Func):
    """``a || b || ...`` in SQL (PostgreSQL and SQLite): the parts as one text, NULL if any is NULL.

    Unlike ``Concat``, which reads NULL as an empty text, this needs no
    ``CASE`` to stay NULL for a missing relation, and it costs a fraction to
    compile (a ``Case``/``Concat`` label was a fifth of a hazard page's query building).
    """

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = CharField()


def _plain(value):
    """Values as the serializer fields render them (decimals as text, times in Asia/Shanghai)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _DATETIME.to_representation(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# What rest_framework.renderers.JSONRenderer writes with the default settings
# (UNICODE_JSON, COMPACT_JSON, STRICT_JSON): UTF-8, no spaces, no NaN.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain).encode


def _renders_plain_json(request) -> bool:
    """The negotiated renderer is the compact JSON renderer, without an ``indent`` asked for."""
    renderer = getattr(request, "accepted_renderer", None)
    return (
        type(renderer) is JSONRenderer
        and not renderer.ensure_ascii
        and renderer.compact
        and renderer.strict
        and renderer.get_indent(request.accepted_media_type, {}) is None
    )


def feature_list(view, queryset, *, geometry: str, fields: list[str], computed: dict):
    """A paginated FeatureCollection response of ``queryset`` (filtered, scoped and ordered).

    ``fields`` are model fields (a foreign key by its ``_id`` column, output
    under the field's name); ``computed`` maps output names to expressions.
    """
    # Output name -> row key: fields by their column, computed values under a prefix
    # (an annotation may not take a model field's name).
    keys = {name.removesuffix("_id"): name for name in fields} | {name: f"computed_{name}" for name in computed}
    annotations = {_GEOMETRY: AsGeoJSON(geometry, precision=6)} | {f"computed_{k}": v for k, v in computed.items()}
    # The rows of the page, read by key: the page is chosen on ``queryset`` (scoped) in the same
    # statement, so the keys need no second look at the scope. The rows keep the order of
    # ``queryset``: its order_by (model fields), or else the model's default ordering.
    ordering = queryset.query.order_by

    def fetch(page, total):
        rows = queryset.model._base_manager.filter(pk__in=page).annotate(**annotations, page_total=total)
        if ordering:
            rows = rows.order_by(*ordering)
        return rows.values_list("pk", _GEOMETRY, *keys.values(), "page_total")

    paginator = view.paginator
    rows = paginate_in_one_query(paginator, queryset, view.request, fetch)
    page = {
        "type": "FeatureCollection",
        "count": paginator.page.paginator.count,
        "next": paginator.get_next_link(),
        "previous": paginator.get_previous_link(),
        "features": [
            {"id": pk, "type": "Feature", "geometry": shape, "properties": dict(zip(keys, values, strict=True))}
            for pk, shape, *values in rows
        ],
    }
    body = _json_with_geometries(page)
    if not _renders_plain_json(view.request):
        return Response(json.loads(body))
    return HttpResponse(body.encode(), content_type=JSONRenderer.media_type)


# Stands for a geometry while the page is encoded; a text of a row equal to it (it cannot be
# guessed) would only make _json_with_geometries take the slow way.
_PLACEHOLDER = f"\x00geometry-{secrets.token_hex(16)}"
_ENCODED_PLACEHOLDER = _encode(_PLACEHOLDER)


def _json_with_geometries(page: dict) -> str:
    """``page`` as JSON, each feature's ``geometry`` (GeoJSON text, or None) embedded as it is.

    The page is encoded in one call with a placeholder for each geometry, and
    the texts are put in its place: the geometries are never parsed.
    """
    features = page["features"]
    shapes = [feature["geometry"] for feature in features if feature["geometry"]]
    for feature in features:
        feature["geometry"] = _PLACEHOLDER if feature["geometry"] else None
    parts = _encode(page).split(_ENCODED_PLACEHOLDER)
    if len(parts) == len(shapes) + 1:
        body = "".join(chain.from_iterable(zip(parts[:-1], shapes, strict=True))) + parts[-1]
    else:
        shapes.reverse()
        for feature in features:
            feature["geometry"] = json.loads(shapes.pop()) if feature["geometry"] else None
        body = _encode(page)
    # As the JSON renderer does: JSON that is also a strict JavaScript subset.
    return body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
