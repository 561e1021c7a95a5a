#!/usr/bin/env python
"""Benchmark: theft hotspots (security/engine/hotspots.py) against a naive all-pairs baseline, same run.

    .venv/bin/python bench/security.py [--incidents 20000] [--pipelines 160] [--repeat 3]

Synthetic incidents on a province-sized register (chainage uniform over 60 km pipelines, days over three
years, a tenth of them bunched into a few hundred tight groups so that clusters exist). The engine compares
only pairs of one pipeline found within 90 days of each other (sorted by day); the baseline compares every
pair of one pipeline. Both must find the same clusters. Pure engine: no database.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from security.engine import hotspots  # noqa: E402


def synthetic(n: int, pipelines: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    pipes = rng.integers(0, pipelines, n)
    chain = rng.uniform(0, 60_000, n)
    days = rng.integers(0, 3 * 365, n)
    bunched = rng.random(n) < 0.1
    centres = rng.integers(0, 300, bunched.sum())
    pipes[bunched] = centres % pipelines
    chain[bunched] = (centres * 197.0) % 60_000 + rng.uniform(0, 400, bunched.sum())
    days[bunched] = (centres * 3) % (3 * 365) + rng.integers(0, 60, bunched.sum())
    return np.arange(n), pipes, chain, days


def naive_components(chainage, day):
    n = len(chainage)
    labels = np.arange(n)
    near = (np.abs(chainage[:, None] - chainage[None, :]) <= hotspots.LINK_DISTANCE_M) & (
        np.abs(day[:, None] - day[None, :]) <= hotspots.LINK_DAYS
    )
    changed = True
    while changed:  # label propagation over the full pair matrix
        smallest = np.where(near, labels[None, :], n).min(axis=1)
        changed = bool((smallest < labels).any())
        labels = np.minimum(labels, smallest)
    return labels


def naive_clusters(ids, pipes, chain, days):
    """The same rule, pipeline by pipeline, every pair compared."""
    out = []
    for pipe in np.unique(pipes):
        where = np.flatnonzero(pipes == pipe)
        labels = naive_components(chain[where], days[where])
        for label in np.unique(labels):
            members = where[labels == label]
            if len(members) >= hotspots.MIN_INCIDENTS:
                members = members[np.lexsort((ids[members], days[members]))]
                out.append((int(pipe), float(chain[members].min()), int(days[members].min()), tuple(ids[members])))
    return [members for *_key, members in sorted(out)]


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--pipelines", type=int, default=160)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ids, pipes, chain, days = synthetic(args.incidents, args.pipelines)
    found, engine_s = timed(lambda: hotspots.clusters(ids, pipes, chain, days), args.repeat)
    baseline, naive_s = timed(lambda: naive_clusters(ids, pipes, chain, days), args.repeat)
    same = [c.members for c in found] == baseline
    print(
        f"{args.incidents} incidents on {args.pipelines} pipelines: {len(found)} clusters "
        f"({sum(len(c.members) for c in found)} incidents in them); same as the baseline: {same}"
    )
    print(f"engine (pairs within 90 days, by day): {engine_s * 1000:.0f} ms (median of {args.repeat})")
    print(f"baseline (every pair of a pipeline):   {naive_s * 1000:.0f} ms  -> x{naive_s / engine_s:.1f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
