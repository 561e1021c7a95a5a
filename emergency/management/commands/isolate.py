import json
import sys

from django.contrib.gis.geos import Point
from django.core.management import BaseCommand, CommandError

from emergency.services import EmergencyError, isolation_answer


class Command(BaseCommand):
    help = (
        "The isolation answer for an incident at a point (WGS84): the pipeline and chainage, the valves to close, "
        "the isolated stretches and their volume, valves passed, open ends, and what lies within reach."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lon", type=float, required=True, help="Longitude (WGS84 / CGCS2000 degrees).")
        parser.add_argument("--lat", type=float, required=True, help="Latitude (WGS84 / CGCS2000 degrees).")
        parser.add_argument("--failed", nargs="*", default=[], metavar="CODE", help="Valves that could not be closed.")
        parser.add_argument(
            "--json", dest="json_path", metavar="OUT", help="Write the answer to this file ('-': stdout)."
        )

    def handle(self, *args, lon, lat, failed, json_path, **options):
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise CommandError(f"--lon {lon} --lat {lat} is not a longitude and latitude in degrees.")
        try:
            answer = isolation_answer(location=Point(lon, lat, srid=4326), failed_codes=failed)
        except EmergencyError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(answer, ensure_ascii=False, indent=2)
        if json_path == "-":
            self.stdout.write(text)
        elif json_path:
            with open(json_path, "w", encoding="utf-8") as out:
                out.write(text + "\n")
        if answer["pipeline_code"] is None:
            self.stderr.write(f"No pipeline within {answer['searched_within_m']:.0f} m of {lon}, {lat}.")
            sys.exit(1)
        if json_path != "-":
            self._summary(answer)

    def _summary(self, answer):
        write = self.stdout.write
        write(f"Pipeline {answer['pipeline_code']} at {answer['chainage_m']:.1f} m")
        write("Valves to close, in order:")
        for valve in answer["valves_to_close"]:
            write(f"  {valve['code']:<16} {valve['kind']:<10} {valve['pipeline_code']} {valve['chainage_m']:.1f} m")
        for stretch in answer["isolated"]:
            write(f"Isolated {stretch['pipeline_code']} {stretch['from_m']:.1f}–{stretch['to_m']:.1f} m")
        write(f"Length {answer['isolated_length_m']:.1f} m, volume {answer['volume_m3']:.1f} m³")
        for end in answer["open_ends"]:
            write(f"Open end: {end['pipeline_code']} at {end['chainage_m']:.1f} m (a station must act)")
        reach = answer.get("reach", {})
        write(
            f"Within {reach.get('radius_m', 0):.1f} m: {len(reach.get('hca_segments', []))} HCA segments, "
            f"{len(reach.get('sites', []))} sites, {len(reach.get('settlements', []))} settlements, "
            f"{reach.get('buildings', 0)} buildings"
        )
