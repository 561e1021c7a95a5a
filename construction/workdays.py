"""Working days in China: weekends and public holidays off, make-up working days (调休) on.

The calendar is the maintained ``chinesecalendar`` package (the State Council's yearly notice, one release a
year), not a hand-kept list. For a year the installed release does not cover yet (it raises
NotImplementedError) the count falls back to Monday–Friday and says so (``calendar_covers``), so a deadline
is never refused for want of a calendar; upgrading the package when the next year's notice is out fixes it.
"""

from datetime import date, timedelta

import chinese_calendar


def calendar_covers(day: date) -> bool:
    """Whether the installed holiday calendar knows ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def working_days_add(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
