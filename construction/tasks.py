"""Celery tasks of the construction app: thin and idempotent."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from construction.services import applications_expire


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, autoretry_for=(OperationalError,), max_retries=5)
def applications_expire_task(today: str | None = None) -> list[str]:
    """Approvals whose work has not started within their validity lapse (construction.services)."""
    return applications_expire(today=date.fromisoformat(today) if today else None)
