"""The preparedness rules of emergency.md on hand-made dates (pure, no database):
plans reviewed every 3 years and filed with the county, a comprehensive or
special drill every 12 months, an on-site drill every 6 months. An obligation
is overdue from the day after it falls due; each flag carries that due date."""

from datetime import date

import pytest

from emergency.preparedness import (
    MAJOR_DRILL_OVERDUE,
    NOT_FILED,
    ONSITE_DRILL_OVERDUE,
    REVIEW_OVERDUE,
    DrillFacts,
    Flag,
    PlanFacts,
    add_months,
    preparedness_flags,
)

SINCE = date(2020, 1, 1)
FILED = date(2024, 1, 10)


def _flags(plans=(), drills=(), today=date(2026, 11, 21), since=SINCE):
    return preparedness_flags(plans=list(plans), drills=list(drills), today=today, since=since)


def _in_order(today):
    """Drills that keep both drill rules quiet on ``today``."""
    return [DrillFacts("special", today), DrillFacts("onsite", today)]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 11, 21), 12, date(2027, 11, 21)),
        (date(2023, 2, 28), 36, date(2026, 2, 28)),
        (date(2026, 12, 15), -6, date(2026, 6, 15)),
    ],
)
def test_months_are_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("today", "flagged"), [(date(2026, 11, 20), False), (date(2026, 11, 21), False), (date(2026, 11, 22), True)]
)
def test_a_plan_never_reviewed_is_due_3_years_after_it_took_effect(today, flagged):
    plan = PlanFacts(id=7, effective_on=date(2023, 11, 21), filed_on=date(2023, 12, 1))
    flags = _flags([plan], _in_order(today), today=today)
    assert flags == ([Flag(REVIEW_OVERDUE, 7, date(2026, 11, 21))] if flagged else [])


def test_the_last_review_restarts_the_3_years():
    plan = PlanFacts(id=1, effective_on=date(2019, 5, 1), last_reviewed_on=date(2023, 11, 22), filed_on=FILED)
    today = date(2026, 11, 22)
    assert _flags([plan], _in_order(today), today=today) == []
    later = date(2026, 11, 23)
    assert _flags([plan], _in_order(later), today=later) == [Flag(REVIEW_OVERDUE, 1, date(2026, 11, 22))]


def test_a_plan_not_filed_is_overdue_from_the_day_after_it_took_effect():
    plan = PlanFacts(id=3, effective_on=date(2026, 11, 21))
    assert _flags([plan], _in_order(date(2026, 11, 21)), today=date(2026, 11, 21)) == []
    today = date(2026, 11, 22)
    assert _flags([plan], _in_order(today), today=today) == [Flag(NOT_FILED, 3, date(2026, 11, 21))]
    filed = PlanFacts(id=3, effective_on=date(2026, 11, 21), filed_on=date(2026, 12, 30))
    assert _flags([filed], _in_order(today), today=today) == []


def test_a_plan_not_yet_in_force_owes_nothing():
    plan = PlanFacts(id=4, effective_on=date(2027, 1, 1))
    assert _flags([plan], _in_order(date(2026, 11, 21))) == []


@pytest.mark.parametrize("kind", ["comprehensive", "special"])
def test_a_comprehensive_or_special_drill_is_due_12_months_after_the_last(kind):
    drills = [DrillFacts(kind, date(2025, 11, 21)), DrillFacts("onsite", date(2026, 11, 1))]
    assert _flags(drills=drills, today=date(2026, 11, 21)) == []
    assert _flags(drills=drills, today=date(2026, 11, 22)) == [Flag(MAJOR_DRILL_OVERDUE, None, date(2026, 11, 21))]


def test_on_site_drills_do_not_count_as_comprehensive_ones_and_the_latest_counts():
    drills = [
        DrillFacts("onsite", date(2026, 11, 1)),
        DrillFacts("comprehensive", date(2024, 3, 1)),
        DrillFacts("special", date(2025, 6, 30)),
    ]
    assert _flags(drills=drills) == [Flag(MAJOR_DRILL_OVERDUE, None, date(2026, 6, 30))]


def test_an_on_site_drill_is_due_6_months_after_the_last():
    drills = [DrillFacts("special", date(2026, 10, 1)), DrillFacts("onsite", date(2026, 5, 21))]
    assert _flags(drills=drills, today=date(2026, 11, 21)) == []
    assert _flags(drills=drills, today=date(2026, 11, 22)) == [Flag(ONSITE_DRILL_OVERDUE, None, date(2026, 11, 21))]
    # The 31st of August: due on the last day of February.
    end_of_month = [DrillFacts("special", date(2028, 2, 1)), DrillFacts("onsite", date(2027, 8, 31))]
    assert _flags(drills=end_of_month, today=date(2028, 2, 29)) == []
    assert _flags(drills=end_of_month, today=date(2028, 3, 1)) == [Flag(ONSITE_DRILL_OVERDUE, None, date(2028, 2, 29))]


def test_a_company_that_never_drilled_owes_from_its_first_plan_or_else_from_since():
    plans = [PlanFacts(1, date(2026, 3, 10), filed_on=date(2026, 3, 20)), PlanFacts(2, date(2026, 8, 1), None, FILED)]
    assert _flags(plans, today=date(2026, 9, 10)) == []
    assert _flags(plans, today=date(2026, 9, 11)) == [Flag(ONSITE_DRILL_OVERDUE, None, date(2026, 9, 10))]
    assert _flags(plans, today=date(2027, 3, 11)) == [
        Flag(MAJOR_DRILL_OVERDUE, None, date(2027, 3, 10)),
        Flag(ONSITE_DRILL_OVERDUE, None, date(2026, 9, 10)),
    ]
    # Neither plans nor drills: counted from ``since`` (e.g. the company's registration).
    assert _flags(today=date(2026, 7, 2), since=date(2026, 1, 1)) == [
        Flag(ONSITE_DRILL_OVERDUE, None, date(2026, 7, 1))
    ]


def test_a_drill_after_today_does_not_count():
    drills = [DrillFacts("special", date(2026, 11, 1)), DrillFacts("onsite", date(2026, 12, 1))]
    assert _flags(drills=drills, today=date(2026, 11, 21), since=date(2026, 1, 1)) == [
        Flag(ONSITE_DRILL_OVERDUE, None, date(2026, 7, 1))
    ]


def test_every_flag_at_once_is_sorted():
    plans = [PlanFacts(9, date(2020, 1, 1)), PlanFacts(2, date(2021, 6, 1), filed_on=FILED)]
    assert _flags(plans, today=date(2026, 11, 21)) == [
        Flag(MAJOR_DRILL_OVERDUE, None, date(2021, 1, 1)),
        Flag(NOT_FILED, 9, date(2020, 1, 1)),
        Flag(ONSITE_DRILL_OVERDUE, None, date(2020, 7, 1)),
        Flag(REVIEW_OVERDUE, 2, date(2024, 6, 1)),
        Flag(REVIEW_OVERDUE, 9, date(2023, 1, 1)),
    ]
