"""Rule 6 of patrols.md: the covered chainage of a stretch, exact.

A position of the centreline is covered when it lies within ``w`` of a kept leg, that is inside the leg's
capsule (the segment buffered by ``w``, with round ends). On one straight piece of the centreline
``P(t) = C + t·D`` (0 ≤ t ≤ 1) the capsule, being convex, is entered and left once: the covered part is
one interval of ``t``, the union of three solved exactly — the disc around each end of the leg
(a quadratic in t) and the band along it (two linear constraints). So the covered chainage is computed
from closed forms for every (centreline piece, leg) pair near each other (found with shapely's STRtree),
all as arrays, without approximating circles by polygons nor sampling points.
"""

import numpy as np
import shapely

MIN_PIECE_M = 1.0  # rule 6: uncovered pieces under 1 m are dropped


def centreline_pieces(centreline: shapely.LineString, from_m: float, to_m: float):
    """The straight pieces of the centreline meeting ``[from_m, to_m]``: (starts (n,2), ends (n,2), chainage
    at their start, their lengths)."""
    xy = shapely.get_coordinates(centreline)
    if len(xy) < 2:
        raise ValueError("the centreline has fewer than two points")
    d = np.diff(xy, axis=0)
    lengths = np.hypot(d[:, 0], d[:, 1])
    s0 = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))
    near = (s0 <= to_m) & (s0 + lengths >= from_m) & (lengths > 0)
    return xy[:-1][near], xy[1:][near], s0[near], lengths[near]


def _between(f0, f1, lo, hi):
    """t-interval where ``lo <= f0 + t*f1 <= hi`` (arrays); empty as (inf, -inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (lo - f0) / f1
        b = (hi - f0) / f1
    t0, t1 = np.minimum(a, b), np.maximum(a, b)
    flat = f1 == 0
    inside = (f0 >= lo) & (f0 <= hi)
    t0 = np.where(flat, np.where(inside, -np.inf, np.inf), t0)
    t1 = np.where(flat, np.where(inside, np.inf, -np.inf), t1)
    return t0, t1


def _in_disc(c, d, centre, w):
    """t-interval where ``|c + t*d - centre| <= w``; empty as (inf, -inf). d is never zero."""
    p = c - centre
    a = np.einsum("ij,ij->i", d, d)
    b = 2 * np.einsum("ij,ij->i", d, p)
    cc = np.einsum("ij,ij->i", p, p) - w * w
    disc = b * b - 4 * a * cc
    root = np.sqrt(np.maximum(disc, 0))
    ok = disc >= 0
    return np.where(ok, (-b - root) / (2 * a), np.inf), np.where(ok, (-b + root) / (2 * a), -np.inf)


def capsule_intervals(c, d, a, b, w):
    """For pieces ``c + t*d`` and legs ``a→b`` (arrays of rows), the t-interval within ``w`` of the leg."""
    lo0, hi0 = _in_disc(c, d, a, w)
    lo1, hi1 = _in_disc(c, d, b, w)
    e = b - a
    ee = np.einsum("ij,ij->i", e, e)
    elen = np.sqrt(ee)
    p = c - a
    with np.errstate(divide="ignore", invalid="ignore"):
        # Position along the leg (0..1) and signed distance across it, both linear in t.
        u0, u1 = np.einsum("ij,ij->i", p, e) / ee, np.einsum("ij,ij->i", d, e) / ee
        h0 = (e[:, 0] * p[:, 1] - e[:, 1] * p[:, 0]) / elen
        h1 = (e[:, 0] * d[:, 1] - e[:, 1] * d[:, 0]) / elen
    ua, ub = _between(u0, u1, 0.0, 1.0)
    ha, hb = _between(h0, h1, -w, w)
    lo2, hi2 = np.maximum(ua, ha), np.minimum(ub, hb)
    band = (ee > 0) & (lo2 <= hi2)
    lo2, hi2 = np.where(band, lo2, np.inf), np.where(band, hi2, -np.inf)
    lo = np.clip(np.minimum(np.minimum(lo0, lo1), lo2), 0.0, 1.0)
    hi = np.clip(np.maximum(np.maximum(hi0, hi1), hi2), 0.0, 1.0)
    return lo, hi


def merge_intervals(start, end):
    """Union of closed intervals, sorted and disjoint (touching ones merge)."""
    if not len(start):
        return np.empty(0), np.empty(0)
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    runmax = np.maximum.accumulate(end)
    brk = np.concatenate(([True], start[1:] > runmax[:-1]))
    first = np.flatnonzero(brk)
    last = np.concatenate((first[1:], [len(start)])) - 1
    return start[first], runmax[last]


def legs_tree(legs_xy: np.ndarray) -> shapely.STRtree:
    """An STRtree of the legs (n, 2, 2) as line strings, shared by coverage and checkpoints."""
    return shapely.STRtree(shapely.linestrings(legs_xy))


def covered_intervals(
    *, centreline: shapely.LineString, from_m: float, to_m: float, legs_xy: np.ndarray, width_m, tree=None
):
    """Covered chainage of ``[from_m, to_m]`` by the legs ``legs_xy`` (n, 2, 2), merged: (starts, ends).

    ``tree``: ``legs_tree(legs_xy)`` if already built.
    """
    c0, c1, s0, lengths = centreline_pieces(centreline, from_m, to_m)
    if not len(legs_xy) or not len(c0):
        return np.empty(0), np.empty(0)
    tree = tree if tree is not None else legs_tree(legs_xy)
    # Candidate pairs: the legs whose box meets a piece's box grown by the width (a cheap superset: the
    # closed forms below decide exactly, and give an empty interval to a pair that is too far).
    pad = width_m + 1e-6
    low, high = np.minimum(c0, c1) - pad, np.maximum(c0, c1) + pad
    piece_i, leg_i = tree.query(shapely.box(low[:, 0], low[:, 1], high[:, 0], high[:, 1]))
    if not len(leg_i):
        return np.empty(0), np.empty(0)
    c = c0[piece_i]
    d = c1[piece_i] - c
    lo, hi = capsule_intervals(c, d, legs_xy[leg_i, 0], legs_xy[leg_i, 1], width_m)
    ok = lo <= hi
    start = np.clip(s0[piece_i] + lo * lengths[piece_i], from_m, to_m)[ok]
    end = np.clip(s0[piece_i] + hi * lengths[piece_i], from_m, to_m)[ok]
    return merge_intervals(start, end)


def uncovered_ranges(from_m: float, to_m: float, cov_start, cov_end, min_piece_m: float | None = None):
    """The complement of the covered intervals inside ``[from_m, to_m]``, pieces under ``min_piece_m``
    (default MIN_PIECE_M) dropped: (starts, ends)."""
    min_piece_m = MIN_PIECE_M if min_piece_m is None else min_piece_m
    bounds_start = np.concatenate(([from_m], cov_end))
    bounds_end = np.concatenate((cov_start, [to_m]))
    keep = bounds_end - bounds_start >= min_piece_m
    return bounds_start[keep], bounds_end[keep]
