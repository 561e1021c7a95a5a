from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = _("Hazards and rectification")

    def ready(self):
        # Field-level change history (who changed which field, from what to
        # what) for the records of the closed loop, kept by django-auditlog.
        from auditlog.registry import auditlog

        from hazards.models import Hazard, HazardPhoto, Rectification, RectificationEvidence

        auditlog.register(Hazard, exclude_fields=["updated_at", "version"])
        auditlog.register(Rectification)
        auditlog.register(RectificationEvidence)
        auditlog.register(HazardPhoto)
