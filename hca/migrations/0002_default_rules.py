from django.db import migrations


def install(apps, schema_editor):
    from hca.rules_data import hca_rules_install

    hca_rules_install(apps.get_model("hca", "HcaRule"))


class Migration(migrations.Migration):
    dependencies = [("hca", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
