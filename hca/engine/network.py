"""Pipelines as arrays of straight segments with their chainage, and the
closed-form interval arithmetic the fast path is built on.

Every function here answers, for pairs of (feature piece, pipeline
segment): which stretch ``[s0, s1]`` of the segment, measured from the
segment's start, lies within distance D of the piece. Stretches are then
moved to the pipeline's chainage with the segment's start chainage.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely

EPS = 1e-9


@dataclass
class Network:
    a: np.ndarray  # (m, 2) segment start
    b: np.ndarray  # (m, 2) segment end
    length: np.ndarray  # (m,)
    c0: np.ndarray  # (m,) chainage of the segment start
    pipe: np.ndarray  # (m,) index of the pipeline
    geoms: np.ndarray  # (m,) shapely LineStrings
    tree: shapely.STRtree
    pipe_length: np.ndarray  # (n,) length of each pipeline
    # The ends and the unit direction as x and y columns, for arithmetic on contiguous 1-D arrays.
    ax: np.ndarray = field(init=False)
    ay: np.ndarray = field(init=False)
    bx: np.ndarray = field(init=False)
    by: np.ndarray = field(init=False)
    ux: np.ndarray = field(init=False)
    uy: np.ndarray = field(init=False)

    def __post_init__(self):
        self.ax, self.ay = np.ascontiguousarray(self.a.T)
        self.bx, self.by = np.ascontiguousarray(self.b.T)
        self.ux, self.uy = np.ascontiguousarray(self.unit.T)

    @cached_property
    def unit(self) -> np.ndarray:
        return (self.b - self.a) / self.length[:, None]

    @cached_property
    def has_next(self) -> np.ndarray:
        """Whether the next segment continues the same pipeline from this one's end."""
        out = np.zeros(len(self.pipe), bool)
        out[:-1] = (self.pipe[1:] == self.pipe[:-1]) & (self.a[1:] == self.b[:-1]).all(axis=1)
        return out


def network_build(lines) -> Network:
    """Split LineStrings into their straight segments (zero-length ones dropped)."""
    lines = np.asarray(lines, dtype=object)
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    a, b, pipe = coords[:-1][same], coords[1:][same], idx[:-1][same]
    length = np.hypot(*(b - a).T)
    # chainage: cumulative length within each pipeline
    cum = np.cumsum(length)
    starts = np.searchsorted(pipe, np.arange(len(lines)), side="left")
    first_cum = np.concatenate([[0.0], cum])[starts]
    c0 = np.concatenate([[0.0], cum[:-1]]) - first_cum[pipe]
    pipe_length = np.bincount(pipe, weights=length, minlength=len(lines))
    keep = length > EPS
    a, b, length, c0, pipe = a[keep], b[keep], length[keep], c0[keep], pipe[keep]
    geoms = shapely.linestrings(np.stack([a, b], axis=1)) if len(a) else np.empty(0, dtype=object)
    return Network(a, b, length, c0, pipe, geoms, shapely.STRtree(geoms), pipe_length)


def norm(x, y):
    """sqrt(x² + y²), row-wise. np.hypot also guards against overflow, which
    coordinates in metres cannot reach, at eight times the cost."""
    return np.sqrt(x * x + y * y)


def disc_interval(px, py, ax, ay, ux, uy, length, d):
    """Stretch of each segment within ``d`` of the point (px, py); the
    segment starts at (ax, ay) in the unit direction (ux, uy). All arrays
    row-wise, as x and y columns."""
    rx, ry = px - ax, py - ay
    t = rx * ux + ry * uy
    h = rx * uy - ry * ux  # signed distance from the segment's line
    w2 = d * d - h * h
    ok = w2 >= -EPS
    w = np.sqrt(np.maximum(w2, 0.0))
    s0 = np.maximum(t - w, 0.0)
    s1 = np.minimum(t + w, length)
    ok &= s0 <= s1 + EPS
    return s0, np.maximum(s1, s0), ok


def _slab(a, b, lo, hi):
    """{s : lo <= a + b s <= hi} as (start, end, ok); unbounded ends are ±inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = (lo - a) / b
        r2 = (hi - a) / b
    flat = np.abs(b) < EPS
    start = np.where(flat, -np.inf, np.minimum(r1, r2))
    end = np.where(flat, np.inf, np.maximum(r1, r2))
    ok = ~flat | ((a >= lo - EPS) & (a <= hi + EPS))
    return start, end, ok


def capsule_interval(qx, qy, rx, ry, ax, ay, ux, uy, length, d):
    """Stretch of each segment within ``d`` of the edge (qx, qy)-(rx, ry).

    The set of points within d of an edge (a capsule) is convex, so its
    intersection with the segment is one interval: the hull of the parts
    inside the two end discs and the rectangle between them.
    """
    s0q, s1q, okq = disc_interval(qx, qy, ax, ay, ux, uy, length, d)
    s0r, s1r, okr = disc_interval(rx, ry, ax, ay, ux, uy, length, d)
    ex, ey = rx - qx, ry - qy
    elen = norm(ex, ey)
    has_len = elen > EPS
    scale = np.where(has_len, 1.0 / np.where(has_len, elen, 1.0), 0.0)
    vx, vy = ex * scale, ey * scale  # the edge's direction (0 for a point-like edge)
    gx, gy = ax - qx, ay - qy
    # along the edge: 0 <= (g + u s)·v <= elen; across it: -d <= (g + u s)·n <= d, n = (-vy, vx)
    al_s, al_e, al_ok = _slab(gx * vx + gy * vy, ux * vx + uy * vy, 0.0, elen)
    ac_s, ac_e, ac_ok = _slab(gy * vx - gx * vy, uy * vx - ux * vy, -d, d)
    s0m = np.maximum(np.maximum(al_s, ac_s), 0.0)
    s1m = np.minimum(np.minimum(al_e, ac_e), length)
    okm = has_len & al_ok & ac_ok & (s0m <= s1m + EPS)
    big = np.inf
    start = np.minimum(np.minimum(np.where(okq, s0q, big), np.where(okr, s0r, big)), np.where(okm, s0m, big))
    end = np.maximum(np.maximum(np.where(okq, s1q, -big), np.where(okr, s1r, -big)), np.where(okm, s1m, -big))
    ok = okq | okr | okm
    return np.where(ok, start, 0.0), np.where(ok, np.maximum(end, start), 0.0), ok


def line_pieces(pieces) -> list[shapely.LineString]:
    """The part of each line between two chainages: ``pieces`` holds
    (line, start, end) triples; lines met again reuse their cumulative lengths."""
    cache = {}
    out = []
    for line, start, end in pieces:
        if id(line) not in cache:
            xy = shapely.get_coordinates(line)
            cache[id(line)] = (line, xy, np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T)))))
        _line, xy, cum = cache[id(line)]
        start, end = max(float(start), 0.0), min(float(end), float(cum[-1]))
        inner = np.flatnonzero((cum > start) & (cum < end))
        ends = np.interp([start, end], cum, xy[:, 0]), np.interp([start, end], cum, xy[:, 1])
        coords = np.vstack(([ends[0][0], ends[1][0]], xy[inner], [ends[0][1], ends[1][1]]))
        out.append(shapely.LineString(coords))
    return out
