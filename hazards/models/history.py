from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hazards.choices import HazardStatus
from hazards.models.hazard import Hazard


class TransitionAction(models.TextChoices):
    REPORT = "report", _("report")
    ASSIGN = "assign", _("assign")
    START = "start", _("start rectification")
    SUBMIT = "submit", _("submit for acceptance")
    ACCEPT = "accept", _("accept and close")
    REJECT = "reject", _("reject")
    REOPEN = "reopen", _("reopen")
    EXTEND = "extend", _("extend deadline")
    EDIT = "edit", _("edit findings")
    PROGRESS = "progress", _("record progress")
    EVIDENCE = "evidence", _("add evidence")
    ESCALATE = "escalate", _("escalate")
    FLAG_OVERDUE = "flag_overdue", _("flag overdue")


class HazardTransitionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Hazard history is append-only.")

    def delete(self):
        raise TypeError("Hazard history is append-only.")

    def bulk_create(self, objs, batch_size=None, **kwargs):
        """Rows are chained (hazards/chain.py) before they are inserted."""
        if kwargs:
            raise TypeError("Hazard history rows are only ever inserted, chained.")
        from hazards.chain import history_append

        return history_append(list(objs))

    def purge(self):
        """Really delete, with the database guards lifted for this transaction, and chain the
        rows after them anew: only for throwing away demo or benchmark data (seed_demo --reset)."""
        from hazards import db_guards
        from hazards.chain import history_rechain

        with transaction.atomic(), db_guards.history_unlocked():
            first = self.order_by("id").values_list("id", flat=True).first()
            deleted = super().delete()
            if first is not None:
                history_rechain(from_id=first)
        return deleted


class HazardTransition(models.Model):
    """One entry of a hazard's history: who did what, when, from which state to which, and why.

    Append-only: written by the services in the same transaction as the
    change it records; never updated or deleted (database triggers refuse
    updates, deletes and replacements too). Tamper-evident: every row is
    chained to the one before it by hash (hazards/chain.py).
    """

    hazard = models.ForeignKey(Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="history")
    action = models.CharField(_("action"), max_length=20, choices=TransitionAction.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=HazardStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=HazardStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the system acted (scheduled jobs, the city platform)."),
    )
    comment = models.TextField(_("comment"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="", editable=False)

    objects = HazardTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard history entry")
        verbose_name_plural = _("hazard history")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["hazard", "created_at"], name="transition_hazard_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=TransitionAction.values), name="transition_action_valid"
            ),
        ]

    def __str__(self):
        return f"{self.hazard_id} {self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Hazard history is append-only.")
        from hazards.chain import history_append

        history_append([self])

    def delete(self, *args, **kwargs):
        raise TypeError("Hazard history is append-only.")
