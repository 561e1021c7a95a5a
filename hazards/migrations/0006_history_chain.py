"""The hazard history as a hash chain (hazards/chain.py): add prev_hash and
hash, chain the existing rows in id order, and install the guards again
(refusing deletes and replacements of history rows, replacements of hazards
that skip the life cycle, and unchained inserts). Adding the columns rebuilds
hazards_hazardtransition on SQLite, which drops its triggers: ``install``
comes last."""

from django.db import migrations, models

from hazards import db_guards


def chain_existing(apps, schema_editor):
    from hazards.chain import FIELDS, GENESIS, row_hash

    transition = apps.get_model("hazards", "HazardTransition")
    previous, changes = GENESIS, []
    for pk, *values in transition.objects.order_by("id").values_list("id", *FIELDS).iterator(chunk_size=5000):
        current = row_hash(tuple(values), previous)
        changes.append((previous, current, pk))
        previous = current
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany("UPDATE hazards_hazardtransition SET prev_hash = %s, hash = %s WHERE id = %s", changes)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0005_reinstall_guards")]

    operations = [
        migrations.RunPython(db_guards.uninstall, migrations.RunPython.noop),
        migrations.AddField(
            model_name="hazardtransition",
            name="prev_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="previous hash"),
        ),
        migrations.AddField(
            model_name="hazardtransition",
            name="hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="hash"),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(db_guards.install, db_guards.uninstall),
    ]
