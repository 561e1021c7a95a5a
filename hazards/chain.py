"""The hazard history as a hash chain: tamper evidence for the append-only log.

One chain over the whole table, in id order. Each row stores the hash of the
row before it (``prev_hash``; empty for the first row) and its own ``hash``:
SHA-256 over a canonical serialisation of its fields and ``prev_hash``. A row
changed, removed or inserted out of place breaks the chain from there on,
and ``manage.py verify_history`` names the first broken row.

Every history row is written by ``history_append`` (the model's ``save`` and
its queryset's ``bulk_create`` come here): it serialises writers (a
PostgreSQL advisory lock; SQLite writers are serialised by the database),
reads the hash of the last row, chains the new rows and inserts them. A
database trigger refuses rows whose ``prev_hash`` is not the last row's hash.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _

_LOCK_KEY = 727_002  # pg_advisory_xact_lock key of the history chain
FIELDS = ("hazard_id", "action", "from_status", "to_status", "actor_id", "comment", "details", "created_at")
GENESIS = ""


def _instant(value) -> str:
    if isinstance(value, str):  # a raw database value
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(values: tuple, prev_hash: str) -> str:
    """SHA-256 of one row: ``values`` in the order of FIELDS, then the previous row's hash."""
    hazard_id, action, from_status, to_status, actor_id, comment, details, created_at = values
    if isinstance(details, str):
        details = json.loads(details)
    payload = [
        int(hazard_id),
        action,
        from_status,
        to_status,
        None if actor_id is None else int(actor_id),
        comment,
        details,
        _instant(created_at),
        prev_hash,
    ]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))  # what row_hash's dumps uses


def _chain(values: list[tuple], previous: str) -> list[str]:
    """The hashes of ``values`` (tuples in the order of FIELDS) chained after ``previous``: row_hash's
    serialisation in one tight loop, each distinct time formatted once (rows written together share it)."""
    encode, sha256, instants, hashes = _ENCODER.encode, hashlib.sha256, {}, []
    for hazard_id, action, from_status, to_status, actor_id, comment, details, created_at in values:
        instant = instants.get(created_at)
        if instant is None:
            instant = instants[created_at] = _instant(created_at)
        if isinstance(details, str):
            details = json.loads(details)
        actor = None if actor_id is None else int(actor_id)
        payload = [int(hazard_id), action, from_status, to_status, actor, comment, details, instant, previous]
        previous = sha256(encode(payload).encode()).hexdigest()
        hashes.append(previous)
    return hashes


def _values(row) -> tuple:
    return tuple(getattr(row, name) for name in FIELDS)


def history_lock() -> None:
    """Take the history chain's lock (PostgreSQL; SQLite transactions take the write lock).

    Held until the transaction ends, so a transaction that writes history takes it
    FIRST, before any row lock (the services' hazard lock, the code sequences): with
    every writer taking the same lock first, two of them cannot deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _last_hash(model) -> str:
    return model._base_manager.order_by("-id").values_list("hash", flat=True).first() or GENESIS


COLUMNS = (*FIELDS, "prev_hash", "hash")
_TYPES = {"hazard_id": "bigint", "actor_id": "bigint", "details": "jsonb", "created_at": "timestamptz"}
_INSERT = {
    # One statement whatever the number of rows: they travel as one JSON array, in order.
    "sqlite": 'INSERT INTO "hazards_hazardtransition" ({columns}) SELECT {values} FROM json_each(%s) ORDER BY key '
    "RETURNING id",
    "postgresql": 'INSERT INTO "hazards_hazardtransition" ({columns}) SELECT {columns} '
    "FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS ({typed})) WITH ORDINALITY AS r({columns}, n) ORDER BY n "
    "RETURNING id",
}


def _insert(rows: list) -> None:
    """Insert chained rows in one statement; give them their ids."""
    instants = {}  # rows written together share their time: adapt each time once
    for row in rows:
        if row.created_at not in instants:
            instants[row.created_at] = str(connection.ops.adapt_datetimefield_value(row.created_at))
    as_text = connection.vendor != "postgresql"  # PostgreSQL takes the details as JSON inside the JSON
    payload = [
        {
            **{name: getattr(row, name) for name in COLUMNS},
            "details": json.dumps(row.details, ensure_ascii=False) if as_text else row.details,
            "created_at": instants[row.created_at],
        }
        for row in rows
    ]
    statement = _INSERT[connection.vendor].format(
        columns=", ".join(COLUMNS),
        values=", ".join(f"json_extract(value, '$.{name}')" for name in COLUMNS),
        typed=", ".join(f"{name} {_TYPES.get(name, 'text')}" for name in COLUMNS),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [json.dumps(payload, ensure_ascii=False)])
        ids = sorted(pk for (pk,) in cursor.fetchall())
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding, row._state.db = False, connection.alias


def history_append(rows: list) -> list:
    """Chain and insert history rows (unsaved HazardTransition instances), in list order:
    the one way history rows are written. Three statements however many rows."""
    from hazards.models.history import HazardTransition

    with transaction.atomic():
        history_lock()
        previous = _last_hash(HazardTransition)
        if any(row.pk is not None for row in rows):
            raise TypeError("Hazard history is append-only.")
        for row, current in zip(rows, _chain([_values(row) for row in rows], previous), strict=True):
            row.prev_hash, row.hash, previous = previous, current, current
        _insert(rows)  # even when empty: the same statements however many rows
    return rows


def history_append_values(values: list[tuple]) -> int:
    """Chain and insert history rows given as tuples in the order of FIELDS (``created_at`` an aware
    datetime), in list order, without model instances or giving back ids: for set-based jobs that
    write thousands (escalations/bulk.py). The same rows, hashes and guards as ``history_append``;
    on PostgreSQL they travel by COPY (the triggers fire for each row as for an INSERT)."""
    from hazards.models.history import HazardTransition

    if connection.vendor != "postgresql":
        rows = [HazardTransition(**dict(zip(FIELDS, row, strict=True))) for row in values]
        return len(history_append(rows))
    with transaction.atomic():
        history_lock()
        previous = _last_hash(HazardTransition)
        hashes = _chain(values, previous)
        dumps = json.dumps
        with (
            connection.wrap_database_errors,  # psycopg's errors raised as Django's
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY hazards_hazardtransition ({', '.join(COLUMNS)}) FROM STDIN") as copy,
        ):
            for row, current in zip(values, hashes, strict=True):
                copy.write_row((*row[:6], dumps(row[6], ensure_ascii=False), row[7], previous, current))
                previous = current
    return len(values)


@dataclass
class Break:
    id: int
    hazard_code: str
    problem: str

    def __str__(self):
        return f"{self.id} ({self.hazard_code}): {self.problem}"


def history_verify(*, chunk_size: int = 5000) -> tuple[int, Break | None]:
    """Walk the chain in id order: (rows checked, the first broken row or None)."""
    from hazards.models.history import HazardTransition

    rows = HazardTransition._base_manager.order_by("id").values_list("id", *FIELDS, "prev_hash", "hash", "hazard__code")
    previous, previous_id, count = GENESIS, None, 0
    for pk, *values, prev_hash, stored, code in rows.iterator(chunk_size=chunk_size):
        if prev_hash != previous:
            return count, Break(
                pk,
                code,
                _(
                    "its prev_hash %(prev)s… is not the hash of the row before it, %(before)s (%(hash)s…): "
                    "a row before it was removed, changed or put out of place"
                )
                % {"prev": prev_hash[:12], "before": previous_id or "-", "hash": previous[:12]},
            )
        computed = row_hash(tuple(values), prev_hash)
        if computed != stored:
            fields = dict(zip(FIELDS, values, strict=True))
            return count, Break(
                pk,
                code,
                _("its fields no longer give its stored hash %(stored)s… (they give %(computed)s…): ")
                % {"stored": stored[:12], "computed": computed[:12]}
                + _("the row was changed; it now reads %(fields)s") % {"fields": fields},
            )
        previous, previous_id, count = stored, pk, count + 1
    return count, None


def history_rechain(*, from_id: int) -> int:
    """Recompute the chain from row ``from_id`` on (after a purge); call with the guards lifted."""
    from hazards.models.history import HazardTransition

    manager = HazardTransition._base_manager
    previous = manager.filter(id__lt=from_id).order_by("-id").values_list("hash", flat=True).first() or GENESIS
    changes = []
    for pk, *values, prev_hash, stored in (
        manager.filter(id__gte=from_id).order_by("id").values_list("id", *FIELDS, "prev_hash", "hash").iterator()
    ):
        computed = row_hash(tuple(values), previous)
        if (prev_hash, stored) != (previous, computed):
            changes.append((previous, computed, pk))
        previous = computed
    if changes:
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE hazards_hazardtransition SET prev_hash = %s, hash = %s WHERE id = %s", changes)
    return len(changes)
