"""The pipelines, their facilities and their river crossings, indexed once; a work checked against them.

Pure: shapely geometries in a projected metric CRS and numpy arrays in, plain
values out; no Django. ``index_build`` computes the river crossings (where
each centreline meets a river) and three STRtrees; ``check_run`` then asks
the trees for what lies within ``REACH_M`` of the work, measures only those,
and applies the rule table (construction/engine/rules.py) to each pipeline.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely

from construction.engine import rules


@dataclass
class CheckIndex:
    lines: np.ndarray  # (pipes,) LineString or MultiLineString centrelines, metres
    facilities: np.ndarray  # (facilities,) points (valves, stations), metres
    facility_pipe: np.ndarray  # (facilities,) the pipeline each facility belongs to
    crossings: np.ndarray  # (crossings,) where a pipeline meets a river (points; a stretch for a river area)
    crossing_pipe: np.ndarray  # (crossings,)
    line_tree: shapely.STRtree = field(repr=False)
    facility_tree: shapely.STRtree = field(repr=False)
    crossing_tree: shapely.STRtree = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.lines)


def _as_objects(geoms) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    out[:] = list(geoms)
    return out


def river_crossings(lines: np.ndarray, rivers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each pipeline meets each river: (geometries, pipeline index), one per part of each meeting."""
    if len(lines) == 0 or len(rivers) == 0:
        return _as_objects([]), np.empty(0, dtype=np.intp)
    tree = shapely.STRtree(lines)
    river_i, pipe_i = tree.query(rivers, predicate="intersects")
    meets = shapely.intersection(rivers[river_i], lines[pipe_i])
    parts, owner = shapely.get_parts(meets, return_index=True)
    keep = ~shapely.is_empty(parts)
    return _as_objects(parts[keep]), pipe_i[owner[keep]].astype(np.intp)


def index_build(lines, facilities=(), facility_pipe=(), rivers=()) -> CheckIndex:
    """The index of ``lines`` (metres), their ``facilities`` (points, each with its pipeline's index in
    ``facility_pipe``) and the ``rivers`` (lines or areas of the water layer's rivers, metres)."""
    lines = _as_objects(lines)
    facilities = _as_objects(facilities)
    facility_pipe = np.asarray(facility_pipe, dtype=np.intp)
    if len(facilities) != len(facility_pipe):
        raise ValueError("every facility needs its pipeline")
    crossings, crossing_pipe = river_crossings(lines, _as_objects(rivers))
    return CheckIndex(
        lines,
        facilities,
        facility_pipe,
        crossings,
        crossing_pipe,
        shapely.STRtree(lines),
        shapely.STRtree(facilities),
        shapely.STRtree(crossings),
    )


@dataclass(frozen=True)
class Finding:
    """One pipeline concerned by the work."""

    pipe: int
    distance_m: float  # d, to the centreline (not rounded)
    facility_m: float  # f, inf if no facility within reach
    river_crossing_m: float  # r, inf if no river crossing within reach
    crosses: bool
    verdict: str
    band: str
    articles: list[str]


@dataclass(frozen=True)
class CheckResult:
    verdict: str
    findings: list[Finding]  # strictest first, then nearest first


def _nearest_per_pipe(tree, geoms, owners, work, n: int) -> np.ndarray:
    """The distance from ``work`` to each pipeline's nearest geometry within reach (inf elsewhere)."""
    nearest = np.full(n, np.inf)
    hits = tree.query(work, predicate="dwithin", distance=rules.REACH_M)
    if len(hits):
        np.minimum.at(nearest, owners[hits], shapely.distance(work, geoms[hits]))
    return nearest


def check_run(index: CheckIndex, work, work_type: str) -> CheckResult:
    """The verdict on ``work`` (a shapely geometry, metres) of type ``work_type``, and every pipeline concerned."""
    n = index.size
    shapely.prepare(work)
    facility = _nearest_per_pipe(index.facility_tree, index.facilities, index.facility_pipe, work, n)
    river = _nearest_per_pipe(index.crossing_tree, index.crossings, index.crossing_pipe, work, n)
    near = index.line_tree.query(work, predicate="dwithin", distance=rules.REACH_M)
    candidates = np.union1d(near, np.flatnonzero(np.isfinite(facility) | np.isfinite(river)))
    distances = shapely.distance(work, index.lines[candidates]) if len(candidates) else np.empty(0)
    crosses = shapely.intersects(work, index.lines[candidates]) if len(candidates) else np.empty(0, bool)
    findings = []
    for pipe, d, meets in zip(candidates.tolist(), distances.tolist(), crosses.tolist(), strict=True):
        f, r = float(facility[pipe]), float(river[pipe])
        verdict, band, articles = rules.pipeline_verdict(work_type, d, f, r, bool(meets))
        if rules.is_listed(d, f, verdict):
            findings.append(Finding(pipe, d, f, r, bool(meets), verdict, band, articles))
    findings.sort(key=lambda x: (-rules.STRICTNESS[x.verdict], x.distance_m, x.pipe))
    return CheckResult(rules.strictest(x.verdict for x in findings), findings)


def check_loop(lines, facilities, facility_pipe, crossings, crossing_pipe, work, work_type: str) -> CheckResult:
    """The same answer without the index: every pipeline, facility and crossing measured one by one (the
    baseline of bench/construction.py, and a cross-check in the tests)."""
    n = len(lines)
    facility = np.full(n, np.inf)
    river = np.full(n, np.inf)
    for point, pipe in zip(facilities, facility_pipe, strict=True):
        facility[pipe] = min(facility[pipe], work.distance(point))
    for place, pipe in zip(crossings, crossing_pipe, strict=True):
        river[pipe] = min(river[pipe], work.distance(place))
    findings = []
    for pipe, line in enumerate(lines):
        d, meets = work.distance(line), work.intersects(line)
        f, r = float(facility[pipe]), float(river[pipe])
        verdict, band, articles = rules.pipeline_verdict(work_type, d, f, r, bool(meets))
        if rules.is_listed(d, f, verdict):
            findings.append(Finding(pipe, d, f, r, bool(meets), verdict, band, articles))
    findings.sort(key=lambda x: (-rules.STRICTNESS[x.verdict], x.distance_m, x.pipe))
    return CheckResult(rules.strictest(x.verdict for x in findings), findings)
