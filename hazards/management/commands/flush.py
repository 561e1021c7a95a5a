"""Django's flush (which the test runner also uses between transactional tests),
with the hazard history's guards lifted for its transaction: throwing the
whole database away is allowed, like HazardTransitionQuerySet.purge();
deleting or rewriting history rows one by one is not."""

from django.core.management.commands.flush import Command as FlushCommand

from hazards import db_guards


class Command(FlushCommand):
    def handle(self, **options):
        with db_guards.history_unlocked(using=options["database"]):
            return super().handle(**options)
