"""The reach of an incident (emergency.md, step 4): what lies within a radius
of the incident's place on its pipeline.

Gas: the potential impact radius r = 0.099 × √(d² × p) (d outer diameter in
mm, p MAOP in MPa: the HCA rules' formula); liquids: ``LIQUID_RADIUS_M``
unless told otherwise. Each layer is indexed once (a shapely STRtree over
metric geometries); a query is one ``dwithin`` search per layer.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely

from hca.engine.radius import pir_gb32167

LIQUID_RADIUS_M = 200.0
COUNTED = ("buildings",)  # layers reported as a number, not a list


def reach_radius(*, medium: str, outer_diameter_mm: float, maop_mpa: float, liquid_radius_m=LIQUID_RADIUS_M) -> float:
    if medium == "gas":
        return pir_gb32167(outer_diameter_mm, maop_mpa)
    return float(liquid_radius_m)


@dataclass
class ReachLayer:
    """Features of one kind: metric geometries and, per feature, what the answer lists."""

    geoms: np.ndarray  # shapely geometries (object array)
    items: list[dict]  # one dict per feature (id, name, …), copied into the answer
    tree: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self):
        self.geoms = np.asarray(self.geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms)

    def within(self, point: shapely.Point, radius_m: float) -> np.ndarray:
        found = self.tree.query(point, predicate="dwithin", distance=radius_m)
        return np.sort(found)


@dataclass
class ReachIndex:
    layers: dict[str, ReachLayer]

    def query(self, point: shapely.Point, radius_m: float) -> dict:
        """``{"radius_m": r, <layer>: [items nearest first] or a count}`` for every layer."""
        answer: dict = {"radius_m": round(float(radius_m), 1)}
        for name, layer in self.layers.items():
            found = layer.within(point, radius_m)
            if name in COUNTED:
                answer[name] = len(found)
                continue
            distances = shapely.distance(layer.geoms[found], point) if len(found) else np.empty(0)
            order = np.lexsort((found, distances))
            answer[name] = [
                {**layer.items[i], "distance_m": round(float(distances[k]), 1)}
                for k, i in zip(order.tolist(), found[order].tolist(), strict=True)
            ]
        return answer
