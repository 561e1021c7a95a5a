"""The ``datetime`` parameter of OGC API - Features items (Part 1: Core, §7.15.4).

The value is an instant or an interval (RFC 3339 date-times, ``/`` between
the ends, ``..`` or nothing for an open end)::

    2026-01-01T00:00:00Z    2026-01-01T08:00:00+08:00
    2026-01-01/2026-06-30   ../2026-06-30   2026-01-01/..   2026-01-01T00:00:00Z/

A plain date (``2026-01-01``) is accepted too and means that whole calendar
day in the city's time zone (settings.TIME_ZONE). A feature is selected when
its temporal property intersects the value; a date property is a whole local
day, so an instant selects the features of the day it falls on. Features
without a value (an empty property) match any ``datetime``, as the standard
asks (/req/core/fc-time-response C).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import DateTimeField, Q
from django.utils import timezone
from django.utils.translation import gettext as _

# RFC 3339 §5.6 date-time (time zone required), or a full-date.
_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[Tt](?P<time>\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?P<offset>[Zz]|[+-]\d{2}:\d{2})?)?",
    re.ASCII,
)
OPEN = ("", "..")
YEARS = (1900, 9998)


class InvalidDatetime(ValueError):
    """The value does not follow the syntax, or its interval ends before it starts; the message says why."""


@dataclass(frozen=True)
class Instant:
    """One end of the parameter: a calendar day (``date``) or an aware moment (``datetime``)."""

    value: date | datetime

    @property
    def is_day(self) -> bool:
        return not isinstance(self.value, datetime)

    def first_moment(self) -> datetime:
        if self.is_day:
            return timezone.make_aware(datetime.combine(self.value, time.min))
        return self.value

    def last_moment(self) -> datetime:
        """The last moment it covers (a day ends just before the next midnight)."""
        if self.is_day:
            return timezone.make_aware(datetime.combine(self.value + timedelta(days=1), time.min)) - timedelta(
                microseconds=1
            )
        return self.value

    def local_day(self) -> date:
        return self.value if self.is_day else timezone.localdate(self.value)


@dataclass(frozen=True)
class Interval:
    start: Instant | None  # None: open
    end: Instant | None


def _instant(text: str) -> Instant:
    match = _DATE_TIME.fullmatch(text)
    if not match:
        raise InvalidDatetime(
            _("%(value)s is neither an RFC 3339 date-time (e.g. 2026-01-01T00:00:00Z) nor a date (2026-01-01)")
            % {"value": text}
        )
    if match["time"] is not None and match["offset"] is None:
        raise InvalidDatetime(
            _("%(value)s has no time zone: end it with Z or an offset such as +08:00") % {"value": text}
        )
    try:
        if match["time"] is None:
            instant = Instant(date.fromisoformat(match["date"]))
        else:
            offset = "+00:00" if match["offset"] in "Zz" else match["offset"]
            instant = Instant(datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}"))
    except ValueError:  # 2026-02-30, 25:00:00, +99:00…
        raise InvalidDatetime(_("%(value)s is not a valid date or time") % {"value": text}) from None
    # The ends of the calendar (0001, 9999) overflow when moved to the city's day or time zone.
    if not YEARS[0] <= instant.value.year <= YEARS[1]:
        raise InvalidDatetime(
            _("%(value)s is out of range: years %(first)s to %(last)s")
            % {"value": text, "first": YEARS[0], "last": YEARS[1]}
        )
    return instant


def parse_datetime(value: str) -> Interval:
    """The interval a ``datetime`` value stands for (an instant is an interval from itself to itself)."""
    text = value.strip()
    if "/" not in text:
        if text in OPEN:
            raise InvalidDatetime(_("give a date-time or an interval"))
        instant = _instant(text)
        return Interval(instant, instant)
    parts = text.split("/")
    if len(parts) != 2:
        raise InvalidDatetime(_("an interval has exactly one '/'"))
    start_text, end_text = (part.strip() for part in parts)
    if start_text in OPEN and end_text in OPEN:
        raise InvalidDatetime(_("an interval needs at least one end"))
    start = None if start_text in OPEN else _instant(start_text)
    end = None if end_text in OPEN else _instant(end_text)
    if start is not None and end is not None and start.first_moment() > end.last_moment():
        raise InvalidDatetime(_("the interval ends before it starts"))
    return Interval(start, end)


def temporal_q(interval: Interval, *, field: str, model) -> Q:
    """A filter selecting the rows whose ``field`` intersects ``interval``, and the rows without a value."""
    model_field = model._meta.get_field(field)
    is_moment = isinstance(model_field, DateTimeField)
    conditions = Q()
    if interval.start is not None:
        if is_moment:
            conditions &= Q(**{f"{field}__gte": interval.start.first_moment()})
        else:
            conditions &= Q(**{f"{field}__gte": interval.start.local_day()})
    if interval.end is not None:
        if is_moment:
            conditions &= Q(**{f"{field}__lte": interval.end.last_moment()})
        else:
            conditions &= Q(**{f"{field}__lte": interval.end.local_day()})
    if model_field.null:
        conditions |= Q(**{f"{field}__isnull": True})
    return conditions
