"""The city's extent: imported features must lie in it.

A layer in degrees but tagged with a projected CRS (EPSG:3857, say) reads
as a few hundred metres from 0°, 0°; the other way round it lands off the
map. Either way its features fall outside the city, and the layer is
refused with the rows named. The extent, in EPSG:4326, is

1. ``settings.CITY_EXTENT`` ("minlon,minlat,maxlon,maxlat") when set;
2. else the box around the pipelines (those stored, and for the other
   layers those in the same file) widened by ``CITY_EXTENT_MARGIN_KM`` on
   every side, measured in ``METRIC_SRID`` metres;
3. else, with no pipeline anywhere yet, China's box (73°E–136°E,
   3°N–54°N): the product serves Chinese cities, and it keeps 0°, 0° out.

A feature is outside when its bounding box does not meet the extent (a
river may run out of the city; it only has to reach into it).
"""

from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common.gis import area_within
from layers.choices import layer_named

CHINA = (73.0, 3.0, 136.0, 54.0)
ROWS_SHOWN = 10

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class CityExtent:
    box: Box
    source: str  # where the box comes from, for messages

    def text(self) -> str:
        return "{:.4f}, {:.4f} – {:.4f}, {:.4f}".format(*self.box)


def configured_box() -> Box | None:
    """settings.CITY_EXTENT as (minlon, minlat, maxlon, maxlat), or None when not set."""
    raw = settings.CITY_EXTENT
    if not raw:
        return None
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        box = tuple(float(part) for part in parts)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"CITY_EXTENT={raw!r}: give minlon,minlat,maxlon,maxlat in degrees.") from exc
    if (
        len(box) != 4
        or not np.isfinite(box).all()
        or not (-180 <= box[0] < box[2] <= 180 and -90 <= box[1] < box[3] <= 90)
    ):
        raise ImproperlyConfigured(f"CITY_EXTENT={raw!r}: give minlon,minlat,maxlon,maxlat in degrees.")
    return box


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _widened(box: Box) -> Box:
    margin_m = settings.CITY_EXTENT_MARGIN_KM * 1000
    if margin_m <= 0:
        return box
    polygon = Polygon.from_bbox(box)
    polygon.srid = 4326
    return area_within(polygon, margin_m).extent


class ExtentFinder:
    """The extent for each layer of one import; the file's pipelines widen it for the other layers."""

    def __init__(self):
        from pipelines.models import Pipeline

        self.configured = configured_box()
        self.stored = None if self.configured else Pipeline.objects.aggregate(box=Extent("route"))["box"]
        self.in_file: Box | None = None

    def add_pipelines(self, routes) -> None:
        for route in routes:
            if route is not None and not route.empty:
                self.in_file = _union(self.in_file, route.extent)

    def _extent(self, box: Box | None) -> CityExtent:
        if self.configured:
            return CityExtent(self.configured, "CITY_EXTENT")
        if box is not None:
            source = _("the pipelines' extent plus %(km)s km") % {"km": settings.CITY_EXTENT_MARGIN_KM}
            return CityExtent(_widened(box), source)
        return CityExtent(CHINA, _("China, as no pipeline is stored yet"))

    def for_pipelines(self) -> CityExtent:
        return self._extent(self.stored)

    def for_features(self) -> CityExtent:
        return self._extent(_union(self.stored, self.in_file))


def outside(geoms: np.ndarray, candidates: np.ndarray, extent: CityExtent) -> np.ndarray:
    """Which of the ``candidates`` geometries lie wholly outside the extent (by their boxes)."""
    bounds = shapely.bounds(geoms)
    minx, miny, maxx, maxy = extent.box
    with np.errstate(invalid="ignore"):
        away = (bounds[:, 2] < minx) | (bounds[:, 0] > maxx) | (bounds[:, 3] < miny) | (bounds[:, 1] > maxy)
    return candidates & away


def outside_message(layer: str, rows: list[int], extent: CityExtent, crs: str) -> str:
    shown = pgettext("list separator", ", ").join(str(row) for row in rows[:ROWS_SHOWN])
    if len(rows) > ROWS_SHOWN:
        shown += "…"
    return _(
        "Layer %(layer)s has %(count)s features outside the city's extent (%(extent)s: %(source)s), "
        "rows %(rows)s. Is the layer's CRS right? The file says %(crs)s."
    ) % {
        "layer": layer_named(layer),
        "count": len(rows),
        "extent": extent.text(),
        "source": extent.source,
        "rows": shown,
        "crs": crs,
    }
