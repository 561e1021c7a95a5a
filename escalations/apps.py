from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from escalations.schedule import schedule_install

    schedule_install()


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = _("Escalation")

    def ready(self):
        # The periodic jobs declared in escalations/schedule.py, stored for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="escalations.install_schedule")
