from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_schedule(sender, **kwargs):
    from integrations.schedule import schedule_install

    schedule_install()


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("City platform integration")

    def ready(self):
        # The daily purge declared in integrations/schedule.py, stored for django-celery-beat.
        post_migrate.connect(_install_schedule, sender=self, dispatch_uid="integrations.install_schedule")
        # Incident alerts: the emergency domain announces each step after commit; this app sends them on.
        from emergency.events import incident_step_recorded
        from integrations.incidents import on_incident_step

        incident_step_recorded.connect(on_incident_step, dispatch_uid="integrations.incident_alerts")
        # Theft incidents found and hotspots formed: announced by the security domain after commit.
        from integrations.security import connect_security_alerts

        connect_security_alerts()
        # Construction checks: a prohibited verdict for a permit the city is preparing, announced after commit.
        from construction.events import check_prohibited
        from integrations.construction_checks import on_check_prohibited

        check_prohibited.connect(on_check_prohibited, dispatch_uid="integrations.construction_check_alerts")
        # Construction applications: approved, and work started (construction/app_events.py), after commit.
        from construction.app_events import application_step_recorded
        from integrations.construction_apps import on_application_step

        application_step_recorded.connect(on_application_step, dispatch_uid="integrations.construction_app_alerts")
        # Camera health: the video domain announces a camera going offline or back online after commit.
        from integrations.video import on_camera_status
        from video.events import camera_status_changed

        camera_status_changed.connect(on_camera_status, dispatch_uid="integrations.camera_alerts")
