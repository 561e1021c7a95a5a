"""Hazard services: every write to a hazard and its rectification goes
through a function here.

Each function takes keyword arguments only, runs in one transaction, locks
the hazard row, checks the life cycle (hazards/lifecycle.py), the actor's
permission and company, and the version the actor saw, and writes a history
row in the same transaction. ``actor=None`` means the system (scheduled jobs,
the city platform); it is allowed every step. A company's API key
(accounts.principals.CompanyKeyActor) acts with its company staff's rights;
its rows name no person and say in their details which key acted.
"""

from contextlib import contextmanager
from datetime import date, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.principals import person
from accounts.scoping import can_see_company
from common.errors import ConcurrentChange, DomainError, IllegalTransition, NotPermitted
from hazards.chain import history_lock
from hazards.choices import AcceptanceOutcome, HazardLevel, HazardStatus
from hazards.lifecycle import EDITABLE_STATES, STEPS, WORKING_STATES
from hazards.models import (
    DeadlinePolicy,
    Hazard,
    HazardCodeSequence,
    HazardPhoto,
    HazardTransition,
    Rectification,
    RectificationEvidence,
    TransitionAction,
)
from hazards.uploads import PHOTO_TYPES, validate_upload

FALLBACK_DEADLINE_DAYS = 30
# Fields an inspector may correct after reporting; the company only before assignment.
FINDING_FIELDS = frozenset(
    {
        "source",
        "pipeline",
        "campaign",
        "inspection",
        "location",
        "chainage_m",
        "place",
        "category",
        "level",
        "clause",
        "description",
        "found_on",
    }
)


# --- codes ---------------------------------------------------------------


def hazard_code_issue(*, year: int) -> str:
    """Issue the next hazard code of ``year`` (YH-2026-0001, …), gap-free under concurrency."""
    return hazard_codes_reserve(year=year, count=1)[0]


def hazard_codes_reserve(*, year: int, count: int) -> list[str]:
    """Issue ``count`` consecutive codes of ``year`` at once (bulk imports, demo data)."""
    with transaction.atomic():
        HazardCodeSequence.objects.get_or_create(year=year)
        # One UPDATE takes the row lock, so two callers never get the same number.
        HazardCodeSequence.objects.filter(year=year).update(last_number=F("last_number") + count)
        last = HazardCodeSequence.objects.values_list("last_number", flat=True).get(year=year)
    return [f"YH-{year}-{n:04d}" for n in range(last - count + 1, last + 1)]


# --- helpers -------------------------------------------------------------


def deadline_for(*, level: str, category: str, start: date) -> date:
    """Default deadline: the most specific rule of the deadline table."""
    rules = {(r.level, r.category): r.days for r in DeadlinePolicy.objects.filter(level=level)}
    days = rules.get((level, category)) or rules.get((level, "")) or FALLBACK_DEADLINE_DAYS
    return start + timedelta(days=days)


def _require(actor, permission: str, hazard: Hazard) -> None:
    if actor is None:
        return
    if not actor.has_perm(permission) or not can_see_company(actor, hazard.company_id):
        raise NotPermitted()


def _lock(hazard: Hazard, expected_version: int | None) -> Hazard:
    history_lock()  # before the hazard's row: see hazards.chain.history_lock
    locked = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange()
    return locked


def _step(action: str, hazard: Hazard, actor):
    step = STEPS[action]
    _require(actor, step.permission, hazard)
    if hazard.status not in step.sources:
        raise IllegalTransition(
            _("“%(action)s” is not possible: hazard %(code)s is “%(status)s”.")
            % {"action": step.label, "code": hazard.code, "status": hazard.get_status_display()}
        )
    return step


def _record(hazard: Hazard, action: str, actor, from_status: str, comment: str = "", **details) -> HazardTransition:
    details = {**details, **getattr(actor, "audit_details", {})}  # a key says which key it was
    return HazardTransition.objects.create(
        hazard=hazard,
        action=action,
        from_status=from_status,
        to_status=hazard.status,
        actor=person(actor),
        comment=comment,
        details={key: str(value) if isinstance(value, date) else value for key, value in details.items()},
    )


def _save(hazard: Hazard, fields: list[str]) -> None:
    hazard.version += 1
    try:
        hazard.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    hazard.save(update_fields=[*fields, "version", "updated_at"])


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Give a reason for %(what)s.") % {"what": what}, field="reason")
    return text


def _not_past(deadline: date, today: date, field: str) -> None:
    if deadline < today:
        raise DomainError(_("The deadline cannot be in the past."), field=field)


def _clean_rectification(rectification: Rectification) -> None:
    """Validate a round; a refusal names its field when it is about one."""
    planned = rectification.planned_completion_on
    if planned is not None and planned < rectification.started_on:
        raise DomainError(
            _("The planned completion cannot be before the round started (%(date)s).")
            % {"date": rectification.started_on.isoformat()},
            field="planned_completion_on",
        )
    try:
        rectification.full_clean()
    except ValidationError as exc:
        fields = [name for name in getattr(exc, "error_dict", {}) if name != NON_FIELD_ERRORS]
        raise DomainError(" ".join(exc.messages), field=fields[0] if len(fields) == 1 else None) from exc


def _alert(event_type: str, hazard_ids: list[int]) -> None:
    """Signed alerts to the city platform (integrations/alerts.py), sent after commit."""
    from integrations.alerts import alert_emit

    alert_emit(event_type=event_type, hazard_ids=hazard_ids)


def rectification_current(*, hazard: Hazard) -> Rectification | None:
    """The round the company is working on (not yet accepted or rejected), if any."""
    return hazard.rectifications.filter(outcome=AcceptanceOutcome.PENDING).order_by("-created_at", "-id").first()


def rectification_latest(*, hazard: Hazard) -> Rectification | None:
    """The latest round whatever its outcome: after a rejection, what the next round starts from."""
    return hazard.rectifications.order_by("-created_at", "-id").first()


# --- life cycle ----------------------------------------------------------


@transaction.atomic
def hazard_report(*, hazard: Hazard, actor=None, comment: str = "") -> Hazard:
    """Record a newly found hazard: validate it, give it a code, state ``reported``."""
    if actor is not None:
        _require(actor, "hazards.add_hazard", hazard)
    history_lock()  # before the code sequence's row: see hazards.chain.history_lock
    hazard.status = HazardStatus.REPORTED
    hazard.deadline = None
    hazard.reported_by = actor if actor is not None else hazard.reported_by
    hazard.code = hazard_code_issue(year=hazard.found_on.year)
    hazard.full_clean()  # ValidationError names the fields; the atomic block returns the code
    hazard.save()
    _record(hazard, TransitionAction.REPORT, actor, "", comment)
    if hazard.level == HazardLevel.MAJOR:
        _alert("hazard.major_reported", [hazard.pk])
    return hazard


@transaction.atomic
def hazard_assign(
    *, hazard: Hazard, actor, deadline: date | None = None, comment: str = "", expected_version: int | None = None
) -> Hazard:
    """Hand the hazard to its company with a deadline (default from the deadline table)."""
    hazard = _lock(hazard, expected_version)
    _step(TransitionAction.ASSIGN, hazard, actor)
    today = timezone.localdate()
    hazard.deadline = deadline or deadline_for(level=hazard.level, category=hazard.category, start=today)
    _not_past(hazard.deadline, today, "deadline")
    previous, hazard.status = hazard.status, HazardStatus.ASSIGNED
    _save(hazard, ["status", "deadline"])
    _record(hazard, TransitionAction.ASSIGN, actor, previous, comment, deadline=hazard.deadline)
    return hazard


@transaction.atomic
def hazard_start(
    *,
    hazard: Hazard,
    actor,
    measures: str,
    responsible_person: str,
    responsible_phone: str = "",
    planned_completion_on: date | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> Rectification:
    """The company starts (or, after a rejection, restarts) rectification: a new round."""
    hazard = _lock(hazard, expected_version)
    _step(TransitionAction.START, hazard, actor)
    today = timezone.localdate()
    rectification = Rectification(
        hazard=hazard,
        measures=measures,
        responsible_person=responsible_person,
        responsible_phone=responsible_phone,
        started_on=today,
        planned_completion_on=planned_completion_on,
    )
    _clean_rectification(rectification)
    rectification.save()
    previous, hazard.status = hazard.status, HazardStatus.RECTIFYING
    _save(hazard, ["status"])
    _record(hazard, TransitionAction.START, actor, previous, comment, rectification=rectification.pk)
    return rectification


@transaction.atomic
def rectification_update(
    *, rectification: Rectification, actor, changes: dict, expected_version: int | None = None
) -> Rectification:
    """The company records progress on the current round (measures, people, progress, dates)."""
    hazard = _lock(rectification.hazard, expected_version)
    _require(actor, "hazards.rectify_hazard", hazard)
    current = rectification_current(hazard=hazard)
    if hazard.status not in WORKING_STATES or current is None or current.pk != rectification.pk:
        raise IllegalTransition(_("Progress can only be recorded on the current round while rectifying."))
    allowed = {
        "measures",
        "responsible_person",
        "responsible_phone",
        "progress_percent",
        "progress_note",
        "planned_completion_on",
        "completed_on",
    }
    if not changes:
        raise DomainError(_("Nothing to record: change at least one field."))
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    for field, value in changes.items():
        setattr(current, field, value)
    _clean_rectification(current)
    current.save()
    _save(hazard, [])
    _record(
        hazard,
        TransitionAction.PROGRESS,
        actor,
        hazard.status,
        current.progress_note,
        progress=current.progress_percent,
        fields=sorted(changes),
    )
    return current


@transaction.atomic
def evidence_add(*, rectification: Rectification, actor, file, description: str = "") -> RectificationEvidence:
    """Attach a checked file (photo or PDF) to the current round."""
    hazard = _lock(rectification.hazard, None)
    _require(actor, "hazards.rectify_hazard", hazard)
    current = rectification_current(hazard=hazard)
    if hazard.status not in WORKING_STATES or current is None or current.pk != rectification.pk:
        raise IllegalTransition(_("Evidence can only be added to the current round while rectifying."))
    checked = validate_upload(file)
    evidence = RectificationEvidence(
        rectification=current,
        description=description,
        uploaded_by=person(actor),
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
    )
    evidence.file.save(checked.storage_name, file, save=False)
    with _file_removed_on_error(evidence.file):
        evidence.save()
        _save(hazard, [])
        _record(hazard, TransitionAction.EVIDENCE, actor, hazard.status, description, evidence=evidence.pk)
    return evidence


@transaction.atomic
def hazard_photo_add(*, hazard: Hazard, actor, file, caption: str = "") -> HazardPhoto:
    """Attach a checked photo to the hazard's findings."""
    hazard = _lock(hazard, None)
    _require(actor, "hazards.change_hazard", hazard)
    checked = validate_upload(file, allowed=PHOTO_TYPES)
    photo = HazardPhoto(hazard=hazard, caption=caption, uploaded_by=actor)
    photo.image.save(checked.storage_name, file, save=False)
    with _file_removed_on_error(photo.image):
        photo.save()
        _save(hazard, [])
        _record(hazard, TransitionAction.EDIT, actor, hazard.status, caption, photo=photo.pk)
    return photo


@contextmanager
def _file_removed_on_error(field_file):
    """Files are not transactional: if the database work fails, remove the stored file."""
    try:
        yield
    except BaseException:
        field_file.storage.delete(field_file.name)
        raise


@transaction.atomic
def hazard_submit(*, hazard: Hazard, actor, comment: str = "", expected_version: int | None = None) -> Hazard:
    """The company asks for acceptance; the current round needs evidence."""
    hazard = _lock(hazard, expected_version)
    _step(TransitionAction.SUBMIT, hazard, actor)
    current = rectification_current(hazard=hazard)
    if current is None or not current.evidence.exists():
        raise DomainError(_("Upload at least one piece of evidence (photo or PDF) before submitting."))
    current.submitted_at = timezone.now()
    current.progress_percent = 100
    current.completed_on = current.completed_on or timezone.localdate()
    current.save(update_fields=["submitted_at", "progress_percent", "completed_on"])
    previous, hazard.status = hazard.status, HazardStatus.SUBMITTED
    _save(hazard, ["status"])
    _record(hazard, TransitionAction.SUBMIT, actor, previous, comment, rectification=current.pk)
    return hazard


@transaction.atomic
def hazard_accept(*, hazard: Hazard, actor, comment: str = "", expected_version: int | None = None) -> Hazard:
    """Acceptance passed: the hazard is closed (销号)."""
    hazard = _lock(hazard, expected_version)
    _step(TransitionAction.ACCEPT, hazard, actor)
    _review(hazard, actor, AcceptanceOutcome.ACCEPTED, comment)
    previous, hazard.status = hazard.status, HazardStatus.CLOSED
    hazard.closed_at = timezone.now()
    hazard.is_overdue = False
    _save(hazard, ["status", "closed_at", "is_overdue"])
    _record(hazard, TransitionAction.ACCEPT, actor, previous, comment)
    _alert("hazard.closed", [hazard.pk])
    return hazard


@transaction.atomic
def hazard_reject(*, hazard: Hazard, actor, reason: str, expected_version: int | None = None) -> Hazard:
    """Acceptance failed: back to the company, with the reason."""
    hazard = _lock(hazard, expected_version)
    step = _step(TransitionAction.REJECT, hazard, actor)
    reason = _reason(reason, step.label)
    _review(hazard, actor, AcceptanceOutcome.REJECTED, reason)
    previous, hazard.status = hazard.status, HazardStatus.REJECTED
    _save(hazard, ["status"])
    _record(hazard, TransitionAction.REJECT, actor, previous, reason)
    return hazard


def _review(hazard: Hazard, actor, outcome: str, comment: str) -> None:
    current = rectification_current(hazard=hazard)
    if current is None or current.submitted_at is None:
        raise DomainError(_("There is no submitted rectification to review."))
    current.outcome = outcome
    current.reviewed_by = actor
    current.reviewed_at = timezone.now()
    current.review_comment = comment
    current.save(update_fields=["outcome", "reviewed_by", "reviewed_at", "review_comment"])


@transaction.atomic
def hazard_reopen(
    *, hazard: Hazard, actor, reason: str, deadline: date | None = None, expected_version: int | None = None
) -> Hazard:
    """A closed hazard came back: assigned again, with a new deadline."""
    hazard = _lock(hazard, expected_version)
    step = _step(TransitionAction.REOPEN, hazard, actor)
    reason = _reason(reason, step.label)
    today = timezone.localdate()
    new_deadline = deadline or deadline_for(level=hazard.level, category=hazard.category, start=today)
    _not_past(new_deadline, today, "deadline")
    previous, hazard.status = hazard.status, HazardStatus.ASSIGNED
    hazard.closed_at = None
    hazard.deadline = new_deadline
    _save(hazard, ["status", "closed_at", "deadline"])
    _record(hazard, TransitionAction.REOPEN, actor, previous, reason, deadline=new_deadline)
    return hazard


@transaction.atomic
def hazard_extend_deadline(
    *, hazard: Hazard, actor, new_deadline: date, reason: str, approver, expected_version: int | None = None
) -> Hazard:
    """Move the deadline later, with a reason and the approval of a manager."""
    hazard = _lock(hazard, expected_version)
    step = _step(TransitionAction.EXTEND, hazard, actor)
    reason = _reason(reason, step.label)
    if approver is None or not approver.is_active or not approver.has_perm("hazards.approve_deadline_extension"):
        raise DomainError(
            _("The extension must be approved by someone allowed to approve extensions."), field="approver"
        )
    if new_deadline <= hazard.deadline:
        raise DomainError(
            _("The new deadline must be later than the current one (%(deadline)s).")
            % {"deadline": hazard.deadline.isoformat()},
            field="new_deadline",
        )
    old = hazard.deadline
    hazard.deadline = new_deadline
    hazard.is_overdue = hazard.is_overdue and new_deadline < timezone.localdate()
    _save(hazard, ["deadline", "is_overdue"])
    _record(
        hazard,
        TransitionAction.EXTEND,
        actor,
        hazard.status,
        reason,
        old_deadline=old,
        new_deadline=new_deadline,
        approver=approver.pk,
        approver_name=str(approver),
    )
    return hazard


@transaction.atomic
def hazard_update_findings(*, hazard: Hazard, actor, changes: dict, expected_version: int | None = None) -> Hazard:
    """An inspector corrects the findings (not the state, deadline or code)."""
    locked = _lock(hazard, expected_version)
    _require(actor, "hazards.change_hazard", locked)
    if locked.status not in EDITABLE_STATES:
        raise IllegalTransition(_("A closed hazard cannot be edited; reopen it first."))
    allowed = FINDING_FIELDS | ({"company"} if locked.status == HazardStatus.REPORTED else set())
    refused = set(changes) - allowed
    if refused:
        fields = ", ".join(sorted(refused))
        raise DomainError(_("These fields cannot be changed now: %(fields)s.") % {"fields": fields})
    for field, value in changes.items():
        setattr(locked, field, value)
    _save(locked, sorted(changes))
    _record(locked, TransitionAction.EDIT, actor, locked.status, "", fields=sorted(changes))
    return locked


def hazard_history_add(*, hazard: Hazard, action: str, actor, comment: str = "", **details) -> HazardTransition:
    """A history entry for something done about a hazard that does not change its state
    (escalations, overdue flags). Call it inside the caller's transaction."""
    return _record(hazard, action, actor, hazard.status, comment, **details)
