"""A fast path for GeoJSON list pages: rows straight from ``.values()`` with
the geometry already GeoJSON (``AsGeoJSON``), turned into features without a
serializer field per value. The output is the same as the GeoFeatureModel
serializers' (a test compares them); the serializers still describe it in the
OpenAPI schema and serve the detail views."""

import json
from datetime import datetime
from decimal import Decimal

from django.contrib.gis.db.models.functions import AsGeoJSON
from rest_framework.fields import DateTimeField

_DATETIME = DateTimeField()


def _plain(value):
    """Values as the serializer fields render them (decimals as text, times in Asia/Shanghai)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _DATETIME.to_representation(value)
    return value


def feature_list(view, queryset, *, geometry: str, fields: list[str], computed: dict):
    """A paginated FeatureCollection response of ``queryset``.

    ``fields`` are model fields (a foreign key by its ``_id`` column, output
    under the field's name); ``computed`` maps output names to expressions.
    """
    # Output name -> row key: fields by their column, computed values under a prefix
    # (an annotation may not take a model field's name).
    keys = {name.removesuffix("_id"): name for name in fields} | {name: f"computed_{name}" for name in computed}
    rows = queryset.annotate(
        feature_geometry=AsGeoJSON(geometry, precision=6), **{f"computed_{k}": v for k, v in computed.items()}
    ).values("pk", "feature_geometry", *keys.values())
    page = view.paginate_queryset(rows)
    features = [
        {
            "id": row["pk"],
            "type": "Feature",
            "geometry": json.loads(row["feature_geometry"]) if row["feature_geometry"] else None,
            "properties": {name: _plain(row[key]) for name, key in keys.items()},
        }
        for row in page
    ]
    return view.get_paginated_response({"type": "FeatureCollection", "features": features})
