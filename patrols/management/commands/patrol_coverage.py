"""manage.py patrol_coverage TRACK.gpx --pipeline CODE [--from-m A --to-m B] [--mode ...] [--json OUT]

Judges a GPX track against a stretch of a pipeline (the whole pipeline by default) and the checkpoints
stored for it; prints the report (in Chinese by default) and writes patrols.md's JSON.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from patrols.choices import Mode
from patrols.gpx import GpxError, gpx_read
from patrols.judging import Fixes, JudgeError, stretch_judge
from patrols.models import DEFAULT_COVERAGE_WIDTH_M
from pipelines.models import Pipeline


class Command(BaseCommand):
    help = "Judge a GPX track against a stretch of a pipeline (docs/patrols.md) and print the report."

    def add_arguments(self, parser):
        parser.add_argument("gpx", help="The GPX file.")
        parser.add_argument("--pipeline", required=True, help="The pipeline's code.")
        parser.add_argument("--from-m", type=float, default=None, help="Start chainage (m); default 0.")
        parser.add_argument("--to-m", type=float, default=None, help="End chainage (m); default the pipeline's end.")
        parser.add_argument("--mode", choices=Mode.values, default=Mode.WALK, help="walk, bicycle, vehicle, drone.")
        parser.add_argument("--width", type=float, default=DEFAULT_COVERAGE_WIDTH_M, help="Coverage width (m).")
        parser.add_argument("--json", dest="json_out", default=None, help="Write the report (JSON) to this file.")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options):
        path = Path(options["gpx"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from None
        try:
            fixes, skipped = gpx_read(data)
        except GpxError as exc:
            raise CommandError(f"{path}: {exc}") from None
        pipeline = Pipeline.objects.filter(code=options["pipeline"]).first()
        if pipeline is None:
            raise CommandError(_("Unknown pipeline %(code)s.") % {"code": options["pipeline"]})
        try:
            judgement = stretch_judge(
                pipeline=pipeline,
                mode=options["mode"],
                from_m=options["from_m"],
                to_m=options["to_m"],
                fixes=Fixes.of(fixes),
                coverage_width_m=options["width"],
            )
        except JudgeError as exc:
            raise CommandError(str(exc)) from None
        report = judgement.report()
        self.stdout.write(report_text(judgement, received=len(fixes), skipped=skipped))
        if options["json_out"]:
            try:
                Path(options["json_out"]).write_text(json.dumps(report, ensure_ascii=False) + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    _("Cannot write %(path)s: %(error)s") % {"path": options["json_out"], "error": exc.strerror}
                ) from None
            self.stdout.write(_("Report written to %(path)s.") % {"path": options["json_out"]})


def report_text(judgement, *, received: int, skipped: int = 0) -> str:
    """The report for people, in the active language."""
    report = judgement.report()
    legs = judgement.legs
    lines = [
        _("Pipeline %(code)s, chainage %(a)s–%(b)s m (%(length).1f m), mode: %(mode)s.")
        % {
            "code": report["pipeline_code"],
            "a": report["from_m"],
            "b": report["to_m"],
            "length": report["length_m"],
            "mode": Mode(report["mode"]).label,
        },
        _("Fixes: %(n)d read, %(used)d used (%(dropped)d inaccurate or repeated, %(skipped)d without a time).")
        % {"n": received + skipped, "used": len(legs.t), "dropped": received - len(legs.t), "skipped": skipped},
        _("Legs: %(n)d, kept %(kept)d, gaps %(gaps)d, overspeed %(fast)d.")
        % {"n": len(legs.start), "kept": judgement.kept_legs, "gaps": report["gaps"], "fast": report["overspeed_legs"]},
        _("Covered %(covered).1f m, coverage rate %(rate).2f%%.")
        % {"covered": report["covered_m"], "rate": report["coverage"] * 100},
    ]
    if report["uncovered"]:
        ranges = ", ".join(f"{a}–{b}" for a, b in report["uncovered"])
        lines.append(_("Uncovered (m): %(ranges)s.") % {"ranges": ranges})
    lines.append(
        _("Checkpoints: %(required)d required, %(visited)d visited, arrival rate %(rate).1f%%.")
        % {
            "required": report["checkpoints_required"],
            "visited": report["checkpoints_visited"],
            "rate": judgement.arrival * 100,
        }
    )
    if report["missed"]:
        lines.append(_("Missed checkpoints: %(codes)s.") % {"codes": ", ".join(report["missed"])})
    return "\n".join(lines)
