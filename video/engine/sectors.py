"""A camera's view (video.md): the circular sector centred on the camera,
radius ``range_m``, from ``azimuth − fov/2`` to ``azimuth + fov/2``, angles in
degrees clockwise from grid north, in the metric CRS; ``fov`` 360 is the
whole circle.

``sector_polygons`` draws the views as shapely polygons (for maps and for the
candidate search: the arc is drawn on the outside of the true circle, so the
polygon always contains the exact sector). ``cameras_seeing`` answers, exactly,
which cameras see a point.
"""

import numpy as np
import shapely

FULL_CIRCLE = 360.0
# Boundary slack in metres (and the matching slack on angles): a point on the edge of a view is inside it.
EPS_M = 1e-6


def bearing_unit(degrees):
    """Unit vectors (east, north) of bearings in degrees clockwise from grid north."""
    radians = np.radians(degrees)
    return np.sin(radians), np.cos(radians)


ARC_POINTS = 121  # points on every arc: 3° apart on a full circle, closer on a narrower view


def sector_polygons(x, y, azimuth, fov, range_m) -> np.ndarray:
    """One polygon per camera (all at once): its view, the arc drawn outside the circle so that the polygon
    holds the exact sector (each chord at radius r / cos(half the step), the straight sides exact)."""
    x, y, azimuth, fov, range_m = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x, y, azimuth, fov, range_m))
    full = fov >= FULL_CIRCLE
    sweep = np.where(full, FULL_CIRCLE, fov)
    start = np.where(full, 0.0, azimuth - fov / 2)
    steps = np.linspace(0.0, 1.0, ARC_POINTS)
    angles = start[:, None] + sweep[:, None] * steps[None, :]
    outer = range_m / np.cos(np.radians(sweep / (ARC_POINTS - 1) / 2))
    radius = np.repeat(outer[:, None], ARC_POINTS, axis=1)
    radius[~full, 0] = range_m[~full]  # the straight sides end on the true radius
    radius[~full, -1] = range_m[~full]
    ex, ny = bearing_unit(angles)
    arc = np.stack([x[:, None] + radius * ex, y[:, None] + radius * ny], axis=-1)
    centre = np.stack([x, y], axis=-1)[:, None, :]
    polygons = np.empty(len(x), dtype=object)
    if full.any():  # the circle: the arc closed on itself
        polygons[full] = shapely.polygons(np.concatenate([arc[full], arc[full][:, :1]], axis=1))
    if (~full).any():  # centre, arc, centre
        polygons[~full] = shapely.polygons(np.concatenate([centre[~full], arc[~full], centre[~full]], axis=1))
    return polygons


def angle_off(bearing, azimuth):
    """The angle in degrees (0..180) between two bearings."""
    return np.abs((np.asarray(bearing) - np.asarray(azimuth) + 180.0) % 360.0 - 180.0)


def cameras_seeing(x, y, azimuth, fov, range_m, px: float, py: float) -> np.ndarray:
    """Indices of the cameras whose view holds the point (px, py)."""
    x, y, azimuth, fov, range_m = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x, y, azimuth, fov, range_m))
    dx, dy = px - x, py - y
    distance = np.hypot(dx, dy)
    bearing = np.degrees(np.arctan2(dx, dy))
    slack_deg = np.degrees(EPS_M / np.maximum(distance, EPS_M))
    in_angle = (fov >= FULL_CIRCLE) | (distance <= EPS_M) | (angle_off(bearing, azimuth) <= fov / 2 + slack_deg)
    return np.flatnonzero((distance <= range_m + EPS_M) & in_angle)
