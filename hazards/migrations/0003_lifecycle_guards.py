"""Database guards of the closed loop, and the default deadline rules.

- A hazard's status may only change along the life cycle (a trigger refuses
  any other change, whatever writes it).
- Hazard history rows are never updated (a trigger refuses it).
"""

from django.db import migrations

# old > new status pairs the life cycle allows (see hazards/lifecycle.py).
ALLOWED = [
    ("reported", "assigned"),
    ("assigned", "rectifying"),
    ("rejected", "rectifying"),
    ("rectifying", "submitted"),
    ("submitted", "closed"),
    ("submitted", "rejected"),
    ("closed", "assigned"),
]
PAIRS = ", ".join(f"'{a}>{b}'" for a, b in ALLOWED)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER hazard_status_lifecycle BEFORE UPDATE OF status ON hazards_hazard
    WHEN OLD.status <> NEW.status AND (OLD.status || '>' || NEW.status) NOT IN ({PAIRS})
    BEGIN SELECT RAISE(ABORT, 'hazard status change not allowed by the life cycle'); END""",
    """CREATE TRIGGER hazard_history_append_only BEFORE UPDATE ON hazards_hazardtransition
    BEGIN SELECT RAISE(ABORT, 'hazard history is append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS hazard_status_lifecycle",
    "DROP TRIGGER IF EXISTS hazard_history_append_only",
]
POSTGRES_FORWARD = [
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
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS hazard_status_lifecycle ON hazards_hazard",
    "DROP FUNCTION IF EXISTS hazard_status_lifecycle()",
    "DROP TRIGGER IF EXISTS hazard_history_append_only ON hazards_hazardtransition",
    "DROP FUNCTION IF EXISTS hazard_history_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor[schema_editor.connection.vendor]:
            schema_editor.execute(statement, params=None)

    return run


DEFAULT_RULES = [
    # (level, category, days): general 30 days, major 90 days; oil theft and
    # third-party construction are urgent whatever their level.
    ("general", "", 30),
    ("major", "", 90),
    ("general", "oil_theft", 7),
    ("major", "oil_theft", 15),
    ("general", "third_party_construction", 15),
    ("major", "third_party_construction", 30),
]


def add_rules(apps, schema_editor):
    DeadlinePolicy = apps.get_model("hazards", "DeadlinePolicy")
    for level, category, days in DEFAULT_RULES:
        DeadlinePolicy.objects.get_or_create(level=level, category=category, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("hazards", "0002_lifecycle_history")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
        migrations.RunPython(add_rules, migrations.RunPython.noop),
    ]
