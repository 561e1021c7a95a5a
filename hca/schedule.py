"""The HCA re-identification job, stored for django-celery-beat like
escalations/schedule.py: created when missing, never overwritten."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "daily-hca-reidentification",
        "task": "hca.tasks.hca_reidentify_due_task",
        "crontab": {"minute": "30", "hour": "2"},  # nightly, Asia/Shanghai
        "description": "每日:对超过18个月未识别高后果区的管道重新识别。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
