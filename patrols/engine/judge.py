"""Rules 7 and 8 of patrols.md and the report: checkpoints visited, arrival rate, exceptions."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from patrols.engine.coverage import covered_intervals, legs_tree, uncovered_ranges
from patrols.engine.legs import Legs, legs_build

# A track that starts later than the window's start plus this, or ends earlier than its end minus this,
# starts late / ends early (rule 8). The windows are the section's (patrols.choices.WINDOW_HOURS).
LATE_GRACE_S = 3600.0
# Runs of gaps or overspeed legs listed per kind in a task's exceptions (the report counts them all); past
# this, one {"kind": "<kind>_more", "runs": n} entry says how many more there are.
MAX_LISTED_RUNS = 100


@dataclass(frozen=True)
class Checkpoints:
    """Required checkpoints: metric x, y, radius (m) and code, in the order they are reported."""

    x: np.ndarray
    y: np.ndarray
    radius: np.ndarray
    code: list[str]

    @classmethod
    def empty(cls) -> "Checkpoints":
        return cls(np.empty(0), np.empty(0), np.empty(0), [])

    @classmethod
    def of(cls, rows) -> "Checkpoints":
        """From rows (x, y, radius, code)."""
        rows = list(rows)
        if not rows:
            return cls.empty()
        x, y, r, code = zip(*rows, strict=True)
        return cls(np.asarray(x, float), np.asarray(y, float), np.asarray(r, float), [str(c) for c in code])


def checkpoints_visited(legs_xy: np.ndarray, checkpoints: Checkpoints, tree=None) -> np.ndarray:
    """Rule 7: a checkpoint is visited when a kept leg (the segment, not only its ends) passes within its
    radius. Returns a boolean per checkpoint. ``tree``: ``legs_tree(legs_xy)`` if already built."""
    visited = np.zeros(len(checkpoints.code), dtype=bool)
    if not len(legs_xy) or not len(visited):
        return visited
    tree = tree if tree is not None else legs_tree(legs_xy)
    points = shapely.points(checkpoints.x, checkpoints.y)
    point_i, _ = tree.query(points, predicate="dwithin", distance=checkpoints.radius)
    visited[point_i] = True
    return visited


def _runs(legs: Legs, mask: np.ndarray):
    """Consecutive flagged legs (sharing a fix) as one run each: start and end times, number of legs, seconds,
    length and the highest speed."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return [], [], [], [], [], []
    first_fix = legs.start[idx]
    new = np.concatenate(([True], first_fix[1:] != first_fix[:-1] + 1))
    begins = np.flatnonzero(new)
    ends = np.concatenate((begins[1:], [len(idx)])) - 1
    return (
        legs.t[first_fix[begins]],
        legs.t[first_fix[ends] + 1],
        ends - begins + 1,
        np.add.reduceat(legs.seconds[idx], begins),
        np.add.reduceat(legs.length_m[idx], begins),
        np.maximum.reduceat(legs.speed_kmh[idx], begins),
    )


def _number(value: float):
    """A chainage as the report shows it: an integer when it is one, else to 0.1 m."""
    return int(value) if float(value).is_integer() else round(float(value), 1)


def _iso_seconds(t: float) -> float:
    return float(t)


@dataclass(frozen=True)
class Judgement:
    pipeline_code: str
    from_m: float
    to_m: float
    mode: str
    width_m: float
    legs: Legs
    covered: tuple[np.ndarray, np.ndarray]
    uncovered: tuple[np.ndarray, np.ndarray]
    checkpoints: Checkpoints
    visited: np.ndarray
    window: tuple[float, float] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def length_m(self) -> float:
        return self.to_m - self.from_m

    @property
    def covered_m(self) -> float:
        start, end = self.covered
        return float(np.sum(end - start))

    @property
    def coverage(self) -> float:
        return self.covered_m / self.length_m if self.length_m > 0 else 0.0

    @property
    def arrival(self) -> float:
        """Rule 7: visited / required checkpoints (1.0 when none is required)."""
        n = len(self.visited)
        return float(self.visited.sum()) / n if n else 1.0

    @property
    def kept_legs(self) -> int:
        return int(self.legs.kept.sum())

    @property
    def missed(self) -> list[str]:
        return [code for code, seen in zip(self.checkpoints.code, self.visited, strict=True) if not seen]

    @property
    def first_time(self) -> float | None:
        return float(self.legs.t.min()) if len(self.legs.t) else None

    @property
    def last_time(self) -> float | None:
        return float(self.legs.t.max()) if len(self.legs.t) else None

    def report(self) -> dict:
        """The report of patrols.md (covered_m and ranges to 0.1 m, coverage to 4 decimals)."""
        start, end = self.uncovered
        return {
            "pipeline_code": self.pipeline_code,
            "from_m": _number(self.from_m),
            "to_m": _number(self.to_m),
            "mode": self.mode,
            "length_m": round(self.length_m, 1),
            "covered_m": round(self.covered_m, 1),
            "coverage": round(self.coverage, 4),
            "uncovered": [[round(float(a), 1), round(float(b), 1)] for a, b in zip(start, end, strict=True)],
            "checkpoints_required": len(self.visited),
            "checkpoints_visited": int(self.visited.sum()),
            "missed": self.missed,
            "gaps": int(self.legs.gap.sum()),
            "overspeed_legs": int(self.legs.overspeed.sum()),
        }

    def exceptions(self, time_text: Callable[[float], object] = _iso_seconds) -> list[dict]:
        """Rule 8: missed checkpoints, uncovered ranges, gaps, overspeed legs, late start, early end.

        ``time_text`` turns a time in seconds into what the list shows (the service gives ISO text).
        """
        out: list[dict] = [{"kind": "missed_checkpoint", "code": code} for code in self.missed]
        start, end = self.uncovered
        out += [
            {"kind": "uncovered", "from_m": round(float(a), 1), "to_m": round(float(b), 1)}
            for a, b in zip(start, end, strict=True)
        ]
        legs = self.legs
        for kind, mask in (("gap", legs.gap), ("overspeed", legs.overspeed)):
            runs = list(zip(*_runs(legs, mask), strict=True))
            out += [
                {
                    "kind": kind,
                    "start": time_text(t0),
                    "end": time_text(t1),
                    "legs": int(n),
                    "seconds": round(float(s), 1),
                    "length_m": round(float(m), 1),
                    "speed_kmh": round(float(v), 1),
                }
                for t0, t1, n, s, m, v in runs[:MAX_LISTED_RUNS]
            ]
            if len(runs) > MAX_LISTED_RUNS:
                out.append({"kind": f"{kind}_more", "runs": len(runs) - MAX_LISTED_RUNS})
        if self.window is not None:
            w0, w1 = self.window
            first, last = self.first_time, self.last_time
            if first is not None and first > w0 + LATE_GRACE_S:
                out.append({"kind": "late_start", "first_fix": time_text(first), "window_start": time_text(w0)})
            if last is not None and last < w1 - LATE_GRACE_S:
                out.append({"kind": "early_end", "last_fix": time_text(last), "window_end": time_text(w1)})
        return out


def track_judge(
    *,
    times,
    x,
    y,
    centreline: shapely.LineString,
    from_m: float,
    to_m: float,
    mode: str,
    accuracy=None,
    device=None,
    coverage_width_m: float = 20.0,
    checkpoints: Checkpoints | None = None,
    window: tuple[float, float] | None = None,
    pipeline_code: str = "",
) -> Judgement:
    """Judge fixes against the stretch ``from_m..to_m`` of ``centreline`` (metric, chainage from its start).

    ``times`` in seconds; ``x``, ``y`` in the same metric CRS as the centreline; ``window`` (seconds) is the
    section's time window, for late start / early end.
    """
    if not to_m > from_m:
        raise ValueError("to_m must be greater than from_m")
    if not coverage_width_m > 0:
        raise ValueError("the coverage width must be positive")
    checkpoints = checkpoints or Checkpoints.empty()
    legs = legs_build(times=times, x=x, y=y, mode=mode, accuracy=accuracy, device=device)
    kept_xy = legs.coords[legs.kept]
    tree = legs_tree(kept_xy) if len(kept_xy) else None
    covered = covered_intervals(
        centreline=centreline, from_m=from_m, to_m=to_m, legs_xy=kept_xy, width_m=coverage_width_m, tree=tree
    )
    uncovered = uncovered_ranges(from_m, to_m, *covered)
    visited = checkpoints_visited(kept_xy, checkpoints, tree)
    return Judgement(
        pipeline_code=pipeline_code,
        from_m=float(from_m),
        to_m=float(to_m),
        mode=mode,
        width_m=float(coverage_width_m),
        legs=legs,
        covered=covered,
        uncovered=uncovered,
        checkpoints=checkpoints,
        visited=visited,
        window=window,
    )
