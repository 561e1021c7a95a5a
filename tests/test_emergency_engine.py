"""The isolation trace and the reach on hand-made networks (emergency.md), no database."""

import math

import pytest
import shapely

from emergency.engine import Pipe, ReachIndex, ReachLayer, Valve, incident_answer, isolate, network_build


def pipe(code, *coords, medium="oil", d=508.0, wall=10.0, maop=6.3):
    return Pipe(code, shapely.LineString(coords), medium, d, wall, maop)


def codes(refs):
    return [r["code"] for r in refs]


def trace(network, pipe_index, chainage, failed=()):
    return isolate(network, pipe_index, chainage, failed).as_dict()


def test_straight_line_closes_the_valves_on_both_sides_and_reports_the_open_end():
    net = network_build(
        [pipe("DY-040", (0, 0), (10_000, 0))],
        [Valve("V-1", 0, 3000.0, "remote"), Valve("V-2", 0, 7000.0, "manual")],
    )
    first = trace(net, 0, 1520.3)
    assert first["pipeline_code"] == "DY-040"
    assert first["chainage_m"] == 1520.3
    assert codes(first["valves_to_close"]) == ["V-1"]
    assert first["isolated"] == [{"pipeline_code": "DY-040", "from_m": 0.0, "to_m": 3000.0}]
    assert first["isolated_length_m"] == 3000.0
    assert first["open_ends"] == [{"pipeline_code": "DY-040", "chainage_m": 0.0}]
    assert first["passed"] == []
    inner = (508.0 - 2 * 10.0) / 1000
    assert first["volume_m3"] == round(math.pi / 4 * inner**2 * 3000.0, 1)

    middle = trace(net, 0, 5000.0)
    assert codes(middle["valves_to_close"]) == ["V-1", "V-2"]
    assert middle["isolated"] == [{"pipeline_code": "DY-040", "from_m": 3000.0, "to_m": 7000.0}]
    assert middle["open_ends"] == []


def test_remote_and_automatic_valves_come_first_then_manual_by_distance():
    net = network_build(
        [pipe("P", (0, 0), (10_000, 0)), pipe("Q", (6000, 0), (6000, 5000))],
        [
            Valve("M-near", 0, 6500.0, "manual"),
            Valve("R-far", 0, 1000.0, "remote"),
            Valve("A-mid", 1, 3000.0, "automatic"),
            Valve("M-far", 0, 9000.0, "manual"),
        ],
    )
    # Incident at 6400 on P: M-far is beyond M-near, so not reached; the tee leads to A-mid on Q.
    answer = trace(net, 0, 6400.0)
    assert codes(answer["valves_to_close"]) == ["A-mid", "R-far", "M-near"]
    # A-mid is 400 + 3000 m away along the network, R-far 5400 m: nearer first among the remote ones.
    assert answer["valves_to_close"][0] == {
        "code": "A-mid",
        "kind": "automatic",
        "pipeline_code": "Q",
        "chainage_m": 3000.0,
    }


def test_a_tee_joins_the_branch_and_its_valves():
    net = network_build(
        [pipe("A", (0, 0), (10_000, 0)), pipe("B", (5000, 0.4), (5000, 4000))],
        [Valve("A1", 0, 2000.0, "manual"), Valve("A2", 0, 8000.0, "manual"), Valve("B1", 1, 1000.0, "manual")],
    )
    answer = trace(net, 0, 3000.0)
    assert sorted(codes(answer["valves_to_close"])) == ["A1", "A2", "B1"]
    assert answer["isolated"] == [
        {"pipeline_code": "A", "from_m": 2000.0, "to_m": 8000.0},
        {"pipeline_code": "B", "from_m": 0.0, "to_m": 1000.0},
    ]
    assert answer["isolated_length_m"] == 7000.0
    # From the branch, the same compartment.
    assert sorted(codes(trace(net, 1, 500.0)["valves_to_close"])) == ["A1", "A2", "B1"]


def test_end_to_end_joint_within_a_metre_connects_and_one_further_does_not():
    joined = network_build(
        [pipe("A", (0, 0), (1000, 0)), pipe("B", (1000, 0.9), (3000, 0))],
        [Valve("B1", 1, 1500.0, "manual")],
    )
    answer = trace(joined, 0, 500.0)
    assert codes(answer["valves_to_close"]) == ["B1"]
    assert [s["pipeline_code"] for s in answer["isolated"]] == ["A", "B"]
    assert answer["open_ends"] == [{"pipeline_code": "A", "chainage_m": 0.0}]

    apart = network_build(
        [pipe("A", (0, 0), (1000, 0)), pipe("B", (1000, 1.5), (3000, 0))],
        [Valve("B1", 1, 1500.0, "manual")],
    )
    answer = trace(apart, 0, 500.0)
    assert answer["valves_to_close"] == []
    assert answer["isolated"] == [{"pipeline_code": "A", "from_m": 0.0, "to_m": 1000.0}]
    assert answer["open_ends"] == [
        {"pipeline_code": "A", "chainage_m": 0.0},
        {"pipeline_code": "A", "chainage_m": 1000.0},
    ]


def test_lines_that_merely_cross_do_not_connect():
    net = network_build(
        [pipe("A", (0, 0), (2000, 0)), pipe("C", (1000, -1000), (1000, 1000))],
        [Valve("C1", 1, 500.0, "manual")],
    )
    answer = trace(net, 0, 1000.0)
    assert answer["isolated"] == [{"pipeline_code": "A", "from_m": 0.0, "to_m": 2000.0}]
    assert answer["valves_to_close"] == []


def test_a_loop_is_closed_from_both_sides_and_each_valve_listed_once():
    net = network_build(
        [pipe("A", (0, 0), (1000, 0)), pipe("L", (1000, 0), (1000, 1000), (0, 1000), (0, 0))],
        [Valve("L1", 1, 1500.0, "manual")],
    )
    answer = trace(net, 0, 200.0)
    assert codes(answer["valves_to_close"]) == ["L1"]
    assert answer["isolated"] == [
        {"pipeline_code": "A", "from_m": 0.0, "to_m": 1000.0},
        {"pipeline_code": "L", "from_m": 0.0, "to_m": 3000.0},
    ]
    assert answer["open_ends"] == []
    # Without the valve the flow goes round: nothing to close, nothing open.
    ring = network_build([pipe("A", (0, 0), (1000, 0)), pipe("L", (1000, 0), (1000, 1000), (0, 1000), (0, 0))], [])
    assert trace(ring, 0, 200.0)["valves_to_close"] == []
    assert trace(ring, 0, 200.0)["open_ends"] == []


def test_inoperable_and_check_valves_are_passed():
    net = network_build(
        [pipe("P", (0, 0), (10_000, 0))],
        [
            Valve("STUCK", 0, 3000.0, "manual", operable=False),
            Valve("CHECK", 0, 5000.0, "check"),
            Valve("R", 0, 7000.0, "remote"),
        ],
    )
    answer = trace(net, 0, 1000.0)
    assert codes(answer["valves_to_close"]) == ["R"]
    assert codes(answer["passed"]) == ["STUCK", "CHECK"]
    assert answer["isolated"] == [{"pipeline_code": "P", "from_m": 0.0, "to_m": 7000.0}]
    assert answer["open_ends"] == [{"pipeline_code": "P", "chainage_m": 0.0}]


def test_a_station_valve_at_the_end_closes_it():
    net = network_build(
        [pipe("P", (0, 0), (5000, 0))],
        [Valve("S0", 0, 0.0, "automatic"), Valve("S1", 0, 5000.0, "automatic")],
    )
    answer = trace(net, 0, 2500.0)
    assert codes(answer["valves_to_close"]) == ["S0", "S1"]
    assert answer["open_ends"] == []


def test_a_failed_valve_brings_in_the_next_ring():
    net = network_build(
        [pipe("P", (0, 0), (10_000, 0))],
        [Valve(f"V{k}", 0, k * 2000.0, "manual") for k in (1, 2, 3, 4)],
    )
    assert codes(trace(net, 0, 5000.0)["valves_to_close"]) == ["V2", "V3"]
    answer = trace(net, 0, 5000.0, failed=["V3"])
    assert codes(answer["valves_to_close"]) == ["V2", "V4"]
    assert codes(answer["passed"]) == ["V3"]
    assert answer["failed"] == ["V3"]
    assert answer["isolated"] == [{"pipeline_code": "P", "from_m": 4000.0, "to_m": 8000.0}]
    both = trace(net, 0, 5000.0, failed=["V3", "V4"])
    assert codes(both["valves_to_close"]) == ["V2"]
    assert both["open_ends"] == [{"pipeline_code": "P", "chainage_m": 10_000.0}]


def test_placing_the_incident_within_fifty_metres():
    net = network_build([pipe("P", (0, 0), (1000, 0))], [])
    near = incident_answer(net, shapely.Point(400, 30))
    assert near["pipeline_code"] == "P"
    assert near["chainage_m"] == 400.0
    assert near["distance_to_pipeline_m"] == 30.0
    far = incident_answer(net, shapely.Point(400, 60))
    assert far["pipeline_code"] is None
    assert far["valves_to_close"] == []


def test_reach_gas_radius_and_what_lies_inside():
    gas = pipe("G", (0, 0), (1000, 0), medium="gas", d=610.0, maop=10.0)
    net = network_build([gas], [])
    radius = 0.099 * math.sqrt(610.0**2 * 10.0)
    reach = ReachIndex(
        {
            "hca_segments": ReachLayer([shapely.LineString([(0, 0), (600, 0)])], [{"id": 7, "grade": "II"}]),
            "sites": ReachLayer(
                [shapely.Point(500, 100), shapely.Point(500, radius + 5), shapely.Point(500, 50)],
                [{"id": "S1", "name": "school"}, {"id": "S2", "name": "too far"}, {"id": "S3", "name": "hospital"}],
            ),
            "buildings": ReachLayer(
                [shapely.box(480, 10, 490, 20), shapely.box(480, radius + 1, 490, radius + 10)], [{}, {}]
            ),
        }
    )
    answer = incident_answer(net, shapely.Point(500, 0), reach=reach)
    assert answer["reach"]["radius_m"] == round(radius, 1)
    assert [s["id"] for s in answer["reach"]["sites"]] == ["S3", "S1"]  # nearest first
    assert answer["reach"]["buildings"] == 1
    assert answer["reach"]["hca_segments"] == [{"id": 7, "grade": "II", "distance_m": 0.0}]


def test_reach_of_a_liquid_line_is_the_default_radius():
    net = network_build([pipe("O", (0, 0), (1000, 0))], [])
    reach = ReachIndex(
        {"sites": ReachLayer([shapely.Point(500, 199), shapely.Point(500, 201)], [{"id": 1}, {"id": 2}])}
    )
    answer = incident_answer(net, shapely.Point(500, 0), reach=reach)
    assert answer["reach"]["radius_m"] == 200.0
    assert [s["id"] for s in answer["reach"]["sites"]] == [1]
    assert incident_answer(net, shapely.Point(500, 0), reach=reach, liquid_radius_m=300)["reach"]["radius_m"] == 300.0


@pytest.mark.parametrize("chainage", [0.0, 2000.0, 4000.0])
def test_an_incident_at_a_breakpoint_is_placed_and_traced(chainage):
    net = network_build([pipe("P", (0, 0), (4000, 0))], [Valve("V", 0, 2000.0, "manual")])
    answer = trace(net, 0, chainage)
    assert codes(answer["valves_to_close"]) == ["V"]


def test_station_valves_where_pipelines_meet_shut_off_their_own_pipeline_only():
    # Three pipelines leave one station; each has its station valve at its start.
    net = network_build(
        [
            pipe("A", (0, 0), (5000, 0)),
            pipe("B", (0, 0), (0, 5000)),
            pipe("C", (0, 0), (-5000, 0)),
        ],
        [
            Valve("A0", 0, 0.0, "automatic"),
            Valve("B0", 1, 0.0, "automatic"),
            Valve("C0", 2, 0.0, "automatic"),
            Valve("A1", 0, 3000.0, "manual"),
        ],
    )
    answer = trace(net, 0, 1000.0)
    assert codes(answer["valves_to_close"]) == ["A0", "A1"]
    assert answer["isolated"] == [{"pipeline_code": "A", "from_m": 0.0, "to_m": 3000.0}]
    # With A's station valve failed, the station's other valves shut B and C off.
    failed = trace(net, 0, 1000.0, failed=["A0"])
    assert codes(failed["valves_to_close"]) == ["B0", "C0", "A1"]
    assert failed["open_ends"] == []
