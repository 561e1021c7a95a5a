"""The security figures on hand-made data (security/engine/figures.py), each definition also checked broken on
purpose. No database."""

from datetime import date

import pytest

from security.engine import figures as engine
from security.engine.figures import Closure, Tap, figures, months_between

START, END = date(2026, 1, 1), date(2026, 6, 30)


def taps():
    return [
        # pipeline 1: three in the period, one before it (a repeat site), one after it
        Tap(1, 1, 1000.0, date(2025, 12, 1), "tip_off"),
        Tap(
            2,
            1,
            1400.0,
            date(2026, 1, 10),
            "patrol",
            tapped_on=date(2026, 1, 1),
            filed_on=date(2026, 1, 20),
            solved_on=date(2026, 3, 1),
        ),
        Tap(3, 1, 5000.0, date(2026, 2, 10), "video", tapped_on=date(2026, 2, 7), filed_on=date(2026, 2, 20)),
        Tap(
            4,
            1,
            5500.0,
            date(2026, 3, 10),
            "patrol",
            tapped_on=date(2026, 2, 8),
            filed_on=date(2026, 3, 20),
            solved_on=date(2026, 7, 5),
        ),  # solved after the period's end: not yet solved
        Tap(5, 1, 1000.0, date(2026, 7, 2), "patrol"),
    ]


def test_taps_per_100km_per_month():
    assert months_between(START, END) == 6
    got = figures(taps(), start=START, end=END, length_km=50.0)
    assert got.taps == 3
    assert got.taps_per_100km_month == pytest.approx(3 / 0.5 / 6)
    assert figures(taps(), start=START, end=END, length_km=0).taps_per_100km_month is None


def test_share_found_by_patrols():
    got = figures(taps(), start=START, end=END, length_km=50.0)
    assert (got.found_by_patrol, got.patrol_share) == (2, round(2 / 3, 4))


def test_days_from_tap_to_discovery():
    got = figures(taps(), start=START, end=END, length_km=50.0)
    assert got.tap_dates_known == 3
    assert got.days_to_discovery_median == 9.0  # 9, 3, 30
    assert got.days_to_discovery_mean == 14.0


def test_solve_rate_counts_what_was_solved_by_the_end_among_the_filed():
    got = figures(taps(), start=START, end=END, length_km=50.0)
    assert (got.filed, got.solved, got.solve_rate) == (3, 1, round(1 / 3, 4))
    later = figures(taps(), start=START, end=date(2026, 7, 31), length_km=50.0)
    assert (later.filed, later.solved) == (3, 2)


def test_repeat_location_rate_within_500_m_of_an_earlier_incident_on_the_same_pipeline():
    got = figures(taps(), start=START, end=END, length_km=50.0)
    # 2 repeats 1 (400 m, earlier), 4 repeats 3 (500 m exactly); 3 is 3,600 m from 2: not a repeat.
    assert (got.repeats, got.repeat_rate) == (2, round(2 / 3, 4))
    other_pipe = [Tap(1, 9, 1000.0, date(2025, 12, 1), "patrol"), Tap(2, 1, 1000.0, date(2026, 1, 2), "patrol")]
    assert figures(other_pipe, start=START, end=END, length_km=1).repeats == 0


def test_refinery_recurrence_rate():
    closures = [
        Closure(1, date(2026, 1, 5), reopened_on=date(2026, 4, 6)),
        Closure(2, date(2026, 2, 1)),
        Closure(3, date(2026, 5, 1), reopened_on=date(2026, 8, 1)),  # reopened after the end
        Closure(4, date(2025, 12, 1), reopened_on=date(2026, 1, 3)),  # shut before the period
    ]
    got = figures([], start=START, end=END, length_km=None, closures=closures)
    assert (got.closures, got.recurrences, got.recurrence_rate) == (3, 1, round(1 / 3, 4))
    assert figures([], start=START, end=END, length_km=None).recurrence_rate is None


# Each definition broken on purpose: the tests above catch it.
BROKEN = [
    ("REPEAT_DISTANCE_M", 499.0, test_repeat_location_rate_within_500_m_of_an_earlier_incident_on_the_same_pipeline),
    ("months_between", lambda start, end: (end - start).days / 30.4375, test_taps_per_100km_per_month),
    ("ratio", lambda part, whole: round(part / (whole + 1), 4) if whole else None, test_share_found_by_patrols),
]


@pytest.mark.parametrize(("name", "broken", "test"), BROKEN, ids=[b[0] for b in BROKEN])
def test_the_tests_fail_when_a_definition_is_broken(name, broken, test, monkeypatch):
    monkeypatch.setattr(engine, name, broken)
    with pytest.raises(AssertionError):
        test()


def test_solve_and_recurrence_fail_when_the_end_date_is_ignored(monkeypatch):
    # Broken on purpose: a solve or a reopening after the end counts.
    real = engine.figures

    def no_end(taps, *, start, end, length_km, history=None, closures=None):
        return real(taps, start=start, end=date(2099, 1, 1), length_km=length_km, history=history, closures=closures)

    monkeypatch.setattr("tests.test_security_figures.figures", no_end)
    with pytest.raises(AssertionError):
        test_solve_rate_counts_what_was_solved_by_the_end_among_the_filed()
    with pytest.raises(AssertionError):
        test_refinery_recurrence_rate()
