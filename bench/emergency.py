#!/usr/bin/env python
"""Benchmark: the isolation trace and reach, kept network against a graph built per request.

    .venv/bin/python bench/emergency.py [--points 300] [--api-requests 200]

1. The demo network (the demo city in a SpatiaLite file of its own under
   var/, built once): isolation and reach for random points on the
   pipelines, in process (``emergency.services.isolation_answer`` with the
   network kept per process) and through the API
   (``GET /api/v1/isolation/``, Django's test client: the server's time,
   no network), against the baseline measured in the same run: the same
   answer with the network rebuilt from the database for every request.
   Targets: p95 under 20 ms in process and under 50 ms through the API,
   and at least 20 times faster than the baseline.
2. A generated province (1,600 pipelines, about 30,000 km, 6,000 valves;
   pure engine, no database): the network built once, then p95 of the
   trace for random points. Target: p95 under 50 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def line(name, times_ms, target=None):
    p50, p95 = statistics.median(times_ms), pct(times_ms, 95)
    verdict = "" if target is None else ("PASS" if p95 < target else "FAIL")
    print(f"  {name:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   {verdict}")
    return p95


def province(points: int, seed: int = 1):
    import shapely

    from emergency.engine import Pipe, Valve, incident_answer, network_build

    rng = np.random.default_rng(seed)
    pipes, valves = [], []
    trunks = 100
    for i in range(1600):
        if i < trunks:
            x0, y0 = rng.uniform(0, 400_000, 2)
            angle, length = rng.uniform(0, np.pi), rng.uniform(40_000, 80_000)
        else:  # a branch leaving a trunk (a tee)
            trunk = pipes[int(rng.integers(0, trunks))].line
            start = trunk.interpolate(rng.uniform(0, trunk.length))
            x0, y0 = start.x, start.y
            angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(5_000, 22_000)
        t = np.linspace(0, length, 8)
        wobble = rng.normal(0, 150, 8) * (t > 0)
        coords = np.c_[x0 + t * np.cos(angle) - wobble * np.sin(angle), y0 + t * np.sin(angle) + wobble * np.cos(angle)]
        geom = shapely.LineString(coords)
        pipes.append(Pipe(f"P{i:04d}", geom, "gas" if i % 2 else "oil", 508.0, 10.0, 6.3))
        for c in np.arange(rng.uniform(0, 4_000), geom.length, 4_600):
            kind = ("manual", "remote", "automatic", "check")[len(valves) % 4]
            valves.append(Valve(f"V{len(valves):05d}", i, float(c), kind, len(valves) % 23 != 0))
    km = sum(p.line.length for p in pipes) / 1000
    start = time.perf_counter()
    network = network_build(pipes, valves)
    built = time.perf_counter() - start
    print(f"\nGenerated province: {len(pipes)} pipelines, {km:,.0f} km, {len(valves):,} valves")
    print(f"  network built once in {built * 1000:.0f} ms")
    where = [
        pipes[int(rng.integers(0, len(pipes)))].line.interpolate(rng.uniform(0, 1), normalized=True)
        for _ in range(points)
    ]
    times = []
    for p in where:
        t0 = time.perf_counter()
        incident_answer(network, p)
        times.append((time.perf_counter() - t0) * 1000)
    line("trace, kept network (target p95 < 50 ms)", times, 50)


def demo(points: int, api_requests: int, database: str):
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings_test")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--today", "2026-11-21", verbosity=0)

    from django.test import Client

    from accounts.models import User
    from emergency import loading
    from emergency.models import Valve
    from emergency.services import isolation_answer

    rng = np.random.default_rng(7)
    network = loading.network_current().network
    print(f"Demo network: {len(network.pipes)} pipelines, {Valve.objects.count()} valves")
    spots = []
    for _ in range(points):
        pipe = network.pipes[int(rng.integers(0, len(network.pipes)))]
        p = pipe.line.interpolate(rng.uniform(0, 1), normalized=True)
        spots.append(loading.wgs84_point(p.x, p.y))

    isolation_answer(location=spots[0])  # warm: the network is built on first use
    kept = []
    for spot in spots:
        t0 = time.perf_counter()
        isolation_answer(location=spot)
        kept.append((time.perf_counter() - t0) * 1000)

    rebuilt = []
    for spot in spots[: max(20, points // 10)]:
        t0 = time.perf_counter()
        loading._cached = None  # the baseline: the graph built for every request
        isolation_answer(location=spot)
        rebuilt.append((time.perf_counter() - t0) * 1000)

    print("In process (isolation and reach, answer as emergency.md):")
    kept95 = line("kept network (target p95 < 20 ms)", kept, 20)
    base95 = line("baseline: network rebuilt per request", rebuilt)
    ratio = statistics.median(rebuilt) / statistics.median(kept)
    print(f"  speed-up (median)                            ×{ratio:.0f}   {'PASS' if ratio >= 20 else 'FAIL'} (≥ ×20)")
    print(f"  p95 ratio                                    ×{base95 / kept95:.0f}")

    url = "/api/v1/isolation/"
    client = Client()
    client.force_login(User.objects.get(username="inspector1"))
    client.get(url, {"lon": spots[0].x, "lat": spots[0].y})
    api = []
    for spot in spots[:api_requests]:
        t0 = time.perf_counter()
        response = client.get(url, {"lon": f"{spot.x:.7f}", "lat": f"{spot.y:.7f}"})
        api.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content
    print("Through the API (server time, Django's test client):")
    line("GET /api/v1/isolation/ (target p95 < 50 ms)", api, 50)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--api-requests", type=int, default=200)
    parser.add_argument("--database", default=f"spatialite:///{ROOT / 'var' / 'bench-emergency.sqlite3'}")
    args = parser.parse_args()
    demo(args.points, args.api_requests, args.database)
    province(args.points)


if __name__ == "__main__":
    main()
