from datetime import date

from django.core.management import BaseCommand, CommandError, call_command
from django.utils import timezone

from demo.builder import DEMO_PASSWORD, demo_build, demo_reset
from demo.layers import layer_counts
from standards.models import WorkNorm


class Command(BaseCommand):
    help = (
        "Build the demo city (28 companies, 161 pipelines, 3 campaigns, 420 hazards, GIS layers and their "
        "high-consequence areas). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same city).")
        parser.add_argument("--today", type=date.fromisoformat, help="Reference date, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all companies, pipelines, campaigns, hazards, GIS layers and HCA results first.",
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
        layers = layer_counts()
        self.stdout.write(
            f"GIS layers: {layers['buildings']} buildings, {layers['sites']} sites, {layers['settlements']} "
            f"settlements, {layers['water']} water bodies, {layers['protected_areas']} protected areas, "
            f"{layers['roads']} roads and railways; {layers['gb32167']} HCA segments (GB 32167), "
            f"{layers['cfr192']} for comparison (49 CFR 192)."
        )
        self.stdout.write(
            f"Demo users (password {DEMO_PASSWORD}): admin, inspector1-3, manager; "
            "company01-company28 (staff of one company each); patrol01-patrol03 (patrollers, /field/); "
            "contractor1-contractor2 (contractors, third-party construction)."
        )
