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


# Nesting of ``coordinates`` above the positions, and the fewest items at each level (outermost first).
STRUCTURE = {
    "Point": (),
    "MultiPoint": (1,),
    "LineString": (2,),
    "MultiLineString": (1, 2),
    "Polygon": (1, 4),
    "MultiPolygon": (1, 1, 4),
}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positions(coords, levels: tuple, kind: str) -> list:
    """The positions of ``coords`` nested as ``levels`` says; ValidationError naming the first problem."""
    if not levels:
        if not (isinstance(coords, list) and len(coords) in (2, 3) and all(_is_number(c) for c in coords)):
            raise ValidationError(
                _("The %(type)s has a position that is not [longitude, latitude]: %(value)s.")
                % {"type": kind, "value": json.dumps(coords, ensure_ascii=False)[:80]},
                code="coordinates",
            )
        if not all(math.isfinite(c) and -180 <= c <= 180 for c in coords[:2]):
            raise ValidationError(
                _(
                    "The coordinate (%(x)s, %(y)s) is not a longitude and latitude: give the geometry in WGS84 "
                    "or CGCS2000 degrees (EPSG:4326 or EPSG:4490), longitude first, not in metres."
                )
                % {"x": coords[0], "y": coords[1]},
                code="coordinates",
            )
        return [coords]
    if not isinstance(coords, list) or len(coords) < levels[0]:
        raise ValidationError(
            _("The %(type)s's coordinates are not nested as GeoJSON says (too few points, or not arrays).")
            % {"type": kind},
            code="coordinates",
        )
    return [position for part in coords for position in _positions(part, levels[1:], kind)]


def geojson_structure_check(data) -> dict:
    """``data`` is a GeoJSON geometry object of an accepted type, its positions numbers within ±180 and nested as
    the type says (what the API's schema says). ValidationError (naming the problem) otherwise."""
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
    if "coordinates" not in data:
        raise ValidationError(
            _("The %(type)s has no valid coordinates (arrays of [longitude, latitude]).") % {"type": kind},
            code="coordinates",
        )
    _positions(data["coordinates"], STRUCTURE[kind], kind)
    return data


def _latitude_check(pairs) -> None:
    for lon, lat, *_z in pairs:
        if not -90 <= lat <= 90:
            raise ValidationError(
                _(
                    "The coordinate (%(x)s, %(y)s) is not a longitude and latitude: the latitude is beyond 90 degrees "
                    "(latitude first?). Give longitude first, in WGS84 or CGCS2000 degrees."
                )
                % {"x": lon, "y": lat},
                code="shape",
            )


def _shape_check(geom) -> None:
    if geom.is_empty:
        raise ValidationError(_("The geometry is empty."), code="shape")
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise ValidationError(
                _("The area's outline crosses itself (%(reason)s): draw it without crossing lines.")
                % {"reason": reason},
                code="shape",
            )
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            raise ValidationError(_("The area is not a valid polygon (%(reason)s).") % {"reason": reason}, code="shape")
    if geom.geom_type in ("LineString", "MultiLineString") and shapely.length(geom) == 0:
        raise ValidationError(_("The line has no length: give at least two different points."), code="shape")


def work_geometry_parse(data) -> shapely.Geometry:
    """A GeoJSON geometry object (a dict, or its JSON text) in lon/lat, as a shapely geometry (EPSG:4326).

    ValidationError with code ``coordinates``, ``type`` or ``json`` when it is not what the API's schema
    says (the API answers 400), ``shape`` or ``size`` when it is but the shape cannot be checked (422).
    """
    data = geojson_structure_check(data)
    kind = data["type"]
    pairs = _positions(data["coordinates"], STRUCTURE[kind], kind)
    if len(pairs) > MAX_VERTICES:
        raise ValidationError(
            _("The geometry has %(n)d points; at most %(max)d are accepted.") % {"n": len(pairs), "max": MAX_VERTICES},
            code="size",
        )
    _latitude_check(pairs)
    try:
        geom = shapely.from_geojson(json.dumps({"type": kind, "coordinates": data["coordinates"]}))
    except shapely.errors.GEOSException as exc:
        raise ValidationError(
            _("The %(type)s is not a valid geometry: %(reason)s") % {"type": kind, "reason": str(exc)},
            code="shape",
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
    for x, y in shapely.get_coordinates(geom).tolist():
        _positions([x, y], (), geometry.geom_type)
    _latitude_check(shapely.get_coordinates(geom).tolist())
    _shape_check(geom)
    return geom
