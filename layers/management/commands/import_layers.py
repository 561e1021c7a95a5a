"""python manage.py import_layers PATH [--layer NAME ...] [--create-companies] [--replace-empty]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from layers.choices import LayerName, layer_label
from layers.errors import LayerImportError
from layers.importer import layers_import


class Command(BaseCommand):
    help = (
        "Import GIS layers (pipelines, buildings, sites, settlements, water, protected_areas, roads) from a "
        "GeoPackage, Shapefile (or a zip of one), GeoJSON or FlatGeobuf file. Checks everything first; "
        "writes all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The layer file.")
        parser.add_argument(
            "--layer",
            action="append",
            dest="layers",
            choices=LayerName.values,
            metavar="NAME",
            help=f"Import only this layer (repeatable): {', '.join(LayerName.values)}.",
        )
        parser.add_argument(
            "--create-companies",
            action="store_true",
            help="Create operating companies the pipelines layer names but the database lacks.",
        )
        parser.add_argument(
            "--replace-empty",
            action="store_true",
            help=(
                "Confirm replacing a layer with an empty one or with under half the features it holds "
                "(refused otherwise: a truncated export would delete the layer)."
            ),
        )

    def handle(self, *args, path, layers, create_companies, replace_empty, **options):
        try:
            record = layers_import(
                path=path, layer_names=layers, create_companies=create_companies, replace_empty=replace_empty
            )
        except LayerImportError as exc:
            raise CommandError(str(exc.message)) from exc
        for name, count in record.counts.items():
            seconds = record.details.get(name, {}).get("seconds", 0)
            self.stdout.write(
                _("%(layer)s: %(count)s features, %(seconds).1f s")
                % {"layer": layer_label(name), "count": count, "seconds": seconds}
            )
        if record.message:
            self.stdout.write(record.message)
        done = _("Imported %(file)s in %(seconds).1f s.") % {"file": record.file_name, "seconds": record.seconds}
        self.stdout.write(self.style.SUCCESS(done))
