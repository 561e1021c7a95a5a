"""What the video domain tells the rest of the system, after commit.

The domain does not know who listens: integrations (webhooks to the city
platform) connect to ``camera_status_changed`` in their app's ``ready()``.
The signal is sent once the transaction that changed the status has
committed, with ids: a receiver reloads what it needs.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: camera_id, outage_id (None when a camera came back with no open outage), status ("online"/"offline")
camera_status_changed = Signal()


def camera_status_after_commit(camera, outage, status: str) -> None:
    camera_id, outage_id = camera.pk, outage.pk if outage is not None else None
    transaction.on_commit(
        lambda: camera_status_changed.send(sender="video", camera_id=camera_id, outage_id=outage_id, status=status)
    )
