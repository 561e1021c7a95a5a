#!/usr/bin/env python
"""Benchmark: the REST API against bare Django views returning the same rows.

    .venv/bin/python bench/api.py [--hazards 10000] [--seconds 8] [--clients 4] [--rounds 4]

Builds (once) a PostGIS database ``pipeline_safety_api_bench`` with the demo
city and N hazards, starts gunicorn (2 workers, DEBUG off) on a free port on
127.0.0.1 and, for each case, first checks that the bare view
(bench/urls_bench.py) returns the API page's rows, in the same order, with the
same fields and geometries; then loads the API endpoint and its bare baseline
alternately (``--rounds`` rounds, ``--seconds`` in all for each) with the same
number of keep-alive clients, so that both see the same machine. Prints
requests per second and p50/p95 latency. Targets: the API keeps at least half
the bare view's throughput; p95 under 100 ms. The clients run on the same
machine: keep it otherwise idle (the load average is printed before and after).

A second table gives the CPU per request of the gunicorn workers, of their
PostgreSQL backends and of the clients (from /proc): on a machine that other
work also uses, these move much less than requests per second, and the
server's CPU ratio is what the throughput ratio tends to.
"""

import argparse
import http.client
import json
import os
import socket
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # seed_demo rewrote the demo rows: fresh statistics for the planner
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


def fetch(port: int, path: str, headers: dict) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
    return json.loads(body)


def check_same_rows(port: int, api_path: str, bare_path: str, headers: dict) -> int:
    """The bare view returns the API page's rows, in its order, with its fields and geometries."""
    features = fetch(port, api_path, headers)["features"]
    rows = fetch(port, bare_path, {})["results"]
    assert [f["id"] for f in features] == [r["id"] for r in rows], f"{bare_path}: other rows than {api_path}"
    for feature, row in zip(features, rows, strict=True):
        names = {k.removeprefix("computed_").removesuffix("_id") for k in row} - {"id", "geojson"}
        assert names == set(feature["properties"]), f"{bare_path}: fields {names ^ set(feature['properties'])}"
        assert feature["geometry"] == row["geojson"], f"{bare_path}: other geometry for {row['id']}"
    return len(rows)


def _cpu_ticks(pid: int) -> int:
    """User + system CPU of a process so far, in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


class ServerCPU:
    """CPU used by the server side: the gunicorn workers and their PostgreSQL backends (Linux /proc)."""

    def __init__(self, server_pid: int):
        import psycopg

        self.server_pid = server_pid
        self.db = psycopg.connect(BENCH_URL.replace("postgis://", "postgresql://"), autocommit=True)

    def pids(self) -> dict[int, str]:
        """pid -> "python" (a gunicorn worker) or "postgres" (a backend of the bench database)."""
        workers = set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        if int(stat.read().rsplit(")", 1)[1].split()[1]) == self.server_pid:
                            workers.add(int(entry))
                except OSError:
                    continue
        backends = self.db.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return dict.fromkeys(workers, "python") | {pid: "postgres" for (pid,) in backends}

    def sample(self) -> dict[int, tuple[str, int]]:
        return {pid: (kind, _cpu_ticks(pid)) for pid, kind in self.pids().items()}


class Meter:
    """Latencies and time under load of one path, over one or more rounds."""

    def __init__(self, port: int, path: str, headers: dict, server: ServerCPU):
        self.port, self.path, self.headers, self.server = port, path, headers, server
        self.latencies, self.errors, self.elapsed = [], set(), 0.0
        self.server_ticks, self.client_seconds = {"python": 0, "postgres": 0}, 0.0
        for _ in range(4):  # warm up each gunicorn worker
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
            conn.close()

    def run(self, seconds: float, clients: int) -> None:
        stop = time.monotonic() + seconds

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            while time.monotonic() < stop:
                start = time.perf_counter()
                conn.request("GET", self.path, headers=self.headers)
                response = conn.getresponse()
                response.read()
                self.latencies.append(time.perf_counter() - start)
                if response.status != 200:
                    self.errors.add(response.status)
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(clients)]
        before, began, cpu = self.server.sample(), time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.elapsed += time.perf_counter() - began
        self.client_seconds += time.process_time() - cpu
        after = self.server.sample()
        for pid, (kind, ticks) in after.items():
            self.server_ticks[kind] += ticks - before.get(pid, (kind, 0))[1]

    def cpu_ms(self) -> tuple[float, float, float]:
        """CPU per request, in ms: gunicorn workers (Python), their PostgreSQL backends, the clients."""
        per_request = 1000 / os.sysconf("SC_CLK_TCK") / len(self.latencies)
        return (
            self.server_ticks["python"] * per_request,
            self.server_ticks["postgres"] * per_request,
            self.client_seconds * 1000 / len(self.latencies),
        )

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(fraction * (len(ordered) - 1))] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hazards", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8, help="per path and case, over all rounds")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4, help="API and bare view alternate this many times")
    args = parser.parse_args()
    key = prepare(args.hazards)
    port = free_port()
    server = serve(port)
    try:
        headers = {"Authorization": f"Api-Key {key}"}
        busy = os.getloadavg()[0]
        print(
            f"{args.clients} keep-alive clients, {args.seconds:g} s per path in {args.rounds} alternating rounds,"
            f" gunicorn 2 workers; load average before: {busy:.2f}"
            + ("  (the machine is busy: figures are unreliable)" if busy > 0.5 else "")
            + "\n"
        )
        columns = ("API req/s", "bare req/s", "ratio", "API p50", "API p95", "bare p50", "bare p95")
        print(f"{'case':40} " + " ".join(f"{c:>10}" for c in columns))
        cpu = ServerCPU(server.pid)
        verdicts, costs = [], []
        for label, api_path, bare_path in CASES:
            check_same_rows(port, api_path, bare_path, headers)
            api, bare = Meter(port, api_path, headers, cpu), Meter(port, bare_path, {}, cpu)
            for _ in range(args.rounds):
                api.run(args.seconds / args.rounds, args.clients)
                bare.run(args.seconds / args.rounds, args.clients)
            ratio = api.rps / bare.rps
            p50, p95 = api.percentile(0.5), api.percentile(0.95)
            print(
                f"{label:40} {api.rps:10.0f} {bare.rps:10.0f} {ratio:10.2f} {p50:8.1f}ms {p95:8.1f}ms"
                f" {bare.percentile(0.5):8.1f}ms {bare.percentile(0.95):8.1f}ms"
                + (f"  errors {sorted(api.errors)} {sorted(bare.errors)}" if api.errors or bare.errors else "")
            )
            verdicts.append(ratio >= 0.5 and p95 < 100 and not api.errors)
            costs.append((label, *api.cpu_ms(), *bare.cpu_ms()))
        print(f"\ntargets (≥ half the bare throughput, p95 < 100 ms): {'met' if all(verdicts) else 'NOT met'}")
        print(f"load average after: {os.getloadavg()[0]:.2f}\n")
        # Throughput on a busy machine follows CPU per request: these figures move less with other load.
        columns = ("API python", "API pg", "bare python", "bare pg", "server ratio", "API client", "bare client")
        print(f"{'CPU ms per request':40} " + " ".join(f"{c:>12}" for c in columns))
        for label, api_py, api_pg, api_client, bare_py, bare_pg, bare_client in costs:
            print(
                f"{label:40} {api_py:12.2f} {api_pg:12.2f} {bare_py:12.2f} {bare_pg:12.2f}"
                f" {(bare_py + bare_pg) / (api_py + api_pg):12.2f} {api_client:12.2f} {bare_client:12.2f}"
            )
        print("(python: the gunicorn workers; pg: their PostgreSQL backends; client: this process)")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
