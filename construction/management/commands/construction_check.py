import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from construction.checks import construction_check, work_type_check
from construction.choices import Band, Verdict, WorkType
from construction.geometry import work_geometry_parse

MAX_FILE_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "The check before digging for each work of a GeoJSON FeatureCollection (properties: work_type, optional id "
        "and start_on), answered in order: the verdict, every pipeline concerned and the notice date."
    )

    def add_arguments(self, parser):
        parser.add_argument("works", metavar="WORKS.geojson", help="A FeatureCollection of works (lon/lat degrees).")
        parser.add_argument(
            "--json", dest="json_path", metavar="OUT", help="Write the answers to this file as JSON ('-': stdout)."
        )

    def handle(self, *args, works, json_path, **options):
        with translation.override(settings.LANGUAGE_CODE):
            checked = self._read(Path(works))
            answers = [
                {"id": ident, **construction_check(geometry=geometry, work_type=work_type, start_on=start_on)}
                for ident, geometry, work_type, start_on in checked
            ]
            text = json.dumps(answers, ensure_ascii=False, indent=2)
            if json_path == "-":
                self.stdout.write(text)
                return
            if json_path:
                try:
                    Path(json_path).write_text(text + "\n", encoding="utf-8")
                except OSError as exc:
                    raise CommandError(
                        _("Cannot write %(path)s: %(error)s") % {"path": json_path, "error": exc}
                    ) from exc
            for number, answer in enumerate(answers, start=1):
                self._summary(answer, number)

    def _read(self, path: Path) -> list[tuple]:
        """Every work of the file, checked before any is answered: a bad one stops the command, naming it."""
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(_("%(path)s is larger than 50 MB.") % {"path": path})
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(_("No such file: %(path)s") % {"path": path}) from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(_("%(path)s is not a GeoJSON file: %(error)s") % {"path": path, "error": exc}) from None
        if (
            not isinstance(data, dict)
            or data.get("type") != "FeatureCollection"
            or not isinstance(data.get("features"), list)
        ):
            raise CommandError(_("%(path)s is not a GeoJSON FeatureCollection.") % {"path": path})
        if not data["features"]:
            raise CommandError(_("%(path)s holds no feature.") % {"path": path})
        works, problems = [], []
        for number, feature in enumerate(data["features"], start=1):
            properties = feature.get("properties") if isinstance(feature, dict) else None
            properties = properties if isinstance(properties, dict) else {}
            ident = properties.get("id", feature.get("id") if isinstance(feature, dict) else None)
            name = _("feature %(number)d") % {"number": number}
            if ident is not None:
                name = _("feature %(number)d (id %(id)s)") % {"number": number, "id": ident}
            try:
                if not isinstance(feature, dict) or feature.get("type") != "Feature":
                    raise ValidationError(_("it is not a GeoJSON Feature."))
                geometry = feature.get("geometry")
                work_geometry_parse(geometry)
                work_type = work_type_check(properties.get("work_type"))
                start_on = self._date(properties.get("start_on"))
            except ValidationError as exc:
                problems.append(_("%(feature)s: %(problem)s") % {"feature": name, "problem": " ".join(exc.messages)})
                continue
            works.append((ident, geometry, work_type, start_on))
        if problems:
            raise CommandError("\n".join(problems))
        return works

    @staticmethod
    def _date(value) -> date | None:
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                _("start_on %(value)s is not a date (YYYY-MM-DD).") % {"value": json.dumps(value, ensure_ascii=False)}
            ) from None

    def _summary(self, answer: dict, number: int) -> None:
        write = self.stdout.write
        label = f"#{answer['id']} " if answer["id"] is not None else f"{_('feature %(number)d') % {'number': number}} "
        write(
            _("%(label)s%(type)s: %(verdict)s")
            % {
                "label": label,
                "type": WorkType(answer["work_type"]).label,
                "verdict": Verdict(answer["verdict"]).label,
            }
        )
        if answer["notice_by"]:
            write(
                "  "
                + _("Written notice must reach the operators by %(date)s (Art. 37).") % {"date": answer["notice_by"]}
            )
        if not answer["pipelines"]:
            write("  " + _("No pipeline within 200 m, no facility within 500 m."))
        for pipe in answer["pipelines"]:
            articles = "、".join(_("Art. %(article)s") % {"article": a} for a in pipe["articles"]) or "—"
            metres = _("%(metres).1f m") % {"metres": pipe["distance_m"]}
            write(
                f"  {pipe['pipeline_code']:<12} {pipe['company']}  {metres}  "
                f"{Band(pipe['band']).label}  {Verdict(pipe['verdict']).label}  {articles}"
            )
