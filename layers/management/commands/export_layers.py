"""python manage.py export_layers OUT [--format gpkg|geojson] [--layer pipelines|hca_segments ...]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hca.choices import RuleSet
from layers.exports import EXPORT_LAYERS, FORMATS, GEOJSON, GPKG, layers_export


class Command(BaseCommand):
    help = (
        "Export pipelines and HCA segments (EPSG:4326): a GeoPackage with one layer each, or GeoJSON files "
        "(OUT is then a folder receiving <layer>.geojson)."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="The GeoPackage file, or the folder for GeoJSON files.")
        parser.add_argument(
            "--format", dest="fmt", choices=FORMATS, help="gpkg (default; geojson when OUT ends in .geojson)."
        )
        parser.add_argument(
            "--layer",
            action="append",
            dest="layers",
            choices=EXPORT_LAYERS,
            help="Export only this layer (repeatable).",
        )
        parser.add_argument("--rule-set", default=RuleSet.GB32167, choices=RuleSet.values)
        parser.add_argument("--pipeline", action="append", dest="codes", metavar="CODE", help="Only this pipeline.")

    def handle(self, *args, out, fmt, layers, rule_set, codes, **options):
        fmt = fmt or (GEOJSON if Path(out).suffix.lower() in (".geojson", ".json") else GPKG)
        try:
            written = layers_export(
                path=out, layers=tuple(layers or EXPORT_LAYERS), fmt=fmt, pipeline_codes=codes, rule_set=rule_set
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for path in written:
            self.stdout.write(self.style.SUCCESS(_("Wrote %(path)s") % {"path": path}))
