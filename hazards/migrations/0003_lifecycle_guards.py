"""Database guards of the closed loop, and the default deadline rules.

- A hazard's status may only change along the life cycle (a trigger refuses
  any other change, whatever writes it).
- Hazard history rows are never updated (a trigger refuses it).
"""

from django.db import migrations

from hazards import db_guards

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
        migrations.RunPython(db_guards.install, db_guards.uninstall),
        migrations.RunPython(add_rules, migrations.RunPython.noop),
    ]
