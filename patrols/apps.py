from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from patrols.schedule import schedule_install

    schedule_install()


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = _("Patrols")

    def ready(self):
        # Each day's tasks and the nightly judgement (patrols/schedule.py), stored for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="patrols.install_schedule")
        from auditlog.registry import auditlog

        from patrols.models import Checkpoint, Device, PatrolSection, ProtectionAgreement, Team

        # Who changed a team, an agreement, a section, a checkpoint or a device, and what (edited in the admin).
        auditlog.register(Team, m2m_fields={"members"})
        auditlog.register(ProtectionAgreement, m2m_fields={"sections"})
        auditlog.register(PatrolSection)
        auditlog.register(Checkpoint)
        auditlog.register(Device)
