"""Interval bookkeeping along a pipeline: unions, sweeps, subtraction."""

import numpy as np

TOUCH_M = 1e-6  # stretches closer than this are touching and merge


def union_by_key(key, start, end):
    """Union of the intervals of each key; returns (key, start, end) sorted."""
    if not len(key):
        return key, start, end
    order = np.lexsort((start, key))
    key, start, end = key[order], start[order], end[order]
    new_key = np.concatenate(([True], key[1:] != key[:-1]))
    # running maximum of the end within each key
    runmax = np.empty(len(key))
    for g0, g1 in _runs(new_key):
        runmax[g0:g1] = np.maximum.accumulate(end[g0:g1])
    prev = np.concatenate(([-np.inf], runmax[:-1]))
    brk = new_key | (start > prev + TOUCH_M)
    first = np.flatnonzero(brk)
    last = np.concatenate((first[1:], [len(key)])) - 1
    return key[first], start[first], runmax[last]


def _runs(flags):
    starts = np.flatnonzero(flags)
    ends = np.concatenate((starts[1:], [len(flags)]))
    return zip(starts, ends, strict=True)


def coverage_at_least(start, end, k):
    """Stretches covered by at least ``k`` of the closed intervals."""
    if len(start) < k or k <= 0:
        return np.empty(0), np.empty(0)
    pos = np.concatenate([start, end])
    step = np.concatenate([np.ones(len(start), int), -np.ones(len(end), int)])
    order = np.lexsort((-step, pos))  # at one position, openings before closings
    pos, cum = pos[order], np.cumsum(step[order])
    above = cum >= k
    prev = np.r_[False, above[:-1]]
    return pos[above & ~prev], pos[~above & prev]


def subtract_merged(start: float, end: float, cut_start, cut_end) -> list[tuple[float, float]]:
    """Parts of [start, end] outside the sorted, disjoint cuts [cut_start, cut_end]."""
    out = []
    cur = start
    for a, b in zip(cut_start, cut_end, strict=True):
        if b < cur or a > end:
            continue
        if a > cur:
            out.append((cur, min(a, end)))
        cur = max(cur, b)
        if cur >= end:
            break
    if cur < end:
        out.append((cur, end))
    return out


def groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a sorted key: where each run of equal values starts, and each row's run."""
    new = np.empty(len(key), bool)
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    return np.flatnonzero(new), np.cumsum(new) - 1
