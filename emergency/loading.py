"""From the database to the emergency engine.

The network (pipelines in service or idle, and their valves) is built once
per process and kept until a pipeline or a valve changes: every call asks
the database for a small fingerprint (counts and latest change times, two
aggregate queries) and rebuilds only when it moved. The reach is read from
the layers at each call, around the incident only (a metric buffer, then
exact distances in the engine), so it is always current.
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models.expressions import RawSQL

from common.gis import area_within
from companies.models import OperatingCompany
from emergency.engine import Pipe, ReachIndex, ReachLayer, Valve, ValveNetwork, network_build
from emergency.models import Valve as ValveRow
from hca.choices import RuleSet
from hca.loading import _transformer, medium_group, single_line
from hca.loading import to_metric as array_to_metric
from layers.models import Building, Road, Settlement, Site, WaterBody
from pipelines.models import Pipeline, PipelineStatus


@dataclass
class LoadedNetwork:
    network: ValveNetwork
    pipeline_ids: list[int]  # engine pipe index -> Pipeline.pk
    version: tuple
    companies: list[dict]  # engine pipe index -> the operating company's id, name and emergency contact


_lock = threading.Lock()
_cached: LoadedNetwork | None = None


def _scalars(parts: list[str]) -> tuple:
    """Several scalar subqueries in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"({part})" for part in parts))
        return tuple(cursor.fetchone())


def network_version() -> tuple:
    """Changes whenever a pipeline or a valve is added, changed or removed (one query)."""
    pipes, valves = Pipeline._meta.db_table, ValveRow._meta.db_table
    companies = OperatingCompany._meta.db_table
    return _scalars(
        [
            f"SELECT COUNT(*) FROM {pipes}",  # noqa: S608 - table names from the models
            f"SELECT MAX(updated_at) FROM {pipes}",  # noqa: S608
            f"SELECT COUNT(*) FROM {valves}",  # noqa: S608
            f"SELECT MAX(updated_at) FROM {valves}",  # noqa: S608
            f"SELECT MAX(updated_at) FROM {companies}",  # noqa: S608 (the contacts travel with the network)
        ]
    )


def network_load() -> LoadedNetwork:
    """Build the network from the database (no cache)."""
    version = network_version()
    rows = list(
        Pipeline.objects.exclude(status=PipelineStatus.ABANDONED)
        .annotate(wkb=AsWKB("route"))
        .order_by("code")
        .values_list("pk", "code", "medium", "outer_diameter_mm", "wall_thickness_mm", "maop_mpa", "wkb")
    )
    companies = {
        pk: {"id": company_id, "name": name, "contact_person": person, "phone": phone}
        for pk, company_id, name, person, phone in Pipeline.objects.values_list(
            "pk", "company_id", "company__name", "company__contact_person", "company__contact_phone"
        )
    }
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
    ids = [r[0] for r in rows]
    return LoadedNetwork(network_build(pipes, valves), ids, version, [companies[pk] for pk in ids])


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


def _near(queryset, area):
    """The rows whose geometry meets ``area``, the spatial index picking the candidates.

    PostGIS's ST_Intersects uses the GiST index by itself; SpatiaLite's does
    not: its R*Tree is asked explicitly for the rows whose box meets the area's.
    """
    if connection.vendor == "sqlite":
        xmin, ymin, xmax, ymax = area.extent
        table, column = queryset.model._meta.db_table, queryset.model._meta.get_field("geom").column
        boxes = RawSQL(
            "SELECT ROWID FROM SpatialIndex WHERE f_table_name = %s AND f_geometry_column = %s "
            "AND search_frame = BuildMbr(%s, %s, %s, %s, 4326)",
            (table, column, xmin, ymin, xmax, ymax),
        )
        queryset = queryset.filter(pk__in=boxes)
    return queryset.filter(geom__intersects=area)


def _layer(queryset, area, items) -> ReachLayer:
    if area is not None:
        queryset = _near(queryset, area)
    rows = list(queryset.annotate(wkb=AsWKB("geom")).values("wkb", *items.keys()))
    geoms = array_to_metric(shapely.from_wkb([bytes(r["wkb"]) for r in rows])) if rows else np.empty(0, dtype=object)
    return ReachLayer(geoms, [{out: r[field] for field, out in items.items()} for r in rows])


REACH_MAX_AGE_S = 60.0
_reach_lock = threading.Lock()
_reach_cached: tuple | None = None  # (version, built at, {layer: ReachLayer})


def _small_layers() -> dict:
    from hca.models import HcaSegment

    return {
        "hca_segments": (
            HcaSegment.objects.filter(rule_set=RuleSet.GB32167),
            {"pk": "id", "pipeline__code": "pipeline_code", "start_m": "from_m", "end_m": "to_m", "grade": "grade"},
        ),
        "sites": (Site.objects.all(), {"source_id": "id", "name": "name", "site_type": "site_type"}),
        "settlements": (Settlement.objects.all(), {"source_id": "id", "name": "name"}),
        "water": (WaterBody.objects.all(), {"source_id": "id", "name": "name"}),
        "roads": (Road.objects.all(), {"source_id": "id", "name": "name"}),
    }


def reach_version(layers: dict) -> tuple:
    """Moves when features are added or a layer is imported again (new ids); edits in place and deletions
    are picked up within REACH_MAX_AGE_S (one query)."""
    tables = [queryset.model._meta.db_table for queryset, _items in layers.values()]
    return _scalars([f"SELECT MAX(id) FROM {table}" for table in tables])  # noqa: S608 - model tables


def _reach_layers() -> dict[str, ReachLayer]:
    """The layers other than buildings, in metres and indexed, kept per process."""
    global _reach_cached
    layers = _small_layers()
    version = reach_version(layers)
    cached = _reach_cached
    if cached is not None and cached[0] == version and time.monotonic() - cached[1] < REACH_MAX_AGE_S:
        return cached[2]
    with _reach_lock:
        built = {name: _layer(queryset, None, items) for name, (queryset, items) in layers.items()}
        _reach_cached = (version, time.monotonic(), built)
        return built


def reach_load(point: Point, radius_m: float) -> ReachIndex:
    """Every layer's features for the reach of ``point`` (EPSG:4326): the small layers from the process's
    index, the buildings near the point from the database (a city holds hundreds of thousands)."""
    area = area_within(point, radius_m)
    return ReachIndex({**_reach_layers(), "buildings": _layer(Building.objects.all(), area, {})})


def metric_point(point: Point) -> shapely.Point:
    """``point`` (EPSG:4326, or any SRID) in ``settings.METRIC_SRID`` metres."""
    x, y = _transformer(point.srid or 4326, settings.METRIC_SRID).transform(point.x, point.y)
    return shapely.Point(x, y)


def wgs84_point(x: float, y: float) -> Point:
    """A point given in ``settings.METRIC_SRID`` metres, in EPSG:4326."""
    lon, lat = _transformer(settings.METRIC_SRID, 4326).transform(x, y)
    return Point(lon, lat, srid=4326)
