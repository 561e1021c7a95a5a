"""The valve spacing audit over the database: pipelines, their block valves,
location classes from the buildings (the HCA engine's sliding window, GB
50251 §4.2: class 2 over 15 households, class 3 from 100, class 4 where
buildings of 4+ storeys prevail) and the river crossings of oil pipelines.
The rules themselves are in emergency/engine/spacing.py."""

from io import BytesIO

import numpy as np
import shapely
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from emergency.choices import ValveKind
from emergency.engine.spacing import SpacingFinding, SpacingPipe, audit
from emergency.models import Valve
from hazards.ledger import excel_safe
from hca.choices import RuleSet
from hca.engine.core import Context
from hca.engine.location_class import class_regions
from hca.loading import corridor_around, layers_load, pipelines_load, rules_load
from layers.choices import WaterType

CLASS2_MIN_HOUSEHOLDS = 16  # class 2: more than 15 households in the window


def _class_params() -> dict:
    """Window, corridor, extension and thresholds from the GB 32167 class rules (data an admin may correct)."""
    params = {"window_m": 2000.0, "corridor_m": 200.0, "extend_m": 200.0, "class3_min": 100.0, "floors_min": 4}
    for rule in rules_load(RuleSet.GB32167):
        if rule.kind in ("class_3", "class_4"):
            params.update({k: v for k, v in rule.params.items() if k in params})
    return params


def _regions(pipelines, buildings) -> list[list[tuple[float, float, int]]]:
    out: list[list[tuple[float, float, int]]] = [[] for _ in pipelines]
    if not len(buildings) or not pipelines:
        return out
    p = _class_params()
    ctx = Context(pipelines, {"buildings": buildings}, rules=[])
    rows = ctx.window_rows(float(p["corridor_m"]), float(p["window_m"]))
    weight = buildings.attrs["households"][rows.feat]
    tall = buildings.attrs["floors"][rows.feat] >= float(p["floors_min"])
    everyone = np.ones(len(pipelines), bool)
    for cls, minimum, want4 in (
        (2, CLASS2_MIN_HOUSEHOLDS, False),
        (3, p["class3_min"], False),
        (4, p["class3_min"], True),
    ):
        for region in class_regions(
            rows,
            weight,
            tall,
            lengths=ctx.net.pipe_length,
            applies=everyone,
            extend=float(p["extend_m"]),
            minimum=float(minimum),
            want_class4=want4,
            class4_floors=False,
        ):
            out[region.pipe].append((float(region.start), float(region.end), cls))
    return out


def _crossings(line: shapely.LineString, water) -> list[tuple[float, float, str]]:
    rivers = water.attrs.get("water_type") if len(water) else None
    if rivers is None:
        return []
    out = []
    for geom, kind, name in zip(water.geoms, rivers, water.names, strict=True):
        if kind != WaterType.RIVER or not geom.intersects(line):
            continue
        crossing = line.intersection(geom)
        parts = getattr(crossing, "geoms", [crossing])
        points = [c for part in parts for c in shapely.get_coordinates(part)]
        if not points:
            continue
        chain = [line.project(shapely.Point(c)) for c in points]
        out.append((float(min(chain)), float(max(chain)), str(name or "")))
    return out


def spacing_audit() -> list[SpacingFinding]:
    pipelines = pipelines_load()
    if not pipelines:
        return []
    layers = layers_load(area=corridor_around(pipelines, 200.0))
    regions = _regions(pipelines, layers["buildings"])
    valves: dict[int, list[tuple[str, float]]] = {}
    rows = Valve.objects.exclude(kind=ValveKind.CHECK).values_list("pipeline_id", "code", "chainage_m")
    for pipeline_id, code, chainage in rows:
        valves.setdefault(pipeline_id, []).append((code, chainage))
    pipes = [
        SpacingPipe(
            code=p.code,
            medium=p.medium_group,
            length_m=p.line.length,
            valves=tuple(valves.get(p.id, ())),
            class_regions=tuple(regions[i]),
            crossings=tuple(_crossings(p.line, layers["water"])) if p.medium_group == "oil" else (),
        )
        for i, p in enumerate(pipelines)
    ]
    return audit(pipes)


def spacing_workbook(findings: list[SpacingFinding]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Valve spacing")
    header = [
        _("pipeline"),
        _("finding"),
        _("from valve"),
        _("to valve"),
        _("from chainage (m)"),
        _("to chainage (m)"),
        _("length (m)"),
        _("location class"),
        _("limit (m)"),
        _("excess (m)"),
        _("river"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for f in findings:
        sheet.append(
            [
                excel_safe(f.pipeline_code),
                finding_text(f),
                excel_safe(f.from_valve),
                excel_safe(f.to_valve),
                round(f.from_m, 1),
                round(f.to_m, 1),
                round(f.length_m, 1),
                f.location_class,
                f.limit_m,
                round(f.excess_m, 1) if f.limit_m is not None else None,
                excel_safe(f.river),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def finding_text(f: SpacingFinding) -> str:
    if f.kind == "spacing":
        return _("valves too far apart")
    if f.side == "before":
        return _("no valve before the river crossing")
    return _("no valve after the river crossing")
