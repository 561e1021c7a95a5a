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
import shapely
from django.utils.translation import gettext as _

from emergency.choices import ValveKind
from emergency.models import VALVE_MAX_OFFSET_M, Valve
from hca.loading import single_line, to_metric
from layers.choices import LayerName
from layers.contract import GEOMETRY_TYPES, MAX_NAME
from layers.extent import CityExtent
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


def _routes(codes: set[str], file_pipelines) -> dict[str, shapely.LineString]:
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
        if offset > VALVE_MAX_OFFSET_M:
            far[i] = True
            continue
        rows.append(
            {
                "code": codes[i],
                "name": names[i],
                "pipeline_code": pipeline_codes[i],
                "kind": kinds[i],
                "operable": operable[i],
                "location": geoms[i],
                "chainage_m": float(line.project(point)),
                "offset_m": offset,
            }
        )
    table.report(
        far,
        "geometry",
        lambda v: (
            _("the valve lies %(offset).1f m from its pipeline; it must lie within %(limit).0f m")
            % {"offset": v, "limit": VALVE_MAX_OFFSET_M}
        ),
        offsets,
    )
    return ValvePlan(rows)


def valves_write(plan: ValvePlan, record) -> dict:
    """Replace every valve with the plan's (pipelines written first, so new ones are found by code)."""
    from django.contrib.gis.geos import GEOSGeometry

    from pipelines.models import Pipeline

    pipelines = dict(
        Pipeline.objects.filter(code__in={r["pipeline_code"] for r in plan.rows}).values_list("code", "pk")
    )
    Valve.objects.all().delete()
    Valve.objects.bulk_create(
        [
            Valve(
                code=row["code"],
                name=row["name"],
                pipeline_id=pipelines[row["pipeline_code"]],
                kind=row["kind"],
                operable=row["operable"],
                location=GEOSGeometry(memoryview(shapely.to_wkb(row["location"])), srid=4326),
                chainage_m=row["chainage_m"],
                offset_m=row["offset_m"],
                layer_import=record,
            )
            for row in plan.rows
        ],
        batch_size=1000,
    )
    return {"skipped": 0, "repaired": 0}
