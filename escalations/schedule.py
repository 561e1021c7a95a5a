"""The periodic jobs, declared here and stored with django-celery-beat.

``schedule_install`` runs after every ``migrate``: it creates a job that is
missing and leaves existing ones alone, so a schedule changed in the admin
(Periodic tasks) stays as the office set it.
"""

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

JOBS = [
    {
        "name": "daily-supervision-run",
        "task": "escalations.tasks.supervision_run_task",
        "crontab": {"minute": "0", "hour": "6"},  # every morning, Asia/Shanghai
        "description": "每日:标记逾期隐患,下发督办单和约谈通知,提醒三天内到期的整改。",
    },
]


def job_install(job: dict) -> PeriodicTask:
    crontab, _created = CrontabSchedule.objects.get_or_create(
        **job["crontab"], day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    task, _created = PeriodicTask.objects.get_or_create(
        name=job["name"],
        defaults={"task": job["task"], "crontab": crontab, "description": job["description"]},
    )
    return task


def schedule_install() -> list[PeriodicTask]:
    return [job_install(job) for job in JOBS]
