"""Cameras and pipelines from the database into the engine's arrays, in the
metric CRS (settings.METRIC_SRID), and the coverage answers built from them."""

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import AsWKB

from hca.loading import pipelines_load, to_metric, to_wgs84
from video.choices import CameraStatus
from video.engine import Cameras, coverage_answers, coverage_answers_both
from video.models import Camera

CAMERA_COLUMNS = ("code", "azimuth_deg", "fov_deg", "range_m", "status")


def cameras_load(queryset=None) -> tuple[Cameras, list[int]]:
    """The cameras (all, or ``queryset``) as engine arrays, and their ids in the same order."""
    queryset = Camera.objects.all() if queryset is None else queryset
    rows = list(queryset.order_by("code").annotate(wkb=AsWKB("location")).values_list("pk", *CAMERA_COLUMNS, "wkb"))
    if not rows:
        return Cameras.build([]), []
    points = to_metric(shapely.from_wkb([bytes(r[-1]) for r in rows]))
    xy = shapely.get_coordinates(points)
    cameras = Cameras.build(
        (code, x, y, azimuth, fov, range_m, status == CameraStatus.ONLINE)
        for (_pk, code, azimuth, fov, range_m, status, _wkb), (x, y) in zip(rows, xy, strict=True)
    )
    return cameras, [r[0] for r in rows]


def segments_coverage(segments, *, cameras: Cameras | None = None) -> dict[int, tuple[dict, dict]]:
    """{segment id: (online answer, design answer)} for rows of (id, pipeline id, start_m, end_m)."""
    segments = list(segments)
    if not segments:
        return {}
    cameras = cameras_load()[0] if cameras is None else cameras
    pipelines = pipelines_load(pipeline_ids={s[1] for s in segments})
    index = {p.id: i for i, p in enumerate(pipelines)}
    lines = [p.line for p in pipelines]
    codes = [p.code for p in pipelines]
    wanted = [(sid, pid, a, b) for sid, pid, a, b in segments if pid in index]
    ranges = [(index[pid], a, b) for _sid, pid, a, b in wanted]
    online, design = coverage_answers_both(lines, ranges, cameras, codes=codes)
    return {w[0]: (o, d) for w, o, d in zip(wanted, online, design, strict=True)}


def range_coverage(*, pipeline, from_m: float, to_m: float, all_cameras: bool = False) -> dict:
    """video.md's answer for a chainage range of one pipeline."""
    loaded = pipelines_load(pipeline_ids=[pipeline.pk])
    if not loaded:  # an abandoned pipeline: measured all the same
        from hca.loading import single_line

        line = single_line(to_metric(np.array([shapely.from_wkb(bytes(pipeline.route.wkb))], dtype=object))[0])
    else:
        line = loaded[0].line
    cameras = cameras_load()[0]
    return coverage_answers([line], [(0, from_m, to_m)], cameras, all_cameras=all_cameras, codes=[pipeline.code])[0]


def pipeline_length(pipeline) -> float:
    from pipelines.chainage import _metric_line

    return float(_metric_line(pipeline).length)


def uncovered_geojson(pipeline, ranges, *, color: str, label: str) -> list[dict]:
    """GeoJSON features (EPSG:4326) of chainage ranges of ``pipeline``."""
    from hca.engine.network import line_pieces
    from pipelines.chainage import _metric_line

    if not ranges:
        return []
    line = _metric_line(pipeline)
    ranges = [(max(0.0, a), min(b, line.length)) for a, b in ranges]
    pieces = to_wgs84(np.array(line_pieces([(line, a, b) for a, b in ranges]), dtype=object))
    return [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(piece),
            "properties": {"label": f"{label} {a:.1f}–{b:.1f} m", "color": color, "width": 5},
        }
        for piece, (a, b) in zip(pieces, ranges, strict=True)
    ]


def sectors_geojson(queryset, *, colors: dict, url_of=None, label_of=None) -> list[dict]:
    """Each camera's view as a polygon (EPSG:4326), coloured by status."""
    rows = list(queryset.annotate(wkb=AsWKB("location")).values("pk", *CAMERA_COLUMNS, "wkb"))
    if not rows:
        return []
    cameras = Cameras.build(
        (
            r["code"],
            *shapely.get_coordinates(to_metric(np.array([shapely.from_wkb(bytes(r["wkb"]))], dtype=object)))[0],
            r["azimuth_deg"],
            r["fov_deg"],
            r["range_m"],
            r["status"] == CameraStatus.ONLINE,
        )
        for r in rows
    )
    sectors = to_wgs84(cameras.sectors())
    return [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": shapely.geometry.mapping(sector),
            "properties": {
                "label": label_of(row) if label_of else row["code"],
                "color": colors.get(row["status"], "#1f5fa8"),
                **({"url": url_of(row)} if url_of else {}),
            },
        }
        for row, sector in zip(rows, sectors, strict=True)
    ]
