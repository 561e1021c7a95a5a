"""The ``bbox`` parameter of OGC API - Features Part 1 (7.15.3), in WGS 84 longitude/latitude.

Four numbers ``minLon,minLat,maxLon,maxLat`` or six with heights
``minLon,minLat,minHeight,maxLon,maxLat,maxHeight`` (the features here are
flat: the horizontal extent is used). A box whose west edge is east of its
east edge (``minLon > maxLon``) spans the antimeridian: it is the union of
``[minLon, 180]`` and ``[-180, maxLon]``.
"""

import math

from django.contrib.gis.geos import MultiPolygon, Polygon

WGS84 = 4326


class InvalidBbox(ValueError):
    pass


def _numbers(raw: str) -> list[float]:
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        raise InvalidBbox(raw) from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise InvalidBbox(raw)
    return numbers


def bbox_geometry(raw: str) -> Polygon | MultiPolygon:
    """The area ``raw`` selects, in SRID 4326; ``InvalidBbox`` if it is not a box."""
    numbers = _numbers(raw)
    if len(numbers) == 6:
        min_x, min_y, min_z, max_x, max_y, max_z = numbers
        if min_z > max_z:
            raise InvalidBbox(raw)
    else:
        min_x, min_y, max_x, max_y = numbers
    if not (-180 <= min_x <= 180 and -180 <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise InvalidBbox(raw)
    if min_x <= max_x:
        geometry = Polygon.from_bbox((min_x, min_y, max_x, max_y))
    else:
        # Across the antimeridian; a half of no width (an edge on ±180) adds nothing.
        halves = [(min_x, 180), (-180, max_x)]
        parts = [Polygon.from_bbox((west, min_y, east, max_y)) for west, east in halves if west < east]
        geometry = MultiPolygon(*parts) if parts else Polygon.from_bbox((180, min_y, 180, max_y))
    geometry.srid = WGS84
    return geometry
