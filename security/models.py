"""The security register (patrols.md, "Theft and refineries"): theft incidents
(打孔盗油案事件) with their evidence and history, police cases (公安案件),
illegal refinery points (土炼油点) with their re-checks and history.

Every change goes through security/services.py (theft) or
security/refinery.py (refineries): one transaction, with its history row.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from security.choices import (
    FoundHow,
    RecheckResult,
    RefineryAction,
    RefineryKind,
    RefineryStatus,
    TapKind,
    TheftAction,
    TheftStatus,
)


class PoliceCase(models.Model):
    """A case of the public security organs (公安案件); it may cover several theft incidents."""

    number = models.CharField(_("case number"), max_length=60, unique=True)
    unit = models.CharField(_("police unit"), max_length=100)
    charge = models.CharField(_("charge"), max_length=100, help_text=_("e.g. 盗窃罪, 破坏易燃易爆设备罪"))
    suspects = models.TextField(_("suspects"), blank=True, help_text=_("Names or descriptions, one a line."))
    suspect_count = models.PositiveIntegerField(_("number of suspects"), default=0)
    opened_on = models.DateField(_("opened on"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("police case")
        verbose_name_plural = _("police cases")
        ordering = ["-opened_on", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(number=""), name="policecase_number_not_empty")]

    def __str__(self):
        return self.number


class TheftIncident(models.Model):
    code = models.CharField(_("number"), max_length=30, unique=True)
    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="theft_incidents"
    )
    chainage_m = models.FloatField(_("chainage (m)"), help_text=_("Measured from the point along the pipeline."))
    offset_m = models.FloatField(_("distance from the centreline (m)"), default=0)
    location = models.PointField(_("location"), srid=4326)
    county = models.CharField(
        _("county"), max_length=50, blank=True, help_text=_("The county whose area holds the point.")
    )
    found_on = models.DateField(_("found on"))
    found_how = models.CharField(_("found by"), max_length=20, choices=FoundHow.choices)
    tap_kind = models.CharField(_("tap kind"), max_length=20, choices=TapKind.choices)
    tapped_on = models.DateField(
        _("tap made on"), null=True, blank=True, help_text=_("When known: gives the days from tap to discovery.")
    )
    volume_lost_t = models.DecimalField(_("volume lost (t)"), max_digits=10, decimal_places=2, default=0)
    shutdown_hours = models.DecimalField(_("shutdown (hours)"), max_digits=8, decimal_places=1, default=0)
    repair = models.TextField(_("repair"), blank=True, help_text=_("How the tap was sealed and repaired."))
    cost_yuan = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=2, default=0)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=TheftStatus.choices, default=TheftStatus.FOUND)
    sealed_on = models.DateField(_("sealed on"), null=True, blank=True)
    reported_on = models.DateField(_("reported to the police on"), null=True, blank=True)
    filed_on = models.DateField(_("case filed on"), null=True, blank=True)
    not_filed_on = models.DateField(_("no case filed on"), null=True, blank=True)
    solved_on = models.DateField(_("solved on"), null=True, blank=True)
    prosecuted_on = models.DateField(_("sent for prosecution on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    police_case = models.ForeignKey(
        PoliceCase,
        verbose_name=_("police case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    emergency_incidents = models.ManyToManyField(
        "emergency.Incident", verbose_name=_("linked emergency incidents"), blank=True, related_name="theft_incidents"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("theft incident")
        verbose_name_plural = _("theft incidents")
        ordering = ["-found_on", "-pk"]
        indexes = [
            models.Index(fields=["pipeline", "found_on"], name="theft_pipeline_found_idx"),
            models.Index(fields=["found_on"], name="theft_found_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(chainage_m__gte=0), name="theft_chainage_not_negative"),
            models.CheckConstraint(
                condition=Q(tapped_on__isnull=True) | Q(tapped_on__lte=models.F("found_on")),
                name="theft_tap_before_found",
            ),
            models.CheckConstraint(
                condition=Q(volume_lost_t__gte=0) & Q(shutdown_hours__gte=0) & Q(cost_yuan__gte=0),
                name="theft_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def days_tap_to_discovery(self) -> int | None:
        return (self.found_on - self.tapped_on).days if self.tapped_on else None


class TheftHistory(models.Model):
    """One entry of a theft incident's history: append-only, written by the services only."""

    incident = models.ForeignKey(
        TheftIncident, verbose_name=_("theft incident"), on_delete=models.CASCADE, related_name="history"
    )
    action = models.CharField(_("action"), max_length=20, choices=TheftAction.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=TheftStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=TheftStatus.choices, blank=True)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
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
        verbose_name = _("theft incident history")
        verbose_name_plural = _("theft incident history")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.incident} {self.get_action_display()}"


def theft_evidence_path(instance, filename):
    from hazards.models.hazard import random_upload_path

    return random_upload_path("security/evidence", filename)


class TheftEvidence(models.Model):
    """An evidence file (photo or PDF) of a theft incident; its SHA-256 is kept for the chain of custody."""

    incident = models.ForeignKey(
        TheftIncident, verbose_name=_("theft incident"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=theft_evidence_path)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class RefineryPoint(models.Model):
    code = models.CharField(_("number"), max_length=30, unique=True)
    name = models.CharField(_("name or place"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RefineryKind.choices)
    location = models.PointField(_("location"), srid=4326, help_text=_("The point, or the centre of the area."))
    area = models.PolygonField(_("area"), srid=4326, null=True, blank=True, help_text=_("Drawn when known."))
    county = models.CharField(
        _("county"), max_length=50, blank=True, help_text=_("The county whose area holds the point.")
    )
    found_on = models.DateField(_("found on"))
    status = models.CharField(
        _("status"), max_length=20, choices=RefineryStatus.choices, default=RefineryStatus.WORKING
    )
    shut_down_on = models.DateField(_("shut down on"), null=True, blank=True)
    shut_down_by = models.CharField(_("shut down by"), max_length=100, blank=True)
    closures = models.PositiveIntegerField(_("times shut down"), default=0)
    recurrences = models.PositiveIntegerField(
        _("times found working again"), default=0, help_text=_("死灰复燃: found working at a re-check.")
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("illegal refinery point")
        verbose_name_plural = _("illegal refinery points")
        ordering = ["-found_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="working") | Q(shut_down_on__isnull=False), name="refinery_shut_has_date"
            ),
        ]

    def __str__(self):
        return self.code


class RefineryRecheck(models.Model):
    """A re-check of a shut refinery point, +30, +90 or +180 days after its closure (one closure counted by
    ``closure``: the point's n-th shut-down). Raised once by the beat job when due."""

    point = models.ForeignKey(
        RefineryPoint, verbose_name=_("refinery point"), on_delete=models.CASCADE, related_name="rechecks"
    )
    closure = models.PositiveIntegerField(_("closure number"))
    offset_days = models.PositiveIntegerField(_("days after closure"))
    due_on = models.DateField(_("due on"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=RecheckResult.choices, blank=True)
    checked_by = models.CharField(_("checked by"), max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("refinery re-check")
        verbose_name_plural = _("refinery re-checks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["point", "closure", "offset_days"], name="refinery_recheck_once"),
        ]

    def __str__(self):
        return f"{self.point} +{self.offset_days}"

    @property
    def is_open(self) -> bool:
        return not self.result


class RefineryHistory(models.Model):
    point = models.ForeignKey(
        RefineryPoint, verbose_name=_("refinery point"), on_delete=models.CASCADE, related_name="history"
    )
    action = models.CharField(_("action"), max_length=20, choices=RefineryAction.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
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
        verbose_name = _("refinery point history")
        verbose_name_plural = _("refinery point history")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.point} {self.get_action_display()}"
