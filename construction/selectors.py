"""Reads of the applications, for other apps (video, patrols, the map).

``approved_application_covering``: the approved (or notified, or under-way) application whose work area,
buffered by ``COVERING_BUFFER_M`` (50 m, measured in ``settings.METRIC_SRID``), contains ``point`` on ``day``
(planned start ≤ day ≤ planned end); None when there is none. A camera or a patrol that sees digging there
knows it is authorised work. When several match, the one whose area is nearest the point wins (then the
latest submitted).
"""

from datetime import date

from django.contrib.gis.geos import GEOSGeometry

from common.gis import area_within, to_metric, transformed
from construction.lifecycle import COVERING_BUFFER_M, SITE_STATUSES
from construction.models import Application


def approved_application_covering(*, point: GEOSGeometry, day: date) -> Application | None:
    if point.srid is None:
        raise ValueError("point has no SRID")
    wgs84 = point if point.srid == 4326 else transformed(point, 4326)
    candidates = Application.objects.filter(
        status__in=SITE_STATUSES,
        planned_start__lte=day,
        planned_end__gte=day,
        area__intersects=area_within(wgs84, COVERING_BUFFER_M),  # bbox-indexed prefilter, a margin wider
    ).select_related("contractor")
    metric = to_metric(wgs84)
    best = None
    for application in candidates:
        distance = to_metric(application.area).distance(metric)
        if distance <= COVERING_BUFFER_M and (best is None or distance < best[0]):
            best = (distance, application)
    return best[1] if best else None


def sites_current(*, day: date):
    """Approved or under-way works whose planned period holds ``day``."""
    return Application.objects.filter(status__in=SITE_STATUSES, planned_start__lte=day, planned_end__gte=day)
