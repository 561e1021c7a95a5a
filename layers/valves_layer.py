"""The valves layer (docs/emergency.md): points with ``code`` (unique),
``pipeline_code``, ``kind`` (manual, remote, automatic, check), ``operable``
(yes/no, default yes) and an optional ``name``.

Each valve is placed on its pipeline at the nearest point: its chainage is
computed there, and a valve more than VALVE_MAX_OFFSET_M (5 m) from its
pipeline rejects the import with the row named. The pipeline may be one of
the same file's pipelines layer (its new route counts) or one already
stored. Importing the layer replaces every valve.
"""

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emergency.choices import ValveKind
from emergency.models import VALVE_MAX_OFFSET_M, Valve
from layers.choices import LayerName
from layers.contract import GEOMETRY_TYPES, MAX_NAME
from layers.extent import CityExtent
from layers.on_pipeline import points_place, points_write
from layers.reading import LayerRead
from layers.validation import Problems, Table, as_text, shown

LAYER = LayerName.VALVES
MAX_CODE = 40
TRUE_WORDS = {"yes", "y", "true", "t", "1", "是", "可", "可操作"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "否", "不可", "不可操作"}


@dataclass
class ValvePlan:
    """Valves ready to write: one dict of model values per row."""

    rows: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


def _operable(table: Table) -> list[bool]:
    series = table.column("operable")
    if series is None:
        return [True] * len(table)
    text = as_text(series)
    values, bad = [], []
    for value in text.tolist():
        word = None if value is None else value.strip().lower()
        bad.append(word is not None and word not in TRUE_WORDS | FALSE_WORDS)
        values.append(word is None or word in TRUE_WORDS)
    table.report(bad, "operable", lambda v: _("“%(value)s” is not yes or no") % {"value": shown(v)}, text)
    return values


def valves_clean(read: LayerRead, problems: Problems, *, extent: CityExtent | None, file_pipelines=None) -> ValvePlan:
    frame = read.frame
    table = Table(LAYER, frame, np.arange(1, len(frame) + 1), problems)
    codes = table.text("code", MAX_CODE, required=True)
    table.unique("code", codes)
    pipeline_codes = table.text("pipeline_code", 30, required=True, aliases=("pipeline_c", "pipeline"))
    kinds = table.choice("kind", ValveKind.values)
    operable = _operable(table)
    names = table.text("name", MAX_NAME)
    geoms, _repaired = table.geometries(GEOMETRY_TYPES[LAYER], extent=extent, crs=read.source_srid)

    too_far = gettext_lazy("the valve lies %(offset).1f m from its pipeline; it must lie within %(limit).0f m")
    placed = points_place(
        table,
        pipeline_codes,
        geoms,
        file_pipelines=file_pipelines,
        max_offset_m=VALVE_MAX_OFFSET_M,
        too_far_message=too_far,
    )
    rows = [
        {
            "code": codes[p.index],
            "name": names[p.index],
            "pipeline_code": pipeline_codes[p.index],
            "kind": kinds[p.index],
            "operable": operable[p.index],
            "location": geoms[p.index],
            "chainage_m": p.chainage_m,
            "offset_m": p.offset_m,
        }
        for p in placed
    ]
    return ValvePlan(rows)


def valves_write(plan: ValvePlan, record) -> dict:
    """Replace every valve with the plan's (pipelines written first, so new ones are found by code)."""
    return points_write(Valve, plan.rows, record)
