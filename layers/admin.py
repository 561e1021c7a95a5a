"""Admin of the GIS layers: the import records (with the upload page and the
exports, layers/admin_views.py) and the six reference layers, each with a
map of the listed features (capped: a layer may hold 300,000 buildings)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from common.admin import MapAdmin, OverviewMapMixin
from layers.admin_views import LayerAdminViewsMixin, counts_text
from layers.choices import (
    FLAMMABLE_SITE_TYPES,
    IDENTIFIED_SITE_TYPES_I,
    IDENTIFIED_SITE_TYPES_II,
    AreaType,
    RoadClass,
    WaterType,
    in_layer_order,
    layer_label,
)
from layers.models import Building, LayerImport, ProtectedArea, Road, Settlement, Site, WaterBody
from layers.services import feature_save, features_delete


@admin.register(LayerImport)
class LayerImportAdmin(LayerAdminViewsMixin, admin.ModelAdmin):
    """Read-only record of imports; new ones come through the upload page."""

    change_list_template = "admin/layers/layerimport/change_list.html"
    list_display = ("imported_at", "file_name", "layer_list", "feature_counts", "status", "imported_by", "seconds")
    list_filter = ("status",)
    list_select_related = ("imported_by",)
    search_fields = ("file_name",)
    date_hierarchy = "imported_at"
    fields = (
        "file_name",
        "status",
        "layer_list",
        "feature_counts",
        "message_text",
        "details_table",
        "imported_by",
        "imported_at",
        "seconds",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("layers"))
    def layer_list(self, obj):
        return pgettext("list separator", ", ").join(layer_label(name) for name in in_layer_order(obj.layers)) or "—"

    @admin.display(description=_("feature counts"))
    def feature_counts(self, obj):
        return counts_text(obj.counts) or "—"

    @admin.display(description=_("details"))
    def details_table(self, obj):
        """Per layer: seconds, features skipped and repaired; pipelines created and updated."""
        if not obj.details:
            return "—"
        columns = (
            ("seconds", _("duration (s)")),
            ("skipped", _("skipped")),
            ("repaired", _("repaired")),
            ("created", _("created")),
            ("updated", _("updated")),
        )
        head = format_html_join("", "<th>{}</th>", ((label,) for _key, label in columns))
        rows = format_html_join(
            "",
            "<tr><td>{}</td>{}</tr>",
            (
                (
                    layer_label(name),
                    format_html_join("", "<td>{}</td>", ((detail.get(key, "—"),) for key, _label in columns)),
                )
                for name, detail in ((name, obj.details[name]) for name in in_layer_order(obj.details))
            ),
        )
        return format_html(
            '<table class="layer-import-details"><thead><tr><th>{}</th>{}</tr></thead><tbody>{}</tbody></table>',
            _("layer"),
            head,
            rows,
        )

    @admin.display(description=_("message"))
    def message_text(self, obj):
        return format_html('<pre class="layer-import-message">{}</pre>', obj.message) if obj.message else "—"


class StoreysFilter(admin.SimpleListFilter):
    title = _("storeys")
    parameter_name = "storeys"

    def lookups(self, request, model_admin):
        return [("low", _("1–3 storeys")), ("high", _("4 storeys or more"))]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(floors__lt=4)
        if self.value() == "high":
            return queryset.filter(floors__gte=4)
        return queryset


class FeatureAdmin(OverviewMapMixin, MapAdmin):
    """A reference layer: search by feature id or name, filter by type, map of the listed features.

    Corrections go through layers.services (pipelines nearby are identified again);
    the next import of the layer replaces them.
    """

    search_fields = ("source_id", "name")
    readonly_fields = ("layer_import",)
    list_per_page = 100
    show_full_result_count = False
    overview_geometry_field = "geom"
    overview_map_limit = 2000
    type_field = ""
    colors: dict[str, str] = {}
    default_color = "#1f5fa8"

    @property
    def overview_fields(self):
        return ("source_id", "name", self.type_field) if self.type_field else ("source_id", "name")

    def overview_color(self, row) -> str:
        return self.colors.get(row.get(self.type_field), self.default_color)

    def overview_feature_properties(self, row):
        opts = self.model._meta
        return {
            "label": " ".join(part for part in (row["source_id"], row["name"]) if part),
            "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row["pk"]]),
            "color": self.overview_color(row),
        }

    def overview_legend(self):
        if not self.type_field:
            return []
        choices = self.model._meta.get_field(self.type_field).choices
        return [(label, self.colors[value]) for value, label in choices if value in self.colors]

    def save_model(self, request, obj, form, change):
        previous = type(obj).objects.filter(pk=obj.pk).values_list("geom", flat=True).first() if change else None
        feature_save(feature=obj, actor=request.user, previous_geom=previous)

    def delete_model(self, request, obj):
        features_delete(queryset=type(obj).objects.filter(pk=obj.pk), actor=request.user)

    def delete_queryset(self, request, queryset):
        features_delete(queryset=queryset, actor=request.user)


@admin.register(Building)
class BuildingAdmin(FeatureAdmin):
    list_display = ("source_id", "name", "households", "floors", "residents")
    list_filter = (StoreysFilter,)
    fields = ("source_id", "name", "households", "floors", "residents", "geom", "layer_import")
    overview_fields = ("source_id", "name", "floors")

    def overview_color(self, row):
        return "#8e44ad" if (row.get("floors") or 0) >= 4 else "#7f8c8d"

    def overview_legend(self):
        return [(_("1–3 storeys"), "#7f8c8d"), (_("4 storeys or more"), "#8e44ad")]


SITE_COLORS = {
    **dict.fromkeys(IDENTIFIED_SITE_TYPES_I, "#c0392b"),
    **dict.fromkeys(FLAMMABLE_SITE_TYPES, "#e67e22"),
}


class SiteCategoryFilter(admin.SimpleListFilter):
    title = _("site category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [
            ("type1", _("identified site, type I")),
            ("type2", _("identified site, type II")),
            ("flammable", _("flammable or explosive site")),
        ]

    def queryset(self, request, queryset):
        groups = {
            "type1": IDENTIFIED_SITE_TYPES_I,
            "type2": IDENTIFIED_SITE_TYPES_II,
            "flammable": FLAMMABLE_SITE_TYPES,
        }
        if self.value() in groups:
            return queryset.filter(site_type__in=sorted(groups[self.value()]))
        return queryset


@admin.register(Site)
class SiteAdmin(FeatureAdmin):
    list_display = ("source_id", "name", "site_type")
    list_filter = (SiteCategoryFilter, "site_type")
    fields = ("source_id", "name", "site_type", "geom", "layer_import")
    type_field = "site_type"
    colors = SITE_COLORS
    default_color = "#2980b9"  # identified sites of type II

    def overview_legend(self):
        return [
            (_("identified site, type I"), "#c0392b"),
            (_("identified site, type II"), "#2980b9"),
            (_("flammable or explosive site"), "#e67e22"),
        ]


@admin.register(Settlement)
class SettlementAdmin(FeatureAdmin):
    list_display = ("source_id", "name", "households", "residents")
    fields = ("source_id", "name", "households", "residents", "geom", "layer_import")
    default_color = "#d35400"


@admin.register(WaterBody)
class WaterBodyAdmin(FeatureAdmin):
    list_display = ("source_id", "name", "water_type")
    list_filter = ("water_type",)
    fields = ("source_id", "name", "water_type", "geom", "layer_import")
    type_field = "water_type"
    colors = {
        WaterType.WATER_SOURCE: "#1a5276",
        WaterType.RIVER: "#2e86c1",
        WaterType.RESERVOIR_LARGE: "#117a65",
        WaterType.RESERVOIR_MEDIUM: "#48c9b0",
    }


@admin.register(ProtectedArea)
class ProtectedAreaAdmin(FeatureAdmin):
    list_display = ("source_id", "name", "area_type")
    list_filter = ("area_type",)
    fields = ("source_id", "name", "area_type", "geom", "layer_import")
    type_field = "area_type"
    colors = {
        AreaType.WETLAND: "#16a085",
        AreaType.FOREST: "#1e8449",
        AreaType.ESTUARY: "#5dade2",
        AreaType.NATURE_RESERVE: "#7d9c3a",
    }


@admin.register(Road)
class RoadAdmin(FeatureAdmin):
    list_display = ("source_id", "name", "road_class")
    list_filter = ("road_class",)
    fields = ("source_id", "name", "road_class", "geom", "layer_import")
    type_field = "road_class"
    colors = {
        RoadClass.EXPRESSWAY: "#b03a2e",
        RoadClass.NATIONAL: "#d68910",
        RoadClass.PROVINCIAL: "#b7950b",
        RoadClass.RAILWAY: "#2c3e50",
    }
