"""Which rounds of a section fall on a date (pure, no Django).

A section (or an agreement) fixes ``frequency`` patrols per day, week or month. The rounds of a period are
spread evenly over its days: round ``i`` (0-based) of ``n`` falls on day ``floor(i * days / n)`` of the
period (weeks start on Monday, months on the 1st). So 3 per week fall on Monday, Wednesday and Friday;
2 per day are rounds 1 and 2 of every day; 1 per month falls on the 1st.
"""

import calendar
from datetime import date

DAY, WEEK, MONTH = "day", "week", "month"


def period_position(period: str, on: date) -> tuple[int, int]:
    """(days in the period containing ``on``, index of ``on`` in it)."""
    if period == DAY:
        return 1, 0
    if period == WEEK:
        return 7, on.weekday()
    if period == MONTH:
        return calendar.monthrange(on.year, on.month)[1], on.day - 1
    raise ValueError(f"unknown period {period!r}")


def rounds_on(*, frequency: int, period: str, on: date) -> int:
    """How many rounds of a ``frequency``-per-``period`` plan are due on ``on``."""
    if frequency < 1:
        return 0
    days, index = period_position(period, on)
    return sum(1 for i in range(frequency) if (i * days) // frequency == index)
