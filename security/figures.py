"""The security figures from the register, by county, company and pipeline (the definitions and the pure
computation: security/engine/figures.py).

A pipeline has no county of its own in this project: a county is the area of its emergency contacts
(emergency.CountyContact.area, as the emergency answer finds a point's county). An incident's and a refinery
point's county is the area holding its point (stored when recorded); a county's pipeline length is the length
of the routes inside its area, measured in METRIC_SRID.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely

from security.engine.figures import Closure, Figures, Tap, figures


@dataclass
class Row:
    group: str  # "total", "county", "company", "pipeline"
    key: object
    label: str
    figures: Figures


# The fields of a Tap, in order.
TAP_FIELDS = (
    "pk", "pipeline_id", "chainage_m", "found_on", "found_how", "tapped_on", "filed_on", "solved_on", "county",
    "pipeline__company_id",
)  # fmt: skip


def _taps(queryset) -> list[Tap]:
    return [Tap(*row) for row in queryset.order_by().values_list(*TAP_FIELDS)]


def _closures(points) -> list[Closure]:
    from security.choices import RefineryAction
    from security.models import RefineryHistory

    shut, reopened = {}, {}
    history = RefineryHistory.objects.filter(
        point__in=points, action__in=[RefineryAction.SHUT, RefineryAction.REOPENED]
    ).values_list("point_id", "action", "on", "details", "point__county")
    county = {}
    for point_id, action, on, details, point_county in history:
        key = (point_id, details.get("closure"))
        county[point_id] = point_county
        (shut if action == RefineryAction.SHUT else reopened)[key] = on
    return [
        Closure(point_id=key[0], shut_on=on, reopened_on=reopened.get(key), county=county[key[0]])
        for key, on in sorted(shut.items(), key=lambda item: (item[0][0], item[0][1] or 0))
    ]


def county_lengths_km(pipelines) -> dict[str, float]:
    """Pipeline length (km) inside each county's area."""
    from emergency.models import CountyContact
    from hca.loading import to_metric

    counties = list(CountyContact.objects.order_by("county", "pk").values_list("county", "area"))
    if not counties:
        return {}
    areas = {}
    for name, area in counties:
        areas.setdefault(name, []).append(shapely.from_wkb(bytes(area.wkb)))
    names = list(areas)
    metric_areas = to_metric(np.array([shapely.union_all(areas[n]) for n in names], dtype=object))
    routes = [shapely.from_wkb(bytes(r.wkb)) for r in pipelines.values_list("route", flat=True) if r is not None]
    if not routes:
        return dict.fromkeys(names, 0.0)
    # Each pipeline counts its own length (pipelines sharing a corridor are not merged), as the totals do.
    metric_routes = to_metric(np.array(routes, dtype=object))
    return {
        name: float(shapely.length(shapely.intersection(metric_routes, area)).sum()) / 1000.0
        for name, area in zip(names, metric_areas, strict=True)
    }


def security_figures(*, start: date, end: date, user=None, groups=("total", "county", "company", "pipeline")):
    """Rows of figures for the period, scoped to what ``user`` may see (None: everything)."""
    from accounts.scoping import is_regulator, scope_queryset
    from pipelines.models import Pipeline
    from security.models import RefineryPoint, TheftIncident

    incidents = TheftIncident.objects.all()
    pipelines = Pipeline.objects.all()
    if user is not None:
        incidents = scope_queryset(incidents, user)
        pipelines = scope_queryset(pipelines, user)
    regulator = user is None or is_regulator(user)
    taps = _taps(incidents.filter(found_on__lte=end))
    closures = _closures(RefineryPoint.objects.all()) if regulator else None
    lengths = dict(pipelines.values_list("pk", "length_m"))
    info = {pk: (code, company) for pk, code, company in pipelines.values_list("pk", "code", "company__name")}
    rows = []
    if "total" in groups:
        total_km = sum(v or 0 for v in lengths.values()) / 1000.0
        rows.append(Row("total", None, "", figures(taps, start=start, end=end, length_km=total_km, closures=closures)))
    if "county" in groups:
        by_county = defaultdict(list)
        for tap in taps:
            by_county[tap.county].append(tap)
        county_km = county_lengths_km(pipelines)
        by_county_closures = defaultdict(list)
        for closure in closures or []:
            by_county_closures[closure.county].append(closure)
        for name in sorted(set(county_km) | set(by_county) | set(by_county_closures)):
            rows.append(
                Row(
                    "county",
                    name,
                    name or "—",
                    figures(
                        by_county[name],
                        start=start,
                        end=end,
                        length_km=county_km.get(name),
                        history=taps,
                        closures=by_county_closures[name] if regulator else None,
                    ),
                )
            )
    if "company" in groups:
        company_km, names, company_taps = defaultdict(float), {}, defaultdict(list)
        for _pk, company_id, name, length in pipelines.values_list("pk", "company_id", "company__name", "length_m"):
            company_km[company_id] += (length or 0) / 1000.0
            names[company_id] = name
        for tap in taps:
            company_taps[tap.company_id].append(tap)
        for company_id in sorted(names, key=lambda c: names[c]):
            rows.append(
                Row(
                    "company",
                    company_id,
                    names[company_id],
                    figures(
                        company_taps[company_id],
                        start=start,
                        end=end,
                        length_km=company_km[company_id],
                        history=taps,
                    ),
                )
            )
    if "pipeline" in groups:
        pipe_taps = defaultdict(list)
        for tap in taps:
            pipe_taps[tap.pipeline_id].append(tap)
        for pk in sorted(info, key=lambda p: info[p][0]):
            length = lengths.get(pk)
            rows.append(
                Row(
                    "pipeline",
                    pk,
                    f"{info[pk][0]}（{info[pk][1]}）",
                    figures(
                        pipe_taps[pk],
                        start=start,
                        end=end,
                        length_km=(length or 0) / 1000.0,
                        history=taps,
                    ),
                )
            )
    return rows
