"""Celery tasks of the video app: thin and idempotent."""

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, autoretry_for=(OperationalError,), max_retries=5)
def coverage_refresh_task() -> int:
    """Measure and store the coverage of every HCA segment (the whole city in well under a second)."""
    from video.services import coverage_refresh

    return coverage_refresh()


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55, autoretry_for=(OperationalError,), max_retries=3)
def cameras_silent_task() -> list[str]:
    """Every minute: cameras silent for three heartbeat intervals go offline (idempotent); segments a
    re-identification created since the last minute get their coverage measured."""
    from video.services import cameras_silent_mark, coverage_missing_fill

    offline = cameras_silent_mark()
    coverage_missing_fill()
    return offline
