#!/usr/bin/env python
"""Benchmark: the REST API against bare Django views returning the same rows.

    .venv/bin/python bench/api.py [--hazards 10000] [--seconds 8] [--clients 4]

Builds (once) a PostGIS database ``pipeline_safety_api_bench`` with the demo
city and N hazards, starts gunicorn (2 workers, DEBUG off) on a free port on
127.0.0.1, and for each case loads the API endpoint and its bare baseline in
turn with the same number of keep-alive clients for the same time. Prints
requests per second and p50/p95 latency. Targets: the API keeps at least half
the bare view's throughput; p95 under 100 ms.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/pipeline_safety_api_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")

BBOX = "118.5,37.3,118.8,37.6"
HAZARDS = "/api/v1/hazards/"
CASES = [
    (
        "hazard list, page of 50, two filters",
        f"{HAZARDS}?status=rectifying&level=general&page_size=50",
        "/bare/hazards/?status=rectifying&level=general",
    ),
    ("hazards in a bbox (GeoJSON)", f"{HAZARDS}?in_bbox={BBOX}&page_size=50", f"/bare/hazards-bbox/?in_bbox={BBOX}"),
    ("pipelines layer (GeoJSON)", "/api/v1/pipelines/?page_size=200", "/bare/pipelines/"),
]


def prepare(hazards: int) -> str:
    from bench.common import GENERATE, ensure_database

    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework_api_key.models import APIKey

    from hazards.models import Hazard

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    extra = hazards - Hazard.objects.exclude(code__startswith="YH-1999-").count()
    generated = Hazard.objects.filter(code__startswith="YH-1999-")
    if extra > 0 and generated.count() != extra:
        with transaction.atomic():
            generated.delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    GENERATE.replace("n %% 20 = 0", "n %% 3 = 0"),
                    {"today": timezone.localdate(), "start": 1, "stop": extra},
                )
                cursor.execute("ANALYZE hazards_hazard")
    print(f"hazards in the database: {Hazard.objects.count():,}")
    APIKey.objects.filter(name="bench").delete()
    _obj, key = APIKey.objects.create_key(name="bench")
    return key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": BENCH_URL,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("gunicorn")), "pipeline_safety.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]  # fmt: skip
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


def load(port: int, path: str, headers: dict, seconds: float, clients: int) -> dict:
    latencies, errors = [], []
    stop = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - start)
            if response.status != 200:
                errors.append(response.status)
        conn.close()

    # warm up each gunicorn worker
    for _ in range(4):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
        conn.close()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "errors": sorted(set(errors)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hazards", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    key = prepare(args.hazards)
    port = free_port()
    server = serve(port)
    try:
        headers = {"Authorization": f"Api-Key {key}"}
        print(f"{args.clients} keep-alive clients, {args.seconds:.0f} s per measurement, gunicorn 2 workers\n")
        columns = ("API req/s", "bare req/s", "ratio", "API p50", "API p95", "bare p95")
        print(f"{'case':40} " + " ".join(f"{c:>10}" for c in columns))
        verdicts = []
        for label, api_path, bare_path in CASES:
            api = load(port, api_path, headers, args.seconds, args.clients)
            bare = load(port, bare_path, {}, args.seconds, args.clients)
            ratio = api["rps"] / bare["rps"]
            print(
                f"{label:40} {api['rps']:10.0f} {bare['rps']:10.0f} {ratio:10.2f} "
                f"{api['p50']:8.1f}ms {api['p95']:8.1f}ms {bare['p95']:8.1f}ms"
                + (f"  errors {api['errors']} {bare['errors']}" if api["errors"] or bare["errors"] else "")
            )
            verdicts.append(ratio >= 0.5 and api["p95"] < 100)
        print(f"\ntargets (≥ half the bare throughput, p95 < 100 ms): {'met' if all(verdicts) else 'NOT met'}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
