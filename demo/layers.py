"""Reference GIS layers for the demo city, and its HCA identification.

About 40 villages and towns stand along the pipelines (between ~15 m and
~600 m from a line; a few towns with 4–12 storey blocks), with schools,
clinics, markets, fuel stations, oil depots and other sites, settlements,
four rivers, two reservoirs and a water source, three protected areas in
the north-east, an expressway, two national roads, a provincial road and
a railway. The HCA pages then show what a city's first identification
would: class-3 and class-4 locations, river and road crossings, villages
that stay class 1 or 2.

Everything is laid out in metres (``settings.METRIC_SRID``) around the
demo pipelines, from ``numpy.random.default_rng`` seeded with the demo's
seed, and stored in EPSG:4326: the same seed and pipelines give the same
features with the same ids. No building stands within
``BUILDING_CLEARANCE_M`` of any pipeline, so identification reports no
encroachment and the demo's hazards stay exactly as built.
"""

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from demo import names
from demo.builder import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN
from hca.choices import RuleSet, RunTrigger
from hca.loading import medium_group, to_metric, to_wgs84
from hca.models import Encroachment, HcaAssessment, HcaReview, HcaRule, HcaRun, HcaSegment
from hca.rules_data import hca_rules_install
from hca.services import hca_identify
from layers.models import Building, ProtectedArea, Road, Settlement, Site, WaterBody
from pipelines.models import Pipeline, PipelineStatus

BUILDING_CLEARANCE_M = 6.0  # the encroachment strip is 5 m
SITE_CLEARANCE_M = 12.0
WATERSIDE_CLEARANCE_M = 25.0  # no houses on a river bank or a road
STREAM = 7_031  # the layers' own random stream, apart from the rest of the demo
BATCH = 500

# (layer, model, id prefix, id digits)
LAYERS = (
    ("buildings", Building, "B", 6),
    ("sites", Site, "S", 4),
    ("settlements", Settlement, "V", 4),
    ("water", WaterBody, "W", 3),
    ("protected_areas", ProtectedArea, "P", 3),
    ("roads", Road, "R", 3),
)

# Places the demo leaves empty (lon, lat boxes): the HCA tests draw their own
# pipelines and features there (tests/test_hca_identify.py around x = 650 000,
# y = 4 150 000 in EPSG:4548; the default route of tests/factories.py) and
# expect to find only those.
KEEP_OUT = ((118.675, 37.445, 118.755, 37.510), (118.48, 37.385, 118.57, 37.435))


# --- the pipelines --------------------------------------------------------


@dataclass(frozen=True)
class DemoPipe:
    code: str
    route: shapely.Geometry  # the whole route, metres
    line: shapely.LineString  # its longest part, metres (for chainage)
    group: str  # "oil", "gas", or "" when no HCA rule applies
    assessed: bool  # abandoned lines are not identified


def demo_pipes() -> list[DemoPipe]:
    rows = list(Pipeline.objects.order_by("code").values_list("code", "medium", "status", "route"))
    routes = to_metric(np.array([shapely.from_wkb(bytes(r[3].wkb)) for r in rows], dtype=object))
    pipes = []
    for (code, medium, status, _route), route in zip(rows, routes, strict=True):
        parts = shapely.get_parts(route)
        line = max(parts, key=lambda p: p.length)
        pipes.append(DemoPipe(code, route, line, medium_group(medium), status != PipelineStatus.ABANDONED))
    return pipes


# --- features ---------------------------------------------------------------


@dataclass
class Feature:
    name: str
    geom: shapely.Geometry  # metres
    attrs: dict = field(default_factory=dict)


@dataclass
class DemoLayers:
    """Features by layer, in metres; ids are given by position in each list."""

    layers: dict[str, list[Feature]]

    def source_ids(self, layer: str) -> list[str]:
        prefix, digits = next((p, d) for name, _m, p, d in LAYERS if name == layer)
        return [f"{prefix}{i:0{digits}d}" for i in range(1, len(self.layers[layer]) + 1)]

    def counts(self) -> dict[str, int]:
        return {name: len(self.layers[name]) for name, *_ in LAYERS}

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name, *_ in LAYERS:
            features = self.layers[name]
            wkb = shapely.to_wkb(np.array([f.geom for f in features], dtype=object))
            for sid, feature, blob in zip(self.source_ids(name), features, wkb, strict=True):
                digest.update(repr((sid, feature.name, sorted(feature.attrs.items()))).encode())
                digest.update(blob)
        return digest.hexdigest()


# --- geometry helpers --------------------------------------------------------


def _metric(lonlat) -> np.ndarray:
    """(n, 2) lon/lat pairs to (n, 2) metres."""
    points = shapely.points(np.asarray(lonlat, dtype=float))
    return shapely.get_coordinates(to_metric(np.atleast_1d(points)))


def _metric_box(lon0, lat0, lon1, lat1) -> shapely.Polygon:
    box = shapely.segmentize(shapely.box(lon0, lat0, lon1, lat1), 0.01)
    return to_metric(np.array([box], dtype=object))[0]


def _chaikin(coords: np.ndarray, rounds: int = 3) -> np.ndarray:
    for _ in range(rounds):
        q = 0.75 * coords[:-1] + 0.25 * coords[1:]
        r = 0.25 * coords[:-1] + 0.75 * coords[1:]
        inner = np.empty((2 * len(q), 2))
        inner[0::2], inner[1::2] = q, r
        coords = np.vstack([coords[:1], inner, coords[-1:]])
    return coords


def _meander(rng, waypoints, *, amplitude: float, smooth: float = 2_500.0, step: float = 200.0) -> np.ndarray:
    """A smooth line through the waypoints (lon, lat) that wanders to
    either side by up to about ``amplitude`` metres (smoothed noise, so no
    two bends are alike); metres."""
    base = shapely.LineString(_chaikin(_metric(waypoints)))
    s = np.append(np.arange(0.0, base.length, step), base.length)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(base, s))
    tangent = np.gradient(xy, axis=0)
    tangent /= np.hypot(*tangent.T)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    offset = np.zeros(len(s))
    for scale, share in ((smooth, 1.0), (smooth / 5, 0.2)):  # broad bends, and small ones on them
        half = int(3 * scale / step)
        kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / scale) ** 2)
        noise = np.convolve(rng.normal(0, 1, len(s) + 2 * half), kernel, mode="valid")
        offset += share * amplitude * noise / max(np.abs(noise).max(), 1e-9)
    return xy + normal * offset[:, None]


def _blob(rng, center, rx: float, ry: float, *, angle: float = 0.0, rough: float = 0.12, n: int = 48):
    """An irregular oval: a reservoir, a wetland, a forest; metres."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = np.ones(n)
    for k in range(2, 6):
        radius += rng.uniform(0, rough) / (k - 1) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    x, y = rx * radius * np.cos(theta), ry * radius * np.sin(theta)
    c, s = math.cos(angle), math.sin(angle)
    ring = np.column_stack([center[0] + c * x - s * y, center[1] + s * x + c * y])
    return shapely.make_valid(shapely.Polygon(ring))


def _rectangles(center: np.ndarray, along: np.ndarray, width: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Rectangles (footprints) centred at ``center`` with their long side along unit vectors ``along``."""
    across = np.column_stack([-along[:, 1], along[:, 0]])
    corners = []
    for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)):
        corners.append(center + along * (su * width / 2)[:, None] + across * (sv * depth / 2)[:, None])
    return shapely.polygons(np.stack(corners, axis=1))


def _pieces(lines) -> tuple[np.ndarray, np.ndarray]:
    """(Multi)lines as their straight pieces, and the line each belongs to:
    distance queries in an STRtree of pieces stay local and fast."""
    parts, owner = shapely.get_parts(np.array(lines, dtype=object), return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    pieces = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    return pieces, owner[part[:-1][same]]


# --- the city -----------------------------------------------------------------


class City:
    """The pipelines and what placement must respect: the city's extent,
    the places kept empty, and (once drawn) the roads, rivers and lakes."""

    def __init__(self, pipes: list[DemoPipe]):
        self.pipes = pipes
        self.pieces, self.piece_pipe = _pieces([p.route for p in pipes])
        self.tree = shapely.STRtree(self.pieces)
        self.extent = _metric_box(LON_MIN, LAT_MIN, LON_MAX, LAT_MAX)
        self.inner = self.extent.buffer(-1_500)
        self.keep_out = shapely.union_all([_metric_box(*box).buffer(300) for box in KEEP_OUT])
        self.xmin, self.ymin, self.xmax, self.ymax = self.inner.bounds
        self.lines = self.pools = shapely.STRtree([])

    def obstacles_set(self, lines: list[shapely.Geometry], pools: list[shapely.Geometry]) -> None:
        self.lines, self.pools = shapely.STRtree(_pieces(lines)[0]), shapely.STRtree(pools)

    def dry(self, geom, metres: float = WATERSIDE_CLEARANCE_M) -> bool:
        """Off the roads and river banks and out of the water."""
        return not (
            len(self.lines.query(geom, predicate="dwithin", distance=metres))
            or len(self.pools.query(geom, predicate="intersects"))
        )

    def allowed(self, geom) -> bool:
        return self.inner.contains(geom) and not self.keep_out.intersects(geom)

    def clear_of_pipes(self, geom, metres: float) -> bool:
        return not len(self.tree.query(geom, predicate="dwithin", distance=metres))

    def random_point(self, rng) -> shapely.Point:
        while True:
            point = shapely.Point(rng.uniform(self.xmin, self.xmax), rng.uniform(self.ymin, self.ymax))
            if self.allowed(point):
                return point

    def frame(self, pipe: DemoPipe, chainage: float, side: int):
        """A point on the line and the unit vectors along it and out to ``side``."""
        p = np.array(pipe.line.interpolate(chainage).coords[0])
        q = np.array(pipe.line.interpolate(min(chainage + 20.0, pipe.line.length)).coords[0])
        if np.allclose(p, q):
            q = p + np.array([1.0, 0.0])
        along = (q - p) / np.hypot(*(q - p))
        return p, along, side * np.array([-along[1], along[0]])


def _lines_within_city(city: City, coords: np.ndarray):
    """The part of a road or river inside the city (the routes are drawn
    to stay clear of the places kept empty; this is the safety net)."""
    line = shapely.LineString(coords).intersection(city.extent)
    if city.keep_out.intersects(line):
        line = line.difference(city.keep_out)
    return line


# --- roads, water, protected areas ----------------------------------------------

# The roads and rivers follow the real ones' general course (waypoints lon, lat);
# county and village roads are not stored (rule O-d only counts the four classes).
ROADS = [
    (
        "荣乌高速(G18)",
        "荣乌高速",
        "expressway",
        [(119.16, 37.18), (118.96, 37.26), (118.80, 37.33), (118.62, 37.47), (118.45, 37.58), (118.14, 37.66)],
    ),
    (
        "国道G220东深线",
        "东深线",
        "national",
        [(118.66, 38.06), (118.62, 37.85), (118.60, 37.62), (118.63, 37.40), (118.60, 37.20), (118.50, 36.94)],
    ),
    (
        "国道G228丹东线",
        "丹东线",
        "national",
        [(119.00, 38.06), (118.96, 37.85), (118.90, 37.62), (118.88, 37.40), (118.92, 37.18), (118.96, 36.94)],
    ),
    (
        "省道S316滨港路",
        "滨港路",
        "provincial",
        [(118.14, 37.88), (118.35, 37.86), (118.55, 37.83), (118.75, 37.89), (118.98, 37.95), (119.16, 38.00)],
    ),
    (
        "德大铁路",
        "德大铁路",
        "railway",
        [(118.14, 37.31), (118.32, 37.30), (118.52, 37.27), (118.76, 37.21), (118.98, 37.14), (119.16, 37.10)],
    ),
]
RIVERS = [
    (
        "黄河",
        [
            *((118.14, 37.33), (118.24, 37.44), (118.36, 37.54), (118.52, 37.62)),
            *((118.70, 37.68), (118.86, 37.72), (119.00, 37.75), (119.16, 37.77)),
        ],
        1_500.0,
    ),
    ("小清河", [(118.14, 37.04), (118.34, 37.10), (118.56, 37.16), (118.78, 37.23), (119.16, 37.28)], 700.0),
    (
        "广利河",
        [
            *((118.30, 37.46), (118.47, 37.462), (118.60, 37.445), (118.66, 37.425)),
            *((118.75, 37.415), (118.90, 37.39), (119.16, 37.37)),
        ],
        450.0,
    ),
    ("神仙沟", [(118.58, 37.78), (118.72, 37.84), (118.86, 37.92), (119.00, 37.99), (119.10, 38.06)], 400.0),
]
# name, water type, (lon, lat), half-axes (m), angle (degrees)
WATER_AREAS = [
    ("广南水库", "reservoir_large", (118.95, 37.32), (2_400, 1_500), 20),
    ("耿井水库", "reservoir_medium", (118.47, 37.23), (1_300, 900), -15),
    ("南郊水源地", "water_source", (118.40, 37.45), (700, 500), 35),
]
PROTECTED = [
    ("黄河三角洲国家级自然保护区(大汶流湿地)", "wetland", (119.07, 37.79), (5_500, 9_000), 25),
    ("孤岛万亩槐林", "forest", (118.83, 37.82), (2_600, 1_600), 10),
    ("黄河口河口生态区", "estuary", (119.11, 37.75), (2_500, 1_800), 0),
]


def _roads(rng, city: City) -> list[Feature]:
    roads = []
    for name, _short, road_class, waypoints in ROADS:
        wander = 60.0 if road_class in ("expressway", "railway") else 120.0
        coords = _meander(rng, waypoints, amplitude=wander, smooth=1_500.0)
        roads.append(Feature(name, _lines_within_city(city, coords), {"road_class": road_class}))
    return roads


def _least_crossed(rng, city: City, center, rx, ry, angle) -> shapely.Geometry:
    """The oval near ``center`` that the fewest pipelines cross (reservoirs
    and reserves are not where pipelines are laid if it can be helped)."""
    best = (math.inf, _blob(rng, center, rx, ry, angle=math.radians(angle)).difference(city.keep_out))
    for _ in range(12):
        shift = center + rng.uniform(-1, 1, 2) * np.array([rx, ry])
        shape = _blob(rng, shift, rx, ry, angle=math.radians(angle))
        crossings = len(set(city.piece_pipe[city.tree.query(shape, predicate="intersects")]))
        if crossings < best[0] and not city.keep_out.intersects(shape):
            best = (crossings, shape)
    return best[1].intersection(city.extent)


def _water(rng, city: City) -> list[Feature]:
    water = []
    for name, waypoints, amplitude in RIVERS:
        coords = _meander(rng, waypoints, amplitude=amplitude)
        water.append(Feature(name, _lines_within_city(city, coords), {"water_type": "river"}))
    for name, water_type, lonlat, (rx, ry), angle in WATER_AREAS:
        shape = _least_crossed(rng, city, _metric([lonlat])[0], rx, ry, angle)
        water.append(Feature(name, shape, {"water_type": water_type}))
    return water


def _protected_areas(rng, city: City) -> list[Feature]:
    areas = []
    for name, area_type, lonlat, (rx, ry), angle in PROTECTED:
        center = _metric([lonlat])[0]
        shape = _blob(rng, center, rx, ry, angle=math.radians(angle), rough=0.18, n=64).intersection(city.extent)
        areas.append(Feature(name, shape, {"area_type": area_type}))
    return areas


# --- villages and towns ------------------------------------------------------

# kind, how many, buildings (min, max), gap between the line and the nearest row (m, min-max)
VILLAGE_PLANS = [
    ("town_tall", 5, (140, 210), (20, 70)),
    ("town", 3, (150, 230), (20, 60)),
    ("village_big", 13, (80, 150), (15, 60)),
    ("village", 11, (20, 70), (20, 170)),
    ("village_far", 8, (20, 100), (260, 600)),
]
VILLAGE_SUFFIXES = ["", "", "", "庄", "家", "家庄", "屯", "营"]
VILLAGE_PREFIXES = ["东", "西", "南", "北", "前", "后", "大", "小", "新", "老"]
NUMBERED = ["三", "四", "五", "六", "八", "十", "十四", "十八", "二十", "二十八", "三十", "五十"]
COMMUNITIES = ["幸福", "和顺", "康居", "锦华", "金湖", "育才", "滨河", "油城", "石油", "新苑"]


@dataclass
class Village:
    name: str
    kind: str
    buildings: list[Feature]
    hull: shapely.Geometry

    @property
    def is_town(self) -> bool:
        return self.kind.startswith("town")


class VillageNames:
    def __init__(self, rng):
        self.rng = rng
        self.used: set[str] = set()
        self.towns = [p for p in names.PLACES if p not in ("东营港", "黄河口")]
        self.rng.shuffle(self.towns)

    def _unique(self, make) -> str:
        while True:
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name

    def town(self) -> str:
        return self._unique(lambda: (self.towns.pop() + "镇") if self.towns else self.village()[:-1] + "镇")

    def village(self) -> str:
        rng = self.rng

        def make():
            surname = names.SURNAMES[rng.integers(len(names.SURNAMES))]
            pattern = rng.integers(10)
            if pattern < 5:
                return surname + VILLAGE_SUFFIXES[rng.integers(len(VILLAGE_SUFFIXES))] + "村"
            if pattern < 8:
                return VILLAGE_PREFIXES[rng.integers(len(VILLAGE_PREFIXES))] + surname + "村"
            return NUMBERED[rng.integers(len(NUMBERED))] + "户村"

        return self._unique(make)


def _house_grid(rng, n: int, *, aspect=(1.2, 2.4), cell=(24.0, 30.0)) -> np.ndarray:
    """``n`` house positions (u along the line, v away from it, v ≥ 0):
    a grid of courtyards in an irregular oval stretched along the line."""
    aspect = rng.uniform(*aspect)
    area = n * cell[0] * cell[1]
    a = math.sqrt(area * aspect / math.pi)
    b = a / aspect
    nu, nv = int(a / cell[0]) + 3, int(b / cell[1]) + 3
    u, v = np.meshgrid(np.arange(-nu, nu + 1) * cell[0], np.arange(-nv, nv + 1) * cell[1])
    u, v = u.ravel(), v.ravel()
    score = (u / a) ** 2 + (v / b) ** 2 + rng.normal(0, 0.12, len(u))
    pick = np.argsort(score, kind="stable")[:n]
    u, v = u[pick], v[pick]
    return np.column_stack([u, v - v.min()]) + rng.uniform(-2, 2, (n, 2))


def _village_layout(rng, kind: str, n: int) -> dict[str, np.ndarray]:
    """Local positions (u along the line, v away from it), footprints,
    floors and households of a village's ``n`` buildings. A town with tall
    blocks has its new residential quarter beside the old town."""
    town = kind.startswith("town")
    blocks = int(rng.integers(10, 19)) if kind == "town_tall" else 0
    per_row = int(rng.integers(3, 5))
    i = np.arange(blocks)
    block_floors = rng.choice([4, 5, 6, 6, 6, 7, 9, 11, 11, 12], blocks)
    low = n - blocks
    uv = _house_grid(rng, low, aspect=(1.2, 2.0) if town else (1.8, 3.4))
    if blocks:
        uv[:, 0] += (min(blocks, per_row) - 1) * 80.0 + 80.0 - uv[:, 0].min()
    low_floors = rng.choice([1, 2, 3], low, p=[0.4, 0.4, 0.2] if town else [0.75, 0.22, 0.03])
    floors = np.concatenate([block_floors, low_floors])
    households = np.concatenate(
        [block_floors * rng.choice([4, 4, 6, 8], blocks), np.where(rng.random(low) < (0.25 if town else 0.2), 2, 1)]
    )
    return {
        "u": np.concatenate([(i % per_row) * 80.0, uv[:, 0]]),
        "v": np.concatenate([(i // per_row) * 48.0, uv[:, 1]]),
        "width": np.concatenate([rng.uniform(48, 66, blocks), rng.uniform(10, 15, low)]),
        "depth": np.concatenate([rng.uniform(11, 14, blocks), rng.uniform(8, 10, low)]),
        "floors": floors,
        "households": households,
        "residents": households * rng.integers(2, 6, n),
        "blocks": blocks,
    }


def _place_village(rng, city: City, pipe: DemoPipe, kind: str, n: int, gap: float):
    """Footprints and layout of a village ``gap`` metres off ``pipe``, and its outline."""
    chainage = rng.uniform(0.15, 0.85) * pipe.line.length
    origin, along, out = city.frame(pipe, chainage, 1 if rng.random() < 0.5 else -1)
    layout = _village_layout(rng, kind, n)
    u = layout["u"] - (layout["u"].min() + layout["u"].max()) / 2
    centers = origin + np.outer(u, along) + np.outer(gap + layout["v"], out)
    tilt = rng.uniform(-0.15, 0.15)
    c, s = math.cos(tilt), math.sin(tilt)
    axis = np.tile([c * along[0] - s * along[1], s * along[0] + c * along[1]], (n, 1))
    footprints = _rectangles(centers, axis, layout["width"], layout["depth"])
    return footprints, layout, shapely.convex_hull(shapely.multipoints(centers))


def _villages(rng, city: City) -> list[Village]:
    village_names = VillageNames(rng)
    near_ones = [p for p in city.pipes if p.assessed and p.group and p.line.length > 4_000]
    any_ones = [p for p in city.pipes if p.line.length > 3_000]
    villages: list[Village] = []
    taken = shapely.Polygon()
    for kind, count, (n_min, n_max), (gap_min, gap_max) in VILLAGE_PLANS:
        pool = any_ones if kind in ("village", "village_far") else near_ones
        for _ in range(count):
            for _attempt in range(100):
                pipe = pool[rng.integers(len(pool))]
                n, gap = int(rng.integers(n_min, n_max + 1)), rng.uniform(gap_min, gap_max)
                footprints, layout, hull = _place_village(rng, city, pipe, kind, n, gap)
                if city.allowed(hull) and not hull.buffer(400).intersects(taken):
                    break
            else:
                continue
            taken = taken.union(hull)
            name = village_names.town() if kind.startswith("town") else village_names.village()
            community = COMMUNITIES[rng.integers(len(COMMUNITIES))]
            labels = [f"{name}{community}小区{k + 1}号楼" for k in range(layout["blocks"])]
            labels += [f"{name}{k + 1}号" for k in range(n - layout["blocks"])]
            buildings = [
                Feature(label, geom, {"floors": int(f), "households": int(h), "residents": int(r)})
                for label, geom, f, h, r in zip(
                    labels, footprints, layout["floors"], layout["households"], layout["residents"], strict=True
                )
            ]
            villages.append(Village(name, kind, buildings, hull))
    _clear_buildings(city, villages)
    return [v for v in villages if v.buildings]


def _clear_buildings(city: City, villages: list[Village]) -> None:
    """Drop the buildings within the clearance of a pipeline (all of them,
    abandoned ones included), on a river bank or a road, or in the water."""
    geoms = np.array([b.geom for v in villages for b in v.buildings], dtype=object)
    owner = np.repeat(np.arange(len(villages)), [len(v.buildings) for v in villages])
    drop = np.zeros(len(geoms), bool)
    drop[city.tree.query(geoms, predicate="dwithin", distance=BUILDING_CLEARANCE_M)[0]] = True
    drop[city.lines.query(geoms, predicate="dwithin", distance=WATERSIDE_CLEARANCE_M)[0]] = True
    drop[city.pools.query(geoms, predicate="intersects")[0]] = True
    for k, village in enumerate(villages):
        keep = ~drop[owner == k]
        village.buildings = [b for b, ok in zip(village.buildings, keep, strict=True) if ok]
        if village.buildings:
            village.hull = shapely.convex_hull(shapely.multipolygons([b.geom for b in village.buildings]))


# --- sites ---------------------------------------------------------------------

# site type, how many, where: near a village ("village") or a town ("town"),
# along a road ("road"), at a pipeline hub ("hub"), near a pipeline ("pipe")
# or anywhere in the city ("open", half of them near a pipeline)
SITE_PLANS = [
    ("school", 22, "village"),
    ("kindergarten", 14, "village"),
    ("hospital", 10, "town"),
    ("care_home", 8, "village"),
    ("prison", 1, "open"),
    ("mall", 5, "town"),
    ("market", 14, "village"),
    ("temple", 6, "open"),
    ("sports_ground", 6, "town"),
    ("square", 10, "town"),
    ("recreation", 6, "open"),
    ("theatre", 4, "town"),
    ("campsite", 2, "open"),
    ("fuel_station", 24, "road"),
    ("oil_depot", 8, "hub"),
    ("flammable_site", 10, "pipe"),
]
# {v}: the nearest village or town, {r}: the road, {h}: the pipeline hub
SITE_NAMES = {
    "school": ["{v}小学", "{v}小学", "{v}中学", "{v}中心小学", "{v}学校"],
    "kindergarten": ["{v}幼儿园", "{v}中心幼儿园", "{v}阳光幼儿园"],
    "hospital": ["{v}卫生院", "{v}中心医院", "{v}人民医院分院"],
    "care_home": ["{v}幸福院", "{v}敬老院", "{v}养老服务中心"],
    "prison": ["黄河三角洲监狱"],
    "mall": ["{v}购物中心", "{v}百货大楼", "{v}万家超市"],
    "market": ["{v}大集", "{v}农贸市场", "{v}农贸市场"],
    "temple": ["{v}关帝庙", "{v}娘娘庙", "{v}龙王庙", "{v}观音寺", "{v}天齐庙"],
    "sports_ground": ["{v}体育场", "{v}全民健身中心", "{v}中学运动场"],
    "square": ["{v}文化广场", "{v}人民广场", "{v}文化广场"],
    "recreation": ["{v}湿地公园", "{v}生态园", "{v}垂钓园", "{v}农家乐"],
    "theatre": ["{v}影剧院", "{v}文化中心剧场"],
    "campsite": ["黄河口露营基地", "{v}房车营地"],
    "fuel_station": ["中国石化{v}加油站", "中国石油{v}加油站", "{v}加油站", "{r}{v}加油站"],
    "oil_depot": ["{h}油库", "{h}成品油库", "{h}原油储备库"],
    "flammable_site": ["{v}液化气站", "{v}CNG加气站", "{v}化工有限公司罐区", "{v}烟花爆竹仓库"],
}
# Sites drawn as footprints (metres); the others are points.
SITE_SIZES = {
    "school": (120, 90),
    "hospital": (90, 70),
    "mall": (80, 60),
    "sports_ground": (180, 110),
    "square": (100, 80),
    "oil_depot": (220, 160),
    "prison": (400, 300),
}


class Sites:
    def __init__(self, rng, city: City, villages: list[Village], roads: list[Feature]):
        self.rng, self.city, self.villages, self.roads = rng, city, villages, roads
        self.houses = shapely.STRtree([b.geom for v in villages for b in v.buildings])
        self.towns = [v for v in villages if v.is_town] or villages
        self.centroids = np.array([v.hull.centroid.coords[0] for v in villages])

    def nearest_village(self, point: shapely.Point) -> Village:
        d = np.hypot(*(self.centroids - np.array(point.coords[0])).T)
        return self.villages[int(np.argmin(d))]

    def _near(self, anchor: shapely.Geometry, r_min: float, r_max: float) -> shapely.Point | None:
        rng = self.rng
        for _ in range(40):
            base = anchor.centroid if anchor.geom_type != "Point" else anchor
            if anchor.geom_type in ("LineString", "MultiLineString"):
                base = shapely.line_interpolate_point(anchor, rng.uniform(0.05, 0.95), normalized=True)
            angle = rng.uniform(0, 2 * np.pi)
            r = rng.uniform(r_min, r_max)
            point = shapely.Point(base.x + r * math.cos(angle), base.y + r * math.sin(angle))
            if self.city.allowed(point) and self.clear(point):
                return point
        return None

    def clear(self, geom, metres: float = 10.0) -> bool:
        """Whether ``geom`` keeps clear of the pipelines, the buildings and the water."""
        return (
            self.city.clear_of_pipes(geom, SITE_CLEARANCE_M)
            and not len(self.houses.query(geom, predicate="dwithin", distance=metres))
            and self.city.dry(geom, 20.0)
        )

    def _near_pipe(self) -> shapely.Point | None:
        rng, city = self.rng, self.city
        for _ in range(40):
            pipe = city.pipes[rng.integers(len(city.pipes))]
            origin, _along, out = city.frame(pipe, rng.uniform(0, pipe.line.length), 1 if rng.random() < 0.5 else -1)
            point = shapely.Point(*(origin + out * rng.uniform(20, 190)))
            if city.allowed(point) and self.clear(point):
                return point
        return None

    def place(self, where: str) -> tuple[shapely.Point | None, dict]:
        """A point for a site, and the road or hub it belongs to (for its name)."""
        rng = self.rng
        if where == "village":
            village = self.villages[rng.integers(len(self.villages))]
            return self._near(village.hull, 40, 260), {}
        if where == "town":
            town = self.towns[rng.integers(len(self.towns))]
            return self._near(town.hull, 40, 220), {}
        if where == "road":
            roads = [r for r in self.roads if r.attrs["road_class"] != "railway"]
            road = roads[rng.integers(len(roads))]
            return self._near(road.geom, 30, 45), {"r": next(r[1] for r in ROADS if r[0] == road.name)}
        if where == "hub":
            hub, lon, lat = names.HUBS[rng.integers(len(names.HUBS))]
            return self._near(shapely.Point(*_metric([(lon, lat)])[0]), 150, 900), {"h": hub}
        if where == "pipe" or rng.random() < 0.5:
            return self._near_pipe(), {}
        for _ in range(40):
            point = self.city.random_point(rng)
            if self.clear(point):
                return point, {}
        return None, {}

    def build(self) -> list[Feature]:
        rng = self.rng
        sites = []
        for site_type, count, where in SITE_PLANS:
            for _ in range(count):
                point, context = self.place(where)
                if point is None:
                    continue
                village = self.nearest_village(point)
                words = {"v": village.name.removesuffix("镇"), "r": "", "h": village.name.removesuffix("镇")}
                words.update(context)
                patterns = SITE_NAMES[site_type]
                name = patterns[rng.integers(len(patterns))].format(**words)
                geom = point
                if site_type in SITE_SIZES:
                    w, d = SITE_SIZES[site_type]
                    angle = rng.uniform(0, np.pi)
                    geom = _rectangles(
                        np.array([point.coords[0]]),
                        np.array([[math.cos(angle), math.sin(angle)]]),
                        np.array([float(w)]),
                        np.array([float(d)]),
                    )[0]
                    if not self.clear(geom):
                        geom = point
                sites.append(Feature(name, geom, {"site_type": site_type}))
        return sites


# --- settlements -----------------------------------------------------------------

HAMLETS = 20


def _settlements(rng, city: City, villages: list[Village]) -> list[Feature]:
    """Each village and town (its outline and totals), and hamlets whose
    houses are not in the building survey."""
    settlements = []
    for village in villages:
        households = sum(b.attrs["households"] for b in village.buildings)
        residents = sum(b.attrs["residents"] for b in village.buildings)
        outline = shapely.simplify(village.hull.buffer(20), 5)
        settlements.append(Feature(village.name, outline, {"households": households, "residents": residents}))
    village_names = VillageNames(rng)
    village_names.used |= {v.name for v in villages}
    for _ in range(HAMLETS):
        point = city.random_point(rng)
        while not city.dry(point, 100.0):
            point = city.random_point(rng)
        households = int(rng.choice([rng.integers(8, 50), rng.integers(50, 180)], p=[0.6, 0.4]))
        residents = int(households * rng.uniform(2.6, 3.4))
        settlements.append(Feature(village_names.village(), point, {"households": households, "residents": residents}))
    return settlements


# --- all together ---------------------------------------------------------------


def demo_layers_generate(*, seed: int, pipes: list[DemoPipe]) -> DemoLayers:
    """The demo's layers around ``pipes``, in metres (no database access)."""
    rng = np.random.default_rng([seed, STREAM])
    city = City(pipes)
    roads = _roads(rng, city)
    water = _water(rng, city)
    areas = _protected_areas(rng, city)
    city.obstacles_set(
        [f.geom for f in [*roads, *water] if f.geom.geom_type in ("LineString", "MultiLineString")],
        [f.geom for f in water if f.geom.geom_type in ("Polygon", "MultiPolygon")],
    )
    villages = _villages(rng, city)
    sites = Sites(rng, city, villages, roads).build()
    settlements = _settlements(rng, city, villages)
    return DemoLayers(
        {
            "buildings": [b for v in villages for b in v.buildings],
            "sites": sites,
            "settlements": settlements,
            "water": water,
            "protected_areas": areas,
            "roads": roads,
        }
    )


@transaction.atomic
def demo_layers_build(*, seed: int) -> dict[str, int]:
    """Store the demo's layers (in EPSG:4326); returns the count per layer."""
    generated = demo_layers_generate(seed=seed, pipes=demo_pipes())
    for layer, model, _prefix, _digits in LAYERS:
        features = generated.layers[layer]
        if not features:
            continue
        wgs84 = to_wgs84(np.array([f.geom for f in features], dtype=object))
        rows = [
            model(source_id=sid, name=f.name[:200], geom=GEOSGeometry(memoryview(wkb), srid=4326), **f.attrs)
            for sid, f, wkb in zip(generated.source_ids(layer), features, shapely.to_wkb(wgs84), strict=True)
        ]
        model.objects.bulk_create(rows, batch_size=BATCH)
    return generated.counts()


def demo_hca_identify(*, actor=None) -> dict[str, int]:
    """Identify every pipeline's HCAs under both rule sets, as an inspector
    would after loading the layers; returns the segments per rule set.

    The rule table comes with the migrations; a flushed database has lost it,
    so the defaults that are missing are put back first (edited rules stay)."""
    hca_rules_install(HcaRule)
    counts = {}
    for rule_set in (RuleSet.GB32167, RuleSet.CFR192):
        run, _segments = hca_identify(rule_set=rule_set, trigger=RunTrigger.MANUAL, actor=actor)
        counts[rule_set] = run.segment_count
    return counts


def demo_layers_delete() -> None:
    """Remove the layers and everything identified from them."""
    Encroachment.objects.all().delete()
    HcaReview.objects.all().delete()
    HcaSegment.objects.all().delete()
    HcaAssessment.objects.all().delete()
    HcaRun.objects.all().delete()
    for _layer, model, _prefix, _digits in LAYERS:
        model.objects.all().delete()


def layer_counts() -> dict[str, int]:
    """Features per layer, and HCA segments per rule set."""
    counts = {layer: model.objects.count() for layer, model, _prefix, _digits in LAYERS}
    for rule_set in RuleSet.values:
        counts[rule_set] = HcaSegment.objects.filter(rule_set=rule_set).count()
    return counts
