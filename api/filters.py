import math

from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter


def parse_bbox(value: str) -> Polygon:
    """``minLon,minLat,maxLon,maxLat`` (WGS84) as a polygon; ParseError (400) naming the problem.

    Non-finite numbers are refused here: GEOS aborts the process on them.
    """
    parts = value.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ParseError(_("in_bbox must be four numbers: minLon,minLat,maxLon,maxLat."))
    min_x, min_y, max_x, max_y = numbers
    if not (-180 <= min_x < max_x <= 180 and -90 <= min_y < max_y <= 90):
        raise ParseError(_("in_bbox must lie within -180..180, -90..90 with min < max."))
    return Polygon.from_bbox(numbers)


class SafeInBBoxFilter(InBBoxFilter):
    def get_filter_bbox(self, request):
        value = request.query_params.get(self.bbox_param)
        if not value:
            return None
        bbox = parse_bbox(value)
        bbox.srid = 4326
        return bbox
