"""The construction app's periodic jobs, stored with django-celery-beat like emergency/schedule.py: installed
after every ``migrate``; a missing job is created and an existing one (maybe changed in the admin) is left
alone."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "nightly-construction-expiry",
        "task": "construction.tasks.applications_expire_task",
        "crontab": {"minute": "10", "hour": "0"},  # every night, Asia/Shanghai
        "description": "每晚:已批准但在有效期内未开工的第三方施工申请自动失效。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
