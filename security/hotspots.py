"""Theft hotspots from the register (the rules: security/engine/hotspots.py).

The interface for the patrols task generator::

    from security.hotspots import active_hotspot_ranges
    for pipeline_id, from_m, to_m in active_hotspot_ranges(on=day):
        ...  # night patrols on the sections of pipeline_id that overlap [from_m, to_m]

A stretch is the cluster's span ±500 m (``SPAN_MARGIN_M``), clipped to the
pipeline (0 … its length). Stretches of one pipeline may overlap when two
clusters lie close together in chainage but far apart in time.
"""

from datetime import date

from security.engine import hotspots as engine


def _incident_arrays(*, until: date | None = None, queryset=None):
    from security.models import TheftIncident

    rows = queryset if queryset is not None else TheftIncident.objects.all()
    if until is not None:
        rows = rows.filter(found_on__lte=until)
    rows = list(rows.order_by().values_list("pk", "pipeline_id", "chainage_m", "found_on"))
    return (
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3].toordinal() for r in rows],
    )


def hotspot_clusters(*, on: date, active_only: bool = True, queryset=None) -> list[engine.Cluster]:
    """The clusters of the incidents found on or before ``on`` (those still active, by default)."""
    ids, pipes, chains, days = _incident_arrays(until=on, queryset=queryset)
    found = engine.clusters(ids, pipes, chains, days, on=on.toordinal())
    return [c for c in found if c.active_on(on.toordinal())] if active_only else found


def active_hotspot_ranges(*, on: date) -> list[tuple[int, float, float]]:
    """(pipeline_id, from_m, to_m) of every hotspot active on ``on``: the cluster's chainage span ±500 m,
    clipped to the pipeline."""
    from pipelines.models import Pipeline

    active = hotspot_clusters(on=on)
    lengths = dict(Pipeline.objects.filter(pk__in={c.pipeline_id for c in active}).values_list("pk", "length_m"))
    out = []
    for cluster in active:
        low, high = cluster.stretch
        length = lengths.get(cluster.pipeline_id)
        if length:
            high = min(high, float(length))
        out.append((cluster.pipeline_id, round(low, 1), round(high, 1)))
    return out


def hotspot_formed_by(incident) -> engine.Cluster | None:
    """The hotspot that recording ``incident`` formed (it links lone incidents into a cluster), if any."""
    ids, pipes, chains, days = _incident_arrays(
        queryset=type(incident).objects.filter(pipeline_id=incident.pipeline_id)
    )
    return engine.formed_by(incident.pk, ids, pipes, chains, days)
