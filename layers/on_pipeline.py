"""Points placed on their pipeline (valves, checkpoints): the shared part of those layers.

``points_place`` looks each row's pipeline up (the same file's pipelines layer first, its new route counting,
then the stored pipelines), reports an unknown pipeline code and a point farther than ``max_offset_m`` from its
pipeline with the row named, and returns the placed rows with their chainage and offset in metres (metric CRS).
``points_write`` replaces every row of a model with the plan's rows.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext as _

from hca.loading import single_line, to_metric
from layers.validation import Table, shown


@dataclass(frozen=True)
class Placed:
    """One row placed on its pipeline: ``index`` in the table, ``chainage_m`` and ``offset_m`` in metres."""

    index: int
    chainage_m: float
    offset_m: float


def pipeline_routes(codes: set[str], file_pipelines) -> dict[str, shapely.LineString]:
    """Metric lines of the pipelines named: the file's own (new routes) first, then the stored ones."""
    from pipelines.models import Pipeline

    routes = {}
    for pipeline in getattr(file_pipelines, "pipelines", None) or ():
        if pipeline.code in codes:
            routes[pipeline.code] = pipeline.route
    for code, route in Pipeline.objects.filter(code__in=codes - set(routes)).values_list("code", "route"):
        routes[code] = route
    names = list(routes)
    metric = to_metric(np.array([shapely.from_wkb(bytes(routes[c].wkb)) for c in names], dtype=object))
    return {code: single_line(line) for code, line in zip(names, metric, strict=True)}


def points_place(
    table: Table, pipeline_codes, geoms, *, file_pipelines, max_offset_m: float, too_far_message
) -> list[Placed]:
    """Rows within ``max_offset_m`` of their pipeline; the others are reported on ``table``.

    ``too_far_message``: a gettext_lazy text (translated when shown), placeholders ``offset`` and ``limit``.
    """
    wanted = {c for c in pipeline_codes if c}
    routes = pipeline_routes(wanted, file_pipelines) if wanted else {}
    unknown = np.array([bool(c) and c not in routes for c in pipeline_codes], dtype=bool)
    table.report(
        unknown,
        "pipeline_code",
        lambda v: _("no pipeline %(code)s (neither in this file nor stored)") % {"code": shown(v)},
        pipeline_codes,
    )
    placeable = [i for i, (c, g) in enumerate(zip(pipeline_codes, geoms, strict=True)) if c in routes and g is not None]
    metric = to_metric(np.array([geoms[i] for i in placeable], dtype=object)) if placeable else []
    placed, far, offsets = [], np.zeros(len(table), dtype=bool), [None] * len(table)
    for i, point in zip(placeable, metric, strict=True):
        line = routes[pipeline_codes[i]]
        offset = float(line.distance(point))
        offsets[i] = offset
        if offset > max_offset_m:
            far[i] = True
            continue
        placed.append(Placed(i, float(line.project(point)), offset))
    table.report(far, "geometry", lambda v: too_far_message % {"offset": v, "limit": max_offset_m}, offsets)
    return placed


def points_write(model, rows: list[dict], record) -> dict:
    """Replace every ``model`` row with ``rows`` (model values, ``pipeline_code`` and a shapely ``location``).

    Pipelines are written first, so new ones are found by code.
    """
    from django.contrib.gis.geos import GEOSGeometry

    from pipelines.models import Pipeline

    pipelines = dict(Pipeline.objects.filter(code__in={r["pipeline_code"] for r in rows}).values_list("code", "pk"))
    model.objects.all().delete()
    model.objects.bulk_create(
        [
            model(
                **{k: v for k, v in row.items() if k not in ("pipeline_code", "location")},
                pipeline_id=pipelines[row["pipeline_code"]],
                location=GEOSGeometry(memoryview(shapely.to_wkb(row["location"])), srid=4326),
                layer_import=record,
            )
            for row in rows
        ],
        batch_size=1000,
    )
    return {"skipped": 0, "repaired": 0}
