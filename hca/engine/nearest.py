"""The nearest point of each pipeline to each feature within a corridor
(location classes count buildings at it; encroachment measures the strip):
candidate pairs from hca.engine.candidates, then closed forms on coordinate
columns, GEOS only for the awkward shapes."""

import numpy as np
import shapely

from hca.engine.candidates import FeatureIndex
from hca.engine.intervals import groups
from hca.engine.network import Network, norm
from hca.engine.vertices import Vertices


def nearest(net: Network, features, corridor: float):
    """For every (pipeline, feature) within ``corridor``: the distance and
    the chainage of the feature's nearest point on the pipeline.
    ``features``: a FeatureIndex (a layer's, built once: ``Layer.index``) or
    the geometries.

    Candidates come from one bulk query of the features' tree with the
    segments' boxes grown by ``corridor`` (boxes only: cheap; the tree holds
    only the features in the grid cells those boxes reach). Each
    feature's box centre ``c`` and half-diagonal ``rho`` bound its true
    distance to a segment between ``d(c) - rho`` and ``d(c) + rho``, which
    drops the segments that cannot be a feature's nearest. The rest are
    exact: points in closed form; simple polygons clear of the segment in
    numpy over their vertices (and, near a segment's ends, its end points
    against their edges); only polygons touching a segment, with holes or in
    parts go to GEOS. Rows come out ordered by feature, then pipeline.
    """
    empty = np.empty(0, int), np.empty(0, int), np.empty(0), np.empty(0)
    index = features if isinstance(features, FeatureIndex) else FeatureIndex(features)
    geoms = index.geoms
    if not len(geoms) or not len(net.geoms):
        return empty
    seg, feat = index.candidates(net, corridor)
    if not len(seg):
        return empty
    # Coordinates as separate x and y columns: gathers and arithmetic on
    # contiguous 1-D arrays are several times cheaper than on (n, 2) rows.
    r = index.rho[feat]
    ux, uy, length = net.ux[seg], net.uy[seg], net.length[seg]
    sx, sy = index.cx[feat] - net.ax[seg], index.cy[feat] - net.ay[seg]
    along = sx * ux + sy * uy
    t = np.clip(along, 0.0, length)
    d_c = norm(along - t, sx * uy - sy * ux)
    # A feature that lies wholly beyond a segment's end is nearest to that end,
    # which is also the start of the next segment: that pair gives the same
    # distance and chainage (or a better one), so this one can go. (One
    # direction only: at a sharp bend a feature can lie beyond the end of one
    # segment and before the start of the next.)
    keep = np.flatnonzero((d_c - r <= corridor) & ~((along - r >= length) & net.has_next[seg]))
    seg, feat, d_c, t, r, along, length = (x[keep] for x in (seg, feat, d_c, t, r, along, length))
    # Group the pairs by (pipeline, feature); in each, drop the segments whose
    # lower bound exceeds the group's best upper bound.
    pipe = net.pipe[seg]
    key = feat.astype(np.int64) * len(net.pipe_length) + pipe
    # By feature, pipeline, then segment: the pairs come by feature already,
    # which a stable (merging) sort turns to account.
    order = np.argsort(key * len(net.geoms) + seg, kind="stable")
    first, group = groups(key[order])
    keep = order[(d_c - r)[order] <= np.minimum.reduceat((d_c + r)[order], first)[group]]
    seg, feat, d_c, t, r, along, length, pipe, key = (x[keep] for x in (seg, feat, d_c, t, r, along, length, pipe, key))
    dist, where = d_c.copy(), t.copy()
    shaped = r > 0
    if shaped.any():
        vertices = index.vertices_for(feat[shaped])
        clear = shaped & (d_c - r > 0)
        clear[clear] = vertices.simple[feat[clear]]
        # Wholly beside the segment's interior: the nearest point is a vertex's foot.
        beside = clear & (along - r > 0) & (along + r < length)
        k = np.flatnonzero(beside)
        if len(k):
            dist[k], where[k] = _polygon_beside_segment(net, seg[k], vertices, feat[k])
        # Wholly before the start (or beyond the end): the nearest point is that end.
        for end, at_start in ((along + r <= 0, True), (along - r >= length, False)):
            k = np.flatnonzero(clear & ~beside & end)
            if len(k):
                s_k = seg[k]
                x, y = (net.ax[s_k], net.ay[s_k]) if at_start else (net.bx[s_k], net.by[s_k])
                dist[k] = _point_to_polygon(x, y, vertices, feat[k])
                where[k] = 0.0 if at_start else length[k]
            beside |= clear & end
        k = np.flatnonzero(clear & ~beside)
        if len(k):
            dist[k], where[k] = _polygon_to_segment(net, seg[k], vertices, feat[k])
        # The rest (touching or crossing the segment, holes, multi-parts): GEOS.
        k = np.flatnonzero(shaped & ~clear)
        if len(k):
            s_k = seg[k]
            line = shapely.shortest_line(net.geoms[s_k], geoms[feat[k]])
            on_seg = shapely.get_coordinates(line)[0::2]
            dist[k] = shapely.length(line)
            offset = (on_seg[:, 0] - net.ax[s_k]) * net.ux[s_k] + (on_seg[:, 1] - net.ay[s_k]) * net.uy[s_k]
            where[k] = np.clip(offset, 0, length[k])
    # The nearest segment of each group (the first one at the least distance).
    first, group = groups(key)
    best = np.minimum.reduceat(dist, first)
    hits = np.flatnonzero(dist == best[group])
    pick = hits[np.searchsorted(group[hits], np.arange(len(first)))]
    pick = pick[best <= corridor]
    chain = np.minimum(net.c0[seg[pick]] + where[pick], net.pipe_length[pipe[pick]])
    return pipe[pick], feat[pick], dist[pick], chain


def _polygon_beside_segment(net: Network, seg: np.ndarray, vertices: Vertices, feat: np.ndarray):
    """Distance and offset of the nearest point for polygons that lie wholly
    on one side of the segment's line and project inside the segment: the
    nearest vertex to the line, and its foot."""
    pair, vertex, row_start = vertices.rows(feat)
    seg_row = seg[pair]
    ux, uy = net.ux[seg_row], net.uy[seg_row]
    rx, ry = vertices.x[vertex] - net.ax[seg_row], vertices.y[vertex] - net.ay[seg_row]
    d_row = np.abs(rx * uy - ry * ux)
    d_min = np.minimum.reduceat(d_row, row_start)
    first_hit = _first_hits(d_row, d_min, pair, len(seg))
    t = rx[first_hit] * ux[first_hit] + ry[first_hit] * uy[first_hit]
    return d_min, t


def _point_to_polygon(x: np.ndarray, y: np.ndarray, vertices: Vertices, feat: np.ndarray) -> np.ndarray:
    """Distance from each point to the boundary of its simple polygon."""
    pair, vertex, row_start = vertices.rows(feat)
    d_row = _point_to_edge(
        x[pair], y[pair], vertices.x[vertex], vertices.y[vertex], vertices.x[vertex + 1], vertices.y[vertex + 1]
    )
    return np.minimum.reduceat(d_row, row_start)


def _polygon_to_segment(net: Network, seg: np.ndarray, vertices: Vertices, feat: np.ndarray):
    """Distance from each segment to a polygon that neither touches nor
    contains it, and the offset of the nearest point on the segment: the
    nearest pair of points is a polygon vertex and its projection on the
    segment, or a segment end and its projection on a polygon edge."""
    pair, vertex, row_start = vertices.rows(feat)
    # a vertex (px, py) and the edge from it to (qx, qy)
    px, py, qx, qy = vertices.x[vertex], vertices.y[vertex], vertices.x[vertex + 1], vertices.y[vertex + 1]
    seg_row = seg[pair]
    ax, ay, bx, by = net.ax[seg_row], net.ay[seg_row], net.bx[seg_row], net.by[seg_row]
    ux, uy, length = net.ux[seg_row], net.uy[seg_row], net.length[seg_row]
    t_v = np.clip((px - ax) * ux + (py - ay) * uy, 0.0, length)
    d_v = norm(px - ax - ux * t_v, py - ay - uy * t_v)
    d_a = _point_to_edge(ax, ay, px, py, qx, qy)
    d_b = _point_to_edge(bx, by, px, py, qx, qy)
    d_row = np.minimum(np.minimum(d_v, d_a), d_b)
    t_row = np.where(d_row == d_v, t_v, np.where(d_row == d_a, 0.0, length))
    # Rows are grouped by pair: the minimum of each group, and the offset where it is reached.
    d_min = np.minimum.reduceat(d_row, row_start)
    return d_min, t_row[_first_hits(d_row, d_min, pair, len(seg))]


def _first_hits(d_row, d_min, pair, count):
    """For rows grouped by pair: the first row of each pair reaching the pair's minimum."""
    hits = np.flatnonzero(d_row == d_min[pair])
    return hits[np.searchsorted(pair[hits], np.arange(count))]


def _point_to_edge(x, y, px, py, qx, qy):
    """Distance from points (x, y) to edges (px, py)-(qx, qy), row-wise."""
    ex, ey = qx - px, qy - py
    length2 = ex * ex + ey * ey
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.clip(((x - px) * ex + (y - py) * ey) / length2, 0.0, 1.0)
    s = np.where(length2 > 0, s, 0.0)
    return norm(x - px - ex * s, y - py - ey * s)
