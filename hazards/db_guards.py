"""Database triggers that guard the closed loop, for SQLite and PostgreSQL.

- A hazard's status may only change along the life cycle.
- Hazard history rows are never updated.

SQLite drops a table's triggers when a migration rebuilds the table (most
AlterField/AddField operations do): a migration that changes
hazards_hazard or hazards_hazardtransition must call ``install`` again.
tests/test_lifecycle.py fails if a trigger is missing.
"""

from hazards.lifecycle_pairs import ALLOWED_STATUS_PAIRS

PAIRS = ", ".join(f"'{a}>{b}'" for a, b in ALLOWED_STATUS_PAIRS)

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS hazard_status_lifecycle",
    "DROP TRIGGER IF EXISTS hazard_history_append_only",
]
SQLITE_CREATE = [
    f"""CREATE TRIGGER hazard_status_lifecycle BEFORE UPDATE OF status ON hazards_hazard
    WHEN OLD.status <> NEW.status AND (OLD.status || '>' || NEW.status) NOT IN ({PAIRS})
    BEGIN SELECT RAISE(ABORT, 'hazard status change not allowed by the life cycle'); END""",
    """CREATE TRIGGER hazard_history_append_only BEFORE UPDATE ON hazards_hazardtransition
    BEGIN SELECT RAISE(ABORT, 'hazard history is append-only'); END""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS hazard_status_lifecycle ON hazards_hazard",
    "DROP FUNCTION IF EXISTS hazard_status_lifecycle()",
    "DROP TRIGGER IF EXISTS hazard_history_append_only ON hazards_hazardtransition",
    "DROP FUNCTION IF EXISTS hazard_history_append_only()",
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
    """CREATE FUNCTION hazard_history_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'hazard history is append-only' USING ERRCODE = 'check_violation';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER hazard_history_append_only BEFORE UPDATE ON hazards_hazardtransition
    FOR EACH ROW EXECUTE FUNCTION hazard_history_append_only()""",
]


def _execute(schema_editor, statements):
    for statement in statements:
        # No parameters: the PL/pgSQL bodies contain literal % signs.
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP + SQLITE_CREATE)
    elif vendor == "postgresql":
        _execute(schema_editor, POSTGRES_DROP + POSTGRES_CREATE)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else [])
