from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hazards.choices import AcceptanceOutcome
from hazards.models.hazard import Hazard, random_upload_path


class Rectification(models.Model):
    """One round of rectification work by the company and its acceptance review."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="rectifications"
    )
    measures = models.TextField(_("measures"))
    responsible_person = models.CharField(_("responsible person"), max_length=50)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=20, blank=True)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_note = models.TextField(_("progress note"), blank=True)
    started_on = models.DateField(_("started on"))
    planned_completion_on = models.DateField(_("planned completion"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted for acceptance at"), null=True, blank=True)
    outcome = models.CharField(
        _("acceptance outcome"), max_length=10, choices=AcceptanceOutcome.choices, default=AcceptanceOutcome.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="reviewed_rectifications",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["hazard", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="rectification_progress_range"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="rectification_completed_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_completion_on__isnull=True) | Q(planned_completion_on__gte=F("started_on")),
                name="rectification_plan_after_start",
            ),
            models.CheckConstraint(
                condition=Q(outcome=AcceptanceOutcome.PENDING)
                | Q(reviewed_at__isnull=False, submitted_at__isnull=False),
                name="rectification_reviewed_when_decided",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=AcceptanceOutcome.values), name="rectification_outcome_valid"
            ),
        ]

    def __str__(self):
        return _("Rectification of %(code)s") % {"code": self.hazard.code}


def evidence_path(instance, filename):
    return random_upload_path("hazards/evidence", filename)


class RectificationEvidence(models.Model):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True, editable=False)
    content_type = models.CharField(_("content type"), max_length=50, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.description or self.original_name or self.file.name
