"""Patrol sections, tasks and tracks drawn on maps: GeoJSON (EPSG:4326) for the admin pages and the dashboard.

A section, or an uncovered range, is the stretch of its pipeline's centreline between two chainages, cut in
the metric CRS (pipelines/chainage.py measures chainage the same way) and sent back to WGS84.
"""

import numpy as np
import shapely
from shapely.ops import substring

from hca.loading import single_line, to_metric, to_wgs84
from pipelines.models import Pipeline

SECTION = "#1f5fa8"
COVERED = "#2ca02c"
UNCOVERED = "#d62728"  # the uncovered ranges, red on every map (issue #16)
CHECKPOINT = "#ff7f0e"
MISSED = "#d62728"
TRACK = "#9467bd"


def pipeline_lines(pipeline_ids) -> dict[int, shapely.LineString]:
    """The pipelines' centrelines in the metric CRS, as chainage measures them."""
    rows = list(Pipeline.objects.filter(pk__in=set(pipeline_ids)).values_list("pk", "route"))
    if not rows:
        return {}
    metric = to_metric(np.array([shapely.from_wkb(bytes(route.wkb)) for _pk, route in rows], dtype=object))
    return {pk: single_line(line) for (pk, _route), line in zip(rows, metric, strict=True)}


SIMPLIFY_M = 5.0  # as the pipelines' own map (pipelines/maps.py)


def stretches(line: shapely.LineString, ranges, *, tolerance_m: float = SIMPLIFY_M) -> list:
    """The stretches of ``line`` (metric) between each (from_m, to_m), in WGS84, simplified to ``tolerance_m``
    and rounded to 6 decimals (0.1 m)."""
    if not ranges:
        return []
    cut = [substring(line, max(0.0, a), min(line.length, b)) for a, b in ranges]
    simple = shapely.simplify(np.array(cut, dtype=object), tolerance_m, preserve_topology=False)
    return list(shapely.set_precision(to_wgs84(simple), 1e-6))


def feature(geom, **properties) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": properties}


def collection(features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def ranges_features(items, *, color: str, width: int = 3) -> list[dict]:
    """``items``: (pipeline_id, from_m, to_m, label, url) → line features on their pipelines."""
    lines = pipeline_lines({item[0] for item in items})
    by_pipeline: dict[int, list] = {}
    for item in items:
        if item[0] in lines and item[2] > item[1]:
            by_pipeline.setdefault(item[0], []).append(item)
    out = []
    for pipeline_id, rows in by_pipeline.items():
        geoms = stretches(lines[pipeline_id], [(r[1], r[2]) for r in rows])
        for row, geom in zip(rows, geoms, strict=True):
            props = {"label": row[3], "color": color, "width": width}
            if row[4]:
                props["url"] = row[4]
            out.append(feature(geom, **props))
    return out


def section_features(section, *, uncovered=None, checkpoints=(), missed=()) -> list[dict]:
    """A section on its pipeline (blue), its uncovered ranges (red) and its checkpoints (missed ones red)."""
    line = pipeline_lines([section.pipeline_id]).get(section.pipeline_id)
    if line is None:
        return []
    ranges = [(section.from_m, section.to_m), *[(a, b) for a, b in (uncovered or [])]]
    geoms = stretches(line, ranges)
    out = [feature(geoms[0], label=f"{section.code} {section.from_m:.0f}–{section.to_m:.0f} m", color=SECTION, width=4)]
    for (a, b), geom in zip(ranges[1:], geoms[1:], strict=True):
        out.append(feature(geom, label=f"{a:.0f}–{b:.0f} m", color=UNCOVERED, width=5, uncovered=True))
    missed = set(missed)
    for point in checkpoints:
        out.append(
            feature(
                shapely.Point(point.location.x, point.location.y),
                label=point.code,
                color=MISSED if point.code in missed else CHECKPOINT,
            )
        )
    return out


def section_geometries(sections, lines=None) -> list:
    """GEOS LineStrings (EPSG:4326) of the sections' stretches of their pipelines, in order."""
    from django.contrib.gis.geos import GEOSGeometry

    sections = list(sections)
    lines = lines if lines is not None else pipeline_lines({s.pipeline_id for s in sections})
    out = [None] * len(sections)
    by_pipeline: dict[int, list[int]] = {}
    for i, section in enumerate(sections):
        if section.pipeline_id in lines:
            by_pipeline.setdefault(section.pipeline_id, []).append(i)
    for pipeline_id, indexes in by_pipeline.items():
        ranges = [(sections[i].from_m, sections[i].to_m) for i in indexes]
        for i, geom in zip(indexes, stretches(lines[pipeline_id], ranges, tolerance_m=1.0), strict=True):
            if geom.geom_type == "LineString" and not geom.is_empty:
                out[i] = GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)
    return out
