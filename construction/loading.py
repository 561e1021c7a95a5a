"""From the database to the check's index (construction/engine/).

The index (pipelines in service or idle, their valves, and where they cross
the water layer's rivers) is built once per process, in
``settings.METRIC_SRID`` metres, and kept until a pipeline, a valve, a water
feature or a company changes: a call asks the database for a small
fingerprint (one query) and rebuilds only when it moved. The fingerprint is
asked at most every ``CONSTRUCTION_INDEX_MAX_AGE_S`` seconds (a setting,
default 0.5; the tests use 0, so that a rolled-back test leaves no stale
index): a check costs a tenth of a millisecond, the query several times
more. A save or a delete of one of those rows in this process asks again at
once; bulk writes and other processes are seen within that time.

Facilities: the project registers valves (emergency.Valve); it has no
station register, so a station counts through the valves placed at it.
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB
from django.db.models.signals import post_delete, post_save

from companies.models import OperatingCompany
from construction.engine import CheckIndex, index_build
from emergency.loading import _scalars
from emergency.models import Valve
from hca.loading import to_metric
from layers.choices import WaterType
from layers.models import WaterBody
from pipelines.models import Pipeline, PipelineStatus


@dataclass
class LoadedIndex:
    index: CheckIndex
    pipelines: list[dict]  # engine pipe index -> {"id", "code", "company_id", "company"}
    version: tuple


VERSION_MAX_AGE_S = 0.5  # default of settings.CONSTRUCTION_INDEX_MAX_AGE_S
_lock = threading.Lock()
_cached: LoadedIndex | None = None
_checked_at = float("-inf")  # time.monotonic() of the last fingerprint that matched the cached index


def index_version() -> tuple:
    """Moves whenever a pipeline, a valve, a water feature or a company is added, changed or removed."""
    pipes, valves = Pipeline._meta.db_table, Valve._meta.db_table
    water, companies = WaterBody._meta.db_table, OperatingCompany._meta.db_table
    return _scalars(
        [
            f"SELECT COUNT(*) FROM {pipes}",  # noqa: S608 - table names from the models
            f"SELECT MAX(updated_at) FROM {pipes}",  # noqa: S608
            f"SELECT COUNT(*) FROM {valves}",  # noqa: S608
            f"SELECT MAX(updated_at) FROM {valves}",  # noqa: S608
            f"SELECT COUNT(*) FROM {water}",  # noqa: S608 (a new import gives new ids: MAX(id) moves)
            f"SELECT MAX(id) FROM {water}",  # noqa: S608
            f"SELECT MAX(updated_at) FROM {companies}",  # noqa: S608 (the names travel with the index)
        ]
    )


def _metric(wkbs: list) -> np.ndarray:
    if not wkbs:
        return np.empty(0, dtype=object)
    return to_metric(shapely.from_wkb([bytes(w) for w in wkbs]))


def index_load() -> LoadedIndex:
    """Build the index from the database (no cache)."""
    version = index_version()
    rows = list(
        Pipeline.objects.exclude(status=PipelineStatus.ABANDONED)
        .annotate(wkb=AsWKB("route"))
        .order_by("code")
        .values_list("pk", "code", "company_id", "company__name", "wkb")
    )
    position = {row[0]: i for i, row in enumerate(rows)}
    valves = [
        (position[pipeline_id], wkb)
        for pipeline_id, wkb in Valve.objects.annotate(wkb=AsWKB("location"))
        .order_by("code")
        .values_list("pipeline_id", "wkb")
        if pipeline_id in position
    ]
    rivers = WaterBody.objects.filter(water_type=WaterType.RIVER).annotate(wkb=AsWKB("geom")).order_by("pk")
    index = index_build(
        _metric([row[-1] for row in rows]),
        _metric([wkb for _pipe, wkb in valves]),
        [pipe for pipe, _wkb in valves],
        _metric(list(rivers.values_list("wkb", flat=True))),
    )
    pipelines = [{"id": pk, "code": code, "company_id": cid, "company": name} for pk, code, cid, name, _w in rows]
    return LoadedIndex(index, pipelines, version)


def index_current() -> LoadedIndex:
    """The process's index, rebuilt if the pipelines, valves, rivers or companies changed since it was built."""
    global _cached, _checked_at
    cached = _cached
    max_age = getattr(settings, "CONSTRUCTION_INDEX_MAX_AGE_S", VERSION_MAX_AGE_S)
    if cached is not None and time.monotonic() - _checked_at < max_age:
        return cached
    version = index_version()
    if cached is None or cached.version != version:
        with _lock:
            if _cached is None or _cached.version != version:
                _cached = index_load()
            cached = _cached
    _checked_at = time.monotonic()
    return cached


def _changed(sender, **kwargs) -> None:
    """A row the index is built from was saved or deleted here: ask for the fingerprint on the next call."""
    global _checked_at
    _checked_at = float("-inf")


for _model in (Pipeline, Valve, WaterBody, OperatingCompany):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"construction.index.{_model.__name__}.saved")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"construction.index.{_model.__name__}.deleted")
