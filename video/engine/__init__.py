"""Camera coverage, pure: numpy arrays and shapely geometries in a projected
metric CRS in, covered and uncovered chainage ranges out. No Django here.

``seen_pieces`` is the fast path (sectors from shapely, one bulk STRtree
query for the candidate (edge, camera) pairs, then closed-form clipping of
every pair at once in numpy); ``coverage_loop`` is the straightforward
per-segment, per-camera GEOS intersection the benchmark compares it with.
"""

from video.engine.coverage import (
    MIN_UNCOVERED_M,
    Cameras,
    Seen,
    coverage_answer,
    coverage_answers,
    coverage_answers_both,
    seen_pieces,
)
from video.engine.loop import coverage_loop
from video.engine.sectors import cameras_seeing, sector_polygons

__all__ = [
    "MIN_UNCOVERED_M",
    "Cameras",
    "Seen",
    "cameras_seeing",
    "coverage_answer",
    "coverage_answers",
    "coverage_answers_both",
    "coverage_loop",
    "sector_polygons",
    "seen_pieces",
]
