"""The straightforward baseline: buffer each feature, intersect it with
each pipeline nearby, read the chainage of the pieces. Same rules, same
merge; used by bench/hca.py to check the fast path and to measure it."""

import numpy as np
import shapely

from hca.engine.core import Context, identify
from hca.engine.features import Intervals
from hca.engine.types import Layer, PipelineGeom, Rule, Segment

QUAD_SEGS = 64  # circle approximation of the buffers: 0.015 m short at 200 m


def _stretches_loop(ctx: Context, layer: Layer, feat_mask, radius) -> Intervals:
    lines = [p.line for p in ctx.pipelines]
    boxes = shapely.STRtree(lines)
    pipe, feat, start, end = [], [], [], []
    for f in np.flatnonzero(feat_mask):
        geom = layer.geoms[f]
        dmax = np.nanmax(radius) if np.isfinite(radius).any() else np.nan
        if not np.isfinite(dmax):
            break
        for k in boxes.query(shapely.buffer(shapely.envelope(geom), dmax)):
            d = radius[k]
            if not np.isfinite(d):
                continue
            line = lines[k]
            inside = shapely.intersection(line, shapely.buffer(geom, d, quad_segs=QUAD_SEGS))
            for part in shapely.get_parts(inside):
                if part.is_empty:
                    continue
                coords = shapely.get_coordinates(part)
                where = shapely.line_locate_point(line, shapely.points(coords[[0, -1]]))
                pipe.append(k)
                feat.append(f)
                start.append(float(where.min()))
                end.append(float(where.max()))
    return Intervals(np.array(pipe, int), np.array(feat, int), np.array(start), np.array(end))


def _nearest_loop(ctx: Context, corridor: float):
    buildings = ctx.layer("buildings")
    lines = [p.line for p in ctx.pipelines]
    boxes = shapely.STRtree(lines)
    pipe, feat, dist, chain = [], [], [], []
    for f, geom in enumerate(buildings.geoms):
        for k in boxes.query(geom, predicate="dwithin", distance=corridor):
            line = lines[k]
            d = shapely.distance(line, geom)
            if d <= corridor:
                pipe.append(k)
                feat.append(f)
                dist.append(d)
                chain.append(shapely.line_locate_point(line, shapely.get_point(shapely.shortest_line(line, geom), 0)))
    return np.array(pipe, int), np.array(feat, int), np.array(dist), np.array(chain, dtype=float)


class LoopContext(Context):
    def stretches(self, layer_name, feat_mask, radius) -> Intervals:
        return _stretches_loop(self, self.layer(layer_name), feat_mask, radius)

    def nearest_buildings(self, corridor):
        if corridor not in self._nearest:
            self._nearest[corridor] = _nearest_loop(self, corridor)
        return self._nearest[corridor]


def identify_loop(pipelines: list[PipelineGeom], layers: dict[str, Layer], rules: list[Rule]) -> list[Segment]:
    return identify(pipelines, layers, rules, context=LoopContext)
