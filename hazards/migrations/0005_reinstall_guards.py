"""0004 rebuilt hazards_hazardtransition on SQLite, which drops its triggers:
install the guards again (idempotent on both databases)."""

from django.db import migrations

from hazards import db_guards


class Migration(migrations.Migration):
    dependencies = [("hazards", "0004_history_time_default")]

    operations = [migrations.RunPython(db_guards.install, db_guards.uninstall)]
