"""Cameras of the video pilot, their outages, the coverage they give each HCA
segment (stored, re-computed when cameras, segments or statuses change) and
the AI alarms they raise, each kept with how it was handled."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from video.choices import AlarmClass, AlarmHandling, AlarmReview, CameraKind, CameraStatus

GB28181_ID = RegexValidator(
    r"^\d{20}\Z", _("A GB/T 28181 id is exactly 20 digits."), code="gb28181_id"
)  # fmt: skip
MAX_RANGE_M = 5000.0


class Camera(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    device_id = models.CharField(
        _("device id"), max_length=20, validators=[GB28181_ID], help_text=_("GB/T 28181 device id: 20 digits.")
    )
    channel_id = models.CharField(
        _("channel id"), max_length=20, validators=[GB28181_ID], help_text=_("GB/T 28181 channel id: 20 digits.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CameraKind.choices)
    location = models.PointField(_("location"), srid=4326)
    azimuth_deg = models.FloatField(
        _("azimuth (°)"),
        validators=[MinValueValidator(0), MaxValueValidator(360)],
        help_text=_("The centre of the view, degrees clockwise from grid north (0–360)."),
    )
    fov_deg = models.FloatField(
        _("field of view (°)"),
        validators=[MinValueValidator(0.1), MaxValueValidator(360)],
        help_text=_("Horizontal field of view; 360 for a PTZ or dome camera that sweeps."),
    )
    range_m = models.FloatField(
        _("range (m)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RANGE_M)],
        help_text=_("Useful range of the camera."),
    )
    height_m = models.FloatField(_("height (m)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(300)])
    company = models.ForeignKey(
        "companies.OperatingCompany", verbose_name=_("company"), on_delete=models.PROTECT, related_name="cameras"
    )
    pipeline = models.ForeignKey(
        "pipelines.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cameras",
    )
    stream_url = models.CharField(
        _("stream link"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("A link the browser opens (the video platform's player); never proxied."),
    )
    status = models.CharField(_("status"), max_length=10, choices=CameraStatus.choices, default=CameraStatus.ONLINE)
    last_seen_at = models.DateTimeField(
        _("last heartbeat"),
        null=True,
        blank=True,
        help_text=_("A camera never heard from is not watched: its status stays as registered."),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    layer_import = models.ForeignKey(
        "layers.LayerImport",
        verbose_name=_("layer import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="camera_code_not_empty"),
            models.CheckConstraint(condition=Q(azimuth_deg__gte=0, azimuth_deg__lte=360), name="camera_azimuth"),
            models.CheckConstraint(condition=Q(fov_deg__gt=0, fov_deg__lte=360), name="camera_fov"),
            models.CheckConstraint(condition=Q(range_m__gt=0), name="camera_range_positive"),
            models.CheckConstraint(condition=Q(status__in=CameraStatus.values), name="camera_status_valid"),
        ]

    def __str__(self):
        return self.code

    @property
    def online(self) -> bool:
        return self.status == CameraStatus.ONLINE


class CameraOutage(models.Model):
    """A camera offline: from when it was found silent until it spoke again (open while ``ended_at`` is empty)."""

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="outages")
    started_at = models.DateTimeField(_("found offline at"))
    last_seen_at = models.DateTimeField(_("last heartbeat before"), null=True, blank=True)
    ended_at = models.DateTimeField(_("back online at"), null=True, blank=True)

    class Meta:
        verbose_name = _("camera outage")
        verbose_name_plural = _("camera outages")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera"], condition=Q(ended_at__isnull=True), name="camera_outage_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.camera} {self.started_at:%Y-%m-%d %H:%M}"


class SegmentCoverage(models.Model):
    """What the cameras cover of one HCA segment (video.md's answer), online and by design."""

    segment = models.OneToOneField(
        "hca.HcaSegment",
        verbose_name=_("HCA segment"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="video_coverage",
    )
    covered_m = models.FloatField(_("covered (m)"))
    coverage = models.FloatField(_("coverage"), help_text=_("Share covered by online cameras (0–1)."))
    uncovered = models.JSONField(_("uncovered ranges"), default=list)
    cameras = models.JSONField(_("cameras that see it"), default=list)
    design_covered_m = models.FloatField(_("covered by design (m)"))
    design_coverage = models.FloatField(_("design coverage"), help_text=_("Share covered counting every camera."))
    design_uncovered = models.JSONField(_("uncovered by design"), default=list)
    design_cameras = models.JSONField(_("cameras by design"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("HCA video coverage")
        verbose_name_plural = _("HCA video coverage")
        indexes = [models.Index(fields=["coverage"], name="video_coverage_share_idx")]

    def __str__(self):
        return f"{self.segment} · {self.coverage:.1%}"


class VideoAlarm(models.Model):
    """One AI alarm as received, with the pipelines its camera sees and how it was handled."""

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.PROTECT, related_name="alarms")
    company = models.ForeignKey(
        "companies.OperatingCompany", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    external_id = models.CharField(_("platform's alarm id"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    alarm_class = models.CharField(_("class"), max_length=20, choices=AlarmClass.choices)
    confidence = models.FloatField(_("confidence"), validators=[MinValueValidator(0), MaxValueValidator(1)])
    snapshot = models.FileField(_("snapshot"), upload_to="video/snapshots/%Y/%m/", blank=True)
    pipelines = models.ManyToManyField(
        "pipelines.Pipeline", verbose_name=_("pipelines seen"), blank=True, related_name="video_alarms"
    )
    first = models.ForeignKey(
        "self",
        verbose_name=_("first alarm of the event"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        help_text=_("Set on a repeat: the same class from the same camera within 10 minutes."),
    )
    repeat_count = models.PositiveIntegerField(_("repeats"), default=0)
    handling = models.CharField(_("handling"), max_length=30, choices=AlarmHandling.choices)
    handling_note = models.TextField(_("handling note"), blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name=_("hazard"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incident = models.ForeignKey(
        "emergency.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    application_ref = models.CharField(
        _("construction application"), max_length=60, blank=True, help_text=_("The approved application covering it.")
    )
    review = models.CharField(_("check"), max_length=10, choices=AlarmReview.choices, default=AlarmReview.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    review_comment = models.TextField(_("check comment"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("video alarm")
        verbose_name_plural = _("video alarms")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["camera", "alarm_class", "occurred_at"], name="video_alarm_repeat_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=0, confidence__lte=1), name="video_alarm_confidence"),
            models.CheckConstraint(
                condition=~Q(review=AlarmReview.DISMISSED) | ~Q(review_comment=""),
                name="video_alarm_dismissal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.camera} {self.get_alarm_class_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
