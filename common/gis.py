"""GIS helpers shared by all apps.

Geometries are stored in EPSG:4326. Anything metric (length, distance,
chainage) is computed after transforming to ``settings.METRIC_SRID``, a
projected CRS in metres; never in degrees.
"""

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry

WGS84 = 4326
CGCS2000 = 4490


def to_metric(geom: GEOSGeometry) -> GEOSGeometry:
    if geom.srid is None:
        raise ValueError("geometry has no SRID")
    return geom.transform(settings.METRIC_SRID, clone=True)


def length_m(geom: GEOSGeometry | None) -> float:
    """Length in metres of a (multi)line given in any CRS with a known SRID."""
    if geom is None or geom.empty:
        return 0.0
    return to_metric(geom).length
