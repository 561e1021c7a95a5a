"""The hazard life cycle as data: which action moves which state to which,
and which permission it needs. Services consult it; the admin uses it to
show only the buttons that apply; a database trigger mirrors its state
pairs (migration 0003)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hazards.choices import HazardStatus as S
from hazards.models import TransitionAction as A


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    permission: str
    label: str
    needs_reason: bool = False


STEPS: dict[str, Step] = {
    step.action: step
    for step in (
        Step(A.ASSIGN, frozenset({S.REPORTED}), S.ASSIGNED, "hazards.assign_hazard", _("Assign to the company")),
        Step(
            A.START,
            frozenset({S.ASSIGNED, S.REJECTED}),
            S.RECTIFYING,
            "hazards.rectify_hazard",
            _("Start rectification"),
        ),
        Step(A.SUBMIT, frozenset({S.RECTIFYING}), S.SUBMITTED, "hazards.rectify_hazard", _("Submit for acceptance")),
        Step(A.ACCEPT, frozenset({S.SUBMITTED}), S.CLOSED, "hazards.review_hazard", _("Accept and close")),
        Step(A.REJECT, frozenset({S.SUBMITTED}), S.REJECTED, "hazards.review_hazard", _("Reject"), needs_reason=True),
        Step(A.REOPEN, frozenset({S.CLOSED}), S.ASSIGNED, "hazards.reopen_hazard", _("Reopen"), needs_reason=True),
        Step(
            A.EXTEND,
            frozenset({S.ASSIGNED, S.RECTIFYING, S.REJECTED, S.SUBMITTED}),
            None,
            "hazards.extend_hazard_deadline",
            _("Extend the deadline"),
            needs_reason=True,
        ),
    )
}

# States in which the company works on the hazard (progress and evidence).
WORKING_STATES = frozenset({S.RECTIFYING})
# States in which an inspector may still correct the findings.
EDITABLE_STATES = frozenset(S.values) - {S.CLOSED}


def allowed_pairs() -> set[tuple[str, str]]:
    return {(source, step.target) for step in STEPS.values() if step.target for source in step.sources}
