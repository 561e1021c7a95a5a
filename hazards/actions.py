"""How a workflow action's input (an admin form's or an API request's cleaned
data) calls its service: one table for every caller.

Input keys: ``version`` (the hazard version the user saw, optional),
``comment`` (a reason where the step needs one), and the step's own fields.
"""

from hazards import services
from hazards.models import TransitionAction


def _version(data):
    return data.get("version")


RUNNERS = {
    TransitionAction.ASSIGN: lambda hazard, actor, data: services.hazard_assign(
        hazard=hazard,
        actor=actor,
        deadline=data.get("deadline"),
        comment=data.get("comment", ""),
        expected_version=_version(data),
    ),
    TransitionAction.START: lambda hazard, actor, data: services.hazard_start(
        hazard=hazard,
        actor=actor,
        measures=data["measures"],
        responsible_person=data["responsible_person"],
        responsible_phone=data.get("responsible_phone", ""),
        planned_completion_on=data.get("planned_completion_on"),
        comment=data.get("comment", ""),
        expected_version=_version(data),
    ),
    TransitionAction.SUBMIT: lambda hazard, actor, data: services.hazard_submit(
        hazard=hazard, actor=actor, comment=data.get("comment", ""), expected_version=_version(data)
    ),
    TransitionAction.ACCEPT: lambda hazard, actor, data: services.hazard_accept(
        hazard=hazard, actor=actor, comment=data.get("comment", ""), expected_version=_version(data)
    ),
    TransitionAction.REJECT: lambda hazard, actor, data: services.hazard_reject(
        hazard=hazard, actor=actor, reason=data.get("comment", ""), expected_version=_version(data)
    ),
    TransitionAction.REOPEN: lambda hazard, actor, data: services.hazard_reopen(
        hazard=hazard,
        actor=actor,
        reason=data.get("comment", ""),
        deadline=data.get("deadline"),
        expected_version=_version(data),
    ),
    TransitionAction.EXTEND: lambda hazard, actor, data: services.hazard_extend_deadline(
        hazard=hazard,
        actor=actor,
        new_deadline=data["new_deadline"],
        reason=data.get("comment", ""),
        approver=data.get("approver"),
        expected_version=_version(data),
    ),
}


# Where a service names its own argument in a refusal (DomainError.field), the input key it came from.
INPUT_NAMES = {"reason": "comment"}


def input_name(field: str | None) -> str | None:
    """The input key (form field, API field) a service's refusal is about, if any."""
    return INPUT_NAMES.get(field, field)


def action_run(*, action: str, hazard, actor, data: dict):
    """Run ``action`` on ``hazard`` for ``actor`` with the cleaned ``data``."""
    return RUNNERS[action](hazard, actor, data)
