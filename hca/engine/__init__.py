"""HCA identification, pure: shapely geometries in a projected metric CRS
in, merged segments out. No Django here, so the core can be timed alone.

``identify`` is the fast path (STRtree bulk queries, closed-form interval
arithmetic, numpy windows); ``identify_loop`` is the straightforward
per-feature buffer-and-intersect baseline the benchmark compares it with.
"""

from hca.engine.core import identify
from hca.engine.loop import identify_loop
from hca.engine.types import Layer, PipelineGeom, Reason, Rule, Segment

__all__ = ["Layer", "PipelineGeom", "Reason", "Rule", "Segment", "identify", "identify_loop"]
