"""The check before digging on hand-made geometries (docs/construction.md), no database.

The world: pipeline 0 runs along the x axis from (0, 0) to (2000, 0), with a valve at its start (0, 0);
a river runs along x = 1600 and crosses it at (1600, 0). Each scenario puts a work (a point, a line or an
area) at a given distance from one thing (the centreline at x = 1000, the valve, the river crossing) and
far (> 500 m) from the others, on both sides of each distance of the rule table (±0.1 m).

The expectations below are written from the doc's table, not from the engine's constants. Each rule is shown
to fail its test when broken: ``test_every_broken_rule_is_caught`` rewrites the rules module (a distance moved
by 0.2 m, a comparison or a condition changed, a work type taken out of or put into a rule, the order of
strictness swapped) and checks that the same cases then fail.
"""

import inspect
import types

import numpy as np
import pytest
import shapely

from construction.choices import Band, Verdict, WorkType
from construction.engine import check_loop, check_run, index, index_build, rules

PIPE = shapely.LineString([(0, 0), (2000, 0)])
VALVE = shapely.Point(0, 0)
RIVER = shapely.LineString([(1600, -3000), (1600, 3000)])

# The doc's table, as read by a person.
CROSSING = {"road", "railway", "canal", "power_line", "cable", "pipeline"}
NEAR = {"road", "railway", "canal", "power_line", "cable", "grounding"}  # Art. 35(2)
FAR = {"blasting", "seismic_survey", "excavation", "drilling", "mining"}  # Art. 35(3)
RIVER_PROHIBITED = {"anchoring", "dredging", "quarrying", "underwater_blasting"}  # Art. 32
ALL = set(WorkType.values)

P, A, OK = "prohibited", "approval_required", "allowed"


def world(**kwargs):
    return index_build([PIPE], [VALVE], [0], [RIVER], **kwargs)


def shapes(anchor, outward, distance):
    """A point, a line and an area whose nearest point to ``anchor`` lies ``distance`` m from it along
    the unit vector ``outward`` (the line across ``outward``; the area beyond the line)."""
    ax, ay = anchor
    ux, uy = outward
    cx, cy = ax + distance * ux, ay + distance * uy
    vx, vy = -uy, ux  # across
    line = shapely.LineString([(cx - 20 * vx, cy - 20 * vy), (cx + 20 * vx, cy + 20 * vy)])
    far = (cx + 40 * ux, cy + 40 * uy)
    area = shapely.Polygon(
        [
            (cx - 20 * vx, cy - 20 * vy),
            (cx + 20 * vx, cy + 20 * vy),
            (far[0] + 20 * vx, far[1] + 20 * vy),
            (far[0] - 20 * vx, far[1] - 20 * vy),
        ]
    )
    return {"point": shapely.Point(cx, cy), "line": line, "area": area}


def expect(work_type, scenario):
    """(verdict, band, listed) the doc gives pipeline 0 in each scenario."""
    kind, metres = scenario
    if kind == "centreline":  # d = metres, no facility within 500 m, no river crossing within 500 m
        if metres < 5:
            return P, "<5", True
        if work_type in NEAR and metres <= 50:
            return A, "5-50", True
        if work_type in FAR and metres <= 200:
            return A, "200", True
        return OK, "none", metres <= 200
    if kind == "facility":  # d = f = metres, beyond 50 m
        if work_type in NEAR and metres <= 100:
            return A, "facility-100", True
        if work_type in FAR:
            if metres <= 200:
                return A, "200", True
            if metres <= 500:
                return A, "facility-500", True
        return OK, "none", metres <= 500
    if kind == "river":  # d = r = metres, beyond 200 m
        if metres <= 500 and work_type in RIVER_PROHIBITED:
            return P, "river-500", True
        if metres <= 500 and work_type == "maintenance_dredging":
            return A, "river-500", True
        return OK, "none", False
    raise AssertionError(kind)


SCENARIOS = {
    ("centreline", 4.9): ((1000, 0), (0, 1)),
    ("centreline", 5.1): ((1000, 0), (0, 1)),
    ("centreline", 49.9): ((1000, 0), (0, -1)),
    ("centreline", 50.1): ((1000, 0), (0, -1)),
    ("centreline", 199.9): ((1000, 0), (0, 1)),
    ("centreline", 200.1): ((1000, 0), (0, 1)),
    ("facility", 99.9): ((0, 0), (-1, 0)),
    ("facility", 100.1): ((0, 0), (-1, 0)),
    ("facility", 499.9): ((0, 0), (-1, 0)),
    ("facility", 500.1): ((0, 0), (-1, 0)),
    ("river", 499.9): ((1600, 0), (0, 1)),
    ("river", 500.1): ((1600, 0), (0, -1)),
}


def boundary_failures(idx=None) -> list[str]:
    """Every case, over every work type and shape, where the engine disagrees with the doc."""
    idx = idx or world()
    failures = []
    for scenario, (anchor, outward) in SCENARIOS.items():
        for shape, geom in shapes(anchor, outward, scenario[1]).items():
            for work_type in sorted(ALL):
                verdict, band, listed = expect(work_type, scenario)
                result = check_run(idx, geom, work_type)
                got = [(f.pipe, f.verdict, f.band) for f in result.findings]
                want = [(0, verdict, band)] if listed else []
                if got != want or result.verdict != verdict:
                    failures.append(f"{scenario} {shape} {work_type}: {result.verdict} {got}, want {verdict} {want}")
    return failures + crossing_failures(idx) + strictest_failures()


def crossing_failures(idx) -> list[str]:
    """A line, an area and a point that meet the centreline (far from the valve and the river)."""
    works = {
        "point": shapely.Point(1000, 0),
        "line": shapely.LineString([(1000, -30), (1000, 30)]),
        "area": shapely.box(990, -10, 1010, 10),
    }
    failures = []
    for shape, geom in works.items():
        for work_type in sorted(ALL):
            want = (A, "crosses", ["35(1)"]) if work_type in CROSSING else (P, "<5", ["30"])
            result = check_run(idx, geom, work_type)
            got = [(f.verdict, f.band, f.articles) for f in result.findings]
            if got != [want] or result.verdict != want[0] or not result.findings[0].crosses:
                failures.append(f"crossing {shape} {work_type}: {got}, want {want}")
    # Near but not crossing: a crossing type is prohibited under 5 m like any other work.
    near = check_run(idx, shapely.LineString([(1000, 1), (1000, 30)]), "road")
    if [(f.verdict, f.band) for f in near.findings] != [(P, "<5")]:
        failures.append(f"road 1 m from the centreline, not crossing: {near}")
    return failures


def strictest_failures() -> list[str]:
    """Three pipelines: one 3 m away (prohibited), one 30 m away (approval for a road), one 150 m (listed)."""
    idx = index_build(
        [
            shapely.LineString([(0, 150), (2000, 150)]),
            shapely.LineString([(0, 30), (2000, 30)]),
            shapely.LineString([(0, -3), (2000, -3)]),
        ]
    )
    result = check_run(idx, shapely.Point(1000, 0), "road")
    got = [(f.pipe, f.verdict, f.band) for f in result.findings]
    want = [(2, P, "<5"), (1, A, "5-50"), (0, OK, "none")]
    failures = [] if (result.verdict, got) == (P, want) else [f"strictest: {result.verdict} {got}, want {P} {want}"]
    result = check_run(idx, shapely.Point(1000, 60), "road")  # 30 m from pipeline 1, 63 m from 2, 90 m from 0
    got = [(f.pipe, f.verdict, f.band) for f in result.findings]
    want = [(1, A, "5-50"), (2, OK, "none"), (0, OK, "none")]
    if (result.verdict, got) != (A, want):
        failures.append(f"strictest: {result.verdict} {got}, want {A} {want}")
    return failures


def test_both_sides_of_every_distance_for_points_lines_and_areas():
    assert boundary_failures() == []


def test_the_doc_vocabulary():
    assert len(WorkType.values) == 28
    assert set(WorkType.values) == {
        *["excavation", "building", "structure", "deep_rooted_planting", "soil_extraction", "fire", "heavy_stacking"],
        *[
            "corrosive_discharge",
            "pond",
            "greenhouse",
            "animal_shed",
            "road",
            "railway",
            "canal",
            "power_line",
            "cable",
            "grounding",
        ],
        *["pipeline", "blasting", "seismic_survey", "drilling", "mining", "quarrying", "anchoring", "dredging"],
        *["maintenance_dredging", "underwater_blasting", "other"],
    }
    # The engine's plain strings are the choices' codes.
    engine_types = (
        rules.CROSSING_TYPES
        | rules.NEAR_APPROVAL_TYPES
        | rules.FAR_APPROVAL_TYPES
        | rules.RIVER_PROHIBITED_TYPES
        | rules.RIVER_APPROVAL_TYPES
    )
    assert engine_types <= ALL
    assert set(rules.STRICTNESS) == set(Verdict.values)
    bands = {rule.band for work_type in ALL for rule in rules.rules_applying(work_type, 0, 0, 0, True)}
    bands |= {rule.band for work_type in ALL for rule in rules.rules_applying(work_type, 300, 0, 0, False)}
    bands |= {rule.band for work_type in ALL for rule in rules.rules_applying(work_type, 30, 600, 600, False)}
    bands |= {rule.band for work_type in ALL for rule in rules.rules_applying(work_type, 300, 300, 600, False)}
    assert bands | {"none"} == set(Band.values)


def test_articles_of_the_deciding_rules():
    assert rules.pipeline_verdict("road", 0.0, 50.0, np.inf, True) == (A, "crosses", ["35(1)", "35(2)"])
    assert rules.pipeline_verdict("excavation", 3.0, 600, np.inf, False) == (P, "<5", ["30"])
    assert rules.pipeline_verdict("dredging", 3.0, 600, 200.0, False) == (P, "<5", ["30", "32"])
    assert rules.pipeline_verdict("maintenance_dredging", 300.0, 600, 200.0, False) == (A, "river-500", ["32"])
    assert rules.pipeline_verdict("other", 30.0, 30.0, 30.0, False) == (OK, "none", [])


def test_multi_geometries_take_their_nearest_part():
    idx = world()
    works = shapely.MultiPoint([(1000, 300), (1000, 4.9)])
    assert check_run(idx, works, "building").verdict == P
    lines = shapely.MultiLineString([[(1000, 300), (1100, 300)], [(900, 30), (950, 30)]])
    assert [(f.band, round(f.distance_m, 1)) for f in check_run(idx, lines, "cable").findings] == [("5-50", 30.0)]
    areas = shapely.MultiPolygon([shapely.box(900, 300, 950, 350), shapely.box(900, -60, 950, -50.1)])
    assert check_run(idx, areas, "power_line").verdict == OK


def test_an_area_around_the_pipeline_meets_it():
    """A work area that holds a stretch of pipeline inside it (no edge near the line) is at distance 0."""
    result = check_run(world(), shapely.box(900, -100, 1100, 100), "cable")
    assert [(f.verdict, f.band, f.distance_m, f.crosses) for f in result.findings] == [(A, "crosses", 0.0, True)]


def test_river_crossings_come_from_the_rivers():
    idx = world()
    assert [(c.wkt, int(p)) for c, p in zip(idx.crossings, idx.crossing_pipe, strict=True)] == [("POINT (1600 0)", 0)]
    # A river area: the stretch of pipeline inside it is the crossing.
    lake_river = shapely.box(1590, -500, 1610, 500)
    idx = index_build([PIPE], [], [], [lake_river])
    assert idx.crossings[0].equals(shapely.LineString([(1590, 0), (1610, 0)]))
    # No river: nothing near a river.
    assert check_run(index_build([PIPE]), shapely.Point(1600, 300), "anchoring").verdict == OK


def test_the_index_and_the_loop_agree():
    rng = np.random.default_rng(15)
    lines = [shapely.LineString(rng.uniform(0, 3000, (4, 2))) for _ in range(40)]
    valves = [line.interpolate(0.5, normalized=True) for line in lines]
    rivers = [shapely.LineString([(1500, -100), (1400, 3100)])]
    idx = index_build(lines, valves, list(range(40)), rivers)
    for k in range(60):
        x, y = rng.uniform(0, 3000, 2)
        work = [shapely.Point(x, y), shapely.LineString([(x, y), (x + 80, y + 40)]), shapely.box(x, y, x + 60, y + 60)][
            k % 3
        ]
        for work_type in ("road", "excavation", "anchoring", "maintenance_dredging", "building"):
            fast = check_run(idx, work, work_type)
            slow = check_loop(
                idx.lines, idx.facilities, idx.facility_pipe, idx.crossings, idx.crossing_pipe, work, work_type
            )
            assert fast.verdict == slow.verdict
            assert [(f.pipe, f.verdict, f.band, f.articles) for f in fast.findings] == [
                (f.pipe, f.verdict, f.band, f.articles) for f in slow.findings
            ]


# --- each rule shown to fail its test when broken ------------------------------------------------------------

RULES_SOURCE = inspect.getsource(rules)

MUTATIONS = [
    ("PROHIBITED_UNDER_M = 5.0", "PROHIBITED_UNDER_M = 5.2"),
    ("PROHIBITED_UNDER_M = 5.0", "PROHIBITED_UNDER_M = 4.8"),
    ("NEAR_FROM_M = 5.0", "NEAR_FROM_M = 5.2"),
    ("NEAR_TO_M = 50.0", "NEAR_TO_M = 50.2"),
    ("NEAR_TO_M = 50.0", "NEAR_TO_M = 49.8"),
    ("NEAR_FACILITY_M = 100.0", "NEAR_FACILITY_M = 100.2"),
    ("NEAR_FACILITY_M = 100.0", "NEAR_FACILITY_M = 99.8"),
    ("FAR_M = 200.0", "FAR_M = 200.2"),
    ("FAR_M = 200.0", "FAR_M = 199.8"),
    ("FAR_FACILITY_M = 500.0", "FAR_FACILITY_M = 500.2"),
    ("FAR_FACILITY_M = 500.0", "FAR_FACILITY_M = 499.8"),
    ("RIVER_CROSSING_M = 500.0", "RIVER_CROSSING_M = 500.2"),
    ("RIVER_CROSSING_M = 500.0", "RIVER_CROSSING_M = 499.8"),
    ("LISTED_M = 200.0", "LISTED_M = 200.2"),
    ("LISTED_M = 200.0", "LISTED_M = 199.8"),
    ("LISTED_FACILITY_M = 500.0", "LISTED_FACILITY_M = 500.2"),
    ("LISTED_FACILITY_M = 500.0", "LISTED_FACILITY_M = 499.8"),
    ("crossing = crosses and work_type in CROSSING_TYPES", "crossing = work_type in CROSSING_TYPES"),
    ("crossing = crosses and work_type in CROSSING_TYPES", "crossing = crosses"),
    ("if d < PROHIBITED_UNDER_M and not crossing:", "if d < PROHIBITED_UNDER_M:"),
    ("if NEAR_FROM_M <= d <= NEAR_TO_M:", "if d <= NEAR_TO_M:"),
    ("elif f <= NEAR_FACILITY_M:", "elif d <= NEAR_FACILITY_M:"),
    ("elif f <= NEAR_FACILITY_M:", "elif False:"),
    ("elif f <= FAR_FACILITY_M:", "elif d <= FAR_FACILITY_M:"),
    ("elif f <= FAR_FACILITY_M:", "elif False:"),
    ("if r <= RIVER_CROSSING_M:", "if d <= RIVER_CROSSING_M:"),
    ("elif work_type in RIVER_APPROVAL_TYPES:", "elif False:"),
    ('found.append(Rule(PROHIBITED, "river-500"', 'found.append(Rule(APPROVAL_REQUIRED, "river-500"'),
    ("STRICTNESS = {PROHIBITED: 2, APPROVAL_REQUIRED: 1", "STRICTNESS = {PROHIBITED: 1, APPROVAL_REQUIRED: 2"),
    (
        "return d <= LISTED_M or f <= LISTED_FACILITY_M or verdict != ALLOWED",
        "return d <= LISTED_M or f <= LISTED_FACILITY_M",
    ),
    (
        "return d <= LISTED_M or f <= LISTED_FACILITY_M or verdict != ALLOWED",
        "return d <= LISTED_M or verdict != ALLOWED",
    ),
]
# Each work type taken out of each rule's set, and a work type put into each set that does not belong there.
SETS = {
    "CROSSING_TYPES": CROSSING,
    "NEAR_APPROVAL_TYPES": NEAR,
    "FAR_APPROVAL_TYPES": FAR,
    "RIVER_PROHIBITED_TYPES": RIVER_PROHIBITED,
    "RIVER_APPROVAL_TYPES": {"maintenance_dredging"},
}
for name, members in SETS.items():
    for member in sorted(members):
        MUTATIONS.append((name, (name, member)))
    for intruder in ("building", "grounding", "other"):
        if intruder not in members:
            MUTATIONS.append((name, (name, "+" + intruder)))


def mutated(original, replacement):
    module = types.ModuleType("mutated_rules")
    source = RULES_SOURCE
    if isinstance(replacement, tuple):  # a set changed after the module ran
        exec(compile(source, "mutated_rules", "exec"), module.__dict__)  # noqa: S102 - our own source
        name, member = replacement
        current = getattr(module, name)
        setattr(module, name, current | {member[1:]} if member.startswith("+") else current - {member})
        return module
    assert source.count(original) == 1, original
    exec(compile(source.replace(original, replacement), "mutated_rules", "exec"), module.__dict__)  # noqa: S102
    module.REACH_M = 1000.0  # the index looks far enough to see a rule that moved outwards
    return module


@pytest.mark.parametrize(("original", "replacement"), MUTATIONS, ids=[f"{m[0]}->{m[1]}" for m in MUTATIONS])
def test_every_broken_rule_is_caught(monkeypatch, original, replacement):
    assert boundary_failures() == []
    monkeypatch.setattr(index, "rules", mutated(original, replacement))
    assert boundary_failures() != []
