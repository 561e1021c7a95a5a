"""Celery tasks of the patrols app: thin and idempotent."""

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from patrols.services import tasks_generate, tasks_judge_day


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, autoretry_for=(OperationalError,), max_retries=5)
def tasks_generate_task(on: str | None = None) -> dict:
    """Generate the day's tasks (today by default); run twice, the same tasks."""
    return tasks_generate(on=date.fromisoformat(on) if on else timezone.localdate())


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900, autoretry_for=(OperationalError,), max_retries=5)
def tasks_judge_task(on: str | None = None) -> dict:
    """Judge a day's tasks (yesterday by default) from the fixes and tracks."""
    return tasks_judge_day(on=date.fromisoformat(on) if on else timezone.localdate() - timedelta(days=1))
