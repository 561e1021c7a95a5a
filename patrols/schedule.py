"""The patrols app's periodic jobs, stored with django-celery-beat like escalations/schedule.py: installed
after every ``migrate``, a job that is missing is created and an existing one (maybe changed in the admin)
is left alone."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "daily-patrol-tasks",
        "task": "patrols.tasks.tasks_generate_task",
        "crontab": {"minute": "5", "hour": "0"},  # every day just after midnight, Asia/Shanghai
        "description": "每日:按责任管段的巡检频次生成当天的巡检任务,并为盗油热点涉及的管段加派夜巡(可重复运行)。",
    },
    {
        "name": "nightly-patrol-judgement",
        "task": "patrols.tasks.tasks_judge_task",
        "crontab": {"minute": "30", "hour": "4"},  # after the night window (20:00–04:00) has ended
        "description": "每日凌晨:按轨迹评定前一天的巡检任务(覆盖率、到位率、漏巡、漏检);无轨迹的任务记为漏巡。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
