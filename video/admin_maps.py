"""What the video pages draw (GeoJSON in EPSG:4326) and export (Excel)."""

import json
from io import BytesIO

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import scope_queryset
from common.gis import area_within
from hazards.ledger import excel_safe
from hca.models import chainage
from pipelines.models import Pipeline
from video.choices import CameraStatus
from video.loading import sectors_geojson, uncovered_geojson
from video.models import MAX_RANGE_M, Camera

ONLINE, OFFLINE = "#1e8449", "#c0392b"
SEGMENT, UNCOVERED, PIPELINE = "#2e86c1", "#c0392b", "#7f8c8d"
AROUND_M = 300.0  # the pipeline drawn this far beyond the segment
STATUS_COLORS = {CameraStatus.ONLINE: ONLINE, CameraStatus.OFFLINE: OFFLINE}
COVERAGE_LEGEND = (
    (gettext_lazy("HCA segment"), SEGMENT),
    (gettext_lazy("uncovered range"), UNCOVERED),
    (gettext_lazy("view of an online camera"), ONLINE),
    (gettext_lazy("view of an offline camera"), OFFLINE),
)


def _label(row) -> str:
    return f"{row['code']} · {CameraStatus(row['status']).label} · {row['azimuth_deg']:.0f}° / {row['fov_deg']:.0f}°"


def camera_features(queryset) -> list[dict]:
    """Each camera's view, coloured by status, linked to its page."""
    return sectors_geojson(
        queryset,
        colors=STATUS_COLORS,
        url_of=lambda row: reverse("admin:video_camera_change", args=[row["pk"]]),
        label_of=_label,
    )


def coverage_geojson(coverage, user) -> dict:
    """The pipeline, the segment, its uncovered ranges and the views of the cameras near it."""
    segment = coverage.segment
    pipeline = Pipeline.objects.get(pk=segment.pipeline_id)
    segment_geojson = type(segment).objects.filter(pk=segment.pk).annotate(g=AsGeoJSON("geom", precision=6)).get().g
    around = [(max(0.0, segment.start_m - AROUND_M), segment.end_m + AROUND_M)]  # the map fits the segment
    features = [
        *uncovered_geojson(pipeline, around, color=PIPELINE, label=pipeline.code),
        {
            "type": "Feature",
            "geometry": json.loads(segment_geojson),
            "properties": {"label": str(segment), "color": SEGMENT, "width": 6},
        },
        *uncovered_geojson(pipeline, coverage.uncovered, color=UNCOVERED, label=_("uncovered")),
    ]
    near = scope_queryset(Camera.objects.all(), user).filter(
        location__intersects=area_within(segment.geom, MAX_RANGE_M)
    )
    features += camera_features(near.order_by("code")[:500])
    return {"type": "FeatureCollection", "features": features}


def alarm_geojson(alarm) -> dict:
    camera = Camera.objects.filter(pk=alarm.camera_id)
    features = camera_features(camera)
    for pipeline in alarm.pipelines.annotate(g=AsGeoJSON("route", precision=6)):
        features.insert(
            0,
            {
                "type": "Feature",
                "geometry": json.loads(pipeline.g),
                "properties": {"label": pipeline.code, "color": PIPELINE},
            },
        )
    if alarm.hazard_id:
        hazard = alarm.hazard
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [hazard.location.x, hazard.location.y]},
                "properties": {"label": hazard.code, "color": "#e67e22"},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def coverage_workbook(rows, threshold: float) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("HCA video coverage")
    sheet.append(
        [
            _("pipeline"),
            _("company"),
            _("rule set"),
            _("from chainage"),
            _("to chainage"),
            _("length (m)"),
            _("video pilot"),
            _("covered (m)"),
            _("coverage"),
            _("design coverage"),
            _("below the threshold"),
            _("uncovered ranges"),
            _("cameras that see it"),
            _("computed at"),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        segment = row.segment
        sheet.append(
            [
                excel_safe(segment.pipeline.code),
                excel_safe(segment.pipeline.company.name),
                segment.get_rule_set_display(),
                chainage(segment.start_m),
                chainage(segment.end_m),
                round(segment.end_m - segment.start_m, 1),
                _("yes") if segment.video_pilot else _("no"),
                row.covered_m,
                row.coverage,
                row.design_coverage,
                _("yes") if row.coverage < threshold else _("no"),
                "; ".join(f"{a:.1f}–{b:.1f}" for a, b in row.uncovered),
                excel_safe("、".join(row.cameras)),
                row.computed_at.strftime("%Y-%m-%d %H:%M"),
            ]
        )
        sheet.cell(row=sheet.max_row, column=9).number_format = "0.0%"
        sheet.cell(row=sheet.max_row, column=10).number_format = "0.0%"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
