"""The baseline the benchmark compares with: for every segment, for every
counted camera, intersect the segment's line with the camera's view polygon
(GEOS, one call per pair), place each piece on the line by projecting its
ends, then add up the union of those chainage intervals."""

import shapely
from shapely.ops import substring

from video.engine.coverage import Cameras


def coverage_loop(lines, ranges, cameras: Cameras, *, all_cameras: bool = False) -> list[float]:
    """Covered metres of each (line index, from_m, to_m), the slow and simple way."""
    views = cameras.sectors()
    counted = [i for i in range(len(cameras)) if all_cameras or cameras.online[i]]
    covered = []
    for line, from_m, to_m in ranges:
        piece = substring(lines[line], from_m, to_m)
        intervals = []
        for i in counted:
            seen = piece.intersection(views[i])
            for part in getattr(seen, "geoms", [seen]):
                if part.geom_type == "LineString" and not part.is_empty:
                    ends = sorted(piece.project(shapely.Point(xy)) for xy in (part.coords[0], part.coords[-1]))
                    intervals.append(ends)
        total, reach = 0.0, None
        for start, end in sorted(intervals):
            if reach is None or start > reach:
                total += end - start
                reach = end
            elif end > reach:
                total += end - reach
                reach = end
        covered.append(total)
    return covered
