import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hazards.choices import (
    ASSIGNED_STATUSES,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardStatus,
)

HAZARD_CODE_REGEX = r"^YH-[0-9]{4}-[0-9]{4,}$"


class Hazard(models.Model):
    """A safety hazard (安全隐患) found on a company's pipeline, and its state."""

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=HazardSource.choices)
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    pipeline = models.ForeignKey(
        "pipelines.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        related_name="hazards",
        null=True,
        blank=True,
        help_text=_("Empty for a hazard of the company's management rather than of one pipeline."),
    )
    campaign = models.ForeignKey(
        "inspections.InspectionCampaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="hazards",
        null=True,
        blank=True,
    )
    inspection = models.ForeignKey(
        "inspections.InspectionRecord",
        verbose_name=_("inspection record"),
        on_delete=models.PROTECT,
        related_name="hazards",
        null=True,
        blank=True,
    )
    location = models.PointField(_("location"), srid=4326)
    chainage_m = models.FloatField(
        _("chainage (m)"), null=True, blank=True, help_text=_("Distance along the pipeline from its start, in metres.")
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("Township, village, road or landmark.")
    )
    category = models.CharField(_("category"), max_length=30, choices=HazardCategory.choices)
    level = models.CharField(_("level"), max_length=10, choices=HazardLevel.choices, default=HazardLevel.GENERAL)
    clause = models.ForeignKey(
        "standards.NormClause",
        verbose_name=_("violated norm clause"),
        on_delete=models.PROTECT,
        related_name="hazards",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"))
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=HazardStatus.choices, default=HazardStatus.REPORTED)
    is_overdue = models.BooleanField(_("overdue"), default=False, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="reported_hazards",
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(
        _("version"), default=0, editable=False, help_text=_("Raised by every change; detects concurrent edits.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_on", "-code"]
        permissions = [
            ("assign_hazard", _("Can assign a hazard to its company with a deadline")),
            ("review_hazard", _("Can accept or reject a rectification")),
            ("reopen_hazard", _("Can reopen a closed hazard")),
            ("extend_hazard_deadline", _("Can extend a hazard's deadline")),
            ("approve_deadline_extension", _("Can approve a deadline extension")),
            ("rectify_hazard", _("Can start rectification and submit it for acceptance")),
            ("export_hazard_ledger", _("Can export the hazard ledger")),
        ]
        indexes = [
            models.Index(fields=["status"], name="hazard_status_idx"),
            models.Index(fields=["level"], name="hazard_level_idx"),
            models.Index(fields=["category"], name="hazard_category_idx"),
            models.Index(fields=["company", "status"], name="hazard_company_status_idx"),
            models.Index(fields=["found_on"], name="hazard_found_on_idx"),
            models.Index(fields=["deadline"], name="hazard_deadline_idx"),
            models.Index(fields=["is_overdue"], name="hazard_overdue_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=HAZARD_CODE_REGEX), name="hazard_code_format"),
            models.CheckConstraint(condition=Q(status__in=HazardStatus.values), name="hazard_status_valid"),
            models.CheckConstraint(condition=Q(level__in=HazardLevel.values), name="hazard_level_valid"),
            models.CheckConstraint(condition=Q(category__in=HazardCategory.values), name="hazard_category_valid"),
            models.CheckConstraint(condition=Q(source__in=HazardSource.values), name="hazard_source_valid"),
            models.CheckConstraint(
                condition=Q(chainage_m__isnull=True) | Q(chainage_m__gte=0), name="hazard_chainage_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=F("found_on")),
                name="hazard_deadline_after_found",
            ),
            # Once assigned, a hazard always has a deadline.
            models.CheckConstraint(
                condition=Q(status=HazardStatus.REPORTED) | Q(deadline__isnull=False),
                name="hazard_assigned_has_deadline",
            ),
            # closed_at is set exactly when the hazard is closed.
            models.CheckConstraint(
                condition=Q(status=HazardStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=HazardStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="hazard_closed_at_iff_closed",
            ),
            # A closed hazard is never flagged overdue.
            models.CheckConstraint(
                condition=~Q(status=HazardStatus.CLOSED) | Q(is_overdue=False), name="hazard_closed_not_overdue"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.get_category_display()}"

    @property
    def is_assigned(self) -> bool:
        return self.status in ASSIGNED_STATUSES

    def clean(self):
        super().clean()
        errors = {}
        if self.pipeline_id and self.company_id and self.pipeline.company_id != self.company_id:
            errors["pipeline"] = _("This pipeline belongs to another company.")
        if self.inspection_id and self.campaign_id and self.inspection.campaign_id != self.campaign_id:
            errors["inspection"] = _("This inspection record belongs to another campaign.")
        if self.chainage_m is not None and self.pipeline_id and self.chainage_m > self.pipeline.length_m + 1:
            errors["chainage_m"] = _("The chainage is beyond the end of the pipeline (%(length).0f m).") % {
                "length": self.pipeline.length_m
            }
        if self.deadline and self.found_on and self.deadline < self.found_on:
            errors["deadline"] = _("The deadline cannot be before the date the hazard was found.")
        if errors:
            raise ValidationError(errors)


class HazardCodeSequence(models.Model):
    """Last hazard number issued per year, for codes like YH-2026-0001."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("hazard code sequence")
        verbose_name_plural = _("hazard code sequences")


def random_upload_path(folder: str, filename: str) -> str:
    """A random name in ``folder``: never the uploader's, so names can't collide or be guessed."""
    return f"{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


def hazard_photo_path(instance, filename):
    return random_upload_path("hazards/photos", filename)


class HazardPhoto(models.Model):
    hazard = models.ForeignKey(Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=hazard_photo_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.caption or self.image.name
