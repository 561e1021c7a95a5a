"""The project's URLs plus bare views that return the same rows as plain JSON:
the baseline bench/api.py measures the API against.

A bare view is what a plain Django view would do: one ``.values()`` query
with the same filter, order, columns and joined values as the API's page
(``api.views.HAZARD_FIELDS``/``PIPELINE_FIELDS`` and the same computed
columns), the geometry as GeoJSON from the database, ``JsonResponse``. It
has no authentication, permission, scoping, filter validation, count or
page links: that is the API's overhead being measured. bench/api.py checks
before measuring that each bare view returns the same rows and fields as
its API page.
"""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.db.models import F, Value
from django.http import JsonResponse
from django.urls import include, path

from api.fast import Joined
from api.views import HAZARD_FIELDS, PIPELINE_FIELDS
from hazards.models import Hazard
from pipelines.models import Pipeline

# The same computed columns as the API's list pages (HazardViewSet.list, PipelineViewSet.list).
HAZARD_COMPUTED = {
    "company_name": F("company__name"),
    "pipeline_code": F("pipeline__code"),
    "clause": Joined(F("clause__norm__code"), Value("-"), F("clause__number")),
}
PIPELINE_COMPUTED = {"company_name": F("company__name")}


def _rows(queryset, geometry, fields, computed):
    rows = list(
        queryset.annotate(
            geojson=AsGeoJSON(geometry, precision=6), **{f"computed_{k}": v for k, v in computed.items()}
        ).values("id", *fields, *(f"computed_{k}" for k in computed), "geojson")
    )
    for row in rows:
        row["geojson"] = json.loads(row["geojson"])
    return rows


def bare_hazards(request):
    queryset = Hazard.objects.filter(status=request.GET["status"], level=request.GET["level"]).order_by(
        "-found_on", "-pk"
    )
    return JsonResponse({"results": _rows(queryset[:50], "location", HAZARD_FIELDS, HAZARD_COMPUTED)})


def bare_hazards_bbox(request):
    box = Polygon.from_bbox([float(n) for n in request.GET["in_bbox"].split(",")])
    box.srid = 4326
    queryset = Hazard.objects.filter(location__bboverlaps=box).order_by("-found_on", "-pk")
    return JsonResponse({"results": _rows(queryset[:50], "location", HAZARD_FIELDS, HAZARD_COMPUTED)})


def bare_pipelines(request):
    queryset = Pipeline.objects.order_by("pk")
    return JsonResponse({"results": _rows(queryset[:200], "route", PIPELINE_FIELDS, PIPELINE_COMPUTED)})


urlpatterns = [
    path("bare/hazards/", bare_hazards),
    path("bare/hazards-bbox/", bare_hazards_bbox),
    path("bare/pipelines/", bare_pipelines),
    path("", include("pipeline_safety.urls")),
]
