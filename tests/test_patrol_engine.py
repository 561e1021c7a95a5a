"""The judgement of a track (patrols/engine, patrols.md "How a track is judged"), on hand-made tracks.

Each rule has a ``check_*`` function run by its test, with cases at both sides of its threshold; and
``test_each_rule_fails_when_broken`` breaks every rule on purpose (its constant moved, its condition
changed) and shows that its check then fails. Sorting and deduplication (rule 1) were checked by hand:
without the sort, ``check_unsorted`` finds gaps and overspeed legs; without the deduplication,
``check_duplicates`` finds an overspeed leg of zero duration.
"""

import numpy as np
import pytest
import shapely

from patrols.choices import SPEED_LIMIT_KMH as MODEL_SPEED_LIMITS
from patrols.engine import Checkpoints, coverage, judge, legs, track_judge

# A straight centreline along x: chainage = x. And one with corners, for exactness.
STRAIGHT = shapely.LineString([(0, 0), (1000, 0), (2000, 0)])
BENT = shapely.LineString([(0, 0), (400, 0), (400, 300), (900, 700), (1500, 650)])
KEYS = [
    "pipeline_code",
    "from_m",
    "to_m",
    "mode",
    "length_m",
    "covered_m",
    "coverage",
    "uncovered",
    "checkpoints_required",
    "checkpoints_visited",
    "missed",
    "gaps",
    "overspeed_legs",
]


def run(points, *, mode="walk", from_m=0, to_m=2000, line=STRAIGHT, width=20.0, cps=None, **options):
    """points: (t, x, y[, accuracy])."""
    pts = np.array([p if len(p) == 4 else (*p, np.nan) for p in points], dtype=float).reshape(-1, 4)
    return track_judge(
        times=pts[:, 0],
        x=pts[:, 1],
        y=pts[:, 2],
        accuracy=pts[:, 3],
        centreline=line,
        from_m=from_m,
        to_m=to_m,
        mode=mode,
        coverage_width_m=width,
        checkpoints=Checkpoints.of(cps or []),
        **options,
    )


def covered(j):
    return [(round(a, 6), round(b, 6)) for a, b in zip(*j.covered, strict=True)]


def walk(x0, x1, *, y=0.0, step_m=5.0, dt=5.0, t0=0.0):
    """Fixes every ``step_m`` from x0 to x1 along y, one every ``dt`` s (5 m / 5 s = 3.6 km/h)."""
    xs = np.arange(x0, x1 + 1e-9, step_m)
    return [(t0 + i * dt, x, y) for i, x in enumerate(xs)]


# --- rule 1 --------------------------------------------------------------------------------------


def check_accuracy():
    kept = run([(0, 100, 0, 50.0), (5, 105, 0, 10)])
    assert covered(kept) == [(80, 125)]
    dropped = run([(0, 100, 0, 50.1), (5, 105, 0, 10)])
    assert covered(dropped) == [] and dropped.report()["gaps"] == 0
    # A fix without an accuracy is kept.
    assert covered(run([(0, 100, 0), (5, 105, 0)])) == [(80, 125)]


def check_duplicates():
    j = run([(0, 100, 0), (0, 160, 0), (5, 105, 0)])
    assert j.report()["overspeed_legs"] == 0 and j.report()["gaps"] == 0
    assert covered(j) == [(80, 125)]
    # Two devices at one time are not duplicates, and never joined by a leg.
    two = track_judge(
        times=[0, 0, 5, 5],
        x=[100, 500, 105, 505],
        y=[0, 0, 0, 0],
        device=["a", "b", "a", "b"],
        centreline=STRAIGHT,
        from_m=0,
        to_m=2000,
        mode="walk",
    )
    assert covered(two) == [(80, 125), (480, 525)] and two.report()["gaps"] == 0


def check_unsorted():
    points = walk(100, 400)
    shuffled = [points[i] for i in np.random.default_rng(1).permutation(len(points))]
    assert run(shuffled).report() == run(points).report()
    assert run(shuffled).report()["gaps"] == 0 and run(shuffled).report()["overspeed_legs"] == 0


def test_rule_1_accuracy_duplicates_order():
    check_accuracy()
    check_duplicates()
    check_unsorted()


# --- rules 2, 3 ----------------------------------------------------------------------------------


def check_gap_seconds():
    assert run([(0, 100, 0), (120, 150, 0)]).report()["gaps"] == 0
    j = run([(0, 100, 0), (120.5, 150, 0)])
    assert j.report()["gaps"] == 1 and covered(j) == []


def check_gap_length():
    # 300 m in 120 s is 9 km/h: not overspeed on foot.
    j = run([(0, 100, 0), (120, 400, 0)])
    assert j.report()["gaps"] == 0 and covered(j) == [(80, 420)]
    j = run([(0, 100, 0), (120, 400.5, 0)])
    assert j.report()["gaps"] == 1 and covered(j) == []


def test_rule_3_gaps():
    check_gap_seconds()
    check_gap_length()


# --- rule 4 --------------------------------------------------------------------------------------

# (mode, seconds, length below the limit, length above it)
SPEEDS = [("walk", 36, 99.9, 100.1), ("bicycle", 36, 249.9, 250.1), ("vehicle", 12, 199.9, 200.1)]
SPEEDS.append(("drone", 12, 199.9, 200.1))


def check_speed(mode):
    _m, seconds, below, above = next(s for s in SPEEDS if s[0] == mode)
    slow = run([(0, 100, 0), (seconds, 100 + below, 0)], mode=mode)
    assert slow.report()["overspeed_legs"] == 0 and covered(slow)
    fast = run([(0, 100, 0), (seconds, 100 + above, 0)], mode=mode)
    assert fast.report()["overspeed_legs"] == 1 and fast.report()["gaps"] == 0 and covered(fast) == []
    assert fast.exceptions()[-1]["kind"] == "overspeed"


@pytest.mark.parametrize("mode", [s[0] for s in SPEEDS])
def test_rule_4_overspeed(mode):
    check_speed(mode)


def test_the_engine_limits_are_the_models():
    assert {str(k): v for k, v in MODEL_SPEED_LIMITS.items()} == legs.SPEED_LIMIT_KMH


# --- rule 6 --------------------------------------------------------------------------------------


def check_width():
    inside = run(walk(100, 200, y=19.9))
    assert inside.covered_m == pytest.approx(100 + 2 * np.sqrt(20**2 - 19.9**2))
    assert covered(run(walk(100, 200, y=-19.9))) == covered(inside)
    assert covered(run(walk(100, 200, y=20.1))) == []
    # Exact ends: a track 12 m off covers 16 m beyond each end (a 12-16-20 triangle).
    assert covered(run(walk(100, 200, y=12))) == [(84, 216)]
    # The width is the section's.
    assert covered(run(walk(100, 200, y=25), width=30)) == [(round(100 - 275**0.5, 6), round(200 + 275**0.5, 6))]


def check_pieces():
    # Two stretches of track split by a gap leg leave a hole of 0.9 m (dropped) or 1.1 m (kept).
    for hole, listed in ((0.9, []), (1.1, [[500.0, 501.1]])):
        points = [*walk(400, 480), (210, 520 + hole, 0), (215, 525 + hole, 0)]
        j = run(points, from_m=400, to_m=540)
        assert j.report()["gaps"] == 1
        assert j.report()["uncovered"] == listed
        assert j.covered_m == pytest.approx(140 - hole)  # the covered length stays exact


def test_rule_6_coverage():
    check_width()
    check_pieces()


def test_coverage_is_exact_on_a_bent_centreline():
    """Random walks near a centreline with corners: the closed forms agree with a fine buffer to < 5 cm."""
    rng, holes = np.random.default_rng(7), 0
    for _ in range(5):
        n = 200
        s = np.sort(rng.uniform(0, BENT.length, n))
        base = shapely.get_coordinates(shapely.line_interpolate_point(BENT, s))
        xy = base + rng.normal(0, 30, (n, 2))
        j = track_judge(
            times=np.arange(n) * 30.0, x=xy[:, 0], y=xy[:, 1], centreline=BENT, from_m=150, to_m=1400, mode="vehicle"
        )
        kept = j.legs.coords[j.legs.kept]
        zone = shapely.union_all(shapely.buffer(shapely.linestrings(kept), 20, quad_segs=256))
        piece = shapely.ops.substring(BENT, 150, 1400)
        expected = shapely.intersection(piece, zone).length
        assert j.covered_m == pytest.approx(expected, abs=0.05)
        holes += len(j.report()["uncovered"])
    assert holes  # the noise leaves holes


def test_the_stretch_is_from_to():
    j = run(walk(0, 2000), from_m=2000 - 1500, to_m=1800)
    assert j.report()["length_m"] == 1300.0 and j.report()["coverage"] == 1.0
    half = run(walk(0, 1000), from_m=500, to_m=1500)
    assert half.report()["uncovered"] == [[1020.0, 1500.0]] and half.report()["coverage"] == 0.52


# --- rule 7 --------------------------------------------------------------------------------------


def check_checkpoint_radius():
    cps = [(150, 30, 30, "K1"), (150, -30.1, 30, "K2"), (300, 0, 30, "K3")]
    j = run(walk(100, 200), cps=cps)
    assert j.report()["missed"] == ["K2", "K3"] and j.report()["checkpoints_visited"] == 1
    assert j.arrival == pytest.approx(1 / 3)
    # Gaps and overspeed legs visit nothing.
    assert run([(0, 100, 0), (125, 200, 0)], cps=cps).report()["checkpoints_visited"] == 0


def check_pass_between_fixes():
    # Fixes at x=100 and x=150 (30 s, 6 km/h): 35.4 m from K1, but the leg passes 25 m from it.
    j = run([(0, 100, 0), (30, 150, 0)], cps=[(125, 25, 30, "K1")])
    assert j.report()["missed"] == [] and j.arrival == 1.0


def test_rule_7_checkpoints():
    check_checkpoint_radius()
    check_pass_between_fixes()


# --- rule 8 and the report -----------------------------------------------------------------------


def check_window():
    day = (8 * 3600.0, 18 * 3600.0)
    on_time = run(walk(0, 2000, dt=90, t0=8.5 * 3600), window=day)
    assert [e["kind"] for e in on_time.exceptions()] == []
    assert on_time.legs.t[-1] >= day[1] - judge.LATE_GRACE_S
    late = run(walk(0, 2000, dt=60, t0=9.1 * 3600), window=day)
    assert {e["kind"] for e in late.exceptions()} == {"late_start", "early_end"}


def test_rule_8_exceptions():
    check_window()
    j = run([*walk(100, 200), (300, 600, 0), (305, 605, 0)], cps=[(900, 0, 30, "K9")], to_m=1000)
    kinds = [e["kind"] for e in j.exceptions()]
    assert kinds == ["missed_checkpoint", "uncovered", "uncovered", "uncovered", "gap"]
    assert j.exceptions()[0] == {"kind": "missed_checkpoint", "code": "K9"}
    assert j.exceptions()[1] == {"kind": "uncovered", "from_m": 0.0, "to_m": 80.0}


def test_consecutive_gaps_and_overspeed_legs_are_one_exception_each_run():
    # Three fast legs in a row (20 m in 5 s = 14.4 km/h), walking, one more fast leg, walking.
    xs = [0, 5, 25, 45, 65, 70, 75, 95, 100]
    j = run([(5.0 * i, x, 0) for i, x in enumerate(xs)])
    runs = [e for e in j.exceptions() if e["kind"] == "overspeed"]
    assert [(e["legs"], e["length_m"], e["seconds"], e["speed_kmh"]) for e in runs] == [
        (3, 60.0, 15.0, 14.4),
        (1, 20.0, 5.0, 14.4),
    ]
    assert (runs[0]["start"], runs[0]["end"]) == (5.0, 20.0) and j.report()["overspeed_legs"] == 4


def test_listed_runs_are_capped(monkeypatch):
    monkeypatch.setattr(judge, "MAX_LISTED_RUNS", 1)
    j = run([(5.0 * i, x, 0) for i, x in enumerate([0, 5, 25, 45, 65, 70, 75, 95, 100])])
    assert [e for e in j.exceptions() if e["kind"].startswith("overspeed")][1:] == [
        {"kind": "overspeed_more", "runs": 1}
    ]


def test_report_is_patrols_md():
    j = run(walk(2000, 4210, y=12) + walk(4820, 8000, y=12, t0=10_000), from_m=2000, to_m=8000, line=BIG)
    report = j.report()
    assert list(report) == KEYS
    assert report["from_m"] == 2000 and isinstance(report["from_m"], int) and report["length_m"] == 6000.0
    assert report["uncovered"] == [[4226.0, 4804.0]]
    assert report["covered_m"] == 5422.0 and report["coverage"] == 0.9037
    assert report["gaps"] == 1 and report["overspeed_legs"] == 0 and report["mode"] == "walk"


BIG = shapely.LineString([(0, 0), (10000, 0)])


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        run(walk(0, 10), mode="horse")
    with pytest.raises(ValueError, match="to_m"):
        run(walk(0, 10), from_m=10, to_m=10)
    empty = run([])
    assert empty.report()["covered_m"] == 0 and empty.report()["uncovered"] == [[0, 2000]]


# --- each rule, broken on purpose, fails its check -------------------------------------------------


def _fixes_only(legs_xy, checkpoints, tree=None):
    """Rule 7 broken: only the fixes count, not the leg between them."""
    ends = legs_xy.reshape(-1, 2)
    d = np.hypot(ends[:, None, 0] - checkpoints.x[None], ends[:, None, 1] - checkpoints.y[None])
    return (d <= checkpoints.radius[None]).any(axis=0) if len(ends) else np.zeros(len(checkpoints.code), bool)


def _wider(original):
    return lambda c, d, a, b, w: original(c, d, a, b, w + 0.2)


MUTANTS = {
    "accuracy 50 m dropped": ("legs", "ACCURACY_LIMIT_M", 49.9, check_accuracy),
    "gap after 121 s only": ("legs", "GAP_SECONDS", 121.0, check_gap_seconds),
    "gap after 119 s": ("legs", "GAP_SECONDS", 119.0, check_gap_seconds),
    "gap after 301 m": ("legs", "GAP_LENGTH_M", 301.0, check_gap_length),
    "gap at 299 m": ("legs", "GAP_LENGTH_M", 299.0, check_gap_length),
    "pieces under 0.8 m dropped": ("coverage", "MIN_PIECE_M", 0.8, check_pieces),
    "pieces under 1.2 m dropped": ("coverage", "MIN_PIECE_M", 1.2, check_pieces),
    "no late grace": ("judge", "LATE_GRACE_S", 0.0, check_window),
    "width + 0.2 m": ("coverage", "capsule_intervals", _wider(coverage.capsule_intervals), check_width),
    "checkpoint by fixes only": ("judge", "checkpoints_visited", None, check_pass_between_fixes),
    "checkpoint radius - 0.5 m": ("judge", "checkpoints_visited", "smaller", check_checkpoint_radius),
}
for mode, *_rest in SPEEDS:
    for delta in (-0.2, 0.2):
        MUTANTS[f"{mode} limit {delta:+}"] = ("legs", "SPEED_LIMIT_KMH", (mode, delta), mode)


@pytest.mark.parametrize("name", MUTANTS)
def test_each_rule_fails_when_broken(monkeypatch, name):
    module_name, attribute, value, check = MUTANTS[name]
    module = {"legs": legs, "coverage": coverage, "judge": judge}[module_name]
    if attribute == "SPEED_LIMIT_KMH":
        mode, delta = value
        limits = dict(legs.SPEED_LIMIT_KMH)
        limits[mode] += delta
        monkeypatch.setattr(legs, "SPEED_LIMIT_KMH", limits)
        check = lambda: check_speed(mode)  # noqa: E731
    elif attribute == "checkpoints_visited" and value is None:
        monkeypatch.setattr(judge, attribute, _fixes_only)
    elif attribute == "checkpoints_visited":
        original = judge.checkpoints_visited
        smaller = lambda xy, cps, tree=None: original(xy, Checkpoints(cps.x, cps.y, cps.radius - 0.5, cps.code))  # noqa: E731
        monkeypatch.setattr(judge, attribute, smaller)
    else:
        monkeypatch.setattr(module, attribute, value)
    with pytest.raises(AssertionError):
        check()
