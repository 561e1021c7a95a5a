from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from video.schedule import schedule_install

    schedule_install()


class VideoConfig(AppConfig):
    name = "video"
    verbose_name = _("Video monitoring")

    def ready(self):
        # The camera health job (video/schedule.py), stored for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="video.install_schedule")
        from auditlog.registry import auditlog

        from video.models import Camera

        # Who changed a camera, and what (status and heartbeats have their own records).
        auditlog.register(Camera, exclude_fields=["updated_at", "last_seen_at", "status", "status_changed_at"])
