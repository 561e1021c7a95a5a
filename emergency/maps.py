"""An incident's answer drawn on a map: GeoJSON (EPSG:4326) for the admin page.

The stretches and valves are placed by the chainages the answer recorded, on
the pipelines as they are now (a pipeline since removed is left out).
"""

import numpy as np
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emergency.choices import ValveKind
from hca.loading import single_line, to_metric, to_wgs84
from pipelines.models import Pipeline

ISOLATED = "#d62728"
PIPELINE = "#1f5fa8"
TO_CLOSE = "#d62728"
PASSED = "#7f7f7f"
OPEN_END = "#ff7f0e"
INCIDENT = "#111111"

LEGEND = (
    (gettext_lazy("incident"), INCIDENT),
    (gettext_lazy("isolated stretch"), ISOLATED),
    (gettext_lazy("valve to close"), TO_CLOSE),
    (gettext_lazy("valve passed"), PASSED),
    (gettext_lazy("open end"), OPEN_END),
)


def _lines(codes) -> dict[str, shapely.LineString]:
    rows = list(Pipeline.objects.filter(code__in=set(codes)).values_list("code", "route"))
    if not rows:
        return {}
    metric = to_metric(np.array([shapely.from_wkb(bytes(route.wkb)) for _code, route in rows], dtype=object))
    return {code: single_line(line) for (code, _route), line in zip(rows, metric, strict=True)}


def _feature(geom, **properties) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": properties}


def trace_geojson(trace: dict, incident_point) -> dict:
    """The incident, its pipeline(s), the isolated stretches, the valves (numbered in closing order), open ends."""
    features = [
        _feature(
            shapely.Point(incident_point.x, incident_point.y),
            label=_("incident"),
            color=INCIDENT,
            radius=7,
        )
    ]
    if not trace.get("pipeline_code"):
        return {"type": "FeatureCollection", "features": features}
    codes = {trace["pipeline_code"]}
    codes |= {s["pipeline_code"] for s in trace["isolated"]}
    codes |= {v["pipeline_code"] for v in [*trace["valves_to_close"], *trace["passed"]]}
    lines = _lines(codes)
    metric, props = [], []
    for code in sorted(lines):
        metric.append(lines[code])
        props.append({"label": code, "color": PIPELINE, "width": 2})
    for stretch in trace["isolated"]:
        line = lines.get(stretch["pipeline_code"])
        if line is None:
            continue
        metric.append(shapely.ops.substring(line, stretch["from_m"], stretch["to_m"]))
        label = _("isolated: %(code)s %(a).0f–%(b).0f m") % {
            "code": stretch["pipeline_code"],
            "a": stretch["from_m"],
            "b": stretch["to_m"],
        }
        props.append({"label": label, "color": ISOLATED, "width": 6, "kind": "isolated"})
    for order, valve in enumerate(trace["valves_to_close"], start=1):
        line = lines.get(valve["pipeline_code"])
        if line is not None:
            metric.append(line.interpolate(valve["chainage_m"]))
            label = f"{order}. {valve['code']} ({ValveKind(valve['kind']).label})"
            props.append({"label": label, "color": TO_CLOSE, "radius": 7, "text": str(order), "kind": "to_close"})
    for valve in trace["passed"]:
        line = lines.get(valve["pipeline_code"])
        if line is not None:
            metric.append(line.interpolate(valve["chainage_m"]))
            props.append({"label": valve["code"], "color": PASSED, "radius": 5, "kind": "passed"})
    for end in trace["open_ends"]:
        line = lines.get(end["pipeline_code"])
        if line is not None:
            metric.append(line.interpolate(end["chainage_m"]))
            props.append({"label": _("open end"), "color": OPEN_END, "radius": 6, "kind": "open_end"})
    wgs84 = to_wgs84(np.array(metric, dtype=object)) if metric else []
    features += [_feature(geom, **p) for geom, p in zip(wgs84, props, strict=True)]
    return {"type": "FeatureCollection", "features": features}


SPACING_LEGEND = (
    (gettext_lazy("stretch over its limit"), ISOLATED),
    (gettext_lazy("river crossing without a valve"), OPEN_END),
)


def spacing_geojson(findings) -> dict:
    """The stretches over their limit (red) and the river crossings lacking a valve (orange)."""
    lines = _lines({f.pipeline_code for f in findings})
    metric, props = [], []
    for f in findings:
        line = lines.get(f.pipeline_code)
        if line is None:
            continue
        if f.kind == "spacing":
            metric.append(shapely.ops.substring(line, f.from_m, f.to_m))
            km = f"{f.length_m / 1000:.1f} km > {f.limit_m / 1000:.0f} km"
            label = f"{f.pipeline_code} {f.from_valve} – {f.to_valve}: {km}"
            props.append({"label": label, "color": ISOLATED, "width": 5})
        else:
            metric.append(line.interpolate((f.from_m + f.to_m) / 2))
            props.append({"label": f"{f.pipeline_code} {f.river}", "color": OPEN_END, "radius": 7})
    features = [
        _feature(geom, **p)
        for geom, p in zip(to_wgs84(np.array(metric, dtype=object)) if metric else [], props, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}
