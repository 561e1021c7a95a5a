"""Celery tasks of the supervision run: thin, idempotent, time-limited."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import translation

from escalations.bulk import supervision_run


@shared_task(
    acks_late=True,  # a worker that dies mid-run leaves the message to be run again; the run is idempotent
    soft_time_limit=600,
    time_limit=660,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def supervision_run_task(today: str | None = None) -> dict:
    """Flag overdue hazards, issue supervision orders and interviews, remind of deadlines."""
    with translation.override(settings.LANGUAGE_CODE):
        result = supervision_run(
            today=date.fromisoformat(today) if today else None, grace_days=settings.ESCALATION_GRACE_DAYS
        )
    return asdict(result)
