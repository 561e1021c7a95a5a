from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from emergency.schedule import schedule_install

    schedule_install()


class EmergencyConfig(AppConfig):
    name = "emergency"
    verbose_name = _("Emergency response")

    def ready(self):
        # The nightly overdue flags of plans and drills (emergency/schedule.py), stored for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="emergency.install_schedule")
        from auditlog.registry import auditlog

        from emergency.models import Drill, EmergencyPlan

        # Who changed a plan or a drill, and what (the plans and drills are edited in the admin).
        auditlog.register(EmergencyPlan, exclude_fields=["updated_at"])
        auditlog.register(Drill, exclude_fields=["updated_at"], m2m_fields={"hazards"})
