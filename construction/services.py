"""Applications for third-party construction through their life cycle (docs/construction.md).

Every function runs in one transaction, locks the application, checks the actor's permission and side
(the contractor's members, the concerned operator's staff, the office), checks the life cycle and writes its
``ApplicationStep`` in the same transaction. ``actor=None`` is the system (the nightly expiry, the demo).
Refusals are ``DomainError`` with a message for the user.
"""

from datetime import date, timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.principals import person
from accounts.scoping import is_regulator
from common.errors import DomainError, NotPermitted
from common.gis import transformed
from construction.choices import Verdict
from construction.lifecycle import (
    DECISION_WORKING_DAYS,
    VALIDITY_DAYS,
    AgreementKind,
    Answer,
    ApplicationStatus,
    SiteAction,
    StepKind,
)
from construction.models import AgreementVersion, Application, ApplicationOperator
from construction.steps import (
    _is_member,
    _lock,
    _require,
    _save,
    _status_in,
    _step,
    _today,
    application_missing,
)
from construction.workdays import working_days_add
from hazards.uploads import EVIDENCE_TYPES, validate_upload

AREA_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
PDF_TYPES = frozenset({"application/pdf"})


# --- helpers (the shared ones are in construction/steps.py) ----------------


def _next_number(year: int) -> str:
    prefix = f"SG-{year}-"
    last = Application.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _area(area: GEOSGeometry) -> GEOSGeometry:
    if area is None or area.empty:
        raise DomainError(_("Draw the work area on the map (a point, a line or an area)."), field="area")
    if area.geom_type not in AREA_TYPES:
        raise DomainError(
            _("The work area must be a point, a line or an area, not %(type)s.") % {"type": area.geom_type},
            field="area",
        )
    if area.srid is None:
        area.srid = 4326
    area = area if area.srid == 4326 else transformed(area, 4326)
    if not area.valid:
        raise DomainError(_("The work area is not a valid shape: %(reason)s") % {"reason": area.valid_reason})
    return area


# --- submission ----------------------------------------------------------


def run_check(*, area: GEOSGeometry, work_type: str, start_on: date | None):
    """The check's answer (construction/checks.py) for the work, with the companies' ids."""
    from construction.checks import construction_check_answer

    try:
        return construction_check_answer(geometry=area, work_type=work_type, start_on=start_on)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc


_VERDICT_RANK = {Verdict.PROHIBITED: 0, Verdict.APPROVAL_REQUIRED: 1, Verdict.ALLOWED: 2}


def _operators_from_check(answer) -> list[dict]:
    """One entry per company of the check's pipelines (in the check's order): its pipelines, the nearest
    distance with that pipeline's band, the union of the articles and the strictest verdict."""
    by_company: dict[int, dict] = {}
    for pipe in answer.pipelines:
        entry = by_company.setdefault(pipe.company_id, {"pipelines": [], "articles": []})
        entry["pipelines"].append(pipe.as_json())
        entry["articles"] += [article for article in pipe.articles if article not in entry["articles"]]
        if "distance_m" not in entry or pipe.distance_m < entry["distance_m"]:
            entry["distance_m"], entry["band"] = pipe.distance_m, pipe.band
        if "verdict" not in entry or _VERDICT_RANK[pipe.verdict] < _VERDICT_RANK[entry["verdict"]]:
            entry["verdict"] = pipe.verdict
    return [{"company_id": company_id, **entry} for company_id, entry in by_company.items()]


@transaction.atomic
def application_submit(
    *,
    contractor,
    project: str,
    contact_person: str,
    contact_phone: str,
    area: GEOSGeometry,
    work_type: str,
    planned_start: date,
    planned_end: date,
    depth_m: float | None = None,
    description: str = "",
    work_plan=None,
    actor=None,
    at=None,
) -> Application:
    """Submit an application (by the contractor, or entered by an inspector): the check runs now and lists the
    operators who must answer; the office's decision is due in 20 working days."""
    if actor is not None:
        if not actor.has_perm("construction.add_application"):
            raise NotPermitted()
        if not is_regulator(actor) and not (getattr(actor, "is_person", True) and _is_member(actor, contractor.pk)):
            raise NotPermitted(_("You may submit applications only for your own contractor."))
    at = at or timezone.now()
    today = timezone.localdate(at)
    area = _area(area)
    if planned_start < today:
        raise DomainError(_("The planned start cannot be in the past."), field="planned_start")
    if planned_end < planned_start:
        raise DomainError(_("The planned end cannot be before the planned start."), field="planned_end")
    if depth_m is not None and depth_m < 0:
        raise DomainError(_("The depth cannot be negative."), field="depth_m")
    answer = run_check(area=area, work_type=work_type, start_on=planned_start)
    application = Application(
        number=_next_number(today.year),
        project=(project or "").strip(),
        contractor=contractor,
        contact_person=(contact_person or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        area=area,
        work_type=work_type,
        depth_m=depth_m,
        description=description,
        planned_start=planned_start,
        planned_end=planned_end,
        decision_due=working_days_add(today, DECISION_WORKING_DAYS),
        verdict=answer.verdict,
        check_answer=answer.as_json(),
        submitted_at=at,
        submitted_by=person(actor),
    )
    if work_plan is not None:
        checked = validate_upload(work_plan, allowed=PDF_TYPES)
        application.work_plan_name = checked.original_name
        application.work_plan.save(checked.storage_name, work_plan, save=False)
    try:
        application.full_clean()
    except ValidationError as exc:
        if application.work_plan:
            application.work_plan.storage.delete(application.work_plan.name)
        fields = [name for name in getattr(exc, "error_dict", {}) if name != "__all__"]
        raise DomainError(" ".join(exc.messages), field=fields[0] if len(fields) == 1 else None) from exc
    application.save()
    for entry in _operators_from_check(answer):
        ApplicationOperator.objects.create(
            application=application,
            company_id=entry["company_id"],
            pipelines=entry["pipelines"],
            distance_m=entry["distance_m"],
            band=entry["band"],
            verdict=entry["verdict"],
            articles=entry["articles"],
        )
    _step(
        application,
        StepKind.SUBMITTED,
        actor,
        at=at,
        verdict=answer.verdict,
        operators=application.operators.count(),
        decision_due=application.decision_due,
    )
    return application


# --- the operators -------------------------------------------------------


def _operator_locked(operator: ApplicationOperator) -> tuple[Application, ApplicationOperator]:
    application = _lock(operator.application)
    operator = ApplicationOperator.objects.select_for_update().select_related("company").get(pk=operator.pk)
    return application, operator


OPEN_FOR_OPERATORS = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED, ApplicationStatus.NOTIFIED)


@transaction.atomic
def operator_answer(
    *, operator: ApplicationOperator, answer: str, site_action: str, actor=None, comment: str = ""
) -> ApplicationOperator:
    """The operator's positive response: no conflict or conflict, and whether it marked its pipeline on site or
    must be present. A later answer replaces the earlier one; both stay in the history."""
    application, operator = _operator_locked(operator)
    _require(actor, "construction.answer_application", application=application, company_id=operator.company_id)
    _status_in(application, OPEN_FOR_OPERATORS, _("Answer"))
    if answer not in Answer.values:
        raise DomainError(_("Choose the answer: no conflict or conflict."), field="answer")
    if site_action not in SiteAction.values:
        raise DomainError(_("Say whether the pipeline is marked on site or your staff must be present."))
    if answer == Answer.CONFLICT and not (comment or "").strip():
        raise DomainError(_("Describe the conflict."), field="comment")
    operator.answer, operator.site_action, operator.answer_comment = answer, site_action, comment.strip()
    operator.answered_at, operator.answered_by = timezone.now(), person(actor)
    operator.save(update_fields=["answer", "site_action", "answer_comment", "answered_at", "answered_by"])
    _step(
        application,
        StepKind.ANSWERED,
        actor,
        operator=operator,
        comment=comment,
        company=operator.company.name,
        answer=answer,
        site_action=site_action,
    )
    return operator


@transaction.atomic
def agreement_upload(
    *, operator: ApplicationOperator, kind: str, file, actor=None, signed_on: date | None = None
) -> AgreementVersion:
    """A new version of an agreement (PDF) between the operator and the contractor; earlier versions are kept."""
    application, operator = _operator_locked(operator)
    _require(actor, "construction.answer_application", application=application, company_id=operator.company_id)
    _status_in(application, OPEN_FOR_OPERATORS, _("Upload an agreement"))
    if kind not in AgreementKind.values:
        raise DomainError(_("Choose the kind of agreement."), field="kind")
    if signed_on is not None and signed_on > _today():
        raise DomainError(_("An agreement cannot be signed in the future."), field="signed_on")
    checked = validate_upload(file, allowed=EVIDENCE_TYPES & PDF_TYPES)
    last = operator.agreements.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0
    version = AgreementVersion(
        operator=operator,
        kind=kind,
        version=last + 1,
        file_name=checked.original_name,
        file_size=checked.size,
        signed_on=signed_on,
        uploaded_at=timezone.now(),
        uploaded_by=person(actor),
    )
    version.file.save(checked.storage_name, file, save=False)
    try:
        version.save()
        _step(
            application,
            StepKind.AGREEMENT_UPLOADED,
            actor,
            operator=operator,
            company=operator.company.name,
            agreement_kind=kind,
            version=version.version,
            file=checked.original_name,
        )
    except BaseException:
        version.file.storage.delete(version.file.name)
        raise
    return version


@transaction.atomic
def safety_review(*, operator: ApplicationOperator, actor=None, comment: str) -> ApplicationOperator:
    """The office's safety review in place of the safety protection agreement, when the operator and the
    contractor cannot agree (Art. 36)."""
    application, operator = _operator_locked(operator)
    _require(actor, "construction.review_application")
    _status_in(application, OPEN_FOR_OPERATORS, _("Safety review"))
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Write the conclusion of the safety review."), field="comment")
    operator.safety_reviewed_at, operator.safety_reviewed_by = timezone.now(), person(actor)
    operator.safety_review_comment = comment
    operator.save(update_fields=["safety_reviewed_at", "safety_reviewed_by", "safety_review_comment"])
    _step(application, StepKind.SAFETY_REVIEWED, actor, operator=operator, comment=comment,
          company=operator.company.name)  # fmt: skip
    return operator


# --- the office ----------------------------------------------------------


@transaction.atomic
def application_approve(
    *, application: Application, actor=None, valid_until: date | None = None, comment: str = ""
) -> Application:
    """The office approves: the approval is valid until ``valid_until`` (default: the planned start plus
    VALIDITY_DAYS, never past the planned end); prohibited work cannot be approved."""
    application = _lock(application)
    _require(actor, "construction.review_application")
    _status_in(application, (ApplicationStatus.SUBMITTED,), _("Approve"))
    if application.verdict == Verdict.PROHIBITED:
        raise DomainError(_("The check found this work prohibited (Art. 30 or 32): it cannot be approved; refuse it."))
    today = _today()
    if valid_until is None:
        valid_until = max(min(application.planned_start + timedelta(days=VALIDITY_DAYS), application.planned_end),
                          today)  # fmt: skip
    if valid_until < today:
        raise DomainError(_("The approval cannot lapse in the past."), field="valid_until")
    if valid_until > application.planned_end:
        raise DomainError(_("The approval cannot outlast the planned end of the work."), field="valid_until")
    application.status = ApplicationStatus.APPROVED
    application.valid_until = valid_until
    application.decided_at = timezone.now()
    application.decision_comment = comment
    _save(application, ["status", "valid_until", "decided_at", "decision_comment"])
    _step(application, StepKind.APPROVED, actor, comment=comment, valid_until=valid_until)
    return application


@transaction.atomic
def application_refuse(*, application: Application, actor=None, reason: str) -> Application:
    application = _lock(application)
    _require(actor, "construction.review_application")
    _status_in(application, (ApplicationStatus.SUBMITTED,), _("Refuse"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the refusal."), field="reason")
    application.status = ApplicationStatus.REFUSED
    application.decided_at = timezone.now()
    application.decision_comment = reason
    _save(application, ["status", "decided_at", "decision_comment"])
    _step(application, StepKind.REFUSED, actor, comment=reason)
    return application


# The works after approval (construction/works.py), here too for the callers of this module.
from construction.works import (  # noqa: E402
    application_close,
    application_complete,
    application_start,
    applications_expire,
    checkin_record,
    earliest_start,
    notice_send,
)

__all__ = [
    "agreement_upload",
    "application_approve",
    "application_close",
    "application_complete",
    "application_missing",
    "application_refuse",
    "application_start",
    "application_submit",
    "applications_expire",
    "checkin_record",
    "earliest_start",
    "notice_send",
    "operator_answer",
    "safety_review",
]
