"""What every application service shares: the actor's side, the lock, the life-cycle check, the history row,
and what still stops the work from starting (construction/services.py and construction/works.py use them)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.principals import person
from accounts.scoping import is_regulator
from common.errors import DomainError, NotPermitted
from construction.app_events import step_recorded_after_commit
from construction.choices import Verdict
from construction.lifecycle import AgreementKind
from construction.models import Application, ApplicationOperator, ApplicationStep


def _today() -> date:
    return timezone.localdate()


def _is_member(actor, contractor_id: int) -> bool:
    return actor.is_authenticated and actor.contractors.filter(pk=contractor_id).exists()


def _require(actor, permission: str, *, application: Application | None = None, company_id=None, contractor=False):
    """``actor`` holds ``permission`` and stands on the right side: the office always; the contractor's members
    for the contractor's steps; the operator's staff for that operator's steps."""
    if actor is None:
        return
    if not actor.has_perm(permission):
        raise NotPermitted()
    if is_regulator(actor):
        return
    if company_id is not None and getattr(actor, "company_id", None) == company_id:
        return
    member = contractor and application is not None and getattr(actor, "is_person", True)
    if member and _is_member(actor, application.contractor_id):
        return
    raise NotPermitted()


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("contractor").get(pk=application.pk)


def _step(application, kind, actor, *, operator=None, comment="", at=None, **details) -> ApplicationStep:
    details = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()}
    details.update(getattr(actor, "audit_details", {}))
    step = ApplicationStep.objects.create(
        application=application,
        kind=kind,
        at=at or timezone.now(),
        actor=person(actor),
        operator=operator,
        comment=comment,
        details=details,
    )
    step_recorded_after_commit(step)
    return step


def _status_in(application: Application, allowed, action: str) -> None:
    if application.status not in allowed:
        raise DomainError(
            _("“%(action)s” is not possible: application %(number)s is “%(status)s”.")
            % {"action": action, "number": application.number, "status": application.get_status_display()}
        )


def _save(application: Application, fields: list[str]) -> None:
    try:
        application.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    application.save(update_fields=[*fields, "updated_at"])


def agreement_needed(application: Application) -> bool:
    """Approval-required work needs a safety protection agreement with each operator, or the office's review."""
    return application.verdict != Verdict.ALLOWED


def application_missing(application: Application) -> list[str]:
    """What still stops the work from starting, each naming the operator: answers, agreements or reviews."""
    missing = []
    needs_agreement = agreement_needed(application)
    for operator in application.operators.select_related("company").prefetch_related("agreements"):
        name = _operator_label(operator)
        if not operator.answer:
            missing.append(_("%(company)s has not answered") % {"company": name})
        agreed = any(a.kind == AgreementKind.SAFETY for a in operator.agreements.all())
        if needs_agreement and operator.safety_reviewed_at is None and not agreed:
            missing.append(
                _("no safety protection agreement with %(company)s (nor a safety review by the office)")
                % {"company": name}
            )
    return missing


def _operator_label(operator: ApplicationOperator) -> str:
    return operator.company.name
