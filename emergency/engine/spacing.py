"""The valve spacing audit (emergency.md, "Valve spacing audit"), pure.

A gas pipeline's neighbouring block valves may be at most 32 / 24 / 16 / 8 km
apart where the stretch between them lies in location class 1 / 2 / 3 / 4
(GB 50251); an oil pipeline's at most 32 km (GB 50253), and an oil pipeline
needs a valve on both sides of every large river crossing (within
``CROSSING_VALVE_WITHIN_M`` of the river's banks).

Reading of the rules:
- a stretch between two valves that passes locations of several classes
  takes the limit of the highest class it passes (the strictest);
- check valves do not block a line (they let the flow one way) and are left
  out of the spacing; inoperable valves still count (they are there; the
  isolation trace is what walks past them);
- only neighbouring valves are compared: the stretch from a pipeline's start
  to its first valve is not a stretch between valves.
"""

import itertools
from dataclasses import dataclass

import numpy as np

GAS_LIMITS_M = {1: 32_000.0, 2: 24_000.0, 3: 16_000.0, 4: 8_000.0}
OIL_LIMIT_M = 32_000.0
CROSSING_VALVE_WITHIN_M = 1_000.0
EPS = 1e-6


@dataclass(frozen=True)
class SpacingPipe:
    code: str
    medium: str  # "gas" or "oil" (anything else is not audited)
    length_m: float
    valves: tuple[tuple[str, float], ...]  # (code, chainage) of the block valves, any order
    class_regions: tuple[tuple[float, float, int], ...] = ()  # (from, to, class 2..4); elsewhere class 1
    crossings: tuple[tuple[float, float, str], ...] = ()  # (from, to, river name): large river crossings


@dataclass(frozen=True)
class SpacingFinding:
    pipeline_code: str
    kind: str  # "spacing" or "crossing"
    from_valve: str
    to_valve: str
    from_m: float
    to_m: float
    location_class: int | None
    limit_m: float | None
    # For "crossing": which side lacks a valve ("before" / "after") and the river.
    side: str = ""
    river: str = ""

    @property
    def length_m(self) -> float:
        return self.to_m - self.from_m

    @property
    def excess_m(self) -> float:
        return self.length_m - self.limit_m if self.limit_m is not None else 0.0


def highest_class(regions, start: float, end: float) -> int:
    """The highest location class any region overlapping (start, end) has; 1 if none."""
    best = 1
    for a, b, cls in regions:
        if a < end - EPS and b > start + EPS:
            best = max(best, int(cls))
    return best


def audit_pipe(pipe: SpacingPipe) -> list[SpacingFinding]:
    if pipe.medium not in ("gas", "oil"):
        return []
    valves = sorted(pipe.valves, key=lambda v: (v[1], v[0]))
    findings = []
    for (code_a, a), (code_b, b) in itertools.pairwise(valves):
        if pipe.medium == "gas":
            cls = highest_class(pipe.class_regions, a, b)
            limit = GAS_LIMITS_M[cls]
        else:
            cls, limit = None, OIL_LIMIT_M
        if b - a > limit + EPS:
            findings.append(SpacingFinding(pipe.code, "spacing", code_a, code_b, a, b, cls, limit))
    if pipe.medium == "oil":
        chainages = np.array([c for _code, c in valves])
        codes = [code for code, _c in valves]
        for start, end, river in pipe.crossings:
            before = np.flatnonzero((chainages <= start + EPS) & (chainages >= start - CROSSING_VALVE_WITHIN_M))
            after = np.flatnonzero((chainages >= end - EPS) & (chainages <= end + CROSSING_VALVE_WITHIN_M))
            if not len(before):
                near = np.flatnonzero(chainages <= start + EPS)
                code = codes[near[-1]] if len(near) else ""
                findings.append(
                    SpacingFinding(pipe.code, "crossing", code, "", start, end, None, None, side="before", river=river)
                )
            if not len(after):
                near = np.flatnonzero(chainages >= end - EPS)
                code = codes[near[0]] if len(near) else ""
                findings.append(
                    SpacingFinding(pipe.code, "crossing", "", code, start, end, None, None, side="after", river=river)
                )
    return findings


def audit(pipes: list[SpacingPipe]) -> list[SpacingFinding]:
    """Every finding, pipeline by pipeline (by code), along each pipeline."""
    out = []
    for pipe in sorted(pipes, key=lambda p: p.code):
        out.extend(sorted(audit_pipe(pipe), key=lambda f: (f.from_m, f.kind, f.side)))
    return out
