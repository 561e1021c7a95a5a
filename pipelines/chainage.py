"""Chainage (里程) of points on a pipeline, and points at a chainage.

Measured in ``settings.METRIC_SRID`` along the route as the HCA engine
measures it (``hca.loading.single_line``: parts that do not join are taken
in their stored order), so a hazard's chainage and an HCA segment's agree.
"""

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pipelines.models import Pipeline


def _metric_line(pipeline: Pipeline) -> shapely.LineString:
    from hca.loading import single_line, to_metric

    route = shapely.from_wkb(bytes(pipeline.route.wkb))
    return single_line(to_metric(np.array([route], dtype=object))[0])


def pipeline_chainage_at(*, pipeline: Pipeline, point: Point) -> tuple[float, float]:
    """(chainage, distance) in metres of ``point`` (WGS84) projected on the pipeline."""
    from hca.loading import to_metric

    line = _metric_line(pipeline)
    where = to_metric(np.array([shapely.Point(point.x, point.y)], dtype=object))[0]
    return float(line.project(where)), float(line.distance(where))


def pipeline_point_at(*, pipeline: Pipeline, chainage_m: float) -> Point:
    """The WGS84 point ``chainage_m`` metres along the pipeline; ValidationError off its ends."""
    from hca.loading import to_wgs84

    line = _metric_line(pipeline)
    if not 0 <= chainage_m <= line.length + 0.05:
        raise ValidationError(
            _("The chainage must be between 0 and %(length).1f m (the length of %(pipeline)s).")
            % {"length": line.length, "pipeline": pipeline.code}
        )
    spot = to_wgs84(np.array([line.interpolate(min(chainage_m, line.length))], dtype=object))[0]
    return Point(spot.x, spot.y, srid=4326)
