"""GPX tracks read into fixes (time, lon, lat), with pyogrio (GDAL's GPX driver, already a dependency).

The points of every track and segment (``track_points``), in file order; a GPX holding only a route or
waypoints is refused, as is one without timed points. Points without a time are skipped (counted).
"""

import datetime as dt
import io

import numpy as np
import pyogrio
import shapely
from django.utils.translation import gettext as _

MAX_GPX_BYTES = 50 * 1024 * 1024


class GpxError(ValueError):
    """A file that is not a usable GPX track, with a message for people."""


def gpx_read(data: bytes) -> tuple[list[dict], int]:
    """(fixes as dicts for fixes_ingest, number of points skipped for lacking a time)."""
    if len(data) > MAX_GPX_BYTES:
        raise GpxError(_("The GPX file is larger than %(mb)d MB.") % {"mb": MAX_GPX_BYTES // 1024 // 1024})
    if b"<gpx" not in data[:4096]:
        raise GpxError(_("This is not a GPX file (no <gpx> element at its start)."))
    try:
        layers = {name for name, _kind in pyogrio.list_layers(io.BytesIO(data))}
        if "track_points" not in layers:
            raise GpxError(_("The GPX file has no track (only routes or waypoints)."))
        _meta, _fids, geometry, (times,) = pyogrio.raw.read(
            io.BytesIO(data), layer="track_points", columns=["time"], datetime_as_string=True
        )
    except GpxError:
        raise
    except Exception as exc:  # GDAL's errors on a broken file (DataSourceError, FieldError…)
        raise GpxError(_("The GPX file cannot be read: %(error)s") % {"error": str(exc)[:200]}) from None
    if geometry is None or not len(geometry):
        raise GpxError(_("The GPX file has no track points."))
    xy = shapely.get_coordinates(shapely.from_wkb(geometry))
    fixes, skipped = [], 0
    for (lon, lat), text in zip(xy, times, strict=True):
        if text is None:
            skipped += 1
            continue
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise GpxError(_("A track point has a time that cannot be read: %(time)s") % {"time": text}) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)  # GPX times are UTC
        fixes.append({"time": moment, "lon": float(lon), "lat": float(lat), "accuracy_m": None})
    if not fixes:
        raise GpxError(_("No track point of the GPX file has a time."))
    if not np.isfinite(xy).all():
        raise GpxError(_("The GPX file has points without coordinates."))
    return fixes, skipped
