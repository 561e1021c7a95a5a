"""The security figures (patrols.md), as pure functions over plain records (no Django).

Definitions, exactly as computed (the period is ``start``…``end``, both days included, whole calendar
months in the admin page):

- **taps per 100 km per month** = incidents found in the period / (pipeline length in km / 100) / months
  in the period. The length is the group's pipeline length (a county: the length of the pipelines inside
  its area; a company: its pipelines; a pipeline: itself). None without length.
- **share found by patrols** = incidents found in the period whose ``found_how`` is patrol / incidents
  found in the period.
- **days from tap to discovery** = the median (and the mean) of ``found_on - tapped_on`` in days over the
  period's incidents whose tap date is known; with how many were known.
- **solve rate (破案率)** = incidents filed as a police case (立案) on or before ``end`` and solved (破案) on
  or before ``end`` / incidents filed on or before ``end``, counting the incidents found in the period.
- **repeat-location rate** = incidents found in the period with an earlier incident (found before it, or the
  same day with a smaller id) on the same pipeline within ``REPEAT_DISTANCE_M`` (500 m, the hotspot
  distance) along it, at any earlier date / incidents found in the period.
- **refinery recurrence rate** = closures (取缔) of refinery points in the period that a later re-check found
  working again (死灰复燃) by ``end`` / closures in the period. By county only (refinery points are not on a
  company's pipeline): None for companies and pipelines.

A rate with nothing to divide by is None (shown as "—").
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

REPEAT_DISTANCE_M = 500.0


@dataclass(frozen=True)
class Tap:
    id: int
    pipeline_id: int
    chainage_m: float
    found_on: date
    found_how: str
    tapped_on: date | None = None
    filed_on: date | None = None
    solved_on: date | None = None
    county: str = ""
    company_id: int | None = None


@dataclass(frozen=True)
class Closure:
    point_id: int
    shut_on: date
    reopened_on: date | None = None
    county: str = ""


@dataclass
class Figures:
    taps: int = 0
    length_km: float | None = None
    taps_per_100km_month: float | None = None
    found_by_patrol: int = 0
    patrol_share: float | None = None
    tap_dates_known: int = 0
    days_to_discovery_median: float | None = None
    days_to_discovery_mean: float | None = None
    filed: int = 0
    solved: int = 0
    solve_rate: float | None = None
    repeats: int = 0
    repeat_rate: float | None = None
    closures: int = 0
    recurrences: int = 0
    recurrence_rate: float | None = None
    extra: dict = field(default_factory=dict)


def months_between(start: date, end: date) -> float:
    """Whole calendar months from ``start``'s month to ``end``'s month, both included."""
    return float((end.year - start.year) * 12 + end.month - start.month + 1)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def taps_per_100km_month(taps: int, length_km: float | None, months: float) -> float | None:
    if not length_km or not months:
        return None
    return round(taps / (length_km / 100.0) / months, 4)


def repeat_ids(taps: list[Tap]) -> set[int]:
    """Ids of the incidents with an earlier incident on the same pipeline within REPEAT_DISTANCE_M."""
    by_pipe = defaultdict(list)
    for tap in taps:
        by_pipe[tap.pipeline_id].append(tap)
    out = set()
    for rows in by_pipe.values():
        rows.sort(key=lambda t: (t.found_on, t.id))
        for index, tap in enumerate(rows):
            if any(abs(tap.chainage_m - earlier.chainage_m) <= REPEAT_DISTANCE_M for earlier in rows[:index]):
                out.add(tap.id)
    return out


def figures(
    taps: list[Tap],
    *,
    start: date,
    end: date,
    length_km: float | None,
    history: list[Tap] | None = None,
    closures: list[Closure] | None = None,
) -> Figures:
    """The figures of one group: ``taps`` are the group's incidents (any date); ``history`` every incident
    up to ``end`` that may make one a repeat (by default ``taps``); ``closures`` the group's refinery closures
    (None: not applicable)."""
    in_period = [t for t in taps if start <= t.found_on <= end]
    out = Figures(taps=len(in_period), length_km=round(length_km, 3) if length_km else length_km)
    out.taps_per_100km_month = taps_per_100km_month(len(in_period), length_km, months_between(start, end))
    out.found_by_patrol = sum(1 for t in in_period if t.found_how == "patrol")
    out.patrol_share = ratio(out.found_by_patrol, len(in_period))
    days = [(t.found_on - t.tapped_on).days for t in in_period if t.tapped_on is not None]
    out.tap_dates_known = len(days)
    if days:
        out.days_to_discovery_median = float(statistics.median(days))
        out.days_to_discovery_mean = round(statistics.fmean(days), 1)
    filed = [t for t in in_period if t.filed_on is not None and t.filed_on <= end]
    out.filed = len(filed)
    out.solved = sum(1 for t in filed if t.solved_on is not None and t.solved_on <= end)
    out.solve_rate = ratio(out.solved, out.filed)
    earlier = [t for t in (history if history is not None else taps) if t.found_on <= end]
    repeats = repeat_ids(earlier)
    out.repeats = sum(1 for t in in_period if t.id in repeats)
    out.repeat_rate = ratio(out.repeats, len(in_period))
    if closures is not None:
        shut = [c for c in closures if start <= c.shut_on <= end]
        out.closures = len(shut)
        out.recurrences = sum(1 for c in shut if c.reopened_on is not None and c.reopened_on <= end)
        out.recurrence_rate = ratio(out.recurrences, out.closures)
    return out
