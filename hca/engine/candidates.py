"""Candidate (segment, feature) pairs for the nearest-point search: a
layer's features sorted out on a coarse grid, then paired with the
segments through a tree of the segments' grown boxes."""

import math

import numpy as np
import shapely

from hca.engine.network import Network, norm
from hca.engine.vertices import Vertices


def envelopes(xmin, ymin, xmax, ymax) -> np.ndarray:
    """Shapes to query a tree with boxes: a query without a predicate compares
    envelopes only, and a line from corner to corner has the box for its
    envelope at a fraction of the cost of making a polygon."""
    corners = np.empty((len(xmin), 2, 2))
    corners[:, 0, 0], corners[:, 0, 1], corners[:, 1, 0], corners[:, 1, 1] = xmin, ymin, xmax, ymax
    return shapely.linestrings(corners)


class FeatureIndex:
    """What the nearest-point search needs of a layer, built once and shared
    by the runs over it (location classes, encroachment): each feature's box
    centre (cx, cy) and half-diagonal, and its cell on a coarse grid.

    Candidate pairs come from a tree of the segments' grown boxes (a few
    thousand), queried by the features near them. Most of a city's
    buildings are far from any pipeline: a feature whose centre lies in no
    grid cell that a segment's box reaches (grown by the corridor and a
    further ``BIG_M``) cannot overlap that box, unless it is larger than
    ``BIG_M``; those are always kept.
    """

    CELL_M = 200.0
    BIG_M = 50.0
    MAX_CELLS = 4_000_000  # a layer spread wider gets larger cells

    def __init__(self, geoms: np.ndarray, vertices: Vertices | None = None):
        self.geoms = geoms
        self.vertices = vertices
        bounds = shapely.bounds(geoms) if len(geoms) else np.empty((0, 4))
        self.cx = (bounds[:, 0] + bounds[:, 2]) / 2
        self.cy = (bounds[:, 1] + bounds[:, 3]) / 2
        self.rho = norm(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2
        located = np.isfinite(self.cx)  # empty geometries have no box (and no place in a tree)
        self._origin, self._size = (0.0, 0.0), self.CELL_M
        if located.any():
            x, y = self.cx[located], self.cy[located]
            self._origin = (float(x.min()), float(y.min()))
            area = (float(x.max()) - self._origin[0] + 1.0) * (float(y.max()) - self._origin[1] + 1.0)
            self._size = max(self.CELL_M, math.sqrt(area / self.MAX_CELLS))
        ix, iy = self._cell(self.cx, self.cy)
        self._shape = (int(ix[located].max()) + 1, int(iy[located].max()) + 1) if located.any() else (0, 0)
        self._ix, self._iy = np.where(located, ix, -1), np.where(located, iy, -1)
        self._big = located & (self.rho > self.BIG_M)

    def _cell(self, x, y):
        with np.errstate(invalid="ignore"):
            return (
                np.floor((x - self._origin[0]) / self._size).astype(np.int64),
                np.floor((y - self._origin[1]) / self._size).astype(np.int64),
            )

    def _reached(self, net: Network, corridor: float) -> np.ndarray:
        """The grid cells that the segments' boxes, grown by ``corridor`` and ``BIG_M``, reach."""
        cells = np.zeros(self._shape, bool)
        grow = corridor + self.BIG_M
        x0, y0 = self._cell(np.minimum(net.ax, net.bx) - grow, np.minimum(net.ay, net.by) - grow)
        x1, y1 = self._cell(np.maximum(net.ax, net.bx) + grow, np.maximum(net.ay, net.by) + grow)
        nx, ny = self._shape
        inside = (x1 >= 0) & (y1 >= 0) & (x0 < nx) & (y0 < ny)
        x0, y0 = np.maximum(x0[inside], 0), np.maximum(y0[inside], 0)
        x1, y1 = np.minimum(x1[inside], nx - 1), np.minimum(y1[inside], ny - 1)
        width, height = x1 - x0 + 1, y1 - y0 + 1
        count = width * height
        box = np.repeat(np.arange(len(count)), count)
        k = np.arange(len(box)) - np.repeat(np.cumsum(count) - count, count)
        cells[x0[box] + k // height[box], y0[box] + k % height[box]] = True
        return cells

    def candidates(self, net: Network, corridor: float) -> tuple[np.ndarray, np.ndarray]:
        """(segment, feature) pairs whose boxes overlap, the segment's grown
        by ``corridor``; ordered by feature (segments in no set order)."""
        if not len(self.geoms) or not len(net.geoms) or not self._shape[0]:
            return np.empty(0, int), np.empty(0, int)
        cells = self._reached(net, corridor)
        located = self._ix >= 0
        near = np.zeros(len(self.geoms), bool)
        near[located] = cells[self._ix[located], self._iy[located]]
        kept = np.flatnonzero(near | self._big)
        # The few segments go in the tree, the features near them query it.
        lo = np.minimum(net.a, net.b) - corridor
        hi = np.maximum(net.a, net.b) + corridor
        tree = shapely.STRtree(envelopes(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
        local, seg = tree.query(self.geoms[kept])
        return seg, kept[local]

    def vertices_for(self, needed: np.ndarray) -> Vertices:
        """The layer's vertices, or those of the ``needed`` features read now."""
        return self.vertices if self.vertices is not None else Vertices.of(self.geoms, needed)
