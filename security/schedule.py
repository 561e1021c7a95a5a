"""The security app's periodic jobs, stored with django-celery-beat like emergency/schedule.py: installed after
every ``migrate``; a missing job is created, an existing one (maybe changed in the admin) is left alone."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "daily-refinery-rechecks",
        "task": "security.tasks.refinery_rechecks_task",
        "crontab": {"minute": "45", "hour": "5"},  # every morning, Asia/Shanghai
        "description": "每天:为已取缔满30、90、180天的土炼油点生成复查任务(每个复查只生成一次)。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
