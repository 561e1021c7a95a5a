"""The cameras layer (docs/video.md): points with ``code`` (unique),
``device_id`` and ``channel_id`` (GB/T 28181: 20 digits each, stored as
text), ``kind`` (fixed, ptz, dome, portable), ``azimuth_deg`` (0–360,
clockwise from grid north), ``fov_deg`` (0–360; 360 for a camera that sweeps),
``range_m`` (1–5000), ``height_m`` (0–300), ``company`` (name, short name or
credit code), optional ``pipeline_code``, ``stream_url`` (http or https) and
``name``. Importing the layer replaces every camera (their alarms keep them:
a camera with alarms is updated in place, by code).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.choices import LayerName
from layers.contract import ALIASES, GEOMETRY_TYPES, MAX_NAME
from layers.extent import CityExtent
from layers.pipelines_layer import _Companies
from layers.reading import LayerRead
from layers.validation import Problems, Table, _numbers, shown
from video.choices import CameraKind
from video.models import GB28181_ID, MAX_RANGE_M, Camera

LAYER = LayerName.CAMERAS
MAX_CODE = 40
ID_DIGITS = 20
# (field, lowest, highest, lowest allowed itself)
NUMBERS = (
    ("azimuth_deg", 0.0, 360.0, True),
    ("fov_deg", 0.0, 360.0, False),
    ("range_m", 1.0, MAX_RANGE_M, True),
    ("height_m", 0.0, 300.0, True),
)


@dataclass
class CameraPlan:
    """Cameras ready to write: one dict of model values per row."""

    rows: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


def _gb28181(table: Table, name: str) -> list[str]:
    series = table.column(name)
    if series is not None and pd.api.types.is_numeric_dtype(series.dtype):
        table.problems.in_layer(
            LAYER,
            _("%(field)s: GB/T 28181 ids must be stored as text (as a number a 20-digit id loses its last digits).")
            % {"field": name},
        )
        return [""] * len(table)
    values = table.text(name, 40, required=True)
    bad = [bool(v) and not GB28181_ID.regex.match(v) for v in values]
    table.report(
        bad,
        name,
        lambda v: (
            _("“%(value)s” is not a GB/T 28181 id (exactly %(digits)s digits)")
            % {"value": shown(v), "digits": ID_DIGITS}
        ),
        values,
    )
    return values


def _number(table: Table, name: str, low: float, high: float, low_included: bool) -> list[float | None]:
    series = table.column(name, ALIASES.get(name, ()))
    if series is None:
        table.missing_column(name)
        return [None] * len(table)
    missing, number, text = _numbers(series)
    with np.errstate(invalid="ignore"):
        under = number < low if low_included else number <= low
        bad = ~missing & (np.isnan(number) | ~np.isfinite(number) | under | (number > high))
    bound = "≥" if low_included else ">"
    table.report(
        bad,
        name,
        lambda v: (
            _("must be a number %(bound)s %(low)s and at most %(high)s (not “%(value)s”)")
            % {"bound": bound, "low": f"{low:g}", "high": f"{high:g}", "value": shown(v)}
        ),
        text,
    )
    table.report(missing, name, lambda _v: _("a value is required"))
    return [
        None if (m or b) else float(v) for m, b, v in zip(missing.tolist(), bad.tolist(), number.tolist(), strict=True)
    ]


def _stream_urls(table: Table) -> list[str]:
    from django.core.validators import URLValidator

    urls = table.text("stream_url", 500)
    check = URLValidator(schemes=["http", "https"])
    bad = []
    for url in urls:
        try:
            if url:
                check(url)
            bad.append(False)
        except ValidationError:
            bad.append(True)
    table.report(bad, "stream_url", lambda v: _("“%(value)s” is not an http or https link") % {"value": shown(v)}, urls)
    return urls


def _companies(table: Table, names: list[str]) -> list[int | None]:
    companies = _Companies()
    found = []
    for index, name in enumerate(names):
        pk = companies.find(name) if name else None
        if name and pk in (None, _Companies.AMBIGUOUS):
            problem = (
                _("“%(value)s” is the short name of several companies: give the full name or the credit code")
                if pk == _Companies.AMBIGUOUS
                else _("no operating company has the name, short name or credit code “%(value)s”")
            )
            table.problems.at_row(LAYER, int(table.rows[index]), "company", problem % {"value": name})
            pk = None
        found.append(pk)
    return found


def cameras_clean(read: LayerRead, problems: Problems, *, extent: CityExtent | None, file_pipelines=None) -> CameraPlan:
    from pipelines.models import Pipeline

    frame = read.frame
    table = Table(LAYER, frame, np.arange(1, len(frame) + 1), problems)
    codes = table.text("code", MAX_CODE, required=True)
    table.unique("code", codes)
    device_ids = _gb28181(table, "device_id")
    channel_ids = _gb28181(table, "channel_id")
    kinds = table.choice("kind", CameraKind.values)
    numbers = {name: _number(table, name, low, high, included) for name, low, high, included in NUMBERS}
    companies = _companies(table, table.text("company", 100, required=True))
    pipeline_codes = table.text("pipeline_code", 30, aliases=ALIASES["pipeline_code"])
    urls = _stream_urls(table)
    names = table.text("name", MAX_NAME)
    geoms, _repaired = table.geometries(GEOMETRY_TYPES[LAYER], extent=extent, crs=read.source_srid)

    known = {p.code for p in getattr(file_pipelines, "pipelines", None) or ()}
    wanted = {c for c in pipeline_codes if c} - known
    known |= set(Pipeline.objects.filter(code__in=wanted).values_list("code", flat=True))
    table.report(
        [bool(c) and c not in known for c in pipeline_codes],
        "pipeline_code",
        lambda v: _("no pipeline %(code)s (neither in this file nor stored)") % {"code": shown(v)},
        pipeline_codes,
    )
    rows = [
        {
            "code": codes[i],
            "name": names[i],
            "device_id": device_ids[i],
            "channel_id": channel_ids[i],
            "kind": kinds[i],
            **{name: values[i] for name, values in numbers.items()},
            "company_id": companies[i],
            "pipeline_code": pipeline_codes[i],
            "stream_url": urls[i],
            "location": geoms[i],
        }
        for i in range(len(table))
    ]
    return CameraPlan(rows)


def cameras_write(plan: CameraPlan, record) -> dict:
    """Replace the cameras with the plan's: kept codes are updated in place (their alarms and outages stay),
    others created, cameras not in the file deleted (unless they have alarms: those are kept and counted)."""
    from django.contrib.gis.geos import GEOSGeometry

    from pipelines.models import Pipeline

    pipelines = dict(
        Pipeline.objects.filter(code__in={r["pipeline_code"] for r in plan.rows if r["pipeline_code"]}).values_list(
            "code", "pk"
        )
    )
    existing = Camera.objects.in_bulk([r["code"] for r in plan.rows], field_name="code")
    fields = [
        "name", "device_id", "channel_id", "kind", "azimuth_deg", "fov_deg", "range_m", "height_m", "company_id",
        "pipeline_id", "stream_url", "location", "layer_import", "updated_at",
    ]  # fmt: skip
    created, updated = [], []
    for row in plan.rows:
        camera = existing.get(row["code"]) or Camera(code=row["code"])
        values = {k: v for k, v in row.items() if k not in ("code", "pipeline_code", "location")}
        for name, value in values.items():
            setattr(camera, name, value)
        camera.pipeline_id = pipelines.get(row["pipeline_code"]) if row["pipeline_code"] else None
        camera.location = GEOSGeometry(memoryview(shapely.to_wkb(row["location"])), srid=4326)
        camera.layer_import = record
        camera.updated_at = timezone.now()
        (updated if camera.pk else created).append(camera)
    kept = Camera.objects.exclude(code__in=[r["code"] for r in plan.rows])
    with_alarms = kept.filter(alarms__isnull=False).distinct().count()
    kept.filter(alarms__isnull=True).delete()
    Camera.objects.bulk_create(created, batch_size=1000)
    if updated:
        Camera.objects.bulk_update(updated, fields, batch_size=1000)
    from video.services import coverage_refresh_after_commit

    coverage_refresh_after_commit()
    return {"skipped": 0, "repaired": 0, "kept_with_alarms": with_alarms}
