"""Escalation services: supervision orders (督办单) and safety interviews (约谈).

Keyword arguments only; each runs in one transaction, locks the hazard row
and writes the hazard's history row in the same transaction. ``actor=None``
means the system (the nightly overdue job). Escalation happens once per step
for each deadline of the hazard: ``escalation_issue`` refuses a repeat,
``escalation_issue_if_missing`` (for scheduled jobs) skips it.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import can_see_company
from common.errors import DomainError, NotPermitted
from escalations.documents import default_text
from escalations.models import NUMBER_PREFIXES, Escalation, EscalationKind, EscalationNumberSequence
from hazards.chain import history_lock
from hazards.choices import HazardStatus
from hazards.models import Hazard, TransitionAction
from hazards.services import hazard_history_add

REPLY_DAYS = {EscalationKind.SUPERVISION_ORDER: 15, EscalationKind.INTERVIEW: 7}


class AlreadyIssued(DomainError):
    """This step was already taken for the hazard's current deadline."""

    def __init__(self, existing: Escalation):
        self.existing = existing
        super().__init__(_("Already issued: %(number)s.") % {"number": existing.number})


def escalation_number_issue(*, kind: str, year: int) -> str:
    """The next number of ``kind`` in ``year`` (DB-2026-001, YT-2026-001), gap-free under concurrency."""
    with transaction.atomic():
        EscalationNumberSequence.objects.get_or_create(kind=kind, year=year)
        # One UPDATE takes the row lock, so two callers never get the same number.
        sequence = EscalationNumberSequence.objects.filter(kind=kind, year=year)
        sequence.update(last_number=F("last_number") + 1)
        last = sequence.values_list("last_number", flat=True).get()
    return f"{NUMBER_PREFIXES[kind]}-{year}-{last:03d}"


@transaction.atomic
def escalation_issue(
    *,
    hazard: Hazard,
    kind: str,
    actor=None,
    text: str = "",
    reply_by: date | None = None,
    place: str = "",
    today: date | None = None,
) -> Escalation:
    """Issue a supervision order or an interview notice about ``hazard`` to its company."""
    history_lock()  # before the hazard's row: see hazards.chain.history_lock
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    today = today or timezone.localdate()
    if kind not in EscalationKind.values:
        raise DomainError(_("Unknown kind of escalation: %(kind)s.") % {"kind": kind})
    _check_actor(actor, hazard)
    _check_hazard(hazard)
    _check_not_issued(hazard, kind)
    order = _order_for_interview(hazard) if kind == EscalationKind.INTERVIEW else None
    reply_by = reply_by or today + timedelta(days=REPLY_DAYS[kind])
    if reply_by < today:
        raise DomainError(_("The reply date cannot be before the date of issue."))
    place = (place or "").strip()
    escalation = Escalation(
        kind=kind,
        number=escalation_number_issue(kind=kind, year=today.year),
        hazard=hazard,
        company_id=hazard.company_id,
        deadline_at_issue=hazard.deadline,
        issued_on=today,
        issued_by=actor,
        text=(text or "").strip()
        or default_text(hazard=hazard, kind=kind, today=today, reply_by=reply_by, place=place, order=order),
        reply_by=reply_by,
        place=place,
    )
    _insert(escalation)
    hazard_history_add(
        hazard=hazard,
        action=TransitionAction.ESCALATE,
        actor=actor,
        comment=f"{escalation.get_kind_display()} {escalation.number}",
        escalation=escalation.pk,
        kind=kind,
    )
    return escalation


def escalation_issue_if_missing(
    *, hazard: Hazard, kind: str, actor=None, today: date | None = None
) -> Escalation | None:
    """For scheduled jobs: issue the step unless it was already issued for the current deadline.

    Returns None (and creates nothing) in that case; other refusals still raise.
    """
    try:
        return escalation_issue(hazard=hazard, kind=kind, actor=actor, today=today)
    except AlreadyIssued:
        return None


# --- checks --------------------------------------------------------------


def _check_actor(actor, hazard: Hazard) -> None:
    if actor is None:
        return
    if not actor.has_perm("escalations.add_escalation") or not can_see_company(actor, hazard.company_id):
        raise NotPermitted(_("You are not allowed to issue supervision orders or interviews for this hazard."))


def _check_hazard(hazard: Hazard) -> None:
    if hazard.status == HazardStatus.CLOSED:
        raise DomainError(_("Hazard %(code)s is closed: there is nothing to escalate.") % {"code": hazard.code})
    if hazard.status == HazardStatus.REPORTED or hazard.deadline is None:
        raise DomainError(
            _("Hazard %(code)s has no rectification deadline yet: assign it first.") % {"code": hazard.code}
        )


def _step(hazard: Hazard, kind: str):
    return Escalation.objects.filter(hazard=hazard, kind=kind, deadline_at_issue=hazard.deadline)


def _check_not_issued(hazard: Hazard, kind: str) -> None:
    existing = _step(hazard, kind).first()
    if existing is not None:
        raise AlreadyIssued(existing)


def _order_for_interview(hazard: Hazard) -> Escalation:
    order = _step(hazard, EscalationKind.SUPERVISION_ORDER).first()
    if order is None:
        raise DomainError(_("A safety interview needs a supervision order for the current deadline: issue that first."))
    return order


def _insert(escalation: Escalation) -> None:
    try:
        escalation.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    try:
        # The unique constraint is the final guard against a concurrent issuer.
        with transaction.atomic():
            escalation.save(force_insert=True)
    except IntegrityError:
        existing = _step(escalation.hazard, escalation.kind).first()
        if existing is None:
            raise
        raise AlreadyIssued(existing) from None
