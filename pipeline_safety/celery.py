"""The Celery application. Tasks live in each app's ``tasks.py``; periodic jobs
are declared in escalations/schedule.py and stored with django-celery-beat."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")

app = Celery("pipeline_safety")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _one_beat_only(sender=None, **kwargs):
    from pipeline_safety.beat_lock import acquire

    acquire(app.conf.broker_url)
