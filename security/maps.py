"""Maps of the security register: hotspots drawn as their stretches along the pipeline with their incidents,
GeoJSON in EPSG:4326 for the admin pages (drawn by emergency/incident-map.js)."""

import numpy as np
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.ops import substring

from hca.loading import single_line, to_metric, to_wgs84

HOTSPOT_ACTIVE = "#d62728"
HOTSPOT_COOLED = "#ff9896"
INCIDENT = "#111111"
PIPELINE = "#1f5fa8"

HOTSPOT_LEGEND = (
    (gettext_lazy("active hotspot (stretch ±500 m)"), HOTSPOT_ACTIVE),
    (gettext_lazy("cooled hotspot"), HOTSPOT_COOLED),
    (gettext_lazy("theft incident"), INCIDENT),
    (gettext_lazy("pipeline"), PIPELINE),
)

# Theft incidents by status on the list map; refinery points by status.
THEFT_COLORS = {
    "found": "#d62728",
    "sealed": "#ff7f0e",
    "reported": "#bcbd22",
    "filed": "#9467bd",
    "not_filed": "#7f7f7f",
    "solved": "#17becf",
    "prosecuted": "#1f77b4",
    "closed": "#2ca02c",
}
REFINERY_COLORS = {"working": "#d62728", "shut": "#2ca02c"}


def _feature(geom, **properties) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": properties}


def hotspots_geojson(clusters, *, on_ordinal: int) -> dict:
    """Each cluster's stretch (its span ±500 m) along its pipeline, the pipeline, and its incidents."""
    from pipelines.models import Pipeline
    from security.models import TheftIncident

    pipe_ids = {c.pipeline_id for c in clusters}
    rows = list(Pipeline.objects.filter(pk__in=pipe_ids).values_list("pk", "code", "route"))
    if not rows:
        return {"type": "FeatureCollection", "features": []}
    metric = to_metric(np.array([shapely.from_wkb(bytes(route.wkb)) for _pk, _code, route in rows], dtype=object))
    lines = {pk: single_line(line) for (pk, _code, _route), line in zip(rows, metric, strict=True)}
    codes = {pk: code for pk, code, _route in rows}
    geoms, props = [], []
    for pk, line in lines.items():
        geoms.append(line)
        props.append({"label": codes[pk], "color": PIPELINE, "width": 2})
    for cluster in clusters:
        line = lines.get(cluster.pipeline_id)
        if line is None:
            continue
        low, high = cluster.stretch
        active = cluster.active_on(on_ordinal)
        geoms.append(substring(line, low, min(high, line.length)))
        props.append(
            {
                "label": _("%(code)s %(low).0f–%(high).0f m: %(count)d incidents")
                % {"code": codes[cluster.pipeline_id], "low": low, "high": high, "count": len(cluster.members)},
                "color": HOTSPOT_ACTIVE if active else HOTSPOT_COOLED,
                "width": 8 if active else 5,
            }
        )
    wgs = to_wgs84(np.array(geoms, dtype=object))
    wgs = shapely.transform(wgs, lambda coords: np.round(coords, 6))
    features = [_feature(g, **p) for g, p in zip(wgs, props, strict=True)]
    member_ids = {m for c in clusters for m in c.members}
    for code, location in TheftIncident.objects.filter(pk__in=member_ids).values_list("code", "location"):
        features.append(
            _feature(shapely.Point(round(location.x, 6), round(location.y, 6)), label=code, color=INCIDENT, radius=5)
        )
    return {"type": "FeatureCollection", "features": features}


def point_geojson(point, *, label: str, color: str, area=None) -> dict:
    features = []
    if area is not None:
        features.append(_feature(shapely.from_wkb(bytes(area.wkb)), label=label, color=color, width=3))
    features.append(_feature(shapely.Point(point.x, point.y), label=label, color=color, radius=7))
    return {"type": "FeatureCollection", "features": features}
