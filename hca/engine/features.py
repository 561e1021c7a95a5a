"""Feature geometries broken into the pieces the closed forms handle
(points, straight edges, polygons for their interiors), the bulk queries
that pair them with pipeline segments through the segments' tree, and the
stretches of pipeline within a rule's distance of them."""

from dataclasses import dataclass

import numpy as np
import shapely

from hca.engine.candidates import envelopes
from hca.engine.intervals import groups
from hca.engine.network import Network, capsule_interval, disc_interval

POINT, LINESTRING, LINEARRING, POLYGON = 0, 1, 2, 3


@dataclass
class Intervals:
    """Stretches of pipelines: pipeline index, feature index, chainage from/to."""

    pipe: np.ndarray
    feat: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def empty(cls):
        return cls(np.empty(0, int), np.empty(0, int), np.empty(0), np.empty(0))

    @classmethod
    def concat(cls, parts):
        parts = [p for p in parts if len(p.pipe)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("pipe", "feat", "start", "end")))

    def __len__(self):
        return len(self.pipe)

    def select(self, mask):
        return Intervals(self.pipe[mask], self.feat[mask], self.start[mask], self.end[mask])


@dataclass
class Pieces:
    """Points, straight edges (from q to r) and polygons, each with its
    feature; coordinates as x and y columns."""

    point_feat: np.ndarray
    px: np.ndarray
    py: np.ndarray
    edge_feat: np.ndarray
    qx: np.ndarray
    qy: np.ndarray
    rx: np.ndarray
    ry: np.ndarray
    polygons: np.ndarray
    polygon_feat: np.ndarray


def pieces_build(geoms: np.ndarray, among: np.ndarray | None = None) -> Pieces:
    """The features' pieces; with ``among`` (indices), those features' only,
    numbered as in ``geoms``."""
    parts, feat = shapely.get_parts(geoms if among is None else geoms[among], return_index=True)
    if among is not None:
        feat = among[feat]
    kind = shapely.get_type_id(parts)
    is_point = kind == POINT
    points, point_feat = parts[is_point], feat[is_point]
    is_polygon = kind == POLYGON
    polygons, polygon_feat = parts[is_polygon], feat[is_polygon]
    lines, line_feat = (
        parts[(kind == LINESTRING) | (kind == LINEARRING)],
        feat[(kind == LINESTRING) | (kind == LINEARRING)],
    )
    rings, ring_part = shapely.get_rings(polygons, return_index=True)
    chains = np.concatenate([lines, rings])
    chain_feat = np.concatenate([line_feat, polygon_feat[ring_part]]).astype(int)
    coords, idx = shapely.get_coordinates(chains, return_index=True)
    same = idx[1:] == idx[:-1]
    x, y = np.ascontiguousarray(coords.T)
    edge_feat = chain_feat[idx[:-1][same]]
    px, py = np.ascontiguousarray(shapely.get_coordinates(points).T)
    return Pieces(
        point_feat, px, py, edge_feat, x[:-1][same], y[:-1][same], x[1:][same], y[1:][same], polygons, polygon_feat
    )


def _near_boxes(net: Network, x0, y0, x1, y1, distance: float):
    """(piece, segment) pairs whose boxes, the piece's [x0, x1] × [y0, y1] grown by ``distance``,
    overlap: a superset of the pairs within ``distance``, which the closed forms then settle."""
    if not len(x0) or not len(net.geoms):
        return np.empty(0, int), np.empty(0, int)
    boxes = envelopes(x0 - distance, y0 - distance, x1 + distance, y1 + distance)
    pairs = net.tree.query(boxes)
    return pairs[0], pairs[1]


def _query(net: Network, geoms, predicate):
    if len(geoms) == 0 or len(net.geoms) == 0:
        return np.empty(0, int), np.empty(0, int)
    pairs = net.tree.query(geoms, predicate=predicate)
    return pairs[0], pairs[1]


@dataclass
class PiecePairs:
    """The (piece, segment) pairs of a layer's selected features (``feat_mask``)
    that a rule looking as far as ``reach`` may need: points and edges whose
    boxes, grown by ``reach``, meet a segment's; polygons meeting a segment.
    Rules over the same features that look no further reuse them."""

    feat_mask: np.ndarray
    reach: float
    point: np.ndarray  # (2, n): point piece, segment
    edge: np.ndarray  # (2, n): edge piece, segment
    polygon: np.ndarray  # (2, n): polygon piece, segment
    whole: np.ndarray | None = None  # per polygon pair: the segment lies wholly inside (found once)

    def serves(self, feat_mask: np.ndarray, reach: float) -> bool:
        return self.reach >= reach and not (feat_mask & ~self.feat_mask).any()


def piece_pairs(net: Network, pieces: Pieces, feat_mask: np.ndarray, reach: float) -> PiecePairs:
    sel = np.flatnonzero(feat_mask[pieces.point_feat])
    x, y = pieces.px[sel], pieces.py[sel]
    i, seg = _near_boxes(net, x, y, x, y, reach)
    point = np.stack([sel[i], seg])
    edge = np.stack(_edge_pairs(net, pieces, np.flatnonzero(feat_mask[pieces.edge_feat]), reach))
    sel = np.flatnonzero(feat_mask[pieces.polygon_feat])
    i, seg = _query(net, pieces.polygons[sel], "intersects")
    return PiecePairs(feat_mask, reach, point, edge, np.stack([sel[i], seg]))


def stretches(
    net: Network, pieces: Pieces, feat_mask: np.ndarray, radius_by_pipe: np.ndarray, pairs: PiecePairs | None = None
) -> Intervals:
    """Every stretch of every pipeline within its radius of a selected feature.

    ``radius_by_pipe`` holds each pipeline's distance for this rule (NaN
    where the rule does not apply to the pipeline). ``pairs``: candidate
    pairs found for these features, or more, looking this far or further.
    """
    finite = radius_by_pipe[np.isfinite(radius_by_pipe)]
    if not len(finite) or not feat_mask.any():
        return Intervals.empty()
    dmax = float(finite.max())
    if pairs is None:
        pairs = piece_pairs(net, pieces, feat_mask, dmax)
    wider = pairs.reach > dmax or (pairs.feat_mask & ~feat_mask).any()
    out = []

    i, seg = pairs.point
    d = radius_by_pipe[net.pipe[seg]]
    keep = np.isfinite(d)
    if wider:
        keep &= feat_mask[pieces.point_feat[i]]
        x, y = pieces.px[i[keep]], pieces.py[i[keep]]
        keep[keep] = _boxes_meet(net, seg[keep], x, y, x, y, d[keep])
    i, seg, d = i[keep], seg[keep], d[keep]
    if len(i):
        s0, s1, ok = disc_interval(pieces.px[i], pieces.py[i], *_segment_columns(net, seg), d)
        out.append(_intervals(net, pieces.point_feat[i], seg, s0, s1, ok))

    e, seg = pairs.edge
    d = radius_by_pipe[net.pipe[seg]]
    keep = np.isfinite(d)
    if wider:
        keep &= feat_mask[pieces.edge_feat[e]]
        keep[keep] = _boxes_meet(net, seg[keep], *_edge_boxes(pieces, e[keep]), d[keep])
    e, seg, d = e[keep], seg[keep], d[keep]
    if len(e):
        ends = pieces.qx[e], pieces.qy[e], pieces.rx[e], pieces.ry[e]
        s0, s1, ok = capsule_interval(*ends, *_segment_columns(net, seg), d)
        out.append(_intervals(net, pieces.edge_feat[e], seg, s0, s1, ok))

    if pairs.polygon.shape[1]:
        if pairs.whole is None:
            polygons = pieces.polygons[pairs.polygon[0]]
            shapely.prepare(polygons)  # the pieces' own polygons, made for this run
            pairs.whole = shapely.contains_properly(polygons, net.geoms[pairs.polygon[1]])
        i, seg = pairs.polygon
        d = radius_by_pipe[net.pipe[seg]]
        keep = np.isfinite(d) & feat_mask[pieces.polygon_feat[i]]
        out.append(
            _interiors(
                net, pieces.polygons[i[keep]], pieces.polygon_feat[i[keep]], seg[keep], d[keep], pairs.whole[keep]
            )
        )
    return Intervals.concat(out)


SMALL_FEATURE_EDGES = 64


def _edge_pairs(net: Network, pieces: Pieces, sel: np.ndarray, reach: float):
    """(edge, segment) pairs among the edges ``sel`` whose boxes, grown by
    ``reach``, meet. Making a query shape costs far more than comparing
    boxes in numpy, so a feature of a few edges (a village, a depot) asks
    the tree once with its own box, and its edges are compared with the
    segments found; only a feature of many edges (a forest, a river) asks
    edge by edge."""
    if not len(sel) or not len(net.geoms):
        return np.empty(0, int), np.empty(0, int)
    sel = sel[np.argsort(pieces.edge_feat[sel], kind="stable")]
    x0, y0, x1, y1 = _edge_boxes(pieces, sel)
    first, group = groups(pieces.edge_feat[sel])
    count = np.diff(np.r_[first, len(sel)])
    small = count <= SMALL_FEATURE_EDGES
    # Features of a few edges: their boxes, then their edges against the segments found.
    g = np.flatnonzero(small)
    fx0, fy0 = np.minimum.reduceat(x0, first)[g], np.minimum.reduceat(y0, first)[g]
    fx1, fy1 = np.maximum.reduceat(x1, first)[g], np.maximum.reduceat(y1, first)[g]
    found, seg = net.tree.query(envelopes(fx0 - reach, fy0 - reach, fx1 + reach, fy1 + reach))
    n = count[g][found]
    row = np.repeat(first[g][found] - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
    seg = np.repeat(seg, n)
    meet = _boxes_meet(net, seg, x0[row], y0[row], x1[row], y1[row], reach)
    # Features of many edges: edge by edge.
    many = np.flatnonzero(~small[group])
    i, seg_many = _near_boxes(net, x0[many], y0[many], x1[many], y1[many], reach)
    return np.concatenate([sel[row[meet]], sel[many[i]]]), np.concatenate([seg[meet], seg_many])


def _edge_boxes(pieces: Pieces, e):
    """The boxes of the edges ``e``: x0, y0, x1, y1."""
    qx, qy, rx, ry = pieces.qx[e], pieces.qy[e], pieces.rx[e], pieces.ry[e]
    return np.minimum(qx, rx), np.minimum(qy, ry), np.maximum(qx, rx), np.maximum(qy, ry)


def _segment_columns(net: Network, seg):
    """What the closed forms need of each segment: start, unit direction, length."""
    return net.ax[seg], net.ay[seg], net.ux[seg], net.uy[seg], net.length[seg]


def _boxes_meet(net: Network, seg, x0, y0, x1, y1, d) -> np.ndarray:
    """Whether each piece's box [x0, x1] × [y0, y1], grown by d, meets its segment's box."""
    return (
        (x0 - d <= np.maximum(net.ax[seg], net.bx[seg]))
        & (x1 + d >= np.minimum(net.ax[seg], net.bx[seg]))
        & (y0 - d <= np.maximum(net.ay[seg], net.by[seg]))
        & (y1 + d >= np.minimum(net.ay[seg], net.by[seg]))
    )


def _intervals(net, feat, seg, s0, s1, ok) -> Intervals:
    return Intervals(net.pipe[seg][ok], feat[ok], net.c0[seg][ok] + s0[ok], net.c0[seg][ok] + s1[ok])


def _interiors(net: Network, polygons, feat, seg, d, whole) -> Intervals:
    """Stretches of segments inside polygons (further than d from any edge
    inside a large lake or forest, but still within it).

    The edges' capsules already hold every point within d of the boundary.
    A segment that meets the boundary at a point c has each of its points
    within its length of c: when that length is at most d, its inside part
    is in the capsules and needs no intersection. Of the others, a segment
    wholly inside (a prepared ``contains_properly``, cheap) is inside from
    end to end; only the rest, long and crossing, are intersected.
    ``whole``: for each pair, whether the segment lies wholly inside.
    """
    crossing = ~whole & (net.length[seg] > d)
    parts = [
        Intervals(net.pipe[seg][whole], feat[whole], net.c0[seg][whole], net.c0[seg][whole] + net.length[seg][whole])
    ]
    if crossing.any():
        parts.append(_intersections(net, polygons[crossing], feat[crossing], seg[crossing]))
    return Intervals.concat(parts)


def _intersections(net: Network, polygons, feat, seg) -> Intervals:
    """The stretches of the segments inside their polygons, by intersection."""
    inside = shapely.intersection(net.geoms[seg], polygons)
    parts, pair = shapely.get_parts(inside, return_index=True)
    if not len(parts):
        return Intervals.empty()
    coords, part = shapely.get_coordinates(parts, return_index=True)
    seg_of = seg[pair][part]
    s = np.einsum("ij,ij->i", coords - net.a[seg_of], net.unit[seg_of])
    firsts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
    lo = np.clip(np.minimum.reduceat(s, firsts), 0, None)
    hi = np.maximum.reduceat(s, firsts)
    seg_p = seg[pair][part[firsts]]
    hi = np.minimum(hi, net.length[seg_p])
    return Intervals(net.pipe[seg_p], feat[pair][part[firsts]], net.c0[seg_p] + lo, net.c0[seg_p] + hi)
