import json

from django.core.management import BaseCommand, CommandError

from hca.choices import RuleSet
from hca.models import HcaSegment
from pipelines.models import Pipeline
from video.loading import pipeline_length, range_coverage, segments_coverage


class Command(BaseCommand):
    help = (
        "What the cameras cover (docs/video.md): for one chainage range of a pipeline, one answer; without a range, "
        "every HCA segment of the rule set's current identification, as a JSON list. Online cameras count, or "
        "every camera with --all-cameras (the design coverage)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pipeline", metavar="CODE", help="A pipeline's code: answer for one range of it.")
        parser.add_argument("--from-m", type=float, dest="from_m", help="Chainage from (m; default 0).")
        parser.add_argument("--to-m", type=float, dest="to_m", help="Chainage to (m; default the pipeline's end).")
        parser.add_argument("--rule-set", default=RuleSet.GB32167, choices=RuleSet.values, dest="rule_set")
        parser.add_argument("--all-cameras", action="store_true", dest="all_cameras", help="Count offline cameras too.")
        parser.add_argument(
            "--json", dest="json_path", metavar="OUT", help="Write the answer to this file ('-': stdout)."
        )

    def handle(self, *args, pipeline, from_m, to_m, rule_set, all_cameras, json_path, **options):
        if pipeline is None and (from_m is not None or to_m is not None):
            raise CommandError("--from-m and --to-m need --pipeline.")
        if pipeline is not None:
            answer = self._range(pipeline, from_m, to_m, all_cameras)
            answers = [answer]
        else:
            rows = HcaSegment.objects.filter(rule_set=rule_set).order_by("pipeline__code", "start_m")
            measured = segments_coverage(rows.values_list("pk", "pipeline_id", "start_m", "end_m"))
            answer = answers = [measured[pk][1 if all_cameras else 0] for pk in rows.values_list("pk", flat=True)]
        text = json.dumps(answer, ensure_ascii=False, indent=2)
        if json_path == "-":
            self.stdout.write(text)
            return
        if json_path:
            with open(json_path, "w", encoding="utf-8") as out:
                out.write(text + "\n")
        for item in answers:
            self.stdout.write(
                f"{item['pipeline_code']} {item['from_m']:.1f}–{item['to_m']:.1f} m: "
                f"{item['covered_m']:.1f} m covered ({item['coverage']:.1%}), "
                f"{len(item['uncovered'])} uncovered ranges, cameras: {', '.join(item['cameras']) or '—'}"
            )

    def _range(self, code, from_m, to_m, all_cameras):
        found = Pipeline.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"No pipeline {code}.")
        length = pipeline_length(found)
        from_m = 0.0 if from_m is None else from_m
        to_m = length if to_m is None else to_m
        if not (0 <= from_m < to_m <= length + 0.05):
            raise CommandError(
                f"The range must satisfy 0 ≤ from < to ≤ {length:.1f} (the length of {code}); got {from_m}–{to_m}."
            )
        return range_coverage(pipeline=found, from_m=from_m, to_m=min(to_m, length), all_cameras=all_cameras)
