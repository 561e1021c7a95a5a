"""The project's URLs plus bare views that return the same rows as plain JSON:
the baseline bench/api.py measures the API against."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.http import JsonResponse
from django.urls import include, path

from hazards.models import Hazard
from pipelines.models import Pipeline

HAZARD_FIELDS = ["id", "code", "status", "level", "category", "found_on", "deadline", "company_id", "pipeline_id"]


def _rows(queryset, geometry, fields):
    rows = list(queryset.annotate(geojson=AsGeoJSON(geometry, precision=6)).values(*fields, "geojson"))
    for row in rows:
        row["geojson"] = json.loads(row["geojson"])
    return rows


def bare_hazards(request):
    queryset = Hazard.objects.filter(status=request.GET["status"], level=request.GET["level"]).order_by(
        "-found_on", "-pk"
    )
    return JsonResponse(
        {"results": _rows(queryset[:50], "location", HAZARD_FIELDS)}, json_dumps_params={"default": str}
    )


def bare_hazards_bbox(request):
    box = Polygon.from_bbox([float(n) for n in request.GET["in_bbox"].split(",")])
    box.srid = 4326
    queryset = Hazard.objects.filter(location__bboverlaps=box).order_by("-found_on", "-pk")
    return JsonResponse(
        {"results": _rows(queryset[:50], "location", HAZARD_FIELDS)}, json_dumps_params={"default": str}
    )


def bare_pipelines(request):
    queryset = Pipeline.objects.order_by("pk")
    fields = ["id", "code", "name", "company_id", "medium", "status", "length_m"]
    return JsonResponse({"results": _rows(queryset[:200], "route", fields)}, json_dumps_params={"default": str})


urlpatterns = [
    path("bare/hazards/", bare_hazards),
    path("bare/hazards-bbox/", bare_hazards_bbox),
    path("bare/pipelines/", bare_pipelines),
    path("", include("pipeline_safety.urls")),
]
