"""Celery tasks of the emergency app: thin and idempotent."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from emergency.plan_services import preparedness_flags_sync


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, autoretry_for=(OperationalError,), max_retries=5)
def preparedness_flags_task(today: str | None = None) -> dict:
    """Raise and clear the overdue flags of plans and drills (emergency/preparedness.py)."""
    return preparedness_flags_sync(today=date.fromisoformat(today) if today else None)
