"""Rules 1 to 5 of patrols.md: fixes sorted, filtered and deduplicated; legs; gaps; overspeed; kept legs."""

from dataclasses import dataclass

import numpy as np

ACCURACY_LIMIT_M = 50.0  # rule 1: fixes with an accuracy worse (larger) than this are dropped
GAP_SECONDS = 120.0  # rule 3: a leg lasting more than this is a gap
GAP_LENGTH_M = 300.0  # rule 3: a leg longer than this is a gap
# Rule 4: speed limits by mode, km/h (the same as patrols.choices.SPEED_LIMIT_KMH; a test checks it).
SPEED_LIMIT_KMH: dict[str, float] = {"walk": 10.0, "bicycle": 25.0, "vehicle": 60.0, "drone": 60.0}


@dataclass(frozen=True)
class Legs:
    """The fixes kept by rule 1 (sorted by device then time) and the legs between consecutive fixes.

    Leg ``i`` runs from fix ``start[i]`` to fix ``start[i] + 1`` (both of one device).
    """

    t: np.ndarray  # fix times, seconds
    x: np.ndarray
    y: np.ndarray
    device: np.ndarray
    start: np.ndarray  # index of each leg's first fix
    seconds: np.ndarray
    length_m: np.ndarray
    speed_kmh: np.ndarray
    gap: np.ndarray  # rule 3
    overspeed: np.ndarray  # rule 4
    kept: np.ndarray  # rule 5

    @property
    def coords(self) -> np.ndarray:
        """(n_legs, 2, 2): each leg's two ends."""
        a, b = self.start, self.start + 1
        return np.stack([np.column_stack([self.x[a], self.y[a]]), np.column_stack([self.x[b], self.y[b]])], axis=1)


def _floats(values, n) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    return np.asarray(values, dtype=float).reshape(-1)


def legs_build(*, times, x, y, mode: str, accuracy=None, device=None) -> Legs:
    """Rules 1 to 5 on arrays of fixes (times in seconds, x/y in metres, accuracy in metres or NaN).

    ``device`` (any comparable codes, optional) keeps the fixes of several devices apart: a leg joins two
    consecutive fixes of one device, and a duplicate is a second fix of one device at one time. A fix without
    an accuracy (NaN) is kept. Fixes are filtered first, then deduplicated (the first of equal fixes stays).
    """
    if mode not in SPEED_LIMIT_KMH:
        raise ValueError(f"unknown mode {mode!r}")
    t = np.asarray(times, dtype=float).reshape(-1)
    n = len(t)
    x, y, acc = _floats(x, n), _floats(y, n), _floats(accuracy, n)
    dev = np.zeros(n, dtype=np.int64) if device is None else np.asarray(device).reshape(-1)
    if not (len(x) == len(y) == len(acc) == len(dev) == n):
        raise ValueError("times, x, y, accuracy and device must have the same length")
    # Rule 1: worse than 50 m is dropped (exactly 50 m is kept; no accuracy is kept).
    good = ~(acc > ACCURACY_LIMIT_M) & np.isfinite(t) & np.isfinite(x) & np.isfinite(y)
    t, x, y, dev = t[good], x[good], y[good], dev[good]
    order = np.lexsort((t, dev))  # stable: equal fixes keep their input order
    t, x, y, dev = t[order], x[order], y[order], dev[order]
    # Rule 1: duplicates (same device and time) count once.
    if len(t):
        first = np.concatenate(([True], (t[1:] != t[:-1]) | (dev[1:] != dev[:-1])))
        t, x, y, dev = t[first], x[first], y[first], dev[first]
    # Rule 2: consecutive fixes (of one device) form legs.
    start = np.flatnonzero(dev[1:] == dev[:-1]) if len(t) > 1 else np.empty(0, dtype=np.int64)
    seconds = t[start + 1] - t[start]
    length = np.hypot(x[start + 1] - x[start], y[start + 1] - y[start])
    speed = length / seconds * 3.6  # seconds > 0: duplicates are gone
    gap = (seconds > GAP_SECONDS) | (length > GAP_LENGTH_M)  # rule 3
    overspeed = speed > SPEED_LIMIT_KMH[mode]  # rule 4
    kept = ~gap & ~overspeed  # rule 5
    return Legs(t, x, y, dev, start, seconds, length, speed, gap, overspeed, kept)
