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
from django.utils.translation import gettext_lazy

from layers.choices import LayerName
from layers.contract import GEOMETRY_TYPES, MAX_NAME
from layers.extent import CityExtent
from layers.on_pipeline import points_place, points_write
from layers.reading import LayerRead
from layers.validation import Problems, Table
from layers.valves_layer import MAX_CODE
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

    too_far = gettext_lazy("the checkpoint lies %(offset).1f m from its pipeline; it must lie within %(limit).0f m")
    placed = points_place(
        table,
        pipeline_codes,
        geoms,
        file_pipelines=file_pipelines,
        max_offset_m=CHECKPOINT_MAX_OFFSET_M,
        too_far_message=too_far,
    )
    rows = [
        {
            "code": codes[p.index],
            "name": names[p.index],
            "pipeline_code": pipeline_codes[p.index],
            "kind": kinds[p.index] or CheckpointKind.MILE_MARKER,
            "radius_m": float(radii[p.index]) if radii[p.index] is not None else DEFAULT_CHECKPOINT_RADIUS_M,
            "location": geoms[p.index],
            "chainage_m": round(p.chainage_m, 1),
        }
        for p in placed
    ]
    return CheckpointPlan(rows)


def checkpoints_write(plan: CheckpointPlan, record) -> dict:
    """Replace every checkpoint with the plan's (pipelines written first, so new ones are found by code)."""
    return points_write(Checkpoint, plan.rows, record)
