"""From the database to the emergency engine.

The network (pipelines in service or idle, and their valves) is built once
per process and kept until a pipeline or a valve changes: every call asks
the database for a small fingerprint (counts and latest change times, two
aggregate queries) and rebuilds only when it moved. The reach is read from
the layers at each call, around the incident only (a metric buffer, then
exact distances in the engine), so it is always current.
"""

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import Point
from django.db.models import Count, Max

from common.gis import area_within, to_metric
from emergency.engine import Pipe, ReachIndex, ReachLayer, Valve, ValveNetwork, network_build
from emergency.models import Valve as ValveRow
from hca.choices import RuleSet
from hca.loading import medium_group, single_line
from hca.loading import to_metric as array_to_metric
from layers.models import Building, Road, Settlement, Site, WaterBody
from pipelines.models import Pipeline, PipelineStatus


@dataclass
class LoadedNetwork:
    network: ValveNetwork
    pipeline_ids: list[int]  # engine pipe index -> Pipeline.pk
    version: tuple


_lock = threading.Lock()
_cached: LoadedNetwork | None = None


def network_version() -> tuple:
    """Changes whenever a pipeline or a valve is added, changed or removed."""
    pipes = Pipeline.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    valves = ValveRow.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return (pipes["n"], pipes["at"], valves["n"], valves["at"])


def network_load() -> LoadedNetwork:
    """Build the network from the database (no cache)."""
    version = network_version()
    rows = list(
        Pipeline.objects.exclude(status=PipelineStatus.ABANDONED)
        .annotate(wkb=AsWKB("route"))
        .order_by("code")
        .values_list("pk", "code", "medium", "outer_diameter_mm", "wall_thickness_mm", "maop_mpa", "wkb")
    )
    routes = array_to_metric(shapely.from_wkb([bytes(r[-1]) for r in rows])) if rows else np.empty(0, dtype=object)
    pipes = [
        Pipe(code, single_line(route), medium_group(medium), float(d), float(wall), float(maop))
        for (_pk, code, medium, d, wall, maop, _wkb), route in zip(rows, routes, strict=True)
    ]
    index = {pk: i for i, (pk, *_rest) in enumerate(rows)}
    valves = [
        Valve(code, index[pipeline_id], chainage, kind, operable)
        for code, pipeline_id, chainage, kind, operable in ValveRow.objects.order_by("code").values_list(
            "code", "pipeline_id", "chainage_m", "kind", "operable"
        )
        if pipeline_id in index
    ]
    return LoadedNetwork(network_build(pipes, valves), [r[0] for r in rows], version)


def network_current() -> LoadedNetwork:
    """The process's network, rebuilt if the pipelines or valves changed since it was built."""
    global _cached
    version = network_version()
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = network_load()
        return _cached


def _layer(queryset, area, items) -> ReachLayer:
    rows = list(queryset.filter(geom__intersects=area).annotate(wkb=AsWKB("geom")).values("wkb", *items.keys()))
    geoms = array_to_metric(shapely.from_wkb([bytes(r["wkb"]) for r in rows])) if rows else np.empty(0, dtype=object)
    return ReachLayer(geoms, [{out: r[field] for field, out in items.items()} for r in rows])


def reach_load(point: Point, radius_m: float) -> ReachIndex:
    """The features of every layer near ``point`` (EPSG:4326), ready for exact distances."""
    from hca.models import HcaSegment

    area = area_within(point, radius_m)
    segments = HcaSegment.objects.filter(rule_set=RuleSet.GB32167)
    return ReachIndex(
        {
            "hca_segments": _layer(
                segments,
                area,
                {"pk": "id", "pipeline__code": "pipeline_code", "start_m": "from_m", "end_m": "to_m", "grade": "grade"},
            ),
            "sites": _layer(Site.objects.all(), area, {"source_id": "id", "name": "name", "site_type": "site_type"}),
            "settlements": _layer(Settlement.objects.all(), area, {"source_id": "id", "name": "name"}),
            "buildings": _layer(Building.objects.all(), area, {}),
            "water": _layer(WaterBody.objects.all(), area, {"source_id": "id", "name": "name"}),
            "roads": _layer(Road.objects.all(), area, {"source_id": "id", "name": "name"}),
        }
    )


def metric_point(point: Point) -> shapely.Point:
    metric = to_metric(point)
    return shapely.Point(metric.x, metric.y)


def wgs84_point(x: float, y: float) -> Point:
    from common.gis import transformed

    return transformed(Point(x, y, srid=settings.METRIC_SRID), 4326)
