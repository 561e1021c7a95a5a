#!/usr/bin/env python
"""Benchmark: reporting encroachments as hazards, in bulk against one by one.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/bench_enc .venv/bin/python -m bench.hca_encroach [--count 2000]

A city where ``--count`` buildings stand in the 5 m strip of its pipelines
(a first identification over a dense city found 1,696 on 300,000 buildings),
spread along every pipeline, each 2 m off the centreline. Measures, each in
a transaction rolled back afterwards (the database is left as it was):

- hca.encroachment.encroachments_report in bulk (codes, hazards, audit log,
  chained history rows, alerts, encroachment rows) for all of them;
- the one-by-one path (hazard_report per hazard, as before) on
  ``--baseline`` of them, per hazard and extrapolated to all.

bench/hca.py runs ``measure`` on its generated city; run alone, this uses
the demo city's pipelines (seeded when missing). Target: under 1 s for 2,000.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_S = 1.0  # for 2,000 encroachments
OFFSET_M = 2.0


class _Rollback(Exception):
    pass


def city_with_encroachments(pipelines, count: int):
    """A buildings layer of ``count`` points OFFSET_M off the pipelines, spread evenly along them."""
    import numpy as np
    import shapely

    from hca.engine import Layer

    total = sum(p.line.length for p in pipelines)
    points = []
    for p in pipelines:
        share = max(1, round(count * p.line.length / total))
        for d in np.linspace(10.0, p.line.length - 10.0, share):
            x, y = shapely.line_interpolate_point(p.line, d).coords[0]
            points.append(shapely.Point(x + OFFSET_M * 0.6, y + OFFSET_M * 0.8))
    points = points[:count]
    ids = np.array([f"bench-enc-{i}" for i in range(len(points))], dtype=object)
    names = np.array(["" if i % 2 else f"临时棚屋{i}" for i in range(len(points))], dtype=object)
    return Layer("buildings", np.array(points, dtype=object), ids, names)


def _timed(fn) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process's: the machine is shared) and the result of ``fn``,
    inside a transaction that is then rolled back."""
    from django.db import transaction

    box = {}
    try:
        with transaction.atomic():
            start, cpu = time.perf_counter(), time.process_time()
            box["result"] = fn()
            box["seconds"], box["cpu"] = time.perf_counter() - start, time.process_time() - cpu
            raise _Rollback
    except _Rollback:
        pass
    return box["seconds"], box["cpu"], box["result"]


def measure(pipelines, *, count: int = 2000, baseline: int = 200) -> dict:
    from hca.encroachment import encroachments_report

    buildings = city_with_encroachments(pipelines, count)
    bulk_s, bulk_cpu, bulk_n = _timed(lambda: encroachments_report(pipelines=pipelines, buildings=buildings))
    few = city_with_encroachments(pipelines, baseline)
    loop_s, loop_cpu, loop_n = _timed(lambda: encroachments_report(pipelines=pipelines, buildings=few, one_by_one=True))
    per_hazard = loop_s / max(loop_n, 1)
    return {
        "count": bulk_n,
        "bulk_s": bulk_s,
        "bulk_cpu": bulk_cpu,
        "baseline_cpu": loop_cpu,
        "baseline_n": loop_n,
        "baseline_s": loop_s,
        "per_hazard_ms": per_hazard * 1000,
        "extrapolated_s": per_hazard * bulk_n,
    }


def report(figures: dict) -> list[str]:
    f = figures
    return [
        f"encroachments reported in bulk: {f['count']:,} in {f['bulk_s']:.2f} s (cpu {f['bulk_cpu']:.2f} s; "
        f"{f['bulk_s'] / max(f['count'], 1) * 1000:.2f} ms each; target < {TARGET_S:.0f} s for 2,000)",
        f"  one by one (baseline): {f['baseline_n']:,} in {f['baseline_s']:.2f} s (cpu {f['baseline_cpu']:.2f} s) "
        f"= {f['per_hazard_ms']:.1f} ms each "
        f"→ {f['extrapolated_s']:.1f} s for {f['count']:,}; speed-up ×{f['extrapolated_s'] / f['bulk_s']:.0f}",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--baseline", type=int, default=200, help="encroachments reported one by one")
    args = parser.parse_args()
    from bench.common import ensure_database

    if os.environ.get("DATABASE_URL", "").startswith("postgis://"):
        ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.core.management import call_command

    from hca.loading import pipelines_load

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    figures = measure(pipelines_load(), count=args.count, baseline=args.baseline)
    print("\n".join(report(figures)))
    met = figures["bulk_s"] * 2000 / max(figures["count"], 1) < TARGET_S
    print(f"target: under {TARGET_S:.0f} s for 2,000 → {'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
