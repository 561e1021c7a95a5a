import hashlib
import math

from django.contrib import admin
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpResponseNotModified, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from hazards.admin_inlines import HazardReadOnlyInline
from hazards.choices import OPEN_STATUSES
from hca.models import chainage as chainage_label
from pipelines.chainage import pipeline_chainage_at, pipeline_point_at
from pipelines.maps import SIMPLIFY_M, routes_simplified
from pipelines.models import Medium, Pipeline

MEDIUM_COLORS = {
    Medium.CRUDE_OIL: "#6b3e1f",
    Medium.REFINED_OIL: "#c0392b",
    Medium.NATURAL_GAS: "#e6a700",
    Medium.OIL_GAS_MIXTURE: "#8e44ad",
    Medium.LPG: "#16a085",
    Medium.PRODUCED_WATER: "#2471a3",
}


@admin.register(Pipeline)
class PipelineAdmin(CompanyScopedMixin, OverviewMapMixin, MapAdmin):
    change_list_template = "admin/pipelines/pipeline/change_list.html"  # adds the GIS downloads (layers app)
    ordering = ("code",)
    list_display = (
        "code",
        "name",
        "company_short_name",
        "medium",
        "outer_diameter_mm",
        "maop_mpa",
        "length_km",
        "status",
        "open_hazard_count",
    )
    list_filter = ("status", "medium", "company")
    list_select_related = ("company",)
    search_fields = ("code", "name", "company__name", "company__short_name")
    autocomplete_fields = ("company",)
    readonly_fields = ("length_km", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "company", "status")}),
        (
            _("Technical data"),
            {"fields": ("medium", "outer_diameter_mm", "wall_thickness_mm", "material", "maop_mpa", "commissioned_on")},
        ),
        (_("Route"), {"fields": ("route", "length_km")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = [HazardReadOnlyInline]

    overview_geometry_field = "route"
    overview_fields = ("code", "name", "medium")

    def get_urls(self):
        routes = path(
            "routes.geojson",
            self.admin_site.admin_view(self.routes_geojson_view),
            name="pipelines_pipeline_routes",
        )
        chainage = path("chainage/", self.admin_site.admin_view(self.chainage_view), name="pipelines_pipeline_chainage")
        return [routes, chainage, *super().get_urls()]

    def chainage_view(self, request):
        """``?pipeline=&lon=&lat=``: the chainage of the point projected on the
        pipeline (and its distance); ``?pipeline=&chainage=``: the point at that
        chainage. Only pipelines the user may see; bad input is a 400 with a detail."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pipeline = self.get_queryset(request).filter(pk=_integer(request.GET.get("pipeline"))).first()
        if pipeline is None:
            return JsonResponse({"detail": str(_("No such pipeline."))}, status=404)
        try:
            if "chainage" in request.GET:
                chainage_m = _number(request.GET["chainage"], _("chainage"))
                point = pipeline_point_at(pipeline=pipeline, chainage_m=chainage_m)
                distance_m = 0.0
            else:
                point = Point(
                    _number(request.GET.get("lon"), _("longitude")),
                    _number(request.GET.get("lat"), _("latitude")),
                    srid=4326,
                )
                chainage_m, distance_m = pipeline_chainage_at(pipeline=pipeline, point=point)
        except ValidationError as exc:
            return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
        message = _("%(chainage)s on %(pipeline)s, %(distance).1f m from the pipeline.") % {
            "chainage": chainage_label(chainage_m),
            "pipeline": pipeline.code,
            "distance": distance_m,
        }
        return JsonResponse(
            {
                "chainage_m": round(chainage_m, 1),
                "distance_m": round(distance_m, 1),
                "lon": point.x,
                "lat": point.y,
                "message": message,
            }
        )

    def routes_geojson_view(self, request):
        """Every pipeline the user may see, as GeoJSON with simplified routes
        (the layer under the hazard and HCA maps and the map widgets).

        The answer carries an ETag (which pipelines, and their last change), so
        a browser asks again but downloads the routes only when they changed.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = Pipeline.objects.filter(pk__in=self.get_queryset(request).values("pk"))
        ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        version = f"{ids}|{queryset.aggregate(changed=Max('updated_at'))['changed']}|{SIMPLIFY_M}"
        etag = f'"{hashlib.sha256(version.encode()).hexdigest()[:32]}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            features = [
                {
                    "type": "Feature",
                    "id": row["pk"],
                    "geometry": geometry,
                    "properties": self.overview_feature_properties(row),
                }
                for row, geometry in routes_simplified(queryset)
            ]
            response = JsonResponse({"type": "FeatureCollection", "features": features})
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from hca.services import hca_pipeline_changed

        hca_pipeline_changed(pipeline=obj, changed_fields=form.changed_data, created=not change, actor=request.user)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_hazard_total=Count("hazards", filter=Q(hazards__status__in=OPEN_STATUSES)))
        )

    @admin.display(description=_("company"), ordering="company__short_name")
    def company_short_name(self, obj):
        return obj.company.short_name

    @admin.display(description=_("length (km)"), ordering="length_m")
    def length_km(self, obj):
        return f"{obj.length_m / 1000:.2f}"

    @admin.display(description=_("open hazards"), ordering="open_hazard_total")
    def open_hazard_count(self, obj):
        return obj.open_hazard_total

    def overview_features(self, queryset):
        # Routes simplified by a few metres and rounded: the list map's answer stays small.
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: self.overview_map_limit])
        return [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": geometry,
                "properties": self.overview_feature_properties(row),
            }
            for row, geometry in routes_simplified(Pipeline.objects.filter(pk__in=ids))
        ]

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['code']} {row['name']}",
            "url": reverse("admin:pipelines_pipeline_change", args=[row["pk"]]),
            "color": MEDIUM_COLORS.get(row["medium"], "#1f5fa8"),
        }

    def overview_legend(self):
        return [(label, MEDIUM_COLORS[value]) for value, label in Medium.choices]


def _integer(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _number(value, what) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ValidationError(_("Give the %(what)s as a number.") % {"what": what})
    return number
