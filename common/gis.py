"""GIS helpers shared by all apps.

Geometries are stored in EPSG:4326. Anything metric (length, distance,
chainage) is computed after transforming to ``settings.METRIC_SRID``, a
projected CRS in metres; never in degrees.
"""

import threading

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry

WGS84 = 4326
CGCS2000 = 4490

_local = threading.local()


def coord_transform(source_srid: int, target_srid: int) -> CoordTransform:
    """A reusable transformation (building one costs ~30 ms; GDAL's are per thread)."""
    cache = getattr(_local, "transforms", None)
    if cache is None:
        cache = _local.transforms = {}
    key = (source_srid, target_srid)
    if key not in cache:
        cache[key] = CoordTransform(SpatialReference(source_srid), SpatialReference(target_srid))
    return cache[key]


def transformed(geom: GEOSGeometry, srid: int) -> GEOSGeometry:
    if geom.srid is None:
        raise ValueError("geometry has no SRID")
    if geom.srid == srid:
        return geom.clone()
    result = geom.transform(coord_transform(geom.srid, srid), clone=True)
    result.srid = srid
    return result


def to_metric(geom: GEOSGeometry) -> GEOSGeometry:
    return transformed(geom, settings.METRIC_SRID)


def length_m(geom: GEOSGeometry | None) -> float:
    """Length in metres of a (multi)line given in any CRS with a known SRID."""
    if geom is None or geom.empty:
        return 0.0
    return to_metric(geom).length


def area_within(geom: GEOSGeometry, metres: float) -> GEOSGeometry:
    """Everything within ``metres`` of ``geom``, as a polygon in EPSG:4326
    buffered in ``settings.METRIC_SRID``: the area for a spatial lookup
    (``field__intersects``) that picks the candidates to measure exactly.

    The buffer's sides (8 per quarter circle) lie inside the true circle by
    at most 0.5 % of the radius; the margin (2 % and 1 m) covers them and the
    round trip between the two CRSs.
    """
    area = to_metric(geom).buffer(metres * 1.02 + 1.0, quadsegs=8)
    return transformed(area, WGS84)
