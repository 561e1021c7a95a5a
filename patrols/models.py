"""Patrol teams, their agreements, the sections they patrol, checkpoints, daily tasks, and GPS tracks.

A fix is identified by (device, time): a batch sent twice adds nothing. Fixes keep longitude and latitude as
numbers (WGS84 / CGCS2000, equal at this scale) so that a day of the city loads and is judged as arrays; a
track keeps its line as geometry for the maps and the API.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patrols.choices import CheckpointKind, FixSource, Mode, Period, TaskKind, TaskStatus, TeamKind, TimeWindow

DEFAULT_COVERAGE_WIDTH_M = 20.0  # patrols.md, rule 6
DEFAULT_CHECKPOINT_RADIUS_M = 30.0


class Team(models.Model):
    """A patrol team (巡护队伍), paid by a company under a protection agreement."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    county = models.CharField(_("county"), max_length=50)
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("paying company"),
        on_delete=models.PROTECT,
        related_name="patrol_teams",
    )
    leader = models.CharField(_("leader"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    police_led = models.BooleanField(_("led by a police officer"), default=False)
    headcount = models.PositiveIntegerField(_("members"), default=0, help_text=_("Number of patrollers."))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members with an account"),
        blank=True,
        related_name="patrol_teams",
        help_text=_("Patrollers who log in to the field page."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("patrol team")
        verbose_name_plural = _("patrol teams")
        ordering = ["county", "name"]

    def __str__(self):
        return self.name


class PatrolSection(models.Model):
    """A section a team is responsible for (责任管段): a chainage range of one pipeline."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="patrol_sections"
    )
    from_m = models.FloatField(_("from chainage (m)"))
    to_m = models.FloatField(_("to chainage (m)"))
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sections",
    )
    frequency = models.PositiveSmallIntegerField(_("patrols required"), default=1)
    period = models.CharField(_("per"), max_length=10, choices=Period.choices, default=Period.DAY)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.WALK)
    time_window = models.CharField(_("time window"), max_length=10, choices=TimeWindow.choices, default=TimeWindow.DAY)
    coverage_width_m = models.FloatField(
        _("coverage width (m)"),
        default=DEFAULT_COVERAGE_WIDTH_M,
        help_text=_("A position of the centreline counts as covered within this distance of the track."),
    )
    active = models.BooleanField(_("active"), default=True)
    line = models.LineStringField(
        _("line"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("The stretch of the pipeline's centreline, kept by the services for maps, the API and OGC."),
    )

    class Meta:
        verbose_name = _("patrol section")
        verbose_name_plural = _("patrol sections")
        ordering = ["pipeline__code", "from_m"]
        constraints = [
            models.CheckConstraint(condition=Q(from_m__gte=0), name="patrolsection_from_not_negative"),
            models.CheckConstraint(condition=Q(to_m__gt=F("from_m")), name="patrolsection_to_after_from"),
            models.CheckConstraint(condition=Q(coverage_width_m__gt=0), name="patrolsection_width_positive"),
            models.CheckConstraint(condition=Q(frequency__gte=1), name="patrolsection_frequency_positive"),
        ]

    def __str__(self):
        return self.code

    @property
    def length_m(self) -> float:
        return self.to_m - self.from_m


def agreement_document_path(instance, filename):
    from hazards.models.hazard import random_upload_path

    return random_upload_path("patrols/agreements", filename)


class ProtectionAgreement(models.Model):
    """A pipeline protection agreement (管道保护协议书): the company pays, the locality provides the people."""

    number = models.CharField(_("number"), max_length=50, unique=True)
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        related_name="protection_agreements",
    )
    county = models.CharField(_("county"), max_length=50)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    sections = models.ManyToManyField(
        PatrolSection, verbose_name=_("sections covered"), blank=True, related_name="agreements"
    )
    frequency = models.PositiveSmallIntegerField(_("patrols agreed"), default=1)
    period = models.CharField(_("per"), max_length=10, choices=Period.choices, default=Period.DAY)
    time_window = models.CharField(_("time window"), max_length=10, choices=TimeWindow.choices, default=TimeWindow.DAY)
    payment_yuan = models.DecimalField(_("payment (yuan per year)"), max_digits=12, decimal_places=2, default=0)
    document = models.FileField(_("document"), upload_to=agreement_document_path, blank=True)

    class Meta:
        verbose_name = _("protection agreement")
        verbose_name_plural = _("protection agreements")
        ordering = ["-ends_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="agreement_ends_after_start"),
            models.CheckConstraint(condition=Q(payment_yuan__gte=0), name="agreement_payment_not_negative"),
        ]

    def __str__(self):
        return self.number


class Checkpoint(models.Model):
    """A checkpoint (巡检点 / 打卡点) on or beside a pipeline; visited when a kept leg passes within its radius."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    pipeline = models.ForeignKey(
        "pipelines.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CheckpointKind.choices, default=CheckpointKind.MILE_MARKER
    )
    location = models.PointField(_("location"), srid=4326)
    chainage_m = models.FloatField(_("chainage (m)"), default=0)
    radius_m = models.FloatField(_("radius (m)"), default=DEFAULT_CHECKPOINT_RADIUS_M)
    layer_import = models.ForeignKey(
        "layers.LayerImport",
        verbose_name=_("layer import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["pipeline__code", "chainage_m"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="checkpoint_code_not_empty"),
            models.CheckConstraint(condition=Q(radius_m__gt=0), name="checkpoint_radius_positive"),
        ]

    def __str__(self):
        return self.code


class PatrolTask(models.Model):
    """A patrol of a section due on a date (巡检任务), generated from the sections; judged from the tracks."""

    section = models.ForeignKey(
        PatrolSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="tasks"
    )
    date = models.DateField(_("date"))
    time_window = models.CharField(_("time window"), max_length=10, choices=TimeWindow.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices, default=TaskKind.REGULAR)
    seq = models.PositiveSmallIntegerField(_("round"), default=1, help_text=_("Round of the day, from 1."))
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PLANNED)
    coverage = models.FloatField(_("coverage rate"), null=True, blank=True)
    arrival = models.FloatField(_("arrival rate"), null=True, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True, help_text=_("The judgement (patrols.md)."))
    exceptions = models.JSONField(_("exceptions"), default=list, blank=True)
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol task")
        verbose_name_plural = _("patrol tasks")
        ordering = ["-date", "section__code", "time_window", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["section", "date", "time_window", "kind", "seq"], name="patroltask_unique"),
        ]
        indexes = [models.Index(fields=["date", "status"], name="patroltask_date_status_idx")]

    def __str__(self):
        return f"{self.section} {self.date}"


class PatrolTaskEvent(models.Model):
    """History of a task: generated, started, fixes received, judged, re-judged (append-only, by the services)."""

    task = models.ForeignKey(PatrolTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("event"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}" if self.at else ""


class Device(models.Model):
    """A GPS tracker or a phone that sends fixes; a device belongs to a team (and may be a person's phone)."""

    device_id = models.CharField(_("device id"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="devices"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patrol_devices",
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.WALK)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["device_id"]

    def __str__(self):
        return self.device_id


class PatrolFix(models.Model):
    """One GPS fix. (device, time) is unique: a batch sent twice adds nothing."""

    device_id = models.CharField(_("device id"), max_length=64)
    time = models.DateTimeField(_("time"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=FixSource.choices, default=FixSource.DEVICE)

    class Meta:
        verbose_name = _("GPS fix")
        verbose_name_plural = _("GPS fixes")
        constraints = [models.UniqueConstraint(fields=["device_id", "time"], name="patrolfix_device_time_unique")]
        indexes = [models.Index(fields=["time"], name="patrolfix_time_idx")]


class PatrolTrack(models.Model):
    """A device's track of one patrol (from 开始巡检 to 结束巡检 on the field page, or a device's day)."""

    device_id = models.CharField(_("device id"), max_length=64)
    task = models.ForeignKey(
        PatrolTask, verbose_name=_("task"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tracks"
    )
    section = models.ForeignKey(
        PatrolSection,
        verbose_name=_("patrol section"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracks",
        help_text=_("The section patrolled (chosen on the field page or for a GPX upload)."),
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tracks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patroller"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patrol_tracks",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.WALK)
    source = models.CharField(_("source"), max_length=10, choices=FixSource.choices, default=FixSource.DEVICE)
    fix_count = models.PositiveIntegerField(_("fixes"), default=0)
    length_m = models.FloatField(_("length (m)"), default=0)
    line = models.LineStringField(_("track"), srid=4326, null=True, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)

    class Meta:
        verbose_name = _("patrol track")
        verbose_name_plural = _("patrol tracks")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["device_id", "started_at"], name="patroltrack_device_start_idx")]

    def __str__(self):
        return f"{self.device_id} {self.started_at:%Y-%m-%d %H:%M}"
