"""What the emergency domain tells the rest of the system, after commit.

The domain does not know who listens: integrations (webhooks, CAP alerts to
the city platform) connect to ``incident_step_recorded`` in their app's
``ready()``. The signal is sent once the transaction that wrote the step has
committed, with the step's id: a receiver reloads what it needs.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: incident_id, step_id, kind (the IncidentStepKind of the step)
incident_step_recorded = Signal()


def step_recorded_after_commit(step) -> None:
    incident_id, step_id, kind = step.incident_id, step.pk, step.kind
    transaction.on_commit(
        lambda: incident_step_recorded.send(sender="emergency", incident_id=incident_id, step_id=step_id, kind=kind)
    )
