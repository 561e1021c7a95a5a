"""Valves, incidents and their time line.

A valve sits on its pipeline: its chainage is computed when it is saved
(services.valve_place), within ``VALVE_MAX_OFFSET_M`` of the centreline. An
incident keeps the isolation answer as it was computed when reported (and
after each failed valve, in its steps): the network may change later, the
record must not.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emergency.choices import (
    STEP_ORDER,
    FlagKind,
    IncidentKind,
    IncidentLevel,
    IncidentSource,
    IncidentStepKind,
    PreparednessKind,
    ValveKind,
)

VALVE_MAX_OFFSET_M = 5.0


class Valve(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="valves"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ValveKind.choices)
    operable = models.BooleanField(_("operable"), default=True, help_text=_("Can be closed when needed."))
    location = models.PointField(_("location"), srid=4326)
    chainage_m = models.FloatField(_("chainage (m)"), help_text=_("Distance along the pipeline from its start."))
    offset_m = models.FloatField(_("distance from the centreline (m)"), default=0)
    layer_import = models.ForeignKey(
        "layers.LayerImport",
        verbose_name=_("layer import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("valve")
        verbose_name_plural = _("valves")
        ordering = ["pipeline__code", "chainage_m"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="valve_code_not_empty"),
            models.CheckConstraint(condition=Q(chainage_m__gte=0), name="valve_chainage_not_negative"),
        ]

    def __str__(self):
        return self.code


class Incident(models.Model):
    code = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    level = models.CharField(pgettext_lazy("incident", "level"), max_length=3, choices=IncidentLevel.choices)
    source = models.CharField(_("source"), max_length=20, choices=IncidentSource.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    description = models.TextField(_("description"), blank=True)
    reporter = models.CharField(_("reporter"), max_length=100, blank=True, help_text=_("Name or reference given."))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    location = models.PointField(_("location"), srid=4326)
    pipeline = models.ForeignKey(
        "pipelines.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    chainage_m = models.FloatField(_("chainage (m)"), null=True, blank=True)
    trace = models.JSONField(
        _("isolation and reach"), default=dict, help_text=_("As computed when the incident was reported.")
    )
    failed_valves = models.JSONField(_("valves that could not be closed"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=[(kind, IncidentStepKind(kind).label) for kind in STEP_ORDER],
        default=IncidentStepKind.REPORTED,
    )
    hazards = models.ManyToManyField(
        "hazards.Hazard", verbose_name=_("linked hazards"), blank=True, related_name="incidents"
    )
    is_drill = models.BooleanField(_("drill"), default=False, help_text=_("A simulated incident of a drill."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["status"], name="incident_status_idx")]

    def __str__(self):
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStepKind.CLOSED


class IncidentStep(models.Model):
    """One entry of an incident's time line: append-only, written by the services."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=IncidentStepKind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.incident} {self.get_kind_display()}"


# --- emergency plans, drills and their overdue flags ------------------------


def plan_document_path(instance, filename):
    from hazards.models.hazard import random_upload_path

    return random_upload_path("emergency/plans", filename)


class EmergencyPlan(models.Model):
    """An emergency plan (应急预案) of a company: filed with the county, reviewed every 3 years."""

    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        related_name="emergency_plans",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PreparednessKind.choices)
    title = models.CharField(_("title"), max_length=200)
    effective_on = models.DateField(_("effective on"))
    filed_on = models.DateField(
        _("filed on"), null=True, blank=True, help_text=_("Date the plan was filed with the county (备案).")
    )
    filed_with = models.CharField(_("filed with (county)"), max_length=100, blank=True)
    last_reviewed_on = models.DateField(
        _("last reviewed on"), null=True, blank=True, help_text=_("Plans are reviewed every 3 years.")
    )
    document = models.FileField(_("document (PDF)"), upload_to=plan_document_path, blank=True)
    document_name = models.CharField(_("original file name"), max_length=255, blank=True, editable=False)
    document_size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["company__name", "kind", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="emergencyplan_title_not_empty"),
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | ~Q(filed_with=""), name="emergencyplan_filed_names_county"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def next_review_on(self):
        from emergency.preparedness import review_due_on

        return review_due_on(effective_on=self.effective_on, last_reviewed_on=self.last_reviewed_on)

    def clean(self):
        super().clean()
        errors = {}
        if self.filed_on and not self.filed_with.strip():
            errors["filed_with"] = _("Name the county the plan was filed with.")
        if self.filed_with.strip() and not self.filed_on:
            errors["filed_on"] = _("Give the date the plan was filed.")
        if self.last_reviewed_on and self.effective_on and self.last_reviewed_on < self.effective_on:
            errors["last_reviewed_on"] = _("A plan cannot be reviewed before it took effect.")
        if errors:
            raise ValidationError(errors)


class Drill(models.Model):
    """An emergency drill (演练); it may run on a simulated incident, and its findings become hazards."""

    company = models.ForeignKey(
        "companies.OperatingCompany", verbose_name=_("operating company"), on_delete=models.PROTECT,
        related_name="drills",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=PreparednessKind.choices)
    held_on = models.DateField(_("held on"))
    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("plan exercised"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drills",
    )
    scenario = models.TextField(_("scenario"))
    participants = models.TextField(_("participants"), blank=True, help_text=_("Units and people taking part."))
    participant_count = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    incident = models.OneToOneField(
        Incident,
        verbose_name=_("simulated incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drill",
    )
    hazards = models.ManyToManyField(
        "hazards.Hazard", verbose_name=_("findings (hazards)"), blank=True, related_name="drills"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self):
        super().clean()
        if self.plan_id and self.company_id and self.plan.company_id != self.company_id:
            raise ValidationError({"plan": _("This plan belongs to another company.")})


class PreparednessFlag(models.Model):
    """An overdue obligation found by the nightly run; cleared (kept, with the time) once it is met."""

    company = models.ForeignKey(
        "companies.OperatingCompany", verbose_name=_("operating company"), on_delete=models.CASCADE,
        related_name="preparedness_flags",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=30, choices=FlagKind.choices)
    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("plan"), on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    due_on = models.DateField(_("due on"))
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        verbose_name = _("preparedness flag")
        verbose_name_plural = _("preparedness flags")
        ordering = ["cleared_at", "due_on", "pk"]
        indexes = [models.Index(fields=["company", "cleared_at"], name="prepflag_company_open_idx")]

    def __str__(self):
        return f"{self.company} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class CountyContact(models.Model):
    """An emergency contact of a county (district) government: listed in the answer for an incident inside its
    area (the county's boundary, in EPSG:4326)."""

    county = models.CharField(_("county"), max_length=50)
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=100, help_text=_("e.g. 县应急管理局值班室"))
    phone = models.CharField(_("phone"), max_length=30)
    area = models.MultiPolygonField(_("area"), srid=4326, help_text=_("The county's boundary."))

    class Meta:
        verbose_name = _("county emergency contact")
        verbose_name_plural = _("county emergency contacts")
        ordering = ["county", "pk"]

    def __str__(self):
        return f"{self.county} {self.name}"
