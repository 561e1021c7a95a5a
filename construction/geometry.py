"""A work's geometry as users give it (GeoJSON in lon/lat), checked and read.

Every refusal is a ``ValidationError`` whose message names the problem: not
a geometry, a type the check does not take, coordinates that are not
longitude/latitude (metres of a projected CRS, or latitude first), an empty
or self-intersecting shape.
"""

import json
import math

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.gis import WGS84, transformed

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
MAX_VERTICES = 20_000


def _numbers(coords, depth: int = 0):
    """Every coordinate pair of a GeoJSON ``coordinates`` member (raises ValueError on anything else)."""
    if depth > 4 or not isinstance(coords, list):
        raise ValueError
    if coords and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords):
        if len(coords) not in (2, 3):
            raise ValueError
        yield coords
        return
    for part in coords:
        yield from _numbers(part, depth + 1)


def _lonlat_check(pairs: list) -> None:
    for pair in pairs:
        lon, lat = float(pair[0]), float(pair[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError(_("The geometry has a coordinate that is not a number."), code="coordinates")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(
                _(
                    "The coordinate (%(x)s, %(y)s) is not a longitude and latitude: give the geometry in WGS84 "
                    "or CGCS2000 degrees (EPSG:4326 or EPSG:4490), longitude first, not in metres."
                )
                % {"x": pair[0], "y": pair[1]},
                code="coordinates",
            )


def _shape_check(geom) -> None:
    if geom.is_empty:
        raise ValidationError(_("The geometry is empty."), code="empty")
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise ValidationError(
                _("The area's outline crosses itself (%(reason)s): draw it without crossing lines.")
                % {"reason": reason},
                code="self_intersection",
            )
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            raise ValidationError(
                _("The area is not a valid polygon (%(reason)s).") % {"reason": reason}, code="invalid"
            )
    if geom.geom_type in ("LineString", "MultiLineString") and shapely.length(geom) == 0:
        raise ValidationError(_("The line has no length: give at least two different points."), code="invalid")


def work_geometry_parse(data) -> shapely.Geometry:
    """A GeoJSON geometry object (a dict, or its JSON text) in lon/lat, as a shapely geometry (EPSG:4326)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise ValidationError(_("The geometry is not valid JSON."), code="json") from None
    if not isinstance(data, dict):
        raise ValidationError(_("The geometry must be a GeoJSON geometry object."), code="type")
    kind = data.get("type")
    if kind not in GEOMETRY_TYPES:
        raise ValidationError(
            _("The geometry type %(type)s is not accepted; give one of: %(types)s.")
            % {"type": json.dumps(kind, ensure_ascii=False), "types": ", ".join(GEOMETRY_TYPES)},
            code="type",
        )
    try:
        pairs = list(_numbers(data.get("coordinates")))
    except (ValueError, TypeError):
        pairs = None
    if not pairs:
        raise ValidationError(
            _("The %(type)s has no valid coordinates (arrays of [longitude, latitude]).") % {"type": kind},
            code="coordinates",
        )
    if len(pairs) > MAX_VERTICES:
        raise ValidationError(
            _("The geometry has %(n)d points; at most %(max)d are accepted.") % {"n": len(pairs), "max": MAX_VERTICES},
            code="size",
        )
    _lonlat_check(pairs)
    try:
        geom = shapely.from_geojson(json.dumps({"type": kind, "coordinates": data["coordinates"]}))
    except shapely.errors.GEOSException as exc:
        raise ValidationError(
            _("The %(type)s is not a valid geometry: %(reason)s") % {"type": kind, "reason": str(exc)},
            code="invalid",
        ) from None
    geom = shapely.force_2d(geom)
    _shape_check(geom)
    return geom


def work_geometry_from_geos(geometry: GEOSGeometry) -> shapely.Geometry:
    """A stored or drawn geometry (any SRID; none means EPSG:4326) as a checked shapely geometry in EPSG:4326."""
    if geometry.srid not in (None, WGS84):
        geometry = transformed(geometry, WGS84)
    if geometry.geom_type not in GEOMETRY_TYPES:
        raise ValidationError(
            _("The geometry type %(type)s is not accepted; give one of: %(types)s.")
            % {"type": geometry.geom_type, "types": ", ".join(GEOMETRY_TYPES)},
            code="type",
        )
    geom = shapely.force_2d(shapely.from_wkb(bytes(geometry.wkb)))
    _lonlat_check(shapely.get_coordinates(geom).tolist())
    _shape_check(geom)
    return geom
