"""The dashboard's security panel: over the last 12 months, taps per 100 km per month, the solve rate (破案率)
and the refinery recurrence rate (regulators only: refinery points are theirs), with the active hotspots and
the incidents still open, each linking to the figures page or the list; the counts of incidents (taps found in
the period, incidents not closed) open the incident list filtered to exactly those incidents.
Three queries: the user's incidents, their pipelines' length, and (regulators) the refinery closures."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from security.choices import TheftStatus


def security_panel(user, *, today: date | None = None) -> dict | None:
    if not user.has_perm("security.view_theftincident"):
        return None
    from accounts.scoping import scope_queryset
    from pipelines.models import Pipeline
    from security.admin_pages import first_day_of_month
    from security.engine import hotspots
    from security.engine.figures import Tap, figures
    from security.figures import TAP_FIELDS, _closures
    from security.models import RefineryPoint, TheftIncident

    today = today or timezone.localdate()
    start = first_day_of_month(today, 11)
    rows = list(
        scope_queryset(TheftIncident.objects.all(), user)
        .filter(found_on__lte=today)
        .order_by()
        .values_list(*TAP_FIELDS, "status")
    )
    taps = [Tap(*row[:-1]) for row in rows]
    length_m = scope_queryset(Pipeline.objects.all(), user).aggregate(total=Sum("length_m"))["total"] or 0
    refineries = user.has_perm("security.view_refinerypoint")
    closures = _closures(RefineryPoint.objects.all()) if refineries else None
    total = figures(taps, start=start, end=today, length_km=length_m / 1000.0, closures=closures)
    active = hotspots.active_clusters(
        [t.id for t in taps],
        [t.pipeline_id for t in taps],
        [t.chainage_m for t in taps],
        [t.found_on.toordinal() for t in taps],
        on=today.toordinal(),
    )
    figures_url = reverse("admin:security_theftincident_figures")
    changelist = reverse("admin:security_theftincident_changelist")
    period = {"found_on__gte": f"{start:%Y-%m-%d}", "found_on__lt": f"{today + timedelta(days=1):%Y-%m-%d}"}
    return {
        "start": start,
        "end": today,
        "figures": total,
        "refineries": refineries,
        "hotspots": len(active),
        "open": sum(1 for row in rows if row[-1] != TheftStatus.CLOSED),
        "figures_url": f"{figures_url}?start={start:%Y-%m-%d}&end={today:%Y-%m-%d}",
        "hotspots_url": reverse("admin:security_theftincident_hotspots"),
        "list_url": changelist,
        "taps_url": f"{changelist}?{urlencode(period)}",  # the incidents the taps figure counts
        "open_url": f"{changelist}?open=1",
    }
