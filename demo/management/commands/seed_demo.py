from datetime import date

from django.core.management import BaseCommand, CommandError, call_command
from django.utils import timezone

from demo.builder import DEMO_PASSWORD, demo_build, demo_reset
from standards.models import WorkNorm


class Command(BaseCommand):
    help = "Build the demo city (28 companies, 161 pipelines, 3 campaigns, 420 hazards). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same city).")
        parser.add_argument("--today", type=date.fromisoformat, help="Reference date, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--reset", action="store_true", help="Delete all companies, pipelines, campaigns and hazards first."
        )

    def handle(self, *args, seed, today, reset, **options):
        today = today or timezone.localdate()
        if not WorkNorm.objects.exists():
            call_command("loaddata", "work_norms", verbosity=0)
        if reset:
            demo_reset()
        try:
            summary = demo_build(today=today, seed=seed)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Built" if summary.created else "Demo data already present, left unchanged:"
        self.stdout.write(
            f"{verb} {summary.companies} companies, {summary.pipelines} pipelines, {summary.campaigns} campaigns, "
            f"{summary.inspections} inspections, {summary.hazards} hazards, {summary.rectifications} rectifications."
        )
        self.stdout.write(
            f"Demo users (password {DEMO_PASSWORD}): admin, inspector1-3, manager; "
            "company01-company28 (staff of one company each)."
        )
