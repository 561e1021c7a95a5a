"""What the security domain tells the rest of the system, after commit.

The domain does not know who listens: integrations (webhooks) connect to these
signals in their app's ``ready()``. Each is sent once the transaction that wrote
the change has committed, with ids: a receiver reloads what it needs.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: incident_id
theft_incident_found = Signal()
# kwargs: pipeline_id, incident_ids (the cluster's incidents, oldest first), from_m, to_m
hotspot_formed = Signal()


def theft_found_after_commit(incident) -> None:
    incident_id = incident.pk
    transaction.on_commit(lambda: theft_incident_found.send(sender="security", incident_id=incident_id))


def hotspot_formed_after_commit(cluster) -> None:
    kwargs = {
        "pipeline_id": cluster.pipeline_id,
        "incident_ids": list(cluster.members),
        "from_m": cluster.from_m,
        "to_m": cluster.to_m,
    }
    transaction.on_commit(lambda: hotspot_formed.send(sender="security", **kwargs))
