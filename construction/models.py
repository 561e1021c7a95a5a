"""Applications for third-party construction near pipelines (第三方施工申请) and their records.

An application keeps the check's answer as it was at submission (``check``) and one ``ApplicationOperator`` row
per company concerned (its pipelines, nearest distance, band and articles); each operator answers, uploads its
agreements (versioned: a new upload is a new version, the old ones are kept) or the office reviews safety
instead. Every step is an ``ApplicationStep`` row written by the services (construction/services.py) in the
same transaction; nothing here is edited outside them.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from construction.choices import Verdict, WorkType
from construction.lifecycle import AgreementKind, Answer, ApplicationStatus, SiteAction, StepKind

APPLICATION_NUMBER_REGEX = r"^SG-[0-9]{4}-[0-9]{4,}$"


def work_plan_path(instance, filename):
    from hazards.models.hazard import random_upload_path

    return random_upload_path("construction/plans", filename)


def agreement_path(instance, filename):
    from hazards.models.hazard import random_upload_path

    return random_upload_path("construction/agreements", filename)


def checkin_photo_path(instance, filename):
    from hazards.models.hazard import random_upload_path

    return random_upload_path("construction/checkins", filename)


class Contractor(models.Model):
    """A construction company (施工单位); its members are the users who submit and follow its applications."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members (users)"),
        blank=True,
        related_name="contractors",
        help_text=_("Users of the contractor role who act for this contractor."),
    )

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="contractor_name_not_empty")]

    def __str__(self):
        return self.name


class Application(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    project = models.CharField(_("project"), max_length=200)
    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="applications"
    )
    contact_person = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    work_plan = models.FileField(_("work plan (PDF)"), upload_to=work_plan_path, blank=True)
    work_plan_name = models.CharField(_("original file name"), max_length=255, blank=True, editable=False)
    area = models.GeometryField(_("work area"), srid=4326, help_text=_("A point, a line or an area, drawn on the map."))
    work_type = models.CharField(_("work type"), max_length=30, choices=WorkType.choices)
    depth_m = models.FloatField(_("depth (m)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    valid_until = models.DateField(
        _("approval valid until"),
        null=True,
        blank=True,
        help_text=_("The approval lapses if the work has not started by this date."),
    )
    decision_due = models.DateField(
        _("decision due"), help_text=_("20 working days after submission (public holidays excluded).")
    )
    verdict = models.CharField(_("verdict of the check"), max_length=20, choices=Verdict.choices)
    check_answer = models.JSONField(_("check at submission"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision"), blank=True)
    notice_sent_on = models.DateField(_("notice sent on"), null=True, blank=True)
    started_on = models.DateField(_("work started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    expired_on = models.DateField(_("expired on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    hazards = models.ManyToManyField(
        "hazards.Hazard", verbose_name=_("hazards (damage or near miss)"), blank=True, related_name="applications"
    )
    incidents = models.ManyToManyField(
        "emergency.Incident", verbose_name=_("emergency incidents"), blank=True, related_name="applications"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("construction application")
        verbose_name_plural = _("construction applications")
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("review_application", _("Can approve or refuse an application and review its safety")),
            ("answer_application", _("Can answer an application for an operator and upload agreements")),
            ("progress_application", _("Can mark the work of an application started or completed")),
            ("checkin_application", _("Can check in on site for an application")),
            ("export_application_ledger", _("Can export the ledger of applications")),
        ]
        indexes = [models.Index(fields=["status"], name="application_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=APPLICATION_NUMBER_REGEX), name="application_number"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")), name="application_end_after_start"
            ),
            models.CheckConstraint(condition=Q(status__in=ApplicationStatus.values), name="application_status"),
            models.CheckConstraint(
                condition=Q(depth_m__isnull=True) | Q(depth_m__gte=0), name="application_depth_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.project}"


class ApplicationOperator(models.Model):
    """A company whose pipelines the check listed for the work: it must answer (positive response)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="operators"
    )
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        related_name="construction_operators",
    )
    pipelines = models.JSONField(
        _("pipelines"), default=list, help_text=_("Each pipeline of the company the check listed.")
    )
    distance_m = models.FloatField(_("nearest distance (m)"))
    band = models.CharField(_("band"), max_length=20)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    articles = models.JSONField(_("articles"), default=list, blank=True)
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, blank=True)
    site_action = models.CharField(_("on site"), max_length=20, choices=SiteAction.choices, blank=True)
    answer_comment = models.TextField(_("answer comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    safety_reviewed_at = models.DateTimeField(_("safety reviewed at"), null=True, blank=True)
    safety_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("safety reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    safety_review_comment = models.TextField(_("safety review"), blank=True)

    class Meta:
        verbose_name = _("operator concerned")
        verbose_name_plural = _("operators concerned")
        ordering = ["application", "distance_m", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "company"], name="application_operator_once"),
        ]

    def __str__(self):
        return str(self.company)  # (not the application's number: an inline row would load it again)

    @property
    def pipeline_codes(self) -> str:
        return "、".join(p.get("pipeline_code", "") for p in self.pipelines)


class AgreementVersion(models.Model):
    """One uploaded version of an agreement between an operator and the contractor; versions are never replaced."""

    operator = models.ForeignKey(
        ApplicationOperator, verbose_name=_("operator"), on_delete=models.CASCADE, related_name="agreements"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file (PDF)"), upload_to=agreement_path)
    file_name = models.CharField(_("original file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["operator", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "kind", "version"], name="agreement_version_once"),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_version_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class CheckIn(models.Model):
    """An on-site supervision check-in (现场监护) by an operator's guard: photo, position and time."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="checkins"
    )
    operator = models.ForeignKey(
        ApplicationOperator,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkins",
    )
    guard = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("guard"), on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField(_("time"))
    location = models.PointField(_("position"), srid=4326)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance from the work area (m)"), default=0)
    photo = models.ImageField(_("photo"), upload_to=checkin_photo_path)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("on-site check-in")
        verbose_name_plural = _("on-site check-ins")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"


class ApplicationStep(models.Model):
    """One entry of an application's history: append-only, written by the services."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=30, choices=StepKind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    operator = models.ForeignKey(
        ApplicationOperator,
        verbose_name=_("operator"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="steps",
    )
    comment = models.TextField(_("comment"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return str(self.get_kind_display())
