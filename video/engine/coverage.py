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


def _edges(lines, ranges=None):
    """Straight edges of every line: (x0, y0, x1, y1, chainage at the start, length, line index).

    With ``ranges`` ((line, from_m, to_m) …), only the edges that overlap one of them.
    """
    wanted = None
    if ranges is not None:
        wanted = {}
        for line, from_m, to_m in ranges:
            wanted.setdefault(line, []).append((from_m, to_m))
    parts = []
    for index, line in enumerate(lines):
        if wanted is not None and index not in wanted:
            continue
        coords = np.asarray(shapely.get_coordinates(line) if not isinstance(line, np.ndarray) else line, dtype=float)
        if len(coords) < 2:
            continue
        steps = np.hypot(*np.diff(coords, axis=0).T)
        chainage = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
        part = np.column_stack([coords[:-1], coords[1:], chainage, steps, np.full(len(steps), index, dtype=float)])
        if wanted is not None:
            keep = np.zeros(len(part), dtype=bool)
            for from_m, to_m in wanted[index]:
                keep |= (chainage + steps >= from_m) & (chainage <= to_m)
            part = part[keep]
        parts.append(part)
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


def seen_pieces(lines, cameras: Cameras, *, all_cameras: bool = False, ranges=None) -> Seen:
    """The pieces of ``lines`` (shapely LineStrings or (n, 2) arrays, metric) inside the counted cameras' views.

    Counted: the online cameras, or every camera with ``all_cameras`` (the design coverage). With ``ranges``
    ((line, from_m, to_m) …), only the edges overlapping them are looked at.
    """
    edges = _edges(lines, ranges)
    active = np.ones(len(cameras), dtype=bool) if all_cameras else cameras.online.astype(bool)
    empty = np.zeros(0)
    if not len(edges) or not active.any():
        return Seen(empty.astype(int), empty.astype(int), empty, empty, cameras.codes)
    owner, cx, cy, r, n1, n2, _centre, _width = _halves(cameras, active)
    # Candidates: edges whose box meets the box of the view's circle (one bulk query; the exact test follows).
    boxes = shapely.box(cx - r, cy - r, cx + r, cy + r)
    segments = shapely.linestrings(edges[:, [0, 1, 2, 3]].reshape(-1, 2, 2))
    view_index, edge_index = shapely.STRtree(segments).query(boxes)
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


def merge_runs(which, start, end, r_from):
    """Union of the intervals of each range: overlapping or touching ones become one run.

    Sorted by range then start; a running end (np.maximum.accumulate, shifted by a multiple of a span wider
    than any range so that it restarts with each range) tells where a new run begins.
    Returns (range, start, end) of the runs, sorted.
    """
    if not len(which):
        return which, start, end
    order = np.lexsort((start, which))
    which, start, end = which[order], start[order], end[order]
    span = float(max(np.max(end - r_from[which]), 1.0)) * 4
    base = (which - which.min()) * span
    reach = np.maximum.accumulate(end - r_from[which] + base) - base + r_from[which]
    new = np.ones(len(which), dtype=bool)
    new[1:] = (which[1:] != which[:-1]) | (start[1:] > reach[:-1])
    runs = np.flatnonzero(new)
    return which[runs], start[runs], np.maximum.reduceat(end, runs)


def coverage_answer(seen: Seen, line: int, from_m: float, to_m: float, *, pipeline_code=None) -> dict:
    """video.md's answer for the chainage range [from_m, to_m] of line ``line``."""
    codes = None if pipeline_code is None else {line: pipeline_code}
    return _answers(seen, [(line, from_m, to_m)], codes)[0]


def coverage_answers(lines, ranges, cameras: Cameras, *, all_cameras: bool = False, codes=None) -> list[dict]:
    """One answer per (line index, from_m, to_m) of ``ranges``: the pieces are found once for every line."""
    ranges = list(ranges)
    return _answers(seen_pieces(lines, cameras, all_cameras=all_cameras, ranges=ranges), ranges, codes)


def coverage_answers_both(lines, ranges, cameras: Cameras, *, codes=None) -> tuple[list[dict], list[dict]]:
    """(online answers, design answers) of ``ranges``, the pieces found once for every camera."""
    ranges = list(ranges)
    seen = seen_pieces(lines, cameras, all_cameras=True, ranges=ranges)
    online = cameras.online.astype(bool)[seen.camera] if len(seen.camera) else np.zeros(0, dtype=bool)
    seen_online = Seen(seen.line[online], seen.camera[online], seen.start[online], seen.end[online], seen.codes)
    return _answers(seen_online, ranges, codes), _answers(seen, ranges, codes)


def _answers(seen: Seen, ranges, codes) -> list[dict]:
    """The answers of all ``ranges`` at once: pieces joined to the ranges of their line, clipped, merged per
    range (sorted by range then start, a running end per range), gaps listed when at least MIN_UNCOVERED_M."""
    count = len(ranges)
    if not count:
        return []
    r_line = np.array([r[0] for r in ranges], dtype=int)
    r_from = np.array([r[1] for r in ranges], dtype=float)
    r_to = np.array([r[2] for r in ranges], dtype=float)
    order = np.argsort(seen.line, kind="stable")
    p_line, p_camera, p_start, p_end = seen.line[order], seen.camera[order], seen.start[order], seen.end[order]
    lines = int(max(r_line.max(), p_line.max() if len(p_line) else 0)) + 2
    bounds = np.searchsorted(p_line, np.arange(lines))
    first, per = bounds[r_line], bounds[r_line + 1] - bounds[r_line]
    which = np.repeat(np.arange(count), per)  # the range of each (range, piece) pair
    piece = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per) + np.repeat(first, per)
    start = np.clip(p_start[piece], r_from[which], r_to[which])
    end = np.clip(p_end[piece], r_from[which], r_to[which])
    keep = end > start
    which, start, end, camera = which[keep], start[keep], end[keep], p_camera[piece][keep]
    seen_by = [set() for _ in range(count)]
    for r, c in set(zip(which.tolist(), camera.tolist(), strict=True)):
        seen_by[r].add(str(seen.codes[c]))
    run_range, run_start, run_end = merge_runs(which, start, end, r_from)
    covered = np.bincount(run_range, weights=run_end - run_start, minlength=count)
    # gaps: before each run (from the range's start or the previous run's end), and after the last run
    first_run = np.ones(len(run_range), dtype=bool)
    first_run[1:] = run_range[1:] != run_range[:-1]
    gap_start = np.where(first_run, r_from[run_range], np.concatenate([[0.0], run_end[:-1]]))
    last = np.full(count, np.nan)
    last[run_range] = run_end  # the last run of each range wins (runs are sorted)
    tail_start = np.where(np.isnan(last), r_from, last)
    g_range = np.concatenate([run_range, np.arange(count)])
    g_start = np.concatenate([gap_start, tail_start])
    g_end = np.concatenate([run_start, r_to])
    listed = (g_end - g_start) >= MIN_UNCOVERED_M
    g_range, g_start, g_end = g_range[listed], g_start[listed], g_end[listed]
    g_order = np.lexsort((g_start, g_range))
    gaps = [[] for _ in range(count)]
    for r, a, b in zip(
        g_range[g_order].tolist(),
        np.round(g_start[g_order], 1).tolist(),
        np.round(g_end[g_order], 1).tolist(),
        strict=True,
    ):
        gaps[r].append([a, b])
    length = r_to - r_from
    share = np.where(length > 0, covered / np.where(length > 0, length, 1.0), 0.0)
    return [
        {
            "pipeline_code": None if codes is None else codes[line],
            "from_m": a,
            "to_m": b,
            "covered_m": c,
            "coverage": s,
            "uncovered": gaps[i],
            "cameras": sorted(seen_by[i]),
        }
        for i, (line, a, b, c, s) in enumerate(
            zip(
                r_line.tolist(),
                np.round(r_from, 1).tolist(),
                np.round(r_to, 1).tolist(),
                np.round(covered, 1).tolist(),
                np.round(share, 4).tolist(),
                strict=True,
            )
        )
    ]
