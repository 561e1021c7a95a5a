"""python manage.py identify_hcas [--pipeline CODE ...] [--rules gb32167|cfr192] [--geojson OUT]"""

import time

from django.core.management.base import BaseCommand, CommandError

from common.errors import DomainError
from hca.choices import RuleSet, RunTrigger
from hca.exports import segments_geojson_write
from hca.services import hca_identify
from pipelines.models import Pipeline


class Command(BaseCommand):
    help = "Identify the high-consequence areas of pipelines from the GIS layers and store them."

    def add_arguments(self, parser):
        parser.add_argument("--pipeline", action="append", dest="codes", metavar="CODE", help="Only this pipeline.")
        parser.add_argument("--rules", choices=RuleSet.values, default=RuleSet.GB32167)
        parser.add_argument("--geojson", metavar="OUT", help="Also write the segments as GeoJSON (EPSG:4326).")
        parser.add_argument("--no-encroachment", action="store_true", help="Do not report encroachment hazards.")

    def handle(self, *args, codes=None, rules=RuleSet.GB32167, geojson=None, no_encroachment=False, **options):
        ids = None
        if codes:
            found = dict(Pipeline.objects.filter(code__in=codes).values_list("code", "pk"))
            missing = sorted(set(codes) - set(found))
            if missing:
                raise CommandError(f"Unknown pipeline code(s): {', '.join(missing)}")
            ids = list(found.values())
        started = time.perf_counter()
        try:
            run, segments = hca_identify(
                pipeline_ids=ids, rule_set=rules, trigger=RunTrigger.MANUAL, detect_encroachment=not no_encroachment
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        grades = {g: sum(1 for s in segments if s.grade == g) for g in (3, 2, 1)}
        self.stdout.write(
            f"{run.pipeline_count} pipelines, {run.segment_count} HCA segments "
            f"(III: {grades[3]}, II: {grades[2]}, I: {grades[1]}), "
            f"{run.encroachment_count} new encroachment hazards, {time.perf_counter() - started:.2f} s"
        )
        if geojson:
            count = segments_geojson_write(path=geojson, rule_set=rules, pipeline_ids=ids)
            self.stdout.write(f"{count} segments written to {geojson}")
