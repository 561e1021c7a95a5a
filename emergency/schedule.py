"""The emergency app's periodic jobs, stored with django-celery-beat like
escalations/schedule.py: installed after every ``migrate``, a job that is
missing is created and an existing one (maybe changed in the admin) is left
alone."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "nightly-preparedness-flags",
        "task": "emergency.tasks.preparedness_flags_task",
        "crontab": {"minute": "30", "hour": "1"},  # every night, Asia/Shanghai
        "description": "每晚:标记逾期未评审或未备案的应急预案,以及逾期未开展的综合/专项演练和现场处置演练。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
