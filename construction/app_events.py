"""What the construction domain tells the rest of the system, after commit.

The domain does not know who listens: integrations (webhooks to the city platform) connect to
``application_step_recorded`` in their app's ``ready()``. The signal is sent once the transaction that wrote
the step has committed, with the ids: a receiver reloads what it needs.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: application_id, step_id, kind (the StepKind of the step)
application_step_recorded = Signal()


def step_recorded_after_commit(step) -> None:
    application_id, step_id, kind = step.application_id, step.pk, step.kind
    transaction.on_commit(
        lambda: application_step_recorded.send(
            sender="construction", application_id=application_id, step_id=step_id, kind=kind
        )
    )
