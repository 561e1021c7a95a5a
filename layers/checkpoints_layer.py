"""The checkpoints layer (docs/patrols.md): points with ``code`` (unique), ``pipeline_code``, and optional
``radius_m`` (default 30 m), ``kind`` (mile_marker, valve_room, crossing, hca_site, other; default
mile_marker) and ``name``.

Each checkpoint is placed on its pipeline at the nearest point (its chainage is computed there); a checkpoint
more than CHECKPOINT_MAX_OFFSET_M (50 m: "on or beside a pipeline") from its pipeline rejects the import with
the row named. The pipeline may be one of the same file's pipelines layer or one already stored. Importing the
layer replaces every checkpoint.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.utils.translation import gettext as _

from hca.loading import to_metric
from layers.choices import LayerName
from layers.contract import GEOMETRY_TYPES, MAX_NAME
from layers.extent import CityExtent
from layers.reading import LayerRead
from layers.validation import Problems, Table, shown
from layers.valves_layer import MAX_CODE, _routes
from patrols.choices import CheckpointKind
from patrols.models import DEFAULT_CHECKPOINT_RADIUS_M, Checkpoint
from patrols.services import CHECKPOINT_MAX_OFFSET_M

LAYER = LayerName.CHECKPOINTS
MAX_RADIUS_M = 500


@dataclass
class CheckpointPlan:
    """Checkpoints ready to write: one dict of model values per row."""

    rows: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


def checkpoints_clean(
    read: LayerRead, problems: Problems, *, extent: CityExtent | None, file_pipelines=None
) -> CheckpointPlan:
    frame = read.frame
    table = Table(LAYER, frame, np.arange(1, len(frame) + 1), problems)
    codes = table.text("code", MAX_CODE, required=True)
    table.unique("code", codes)
    pipeline_codes = table.text("pipeline_code", 30, required=True, aliases=("pipeline_c", "pipeline"))
    radii = table.decimal("radius_m", above=0, maximum=MAX_RADIUS_M, places=1, required=False, aliases=("radius",))
    kinds = table.choice("kind", CheckpointKind.values, required=False)
    names = table.text("name", MAX_NAME)
    geoms, _repaired = table.geometries(GEOMETRY_TYPES[LAYER], extent=extent, crs=read.source_srid)

    wanted = {c for c in pipeline_codes if c}
    routes = _routes(wanted, file_pipelines) if wanted else {}
    unknown = np.array([bool(c) and c not in routes for c in pipeline_codes], dtype=bool)
    table.report(
        unknown,
        "pipeline_code",
        lambda v: _("no pipeline %(code)s (neither in this file nor stored)") % {"code": shown(v)},
        pipeline_codes,
    )
    placeable = [i for i, (c, g) in enumerate(zip(pipeline_codes, geoms, strict=True)) if c in routes and g is not None]
    metric = to_metric(np.array([geoms[i] for i in placeable], dtype=object)) if placeable else []
    rows, far, offsets = [], np.zeros(len(table), dtype=bool), [None] * len(table)
    for i, point in zip(placeable, metric, strict=True):
        line = routes[pipeline_codes[i]]
        offset = float(line.distance(point))
        offsets[i] = offset
        if offset > CHECKPOINT_MAX_OFFSET_M:
            far[i] = True
            continue
        rows.append(
            {
                "code": codes[i],
                "name": names[i],
                "pipeline_code": pipeline_codes[i],
                "kind": kinds[i] or CheckpointKind.MILE_MARKER,
                "radius_m": float(radii[i]) if radii[i] is not None else DEFAULT_CHECKPOINT_RADIUS_M,
                "location": geoms[i],
                "chainage_m": round(float(line.project(point)), 1),
            }
        )
    table.report(
        far,
        "geometry",
        lambda v: (
            _("the checkpoint lies %(offset).1f m from its pipeline; it must lie within %(limit).0f m")
            % {"offset": v, "limit": CHECKPOINT_MAX_OFFSET_M}
        ),
        offsets,
    )
    return CheckpointPlan(rows)


def checkpoints_write(plan: CheckpointPlan, record) -> dict:
    """Replace every checkpoint with the plan's (pipelines written first, so new ones are found by code)."""
    from django.contrib.gis.geos import GEOSGeometry

    from pipelines.models import Pipeline

    pipelines = dict(
        Pipeline.objects.filter(code__in={r["pipeline_code"] for r in plan.rows}).values_list("code", "pk")
    )
    Checkpoint.objects.all().delete()
    Checkpoint.objects.bulk_create(
        [
            Checkpoint(
                code=row["code"],
                name=row["name"],
                pipeline_id=pipelines[row["pipeline_code"]],
                kind=row["kind"],
                radius_m=row["radius_m"],
                location=GEOSGeometry(memoryview(shapely.to_wkb(row["location"])), srid=4326),
                chainage_m=row["chainage_m"],
                layer_import=record,
            )
            for row in plan.rows
        ],
        batch_size=1000,
    )
    return {"skipped": 0, "repaired": 0}
