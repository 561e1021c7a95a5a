"""The video app's periodic jobs, stored with django-celery-beat like
emergency/schedule.py: installed after every ``migrate``; a job that is
missing is created and an existing one (maybe changed in the admin) is left
alone."""

from escalations.schedule import job_install

JOBS = [
    {
        "name": "minutely-camera-health",
        "task": "video.tasks.cameras_silent_task",
        "crontab": {"minute": "*", "hour": "*"},  # every minute
        "description": "每分钟:连续三个心跳周期未上报的摄像机标为离线(告警并重新计算覆盖率);"
        "为重新识别产生的高后果区管段计算视频覆盖率。",
    },
]


def schedule_install():
    return [job_install(job) for job in JOBS]
