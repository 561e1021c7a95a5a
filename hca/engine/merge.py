"""Rule results as chunks of stretches, merged per pipeline into segments
with the highest grade and every reason."""

import numpy as np

from hca.engine.features import Intervals
from hca.engine.intervals import TOUCH_M, subtract_merged, union_by_key
from hca.engine.types import Layer, PipelineGeom, Reason, Rule, Segment

MIN_SEGMENT_M = 0.01  # a feature exactly at the limit touches the line at one point: no segment
# Stretches shorter than this are rounding left-overs (an end computed along another path than the
# pipeline's length differs from it by ~1e-10 m): dropped before they can lend a rule to a segment.
MIN_STRETCH_M = 0.001


def clip_to(lengths, pipe, start, end):
    """Ends clipped to [0, the pipeline's length], the one way every stretch and cut is clipped:
    an end within MIN_STRETCH_M of either is put on it, however it was computed."""
    limit = lengths[pipe]

    def clip(x):
        x = np.clip(x, 0.0, limit)
        x[x < MIN_STRETCH_M] = 0.0
        near_end = x > limit - MIN_STRETCH_M
        x[near_end] = limit[near_end]
        return x

    return clip(np.array(start, dtype=float)), clip(np.array(end, dtype=float))


class Chunk:
    """Stretches found by one rule: pipeline index, from, to, reason."""

    def __init__(self, rule: Rule, pipe, start, end, reasons):
        self.rule = rule
        self.pipe = list(pipe)
        self.start = list(start)
        self.end = list(end)
        self.reasons = list(reasons)

    @classmethod
    def new(cls, rule: Rule) -> "Chunk":
        return cls(rule, [], [], [], [])

    @classmethod
    def from_features(cls, rule: Rule, layer: Layer, found: Intervals) -> "Chunk":
        feats, inverse = np.unique(found.feat, return_inverse=True)
        table = [
            Reason(rule.code, layer.name, str(layer.ids[f]), str(layer.names[f]) if len(layer.names) else "")
            for f in feats
        ]
        reasons = np.empty(len(table), dtype=object)
        reasons[:] = table
        return cls(rule, found.pipe, found.start, found.end, reasons[inverse].tolist())

    def add(self, pipe, start, end, reason):
        self.pipe.append(pipe)
        self.start.append(start)
        self.end.append(end)
        self.reasons.append(reason)

    def extend(self, other: "Chunk") -> "Chunk":
        return Chunk(
            self.rule,
            self.pipe + other.pipe,
            self.start + other.start,
            self.end + other.end,
            self.reasons + other.reasons,
        )

    def minus(self, cuts: list[tuple[int, float, float]], lengths) -> "Chunk":
        """The stretches outside the given (pipeline, from, to) regions; both clipped to the
        pipelines' ``lengths`` first, and what is left shorter than MIN_STRETCH_M dropped."""
        if not cuts:
            return self
        by_pipe: dict[int, list[tuple[float, float]]] = {}
        table = np.array(cuts, dtype=float).reshape(-1, 3)
        cut_pipe = table[:, 0].astype(int)
        cut_start, cut_end = clip_to(lengths, cut_pipe, table[:, 1], table[:, 2])
        for k, a, b in zip(cut_pipe.tolist(), cut_start.tolist(), cut_end.tolist(), strict=True):
            by_pipe.setdefault(k, []).append((a, b))
        merged = {}
        for k, regions in by_pipe.items():
            _, lo, hi = union_by_key(np.zeros(len(regions), int), *map(np.array, zip(*regions, strict=True)))
            merged[k] = (lo, hi)
        out = Chunk.new(self.rule)
        pipe = np.asarray(self.pipe, dtype=int)
        start, end = clip_to(lengths, pipe, np.asarray(self.start, dtype=float), np.asarray(self.end, dtype=float))
        for k, s, e, reason in zip(pipe.tolist(), start.tolist(), end.tolist(), self.reasons, strict=True):
            cut = merged.get(k)
            pieces = subtract_merged(s, e, *cut) if cut else [(s, e)]
            for a, b in pieces:
                if b - a >= MIN_STRETCH_M:
                    out.add(k, a, b, reason)
        return out


def merge_chunks(pipelines: list[PipelineGeom], pipe_length, chunks: list[Chunk]) -> list[Segment]:
    pipe = np.concatenate([np.asarray(c.pipe, dtype=int) for c in chunks] or [np.empty(0, int)])
    if not len(pipe):
        return []
    start = np.concatenate([np.asarray(c.start, dtype=float) for c in chunks])
    end = np.concatenate([np.asarray(c.end, dtype=float) for c in chunks])
    grade = np.concatenate([np.full(len(c.pipe), c.rule.grade, dtype=int) for c in chunks])
    reasons = [r for c in chunks for r in c.reasons]
    start, end = clip_to(pipe_length, pipe, start, end)
    # Slivers go; so do the single points a feature exactly at a rule's limit touches.
    keep = end - start >= MIN_STRETCH_M
    if not keep.all():
        pipe, start, end, grade = pipe[keep], start[keep], end[keep], grade[keep]
        reasons = [r for r, k in zip(reasons, keep.tolist(), strict=True) if k]
        if not len(pipe):
            return []
    order = np.lexsort((start, pipe))
    pipe, start, end, grade = pipe[order], start[order], end[order], grade[order]
    new_pipe = np.r_[True, pipe[1:] != pipe[:-1]]
    runmax = np.empty(len(pipe))
    firsts = np.flatnonzero(new_pipe)
    for a, b in zip(firsts, np.r_[firsts[1:], len(pipe)], strict=True):
        runmax[a:b] = np.maximum.accumulate(end[a:b])
    brk = new_pipe | (start > np.r_[-np.inf, runmax[:-1]] + TOUCH_M)
    group_first = np.flatnonzero(brk)
    group_last = np.r_[group_first[1:], len(pipe)] - 1
    group_grade = np.maximum.reduceat(grade, group_first)
    group_of = np.cumsum(brk) - 1
    # Reasons are shared objects (one per feature and rule): collect each
    # segment's distinct ones by identity in numpy, then build the sets from those.
    identity = np.fromiter(map(id, reasons), dtype=np.int64, count=len(reasons))
    distinct, code = np.unique(identity, return_inverse=True)
    some = np.empty(len(distinct), int)
    some[code] = np.arange(len(reasons))
    pairs = np.unique(group_of.astype(np.int64) * len(distinct) + code[order])
    grouped: list[set] = [set() for _ in group_first]
    for g, c in zip((pairs // len(distinct)).tolist(), (pairs % len(distinct)).tolist(), strict=True):
        grouped[g].add(reasons[some[c]])
    segments = []
    for g, (a, b) in enumerate(zip(group_first, group_last, strict=True)):
        s, e = float(start[a]), float(runmax[b])
        if e - s < MIN_SEGMENT_M:
            continue
        p = pipelines[int(pipe[a])]
        why = tuple(sorted(grouped[g]))
        segments.append(Segment(p.id, p.code, s, e, int(group_grade[g]), tuple(sorted({r.rule for r in why})), why))
    return segments
