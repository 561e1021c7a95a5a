"""Selectors that read pipelines and layers from the database into the
engine's arrays, in the metric CRS (settings.METRIC_SRID).

Rows are read through the ORM's SQL but without building model
instances or GEOS objects: geometries come as WKB and are decoded and
reprojected in bulk with shapely and pyproj.

Loading makes hundreds of thousands of objects (rows, strings, geometries)
that hold no reference cycles: Python's cyclic collector is paused while a
layer loads (hca/engine/collector.py).
"""

import functools

import numpy as np
import pyproj
import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection
from django.db.models import Q

from hca.choices import RuleSet
from hca.engine import Layer, PipelineGeom, Rule
from hca.engine.collector import collector_paused
from hca.engine.radius import RADIUS
from hca.engine.vertices import Vertices
from hca.models import HcaRule
from layers.models import Building, ProtectedArea, Road, Settlement, Site, WaterBody
from pipelines.models import GAS_MEDIA, OIL_MEDIA, Pipeline, PipelineStatus

LAYER_SOURCES = {
    "buildings": (Building, ("households", "floors")),
    "sites": (Site, ("site_type",)),
    "settlements": (Settlement, ("households", "residents")),
    "water": (WaterBody, ("water_type",)),
    "protected_areas": (ProtectedArea, ("area_type",)),
    "roads": (Road, ("road_class",)),
}
# The layers whose nearest points the engine measures (location classes, encroachment).
VERTEX_LAYERS = {"buildings"}


@functools.cache
def _transformer(source: int, target: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def reproject(geoms: np.ndarray, source: int, target: int) -> np.ndarray:
    """The geometries in another CRS, in 2D."""
    return _reprojected(geoms, source, target, keep_owner=False)[0]


def _reprojected(geoms, source: int, target: int, *, keep_owner: bool):
    """shapely.transform's own steps, keeping what it throws away: the new
    geometries, their coordinates and (with ``keep_owner``) which geometry
    each coordinate belongs to. One 2D pass: no geometry is tested for Z."""
    geoms = np.array(geoms, dtype=object)  # a copy: set_coordinates puts new geometries in it
    found = shapely.get_coordinates(geoms, return_index=keep_owner)
    coords, owner = found if keep_owner else (found, None)
    x, y = _transformer(source, target).transform(coords[:, 0], coords[:, 1])
    coords = np.column_stack([x, y])
    return shapely.set_coordinates(geoms, coords), coords, owner


def to_metric(geoms: np.ndarray) -> np.ndarray:
    return reproject(geoms, 4326, settings.METRIC_SRID)


def to_metric_with_vertices(geoms: np.ndarray) -> tuple[np.ndarray, Vertices]:
    """``to_metric``, also handing over the coordinates it computes: the
    engine's nearest-point search then reads no polygon a second time."""
    metric, coords, owner = _reprojected(geoms, 4326, settings.METRIC_SRID, keep_owner=True)
    return metric, Vertices.from_coordinates(metric, coords, owner)


def to_wgs84(geoms: np.ndarray) -> np.ndarray:
    return reproject(geoms, settings.METRIC_SRID, 4326)


def _fetch(queryset, fields):
    sql, params = queryset.values_list(*fields, "wkb").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def single_line(route) -> shapely.LineString:
    """The route as one line for chainage; parts that do not join are
    taken in their stored order, as if joined by a straight line."""
    merged = shapely.line_merge(route) if route.geom_type != "LineString" else route
    if merged.geom_type == "LineString":
        return merged
    return shapely.LineString(np.concatenate([np.asarray(p.coords) for p in merged.geoms]))


def medium_group(medium: str) -> str:
    if medium in GAS_MEDIA:
        return "gas"
    if medium in OIL_MEDIA:
        return "oil"
    return ""


def pipelines_load(*, pipeline_ids=None) -> list[PipelineGeom]:
    """Pipelines in service or idle (abandoned lines are not assessed)."""
    qs = Pipeline.objects.exclude(status=PipelineStatus.ABANDONED).annotate(wkb=AsWKB("route")).order_by("code")
    if pipeline_ids is not None:
        qs = qs.filter(pk__in=list(pipeline_ids))
    with collector_paused():
        rows = _fetch(qs, ("pk", "code", "medium", "outer_diameter_mm", "maop_mpa"))
    if not rows:
        return []
    routes = to_metric(shapely.from_wkb([bytes(r[-1]) for r in rows]))
    return [
        PipelineGeom(pk, code, single_line(route), medium_group(medium), float(d), float(p))
        for (pk, code, medium, d, p, _wkb), route in zip(rows, routes, strict=True)
    ]


def layers_load(*, bbox=None, area=None) -> dict[str, Layer]:
    """Every reference layer; or the features whose box meets ``bbox``
    (xmin, ymin, xmax, ymax in EPSG:4326); or those that meet ``area`` (a
    GEOS polygon in EPSG:4326, e.g. ``corridor_around``)."""
    with collector_paused():
        return {name: _layer_load(name, model, attrs, bbox, area) for name, (model, attrs) in LAYER_SOURCES.items()}


def _layer_load(name, model, attrs, bbox, area) -> Layer:
    qs = model.objects.annotate(wkb=AsWKB("geom")).order_by("pk")
    if area is not None:
        bbox = area.extent
    if bbox is not None:
        box = Polygon.from_bbox(bbox)
        box.srid = 4326
        # Boxes that meet: SpatiaLite's MbrOverlaps is false when one box holds the other (a long road).
        qs = qs.filter(Q(geom__bboverlaps=box) | Q(geom__bbcontains=box) | Q(geom__contained=box))
    if area is not None:
        qs = qs.filter(geom__intersects=area)
    rows = _fetch(qs, ("source_id", "name", *attrs))
    if not rows:
        return Layer.empty(name)
    columns = list(zip(*rows, strict=True))
    geoms, vertices = shapely.from_wkb([bytes(w) for w in columns[-1]]), None
    if name in VERTEX_LAYERS:
        geoms, vertices = to_metric_with_vertices(geoms)
    else:
        geoms = to_metric(geoms)
    return Layer(
        name,
        geoms,
        np.array(columns[0], dtype=object),
        np.array(columns[1], dtype=object),
        {attr: _column(columns[2 + i]) for i, attr in enumerate(attrs)},
        vertices,
    )


def _column(values):
    if values and isinstance(values[0], str):
        return np.array(values, dtype=object)
    return np.array([0 if v is None else v for v in values])


def rules_load(rule_set: str = RuleSet.GB32167) -> list[Rule]:
    return [
        Rule(r.code, r.applies_to, r.kind, r.grade, r.distance_m, r.params)
        for r in HcaRule.objects.filter(rule_set=rule_set, enabled=True).order_by("code")
    ]


def reach_m(rules: list[Rule], pipelines: list[PipelineGeom]) -> float:
    """The farthest any rule looks from these pipelines, in metres."""
    reach = 0.0
    for rule in rules:
        if rule.distance_m is not None:
            reach = max(reach, rule.distance_m)
        reach = max(reach, float(rule.params.get("corridor_m", 0)))
        if rule.distance_m is None and "radius" in rule.params:
            formula = RADIUS[rule.params["radius"]]
            reach = max([reach, *(formula(p.diameter_mm, p.maop_mpa) for p in pipelines)])
    return reach


def corridor_around(pipelines: list[PipelineGeom], metres: float) -> GEOSGeometry:
    """A polygon in EPSG:4326 holding everything within ``metres`` of the
    pipelines (with a margin for the buffer's polygon sides, simplification
    and reprojection), to load only the features a few pipelines can see."""
    margin = metres * 1.1 + 10
    lines = shapely.MultiLineString([p.line for p in pipelines])
    corridor = shapely.buffer(lines, margin, quad_segs=4).simplify(5.0, preserve_topology=True)
    return GEOSGeometry(memoryview(shapely.to_wkb(to_wgs84(np.array([corridor], dtype=object))[0])), srid=4326)
