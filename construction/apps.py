from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from construction.schedule import schedule_install

    schedule_install()


class ConstructionConfig(AppConfig):
    name = "construction"
    verbose_name = _("Third-party construction")

    def ready(self):
        # The nightly expiry of approvals not started in time (construction/schedule.py), for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="construction.install_schedule")
