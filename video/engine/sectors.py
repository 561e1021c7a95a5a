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


def sector_polygons(x, y, azimuth, fov, range_m, *, step_deg: float = 3.0) -> np.ndarray:
    """One polygon per camera: its view, the arc on the outside of the circle (chords at radius r / cos(step/2))."""
    x, y, azimuth, fov, range_m = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x, y, azimuth, fov, range_m))
    polygons = np.empty(len(x), dtype=object)
    outer = range_m / np.cos(np.radians(step_deg / 2))
    for i in range(len(x)):  # drawing only: a few dozen vertices per camera
        if fov[i] >= FULL_CIRCLE:
            angles = np.linspace(0.0, FULL_CIRCLE, int(np.ceil(FULL_CIRCLE / step_deg)) + 1)
            ex, ny = bearing_unit(angles)
            polygons[i] = shapely.Polygon(np.column_stack([x[i] + outer[i] * ex, y[i] + outer[i] * ny]))
            continue
        count = max(int(np.ceil(fov[i] / step_deg)), 1) + 1
        angles = np.linspace(azimuth[i] - fov[i] / 2, azimuth[i] + fov[i] / 2, count)
        ex, ny = bearing_unit(angles)
        # the first and last points lie on the true radius (the straight sides), the middle ones outside
        radius = np.full(count, outer[i])
        radius[0] = radius[-1] = range_m[i]
        ring = np.column_stack([x[i] + radius * ex, y[i] + radius * ny])
        polygons[i] = shapely.Polygon(np.vstack([[x[i], y[i]], ring, [x[i], y[i]]]))
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
