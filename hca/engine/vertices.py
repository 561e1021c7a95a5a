"""Polygon vertices as flat x/y columns, for the closed-form distances.

A layer's loader extracts every coordinate anyway to reproject the layer;
it keeps them (``Vertices.from_coordinates``) so that the engine reads no
geometry twice. Without them (a layer built in a test, or by hand) the
vertices of the features a run needs are read from the geometries
(``Vertices.of``).
"""

from dataclasses import dataclass

import numpy as np
import shapely

POLYGON = 3


@dataclass
class Vertices:
    """Arrays indexed by feature, over flat coordinate columns."""

    x: np.ndarray  # every coordinate, feature after feature
    y: np.ndarray
    start: np.ndarray  # where each feature's coordinates start
    count: np.ndarray  # a simple polygon's vertices, without the ring's closing repeat
    simple: np.ndarray  # a polygon in one part, without holes (the closed forms' case)

    @classmethod
    def from_coordinates(cls, geoms: np.ndarray, coords: np.ndarray, owner: np.ndarray) -> "Vertices":
        """From ``shapely.get_coordinates(geoms, return_index=True)`` (reprojected)."""
        number = np.bincount(owner, minlength=len(geoms))
        simple = (shapely.get_type_id(geoms) == POLYGON) & (shapely.get_num_interior_rings(geoms) == 0)
        return cls(
            np.ascontiguousarray(coords[:, 0]),
            np.ascontiguousarray(coords[:, 1]),
            np.cumsum(number) - number,
            np.maximum(number - 1, 0),
            simple,
        )

    @classmethod
    def of(cls, geoms: np.ndarray, needed: np.ndarray) -> "Vertices":
        """The vertices of the ``needed`` features only (the others have none)."""
        sub = np.unique(needed)
        some = geoms[sub]
        part = cls.from_coordinates(some, *shapely.get_coordinates(some, return_index=True))
        start, count, simple = np.zeros(len(geoms), int), np.zeros(len(geoms), int), np.zeros(len(geoms), bool)
        start[sub], count[sub], simple[sub] = part.start, part.count, part.simple
        return cls(part.x, part.y, start, count, simple)

    def rows(self, feat: np.ndarray):
        """One row per (pair, vertex): the pair's index, the vertex's index, and where each pair's rows start."""
        count = self.count[feat]
        row_start = np.cumsum(count) - count
        pair = np.repeat(np.arange(len(feat)), count)
        vertex = np.repeat(self.start[feat] - row_start, count) + np.arange(len(pair))
        return pair, vertex, row_start
