#!/usr/bin/env python
"""Benchmark: the check before digging (施工前管道查询) against the demo city.

    .venv/bin/python bench/construction.py [--works 400] [--api-requests 300] [--database URL]

The demo city (161 pipelines, 7 of them abandoned and not checked; their
valves; the rivers of the water layer) in a database of its own (default:
PostGIS ``ps_con_check``, created if missing; ``--database spatialite:///…``
works too), migrated and seeded once. Random works: points, 100 m lines and
60 m squares, half of them within 300 m of a pipeline, half anywhere in the
city, each with a random work type.

1. In process: ``construction.checks.construction_check`` (the GeoJSON read
   and checked, the index's fingerprint asked at most twice a second, the
   engine, the answer), p95.
   Target: < 20 ms.
2. Through the API under gunicorn (2 workers, DEBUG off, an API key):
   ``POST /api/v1/construction-checks/`` over loopback HTTP, p95 of the
   client's time. Target: < 50 ms.
3. The baseline, in the same run: the same answer with the engine replaced
   by a loop over every pipeline, valve and river crossing measuring GEOS
   distances (Django's GEOS geometries, prepared once in metres; the same
   read and answer around it, the index's fingerprint asked as seldom).
   Target: the check at least 20 times faster (medians).

Every baseline answer is compared with the check's: the figures are for the
same answers.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgis://postgres@127.0.0.1:5432/ps_con_check"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def line(name, times_ms, target=None):
    p50, p95 = statistics.median(times_ms), pct(times_ms, 95)
    verdict = "" if target is None else ("PASS" if p95 < target else "FAIL")
    print(f"  {name:<52} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   {verdict}")
    return p50, p95


def prepare(database: str):
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver")
    if database.startswith("postgis://"):
        from bench.common import ensure_database

        ensure_database(database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from pipelines.models import Pipeline

    if Pipeline.objects.count() != 161:
        call_command("seed_demo", "--today", "2026-11-21", verbosity=0)


def works(n: int, seed: int = 15) -> list[dict]:
    """Request bodies: random works around and between the pipelines (GeoJSON, EPSG:4326)."""
    import shapely

    from construction.choices import WorkType
    from construction.loading import index_current
    from hca.loading import to_wgs84

    index = index_current().index
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = shapely.total_bounds(index.lines)
    bodies = []
    for k in range(n):
        if k % 2 == 0:
            pipe = index.lines[int(rng.integers(0, len(index.lines)))]
            at = pipe.interpolate(rng.uniform(0, 1), normalized=True)
            x, y = at.x + rng.uniform(-300, 300), at.y + rng.uniform(-300, 300)
        else:
            x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        angle = rng.uniform(0, np.pi)
        shape = (
            shapely.Point(x, y),
            shapely.LineString([(x, y), (x + 100 * np.cos(angle), y + 100 * np.sin(angle))]),
            shapely.box(x, y, x + 60, y + 60),
        )[k % 3]
        geometry = json.loads(shapely.to_geojson(shapely.set_precision(to_wgs84(np.array([shape]))[0], 1e-7)))
        work_type = WorkType.values[int(rng.integers(0, len(WorkType.values)))]
        bodies.append({"geometry": geometry, "work_type": work_type})
    return bodies


class GeosLoop:
    """The baseline: GEOS geometries in metres, prepared once; every pipeline, valve and crossing measured."""

    def __init__(self):
        from django.conf import settings
        from django.contrib.gis.geos import GEOSGeometry

        from construction.loading import index_current

        loaded = index_current()
        index = loaded.index
        srid = settings.METRIC_SRID

        def geos(geoms):
            return [GEOSGeometry(g.wkb_hex, srid=srid) for g in geoms]

        self.loaded = loaded
        self.lines, self.valves, self.crossings = geos(index.lines), geos(index.facilities), geos(index.crossings)
        self.valve_pipe, self.crossing_pipe = index.facility_pipe.tolist(), index.crossing_pipe.tolist()

    def answer(self, body: dict) -> dict:
        from datetime import date, timedelta

        from django.conf import settings
        from django.contrib.gis.geos import GEOSGeometry

        from common.gis import coord_transform
        from construction.checks import NOTICE_DAYS, work_geometry, work_type_check
        from construction.engine import check_loop

        work_type = work_type_check(body["work_type"])
        lonlat = work_geometry(body["geometry"])
        work = GEOSGeometry(lonlat.wkb_hex, srid=4326)
        work.transform(coord_transform(4326, settings.METRIC_SRID))
        result = check_loop(
            self.lines, self.valves, self.valve_pipe, self.crossings, self.crossing_pipe, work, work_type
        )
        rows = self.loaded.pipelines
        start_on = date.fromisoformat(body["start_on"]) if body.get("start_on") else None
        return {
            "verdict": result.verdict,
            "work_type": work_type,
            "pipelines": [
                {
                    "pipeline_code": rows[f.pipe]["code"],
                    "company": rows[f.pipe]["company"],
                    "distance_m": round(f.distance_m, 1),
                    "band": f.band,
                    "verdict": f.verdict,
                    "articles": f.articles,
                }
                for f in result.findings
            ],
            "notice_by": (start_on - timedelta(days=NOTICE_DAYS)).isoformat() if start_on else None,
        }


def in_process(bodies: list[dict]):
    from construction.checks import construction_check
    from construction.engine import check_run
    from construction.loading import index_current
    from hca.loading import to_metric

    loaded = index_current()
    idx = loaded.index
    print(
        f"Demo city: {idx.size} pipelines checked (abandoned left out), {len(idx.facilities)} valves, "
        f"{len(idx.crossings)} river crossings; {len(bodies)} works"
    )
    construction_check(geometry=bodies[0]["geometry"], work_type=bodies[0]["work_type"])  # warm
    times, answers = [], []
    for body in bodies:
        t0 = time.perf_counter()
        answers.append(construction_check(geometry=body["geometry"], work_type=body["work_type"]))
        times.append((time.perf_counter() - t0) * 1000)
    engine = []
    from construction.checks import work_geometry

    metric = [to_metric(np.array([work_geometry(b["geometry"])], dtype=object))[0] for b in bodies]
    for work, body in zip(metric, bodies, strict=True):
        t0 = time.perf_counter()
        check_run(idx, work, body["work_type"])
        engine.append((time.perf_counter() - t0) * 1000)

    baseline = GeosLoop()
    loop_times = []
    for body, answer in zip(bodies, answers, strict=True):
        t0 = time.perf_counter()
        slow = baseline.answer(body)
        loop_times.append((time.perf_counter() - t0) * 1000)
        assert slow == answer, (body, slow, answer)
    verdicts = {v: sum(a["verdict"] == v for a in answers) for v in ("prohibited", "approval_required", "allowed")}
    listed = statistics.mean(len(a["pipelines"]) for a in answers)
    print(f"  verdicts {verdicts}; {listed:.2f} pipelines listed per work on average")
    print("In process (construction_check, answer as docs/construction.md):")
    check50, _check95 = line("the check (target p95 < 20 ms)", times, 20)
    line("  of which the engine alone (check_run)", engine)
    loop50, _loop95 = line("baseline: loop over every pipeline, GEOS distance", loop_times)
    ratio = loop50 / check50
    verdict = "PASS" if ratio >= 20 else "FAIL"
    print(f"  speed-up (median)                                    ×{ratio:.0f}   {verdict} (≥ ×20)")
    print("  (every baseline answer equal to the check's)")
    return answers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, database: str):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pipeline_safety.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("gunicorn")), "pipeline_safety.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def through_api(bodies: list[dict], answers: list[dict], database: str, requests: int):
    from rest_framework_api_key.models import APIKey

    APIKey.objects.filter(name="bench-construction").delete()
    _obj, key = APIKey.objects.create_key(name="bench-construction")
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    port = free_port()
    process = serve(port, database)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def post(body):
            conn.request("POST", "/api/v1/construction-checks/", body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status} {data[:300]!r}")
            return json.loads(data)

        for body in bodies[:20]:  # warm both workers (each builds its index once)
            post(body)
        times = []
        for body, answer in list(zip(bodies, answers, strict=True))[:requests]:
            t0 = time.perf_counter()
            got = post(body)
            times.append((time.perf_counter() - t0) * 1000)
            assert got == answer, (got, answer)
        conn.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        APIKey.objects.filter(name="bench-construction").delete()
    print("Through the API under gunicorn (2 workers, loopback HTTP, client's time):")
    line("POST /api/v1/construction-checks/ (target p95 < 50 ms)", times, 50)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--works", type=int, default=400)
    parser.add_argument("--api-requests", type=int, default=300)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    args = parser.parse_args()
    prepare(args.database)
    bodies = works(args.works)
    answers = in_process(bodies)
    through_api(bodies, answers, args.database, args.api_requests)


if __name__ == "__main__":
    main()
