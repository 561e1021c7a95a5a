"""Checking a layer's geometries (the layer contract, docs/layers.md): type, emptiness,
NaN coordinates, validity (repaired when that keeps the type), longitude/latitude range and
the city's extent (layers/extent.py). Each problem names the layer, the row and the field."""

from collections.abc import Iterable

import numpy as np
import shapely
from django.utils.translation import gettext as _

from layers.extent import CityExtent, outside_message
from layers.extent import outside as outside_extent

GEOMETRY = "geometry"

_TYPE_IDS = {
    "Point": shapely.GeometryType.POINT,
    "LineString": shapely.GeometryType.LINESTRING,
    "Polygon": shapely.GeometryType.POLYGON,
    "MultiPoint": shapely.GeometryType.MULTIPOINT,
    "MultiLineString": shapely.GeometryType.MULTILINESTRING,
    "MultiPolygon": shapely.GeometryType.MULTIPOLYGON,
}


def geometries_check(
    table, allowed: Iterable[str], *, extent: CityExtent | None = None, crs: str = ""
) -> tuple[np.ndarray, int]:
    """2-D, valid geometries of an allowed type, in the city's ``extent``; invalid ones repaired
    when that keeps the type. A NaN coordinate is refused, never repaired away.

    Returns the geometries and how many were repaired.
    """
    allowed = tuple(allowed)
    allowed_ids = np.array([int(_TYPE_IDS[name]) for name in allowed])
    geoms = np.asarray(table.frame.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    table.report(missing, GEOMETRY, lambda _v: _("the geometry is empty"))
    present = ~missing
    if shapely.has_z(geoms[present]).any():
        geoms = shapely.force_2d(geoms)
    type_ids = shapely.get_type_id(geoms)
    wrong = present & ~np.isin(type_ids, allowed_ids)
    table.report(
        wrong,
        GEOMETRY,
        lambda v: (
            _("a %(type)s is not allowed here (allowed: %(allowed)s)")
            % {"type": v.geom_type, "allowed": ", ".join(allowed)}
        ),
        geoms,
    )
    candidates = present & ~wrong
    coordinates, owners = shapely.get_coordinates(geoms, return_index=True)
    not_a_number = np.zeros(len(geoms), dtype=bool)
    not_a_number[owners[~np.isfinite(coordinates).all(axis=1)]] = True
    not_a_number &= candidates
    table.report(not_a_number, GEOMETRY, lambda _v: _("a coordinate is not a number (NaN or infinite)"))
    candidates &= ~not_a_number
    invalid = candidates & ~shapely.is_valid(geoms)
    repaired = 0
    for index in np.flatnonzero(invalid):
        geom = geoms[index]
        fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        if not fixed.is_empty and int(shapely.get_type_id(fixed)) in allowed_ids and fixed.is_valid:
            geoms[index] = fixed
            repaired += 1
        else:
            table.problems.at_row(
                table.layer,
                int(table.rows[index]),
                GEOMETRY,
                _("the geometry is invalid (%(reason)s) and cannot be repaired without changing its type")
                % {"reason": shapely.is_valid_reason(geom)},
            )
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = candidates & (
            np.isnan(bounds).any(axis=1)
            | (bounds[:, 0] < -180)
            | (bounds[:, 2] > 180)
            | (bounds[:, 1] < -90)
            | (bounds[:, 3] > 90)
        )
    table.report(
        outside,
        GEOMETRY,
        lambda _v: _("the coordinates are outside longitude/latitude range: is the layer's CRS right?"),
    )
    if extent is not None:
        away = outside_extent(geoms, candidates & ~outside, extent)
        if away.any():
            rows = [int(row) for row in table.rows[away]]
            table.problems.rows.update((table.layer, row) for row in rows)
            table.problems.add(outside_message(table.layer, rows, extent, crs))
    return geoms, repaired
