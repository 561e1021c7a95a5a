"""Pipeline routes for the maps: simplified in ``settings.METRIC_SRID`` (a
few metres, invisible at any zoom the admin uses) so list pages stay light."""

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from shapely.geometry import mapping

SIMPLIFY_M = 5.0


def routes_simplified(queryset, *, tolerance_m: float = SIMPLIFY_M) -> list[tuple[dict, dict]]:
    """(row, GeoJSON geometry in EPSG:4326) of each pipeline of ``queryset``;
    ``row`` has the pipeline's pk, code, name, medium and company_id."""
    from hca.loading import to_metric, to_wgs84

    rows = list(
        queryset.order_by("code")
        .annotate(route_wkb=AsWKB("route"))
        .values("pk", "code", "name", "medium", "company_id", "route_wkb")
    )
    if not rows:
        return []
    routes = to_metric(shapely.from_wkb([bytes(row.pop("route_wkb")) for row in rows]))
    simple = shapely.simplify(routes, tolerance_m, preserve_topology=True)
    # GEOS hands back a one-part MultiLineString as a LineString; the layer keeps the field's type.
    single = shapely.get_type_id(simple) == shapely.GeometryType.LINESTRING
    if single.any():
        simple[single] = shapely.multilinestrings(simple[single], indices=np.arange(single.sum()))
    simple = to_wgs84(simple)
    simple = shapely.transform(simple, lambda coords: np.round(coords, 6))
    return [(row, mapping(geom)) for row, geom in zip(rows, simple, strict=True)]
