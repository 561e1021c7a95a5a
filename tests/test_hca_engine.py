"""HCA identification on hand-worked cases (docs/hca-rules.md).

Geometries are in metres (the engine works in a projected CRS); every
expected chainage below is worked out by hand in the comment beside it.
Each case runs through the fast engine and the per-feature baseline,
which must agree.
"""

import math

import numpy as np
import pytest
import shapely
import shapely.affinity

from hca.engine import Layer, PipelineGeom, Rule, identify, identify_loop
from hca.engine.radius import pir_cfr192, pir_gb32167
from hca.rules_data import DEFAULT_RULES

GB = [Rule(c, a, k, g, d, p) for rs, c, a, k, g, d, p, _ in DEFAULT_RULES if rs == "gb32167"]
CFR = [Rule(c, a, k, g, d, p) for rs, c, a, k, g, d, p, _ in DEFAULT_RULES if rs == "cfr192"]
STRAIGHT = shapely.LineString([(0, 0), (10_000, 0)])


def pipeline(medium="oil", d=508.0, p=6.3, line=STRAIGHT, code="P1"):
    return PipelineGeom(1, code, line, medium, d, p)


def layer(name, geoms, **attrs):
    n = len(geoms)
    ids = attrs.pop("ids", [f"{name[:1]}{i + 1}" for i in range(n)])
    return Layer(
        name,
        np.array(geoms, dtype=object),
        np.array(ids, dtype=object),
        np.array([f"{name} {i + 1}" for i in range(n)], dtype=object),
        {k: np.array(v, dtype=object if isinstance(v[0], str) else None) for k, v in attrs.items()},
    )


def buildings(points, households=None, floors=None):
    n = len(points)
    return layer(
        "buildings",
        [shapely.Point(x, y) for x, y in points],
        households=households if households is not None else [1] * n,
        floors=floors if floors is not None else [1] * n,
    )


def sites(*items):
    return layer("sites", [shapely.Point(x, y) for x, y, _ in items], site_type=[t for _, _, t in items])


def run(pipe, layers, rules=GB):
    """Identify ``pipe`` (or a list of pipelines) both ways; the same segments, to 5 cm."""
    pipes = pipe if isinstance(pipe, list) else [pipe]
    fast = identify(pipes, layers, rules)
    slow = identify_loop(pipes, layers, rules)
    assert [s.key(0) for s in fast] == [s.key(0) for s in slow]
    for a, b in zip(fast, slow, strict=True):
        assert a.start_m == pytest.approx(b.start_m, abs=0.05)
        assert a.end_m == pytest.approx(b.end_m, abs=0.05)
        assert a.reasons == b.reasons
    return fast


def extents(segments):
    return [(round(s.start_m, 2), round(s.end_m, 2), s.grade, s.rules) for s in segments]


# --- potential impact radius ------------------------------------------------


def test_potential_impact_radius_examples():
    assert pir_gb32167(1016, 10) == pytest.approx(318.07, abs=0.01)  # hca.md: ≈ 318 m
    assert pir_gb32167(219, 1.0) == pytest.approx(21.68, abs=0.01)  # hca.md: ≈ 21.7 m
    # 49 CFR: 0.69 * sqrt(1450.38 psig * 40 in²) ft = 1051.1 ft = 320.4 m
    assert pir_cfr192(1016, 10) == pytest.approx(320.37, abs=0.05)


# --- oil pipelines, GB 32167 ------------------------------------------------


def test_o_f_river_crossing_is_grade_three():
    river = layer("water", [shapely.LineString([(3000, -500), (3000, 500)])], water_type=["river"])
    # Every point of the pipe within 200 m of the river line x = 3000: [2800, 3200].
    assert extents(run(pipeline(), {"water": river})) == [(2800, 3200, 3, ("O-f",))]


def test_o_d_road_within_fifty_metres_and_other_roads_ignored():
    roads = layer(
        "roads",
        [
            shapely.LineString([(6000, 30), (6000, 1000)]),  # expressway ending 30 m from the pipe
            shapely.LineString([(7000, 60), (7000, 1000)]),  # provincial road 60 m away: outside 50 m
            shapely.LineString([(8000, -10), (8000, 1000)]),  # a county road crossing: not in the rule
        ],
        road_class=["expressway", "provincial", "county"],
    )
    # sqrt((x-6000)² + 30²) ≤ 50  ⇔  |x - 6000| ≤ 40
    segments = run(pipeline(), {"roads": roads})
    assert extents(segments) == [(5960, 6040, 1, ("O-d",))]
    assert [(r.layer, r.feature_id) for r in segments[0].reasons] == [("roads", "r1")]


def test_o_e_protected_area_polygon_edge_and_corner():
    forest = layer("protected_areas", [shapely.box(8000, 150, 8500, 400)], area_type=["forest"])
    # Along the box: 150 m. Beyond its corners: sqrt(dx² + 150²) ≤ 200 ⇔ dx ≤ 132.288.
    assert extents(run(pipeline(), {"protected_areas": forest})) == [(7867.71, 8632.29, 2, ("O-e",))]


def test_o_c_settlement_thresholds():
    settlements = layer(
        "settlements",
        [shapely.Point(1000, 120), shapely.Point(5000, 120), shapely.Point(9000, 120)],
        households=[50, 49, 10],
        residents=[0, 199, 200],
    )
    # 1000 ± sqrt(200² - 120²) = 1000 ± 160; the 49-household, 199-resident village does not count.
    segments = run(pipeline(), {"settlements": settlements})
    assert extents(segments) == [(840, 1160, 2, ("O-c",)), (8840, 9160, 2, ("O-c",))]


def test_large_lake_counts_inside_as_well_as_near_its_shore():
    lake = layer("water", [shapely.box(1000, -2500, 6000, 2500)], water_type=["reservoir_large"])
    # The pipe crosses 5 km of water: the middle is 2.5 km from any shore but inside the lake.
    assert extents(run(pipeline(), {"water": lake})) == [(800, 6200, 3, ("O-f",))]


def test_merging_keeps_the_highest_grade_and_every_reason():
    water = layer("water", [shapely.LineString([(3000, -500), (3000, 500)])], water_type=["river"])
    station = sites((3100, 20, "fuel_station"))
    # O-d: 3100 ± sqrt(50² - 20²) = 3100 ± 45.83, inside O-f's [2800, 3200].
    segments = run(pipeline(), {"water": water, "sites": station})
    assert extents(segments) == [(2800, 3200, 3, ("O-d", "O-f"))]
    assert {(r.rule, r.layer, r.feature_id) for r in segments[0].reasons} == {
        ("O-d", "sites", "s1"),
        ("O-f", "water", "w1"),
    }


def test_touching_segments_merge_and_separate_ones_do_not():
    roads = layer(
        "roads",
        [shapely.LineString([(1000, -100), (1000, 100)]), shapely.LineString([(1100, -100), (1100, 100)])],
        road_class=["railway", "national"],
    )
    river = layer("water", [shapely.LineString([(5000, -500), (5000, 500)])], water_type=["river"])
    # Railway [950, 1050] touches the national road's [1050, 1150]; the river is far away.
    segments = run(pipeline(), {"roads": roads, "water": river})
    assert extents(segments) == [(950, 1150, 1, ("O-d",)), (4800, 5200, 3, ("O-f",))]


def test_chainage_follows_a_bent_pipeline():
    bent = shapely.LineString([(0, 0), (1000, 0), (1000, 1000)])
    source = layer("water", [shapely.Point(1100, 600)], water_type=["water_source"])
    # Nearest the second leg (x = 1000) at 100 m: y = 600 ± sqrt(200² - 100²) = 600 ± 173.205,
    # i.e. chainage 1000 + 426.795 to 1000 + 773.205.
    assert extents(run(pipeline(line=bent), {"water": source})) == [(1426.79, 1773.21, 3, ("O-f",))]


# --- location class ---------------------------------------------------------


def _row(n, x0, step=10.0, y=50.0):
    return [(x0 + i * step, y) for i in range(n)]


def test_class_three_needs_one_hundred_households_in_two_kilometres():
    # 100 one-household buildings from x = 4000 to 4990: class 3 from 200 m before the first
    # to 200 m after the last.
    segments = run(pipeline(), {"buildings": buildings(_row(100, 4000))})
    assert extents(segments) == [(3800, 5190, 2, ("O-b",))]
    assert segments[0].reasons[0].count == 100
    assert len(segments[0].reasons[0].feature_ids) == 100
    assert run(pipeline(), {"buildings": buildings(_row(99, 4000))}) == []  # 99 households: class 2


def test_buildings_beyond_two_hundred_metres_are_not_counted():
    near = _row(99, 4000)
    segments = run(pipeline(), {"buildings": buildings([*near, (4500, 201)])})
    assert segments == []
    segments = run(pipeline(), {"buildings": buildings([*near, (4500, 200)])})
    assert extents(segments) == [(3800, 5180, 2, ("O-b",))]  # last building at 4980


def test_two_clusters_that_fit_one_window_make_class_three():
    # 60 households at 1000 and 50 at 2900: 1900 m apart, both inside one 2 km window.
    fit = buildings([(1000, 100), (2900, 100)], households=[60, 50])
    assert extents(run(pipeline(), {"buildings": fit})) == [(800, 3100, 2, ("O-b",))]
    # Exactly 2 km apart still fits.
    edge = buildings([(1000, 100), (3000, 100)], households=[60, 50])
    assert extents(run(pipeline(), {"buildings": edge})) == [(800, 3200, 2, ("O-b",))]


def test_two_clusters_that_do_not_fit_one_window_stay_class_two():
    apart = buildings([(1000, 100), (3100, 100)], households=[60, 50])  # 2.1 km apart
    assert run(pipeline(), {"buildings": apart}) == []


def test_class_four_when_tall_buildings_hold_most_households():
    floors = [6] * 60 + [2] * 40  # 60 of 100 households in buildings of 4+ storeys
    segments = run(pipeline(), {"buildings": buildings(_row(100, 4000), floors=floors)})
    assert extents(segments) == [(3800, 5190, 3, ("O-a",))]
    half = [6] * 50 + [2] * 50  # exactly half is not "more than half": class 3
    segments = run(pipeline(), {"buildings": buildings(_row(100, 4000), floors=half)})
    assert extents(segments) == [(3800, 5190, 2, ("O-b",))]


def test_class_region_is_clipped_to_the_pipeline():
    segments = run(pipeline(), {"buildings": buildings(_row(100, 50))})
    assert extents(segments) == [(0, 1240, 2, ("O-b",))]


# --- gas pipelines, GB 32167 ------------------------------------------------


def test_g_c_large_high_pressure_line_uses_the_impact_radius():
    r = pir_gb32167(1016, 10)  # 318.07 m
    found = sites((5000, 300, "school"), (7000, 320, "hospital"))
    half = math.sqrt(r**2 - 300**2)
    segments = run(pipeline("gas", 1016, 10), {"sites": found})
    assert extents(segments) == [(round(5000 - half, 2), round(5000 + half, 2), 2, ("G-c",))]


def test_g_d_small_low_pressure_line_uses_the_impact_radius():
    r = pir_gb32167(219, 1.0)  # 21.68 m
    found = sites((2000, 21, "kindergarten"), (3000, 22, "kindergarten"))
    half = math.sqrt(r**2 - 21**2)
    segments = run(pipeline("gas", 219, 1.0), {"sites": found})
    assert extents(segments) == [(round(2000 - half, 2), round(2000 + half, 2), 1, ("G-d",))]


def test_g_e_other_gas_lines_look_two_hundred_metres():
    found = sites((1500, 150, "market"), (4000, 210, "school"))
    # 1500 ± sqrt(200² - 150²) = 1500 ± 132.29; the school at 210 m is too far.
    segments = run(pipeline("gas", 508, 4.0), {"sites": found})
    assert extents(segments) == [(1367.71, 1632.29, 1, ("G-e",))]


def test_g_f_flammable_site_outside_class_three_only():
    town = buildings(_row(100, 4000))  # class 3 over [3800, 5190]
    found = sites((6000, 100, "fuel_station"), (5100, 50, "oil_depot"))
    segments = run(pipeline("gas", 508, 4.0), {"buildings": town, "sites": found})
    # Depot: 5100 ± sqrt(200² - 50²) = [4906.35, 5293.65]; inside class 3 up to 5190, so G-f
    # covers [5190, 5293.65] and touches the G-b region. Fuel station: 6000 ± 173.21.
    assert extents(segments) == [(3800, 5293.65, 2, ("G-b", "G-f")), (5826.79, 6173.21, 2, ("G-f",))]


def test_g_a_class_four_on_gas():
    segments = run(pipeline("gas", 508, 4.0), {"buildings": buildings(_row(100, 4000), floors=[8] * 100)})
    assert extents(segments) == [(3800, 5190, 3, ("G-a",))]


def test_oil_rules_do_not_apply_to_gas_and_back():
    river = layer("water", [shapely.LineString([(3000, -500), (3000, 500)])], water_type=["river"])
    assert run(pipeline("gas"), {"water": river}) == []
    school = sites((3000, 10, "school"))
    assert run(pipeline("oil"), {"sites": school}) == []


# --- 49 CFR 192.903 ---------------------------------------------------------


def test_cfr_class_three_counts_buildings_in_a_mile():
    # 46 buildings (households do not matter) within 660 ft: class 3, 220 yards either side.
    segments = run(pipeline("gas", 508, 4.0), {"buildings": buildings(_row(46, 4000), households=[9] * 46)}, CFR)
    assert extents(segments) == [(round(4000 - 201.168, 2), round(4450 + 201.168, 2), 2, ("C-1",))]
    assert run(pipeline("gas", 508, 4.0), {"buildings": buildings(_row(45, 4000))}, CFR) == []


def test_cfr_class_four():
    segments = run(pipeline("gas", 508, 4.0), {"buildings": buildings(_row(46, 4000), floors=[5] * 46)}, CFR)
    assert extents(segments) == [(round(4000 - 201.168, 2), round(4450 + 201.168, 2), 3, ("C-2",))]


def test_cfr_potential_impact_circle_with_twenty_buildings():
    r = pir_cfr192(508, 6.9)  # 20 in, 1000.8 psig: 436.6 ft = 133.07 m
    assert r == pytest.approx(133.07, abs=0.05)
    cluster = [(3000, 50)] * 20
    half = math.sqrt(r**2 - 50**2)
    segments = run(pipeline("gas", 508, 6.9), {"buildings": buildings(cluster)}, CFR)
    # Circles centred on [3000 - half, 3000 + half] hold all 20; the HCA reaches r further.
    expected = (round(3000 - half - r, 2), round(3000 + half + r, 2), 2, ("C-3",))
    assert extents(segments) == [expected]
    assert run(pipeline("gas", 508, 6.9), {"buildings": buildings(cluster[:19])}, CFR) == []


def test_cfr_identified_site_in_the_circle():
    r = pir_cfr192(508, 6.9)
    segments = run(pipeline("gas", 508, 6.9), {"sites": sites((5000, 100, "school"))}, CFR)
    half = math.sqrt(r**2 - 100**2)
    assert extents(segments) == [(round(5000 - half, 2), round(5000 + half, 2), 2, ("C-4",))]


def test_cfr_does_not_assess_oil_lines():
    assert run(pipeline("oil"), {"buildings": buildings(_row(60, 4000))}, CFR) == []


# --- geometry forms ---------------------------------------------------------


def test_polygon_buildings_count_at_their_nearest_point():
    # 100 diamonds whose lowest corner is 196 m from the pipe, 204 m at their top.
    diamonds = [shapely.Polygon([(x, 196), (x + 4, 200), (x, 204), (x - 4, 200)]) for x in range(4000, 5000, 10)]
    layers = {"buildings": layer("buildings", diamonds, households=[1] * 100, floors=[1] * 100)}
    # Nearest points on the pipe: x = 4000 … 4990, under each lowest corner.
    assert extents(run(pipeline(), layers)) == [(3800, 5190, 2, ("O-b",))]
    # Lifted to 201 m, none counts.
    lifted = [shapely.affinity.translate(d, 0, 5) for d in diamonds]
    lifted_layers = {"buildings": layer("buildings", lifted, households=[1] * 100, floors=[1] * 100)}
    assert run(pipeline(), lifted_layers) == []


def test_multipart_features_and_many_pipelines():
    lines = [shapely.LineString([(0, 1000 * k), (10_000, 1000 * k)]) for k in range(3)]
    pipes = [PipelineGeom(k + 1, f"P{k + 1}", line, "oil", 508, 6.3) for k, line in enumerate(lines)]
    wetland = shapely.MultiPolygon([shapely.box(2000, 100, 2100, 150), shapely.box(2000, 1900, 2100, 1950)])
    layers = {"protected_areas": layer("protected_areas", [wetland], area_type=["wetland"])}
    fast = run(pipes, layers)
    # P1 (y=0): 100 m to the box: dx ≤ sqrt(200² - 100²) = 173.21 beyond each end; P2 (y=1000):
    # both parts within 200 m? 1000 - 150 = 850: no. P3 (y=2000): 50 m from the second part.
    assert [(s.pipeline_code, round(s.start_m, 2), round(s.end_m, 2)) for s in fast] == [
        ("P1", 1826.79, 2273.21),
        ("P3", round(2000 - math.sqrt(200**2 - 50**2), 2), round(2100 + math.sqrt(200**2 - 50**2), 2)),
    ]


def test_class_three_on_several_pipelines_at_once():
    """Rows of many pipelines and buildings interleave; each pipeline counts its own."""
    lines = [shapely.LineString([(0, 1000 * k), (10_000, 1000 * k)]) for k in range(3)]
    pipes = [PipelineGeom(k + 1, f"P{k + 1}", line, "oil", 508, 6.3) for k, line in enumerate(lines)]
    points = [(x, 1000 * k + 50) for x in range(4000, 5000, 10) for k in (0, 2)]  # P1 and P3 only
    layers = {"buildings": buildings(points)}
    fast = identify(pipes, layers, GB)
    slow = identify_loop(pipes, layers, GB)
    assert [s.key(0) for s in fast] == [s.key(0) for s in slow]
    assert [(s.pipeline_code, round(s.start_m), round(s.end_m), s.rules) for s in fast] == [
        ("P1", 3800, 5190, ("O-b",)),
        ("P3", 3800, 5190, ("O-b",)),
    ]


def test_buildings_beyond_the_end_count_at_the_end_of_the_pipeline():
    # 100 buildings past the far end (x > 10 000): their nearest point is the end vertex.
    beyond = [(10_000 + 1 + i % 10, (i // 10) * 10 - 45) for i in range(100)]
    segments = run(pipeline(), {"buildings": buildings(beyond)})
    assert extents(segments) == [(9800, 10_000, 2, ("O-b",))]
    assert len(segments[0].reasons[0].feature_ids) == 100


def test_nearest_points_match_geos_on_zigzag_pipelines_with_every_kind_of_building():
    """The closed forms (a polygon beside a segment, wholly before or beyond
    its ends, straddling them; points; the pairs left to GEOS) against GEOS's
    own distance and nearest point, for every building within the corridor
    of two pipelines with sharp bends, short legs and a hairpin."""
    from hca.engine.nearest import nearest
    from hca.engine.network import network_build

    rng = np.random.default_rng(7)
    zigzag = shapely.LineString([(0, 0), (300, 0), (310, 5), (320, 0), (600, 400), (200, 420), (900, 430)])
    hairpin = shapely.LineString([(0, 1000), (800, 1000), (800.5, 1010), (0, 1020), (0, 1300)])
    lines = np.array([zigzag, hairpin], dtype=object)
    centres = rng.uniform((-250, -250), (1150, 1550), size=(1500, 2))
    sizes = rng.uniform(2, 40, size=(1500, 2))
    angles = rng.uniform(0, 180, size=1500)
    geoms = []
    for i, ((x, y), (w, h), angle) in enumerate(zip(centres, sizes, angles, strict=True)):
        box = shapely.affinity.rotate(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2), angle)
        if i % 5 == 0:
            geoms.append(shapely.Point(x, y))
        elif i % 17 == 0:  # a courtyard building
            geoms.append(box.difference(shapely.affinity.scale(box, 0.5, 0.5)))
        elif i % 23 == 0:  # two wings
            geoms.append(shapely.MultiPolygon([box, shapely.affinity.translate(box, 60, 0)]))
        else:
            geoms.append(box)
    geoms = np.array(geoms, dtype=object)
    pipe, feat, dist, chain = nearest(network_build(lines), geoms, 200.0)

    tree = shapely.STRtree(geoms)
    li, fi = tree.query(lines, predicate="dwithin", distance=200.0)
    assert sorted(zip(pipe.tolist(), feat.tolist(), strict=True)) == sorted(zip(li.tolist(), fi.tolist(), strict=True))
    assert len(pipe) > 700
    np.testing.assert_allclose(dist, shapely.distance(lines[pipe], geoms[feat]), atol=1e-6)
    on_line = shapely.get_point(shapely.shortest_line(lines[pipe], geoms[feat]), 0)
    expected = shapely.line_locate_point(lines[pipe], on_line)
    # A building whose nearest side runs parallel to the pipeline has many nearest points; all are as near.
    same_distance = np.isclose(shapely.distance(shapely.line_interpolate_point(lines[pipe], chain), geoms[feat]), dist)
    assert same_distance.all()
    assert (np.abs(chain - expected) < 1e-6).mean() > 0.99


def test_stretches_near_and_inside_polygons_match_geos_buffers():
    """Stretches within d of polygons (concave, with holes, in parts; some
    huge, some crossed by legs longer and shorter than d, some holding whole
    legs) against GEOS: the line inside the polygon buffered by d. Covers
    the three ways inside stretches are found: a leg wholly inside, a leg
    crossing the boundary no longer than d (the shore capsules hold it) and
    a long crossing leg (intersected)."""
    from hca.engine.features import piece_pairs, pieces_build, stretches
    from hca.engine.intervals import union_by_key
    from hca.engine.network import network_build

    rng = np.random.default_rng(11)
    length, angle = rng.uniform(20, 1200, size=60), rng.uniform(-1.2, 1.2, size=60)
    legs = np.cumsum(np.column_stack([length * np.cos(angle), length * np.sin(angle)]), axis=0)
    line = shapely.LineString(np.vstack([[0, 0], legs]))
    star = shapely.Polygon(
        [
            (3000 + r * math.cos(a), 200 + r * math.sin(a))
            for a, r in zip(np.linspace(0, 2 * math.pi, 24, endpoint=False), np.tile([2500, 700], 12), strict=True)
        ]
    )
    lake = shapely.box(-5000, -8000, 40_000, 8000).difference(shapely.box(10_000, -1000, 14_000, 1000))
    geoms = [star, lake]
    for x, y in rng.uniform([0, -6000], [40_000, 6000], size=(60, 2)):
        w, h = rng.uniform(20, 3000, size=2)
        box = shapely.affinity.rotate(shapely.box(x, y, x + w, y + h), float(rng.uniform(0, 90)))
        geoms.append(
            box if len(geoms) % 7 else shapely.MultiPolygon([box, shapely.affinity.translate(box, 0, h + 400)])
        )
    geoms = np.array(geoms, dtype=object)
    net = network_build(np.array([line], dtype=object))
    assert (net.length < 200).any() and (net.length > 200).any()
    pieces = pieces_build(geoms)
    every = np.ones(len(geoms), bool)
    # Pairs found once for every feature, looking 800 m, serve rules over fewer features looking less far.
    wide = piece_pairs(net, pieces, every, 800.0)
    some = np.arange(len(geoms)) % 3 > 0
    for d in (23.8, 200.0):
        found = stretches(net, pieces, every, np.array([d]))
        for mask in (every, some):
            alone = stretches(net, pieces, mask, np.array([d]))
            shared = stretches(net, pieces, mask, np.array([d]), wide)
            assert len(alone) > 0 and set(np.unique(alone.feat)) <= set(np.flatnonzero(mask))
            assert _rows(shared) == _rows(alone)
        key, start, end = union_by_key(found.feat, found.start, found.end)
        for f, geom in enumerate(geoms):
            inside = shapely.intersection(line, shapely.buffer(geom, d, quad_segs=256))
            expected = sorted(
                tuple(shapely.line_locate_point(line, shapely.points(shapely.get_coordinates(part)[[0, -1]])))
                for part in shapely.get_parts(shapely.line_merge(inside))
                if not part.is_empty and part.length > 0.05
            )
            got = [(a, b) for a, b in zip(start[key == f], end[key == f], strict=True) if b - a > 0.05]
            assert len(got) == len(expected), (d, f)
            np.testing.assert_allclose(np.array(got).reshape(-1, 2), np.array(expected).reshape(-1, 2), atol=0.05)


def test_edge_pairs_are_every_box_overlap_for_small_and_large_features():
    """Features of a few edges ask the tree once and compare their edges in
    numpy; features of many edges ask edge by edge: either way, exactly the
    (edge, segment) pairs whose boxes meet, the edge's grown by the reach."""
    from hca.engine.candidates import envelopes
    from hca.engine.features import SMALL_FEATURE_EDGES, _edge_boxes, _edge_pairs, pieces_build
    from hca.engine.network import network_build

    rng = np.random.default_rng(9)
    line = shapely.LineString(np.cumsum(rng.uniform(-300, 700, size=(60, 2)), axis=0))
    net = network_build(np.array([line], dtype=object))
    small = [shapely.box(x, y, x + 40, y + 25) for x, y in rng.uniform(-1000, 20_000, size=(300, 2))]
    lake = shapely.Point(8000, 8000).buffer(3000, quad_segs=64)  # 256 edges
    river = shapely.LineString(np.column_stack([np.linspace(-2000, 25_000, 150), rng.uniform(4000, 9000, 150)]))
    geoms = np.array([*small, lake, river, shapely.MultiPolygon([small[0], small[1]])], dtype=object)
    pieces = pieces_build(geoms)
    counts = np.bincount(pieces.edge_feat)
    assert counts[len(small)] > SMALL_FEATURE_EDGES and counts[len(small) + 1] > SMALL_FEATURE_EDGES
    for reach in (23.8, 200.0):
        every = np.arange(len(pieces.qx))
        x0, y0, x1, y1 = _edge_boxes(pieces, every)
        edge, seg = net.tree.query(envelopes(x0 - reach, y0 - reach, x1 + reach, y1 + reach))
        got_edge, got_seg = _edge_pairs(net, pieces, every, reach)
        assert sorted(zip(got_edge.tolist(), got_seg.tolist(), strict=True)) == sorted(
            zip(edge.tolist(), seg.tolist(), strict=True)
        )
        assert len(edge) > 50 and {len(small), len(small) + 1} <= set(pieces.edge_feat[got_edge].tolist())


def _rows(found) -> list[tuple]:
    """Stretches as sorted rows, for comparing two ways of finding them."""
    return sorted(
        zip(
            found.pipe.tolist(),
            found.feat.tolist(),
            found.start.round(9).tolist(),
            found.end.round(9).tolist(),
            strict=True,
        )
    )


def test_windows_of_all_pipelines_at_once_end_where_each_pipeline_alone_would():
    """The window ends found for all pipelines in one search (chainages
    shifted per pipeline, which rounds them) against a search per pipeline,
    with buildings exactly one window apart, ties, and empty pipelines."""
    from hca.engine.location_class import window_rows

    rng = np.random.default_rng(5)
    window = 2000.0
    pipe, chain = [], []
    for k in range(0, 300, 3):  # every third pipeline has buildings
        base = rng.uniform(0, 60_000, size=40).round(3)
        # exactly at the window's end, within its slack, just beyond it; ties
        stepped = np.concatenate([base, base + window, base + window + 1e-9, base + window + 3e-9, base[:5]])
        pipe += [k] * len(stepped)
        chain += list(stepped)
    pipe, chain = np.array(pipe), np.array(chain)
    feat = np.arange(len(pipe))
    shuffled = rng.permutation(len(pipe))
    pipe, feat, chain = pipe[shuffled], feat[shuffled], chain[shuffled]
    rows = window_rows(pipe, feat, chain, n_pipelines=300, window=window)
    # Ordered by pipeline, chainage, then feature, whatever order the rows came in.
    expected = np.lexsort((feat, chain, pipe))
    np.testing.assert_array_equal(rows.feat, feat[expected])
    for k in range(300):
        here = slice(rows.run_start[k], rows.run_start[k + 1])
        c = rows.chain[here]
        assert (np.diff(c) >= 0).all()
        expected = np.searchsorted(c, c + window + 1e-9, side="right") + here.start
        np.testing.assert_array_equal(rows.window_end[here], expected)


def test_candidate_pairs_are_every_box_overlap():
    """The grid-filtered candidates against a plain tree query: every
    (segment, feature) pair whose boxes overlap, the segment's grown by the
    corridor, with small and very large features, an empty geometry, features
    far off and segments beyond the features' extent; and on a layer spread
    so wide that the grid takes larger cells."""
    from hca.engine.candidates import FeatureIndex, envelopes
    from hca.engine.network import network_build

    rng = np.random.default_rng(3)
    line = shapely.LineString(np.cumsum(rng.uniform(-400, 900, size=(80, 2)), axis=0))
    far_line = shapely.LineString([(-90_000, -90_000), (-89_000, -90_500)])
    net = network_build(np.array([line, far_line], dtype=object))
    xy = rng.uniform(-2000, 40_000, size=(4000, 2))
    geoms = [shapely.Point(x, y) if i % 3 else shapely.box(x, y, x + 30, y + 12) for i, (x, y) in enumerate(xy)]
    # Boxes just under BIG_M across, around the line: some overlap a grown box with their centre outside it.
    around = shapely.line_interpolate_point(line, rng.uniform(0, line.length, 3000))
    for point, (dx, dy) in zip(around, rng.uniform(-300, 300, size=(3000, 2)), strict=True):
        geoms.append(shapely.box(point.x + dx - 35, point.y + dy - 35, point.x + dx + 35, point.y + dy + 35))
    end_x, end_y = line.coords[-1]
    big = shapely.box(end_x - 30, end_y - 30, end_x + 60_000, end_y + 30)  # its centre 30 km from the line
    geoms += [big, shapely.Polygon(), shapely.Point(5e6, 5e6)]
    geoms = np.array(geoms, dtype=object)
    for corridor in (5.0, 200.0, 800.0):
        lo, hi = np.minimum(net.a, net.b) - corridor, np.maximum(net.a, net.b) + corridor
        seg, feat = shapely.STRtree(geoms).query(envelopes(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
        index = FeatureIndex(geoms)
        got_seg, got_feat = index.candidates(net, corridor)
        assert sorted(zip(got_seg.tolist(), got_feat.tolist(), strict=True)) == sorted(
            zip(seg.tolist(), feat.tolist(), strict=True)
        )
        assert len(seg) > 20 and len(geoms) - 3 in feat  # the 60 km box from the line's end counts
    assert index._size > FeatureIndex.CELL_M  # the far point spreads the layer over 5,000 km
    # By hand: cells start at x = -1000 (the first point), 200 m wide. The segment's box grown
    # by 200 m ends at x = 390, in the cell [200, 400); a 68 m box centred at x = 410, in the
    # next cell, reaches back to 376: a candidate, found through the further BIG_M.
    one = network_build(np.array([shapely.LineString([(0, 0), (190, 0)])], dtype=object))
    hand = np.array([shapely.Point(-1000, -1000), shapely.box(376, -34, 444, 34)], dtype=object)
    assert FeatureIndex(hand).candidates(one, 200.0)[1].tolist() == [1]


def test_line_pieces_match_shapely_substring():
    from shapely.ops import substring

    from hca.engine.network import line_pieces

    line = shapely.LineString([(0, 0), (100, 0), (100, 0), (150, 50), (150, 300), (20, 310)])
    rng = np.random.default_rng(3)
    # the whole line, whole legs, a sliver, and one running past the end (clipped)
    cuts = [(0.0, line.length), (0.0, 100.0), (100.0, 150.0), (37.5, 37.5 + 1e-3), (400.0, 900.0)]
    cuts += [tuple(sorted(rng.uniform(0, line.length, 2))) for _ in range(50)]
    for piece, (start, end) in zip(line_pieces([(line, a, b) for a, b in cuts]), cuts, strict=True):
        expected = substring(line, start, end)
        assert piece.geom_type == "LineString"
        assert piece.length == pytest.approx(expected.length, abs=1e-9)
        assert piece.hausdorff_distance(expected) < 1e-9


@pytest.mark.parametrize("gf_end_off", [0.0, 3e-10, -3e-10])
@pytest.mark.parametrize("gb_end_off", [0.0, 3e-10, -3e-10])
def test_a_sliver_left_by_ends_computed_two_ways_adds_no_rule(gf_end_off, gb_end_off):
    """A G-f stretch inside a G-b region, both to the pipeline's end, one end computed along
    another path than the pipeline's length (~3e-10 m off, either way): subtracting G-b
    leaves nothing of G-f, and the G-b segment carries G-b alone."""
    from hca.engine.merge import Chunk, merge_chunks
    from hca.engine.types import Reason

    line = shapely.LineString([(0, 0), (700.1, 0), (700.1, 534.47)])
    length = np.array([line.length])
    end = float(length[0])
    gb_rule, gf_rule = Rule("G-b", "gas", "class", 2, None, {}), Rule("G-f", "gas", "site", 3, 200, {})
    gf = Chunk(gf_rule, [0], [1100.0], [end + gf_end_off], [Reason("G-f", "sites", "s1")])
    left = gf.minus([(0, 1000.0, end + gb_end_off)], length)
    assert (left.pipe, left.start, left.end) == ([], [], [])
    gb = Chunk(gb_rule, [0], [1000.0], [end + gb_end_off], [Reason("G-b", "buildings", "class")])
    segments = merge_chunks([pipeline(medium="gas", line=line)], length, [gb, left])
    assert [(s.start_m, s.end_m, s.grade, s.rules) for s in segments] == [(1000.0, end, 2, ("G-b",))]
    # A sliver handed to the merge directly is dropped there too.
    sliver = Chunk(gf_rule, [0], [end - 3e-10], [end + gf_end_off], [Reason("G-f", "sites", "s1")])
    segments = merge_chunks([pipeline(medium="gas", line=line)], length, [gb, sliver])
    assert [s.rules for s in segments] == [("G-b",)]
