from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely

from hca.engine.vertices import Vertices


@dataclass(frozen=True)
class PipelineGeom:
    """One pipeline as the engine sees it: a single LineString in metres."""

    id: int
    code: str
    line: shapely.LineString
    medium_group: str  # "oil", "gas" or "" (no HCA rules apply)
    diameter_mm: float
    maop_mpa: float


@dataclass
class Layer:
    """One reference layer: parallel arrays, geometries in metres."""

    name: str
    geoms: np.ndarray  # shapely geometries (object array)
    ids: np.ndarray  # feature ids (str)
    names: np.ndarray  # feature names (str)
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    # Every feature's coordinates as columns, when the loader kept them (hca/engine/vertices.py).
    vertices: Vertices | None = None

    def __len__(self):
        return len(self.geoms)

    @cached_property
    def index(self):
        """The layer's FeatureIndex for nearest-point searches, built on first use."""
        from hca.engine.candidates import FeatureIndex

        return FeatureIndex(self.geoms, self.vertices)

    @classmethod
    def empty(cls, name: str) -> "Layer":
        return cls(name, np.empty(0, dtype=object), np.empty(0, dtype=object), np.empty(0, dtype=object))


@dataclass(frozen=True)
class Rule:
    code: str
    applies_to: str  # "oil" or "gas"
    kind: str
    grade: int
    distance_m: float | None
    params: dict


@dataclass(frozen=True, order=True)
class Reason:
    rule: str
    layer: str
    feature_id: str
    name: str = ""
    # For location-class rules: the buildings counted and their total.
    count: int | None = None
    feature_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        data = {"rule": self.rule, "layer": self.layer, "feature_id": self.feature_id, "name": self.name}
        if self.count is not None:
            data["count"] = self.count
            data["feature_ids"] = list(self.feature_ids)
        return data


@dataclass
class Segment:
    pipeline_id: int
    pipeline_code: str
    start_m: float
    end_m: float
    grade: int
    rules: tuple[str, ...]
    reasons: tuple[Reason, ...]

    def key(self, ndigits: int = 1) -> tuple:
        return (self.pipeline_code, round(self.start_m, ndigits), round(self.end_m, ndigits), self.grade, self.rules)
