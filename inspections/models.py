from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CampaignKind(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    UNSCHEDULED = "unscheduled", _("unscheduled")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")


class InspectionCampaign(models.Model):
    """An inspection campaign (排查整治行动), scheduled or unscheduled."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    companies = models.ManyToManyField(
        "companies.OperatingCompany", verbose_name=_("companies in scope"), related_name="campaigns", blank=True
    )
    pipelines = models.ManyToManyField(
        "pipelines.Pipeline",
        verbose_name=_("pipelines in scope"),
        related_name="campaigns",
        blank=True,
        help_text=_("Leave empty to cover every pipeline of the companies in scope."),
    )
    lead_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead inspector"),
        on_delete=models.PROTECT,
        related_name="led_campaigns",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        ordering = ["-start_date", "name"]
        indexes = [models.Index(fields=["status"], name="campaign_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="campaign_period_order"),
            models.CheckConstraint(condition=~Q(name=""), name="campaign_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class InspectionRecord(models.Model):
    """One inspection of a company (and optionally one of its pipelines) within a campaign."""

    campaign = models.ForeignKey(
        InspectionCampaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="records"
    )
    company = models.ForeignKey(
        "companies.OperatingCompany", verbose_name=_("company"), on_delete=models.PROTECT, related_name="inspections"
    )
    pipeline = models.ForeignKey(
        "pipelines.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspected_on = models.DateField(_("inspection date"))
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["inspected_on"], name="inspection_date_idx")]

    def __str__(self):
        return f"{self.campaign} · {self.company} · {self.inspected_on:%Y-%m-%d}"

    def clean(self):
        super().clean()
        errors = {}
        if self.pipeline_id and self.company_id and self.pipeline.company_id != self.company_id:
            errors["pipeline"] = _("This pipeline belongs to another company.")
        if self.campaign_id and self.company_id:
            scope = self.campaign.companies.all()
            if scope.exists() and not scope.filter(pk=self.company_id).exists():
                errors["company"] = _("This company is not in the campaign's scope.")
        if (
            self.campaign_id
            and self.inspected_on
            and not (self.campaign.start_date <= self.inspected_on <= self.campaign.end_date)
        ):
            errors["inspected_on"] = _("The inspection date is outside the campaign period (%(start)s – %(end)s).") % {
                "start": self.campaign.start_date,
                "end": self.campaign.end_date,
            }
        if errors:
            raise ValidationError(errors)


class CheckResult(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    NOT_APPLICABLE = "na", _("not applicable")


class ChecklistResult(models.Model):
    """The result of checking one norm clause during an inspection."""

    record = models.ForeignKey(
        InspectionRecord, verbose_name=_("inspection record"), on_delete=models.CASCADE, related_name="results"
    )
    clause = models.ForeignKey(
        "standards.NormClause", verbose_name=_("norm clause"), on_delete=models.PROTECT, related_name="results"
    )
    result = models.CharField(_("result"), max_length=4, choices=CheckResult.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["clause__norm__number", "clause__number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "clause"], name="checklist_one_result_per_clause"),
            models.CheckConstraint(condition=Q(result__in=CheckResult.values), name="checklist_result_valid"),
        ]

    def __str__(self):
        return f"{self.clause.reference}: {self.get_result_display()}"
