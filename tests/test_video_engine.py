"""Camera coverage on hand-made cases (video.md's sector rule), no database.

Each rule is shown to matter: the ``*_rule_is_needed`` tests break the rule on
purpose (a constant or a condition of video/engine/coverage.py, patched) and
check that the case written for it then fails.
"""

import math

import numpy as np
import pytest
import shapely

from video.engine import Cameras, cameras_seeing, coverage_answer, coverage_answers, coverage_loop, seen_pieces
from video.engine import coverage as engine


def cams(*rows):
    """(code, x, y, azimuth, fov, range, online=True)."""
    return Cameras.build([(*row, True) if len(row) == 6 else row for row in rows])


EAST = shapely.LineString([(-1000, 0), (1000, 0)])  # chainage = x + 1000


def answer(cameras, line=EAST, from_m=0.0, to_m=None, **options):
    to_m = line.length if to_m is None else to_m
    return coverage_answers([line], [(0, from_m, to_m)], cameras, **options)[0]


def test_a_camera_on_the_line_looking_along_it_covers_its_range():
    result = answer(cams(("C1", 0, 0, 90, 60, 100)))
    assert result["covered_m"] == 100.0
    assert result["uncovered"] == [[0.0, 1000.0], [1100.0, 2000.0]]
    assert result["cameras"] == ["C1"]
    assert result["coverage"] == 0.05


def test_the_answer_has_video_md_s_keys_in_order():
    result = coverage_answers([EAST], [(0, 1200.0, 1500.0)], cams(("CAM-0007", 300, 0, 90, 90, 100)), codes=["DY-040"])
    assert list(result[0]) == ["pipeline_code", "from_m", "to_m", "covered_m", "coverage", "uncovered", "cameras"]
    assert result[0]["pipeline_code"] == "DY-040"
    assert result[0] == {
        "pipeline_code": "DY-040",
        "from_m": 1200.0,
        "to_m": 1500.0,
        "covered_m": 100.0,
        "coverage": 0.3333,
        "uncovered": [[1200.0, 1300.0], [1400.0, 1500.0]],
        "cameras": ["CAM-0007"],
    }


@pytest.mark.parametrize(("fov", "covered"), [(90, 100.0), (60, 100.0)])
def test_camera_off_the_line_sees_the_chord_of_its_sector(fov, covered):
    # camera 50 m north of the line looking south: the sector's sides cut the line at ±50·tan(fov/2)
    result = answer(cams(("C", 0, 50, 180, fov, 1000)))
    assert result["covered_m"] == pytest.approx(2 * 50 * math.tan(math.radians(fov / 2)), abs=0.1)
    assert covered  # the parametrisation names the case


def test_sector_edges_are_exact_to_a_hundredth_of_a_degree():
    # a ray at exactly azimuth + fov/2 is inside, one 0.01° beyond it is not
    x, y, az, fov, r = [0.0], [0.0], [90.0], [60.0], [100.0]
    inside = (50 * math.sin(math.radians(120)), 50 * math.cos(math.radians(120)))
    outside = (50 * math.sin(math.radians(120.01)), 50 * math.cos(math.radians(120.01)))
    assert list(cameras_seeing(x, y, az, fov, r, *inside)) == [0]
    assert list(cameras_seeing(x, y, az, fov, r, *outside)) == []
    # along a line: a view whose side lies 0.01° off the line sees nothing of it, one whose side lies on it sees it
    assert answer(cams(("C", 0, 0, 60, 59.98, 100)))["covered_m"] == 0.0
    assert answer(cams(("C", 0, 0, 60, 60, 100)))["covered_m"] == 100.0


def test_azimuth_wraps_through_north():
    north = shapely.LineString([(0, -1000), (0, 1000)])  # chainage = y + 1000
    # looking at 350° with 40°: from 330° to 10°, north (0°) is inside
    result = answer(cams(("C", 0, 0, 350, 40, 100)), line=north)
    assert result["covered_m"] == 100.0
    assert result["uncovered"] == [[0.0, 1000.0], [1100.0, 2000.0]]
    # the same view given as azimuth 710° or −10° is the same view
    assert answer(cams(("C", 0, 0, -10, 40, 100)), line=north)["covered_m"] == 100.0
    assert answer(cams(("C", 0, 0, 710, 40, 100)), line=north)["covered_m"] == 100.0
    # looking at 20° with 10°: 15°..25°, north is outside
    assert answer(cams(("C", 0, 0, 20, 10, 100)), line=north)["covered_m"] == 0.0
    x, y = 100 * math.sin(math.radians(355)), 100 * math.cos(math.radians(355))
    assert list(cameras_seeing([0], [0], [10], [40], [200], x, y)) == [0]


def test_fov_360_is_the_whole_circle():
    result = answer(cams(("C", 0, 30, 123, 360, 50)))
    assert result["covered_m"] == pytest.approx(2 * 40.0, abs=0.05)  # chord at 30 m of a 50 m circle
    assert result["cameras"] == ["C"]
    assert list(cameras_seeing([0], [0], [0], [360], [50], 0, -49.9)) == [0]


def test_a_view_wider_than_a_half_circle_sees_behind_its_sides():
    # 270° looking north: east and west of the camera are both in view, south-east and south-west are not
    result = answer(cams(("C", 0, 0, 0, 270, 100)))
    assert result["covered_m"] == 200.0
    # 10 m north of the line: straight behind (bearings 135°..225°) is hidden, so |x| < 10 m is not seen
    behind = answer(cams(("C", 0, 10, 0, 270, 100)))
    assert behind["covered_m"] == pytest.approx(2 * (math.sqrt(100**2 - 10**2) - 10), abs=0.01)
    assert behind["uncovered"] == [[0.0, 900.5], [990.0, 1010.0], [1099.5, 2000.0]]


def test_range_edge_to_a_tenth_of_a_metre():
    near = shapely.LineString([(99.9, -5), (99.9, 5)])
    far = shapely.LineString([(100.1, -5), (100.1, 5)])
    camera = cams(("C", 0, 0, 90, 90, 100))
    assert answer(camera, line=near)["covered_m"] > 0
    assert answer(camera, line=far)["covered_m"] == 0.0
    assert list(cameras_seeing([0], [0], [90], [90], [100], 99.9, 0)) == [0]
    assert list(cameras_seeing([0], [0], [90], [90], [100], 100.1, 0)) == []


def test_offline_cameras_count_only_for_the_design_coverage():
    cameras = Cameras.build([("ON", 0, 0, 90, 60, 100, True), ("OFF", 500, 0, 90, 60, 100, False)])
    online = answer(cameras)
    design = answer(cameras, all_cameras=True)
    assert online["covered_m"] == 100.0 and online["cameras"] == ["ON"]
    assert design["covered_m"] == 200.0 and design["cameras"] == ["OFF", "ON"]


def test_overlapping_and_touching_views_merge():
    # two cameras seeing 0..100 and 50..150 (overlap) and a third 150..250 (touching): one covered stretch
    cameras = cams(("A", 0, 0, 90, 60, 100), ("B", 50, 0, 90, 60, 100), ("C", 150, 0, 90, 60, 100))
    result = answer(cameras)
    assert result["covered_m"] == 250.0
    assert result["uncovered"] == [[0.0, 1000.0], [1250.0, 2000.0]]
    assert result["cameras"] == ["A", "B", "C"]


def test_uncovered_pieces_under_one_metre_are_not_listed():
    # views 0..100 and 100.9..200.9 leave a 0.9 m gap; 0..100 and 101.1..201.1 a 1.1 m gap
    small = answer(cams(("A", 0, 0, 90, 60, 100), ("B", 100.9, 0, 90, 60, 100)))
    assert small["uncovered"] == [[0.0, 1000.0], [1200.9, 2000.0]]
    assert small["covered_m"] == 200.0  # the covered metres stay exact
    big = answer(cams(("A", 0, 0, 90, 60, 100), ("B", 101.1, 0, 90, 60, 100)))
    assert big["uncovered"] == [[0.0, 1000.0], [1100.0, 1101.1], [1201.1, 2000.0]]


def test_chainage_range_clips_and_a_bent_line_keeps_its_chainage():
    bent = shapely.LineString([(0, 0), (100, 0), (100, 100)])  # chainage 100..200 runs north at x = 100
    camera = cams(("C", 100, 150, 180, 20, 60))  # sees y 90..150 of the northward edge within range 60
    result = answer(camera, line=bent)
    assert result["covered_m"] == pytest.approx(10.0, abs=0.01)  # y from 90 to 100 (chainage 190..200)
    assert result["uncovered"] == [[0.0, 190.0]]
    clipped = coverage_answers([bent], [(0, 195.0, 200.0)], camera)[0]
    assert clipped["covered_m"] == 5.0 and clipped["coverage"] == 1.0 and clipped["uncovered"] == []


def test_a_camera_touching_a_single_point_does_not_see_the_line():
    result = answer(cams(("C", 0, 100, 180, 60, 100)))  # the arc touches the line at one point
    assert result["covered_m"] == pytest.approx(0.0, abs=0.05)


def test_the_fast_path_agrees_with_the_geos_loop():
    rng = np.random.default_rng(7)
    # lines that do not cross themselves (x grows), so that projecting the loop's pieces gives their chainage
    lines = [
        shapely.LineString(np.column_stack([np.sort(rng.uniform(0, 3000, 12)), rng.uniform(0, 3000, 12)]))
        for _ in range(6)
    ]
    rows = [
        (f"C{i}", *rng.uniform(0, 3000, 2), rng.uniform(0, 360), rng.choice([30, 60, 90, 200, 360]), 300, i % 3 > 0)
        for i in range(60)
    ]
    cameras = Cameras.build(rows)
    ranges = [(i, 100.0, lines[i].length - 100.0) for i in range(6)]
    fast = [a["covered_m"] for a in coverage_answers(lines, ranges, cameras)]
    slow = coverage_loop(lines, ranges, cameras)
    # the loop's polygons stand outside the true arc by at most r·(1/cos(1.5°) − 1) ≈ 0.1 m at each crossing
    for f, s in zip(fast, slow, strict=True):
        assert f == pytest.approx(s, abs=3.0)
    assert sum(fast) > 1000  # the case covers something


# --- each rule is needed -----------------------------------------------------------------------------


def test_the_one_metre_rule_is_needed(monkeypatch):
    monkeypatch.setattr(engine, "MIN_UNCOVERED_M", 0.0)
    with pytest.raises(AssertionError):
        test_uncovered_pieces_under_one_metre_are_not_listed()


def test_splitting_wide_views_is_needed(monkeypatch):
    monkeypatch.setattr(engine, "HALF_CIRCLE", 400.0)  # never split: a 270° view treated as convex
    with pytest.raises(AssertionError):
        test_a_view_wider_than_a_half_circle_sees_behind_its_sides()


def test_the_online_rule_is_needed(monkeypatch):
    original = engine.seen_pieces
    monkeypatch.setattr(engine, "seen_pieces", lambda lines, cameras, **kw: original(lines, cameras, all_cameras=True))
    with pytest.raises(AssertionError):
        test_offline_cameras_count_only_for_the_design_coverage()


def test_merging_is_needed(monkeypatch):
    monkeypatch.setattr(engine, "merge_runs", lambda which, start, end, r_from: (which, start, end))  # no union
    with pytest.raises(AssertionError):
        test_overlapping_and_touching_views_merge()


def test_the_range_is_needed(monkeypatch):
    from video.engine import sectors

    monkeypatch.setattr(sectors, "EPS_M", 0.5)  # half a metre of slack: 100.1 m would count as in range
    monkeypatch.setattr(engine, "EPS_M", 0.5)
    with pytest.raises(AssertionError):
        test_range_edge_to_a_tenth_of_a_metre()


def test_the_pieces_are_per_camera():
    seen = seen_pieces([EAST], cams(("A", 0, 0, 90, 60, 100), ("B", 0, 0, 270, 60, 100)))
    assert sorted(zip(seen.camera.tolist(), seen.start.round(1).tolist(), strict=True)) == [(0, 1000.0), (1, 900.0)]
    assert coverage_answer(seen, 0, 0.0, 2000.0)["covered_m"] == 200.0
