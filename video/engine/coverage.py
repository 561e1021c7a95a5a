"""What the cameras cover of pipeline centrelines (video.md, exact).

A stretch is covered where the centreline lies inside the view of at least
one counted camera (online ones; or all of them for the design coverage).

The fast path, ``seen_pieces``:

1. every line is cut into its straight edges (start, end, chainage);
2. one bulk STRtree query of the views (shapely polygons that contain the
   exact sectors) against the edges gives the candidate (edge, camera) pairs;
3. each pair is clipped exactly in closed form, all at once in numpy: a view
   of at most 180° is convex (a disc ∩ two half-planes through the camera),
   so its intersection with a straight edge is one interval of the edge's
   parameter t — the disc gives a quadratic, each half-plane a half-line. A
   view wider than 180° (and narrower than 360°) is split into two halves of
   fov/2, centred at azimuth ∓ fov/4; a full circle is the disc alone;
4. the pieces become chainage intervals on their line, per camera.

``coverage_answer`` then merges the pieces of a chainage range (touching or
overlapping pieces are one), and reports covered metres, the share, the
uncovered ranges (gaps under ``MIN_UNCOVERED_M`` left out of the list; the
covered metres stay exact) and the cameras that see a piece of it.
"""

from dataclasses import dataclass

import numpy as np
import shapely

from video.engine.sectors import EPS_M, FULL_CIRCLE, bearing_unit, sector_polygons

MIN_UNCOVERED_M = 1.0  # uncovered pieces shorter than this are not listed (video.md)
HALF_CIRCLE = 180.0


@dataclass(frozen=True)
class Cameras:
    """Cameras as arrays, in the metric CRS."""

    codes: np.ndarray  # str, one per camera
    x: np.ndarray
    y: np.ndarray
    azimuth: np.ndarray  # degrees clockwise from grid north
    fov: np.ndarray  # degrees; 360 = the whole circle
    range_m: np.ndarray
    online: np.ndarray  # bool

    @classmethod
    def build(cls, rows) -> "Cameras":
        """From (code, x, y, azimuth, fov, range_m, online) tuples."""
        rows = list(rows)
        columns = list(zip(*rows, strict=True)) if rows else [()] * 7
        return cls(
            codes=np.array(columns[0], dtype=object),
            x=np.array(columns[1], dtype=float),
            y=np.array(columns[2], dtype=float),
            azimuth=np.array(columns[3], dtype=float),
            fov=np.array(columns[4], dtype=float),
            range_m=np.array(columns[5], dtype=float),
            online=np.array(columns[6], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.x)

    def sectors(self) -> np.ndarray:
        return sector_polygons(self.x, self.y, self.azimuth, self.fov, self.range_m)


@dataclass(frozen=True)
class Seen:
    """The pieces of lines seen by cameras: line index, camera index, chainage from and to."""

    line: np.ndarray
    camera: np.ndarray
    start: np.ndarray
    end: np.ndarray
    codes: np.ndarray  # the cameras' codes, by camera index

    def of_line(self, line: int) -> "Seen":
        mask = self.line == line
        return Seen(self.line[mask], self.camera[mask], self.start[mask], self.end[mask], self.codes)


def _edges(lines):
    """Straight edges of every line: (x0, y0, x1, y1, chainage at the start, length, line index)."""
    parts = []
    for index, line in enumerate(lines):
        coords = np.asarray(shapely.get_coordinates(line) if not isinstance(line, np.ndarray) else line, dtype=float)
        if len(coords) < 2:
            continue
        steps = np.hypot(*np.diff(coords, axis=0).T)
        chainage = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
        parts.append(
            np.column_stack([coords[:-1], coords[1:], chainage, steps, np.full(len(steps), index, dtype=float)])
        )
    if not parts:
        return np.zeros((0, 7))
    edges = np.vstack(parts)
    return edges[edges[:, 5] > 0]


def _halves(cameras: Cameras, active: np.ndarray):
    """The counted cameras as convex views: (camera index, x, y, r, normal 1, normal 2) arrays.

    A view of at most 180° is the disc ∩ H1 ∩ H2, H1 the side of the ray azimuth − fov/2 towards larger
    bearings, H2 the side of the ray azimuth + fov/2 towards smaller ones. A wider view is two such halves;
    a full circle has zero normals (every half-plane condition 0 ≥ 0 holds).
    """
    index = np.flatnonzero(active)
    fov = cameras.fov[index]
    azimuth = cameras.azimuth[index]
    wide = (fov > HALF_CIRCLE) & (fov < FULL_CIRCLE)
    full = fov >= FULL_CIRCLE
    index = np.concatenate([index, index[wide]])
    centre = np.concatenate([np.where(wide, azimuth - fov / 4, azimuth), azimuth[wide] + fov[wide] / 4])
    width = np.concatenate([np.where(wide, fov / 2, fov), fov[wide] / 2])
    full = np.concatenate([full, np.zeros(int(wide.sum()), dtype=bool)])
    left, right = centre - width / 2, centre + width / 2
    lx, ly = bearing_unit(left)
    rx, ry = bearing_unit(right)
    n1 = np.column_stack([ly, -lx])  # clockwise normal of the left ray: towards larger bearings
    n2 = np.column_stack([-ry, rx])  # counter-clockwise normal of the right ray: towards smaller bearings
    n1[full] = 0.0
    n2[full] = 0.0
    return (
        index,
        cameras.x[index],
        cameras.y[index],
        cameras.range_m[index],
        n1,
        n2,
        centre,
        np.where(full, FULL_CIRCLE, width),
    )


def _half_line(n_a, n_d):
    """Where n·(A + tD) ≥ −EPS_M, as t from and to (±inf for a half-line, empty as (inf, −inf))."""
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (-EPS_M - n_a) / n_d
    lo = np.where(n_d > 0, root, -np.inf)
    hi = np.where(n_d < 0, root, np.inf)
    flat = n_d == 0
    lo = np.where(flat, np.where(n_a >= -EPS_M, -np.inf, np.inf), lo)
    hi = np.where(flat, np.where(n_a >= -EPS_M, np.inf, -np.inf), hi)
    return lo, hi


def seen_pieces(lines, cameras: Cameras, *, all_cameras: bool = False, edges=None) -> Seen:
    """The pieces of ``lines`` (shapely LineStrings or (n, 2) arrays, metric) inside the counted cameras' views.

    Counted: the online cameras, or every camera with ``all_cameras`` (the design coverage).
    """
    edges = _edges(lines) if edges is None else edges
    active = np.ones(len(cameras), dtype=bool) if all_cameras else cameras.online.astype(bool)
    empty = np.zeros(0)
    if not len(edges) or not active.any():
        return Seen(empty.astype(int), empty.astype(int), empty, empty, cameras.codes)
    owner, cx, cy, r, n1, n2, centre, width = _halves(cameras, active)
    views = sector_polygons(cx, cy, centre, width, r)
    # Candidates: edges meeting a polygon holding the view (one bulk query; the exact test follows).
    segments = shapely.linestrings(edges[:, [0, 1, 2, 3]].reshape(-1, 2, 2))
    view_index, edge_index = shapely.STRtree(segments).query(views, predicate="intersects")
    e = edges[edge_index]
    ax, ay = e[:, 0] - cx[view_index], e[:, 1] - cy[view_index]
    dx, dy = e[:, 2] - e[:, 0], e[:, 3] - e[:, 1]
    # the disc: |A + tD|² ≤ (r + EPS)²
    a = dx * dx + dy * dy
    b = 2 * (ax * dx + ay * dy)
    c = ax * ax + ay * ay - (r[view_index] + EPS_M) ** 2
    disc = b * b - 4 * a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    lo = np.where(disc >= 0, (-b - root) / (2 * a), np.inf)
    hi = np.where(disc >= 0, (-b + root) / (2 * a), -np.inf)
    for normal in (n1[view_index], n2[view_index]):
        h_lo, h_hi = _half_line(normal[:, 0] * ax + normal[:, 1] * ay, normal[:, 0] * dx + normal[:, 1] * dy)
        lo, hi = np.maximum(lo, h_lo), np.minimum(hi, h_hi)
    lo, hi = np.maximum(lo, 0.0), np.minimum(hi, 1.0)
    keep = hi > lo
    e, lo, hi = e[keep], lo[keep], hi[keep]
    return Seen(
        line=e[:, 6].astype(int),
        camera=owner[view_index[keep]],
        start=e[:, 4] + lo * e[:, 5],
        end=e[:, 4] + hi * e[:, 5],
        codes=cameras.codes,
    )


def merge(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals: overlapping or touching ones become one; sorted."""
    if not len(start):
        return start, end
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    first = np.ones(len(start), dtype=bool)
    first[1:] = start[1:] > reach[:-1]
    runs = np.flatnonzero(first)
    return start[runs], np.maximum.reduceat(end, runs)


def coverage_answer(seen: Seen, line: int, from_m: float, to_m: float, *, pipeline_code=None) -> dict:
    """video.md's answer for the chainage range [from_m, to_m] of line ``line``."""
    mask = (seen.line == line) & (seen.end > from_m) & (seen.start < to_m)
    start = np.clip(seen.start[mask], from_m, to_m)
    end = np.clip(seen.end[mask], from_m, to_m)
    positive = end > start
    cameras = sorted({str(seen.codes[i]) for i in seen.camera[mask][positive]})
    covered_start, covered_end = merge(start[positive], end[positive])
    covered = float((covered_end - covered_start).sum())
    gaps_start = np.concatenate([[from_m], covered_end])
    gaps_end = np.concatenate([covered_start, [to_m]])
    listed = (gaps_end - gaps_start) >= MIN_UNCOVERED_M
    length = to_m - from_m
    return {
        "pipeline_code": pipeline_code,
        "from_m": round(float(from_m), 1),
        "to_m": round(float(to_m), 1),
        "covered_m": round(covered, 1),
        "coverage": round(covered / length, 4) if length > 0 else 0.0,
        "uncovered": [
            [round(float(s), 1), round(float(e), 1)] for s, e in zip(gaps_start[listed], gaps_end[listed], strict=True)
        ],
        "cameras": cameras,
    }


def coverage_answers(lines, ranges, cameras: Cameras, *, all_cameras: bool = False, codes=None) -> list[dict]:
    """One answer per (line index, from_m, to_m) of ``ranges``: the pieces are found once for every line."""
    seen = seen_pieces(lines, cameras, all_cameras=all_cameras)
    order = np.argsort(seen.line, kind="stable")
    sorted_seen = Seen(seen.line[order], seen.camera[order], seen.start[order], seen.end[order], seen.codes)
    bounds = np.searchsorted(sorted_seen.line, np.arange(len(lines) + 1))
    answers = []
    for line, from_m, to_m in ranges:
        lo, hi = bounds[line], bounds[line + 1]
        part = Seen(
            sorted_seen.line[lo:hi],
            sorted_seen.camera[lo:hi],
            sorted_seen.start[lo:hi],
            sorted_seen.end[lo:hi],
            seen.codes,
        )
        answers.append(coverage_answer(part, line, from_m, to_m, pipeline_code=None if codes is None else codes[line]))
    return answers
