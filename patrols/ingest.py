"""GPS fixes in: validated, inserted in bulk, idempotent on (device, time).

``fixes_ingest`` is the one way fixes enter the database (the API, the field page, GPX uploads, the demo and
the bench call it). A batch sent twice adds nothing: rows are inserted with ``ON CONFLICT DO NOTHING``
(PostgreSQL) / ``INSERT OR IGNORE`` (SQLite) on the unique (device, time), in one statement per batch, and
the database's own count of inserted rows gives ``added``.
"""

import datetime as dt
import math

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import is_regulator
from patrols.choices import FixSource
from patrols.models import Device, PatrolFix

MAX_FIXES = 10_000  # per request / call
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # a device clock may run a little ahead
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DEVICE_ID_MAX = PatrolFix._meta.get_field("device_id").max_length


class FixError(ValueError):
    """Bad input, naming the fix (its index in the batch, from 0) when one is at fault."""

    def __init__(self, message: str, *, index: int | None = None, field: str | None = None, refused: bool = False):
        self.index, self.field, self.message, self.batch = index, field, message, None
        # Well-formed but refused by a rule (a time in the future or before 2000): 422 over the API, not 400.
        self.refused = refused
        super().__init__(
            message if index is None else _("Fix %(index)d: %(message)s") % {"index": index, "message": message}
        )


class SenderRefused(PermissionError):
    """The caller may not send fixes for a device: unknown (422), or another company's (403)."""

    def __init__(self, message: str, *, status: int = 403, code: str = "not_permitted"):
        self.status, self.code = status, code
        super().__init__(message)


def _number(value, index: int, field: str, *, low=None, high=None, required=True) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FixError(_("%(field)s must be a number.") % {"field": field}, index=index, field=field)
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        raise FixError(
            _("%(field)s must be between %(low)s and %(high)s.") % {"field": field, "low": low, "high": high}
            if high is not None
            else _("%(field)s must be %(low)s or more.") % {"field": field, "low": low},
            index=index,
            field=field,
        )
    return value


def _time(value, index: int, latest: dt.datetime) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.upper())
        except ValueError:
            raise FixError(_("time is not an ISO 8601 date and time."), index=index, field="time") from None
    if not isinstance(value, dt.datetime):
        raise FixError(_("time is not an ISO 8601 date and time."), index=index, field="time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise FixError(_("time has no UTC offset (write e.g. 2026-11-21T08:00:05+08:00)."), index=index, field="time")
    if value > latest:
        raise FixError(_("time is in the future."), index=index, field="time", refused=True)
    if value < EARLIEST:
        raise FixError(_("time is before the year 2000."), index=index, field="time", refused=True)
    return value


def device_id_clean(device_id) -> str:
    if not isinstance(device_id, str) or not device_id.strip() or "\x00" in device_id:
        raise FixError(_("device_id must be a non-empty text."), field="device_id")
    device_id = device_id.strip()
    if len(device_id) > DEVICE_ID_MAX:
        raise FixError(_("device_id is longer than %(max)d characters.") % {"max": DEVICE_ID_MAX}, field="device_id")
    return device_id


_NUMBER = (int, float)


def _clean_fast(fixes, latest) -> list | None:
    """The rows when every fix is plainly good, checked column by column; None at the first doubt (the slow
    loop then finds and names the bad fix)."""
    try:
        times = [fix["time"] for fix in fixes]
        lons = [fix["lon"] for fix in fixes]
        lats = [fix["lat"] for fix in fixes]
        accs = [fix.get("accuracy_m") for fix in fixes]
        if not (
            all(type(t) is str for t in times)
            and all(type(v) in _NUMBER for v in lons)
            and all(type(v) in _NUMBER for v in lats)
            and all(a is None or type(a) in _NUMBER for a in accs)
        ):
            return None
        parsed = [dt.datetime.fromisoformat(t.upper()) for t in times]
        if any(t.utcoffset() is None for t in parsed) or (parsed and (max(parsed) > latest or min(parsed) < EARLIEST)):
            return None
        lon, lat = np.array(lons, dtype=float), np.array(lats, dtype=float)
        acc = np.array([np.nan if a is None else a for a in accs], dtype=float)
        if not (
            np.isfinite(lon).all()
            and np.isfinite(lat).all()
            and (np.abs(lon) <= 180).all()
            and (np.abs(lat) <= 90).all()
            and not (acc < 0).any()
            and not np.isinf(acc).any()
        ):
            return None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None
    return list(zip(parsed, lon.tolist(), lat.tolist(), [None if a is None else float(a) for a in accs], strict=True))


def fixes_clean(fixes, *, limit: int | None = MAX_FIXES) -> list[tuple[dt.datetime, float, float, float | None]]:
    """(time, lon, lat, accuracy) of each fix, or FixError naming the first bad one."""
    if not isinstance(fixes, list | tuple):
        raise FixError(_("fixes must be a list."))
    if limit is not None and len(fixes) > limit:
        raise FixError(_("At most %(max)d fixes per batch (%(n)d sent).") % {"max": MAX_FIXES, "n": len(fixes)})
    latest = timezone.now() + FUTURE_TOLERANCE
    rows = _clean_fast(fixes, latest)
    if rows is not None:
        return rows
    # Something is wrong (or unusual): fix by fix, to name the first bad one.
    rows = []
    for i, fix in enumerate(fixes):
        if not isinstance(fix, dict):
            raise FixError(_("a fix is an object with time, lon, lat and accuracy_m."), index=i)
        try:
            time, lon, lat = fix["time"], fix["lon"], fix["lat"]
        except KeyError as missing:
            raise FixError(_("%(field)s is missing.") % {"field": missing.args[0]}, index=i) from None
        rows.append(
            (
                _time(time, i, latest),
                _number(lon, i, "lon", low=-180, high=180),
                _number(lat, i, "lat", low=-90, high=90),
                _number(fix.get("accuracy_m"), i, "accuracy_m", low=0, required=False),
            )
        )
    return rows


def _insert(device_id: str, rows, source: str) -> int:
    """Insert ``rows`` skipping (device, time) already stored; the number inserted."""
    if not rows:
        return 0
    table = connection.ops.quote_name(PatrolFix._meta.db_table)
    columns = "device_id, time, lon, lat, accuracy_m, source"
    if connection.vendor == "postgresql":
        # Bound on the server, the arrays in binary (%b): Django's cursor binds on the client, quoting each
        # array element as text in Python (a third of a batch's time). Same connection, same transaction.
        import psycopg

        times, lons, lats, accs = zip(*rows, strict=True)
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, t, x, y, a, %s"  # noqa: S608 (names are ours)
                " FROM unnest(%b::timestamptz[], %b::float8[], %b::float8[], %b::float8[]) AS f(t, x, y, a)"
                " ON CONFLICT (device_id, time) DO NOTHING",
                [device_id, source, list(times), list(lons), list(lats), list(accs)],
            )
            return cursor.rowcount
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT OR IGNORE INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            [(device_id, adapt(t), x, y, a, source) for t, x, y, a in rows],
        )
        return cursor.rowcount


def fixes_ingest(*, device_id: str, fixes, source: str = FixSource.DEVICE) -> dict:
    """Store a batch of one device's fixes (dicts with time, lon, lat and optional accuracy_m).

    Validates everything first (FixError names the first bad fix; nothing is written then), then inserts in
    one statement, skipping fixes whose (device, time) is stored already — or repeated in the batch.
    Returns ``{"received", "added", "duplicates"}``.
    """
    return fixes_ingest_many(batches=[(device_id, fixes)], source=source)


def fixes_ingest_many(*, batches, source: str = FixSource.DEVICE) -> dict:
    """``fixes_ingest`` for several devices' batches [(device_id, fixes)], at most MAX_FIXES in all, all or
    nothing (FixError.batch names the bad batch)."""
    if source not in FixSource.values:
        raise FixError(_("Unknown source %(source)s.") % {"source": source}, field="source")
    total = sum(len(fixes) if isinstance(fixes, list | tuple) else 0 for _device, fixes in batches)
    if total > MAX_FIXES:
        raise FixError(_("At most %(max)d fixes per batch (%(n)d sent).") % {"max": MAX_FIXES, "n": total})
    cleaned = []
    for number, (device_id, fixes) in enumerate(batches):
        try:
            cleaned.append((device_id_clean(device_id), fixes_clean(fixes)))
        except FixError as exc:
            exc.batch = number
            raise
    received = sum(len(rows) for _device, rows in cleaned)
    with transaction.atomic():
        added = sum(_insert(device_id, rows, str(source)) for device_id, rows in cleaned)
    return {"received": received, "added": added, "duplicates": received - added}


def fixes_sender_check(*, actor, device_ids, platform: bool = False) -> None:
    """The caller may send fixes for each of ``device_ids``: registered devices (admin, 设备) of a team the
    caller may act for — the office and the city platform: any; a company (its staff or its key): its teams';
    a person: the devices given to them and those of their teams. SenderRefused otherwise."""
    ids = sorted(set(device_ids))
    known = {
        d["device_id"]: d
        for d in Device.objects.filter(device_id__in=ids).values("device_id", "team_id", "team__company_id", "user_id")
    }
    unknown = [d for d in ids if d not in known]
    if unknown:
        raise SenderRefused(
            _("Unknown device %(device)s: register it in the admin (patrols, devices) first.")
            % {"device": ", ".join(unknown[:5])},
            status=422,
            code="unknown_device",
        )
    if platform or is_regulator(actor):
        return
    company_id = getattr(actor, "company_id", None)
    teams = None
    for device in known.values():
        if company_id and device["team__company_id"] == company_id:
            continue
        if getattr(actor, "is_person", True) and actor.pk is not None and device["user_id"] == actor.pk:
            continue
        if teams is None:
            teams = set(actor.patrol_teams.values_list("pk", flat=True)) if getattr(actor, "pk", None) else set()
        if device["team_id"] in teams:
            continue
        raise SenderRefused(_("You may not send fixes for device %(device)s.") % {"device": device["device_id"]})
