"""Shared by the benchmarks: a PostGIS database of their own and generated hazards."""

GENERATE = """
WITH p AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(company_id ORDER BY id) AS companies
    FROM pipelines_pipeline
), g AS (
    SELECT n, (%(today)s::date - (n %% 240)) AS found, (n %% 20 = 0) AS open
    FROM generate_series(%(start)s, %(stop)s) AS n
)
INSERT INTO hazards_hazard (
    code, source, company_id, pipeline_id, location, place, category, level, description,
    found_on, deadline, status, is_overdue, closed_at, version, created_at, updated_at
)
SELECT
    'YH-1999-' || lpad(n::text, 7, '0'), 'patrol',
    p.companies[1 + n %% cardinality(p.ids)], p.ids[1 + n %% cardinality(p.ids)],
    ST_SetSRID(ST_MakePoint(118.2 + (n %% 9000) / 10000.0, 37.0 + (n %% 9973) / 10000.0), 4326),
    '', (ARRAY['encroachment','insufficient_distance','third_party_construction','oil_theft','crossing',
               'corrosion','missing_marker'])[1 + n %% 7],
    CASE WHEN n %% 7 = 0 THEN 'major' ELSE 'general' END, '基准测试隐患',
    found, found + 30,
    CASE WHEN open THEN 'rectifying' ELSE 'closed' END, false,
    CASE WHEN open THEN NULL ELSE (found + 20)::timestamptz END, 0, now(), now()
FROM g, p
"""


def ensure_database(url: str) -> None:
    """Create the benchmark database (with PostGIS) if it is missing."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.replace("postgis://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(admin.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
