"""Replacing a reference layer's features in bulk, inside the import's
transaction: the new rows go in as WKB through raw SQL, never as one ORM
object per feature.

Upkeep per row (spatial index, foreign-key checks, SpatiaLite's triggers)
costs more than the rows themselves, so it is set aside for the load and
done once at the end. All of it is inside the transaction: a failure
restores the table, its indexes, constraints and triggers.

- PostGIS: TRUNCATE (nothing refers to features by key); GiST indexes and
  foreign keys dropped; COPY with hex EWKB (geometry's own text input);
  indexes built and foreign keys added (checked in one pass) again; ANALYZE.
- SpatiaLite: its triggers on the geometry column dropped (geometry check,
  spatial-index upkeep, change times; the rows are checked already); R*Tree emptied by dropping and
  creating it; executemany with GeomFromWKB; the R*Tree filled in Hilbert
  order; change times set once; triggers created again.
"""

import itertools

import geopandas as gpd
import numpy as np
import shapely
from django.db import connection

from layers.contract import CleanLayer
from layers.models import LayerImport

SRID = 4326
# SpatiaLite's own triggers on a geometry column: type/SRID checks, spatial-index
# upkeep, change times (gg*, gi*, tm* + _<table>_<column>). Other triggers stay.
SPATIALITE_TRIGGER_PREFIXES = ("ggi_", "ggu_", "gii_", "giu_", "gid_", "tmi_", "tmu_", "tmd_")
LOAD_CACHE_KIB = 256 * 1024  # SQLite page cache during a load (an R*Tree of 300,000 boxes fits)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(names) -> str:
    return ", ".join(_quote(name) for name in names)


def _postgis_load(table: str, columns: list[str], values: list[list], geoms, import_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {_quote(table)}")
        if not len(geoms):
            return
        # Table changes need the transaction's deferred foreign-key checks done first
        # (they are: every row of the import is checked before writing).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexdef ILIKE %s",
            [table, "% USING gist %"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [_quote(table)],
        )
        foreign_keys = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {_quote(name)}")
        for name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
        hex_ewkb = shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True, output_dimension=2)
        rows = zip(*values, hex_ewkb.tolist(), itertools.repeat(import_id), strict=False)
        with cursor.cursor.copy(f"COPY {_quote(table)} ({_columns(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ANALYZE {_quote(table)}")


def _spatialite_load(
    table: str, columns: list[str], values: list[list], geoms, import_id: int, *, pk: str, geom_column: str
) -> None:
    index_table = f"idx_{table}_{geom_column}"
    wkb = shapely.to_wkb(geoms, output_dimension=2)
    rows = zip(*values, wkb.tolist(), itertools.repeat(import_id), strict=False)
    placeholders = ", ".join(["%s"] * (len(columns) - 2) + [f"GeomFromWKB(%s, {SRID})", "%s"])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        suffix = f"_{table}_{geom_column}".lower()
        triggers = [
            (name, sql)
            for name, sql in cursor.fetchall()
            if name.lower().startswith(SPATIALITE_TRIGGER_PREFIXES) and name.lower().endswith(suffix)
        ]
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [index_table])
        index_sql = (cursor.fetchone() or [None])[0]
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {_quote(name)}")
        cursor.execute(f"DELETE FROM {_quote(table)}")  # noqa: S608 - identifiers from model metadata, quoted
        if index_sql:
            # Emptying an R*Tree deletes row by row; dropping and creating it again is immediate.
            cursor.execute(f"DROP TABLE {_quote(index_table)}")
            cursor.execute(index_sql)
        insert = f"INSERT INTO {_quote(table)} ({_columns(columns)}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(insert, rows)
        if index_sql and len(geoms):
            # AUTOINCREMENT keys grow in insertion order: the i-th key is the i-th geometry's.
            cursor.execute(f"SELECT {_quote(pk)} FROM {_quote(table)} ORDER BY {_quote(pk)}")  # noqa: S608
            keys = np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64, count=len(geoms))
            bounds = shapely.bounds(geoms)
            order = np.argsort(gpd.GeoSeries(geoms).hilbert_distance().to_numpy(), kind="stable")
            cursor.executemany(
                f"INSERT INTO {_quote(index_table)} (pkid, xmin, xmax, ymin, ymax) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                zip(
                    keys[order].tolist(),
                    bounds[order, 0].tolist(),
                    bounds[order, 2].tolist(),
                    bounds[order, 1].tolist(),
                    bounds[order, 3].tolist(),
                    strict=True,
                ),
            )
        cursor.execute(
            "UPDATE geometry_columns_time SET last_insert = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now'), "
            "last_delete = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') "
            "WHERE lower(f_table_name) = lower(%s) AND lower(f_geometry_column) = lower(%s)",
            [table, geom_column],
        )
        for _name, sql in triggers:
            cursor.execute(sql)
        cursor.execute(f"PRAGMA cache_size = {cache_size}")


def feature_layer_replace(layer: CleanLayer, record: LayerImport) -> None:
    meta = layer.model._meta
    geom_column = meta.get_field("geom").column
    columns = [
        *(meta.get_field(name).column for name in layer.values),
        geom_column,
        meta.get_field("layer_import").column,
    ]
    values = list(layer.values.values())
    if connection.vendor == "postgresql":
        _postgis_load(meta.db_table, columns, values, layer.geoms, record.pk)
    else:
        _spatialite_load(
            meta.db_table, columns, values, layer.geoms, record.pk, pk=meta.pk.column, geom_column=geom_column
        )
