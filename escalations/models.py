from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ESCALATION_NUMBER_REGEX = r"^(DB|YT)-[0-9]{4}-[0-9]{3,}$"


class EscalationKind(models.TextChoices):
    """The two steps of overdue escalation, in order."""

    SUPERVISION_ORDER = "supervision_order", _("supervision order")
    INTERVIEW = "interview", _("safety interview")


# Number prefixes: 督办 (DB-2026-001) and 约谈 (YT-2026-001).
NUMBER_PREFIXES = {
    EscalationKind.SUPERVISION_ORDER: "DB",
    EscalationKind.INTERVIEW: "YT",
}


class Escalation(models.Model):
    """A supervision order (督办单) or safety interview notice (约谈通知书) about one hazard.

    Issued by ``escalations.services.escalation_issue`` and never edited:
    once per step for each deadline of the hazard.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=EscalationKind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="escalations"
    )
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("recipient company"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    deadline_at_issue = models.DateField(
        _("deadline at issue"), help_text=_("The hazard's rectification deadline when this was issued.")
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="issued_escalations",
        null=True,
        blank=True,
        help_text=_("Empty when the system issued it (scheduled jobs)."),
    )
    text = models.TextField(_("text"), help_text=_("The body of the document."))
    reply_by = models.DateField(
        _("reply by / meeting date"),
        null=True,
        blank=True,
        help_text=_(
            "Supervision order: the date by which the company must finish and report (default: 15 days). "
            "Safety interview: the date of the meeting (default: 7 days)."
        ),
    )
    place = models.CharField(_("place"), max_length=200, blank=True, help_text=_("Where the interview is held."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["company", "issued_on"], name="escalation_company_issued_idx")]
        constraints = [
            # Escalation happens once per step per deadline, however often a job runs.
            models.UniqueConstraint(fields=["hazard", "kind", "deadline_at_issue"], name="escalation_once_per_step"),
            models.CheckConstraint(condition=Q(kind__in=EscalationKind.values), name="escalation_kind_valid"),
            models.CheckConstraint(condition=Q(number__regex=ESCALATION_NUMBER_REGEX), name="escalation_number_format"),
            models.CheckConstraint(
                condition=Q(reply_by__isnull=True) | Q(reply_by__gte=F("issued_on")),
                name="escalation_reply_after_issue",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"


class EscalationNumberSequence(models.Model):
    """Last number issued per kind and year, for numbers like DB-2026-001."""

    kind = models.CharField(_("kind"), max_length=20, choices=EscalationKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("escalation number sequence")
        verbose_name_plural = _("escalation number sequences")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="escalation_sequence_unique")]

    def __str__(self):
        return f"{NUMBER_PREFIXES.get(self.kind, self.kind)}-{self.year}: {self.last_number}"


class DeadlineReminder(models.Model):
    """A reminder to the company that a hazard's deadline is near; once per deadline."""

    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="reminders"
    )
    company = models.ForeignKey(
        "companies.OperatingCompany", verbose_name=_("operating company"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("rectification deadline"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["deadline", "id"]
        constraints = [models.UniqueConstraint(fields=["hazard", "deadline"], name="reminder_once_per_deadline")]
        indexes = [models.Index(fields=["company", "deadline"], name="reminder_company_deadline_idx")]

    def __str__(self):
        return f"{self.hazard_id} {self.deadline}"
