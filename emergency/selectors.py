"""Reads of the emergency records, scoped to what a user may see."""

from accounts.scoping import scope_queryset
from emergency.choices import IncidentStepKind
from emergency.models import Incident


def incidents_open(*, user):
    """Incidents not yet closed that ``user`` may see, newest first (drills included, marked)."""
    return (
        scope_queryset(Incident.objects.all(), user)
        .exclude(status=IncidentStepKind.CLOSED)
        .select_related("pipeline", "company")
        .order_by("-occurred_at")
    )
