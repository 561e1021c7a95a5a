"""Location class (地区等级, GB 50251-2015 §4.2; 49 CFR 192.5) by a sliding
window along the pipeline over the buildings near it."""

from dataclasses import dataclass

import numpy as np

# Chainages computed along different paths (a segment's start plus an offset, or
# the pipeline's total length) agree only to about 1e-9 m.
TOLERANCE_M = 1e-6


@dataclass
class ClassRegion:
    start: float
    end: float
    count: int  # the most households (or buildings) in one window of the region
    building_index: np.ndarray  # indices of the buildings counted


def class_regions(
    chain: np.ndarray,
    weight: np.ndarray,
    tall: np.ndarray,
    *,
    length: float,
    window: float,
    extend: float,
    minimum: float,
    want_class4: bool,
    class4_floors: bool,
) -> list[ClassRegion]:
    """Regions of windows that qualify.

    ``chain``: chainage of each building's nearest point (buildings within
    the corridor only); ``weight``: households (or 1 per building);
    ``tall``: whether the building has enough floors for class 4.
    A window anchored at each building covers [c, c + window]; any window
    is dominated by one anchored at its first building. With
    ``want_class4`` the windows kept are those where tall buildings hold
    more than half the weight; otherwise the others (when ``class4_floors``
    says a class-4 rule exists) or all qualifying windows.
    """
    if not len(chain):
        return []
    order = np.argsort(chain, kind="stable")
    c, w, t = chain[order], weight[order].astype(float), tall[order]
    cw = np.concatenate(([0.0], np.cumsum(w)))
    ct = np.concatenate(([0.0], np.cumsum(w * t)))
    i = np.arange(len(c))
    j = np.searchsorted(c, c + window + 1e-9, side="right")
    total = cw[j] - cw[i]
    tall_total = ct[j] - ct[i]
    qualifies = total >= minimum
    is4 = 2 * tall_total > total
    if want_class4:
        qualifies &= is4
    elif class4_floors:
        qualifies &= ~is4
    anchors = np.flatnonzero(qualifies)
    if not len(anchors):
        return []
    lo = np.maximum(c[anchors] - extend, 0.0)
    hi = np.minimum(c[j[anchors] - 1] + extend, length)
    counted = np.zeros(len(c) + 1, int)
    np.add.at(counted, anchors, 1)
    np.add.at(counted, j[anchors], -1)
    counted = np.cumsum(counted)[:-1] > 0
    # Windows overlap into regions (anchors come in chainage order, so ``lo`` is sorted).
    runmax = np.maximum.accumulate(hi)
    first = np.flatnonzero(np.concatenate(([True], lo[1:] > runmax[:-1])))
    last = np.concatenate((first[1:], [len(lo)])) - 1
    counts = np.maximum.reduceat(total[anchors], first)
    counted_at = np.flatnonzero(counted)
    regions = []
    starts = np.searchsorted(c[counted_at], lo[first] - TOLERANCE_M, side="left")
    stops = np.searchsorted(c[counted_at], runmax[last] + TOLERANCE_M, side="right")
    for a, b, n, i0, i1 in zip(lo[first], runmax[last], counts, starts, stops, strict=True):
        regions.append(ClassRegion(float(a), float(b), round(float(n)), order[counted_at[i0:i1]]))
    return regions
