"""Preparedness rules of emergency.md, pure (no Django): given a company's
emergency plans and drills and a day, which obligations are overdue.

- a plan is reviewed every 3 years: due on the last review (or, never
  reviewed, the date it took effect) + 3 years;
- a plan is filed with the county (备案): due on the date it took effect;
- at least one comprehensive or special drill a year: due 12 months after
  the last one;
- an on-site drill every 6 months: due 6 months after the last one.

A company that never held a drill of a kind owes it from ``since`` (the
first plan's effective date, else the date the company was registered) plus
the interval. An obligation is overdue from the day after it is due; each
flag carries the date it became due. Drills after ``today`` are not counted.
"""

import calendar
from dataclasses import dataclass
from datetime import date

REVIEW_YEARS = 3
MAJOR_DRILL_MONTHS = 12
ONSITE_DRILL_MONTHS = 6

COMPREHENSIVE = "comprehensive"
SPECIAL = "special"
ONSITE = "onsite"
MAJOR_KINDS = frozenset({COMPREHENSIVE, SPECIAL})

REVIEW_OVERDUE = "review_overdue"
NOT_FILED = "not_filed"
MAJOR_DRILL_OVERDUE = "major_drill_overdue"
ONSITE_DRILL_OVERDUE = "onsite_drill_overdue"


@dataclass(frozen=True)
class PlanFacts:
    id: int
    effective_on: date
    last_reviewed_on: date | None = None
    filed_on: date | None = None


@dataclass(frozen=True)
class DrillFacts:
    kind: str
    held_on: date


@dataclass(frozen=True, order=True)
class Flag:
    kind: str
    plan_id: int | None
    due_on: date


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st becomes the month's last day when needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def review_due_on(*, effective_on: date, last_reviewed_on: date | None) -> date:
    return add_months(last_reviewed_on or effective_on, 12 * REVIEW_YEARS)


def _drill_due(drills, kinds, months: int, start: date, today: date) -> date:
    held = [d.held_on for d in drills if d.kind in kinds and d.held_on <= today]
    return add_months(max(held) if held else start, months)


def preparedness_flags(*, plans, drills, today: date, since: date) -> list[Flag]:
    """The overdue obligations of one company on ``today``, sorted."""
    flags = []
    for plan in plans:
        if plan.effective_on > today:
            continue  # not in force yet
        due = review_due_on(effective_on=plan.effective_on, last_reviewed_on=plan.last_reviewed_on)
        if today > due:
            flags.append(Flag(REVIEW_OVERDUE, plan.id, due))
        if plan.filed_on is None and today > plan.effective_on:
            flags.append(Flag(NOT_FILED, plan.id, plan.effective_on))
    effective = [p.effective_on for p in plans if p.effective_on <= today]
    start = min(effective) if effective else since
    due = _drill_due(drills, MAJOR_KINDS, MAJOR_DRILL_MONTHS, start, today)
    if today > due:
        flags.append(Flag(MAJOR_DRILL_OVERDUE, None, due))
    due = _drill_due(drills, {ONSITE}, ONSITE_DRILL_MONTHS, start, today)
    if today > due:
        flags.append(Flag(ONSITE_DRILL_OVERDUE, None, due))
    return sorted(flags, key=lambda f: (f.kind, f.plan_id or 0, f.due_on))
