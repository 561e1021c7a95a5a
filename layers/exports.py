"""Exporting pipelines and HCA segments for GIS software (EPSG:4326).

GeoPackage: one file with a layer per export layer. GeoJSON: one file per
layer (``<layer>.geojson`` in a folder). The pipelines layer has the import
format's attribute names, so an exported file can be edited and imported
again. With a ``user``, only what the user may see is exported
(accounts/scoping.py).
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from django.contrib.gis.db.models.functions import AsWKB

from accounts.scoping import scope_queryset
from hca.choices import GRADE_NAMES, RuleSet
from hca.models import HcaSegment
from pipelines.models import Pipeline

PIPELINES = "pipelines"
HCA_SEGMENTS = "hca_segments"
EXPORT_LAYERS = (PIPELINES, HCA_SEGMENTS)
GPKG = "gpkg"
GEOJSON = "geojson"
FORMATS = (GPKG, GEOJSON)
WGS84 = 4326
GEOMETRY_TYPES = {PIPELINES: "MultiLineString", HCA_SEGMENTS: "LineString"}

PIPELINE_COLUMNS = {
    "code": "code",
    "name": "name",
    "company": "company__name",
    "medium": "medium",
    "outer_diameter_mm": "outer_diameter_mm",
    "wall_thickness_mm": "wall_thickness_mm",
    "material": "material",
    "maop_mpa": "maop_mpa",
    "status": "status",
    "commissioned": "commissioned_on",
    "length_m": "length_m",
}
SEGMENT_COLUMNS = (
    "pipeline_code",
    "rule_set",
    "start_m",
    "end_m",
    "length_m",
    "grade",
    "rules",
    "review_status",
    "video_pilot",
    "identified_at",
)


def _frame(columns: dict[str, list], wkb: list) -> gpd.GeoDataFrame:
    geometry = gpd.GeoSeries(shapely.from_wkb(np.array([bytes(g) for g in wkb], dtype=object)), crs=WGS84)
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=WGS84)


def pipelines_frame(queryset) -> gpd.GeoDataFrame:
    rows = list(
        queryset.order_by("code").annotate(export_wkb=AsWKB("route")).values(*PIPELINE_COLUMNS.values(), "export_wkb")
    )
    columns = {name: [row[source] for row in rows] for name, source in PIPELINE_COLUMNS.items()}
    for name in ("outer_diameter_mm", "wall_thickness_mm", "maop_mpa"):
        columns[name] = np.array([float(v) for v in columns[name]], dtype=float)
    columns["length_m"] = np.round(np.array(columns["length_m"], dtype=float), 1)
    columns["commissioned"] = [d.isoformat() if d else None for d in columns["commissioned"]]
    return _frame(columns, [row["export_wkb"] for row in rows])


def segments_frame(queryset, *, rules_as_text: bool) -> gpd.GeoDataFrame:
    rows = list(
        queryset.order_by("pipeline__code", "start_m")
        .annotate(export_wkb=AsWKB("geom"))
        .values(
            "pipeline__code",
            "rule_set",
            "start_m",
            "end_m",
            "grade",
            "rules",
            "review_status",
            "video_pilot",
            "identified_at",
            "export_wkb",
        )
    )
    start = np.array([row["start_m"] for row in rows], dtype=float)
    end = np.array([row["end_m"] for row in rows], dtype=float)
    columns = {
        "pipeline_code": [row["pipeline__code"] for row in rows],
        "rule_set": [row["rule_set"] for row in rows],
        "start_m": np.round(start, 1),
        "end_m": np.round(end, 1),
        "length_m": np.round(end - start, 1),
        "grade": [GRADE_NAMES[row["grade"]] for row in rows],
        "rules": [",".join(sorted(row["rules"])) if rules_as_text else sorted(row["rules"]) for row in rows],
        "review_status": [row["review_status"] for row in rows],
        "video_pilot": np.array([row["video_pilot"] for row in rows], dtype=bool),
        "identified_at": [row["identified_at"].isoformat() if row["identified_at"] else None for row in rows],
    }
    return _frame(columns, [row["export_wkb"] for row in rows])


def _querysets(*, pipeline_codes, rule_set, user):
    pipelines = Pipeline.objects.select_related("company")
    segments = HcaSegment.objects.filter(rule_set=rule_set)
    if user is not None:
        pipelines = scope_queryset(pipelines, user)
        segments = scope_queryset(segments, user).filter(pipeline__in=pipelines)
    if pipeline_codes:
        pipelines = pipelines.filter(code__in=list(pipeline_codes))
        segments = segments.filter(pipeline__code__in=list(pipeline_codes))
    return pipelines, segments


def layers_export(
    *,
    path,
    layers=EXPORT_LAYERS,
    fmt: str = GPKG,
    pipeline_codes=None,
    rule_set: str = RuleSet.GB32167,
    user=None,
) -> list[Path]:
    """Write the layers; returns the files written.

    GeoPackage: ``path`` is the file (replaced if it exists). GeoJSON: ``path``
    is a folder (created) receiving ``<layer>.geojson``, or, for one layer,
    may name the ``.geojson`` file itself.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    unknown = [name for name in layers if name not in EXPORT_LAYERS]
    if unknown or not layers:
        raise ValueError(f"unknown layers {unknown}; use some of {EXPORT_LAYERS}")
    path = Path(path)
    pipelines, segments = _querysets(pipeline_codes=pipeline_codes, rule_set=rule_set, user=user)
    frames = {}
    for name in EXPORT_LAYERS:
        if name in layers:
            frames[name] = (
                pipelines_frame(pipelines) if name == PIPELINES else segments_frame(segments, rules_as_text=fmt == GPKG)
            )
    if fmt == GPKG:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        for name, frame in frames.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", geometry_type=GEOMETRY_TYPES[name])
        return [path]
    if len(frames) == 1 and path.suffix.lower() in (".geojson", ".json"):
        targets = {next(iter(frames)): path}
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        path.mkdir(parents=True, exist_ok=True)
        targets = {name: path / f"{name}.geojson" for name in frames}
    for name, frame in frames.items():
        targets[name].unlink(missing_ok=True)
        pyogrio.write_dataframe(
            frame,
            targets[name],
            layer=name,
            driver="GeoJSON",
            geometry_type=GEOMETRY_TYPES[name],
            layer_options={"RFC7946": "YES"},
        )
    return list(targets.values())
