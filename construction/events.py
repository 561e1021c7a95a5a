"""What the check tells the rest of the system, after commit.

The domain does not know who listens: integrations (webhooks to the city
platform) connect to ``check_prohibited`` in their app's ``ready()``. A check
stores nothing, so the signal carries the whole answer.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: permit_ref (the permit the city's planning or permit system is preparing), answer (the check's answer,
# as docs/construction.md gives it), geometry (the work's GeoJSON geometry, EPSG:4326)
check_prohibited = Signal()


def check_prohibited_after_commit(*, permit_ref: str, answer: dict, geometry: dict) -> None:
    transaction.on_commit(
        lambda: check_prohibited.send(sender="construction", permit_ref=permit_ref, answer=answer, geometry=geometry)
    )
