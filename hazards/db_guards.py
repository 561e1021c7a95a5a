"""Database triggers that guard the closed loop, for SQLite and PostgreSQL.

- A hazard's status may only change along the life cycle, whether by UPDATE,
  by SQLite's INSERT OR REPLACE over an existing hazard, or by PostgreSQL's
  INSERT ... ON CONFLICT DO UPDATE (which fires the update trigger).
- Hazard history rows are never updated, deleted (PostgreSQL: nor truncated)
  or replaced (SQLite's REPLACE deletes the old row without firing delete
  triggers, so a BEFORE INSERT trigger refuses a row whose id exists).
- A new history row must carry a hash and be chained to the last row
  (``prev_hash`` = the last row's ``hash``; hazards/chain.py computes them).

``history_unlocked()`` lifts the history guards inside one transaction, for
``HazardTransitionQuerySet.purge()`` and ``manage.py flush`` only: PostgreSQL's triggers let the
statement through when the transaction set ``hazards.history_unlocked``
(SET LOCAL, gone at commit or rollback); on SQLite the history triggers are
dropped and created again inside the transaction (SQLite DDL is transactional).

SQLite drops a table's triggers when a migration rebuilds the table (most
AlterField/AddField operations do): a migration that changes
hazards_hazard or hazards_hazardtransition must call ``install`` again.
tests/test_lifecycle.py and tests/test_history_chain.py fail if a trigger is missing.
"""

from contextlib import contextmanager

from django.db import connections, transaction

from hazards.lifecycle_pairs import ALLOWED_STATUS_PAIRS

PAIRS = ", ".join(f"'{a}>{b}'" for a, b in ALLOWED_STATUS_PAIRS)
APPEND_ONLY = "hazard history is append-only"
LAST_HASH = "(SELECT hash FROM hazards_hazardtransition ORDER BY id DESC LIMIT 1)"

SQLITE_HISTORY_TRIGGERS = (
    "hazard_history_append_only",
    "hazard_history_no_delete",
    "hazard_history_no_replace",
    "hazard_history_chained",
)
SQLITE_HISTORY_CREATE = [
    f"""CREATE TRIGGER hazard_history_append_only BEFORE UPDATE ON hazards_hazardtransition
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER hazard_history_no_delete BEFORE DELETE ON hazards_hazardtransition
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER hazard_history_no_replace BEFORE INSERT ON hazards_hazardtransition
    WHEN EXISTS (SELECT 1 FROM hazards_hazardtransition WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: a history row cannot be replaced'); END""",  # noqa: S608 (constants)
    f"""CREATE TRIGGER hazard_history_chained BEFORE INSERT ON hazards_hazardtransition
    WHEN length(NEW.hash) <> 64 OR NEW.prev_hash IS NOT COALESCE({LAST_HASH}, '')
    BEGIN SELECT RAISE(ABORT, 'hazard history row not chained to the last row'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS hazard_status_lifecycle",
    "DROP TRIGGER IF EXISTS hazard_status_replace",
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_HISTORY_TRIGGERS),
]
SQLITE_CREATE = [
    f"""CREATE TRIGGER hazard_status_lifecycle BEFORE UPDATE OF status ON hazards_hazard
    WHEN OLD.status <> NEW.status AND (OLD.status || '>' || NEW.status) NOT IN ({PAIRS})
    BEGIN SELECT RAISE(ABORT, 'hazard status change not allowed by the life cycle'); END""",
    f"""CREATE TRIGGER hazard_status_replace BEFORE INSERT ON hazards_hazard
    WHEN EXISTS (SELECT 1 FROM hazards_hazard AS old WHERE old.id = NEW.id AND old.status <> NEW.status
                 AND (old.status || '>' || NEW.status) NOT IN ({PAIRS}))
    BEGIN SELECT RAISE(ABORT, 'hazard status change not allowed by the life cycle'); END""",  # noqa: S608
    *SQLITE_HISTORY_CREATE,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS hazard_status_lifecycle ON hazards_hazard",
    "DROP FUNCTION IF EXISTS hazard_status_lifecycle()",
    "DROP TRIGGER IF EXISTS hazard_history_append_only ON hazards_hazardtransition",
    "DROP TRIGGER IF EXISTS hazard_history_no_truncate ON hazards_hazardtransition",
    "DROP FUNCTION IF EXISTS hazard_history_append_only()",
    "DROP TRIGGER IF EXISTS hazard_history_chained ON hazards_hazardtransition",
    "DROP FUNCTION IF EXISTS hazard_history_chained()",
]
POSTGRES_CREATE = [
    f"""CREATE FUNCTION hazard_status_lifecycle() RETURNS trigger AS $$
    BEGIN
        IF OLD.status <> NEW.status AND (OLD.status || '>' || NEW.status) NOT IN ({PAIRS}) THEN
            RAISE EXCEPTION 'hazard status change % > % not allowed by the life cycle', OLD.status, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER hazard_status_lifecycle BEFORE UPDATE OF status ON hazards_hazard
    FOR EACH ROW EXECUTE FUNCTION hazard_status_lifecycle()""",
    f"""CREATE FUNCTION hazard_history_append_only() RETURNS trigger AS $$
    BEGIN
        IF current_setting('hazards.history_unlocked', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'check_violation';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER hazard_history_append_only BEFORE UPDATE OR DELETE ON hazards_hazardtransition
    FOR EACH ROW EXECUTE FUNCTION hazard_history_append_only()""",
    """CREATE TRIGGER hazard_history_no_truncate BEFORE TRUNCATE ON hazards_hazardtransition
    FOR EACH STATEMENT EXECUTE FUNCTION hazard_history_append_only()""",
    f"""CREATE FUNCTION hazard_history_chained() RETURNS trigger AS $$
    BEGIN
        IF length(NEW.hash) <> 64 OR NEW.prev_hash IS DISTINCT FROM COALESCE({LAST_HASH}, '') THEN
            RAISE EXCEPTION 'hazard history row not chained to the last row' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER hazard_history_chained BEFORE INSERT ON hazards_hazardtransition
    FOR EACH ROW EXECUTE FUNCTION hazard_history_chained()""",
]


def _execute(schema_editor, statements):
    for statement in statements:
        # No parameters: the PL/pgSQL bodies contain literal % signs.
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        create = SQLITE_CREATE
        if not _has_hash_column(schema_editor.connection):
            # An early migration (0003, 0005), before 0006 adds the hash: SQLite would take a trigger naming
            # NEW.hash but refuse every later table rebuild in the database (any app's) until 0006 runs.
            create = [statement for statement in create if "hazard_history_chained" not in statement]
        _execute(schema_editor, SQLITE_DROP + create)
    elif vendor == "postgresql":
        _execute(schema_editor, POSTGRES_DROP + POSTGRES_CREATE)


def _has_hash_column(connection) -> bool:
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "hazards_hazardtransition")
    return any(column.name == "hash" for column in columns)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else [])


@contextmanager
def history_unlocked(using: str = "default"):
    """Lift the history guards until the end of the block, inside one transaction."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if "hazards_hazardtransition" not in connection.introspection.table_names(cursor):
            yield  # not migrated yet: nothing to guard
        elif connection.vendor == "postgresql":
            cursor.execute("SET LOCAL hazards.history_unlocked = 'on'")
            yield
            cursor.execute("SET LOCAL hazards.history_unlocked = 'off'")
        elif connection.vendor == "sqlite":
            for name in SQLITE_HISTORY_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            yield
            for statement in SQLITE_HISTORY_CREATE:
                cursor.execute(statement)
        else:
            yield
