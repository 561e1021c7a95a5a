"""Location class (地区等级, GB 50251-2015 §4.2; 49 CFR 192.5) by a sliding
window along each pipeline over the buildings near it.

All pipelines at once: the buildings near them are rows ordered by
(pipeline, chainage), so each pipeline's rows are one run, and every
window, count and region is computed for all runs together."""

from dataclasses import dataclass

import numpy as np

# Chainages computed along different paths (a segment's start plus an offset, or
# the pipeline's total length) agree only to about 1e-9 m.
TOLERANCE_M = 1e-6
# A building exactly one window length after another is inside its window.
WINDOW_SLACK_M = 1e-9


@dataclass
class ClassRegion:
    pipe: int  # index of the pipeline
    start: float
    end: float
    count: int  # the most households (or buildings) in one window of the region
    feat: np.ndarray  # the buildings counted (indices into the layer)


@dataclass
class WindowRows:
    """Buildings near the pipelines, ordered by (pipeline, chainage), with
    the window anchored at each: it holds rows ``row .. window_end - 1``."""

    pipe: np.ndarray
    feat: np.ndarray
    chain: np.ndarray
    run_start: np.ndarray  # (n_pipelines + 1,): where each pipeline's rows start
    window_end: np.ndarray


def window_rows(pipe, feat, chain, *, n_pipelines: int, window: float) -> WindowRows:
    """``pipe``, ``feat``, ``chain``: each building's nearest point on each
    pipeline within the corridor; rows are ordered by pipeline, chainage,
    then feature. A window anchored at a building covers
    [c, c + window]; any window is dominated by one anchored at its first
    building."""
    order = np.lexsort((feat, chain, pipe))
    pipe, feat, chain = pipe[order], feat[order], chain[order]
    run_start = np.searchsorted(pipe, np.arange(n_pipelines + 1))
    return WindowRows(pipe, feat, chain, run_start, _window_end(pipe, chain, run_start, window))


def _window_end(pipe, chain, run_start, window):
    """For each row, the first row of its own pipeline beyond ``chain + window``.

    One searchsorted over all pipelines, each shifted by a multiple of a
    stride longer than any pipeline. Shifting rounds the chainages to a few
    nanometres; rounding keeps their order, so the search never stops short,
    but it may take in rows just past the target, which are then given back
    on the true values."""
    n = len(chain)
    if not n:
        return np.zeros(0, int)
    row = np.arange(n)
    run_end = run_start[pipe + 1]
    target = chain + window + WINDOW_SLACK_M
    stride = 2.0 ** np.ceil(np.log2(float(target.max()) + 1.0))
    shift = pipe * stride
    end = np.searchsorted(chain + shift, target + shift, side="right")
    end = np.clip(end, row + 1, run_end)
    while True:  # the last row taken lies beyond the target: give it back
        less = end > row + 1
        less[less] = chain[end[less] - 1] > target[less]
        if not less.any():
            break
        end[less] -= 1
    return end


def class_regions(
    rows: WindowRows,
    weight: np.ndarray,
    tall: np.ndarray,
    *,
    lengths: np.ndarray,
    applies: np.ndarray,
    extend: float,
    minimum: float,
    want_class4: bool,
    class4_floors: bool,
) -> list[ClassRegion]:
    """Regions of windows that qualify, on the pipelines ``applies`` selects.

    ``weight``: households (or 1 per building) by row; ``tall``: whether
    the row's building has enough floors for class 4. With ``want_class4``
    the windows kept are those where tall buildings hold more than half the
    weight; otherwise the others (when ``class4_floors`` says a class-4 rule
    exists) or all qualifying windows. A region runs from ``extend`` before
    its first window to ``extend`` after its last, within the pipeline.
    """
    n = len(rows.chain)
    if not n:
        return []
    c, end, pipe = rows.chain, rows.window_end, rows.pipe
    w = weight.astype(float)
    # Prefix sums over all rows: windows never leave their pipeline's run.
    cw = np.concatenate(([0.0], np.cumsum(w)))
    ct = np.concatenate(([0.0], np.cumsum(w * tall)))
    row = np.arange(n)
    total = cw[end] - cw[row]
    tall_total = ct[end] - ct[row]
    qualifies = (total >= minimum) & applies[pipe]
    is4 = 2 * tall_total > total
    if want_class4:
        qualifies &= is4
    elif class4_floors:
        qualifies &= ~is4
    anchors = np.flatnonzero(qualifies)
    if not len(anchors):
        return []
    anchor_pipe = pipe[anchors]
    lo = np.maximum(c[anchors] - extend, 0.0)
    hi = np.minimum(c[end[anchors] - 1] + extend, lengths[anchor_pipe])
    # Rows inside at least one qualifying window.
    depth = np.bincount(anchors, minlength=n + 1) - np.bincount(end[anchors], minlength=n + 1)
    counted_at = np.flatnonzero(np.cumsum(depth)[:-1] > 0)
    # Windows overlap into regions: anchors come by pipeline, then chainage,
    # so ``lo`` is sorted within each pipeline; a running maximum of ``hi``
    # per pipeline tells where a region ends.
    new_pipe = np.r_[True, anchor_pipe[1:] != anchor_pipe[:-1]]
    runmax = np.empty(len(anchors))
    firsts = np.flatnonzero(new_pipe)
    for a, b in zip(firsts, np.r_[firsts[1:], len(anchors)], strict=True):
        runmax[a:b] = np.maximum.accumulate(hi[a:b])
    first = np.flatnonzero(new_pipe | (lo > np.r_[-np.inf, runmax[:-1]]))
    last = np.r_[first[1:], len(anchors)] - 1
    counts = np.maximum.reduceat(total[anchors], first)
    regions = []
    counted_pipe = pipe[counted_at]
    for f, la, count in zip(first, last, counts, strict=True):
        k = int(anchor_pipe[f])
        a, b = float(lo[f]), float(runmax[la])
        run = slice(*np.searchsorted(counted_pipe, [k, k + 1]))
        here = c[counted_at[run]]
        i0 = np.searchsorted(here, a - TOLERANCE_M, side="left")
        i1 = np.searchsorted(here, b + TOLERANCE_M, side="right")
        regions.append(ClassRegion(k, a, b, round(float(count)), rows.feat[counted_at[run][i0:i1]]))
    return regions
