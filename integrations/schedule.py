"""The integration's periodic job, stored for django-celery-beat like
escalations/schedule.py: created on ``migrate`` when missing, never overwritten
(a schedule changed in the admin stays as the office set it)."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "daily-integrations-purge",
        "task": "integrations.tasks.integrations_purge_task",
        "crontab": {"minute": "15", "hour": "3"},  # nightly, Asia/Shanghai
        "description": "每日:删除过期的幂等键(Idempotency-Key)记录和过期的告警推送日志。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
