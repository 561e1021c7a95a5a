"""The check before digging in the admin (施工前管道查询): a map page for inspectors and company staff.

Draw a point, a line or an area on the map (or upload a GeoJSON file), pick the work type and optionally the
day work starts; the answer comes back on the same page: the verdict, each pipeline with its company,
distance, band and articles, the notice date, and the pipelines concerned drawn with their 5, 50 and 200 m
bands around the work. Every staff user may open it (the check lists every operator concerned, whoever asks).
The rules are the service's (construction/checks.py); this module only reads the form and draws.
"""

import json

import numpy as np
import shapely
from django import forms
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import scope_queryset
from common.widgets import OL_CSS, OL_JS
from construction.checks import construction_check_answer, work_geometry
from construction.choices import Band, Verdict, WorkType
from construction.loading import index_current
from construction.maps import BANDS, NEAR_M, PIPELINE, WORK, feature, pipeline_bands
from hca.loading import to_metric, to_wgs84
from pipelines.maps import routes_simplified
from pipelines.models import Pipeline, PipelineStatus

URL_NAME = "construction_check"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
BACKGROUND = "#8aa4c0"
BACKGROUND_SIMPLIFY_M = 20.0

LEGEND = (
    (gettext_lazy("work area"), WORK),
    (gettext_lazy("pipeline concerned"), PIPELINE),
    (gettext_lazy("other pipelines"), BACKGROUND),
    (gettext_lazy("5 m band"), BANDS[2][1]),
    (gettext_lazy("50 m band"), BANDS[1][1]),
    (gettext_lazy("200 m band"), BANDS[0][1]),
)


class CheckForm(forms.Form):
    geometry = forms.CharField(
        label=gettext_lazy("work area (drawn on the map)"), required=False, widget=forms.HiddenInput
    )
    upload = forms.FileField(
        label=gettext_lazy("or a GeoJSON file"),
        required=False,
        help_text=gettext_lazy("One geometry, or one feature, in WGS84 or CGCS2000 longitude/latitude."),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )
    work_type = forms.ChoiceField(label=gettext_lazy("work type"), choices=WorkType.choices)
    start_on = forms.DateField(
        label=gettext_lazy("work starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def _uploaded_geometry(self, upload) -> dict:
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationError(_("The file is not a GeoJSON file (not JSON text).")) from None
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            features = data.get("features")
            if not isinstance(features, list) or len(features) != 1:
                raise ValidationError(
                    _(
                        "The file holds %(count)s features; upload one work at a time (manage.py construction_check "
                        "answers a file of several)."
                    )
                    % {"count": len(features) if isinstance(features, list) else 0}
                )
            data = features[0]
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        return data

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        try:
            if upload:
                data = self._uploaded_geometry(upload)
                source = "upload"
            elif cleaned.get("geometry"):
                data, source = cleaned["geometry"], "geometry"
            else:
                raise ValidationError(_("Draw the work on the map, or upload a GeoJSON file."))
            cleaned["work"] = work_geometry(data)
        except ValidationError as exc:
            self.add_error(source if "source" in locals() else "geometry", exc)
            return cleaned
        cleaned["geometry"] = shapely.to_geojson(shapely.set_precision(cleaned["work"], 1e-7))
        return cleaned


def answer_geojson(work, answer) -> dict:
    """The work (EPSG:4326) and the pipelines concerned with their bands, near the work."""
    loaded = index_current()
    position = {row["id"]: i for i, row in enumerate(loaded.pipelines)}
    metric_work = to_metric(np.array([work], dtype=object))[0]
    near = metric_work.buffer(NEAR_M)
    geoms, props = [], []
    for pipe in answer.pipelines:
        piece = loaded.index.lines[position[pipe.pipeline_id]].intersection(near)
        if piece.is_empty:
            continue
        band_geoms, band_props = pipeline_bands(piece, pipe.pipeline_code, pipe.company)
        geoms.extend(band_geoms)
        props.extend(band_props)
    features = []
    if geoms:
        wgs = to_wgs84(np.array(geoms, dtype=object))
        wgs = shapely.set_precision(wgs, 1e-7)
        features = [feature(g, **p) for g, p in zip(wgs, props, strict=True)]
    features.append(feature(work, label=_("work area"), color=WORK, width=4, radius=7, fill=True, work=True))
    return {"type": "FeatureCollection", "features": features}


def background_geojson(request) -> dict:
    """The pipelines the user may see, simplified: where to draw."""
    queryset = scope_queryset(Pipeline.objects.exclude(status=PipelineStatus.ABANDONED), request.user)
    rows = routes_simplified(queryset, tolerance_m=BACKGROUND_SIMPLIFY_M)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometry, "properties": {"label": f"{row['code']} {row['name']}"}}
            for row, geometry in rows
        ],
    }


def _rows(answer) -> list[dict]:
    return [
        {
            "code": pipe.pipeline_code,
            "company": pipe.company,
            "distance_m": pipe.distance_m,
            "band": Band(pipe.band).label,
            "verdict": pipe.verdict,
            "verdict_label": Verdict(pipe.verdict).label,
            "articles": "、".join(_("Art. %(article)s") % {"article": a} for a in pipe.articles) or "—",
        }
        for pipe in answer.pipelines
    ]


def check_view(request, site):
    form = CheckForm(request.POST, request.FILES) if request.method == "POST" else CheckForm()
    answer = result_map = None
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        answer = construction_check_answer(
            geometry=values["work"], work_type=values["work_type"], start_on=values.get("start_on")
        )
        result_map = answer_geojson(values["work"], answer)
    context = {
        **site.each_context(request),
        "title": _("Check before digging"),
        "form": form,
        "answer": answer,
        "verdict_label": Verdict(answer.verdict).label if answer else "",
        "rows": _rows(answer) if answer else [],
        "result_map": result_map,
        "background_url": reverse(f"admin:{URL_NAME}_pipelines"),
        "map_media": {"js": OL_JS, "css": OL_CSS},
        "legend": LEGEND,
    }
    return TemplateResponse(request, "admin/construction/check.html", context)


def pipelines_view(request):
    return JsonResponse(background_geojson(request))


def urls(site) -> list:
    return [
        path("construction/check/", site.admin_view(lambda request: check_view(request, site)), name=URL_NAME),
        path("construction/check/pipelines.geojson", site.admin_view(pipelines_view), name=f"{URL_NAME}_pipelines"),
    ]


def app_list_entry(request):
    """The page's row in the construction section of the admin index: for every staff user."""
    if not (request.user.is_active and request.user.is_staff):
        return None
    url = reverse(f"admin:{URL_NAME}")
    entry = {
        "name": _("Check before digging"),
        "object_name": "ConstructionCheck",
        "perms": {"add": False, "change": False, "delete": False, "view": True},
        "admin_url": url,
        "add_url": None,
        "view_only": True,
    }
    return "construction", entry
