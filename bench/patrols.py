#!/usr/bin/env python
"""Benchmark: the judgement of patrol tracks, and GPS fixes in through the API.

    .venv/bin/python bench/patrols.py [--runs 20] [--city-fixes 350000] [--ingest-seconds 10]

1. One patroller's day (8 h at 5 s: 5,760 fixes, with noise, a lost-signal hole and a car ride)
   against a 20 km section with 20 checkpoints (pure engine, no database): ``patrols.engine.track_judge``
   against the baseline measured in the same run, a per-fix shapely loop (each leg made a LineString,
   buffered, cut from the centreline, its pieces projected to chainage; each checkpoint tested against each
   leg). Both answers are compared. Targets: under 50 ms, and at least 50 times the loop.
2. A day of the whole demo city on PostGIS (a database of its own, ``pipeline_safety_patrols_bench``, built
   once: migrate, the demo, the day's tasks, a patrol of every task stored as fixes through
   ``fixes_ingest``, about 350,000 fixes): ``patrols.judging.day_judge`` end to end (fixes read in one
   query, projected, every task judged, tasks and events written). Target: under 5 s.
3. Fixes through the API: gunicorn with one worker (DEBUG off) on 127.0.0.1, ``POST /api/v1/patrol-fixes/``
   with batches of 1,000 new fixes from two keep-alive clients for ``--ingest-seconds``. Target: at least
   20,000 fixes per second.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/pipeline_safety_patrols_bench")
BENCH_DATE = dt.date(2026, 9, 1)  # before the demo's month of patrols: a day of its own


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --- 1. one patroller's day ------------------------------------------------------------------------


def patroller_day(seed: int = 3):
    """A wavy 24 km centreline, a 20 km section, 20 checkpoints, and 8 h of fixes at 5 s."""
    import shapely

    from patrols.engine import Checkpoints

    rng = np.random.default_rng(seed)
    s = np.linspace(0, 24_000, 600)
    centreline = shapely.LineString(np.column_stack([s, 400 * np.sin(s / 1500)]))
    from_m, to_m = 2_000.0, 22_000.0
    n = 8 * 3600 // 5  # 5,760
    t = np.arange(n) * 5.0
    # Walks the section at about 0.7 m/s (20 km in 8 h), a car ride of 10 minutes, a hole of 15 minutes.
    speed = np.full(n, 0.69)
    speed[2000:2120] = 3.0
    walked = from_m + np.cumsum(speed * 5.0) - speed[0] * 5.0
    walked = np.minimum(walked, to_m + 5)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(centreline, walked))
    xy += rng.normal(0, 1.5, xy.shape)
    keep = np.ones(n, bool)
    keep[4000:4180] = False
    accuracy = rng.uniform(3, 15, n)
    accuracy[rng.choice(n, 100, replace=False)] = 80.0  # bad fixes, dropped
    at = np.linspace(from_m + 500, to_m - 500, 20)
    cps = shapely.get_coordinates(shapely.line_interpolate_point(centreline, at)) + np.array([0.0, 15.0])
    checkpoints = Checkpoints(cps[:, 0], cps[:, 1], np.full(20, 30.0), [f"K{i + 1}" for i in range(20)])
    return centreline, from_m, to_m, t[keep], xy[keep, 0], xy[keep, 1], accuracy[keep], checkpoints


def loop_judge(times, x, y, accuracy, centreline, from_m, to_m, mode, width, checkpoints):
    """The baseline: the same rules, a Python loop over fixes with a shapely call per leg."""
    import shapely
    from shapely.ops import substring

    from patrols.engine.legs import SPEED_LIMIT_KMH

    order = np.argsort(times, kind="stable")
    fixes = [(times[i], x[i], y[i]) for i in order if not accuracy[i] > 50]
    section = substring(centreline, from_m, to_m)
    intervals, visited, gaps, fast = [], set(), 0, 0
    points = [shapely.Point(cx, cy) for cx, cy in zip(checkpoints.x, checkpoints.y, strict=True)]
    previous = None
    for fix in fixes:
        if previous is not None and fix[0] != previous[0]:
            leg = shapely.LineString([previous[1:], fix[1:]])
            seconds = fix[0] - previous[0]
            gap = seconds > 120 or leg.length > 300
            over = leg.length / seconds * 3.6 > SPEED_LIMIT_KMH[mode]
            gaps += gap
            fast += over
            if not gap and not over:
                piece = section.intersection(leg.buffer(width))
                for part in getattr(piece, "geoms", [piece]):
                    if not part.is_empty:
                        ends = [centreline.project(shapely.Point(c)) for c in part.coords]
                        intervals.append((min(ends), max(ends)))
                for k, point in enumerate(points):
                    if leg.distance(point) <= checkpoints.radius[k]:
                        visited.add(k)
        if previous is None or fix[0] != previous[0]:
            previous = fix
    intervals.sort()
    covered, end = 0.0, -np.inf
    for a, b in intervals:
        if b > end:
            covered += b - max(a, end)
            end = b
    return covered, len(visited), gaps, fast


def bench_patroller(runs: int) -> bool:
    from patrols.engine import track_judge

    centreline, from_m, to_m, t, x, y, acc, cps = patroller_day()
    options = {"centreline": centreline, "from_m": from_m, "to_m": to_m, "mode": "walk", "coverage_width_m": 20.0}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        judgement = track_judge(times=t, x=x, y=y, accuracy=acc, checkpoints=cps, **options)
        times.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    covered, visited, gaps, fast = loop_judge(t, x, y, acc, centreline, from_m, to_m, "walk", 20.0, cps)
    loop_ms = (time.perf_counter() - start) * 1000
    engine_ms = statistics.median(times)
    report = judgement.report()
    print(f"1. One patroller's day: {len(t)} fixes, {len(judgement.legs.start)} legs, section 20 km, 20 checkpoints")
    print(
        f"   report: coverage {report['coverage']}, uncovered {len(report['uncovered'])} ranges,"
        f" visited {report['checkpoints_visited']}/20, gaps {report['gaps']}, overspeed {report['overspeed_legs']}"
    )
    print(
        f"   per-fix loop agrees: covered {covered:.1f} m vs {judgement.covered_m:.1f} m (buffer polygons),"
        f" visited {visited}, gaps {gaps}, overspeed {fast}"
    )
    agree = (
        abs(covered - judgement.covered_m) < 5
        and visited == report["checkpoints_visited"]
        and (gaps, fast) == (report["gaps"], report["overspeed_legs"])
    )
    fast_enough = engine_ms < 50
    ratio = loop_ms / engine_ms
    print(f"   engine (median of {runs}): {engine_ms:8.2f} ms   target < 50 ms        {verdict(fast_enough)}")
    print(f"   per-fix shapely loop:      {loop_ms:8.2f} ms   ratio {ratio:6.1f}x (>= 50x)  {verdict(ratio >= 50)}")
    return agree and fast_enough and ratio >= 50


# --- 2. a day of the city on PostGIS -------------------------------------------------------------------


def city_prepare(target_fixes: int) -> int:
    """The bench database with the demo, the bench date's tasks and their fixes; the number of fixes."""
    import shapely
    from django.core.management import call_command
    from django.db import connection

    from hca.loading import to_wgs84
    from patrols.ingest import fixes_ingest_many
    from patrols.judging import pipeline_centreline, task_window
    from patrols.models import Device, PatrolFix, PatrolTask
    from patrols.services import tasks_generate

    call_command("migrate", verbosity=0)
    if not PatrolTask.objects.exists():
        call_command("seed_demo", verbosity=0)
    tasks_generate(on=BENCH_DATE)
    tasks = list(PatrolTask.objects.filter(date=BENCH_DATE).select_related("section__pipeline", "section__team"))
    stored = PatrolFix.objects.filter(device_id__regex=r"^BENCH-[0-9]+$").count()
    if stored >= target_fixes * 0.9:
        return stored
    rng = np.random.default_rng(5)
    total_m = sum(t.section.to_m - t.section.from_m for t in tasks)
    step = total_m / target_fixes
    speeds = {"walk": 1.3, "bicycle": 4.0, "vehicle": 10.0, "drone": 10.0}
    lines, batches = {}, []
    Device.objects.bulk_create(
        [Device(device_id=f"BENCH-{t.pk}", team_id=t.team_id or t.section.team_id) for t in tasks],
        ignore_conflicts=True,
    )
    for task in tasks:
        section = task.section
        if section.pipeline_id not in lines:
            lines[section.pipeline_id] = pipeline_centreline(section.pipeline)
        line = lines[section.pipeline_id]
        along = np.arange(section.from_m, min(section.to_m, line.length), step)
        xy = shapely.get_coordinates(shapely.line_interpolate_point(line, along)) + rng.normal(0, 1.5, (len(along), 2))
        lonlat = shapely.get_coordinates(to_wgs84(shapely.points(xy)))
        start = task_window(task)[0] + dt.timedelta(minutes=30)
        seconds = step / speeds[section.mode]
        fixes = [
            {"time": start + dt.timedelta(seconds=round(i * seconds, 3)), "lon": lon, "lat": lat, "accuracy_m": 5.0}
            for i, (lon, lat) in enumerate(lonlat)
        ]
        for k in range(0, len(fixes), 10_000):
            batches.append((f"BENCH-{task.pk}", fixes[k : k + 10_000]))
    size, group = 0, []
    for batch in batches:  # through the service, at most 10,000 fixes a call
        if size + len(batch[1]) > 10_000:
            fixes_ingest_many(batches=group)
            size, group = 0, []
        group.append(batch)
        size += len(batch[1])
    if group:
        fixes_ingest_many(batches=group)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patrols_patrolfix")
    return PatrolFix.objects.filter(device_id__regex=r"^BENCH-[0-9]+$").count()


def bench_city(target_fixes: int) -> bool:
    from django.db import connection

    from patrols.judging import day_judge
    from patrols.models import PatrolTask

    fixes = city_prepare(target_fixes)
    tasks = PatrolTask.objects.filter(date=BENCH_DATE).count()
    PatrolTask.objects.filter(date=BENCH_DATE).update(judged_at=None, status="planned")
    connection.close()  # a fresh connection, as the nightly job has
    start = time.perf_counter()
    counts = day_judge(date=BENCH_DATE)
    seconds = time.perf_counter() - start
    print(f"2. A day of the demo city on PostGIS: {tasks} tasks, {fixes} fixes of the day stored")
    print(f"   outcome: {counts}")
    print(
        f"   day_judge end to end (read, project, judge, write): {seconds:6.2f} s   target < 5 s", verdict(seconds < 5)
    )
    return seconds < 5


# --- 3. fixes through the API ------------------------------------------------------------------------


def serve(port: int):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pipeline_safety.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": BENCH_URL,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("gunicorn")), "pipeline_safety.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _cpu_seconds(pids) -> float:
    """User + system CPU of these processes so far (Linux /proc), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _server_pids(master: int) -> tuple[list[int], list[int]]:
    """The gunicorn worker(s) under ``master``, and the PostgreSQL backends of the bench database."""
    from django.db import connection

    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    return [int(c) for c in children], backends


def bench_ingest(seconds: float) -> bool:
    from rest_framework_api_key.models import APIKey

    from patrols.models import Device, PatrolFix, Team

    team = Team.objects.order_by("pk").first()
    Device.objects.get_or_create(device_id="BENCH-INGEST", defaults={"team": team})
    PatrolFix.objects.filter(device_id="BENCH-INGEST").delete()
    _key, key = APIKey.objects.create_key(name="patrol bench")
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    counter = iter(range(10**9))
    lock = threading.Lock()

    def body() -> bytes:
        with lock:
            n = next(counter)
        fixes = [
            {
                "time": dt.datetime.fromtimestamp(base + n * 1000 + i, dt.UTC).isoformat(),
                "lon": 118.5 + i * 1e-5,
                "lat": 37.4 + n * 1e-6,
                "accuracy_m": 5.0,
            }
            for i in range(1000)
        ]
        return json.dumps({"device_id": "BENCH-INGEST", "fixes": fixes}).encode()

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = serve(port)
    results, errors = [], []
    try:
        prepared = [body() for _ in range(int(seconds * 40) + 20)]  # encoded before the clock starts
        queue = iter(prepared)

        def client(stop_at: float):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.perf_counter() < stop_at:
                with lock:
                    payload = next(queue, None)
                if payload is None:
                    break
                start = time.perf_counter()
                conn.request("POST", "/api/v1/patrol-fixes/", payload, headers)
                response = conn.getresponse()
                answer = json.loads(response.read())
                if response.status != 200 or answer.get("added") != 1000:
                    errors.append((response.status, answer))
                results.append(time.perf_counter() - start)
            conn.close()

        # Warm up (the worker's first request loads the app), then measure.
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        warm.request("POST", "/api/v1/patrol-fixes/", body(), headers)
        warm.getresponse().read()
        warm.close()
        workers, backends = _server_pids(server.pid)
        cpu_before = (_cpu_seconds(workers), _cpu_seconds(backends))
        stop_at = time.perf_counter() + seconds
        start = time.perf_counter()
        clients = [threading.Thread(target=client, args=(stop_at,)) for _ in range(2)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - start
        cpu_worker = _cpu_seconds(workers) - cpu_before[0]
        cpu_pg = _cpu_seconds(backends) - cpu_before[1]
    finally:
        server.terminate()
        server.wait(timeout=10)
    rate = len(results) * 1000 / elapsed
    p50 = statistics.median(results) * 1000
    print("3. Fixes through the API: gunicorn 1 worker, batches of 1,000, 2 keep-alive clients")
    print(f"   {len(results)} batches in {elapsed:.1f} s, p50 {p50:.1f} ms per batch, errors {len(errors)}")
    print(f"   {rate:10.0f} fixes/s   target >= 20,000   {verdict(rate >= 20_000 and not errors)}")
    batches = max(len(results), 1)
    print(
        f"   CPU per batch of 1,000: worker {cpu_worker / batches * 1000:.1f} ms,"
        f" PostgreSQL {cpu_pg / batches * 1000:.1f} ms"
        f" -> one worker's CPU alone would take {batches * 1000 / max(cpu_worker, 1e-9):,.0f} fixes/s"
        f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if errors:
        print("   first error:", errors[0])
    return rate >= 20_000 and not errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--city-fixes", type=int, default=350_000)
    parser.add_argument("--ingest-seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=["patroller", "city", "ingest"], default=None)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")
    import django

    django.setup()
    ok = True
    if args.only in (None, "patroller"):
        ok &= bench_patroller(args.runs)
    if args.only in (None, "city", "ingest"):
        from bench.common import ensure_database

        ensure_database(BENCH_URL)
    if args.only in (None, "city"):
        ok &= bench_city(args.city_fixes)
    if args.only in (None, "ingest"):
        if args.only == "ingest":
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        ok &= bench_ingest(args.ingest_seconds)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
