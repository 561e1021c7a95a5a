"""An application's work area drawn over the pipelines concerned and their bands (GeoJSON, EPSG:4326):
the 5 m, 50 m and 200 m bands of the check's rule table (docs/construction.md) around each centreline, near
the work."""

import numpy as np
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hca.loading import to_metric, to_wgs84
from pipelines.models import Pipeline

WORK = "#c0392b"
PIPELINE = "#1f5fa8"
BANDS = ((200.0, "#f1c40f"), (50.0, "#e67e22"), (5.0, "#d62728"))
NEAR_M = 600.0  # the pipelines and bands are drawn within this distance of the work
CHECKIN = "#2ca02c"

LEGEND = (
    (gettext_lazy("work area"), WORK),
    (gettext_lazy("pipeline"), PIPELINE),
    (gettext_lazy("5 m band"), BANDS[2][1]),
    (gettext_lazy("50 m band"), BANDS[1][1]),
    (gettext_lazy("200 m band"), BANDS[0][1]),
    (gettext_lazy("check-in"), CHECKIN),
)


def feature(geom, **properties) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": properties}


def pipeline_bands(piece, code: str, company: str) -> tuple[list, list]:
    """The 200, 50 and 5 m bands (widest first) around ``piece`` of a centreline (metric), then the piece itself,
    with their drawing properties: the site map's and the check page's shared drawing."""
    geoms, props = [], []
    for metres, color in BANDS:
        geoms.append(piece.buffer(metres))
        label = _("%(code)s: %(metres)d m band") % {"code": code, "metres": metres}
        props.append({"label": label, "color": color, "fill": True, "band": int(metres)})
    geoms.append(piece)
    props.append({"label": f"{code} · {company}", "color": PIPELINE, "width": 3})
    return geoms, props


def site_geojson(application, checkins=()) -> dict:
    work = to_metric(np.array([shapely.from_wkb(bytes(application.area.wkb))], dtype=object))[0]
    codes = [p["pipeline_code"] for operator in application.operators.all() for p in operator.pipelines]
    rows = list(Pipeline.objects.filter(code__in=codes).values_list("code", "company__name", "route"))
    near = work.buffer(NEAR_M)
    metric, props = [], []
    if rows:
        lines = to_metric(np.array([shapely.from_wkb(bytes(route.wkb)) for _c, _n, route in rows], dtype=object))
        for (code, company, _route), line in zip(rows, lines, strict=True):
            piece = line.intersection(near)
            if piece.is_empty:
                continue
            geoms, band_props = pipeline_bands(piece, code, company)
            metric.extend(geoms)
            props.extend(band_props)
    metric.append(work)
    props.append({"label": f"{application.number} {application.project}", "color": WORK, "width": 4, "radius": 7,
                  "fill": True})  # fmt: skip
    features = [feature(g, **p) for g, p in zip(to_wgs84(np.array(metric, dtype=object)), props, strict=True)]
    for checkin in checkins:
        label = _("check-in %(time)s") % {"time": checkin.at.strftime("%Y-%m-%d %H:%M")}
        features.append(
            feature(shapely.Point(checkin.location.x, checkin.location.y), label=label, color=CHECKIN, radius=5)
        )
    return {"type": "FeatureCollection", "features": features}
