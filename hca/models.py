"""High-consequence areas (高后果区): the rule table, the identified
segments with their review, and a record of each identification run."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hca.choices import AppliesTo, Grade, ReviewStatus, RuleKind, RuleSet, RunTrigger


def chainage(metres: float) -> str:
    """K12+345.6 style, as on pipeline markers."""
    km, rest = divmod(metres, 1000)
    return f"K{int(km)}+{rest:05.1f}"


class HcaRule(models.Model):
    """One row of a rule table (GB 32167-2015 §6.1, or 49 CFR 192.903).

    The grades and distances were reconstructed from secondary copies of the
    standard; they are data so an administrator can correct them.
    """

    rule_set = models.CharField(_("rule set"), max_length=10, choices=RuleSet.choices)
    code = models.CharField(_("code"), max_length=10)
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    distance_m = models.FloatField(
        _("distance (m)"),
        null=True,
        blank=True,
        help_text=_(
            "Horizontal distance from the centreline; empty for rules measured by the potential impact radius."
        ),
    )
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_("Thresholds of the rule, e.g. households, diameter and pressure limits, feature types."),
    )
    description = models.CharField(_("description"), max_length=300)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("HCA rule")
        verbose_name_plural = _("HCA rules")
        ordering = ["rule_set", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="hca_rule_code_unique"),
            models.CheckConstraint(condition=Q(grade__in=[1, 2, 3]), name="hca_rule_grade_valid"),
            models.CheckConstraint(
                condition=Q(distance_m__isnull=True) | Q(distance_m__gte=0), name="hca_rule_distance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class HcaRun(models.Model):
    """One identification run, for the record and for the schedule."""

    rule_set = models.CharField(_("rule set"), max_length=10, choices=RuleSet.choices)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    seconds = models.FloatField(_("duration (s)"), default=0)
    pipeline_count = models.PositiveIntegerField(_("pipelines"), default=0)
    segment_count = models.PositiveIntegerField(_("segments"), default=0)
    encroachment_count = models.PositiveIntegerField(_("new encroachment hazards"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("HCA identification run")
        verbose_name_plural = _("HCA identification runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_rule_set_display()} {self.started_at:%Y-%m-%d %H:%M}"


class HcaAssessment(models.Model):
    """When a pipeline was last identified under a rule set (GB 32167 asks
    for at least every 18 months)."""

    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="hca_assessments"
    )
    rule_set = models.CharField(_("rule set"), max_length=10, choices=RuleSet.choices)
    identified_at = models.DateTimeField(_("identified at"))
    segment_count = models.PositiveIntegerField(_("segments"), default=0)
    run = models.ForeignKey(HcaRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("HCA assessment")
        verbose_name_plural = _("HCA assessments")
        constraints = [models.UniqueConstraint(fields=["pipeline", "rule_set"], name="hca_assessment_unique")]

    def __str__(self):
        return f"{self.pipeline} · {self.get_rule_set_display()}"


class HcaSegment(models.Model):
    """A stretch of one pipeline identified as a high-consequence area."""

    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="hca_segments"
    )
    rule_set = models.CharField(_("rule set"), max_length=10, choices=RuleSet.choices, default=RuleSet.GB32167)
    start_m = models.FloatField(_("from chainage (m)"))
    end_m = models.FloatField(_("to chainage (m)"))
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    rules = models.JSONField(_("rules"), default=list, help_text=_("Codes of the rules that fired, sorted."))
    reasons = models.JSONField(
        _("reasons"), default=list, help_text=_("Each rule with the layer, feature id and name that caused it.")
    )
    geom = models.LineStringField(_("geometry"), srid=4326)
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        db_index=True,
        help_text=_("Pipeline, extent, grade and reasons; a review carries over while it stays the same."),
    )
    review_status = models.CharField(
        _("review"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.IDENTIFIED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("time of review"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's opinion"), blank=True)
    video_pilot = models.BooleanField(
        _("video-monitoring pilot"),
        default=False,
        help_text=_("A personnel-dense HCA chosen for the video-monitoring pilot."),
    )
    identified_at = models.DateTimeField(_("identified at"))
    run = models.ForeignKey(HcaRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("HCA segment")
        verbose_name_plural = _("HCA segments")
        ordering = ["pipeline__code", "rule_set", "start_m"]
        indexes = [models.Index(fields=["pipeline", "rule_set", "start_m"], name="hca_segment_pipeline_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(start_m__gte=0, end_m__gte=F("start_m")), name="hca_segment_extent"),
            models.CheckConstraint(condition=Q(grade__in=[1, 2, 3]), name="hca_segment_grade_valid"),
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.DISMISSED) | ~Q(review_comment=""),
                name="hca_segment_dismissal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.pipeline.code} {chainage(self.start_m)}–{chainage(self.end_m)} {self.get_grade_display()}"

    @property
    def length_m(self) -> float:
        return self.end_m - self.start_m


class Encroachment(models.Model):
    """A building within the 5 m strip of a pipeline (Pipeline Protection
    Law Art. 30), reported once as a hazard however often analysis runs."""

    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="encroachments"
    )
    building_key = models.CharField(
        _("building"), max_length=64, help_text=_("The building's feature id in the imported layer.")
    )
    distance_m = models.FloatField(_("distance (m)"))
    chainage_m = models.FloatField(_("chainage (m)"))
    hazard = models.OneToOneField(
        "hazards.Hazard", verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="encroachment"
    )
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("encroachment")
        verbose_name_plural = _("encroachments")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "building_key"], name="encroachment_once_per_building")
        ]


class HcaReview(models.Model):
    """Append-only record of each review decision on a segment."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("confirm")
        DISMISS = "dismiss", _("dismiss")
        VIDEO_PILOT_ON = "video_pilot_on", _("chosen for the video pilot")
        VIDEO_PILOT_OFF = "video_pilot_off", _("removed from the video pilot")

    segment = models.ForeignKey(
        HcaSegment, verbose_name=_("segment"), on_delete=models.SET_NULL, null=True, related_name="reviews"
    )
    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("HCA review")
        verbose_name_plural = _("HCA reviews")
        ordering = ["-at"]
