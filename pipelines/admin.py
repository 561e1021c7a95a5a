from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from hazards.admin_inlines import HazardReadOnlyInline
from hazards.choices import OPEN_STATUSES
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
        return [routes, *super().get_urls()]

    def routes_geojson_view(self, request):
        """Every pipeline the user may see, as GeoJSON (reference layer of the map widgets)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(self.overview_geojson(self.get_queryset(request)))

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

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['code']} {row['name']}",
            "url": reverse("admin:pipelines_pipeline_change", args=[row["pk"]]),
            "color": MEDIUM_COLORS.get(row["medium"], "#1f5fa8"),
        }

    def overview_legend(self):
        return [(label, MEDIUM_COLORS[value]) for value, label in Medium.choices]
