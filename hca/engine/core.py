"""The fast identification: every rule as bulk array work, then one merge."""

import numpy as np

from hca.engine.collector import collector_paused
from hca.engine.features import Intervals, piece_pairs, pieces_build, stretches
from hca.engine.intervals import coverage_at_least, union_by_key
from hca.engine.location_class import WindowRows, class_regions, window_rows
from hca.engine.merge import Chunk, merge_chunks
from hca.engine.nearest import nearest
from hca.engine.network import network_build
from hca.engine.radius import RADIUS
from hca.engine.types import Layer, PipelineGeom, Reason, Rule, Segment

CLASS_KINDS = ("class_3", "class_4")


class Context:
    """What all rules of one run share: the pipeline network, the
    per-layer pieces and the buildings' nearest points (computed once)."""

    def __init__(self, pipelines: list[PipelineGeom], layers: dict[str, Layer], rules: list[Rule]):
        self.pipelines = pipelines
        self.layers = layers
        self.rules = rules
        self.net = network_build([p.line for p in pipelines])
        self.group = np.array([p.medium_group for p in pipelines], dtype=object)
        self.diameter = np.array([p.diameter_mm for p in pipelines], dtype=float)
        self.pressure = np.array([p.maop_mpa for p in pipelines], dtype=float)
        self._pieces = {}
        self._nearest = {}
        self._windows = {}
        self._pairs: dict[str, list] = {}
        self.class_cuts: dict[str, list[tuple[int, float, float]]] = {}

    def layer(self, name) -> Layer:
        return self.layers.get(name) or Layer.empty(name)

    def pieces(self, name, needed: np.ndarray):
        """The layer's features broken into pieces: those ``needed`` (a mask)
        at least, and those of the earlier calls."""
        have = self._pieces.get(name)
        if have is None or (needed & ~have[0]).any():
            among = needed if have is None else needed | have[0]
            self._pieces[name] = (among, pieces_build(self.layer(name).geoms, np.flatnonzero(among)))
            self._pairs[name] = []  # pairs name pieces by their index
        return self._pieces[name][1]

    def stretches(self, layer_name, feat_mask, radius) -> Intervals:
        finite = radius[np.isfinite(radius)]
        if not len(finite) or not feat_mask.any():
            return Intervals.empty()
        reach = float(finite.max())
        pieces = self.pieces(layer_name, feat_mask)
        # Rules over the same features (or fewer) that look no further share their candidate pairs.
        found = self._pairs.setdefault(layer_name, [])
        pairs = next((p for p in found if p.serves(feat_mask, reach)), None)
        if pairs is None:
            pairs = piece_pairs(self.net, pieces, feat_mask, reach)
            found.append(pairs)
        return stretches(self.net, pieces, feat_mask, radius, pairs)

    def nearest_buildings(self, corridor):
        if corridor not in self._nearest:
            self._nearest[corridor] = nearest(self.net, self.layer("buildings").index, corridor)
        return self._nearest[corridor]

    def window_rows(self, corridor: float, window: float) -> WindowRows:
        """The buildings within ``corridor`` by pipeline and chainage, with
        their windows (shared by the location-class rules of both media)."""
        if (corridor, window) not in self._windows:
            pipe, feat, _dist, chain = self.nearest_buildings(corridor)
            self._windows[corridor, window] = window_rows(
                pipe, feat, chain, n_pipelines=len(self.pipelines), window=window
            )
        return self._windows[corridor, window]

    def applies(self, rule: Rule) -> np.ndarray:
        """Which pipelines the rule's medium and diameter/pressure limits select."""
        mask = self.group == rule.applies_to
        p = rule.params
        if "diameter_gt_mm" in p:
            mask &= self.diameter > p["diameter_gt_mm"]
        if "diameter_lt_mm" in p:
            mask &= self.diameter < p["diameter_lt_mm"]
        if "pressure_gt_mpa" in p:
            mask &= self.pressure > p["pressure_gt_mpa"]
        if "pressure_lt_mpa" in p:
            mask &= self.pressure < p["pressure_lt_mpa"]
        if p.get("otherwise_than"):
            for other in self.rules:
                if other.code in p["otherwise_than"]:
                    mask &= ~self.applies(other)
        return mask

    def radius(self, rule: Rule) -> np.ndarray:
        """Each pipeline's distance for the rule; NaN where it does not apply."""
        mask = self.applies(rule)
        if rule.distance_m is not None:
            value = np.full(len(mask), float(rule.distance_m))
        else:
            formula = RADIUS[rule.params.get("radius", "gb32167")]
            value = np.array([formula(d, p) for d, p in zip(self.diameter, self.pressure, strict=True)])
        return np.where(mask, value, np.nan)


def _feature_chunk(ctx: Context, rule: Rule, layer_name: str, feat_mask, radius) -> tuple[Chunk, Intervals]:
    layer = ctx.layer(layer_name)
    found = ctx.stretches(layer_name, feat_mask, radius)
    return Chunk.from_features(rule, layer, found), found


def _mask(layer: Layer, attr: str, values) -> np.ndarray:
    if not len(layer):
        return np.zeros(0, bool)
    return np.isin(layer.attrs[attr], list(values))


def _class_chunk(ctx: Context, rule: Rule) -> Chunk:
    p = rule.params
    buildings = ctx.layer("buildings")
    if not len(buildings):
        return Chunk.new(rule)
    rows = ctx.window_rows(float(p["corridor_m"]), float(p["window_m"]))
    weight_all = buildings.attrs["households"] if p.get("count") == "households" else np.ones(len(buildings))
    class4 = next(
        (r for r in ctx.rules if r.kind == "class_4" and r.applies_to == rule.applies_to),
        None,
    )
    floors_min = (class4.params if rule.kind == "class_3" and class4 else p).get("floors_min")
    tall_all = buildings.attrs["floors"] >= floors_min if floors_min else np.zeros(len(buildings), bool)
    regions = class_regions(
        rows,
        weight_all[rows.feat],
        tall_all[rows.feat],
        lengths=ctx.net.pipe_length,
        applies=ctx.applies(rule),
        extend=float(p.get("extend_m", p["corridor_m"])),
        minimum=float(p["class3_min"]),
        want_class4=rule.kind == "class_4",
        class4_floors=rule.kind == "class_3" and class4 is not None,
    )
    chunk = Chunk.new(rule)
    cuts = ctx.class_cuts.setdefault(rule.code, [])
    for region in regions:
        # Files mostly number their features in order: in index order, the ids are often sorted already.
        ids = sorted(map(str, buildings.ids[np.sort(region.feat)].tolist()))
        reason = Reason(rule.code, "buildings", ids[0], "", count=region.count, feature_ids=tuple(ids))
        chunk.add(region.pipe, region.start, region.end, reason)
        cuts.append((region.pipe, region.start, region.end))
    return chunk


def _pic_chunk(ctx: Context, rule: Rule) -> Chunk:
    """49 CFR 192.903 method 2: circles on the pipeline holding ≥ N buildings."""
    radius = ctx.radius(rule)
    buildings = ctx.layer("buildings")
    applies = np.isfinite(radius)
    if not len(buildings) or not applies.any():
        return Chunk.new(rule)
    # Only the buildings whose boxes come within the radius of a pipeline it applies to.
    seg, feat = buildings.index.candidates(ctx.net, float(radius[applies].max()))
    near = np.zeros(len(buildings), bool)
    near[feat[applies[ctx.net.pipe[seg]]]] = True
    found = ctx.stretches("buildings", near, radius)
    key = found.pipe * max(len(buildings), 1) + found.feat
    key, start, end = union_by_key(key, found.start, found.end)  # sorted by pipeline
    pipe, feat = key // max(len(buildings), 1), key % max(len(buildings), 1)
    chunk = Chunk.new(rule)
    minimum = int(rule.params.get("buildings_min", 20))
    bounds = np.searchsorted(pipe, np.arange(len(ctx.pipelines) + 1))
    for k in np.unique(pipe):
        here = slice(bounds[k], bounds[k + 1])
        lo, hi = coverage_at_least(start[here], end[here], minimum)
        r, length = float(radius[k]), float(ctx.net.pipe_length[k])
        for a, b in zip(lo, hi, strict=True):
            inside = (start[here] <= b) & (end[here] >= a)
            ids = buildings.ids[feat[here][inside]]
            reason = Reason(rule.code, "buildings", str(min(ids)), "", count=len(ids), feature_ids=tuple(sorted(ids)))
            chunk.add(k, max(a - r, 0.0), min(b + r, length), reason)
    return chunk


def _rule_chunk(ctx: Context, rule: Rule) -> Chunk:
    kind, p = rule.kind, rule.params
    if kind in CLASS_KINDS:
        return _class_chunk(ctx, rule)
    if kind == "pic_buildings":
        return _pic_chunk(ctx, rule)
    radius = ctx.radius(rule)
    if kind == "settlement":
        layer = ctx.layer("settlements")
        mask = (
            (layer.attrs["households"] >= p.get("households_min", 50))
            | (layer.attrs["residents"] >= p.get("residents_min", 200))
            if len(layer)
            else np.zeros(0, bool)
        )
        return _feature_chunk(ctx, rule, "settlements", mask, radius)[0]
    if kind == "road_or_flammable":
        roads = _feature_chunk(ctx, rule, "roads", _mask(ctx.layer("roads"), "road_class", p["road_classes"]), radius)
        sites = _feature_chunk(ctx, rule, "sites", _mask(ctx.layer("sites"), "site_type", p["site_types"]), radius)
        return roads[0].extend(sites[0])
    if kind == "protected_area":
        layer = ctx.layer("protected_areas")
        return _feature_chunk(ctx, rule, "protected_areas", _mask(layer, "area_type", p["area_types"]), radius)[0]
    if kind == "water":
        return _feature_chunk(ctx, rule, "water", _mask(ctx.layer("water"), "water_type", p["water_types"]), radius)[0]
    if kind in ("site_in_radius", "site_within"):
        return _feature_chunk(ctx, rule, "sites", _mask(ctx.layer("sites"), "site_type", p["site_types"]), radius)[0]
    if kind == "flammable_outside_class":
        chunk, _found = _feature_chunk(
            ctx, rule, "sites", _mask(ctx.layer("sites"), "site_type", p["site_types"]), radius
        )
        cuts = [cut for code in p.get("outside_rules", []) for cut in ctx.class_cuts.get(code, [])]
        return chunk.minus(cuts, ctx.net.pipe_length)
    raise ValueError(f"unknown rule kind {kind!r}")


def rule_order(rules: list[Rule]) -> list[Rule]:
    """Location classes first: other rules may refer to their regions."""
    return sorted(rules, key=lambda r: (r.kind not in CLASS_KINDS, r.code))


def identify(
    pipelines: list[PipelineGeom], layers: dict[str, Layer], rules: list[Rule], context=Context
) -> list[Segment]:
    if not pipelines:
        return []
    with collector_paused():
        ctx = context(pipelines, layers, rules)
        chunks = [_rule_chunk(ctx, rule) for rule in rule_order(rules)]
        return merge_chunks(pipelines, ctx.net.pipe_length, chunks)
