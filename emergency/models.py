"""Valves, incidents and their time line.

A valve sits on its pipeline: its chainage is computed when it is saved
(services.valve_place), within ``VALVE_MAX_OFFSET_M`` of the centreline. An
incident keeps the isolation answer as it was computed when reported (and
after each failed valve, in its steps): the network may change later, the
record must not.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emergency.choices import STEP_ORDER, IncidentKind, IncidentLevel, IncidentSource, IncidentStepKind, ValveKind

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
