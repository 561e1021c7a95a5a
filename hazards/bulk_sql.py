"""Inserting many unsaved model instances fast: what ``QuerySet.bulk_create`` stores, in the same
multi-row ``INSERT … RETURNING id`` statements, without its per-value compiler work.

bulk_create asks the SQL compiler, for every value of every row, for the field's
``pre_save``, its database value and its placeholder. Here each field is asked
once how it behaves: ``pre_save`` only where the field's class overrides it
(auto_now dates, files), the placeholder from the field only where it has its own (the geometry
function of the backend), and the database value of a hashable value once per
distinct value (status, company, dates… repeat from row to row). Geometries and
JSON go through the field's own adaptation (the backend's WKB/EWKB adapter) each.
No signals, like bulk_create."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Field
from django.db.models.sql import InsertQuery

_MEMO_TYPES = (str, int, float, bool, type(None), date, Decimal)


_PIPELINE_ROWS = 100  # rows per statement on PostgreSQL


def _insert_pipelined(head: str, placeholders: str, rows: list, returning: str) -> list:
    """PostgreSQL: multi-row INSERTs of _PIPELINE_ROWS rows sent together (psycopg's pipeline: the
    statement parsed once, one round trip), the ids in order. One statement with tens of thousands of
    placeholders costs more: psycopg parses its text in Python; one statement per row costs the server."""
    import psycopg

    connection.ensure_connection()
    ids = []
    full = len(rows) - len(rows) % _PIPELINE_ROWS
    # Parameters bound on the server; psycopg's errors raised as Django's (IntegrityError…).
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        for chunk, size in ((rows[:full], _PIPELINE_ROWS), (rows[full:], len(rows) - full)):
            if not chunk:
                continue
            statement = f"{head}{', '.join([f'({placeholders})'] * size)} RETURNING {returning}"
            params = [[v for row in chunk[i : i + size] for v in row] for i in range(0, len(chunk), size)]
            cursor.executemany(statement, params, returning=True)
            while True:
                ids.extend(pk_value for (pk_value,) in cursor.fetchall())
                if not cursor.nextset():
                    break
    return ids


def _fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.generated and not f.primary_key]


def rows_insert(model, objs: list) -> list:
    """Insert ``objs`` (unsaved instances without a primary key) in list order; give each its id."""
    if not objs:
        return objs
    fields = _fields(model)
    compiler = InsertQuery(model).get_compiler(connection=connection)
    own_pre_save = [type(f).pre_save is not Field.pre_save for f in fields]
    memo = [{} for _ in fields]
    names = [f.attname for f in fields]
    for obj in objs:
        if obj.pk is not None:
            raise ValueError("rows_insert inserts new rows only.")
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    rows = []
    for obj in objs:
        row = []
        for i, field in enumerate(fields):
            value = field.pre_save(obj, True) if own_pre_save[i] else getattr(obj, names[i])
            if type(value) in _MEMO_TYPES:
                key = (type(value), value)
                cache = memo[i]
                if key not in cache:
                    cache[key] = field.get_db_prep_save(value, connection)
                row.append(cache[key])
            else:
                row.append(field.get_db_prep_save(value, connection))
        rows.append(row)
    # "%s", or per value the backend's geometry function (it depends on the value's SRID).
    special = [hasattr(f, "get_placeholder") for f in fields]
    plain = ["%s"] * len(fields)
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    head = f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) VALUES "  # noqa: S608 (quoted names)

    def placeholders(row) -> str:
        return ", ".join(
            fields[i].get_placeholder(v, compiler, connection) if special[i] else plain[i] for i, v in enumerate(row)
        )

    if connection.vendor == "postgresql" and len({placeholders(row) for row in rows}) == 1:
        ids = _insert_pipelined(head, placeholders(rows[0]), rows, pk)
    else:
        batch = max(1, connection.ops.bulk_batch_size(fields, objs))
        ids = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                values = ", ".join(f"({placeholders(row)})" for row in chunk)
                cursor.execute(f"{head}{values} RETURNING {pk}", [v for row in chunk for v in row])
                ids.extend(pk_value for (pk_value,) in cursor.fetchall())
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding, obj._state.db = False, connection.alias
    return objs
