"""Theft hotspots on hand-made incidents (patrols.md: 500 m along a pipeline, 90 days, transitive, active until
no new incident for 90 days), no database. Each rule has a check that is also run with the rule broken on
purpose (its constant or condition changed) to show the check would catch it."""

from datetime import date

import pytest

from security.engine import hotspots
from security.engine.hotspots import active_clusters, clusters, formed_by

D0 = date(2026, 1, 1).toordinal()


def groups(found):
    return [c.members for c in found]


# --- the rules as checks: True when the engine follows the rule ---------------------------------------


def distance_rule_holds() -> bool:
    at_500 = clusters([1, 2], [7, 7], [1000.0, 1500.0], [D0, D0 + 10])
    past_500 = clusters([1, 2], [7, 7], [1000.0, 1500.1], [D0, D0 + 10])
    return groups(at_500) == [(1, 2)] and past_500 == []


def days_rule_holds() -> bool:
    at_90 = clusters([1, 2], [7, 7], [1000.0, 1100.0], [D0, D0 + 90])
    past_90 = clusters([1, 2], [7, 7], [1000.0, 1100.0], [D0, D0 + 91])
    return groups(at_90) == [(1, 2)] and past_90 == []


def same_pipeline_rule_holds() -> bool:
    # Same chainage and day on two pipelines: no cluster.
    return clusters([1, 2], [7, 8], [1000.0, 1000.0], [D0, D0]) == []


def transitive_rule_holds() -> bool:
    # 1-2 are 400 m apart, 2-3 400 m: 1 and 3 are 800 m apart but in one cluster through 2.
    found = clusters([1, 2, 3], [7, 7, 7], [0.0, 400.0, 800.0], [D0, D0 + 80, D0 + 160])
    return groups(found) == [(1, 2, 3)] and found[0].from_m == 0.0 and found[0].to_m == 800.0


def cooling_rule_holds() -> bool:
    ids, pipes, chains, days = [1, 2], [7, 7], [1000.0, 1200.0], [D0, D0 + 30]
    last = D0 + 30
    return (
        len(active_clusters(ids, pipes, chains, days, on=last + 90)) == 1
        and active_clusters(ids, pipes, chains, days, on=last + 91) == []
    )


def lone_incident_rule_holds() -> bool:
    return clusters([1], [7], [1000.0], [D0]) == []


RULES = {
    "distance": (distance_rule_holds, "LINK_DISTANCE_M", 499.0),
    "days": (days_rule_holds, "LINK_DAYS", 89),
    "cooling": (cooling_rule_holds, "COOL_DAYS", 91),
    "lone": (lone_incident_rule_holds, "MIN_INCIDENTS", 1),
}


@pytest.mark.parametrize("name", [*RULES, "same_pipeline", "transitive"])
def test_the_rule_holds(name):
    check = RULES[name][0] if name in RULES else globals()[f"{name}_rule_holds"]
    assert check()


@pytest.mark.parametrize("name", list(RULES))
def test_the_check_fails_when_the_rule_is_broken(name, monkeypatch):
    check, constant, broken = RULES[name]
    monkeypatch.setattr(hotspots, constant, broken)
    assert not check()


def test_the_check_fails_when_pipelines_are_mixed_or_links_not_transitive(monkeypatch):
    # Broken on purpose: every incident treated as one pipeline -> the same-pipeline check fails.
    real = hotspots.clusters

    def one_pipeline(ids, pipeline_ids, chainages, days, *, on=None):
        return real(ids, [0] * len(ids), chainages, days, on=on)

    monkeypatch.setattr("tests.test_security_hotspots.clusters", one_pipeline)
    assert not same_pipeline_rule_holds()
    monkeypatch.undo()

    # Broken on purpose: only direct links (components of one link) -> the transitive check fails.
    def direct_only(chainage, day):
        import numpy as np

        labels = np.arange(len(chainage))
        for a in range(len(chainage)):
            for b in range(a + 1, len(chainage)):
                if abs(chainage[a] - chainage[b]) <= 500 and abs(day[a] - day[b]) <= 90 and labels[b] == b:
                    labels[b] = labels[a] if labels[a] == a else labels[b]
        return labels

    monkeypatch.setattr(hotspots, "_components", direct_only)
    assert not transitive_rule_holds()


def test_incidents_after_the_day_are_not_counted_and_a_cluster_has_its_span_and_stretch():
    ids, pipes, chains, days = [1, 2, 3], [7, 7, 7], [300.0, 700.0, 650.0], [D0, D0 + 5, D0 + 50]
    assert active_clusters(ids, pipes, chains, days, on=D0 + 4) == []
    (cluster,) = active_clusters(ids, pipes, chains, days, on=D0 + 60)
    assert cluster.members == (1, 2, 3)
    assert (cluster.from_m, cluster.to_m, cluster.first_day, cluster.last_day) == (300.0, 700.0, D0, D0 + 50)
    assert cluster.stretch == (0.0, 1200.0)  # ±500 m, clipped at the pipeline's start


def test_two_separate_clusters_on_one_pipeline_and_an_old_cooled_one():
    ids = [1, 2, 3, 4, 5, 6]
    pipes = [7, 7, 7, 7, 8, 8]
    chains = [1000.0, 1400.0, 9000.0, 9300.0, 50.0, 60.0]
    days = [D0 + 300, D0 + 310, D0 + 320, D0 + 330, D0, D0 + 1]
    assert groups(clusters(ids, pipes, chains, days)) == [(1, 2), (3, 4), (5, 6)]
    assert groups(active_clusters(ids, pipes, chains, days, on=D0 + 331)) == [(1, 2), (3, 4)]


def test_formed_by_only_when_the_incident_links_lone_incidents():
    ids, pipes, chains, days = [1, 2], [7, 7], [1000.0, 1300.0], [D0, D0 + 20]
    assert formed_by(2, ids, pipes, chains, days).members == (1, 2)
    # A third incident joining the existing cluster forms nothing new.
    ids, pipes, chains, days = [1, 2, 3], [7, 7, 7], [1000.0, 1300.0, 1200.0], [D0, D0 + 20, D0 + 25]
    assert formed_by(3, ids, pipes, chains, days) is None
    # A lone incident far away forms nothing.
    assert formed_by(3, [1, 3], [7, 7], [0.0, 5000.0], [D0, D0]) is None


def test_many_incidents_are_fast_enough():
    import time

    import numpy as np

    rng = np.random.default_rng(1)
    n = 5000
    started = time.perf_counter()
    found = clusters(np.arange(n), rng.integers(0, 50, n), rng.uniform(0, 50_000, n), rng.integers(0, 365, n))
    assert time.perf_counter() - started < 5
    assert found
