#!/usr/bin/env python
"""A seeded, city-scale layer file for the HCA benchmark (bench/hca.py).

    .venv/bin/python -m bench.hca_data OUT.gpkg [--seed 2026] [--buildings 300000]

Writes one GeoPackage in EPSG:4326 with the seven layers of the layer
contract (docs/layers.md) over Dongying (118.15–119.15°E,
36.95–38.05°N):

- pipelines: 161 polylines, over 3,000 km in all, a vertex every 100–300 m,
  gently bending (a mean-reverting heading), oil, gas and a few produced-water
  lines; outer diameters 114–1016 mm, MAOP 1–10 MPa; companies named as the
  demo city's 28 companies (demo/names.py), so a database holding the demo
  takes the file as is (else import with ``create_companies``);
- buildings: 300,000 in 16 towns (the demo's oilfield towns, with apartment
  blocks of 4–30 storeys) and about 1,000 villages (1–3 storeys), 70 %
  small polygons and 30 % points; a quarter of the villages and a third of
  the towns lie on or beside a pipeline, so class 3 and 4 locations occur.
  The 5 m strip of every pipeline is kept clear except for a handful of
  deliberate encroachments (``ENCROACHMENTS``);
- sites: 5,000 of every site type, mostly in the towns and villages, half
  the fuel stations along the main roads;
- settlements: one per town and village (households and residents from its
  buildings) plus hamlets, 2,000 in all, points and polygons;
- water: the Yellow River and 25 rivers and canals (lines), large and
  medium reservoirs (polygons), water sources (protection zones: polygons);
- protected areas: 16 large polygons (the delta's nature reserve, wetlands,
  forests, estuaries);
- roads: expressways, national and provincial roads, railways, and county
  and township roads (other classes the import skips).

Everything is generated in the metric CRS (EPSG:4548) with numpy
``default_rng(seed)``, vectorised, then reprojected; the same seed gives
the same file. ``generate`` returns a summary (counts, km of pipelines).
"""

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from demo import names  # noqa: E402  (plain word lists, no Django)

LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 118.15, 119.15, 36.95, 38.05
METRIC = 4548
WGS84 = 4326

PIPELINES = 161
BUILDINGS = 300_000
SITES = 5_000
SETTLEMENTS = 2_000
TOWN_SHARE = 0.35  # of the buildings
VILLAGES = 1_000
ENCROACHMENTS = 6  # buildings placed inside a pipeline's 5 m strip on purpose
STRIP_CLEAR_M = 5.5  # every other building stays at least this far from every pipeline
POLYGON_SHARE = 0.70

SITE_TYPES = {
    # type: (share, polygon share, half-size range in m)
    "hospital": (0.04, 0.8, (25, 80)),
    "school": (0.12, 0.9, (40, 120)),
    "kindergarten": (0.09, 0.7, (15, 35)),
    "care_home": (0.03, 0.6, (15, 40)),
    "prison": (0.004, 1.0, (120, 250)),
    "mall": (0.03, 0.9, (30, 90)),
    "market": (0.08, 0.6, (20, 60)),
    "temple": (0.03, 0.5, (10, 30)),
    "sports_ground": (0.04, 1.0, (40, 110)),
    "square": (0.05, 1.0, (30, 100)),
    "recreation": (0.05, 0.8, (30, 150)),
    "theatre": (0.015, 0.8, (20, 45)),
    "campsite": (0.011, 0.7, (30, 120)),
    "fuel_station": (0.17, 0.5, (15, 30)),
    "oil_depot": (0.03, 0.8, (40, 150)),
    "flammable_site": (0.16, 0.5, (15, 60)),
}
SITE_WORDS = {
    "hospital": "医院",
    "school": "学校",
    "kindergarten": "幼儿园",
    "care_home": "敬老院",
    "prison": "监狱",
    "mall": "商场",
    "market": "集市",
    "temple": "寺庙",
    "sports_ground": "体育场",
    "square": "广场",
    "recreation": "公园",
    "theatre": "剧院",
    "campsite": "露营地",
    "fuel_station": "加油站",
    "oil_depot": "油库",
    "flammable_site": "危化品仓库",
}
ROADS = {
    # class: (count, length range km, vertex spacing range m)
    "expressway": (5, (70, 130), (250, 450)),
    "national": (6, (60, 120), (200, 400)),
    "provincial": (16, (25, 70), (150, 350)),
    "railway": (4, (60, 120), (300, 500)),
    "county": (120, (8, 30), (150, 300)),
    "township": (220, (3, 12), (100, 250)),
}
PROTECTED = [
    # type, count, radius range m, vertices
    ("nature_reserve", 2, (9_000, 14_000), 720),
    ("wetland", 6, (2_500, 7_000), 480),
    ("forest", 5, (1_200, 4_000), 360),
    ("estuary", 3, (2_000, 5_000), 360),
]
GAS_DIAMETERS = [114.3, 159.0, 219.1, 273.0, 323.9, 406.4, 508.0, 610.0, 711.0, 813.0, 1016.0]
OIL_DIAMETERS = [114.0, 159.0, 219.0, 273.0, 325.0, 377.0, 426.0, 508.0, 610.0, 711.0]
MEDIA = [
    ("crude_oil", 0.42),
    ("natural_gas", 0.34),
    ("refined_oil", 0.10),
    ("oil_gas_mixture", 0.06),
    ("lpg", 0.03),
    ("produced_water", 0.05),
]


@dataclass
class Summary:
    seed: int
    path: str
    counts: dict = field(default_factory=dict)
    pipeline_km: float = 0.0
    seconds: float = 0.0
    detail: dict = field(default_factory=dict)


def demo_company_names() -> list[str]:
    """The demo city's company names, as demo/builder.py builds them."""
    out = []
    for index, core in enumerate(names.COMPANY_CORES[:28]):
        prefix = names.COMPANY_PREFIXES[index % len(names.COMPANY_PREFIXES)]
        suffix, _short = names.COMPANY_SUFFIXES[index % len(names.COMPANY_SUFFIXES)]
        out.append(f"{prefix}{core}{suffix}")
    return out


class City:
    """The extent in metres (EPSG:4548), and the transformations."""

    def __init__(self):
        self.to_metric = pyproj.Transformer.from_crs(WGS84, METRIC, always_xy=True)
        self.to_wgs84 = pyproj.Transformer.from_crs(METRIC, WGS84, always_xy=True)
        lon = np.array([LON_MIN, LON_MAX, LON_MIN, LON_MAX])
        lat = np.array([LAT_MIN, LAT_MIN, LAT_MAX, LAT_MAX])
        x, y = self.to_metric.transform(lon, lat)
        margin = 500.0
        # the largest box inside the (slightly skewed) lon/lat rectangle
        self.xmin = max(x[0], x[2]) + margin
        self.xmax = min(x[1], x[3]) - margin
        self.ymin = max(y[0], y[1]) + margin
        self.ymax = min(y[2], y[3]) - margin

    def metric(self, lon, lat):
        x, y = self.to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.column_stack([x, y])

    def fold(self, xy: np.ndarray) -> np.ndarray:
        """Reflect points back into the box (keeps a walk continuous)."""
        out = xy.copy()
        for axis, lo, hi in ((0, self.xmin, self.xmax), (1, self.ymin, self.ymax)):
            span = hi - lo
            v = np.mod(out[:, axis] - lo, 2 * span)
            out[:, axis] = lo + np.where(v > span, 2 * span - v, v)
        return out

    def inside(self, xy: np.ndarray, margin: float = 0.0) -> np.ndarray:
        return (
            (xy[:, 0] >= self.xmin + margin)
            & (xy[:, 0] <= self.xmax - margin)
            & (xy[:, 1] >= self.ymin + margin)
            & (xy[:, 1] <= self.ymax - margin)
        )

    def uniform(self, rng, n, margin=0.0) -> np.ndarray:
        return np.column_stack(
            [
                rng.uniform(self.xmin + margin, self.xmax - margin, n),
                rng.uniform(self.ymin + margin, self.ymax - margin, n),
            ]
        )

    def wgs84(self, geoms: np.ndarray) -> np.ndarray:
        def move(xy):
            x, y = self.to_wgs84.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([np.round(x, 7), np.round(y, 7)])

        return shapely.transform(geoms, move)


# --- shapes ------------------------------------------------------------------------


def walk(rng, start, heading, length, spacing, wiggle=0.05, revert=0.04, bend_p=0.01) -> np.ndarray:
    """A gently bending polyline: a mean-reverting heading, a vertex every
    ``spacing`` (range) metres, an occasional sharper bend."""
    n = max(int(length / np.mean(spacing)) + 1, 3)
    steps = rng.uniform(*spacing, n)
    steps *= length / steps.sum()
    noise = rng.normal(0, wiggle, n) + np.where(rng.random(n) < bend_p, rng.normal(0, 0.5, n), 0.0)
    dev = np.empty(n)
    d = 0.0
    for i in range(n):  # an AR(1) deviation from the main heading
        d = (1 - revert) * d + noise[i]
        dev[i] = d
    h = heading + dev
    xy = np.empty((n + 1, 2))
    xy[0] = start
    xy[1:, 0] = start[0] + np.cumsum(steps * np.cos(h))
    xy[1:, 1] = start[1] + np.cumsum(steps * np.sin(h))
    return xy


def meander(rng, a, b, spacing, amplitude=0.06, noise=25.0) -> np.ndarray:
    """A line from a to b with a smooth lateral offset that vanishes at the ends."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = float(np.hypot(*(b - a)))
    n = max(int(length / rng.uniform(*spacing)), 4)
    t = np.linspace(0, 1, n + 1)
    waves = [(rng.uniform(-amplitude, amplitude) * length, rng.integers(1, 5), rng.uniform(0, np.pi)) for _ in range(3)]
    offset = np.sin(np.pi * t) * sum(amp * np.sin(k * np.pi * t + ph) for amp, k, ph in waves)
    drift = np.r_[0.0, np.cumsum(rng.normal(0, noise, n))]
    offset += drift - t * drift[-1]  # a small random wander, back to zero at b
    u = (b - a) / length
    nrm = np.array([-u[1], u[0]])
    return a + t[:, None] * (b - a) + offset[:, None] * nrm


def blob(rng, centre, radius, vertices) -> shapely.Polygon:
    """An irregular star-shaped polygon (valid by construction)."""
    theta = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    r = np.ones(vertices)
    for k in range(2, 7):
        r += rng.uniform(0, 0.25 / k * 2) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r += rng.normal(0, 0.015, vertices)
    r = radius * np.clip(r, 0.35, None)
    xy = np.column_stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta)])
    return shapely.Polygon(xy)


def rectangles(centre, half_w, half_h, angle) -> np.ndarray:
    """Rotated rectangles, vectorised: (n, 2) centres, (n,) sizes and angles."""
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], float)
    local = corners[None, :, :] * np.stack([half_w, half_h], axis=1)[:, None, :]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = local[:, :, 0] * c - local[:, :, 1] * s + centre[:, 0:1]
    y = local[:, :, 0] * s + local[:, :, 1] * c + centre[:, 1:2]
    return shapely.polygons(np.round(np.stack([x, y], axis=2), 3))


def segments(lines) -> np.ndarray:
    """The straight two-point segments of the lines."""
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    return shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))


def points(xy) -> np.ndarray:
    return shapely.points(np.round(xy, 3))


def shapes(rng, xy, polygon_share, half_range, angle=None, aspect=(0.5, 1.0)) -> np.ndarray:
    """Points or rotated rectangles at ``xy``."""
    n = len(xy)
    out = np.empty(n, dtype=object)
    poly = rng.random(n) < polygon_share
    k = int(poly.sum())
    half = rng.uniform(*half_range, k)
    ang = rng.uniform(0, np.pi, k) if angle is None else angle[poly]
    out[poly] = rectangles(xy[poly], half, half * rng.uniform(*aspect, k), ang)
    out[~poly] = points(xy[~poly])
    return out


# --- layers ------------------------------------------------------------------------


def make_pipelines(rng, city: City, companies: list[str]) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    media, weights = zip(*MEDIA, strict=True)
    medium = rng.choice(media, PIPELINES, p=np.array(weights) / sum(weights))
    is_gas = medium == "natural_gas"
    trunk = rng.random(PIPELINES) < 0.3
    length = np.where(trunk, rng.uniform(25_000, 60_000, PIPELINES), rng.uniform(5_000, 22_000, PIPELINES))
    hubs = city.metric([h[1] for h in names.HUBS], [h[2] for h in names.HUBS])
    lines = []
    for k in range(PIPELINES):
        for _attempt in range(50):
            start = hubs[rng.integers(len(hubs))] + rng.normal(0, 1500, 2)
            centre = np.array([(city.xmin + city.xmax) / 2, (city.ymin + city.ymax) / 2])
            toward = math.atan2(*(centre - start)[::-1])
            heading = toward + rng.normal(0, 1.0)
            xy = city.fold(walk(rng, start, heading, length[k], (100, 300)))
            line = shapely.LineString(np.round(xy, 3))
            if line.is_simple:
                break
        lines.append(line)
    lines = np.array(lines, dtype=object)
    diameter = np.where(is_gas, rng.choice(GAS_DIAMETERS, PIPELINES), rng.choice(OIL_DIAMETERS, PIPELINES))
    big_gas = is_gas & (diameter >= 406)
    small_gas = is_gas & (diameter < 273)
    maop = rng.choice([1.6, 2.5, 4.0, 6.3, 8.0, 10.0], PIPELINES)
    maop = np.where(big_gas, rng.choice([4.0, 6.3, 7.0, 8.0, 10.0], PIPELINES), maop)
    maop = np.where(is_gas & ~big_gas, rng.choice([1.0, 1.2, 1.6, 2.5, 4.0], PIPELINES), maop)
    maop = np.where(small_gas & (rng.random(PIPELINES) < 0.5), rng.choice([1.0, 1.2], PIPELINES), maop)
    sequence: dict[str, int] = {}
    codes, titles = [], []
    for k in range(PIPELINES):
        prefix = names.MEDIUM_CODES[medium[k]]
        sequence[prefix] = sequence.get(prefix, 0) + 1
        codes.append(f"HB-{prefix}-{sequence[prefix]:03d}")
        a, b = rng.choice(names.PLACES, 2, replace=False)
        titles.append(
            f"{a}{rng.choice(names.STATIONS)}至{b}{rng.choice(names.STATIONS)}{names.MEDIUM_NAMES[medium[k]]}管道"
        )
    years = rng.integers(1986, 2025, PIPELINES)
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": titles,
            "company": [
                companies[i % len(companies)] if i < len(companies) else rng.choice(companies) for i in range(PIPELINES)
            ],
            "medium": medium,
            "outer_diameter_mm": diameter,
            "maop_mpa": maop,
            "status": np.where(rng.random(PIPELINES) < 0.93, "in_service", "idle"),
            "commissioned": [
                f"{y}-{m:02d}-{d:02d}"
                for y, m, d in zip(years, rng.integers(1, 13, PIPELINES), rng.integers(1, 29, PIPELINES), strict=True)
            ],
        },
        geometry=city.wgs84(lines),
        crs=WGS84,
    )
    return frame, lines


@dataclass
class Clusters:
    centre: np.ndarray  # (n, 2)
    radius: np.ndarray
    count: np.ndarray  # buildings
    is_town: np.ndarray
    name: list


def make_clusters(rng, city: City, lines: np.ndarray, total: int) -> Clusters:
    hubs = list(names.HUBS)
    towns = len(hubs)
    t_centre = city.metric([h[1] for h in hubs], [h[2] for h in hubs])
    t_centre = np.clip(t_centre, [city.xmin + 4000, city.ymin + 4000], [city.xmax - 4000, city.ymax - 4000])
    # a third of the towns grew along a pipeline
    along = rng.random(towns) < 0.35
    pick = rng.integers(len(lines), size=towns)
    on_line = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[pick], rng.uniform(0.2, 0.8, towns), normalized=True)
    )
    t_centre = np.where(along[:, None], on_line + rng.normal(0, 600, (towns, 2)), t_centre)
    t_count = rng.dirichlet(np.full(towns, 4.0)) * total * TOWN_SHARE
    t_radius = 900 + 9 * np.sqrt(t_count)

    v_total = total * (1 - TOWN_SHARE)
    v_count = rng.lognormal(np.log(150), 0.6, VILLAGES)
    v_count = v_count / v_count.sum() * v_total
    v_radius = 60 + 16 * np.sqrt(v_count)
    v_centre = city.uniform(rng, VILLAGES, margin=1500)
    near = rng.random(VILLAGES) < 0.25  # a quarter of the villages lie by a pipeline
    pick = rng.integers(len(lines), size=VILLAGES)
    on_line = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[pick], rng.random(VILLAGES), normalized=True)
    )
    offset = rng.uniform(0, 700, VILLAGES)
    angle = rng.uniform(0, 2 * np.pi, VILLAGES)
    v_centre = np.where(
        near[:, None], on_line + np.column_stack([offset * np.cos(angle), offset * np.sin(angle)]), v_centre
    )
    count = np.r_[t_count, v_count]
    count = np.floor(count).astype(int)
    count[np.argsort(-count)[: total - count.sum()]] += 1  # exactly ``total``
    return Clusters(
        centre=np.r_[t_centre, v_centre],
        radius=np.r_[t_radius, v_radius],
        count=count,
        is_town=np.r_[np.ones(towns, bool), np.zeros(VILLAGES, bool)],
        name=[f"{h[0]}镇" for h in hubs] + [f"{rng.choice(names.PLACES)}{i + 1}村" for i in range(VILLAGES)],
    )


def make_buildings(rng, city: City, clusters: Clusters, lines: np.ndarray, total: int):
    """Buildings of the towns and villages; the pipelines' 5 m strips kept clear
    but for ENCROACHMENTS buildings. Returns the frame (metric geometries) and
    each building's cluster."""
    extra = int(total * 0.04) + 100
    cluster = np.repeat(np.arange(len(clusters.count)), clusters.count)
    cluster = np.r_[cluster, rng.choice(len(clusters.count), extra, p=clusters.count / clusters.count.sum())]
    n = len(cluster)
    town = clusters.is_town[cluster]
    r = clusters.radius[cluster]
    # villages: a compact disc; towns: denser in the middle
    dist = np.where(town, np.abs(rng.normal(0, 0.5, n)) * r, np.sqrt(rng.random(n)) * r)
    theta = rng.uniform(0, 2 * np.pi, n)
    xy = clusters.centre[cluster] + np.column_stack([dist * np.cos(theta), dist * np.sin(theta)])
    xy = city.fold(xy)
    # village streets share an orientation
    grid = rng.uniform(0, np.pi, len(clusters.count))[cluster] + rng.normal(0, 0.05, n)
    tall = town & (rng.random(n) < np.clip(0.55 - 0.35 * dist / r, 0.08, 0.55))
    floors = np.where(
        tall,
        rng.choice([4, 5, 6, 6, 6, 7, 9, 11, 11, 12, 15, 18, 18, 24, 26, 30], n),
        rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 2, 3], n),
    )
    units = rng.choice([1, 2, 2, 2, 3, 4], n)
    households = np.where(tall, np.minimum(floors * units, 120), rng.choice([0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4], n))
    # commercial / public buildings in towns: no households
    households = np.where(town & ~tall & (rng.random(n) < 0.15), 0, households)
    half_w = np.where(tall, rng.uniform(15, 32, n), rng.uniform(4, 9, n))
    half_h = np.where(tall, rng.uniform(5, 8, n), half_w * rng.uniform(0.55, 0.9, n))
    poly = rng.random(n) < POLYGON_SHARE
    geoms = np.empty(n, dtype=object)
    geoms[poly] = rectangles(xy[poly], half_w[poly], half_h[poly], grid[poly])
    geoms[~poly] = points(xy[~poly])

    # keep the strips clear
    tree = shapely.STRtree(segments(lines))  # short segments: tight boxes, cheap distances
    hit, _seg = tree.query(geoms, predicate="dwithin", distance=STRIP_CLEAR_M)
    keep = np.ones(n, bool)
    keep[np.unique(hit)] = False
    kept = np.flatnonzero(keep)
    chosen = np.sort(rng.choice(kept, total - ENCROACHMENTS, replace=False))
    geoms, cluster, floors, households = geoms[chosen], cluster[chosen], floors[chosen], households[chosen]
    cleared = int((~keep).sum())

    # the handful of deliberate encroachments: sheds 1.5–4 m off a centreline
    pick = rng.choice(len(lines), ENCROACHMENTS, replace=False)
    at = rng.uniform(0.1, 0.9, ENCROACHMENTS)
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(lines[pick], at, normalized=True))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(lines[pick], at + 1e-4, normalized=True))
    u = (p1 - p0) / np.hypot(*(p1 - p0).T)[:, None]
    side = rng.choice([-1.0, 1.0], ENCROACHMENTS)
    off = rng.uniform(1.5, 4.0, ENCROACHMENTS)
    centre = p0 + np.column_stack([-u[:, 1], u[:, 0]]) * (side * off)[:, None]
    enc = np.empty(ENCROACHMENTS, dtype=object)
    enc[::2] = points(centre[::2])
    ang = np.arctan2(u[1::2, 1], u[1::2, 0])
    enc[1::2] = rectangles(centre[1::2], np.full(len(ang), 2.0), np.full(len(ang), 1.0), ang)
    geoms = np.r_[geoms, enc]
    cluster = np.r_[cluster, np.full(ENCROACHMENTS, -1)]
    floors = np.r_[floors, np.ones(ENCROACHMENTS, int)]
    households = np.r_[households, np.ones(ENCROACHMENTS, int)]

    residents = households * rng.uniform(2.4, 3.4, total)
    residents = pd.array(np.where(rng.random(total) < 0.5, np.round(residents), -1), dtype="Int64")
    residents[residents == -1] = pd.NA
    named = np.full(total, "", dtype=object)
    named[-ENCROACHMENTS:] = "违章搭建"
    frame = gpd.GeoDataFrame(
        {
            "id": [f"B{i:07d}" for i in range(1, total + 1)],
            "name": named,
            "households": households.astype(np.int32),
            "floors": floors.astype(np.int32),
            "residents": residents,
        },
        geometry=geoms,
    )
    return frame, cluster, cleared, pick


def make_roads(rng, city: City) -> np.ndarray:
    rows = []
    for road_class, (count, (lo, hi), spacing) in ROADS.items():
        for _ in range(count):
            for _attempt in range(50):
                a = city.uniform(rng, 1, margin=1000)[0]
                length = rng.uniform(lo, hi) * 1000
                angle = rng.uniform(0, 2 * np.pi)
                b = a + length * np.array([np.cos(angle), np.sin(angle)])
                if city.inside(b[None], margin=1000)[0]:
                    break
            else:
                b = np.clip(b, [city.xmin, city.ymin], [city.xmax, city.ymax])
            rows.append((road_class, shapely.LineString(np.round(meander(rng, a, b, spacing, 0.05, 10.0), 3))))
    return rows


def make_water(rng, city: City):
    rows = []
    # the Yellow River: from the south-west border to the mouth in the north-east
    a, b = city.metric([118.16, 119.14], [37.28, 37.76])
    rows.append(("river", "黄河", shapely.LineString(np.round(meander(rng, a, b, (150, 250), 0.04, 15), 3))))
    for i in range(25):
        a = city.uniform(rng, 1, margin=1000)[0]
        length = rng.uniform(15_000, 70_000)
        angle = rng.uniform(0, 2 * np.pi)
        b = np.clip(
            a + length * np.array([np.cos(angle), np.sin(angle)]), [city.xmin, city.ymin], [city.xmax, city.ymax]
        )
        word = rng.choice(["河", "干渠", "沟", "水道"])
        rows.append(
            (
                "river",
                f"{rng.choice(names.PLACES)}{word}{i + 1}",
                shapely.LineString(np.round(meander(rng, a, b, (150, 300), 0.05, 10), 3)),
            )
        )
    for i in range(40):
        large = i < 10
        radius = rng.uniform(800, 2000) if large else rng.uniform(250, 700)
        centre = city.uniform(rng, 1, margin=3000)[0]
        rows.append(
            (
                "reservoir_large" if large else "reservoir_medium",
                f"{rng.choice(names.PLACES)}水库{i + 1}",
                blob(rng, centre, radius, 96 if large else 48),
            )
        )
    for i in range(25):
        centre = city.uniform(rng, 1, margin=1000)[0]
        geom = blob(rng, centre, rng.uniform(60, 400), 32)  # the contract's water is polygons or lines
        rows.append(("water_source", f"{rng.choice(names.PLACES)}水源地{i + 1}", geom))
    return rows


def make_protected(rng, city: City):
    rows = []
    mouth = city.metric([119.0], [37.78])[0]
    for area_type, count, (lo, hi), vertices in PROTECTED:
        for i in range(count):
            if area_type in ("nature_reserve", "estuary"):
                centre = mouth + rng.normal(0, 8000, 2)
            else:
                centre = city.uniform(rng, 1, margin=3000)[0]
            centre = np.clip(centre, [city.xmin + lo, city.ymin + lo], [city.xmax - lo, city.ymax - lo])
            rows.append((area_type, f"{area_type}-{i + 1}", blob(rng, centre, rng.uniform(lo, hi), vertices)))
    return rows


def make_sites(rng, city: City, clusters: Clusters, major_roads: np.ndarray):
    types = list(SITE_TYPES)
    share = np.array([SITE_TYPES[t][0] for t in types])
    kind = rng.choice(len(types), SITES, p=share / share.sum())
    kind[: len(types)] = np.arange(len(types))  # every type at least once
    site_type = np.array(types, dtype=object)[kind]
    weight = clusters.count / clusters.count.sum()
    cluster = rng.choice(len(clusters.count), SITES, p=weight)
    dist = np.sqrt(rng.random(SITES)) * clusters.radius[cluster] * 0.9
    theta = rng.uniform(0, 2 * np.pi, SITES)
    xy = clusters.centre[cluster] + np.column_stack([dist * np.cos(theta), dist * np.sin(theta)])
    loose = rng.random(SITES) < 0.2  # out in the country
    xy[loose] = city.uniform(rng, int(loose.sum()), margin=500)
    # half the fuel stations stand along a main road, 20–60 m off it
    fuel = np.flatnonzero((site_type == "fuel_station") & (rng.random(SITES) < 0.5))
    road = major_roads[rng.integers(len(major_roads), size=len(fuel))]
    at = rng.random(len(fuel))
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(road, at, normalized=True))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(road, np.minimum(at + 1e-3, 1.0), normalized=True))
    d = p1 - p0
    u = d / np.maximum(np.hypot(*d.T), 1e-9)[:, None]
    xy[fuel] = (
        p0
        + np.column_stack([-u[:, 1], u[:, 0]])
        * (rng.choice([-1, 1], len(fuel)) * rng.uniform(20, 60, len(fuel)))[:, None]
    )
    xy = city.fold(xy)
    geoms = np.empty(SITES, dtype=object)
    for k, t in enumerate(types):
        here = kind == k
        _share, polygon_share, half = SITE_TYPES[t]
        geoms[here] = shapes(rng, xy[here], polygon_share, half)
    words = np.array([SITE_WORDS[t] for t in types], dtype=object)[kind]
    site_names = [f"{names.PLACES[i % len(names.PLACES)]}{w}{i + 1}" for i, w in enumerate(words)]
    return site_type, site_names, geoms


def make_settlements(rng, city: City, clusters: Clusters, b_cluster, b_households, lines):
    n_clusters = len(clusters.count)
    hh = np.bincount(b_cluster[b_cluster >= 0], weights=b_households[b_cluster >= 0], minlength=n_clusters)
    hamlets = SETTLEMENTS - n_clusters
    h_xy = city.uniform(rng, hamlets, margin=500)
    near = rng.random(hamlets) < 0.2
    pick = rng.integers(len(lines), size=hamlets)
    on_line = shapely.get_coordinates(shapely.line_interpolate_point(lines[pick], rng.random(hamlets), normalized=True))
    off = rng.uniform(20, 400, hamlets)
    ang = rng.uniform(0, 2 * np.pi, hamlets)
    h_xy = np.where(near[:, None], on_line + np.column_stack([off * np.cos(ang), off * np.sin(ang)]), h_xy)
    h_hh = np.round(rng.lognormal(np.log(35), 0.6, hamlets))
    households = np.r_[hh, h_hh].astype(int)
    residents = np.round(households * rng.uniform(2.5, 3.5, SETTLEMENTS)).astype(int)
    # some records give only residents (households unknown: 0)
    only_res = rng.random(SETTLEMENTS) < 0.1
    households = np.where(only_res, 0, households)
    centre = np.r_[clusters.centre, h_xy]
    radius = np.r_[clusters.radius, np.sqrt(np.maximum(h_hh, 1)) * 15 + 40]
    polygon = np.r_[clusters.is_town | (rng.random(n_clusters) < 0.4), rng.random(hamlets) < 0.3]
    geoms = np.empty(SETTLEMENTS, dtype=object)
    geoms[~polygon] = points(city.fold(centre[~polygon]))
    idx = np.flatnonzero(polygon)
    geoms[idx] = [blob(rng, centre[i], radius[i] * 1.05, 40) for i in idx]
    settle_names = clusters.name + [f"{rng.choice(names.PLACES)}{i + 1}庄" for i in range(hamlets)]
    return households, residents, settle_names, geoms


def generate(path, *, seed: int = 2026, buildings: int = BUILDINGS, companies: list[str] | None = None) -> Summary:
    """Write the GeoPackage at ``path`` (replaced if present); return its summary."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    city = City()
    companies = companies or demo_company_names()
    path = Path(path)
    if path.exists():
        path.unlink()

    pipes, lines = make_pipelines(rng, city, companies)
    clusters = make_clusters(rng, city, lines, buildings)
    b_frame, b_cluster, cleared, _encroached = make_buildings(rng, city, clusters, lines, buildings)
    roads = make_roads(rng, city)
    road_class = np.array([c for c, _ in roads], dtype=object)
    road_geoms = np.array([g for _, g in roads], dtype=object)
    major = road_geoms[np.isin(road_class, ["expressway", "national", "provincial"])]
    s_type, s_names, s_geoms = make_sites(rng, city, clusters, major)
    st_hh, st_res, st_names, st_geoms = make_settlements(
        rng, city, clusters, b_cluster, b_frame["households"].to_numpy(), lines
    )
    water = make_water(rng, city)
    protected = make_protected(rng, city)

    def frame(columns, geoms, prefix):
        columns = {"id": [f"{prefix}{i:05d}" for i in range(1, len(geoms) + 1)], **columns}
        return gpd.GeoDataFrame(columns, geometry=city.wgs84(np.asarray(geoms, dtype=object)), crs=WGS84)

    b_frame = b_frame.set_geometry(city.wgs84(b_frame.geometry.to_numpy()), crs=WGS84)
    layers = {
        "pipelines": pipes,
        "buildings": b_frame,
        "sites": frame({"name": s_names, "site_type": s_type}, s_geoms, "S"),
        "settlements": frame({"name": st_names, "households": st_hh, "residents": st_res}, st_geoms, "V"),
        "water": frame(
            {"name": [n for _, n, _ in water], "water_type": [t for t, _, _ in water]}, [g for *_, g in water], "W"
        ),
        "protected_areas": frame(
            {"name": [n for _, n, _ in protected], "area_type": [t for t, _, _ in protected]},
            [g for *_, g in protected],
            "P",
        ),
        "roads": frame(
            {"name": [f"{c}-{i + 1}" for i, c in enumerate(road_class)], "road_class": road_class}, road_geoms, "R"
        ),
    }
    for name, layer in layers.items():
        layer.to_file(path, layer=name, driver="GPKG", engine="pyogrio")

    types = shapely.get_type_id(b_frame.geometry.to_numpy())
    summary = Summary(seed=seed, path=str(path))
    summary.counts = {name: len(layer) for name, layer in layers.items()}
    summary.pipeline_km = float(shapely.length(lines).sum() / 1000)
    summary.detail = {
        "pipeline media": pipes["medium"].value_counts().to_dict(),
        "building polygons": int((types == 3).sum()),
        "building points": int((types == 0).sum()),
        "buildings cleared from 5 m strips": cleared,
        "deliberate encroachments": ENCROACHMENTS,
        "pipeline vertices": int(shapely.get_num_coordinates(lines).sum()),
        "roads by class": pd.Series(road_class).value_counts().to_dict(),
        "towns, villages": (int(clusters.is_town.sum()), int((~clusters.is_town).sum())),
    }
    summary.seconds = time.perf_counter() - started
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--buildings", type=int, default=BUILDINGS)
    args = parser.parse_args()
    summary = generate(args.path, seed=args.seed, buildings=args.buildings)
    print(f"{summary.path}: {summary.pipeline_km:,.0f} km of pipelines, generated in {summary.seconds:.1f} s")
    for name, count in summary.counts.items():
        print(f"  {name:16} {count:>9,}")
    for key, value in summary.detail.items():
        print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
