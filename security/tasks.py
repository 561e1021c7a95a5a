"""Celery tasks of the security app: thin and idempotent."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from security.refinery import refinery_rechecks_raise


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, autoretry_for=(OperationalError,), max_retries=5)
def refinery_rechecks_task(today: str | None = None) -> int:
    """Raise the re-checks of shut refinery points that have fallen due (each once)."""
    return refinery_rechecks_raise(today=date.fromisoformat(today) if today else None)
