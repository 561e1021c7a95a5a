from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from security.schedule import schedule_install

    schedule_install()


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("Oil theft and illegal refineries")

    def ready(self):
        # The daily re-checks of shut refinery points (security/schedule.py), stored for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="security.install_schedule")
