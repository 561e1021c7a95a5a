"""Generate a day's patrol tasks, or judge a day's tasks: what the two beat jobs do, by hand."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patrols.services import tasks_generate, tasks_judge_day


class Command(BaseCommand):
    help = "Generate the patrol tasks of a day (default today), or --judge a day's tasks (default yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD")
        parser.add_argument("--judge", action="store_true", help="judge the day's tasks instead")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        if options["judge"]:
            result = tasks_judge_day(on=day or timezone.localdate() - timedelta(days=1))
        else:
            result = tasks_generate(on=day or timezone.localdate())
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in result.items()))
