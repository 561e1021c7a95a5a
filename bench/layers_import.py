#!/usr/bin/env python
"""Benchmark: importing 300,000 buildings (points and polygons) from a GeoPackage.

    .venv/bin/python bench/layers_import.py --database spatialite [--buildings 300000]
    .venv/bin/python bench/layers_import.py --database postgis

SpatiaLite: a fresh database in a temporary folder. PostGIS: the database
``pipeline_safety_bench`` (BENCH_DATABASE_URL), created if missing. Both are
migrated first. The file is generated once (in the system's temporary
folder, EPSG:4490 like the city's data; half points, half polygons, or
``--kind points|polygons``) and imported twice: into an empty
layer, then replacing it. Target: well under 30 s each.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/pipeline_safety_bench")


def buildings_file(count: int, kind: str) -> Path:
    import geopandas as gpd
    import numpy as np
    import shapely

    path = Path(tempfile.gettempdir()) / f"bench-buildings-{kind}-{count}.gpkg"
    if path.exists():
        return path
    rng = np.random.default_rng(7)
    x = 118.2 + rng.random(count) * 0.9
    y = 37.0 + rng.random(count) * 0.9
    half = {"points": count, "polygons": 0}.get(kind, count // 2)  # the first ``half`` are points
    points = shapely.points(x[:half], y[:half])
    size = 0.0001
    boxes = shapely.box(x[half:], y[half:], x[half:] + size, y[half:] + size)
    frame = gpd.GeoDataFrame(
        {
            "id": [f"B{n:07d}" for n in range(count)],
            "name": [f"楼{n}" for n in range(count)],
            "households": rng.integers(0, 40, count),
            "floors": rng.integers(1, 12, count),
        },
        geometry=np.concatenate([points, boxes]),
        crs=4490,
    )
    frame.to_file(path, layer="buildings", driver="GPKG")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["spatialite", "postgis"], default="spatialite")
    parser.add_argument("--buildings", type=int, default=300_000)
    parser.add_argument("--kind", choices=["mixed", "points", "polygons"], default="mixed")
    args = parser.parse_args()

    if args.database == "postgis":
        from bench.common import ensure_database

        ensure_database(BENCH_URL)
        os.environ["DATABASE_URL"] = BENCH_URL
    else:
        os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-layers-")
        os.environ.pop("DATABASE_URL", None)
    # The import queues HCA identification after commit: not into the project's broker.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")
    os.environ["LOG_LEVEL"] = "WARNING"

    started = time.monotonic()
    path = buildings_file(args.buildings, args.kind)
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, {time.monotonic() - started:.1f} s)")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from layers.importer import layers_import
    from layers.models import Building

    for attempt in ("into an empty layer", "replacing the layer"):
        began = time.monotonic()
        record = layers_import(path=path, replace_empty=True)  # a benchmark replaces what a previous run left
        elapsed = time.monotonic() - began
        assert Building.objects.count() == args.buildings
        print(
            f"{args.database}: {args.buildings} {args.kind} buildings {attempt}: {elapsed:.1f} s "
            f"({record.details['buildings']})"
        )


if __name__ == "__main__":
    main()
