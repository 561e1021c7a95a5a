"""Admin building blocks shared by every app: offline map widgets and the
overview map drawn above a change list."""

import json

from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.db.models.functions import AsGeoJSON

from common.widgets import OL_CSS, OL_JS, OfflineMapWidget


class UploaderStampMixin:
    """Inline rows with an ``uploaded_by`` field get the user who added them."""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if hasattr(instance, "uploaded_by_id") and instance.uploaded_by_id is None:
                instance.uploaded_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class MapAdmin(GISModelAdmin):
    """GISModelAdmin whose geometry fields use the offline OpenLayers widget."""

    gis_widget = OfflineMapWidget


class OverviewMapMixin:
    """Draws the filtered change list's geometries on a map above the list.

    The map shows every row matching the current filters and search (not only
    the current page), up to ``overview_map_limit``, fetched in one query.
    Subclasses name the geometry field and say how a row is labelled.
    """

    change_list_template = "admin/common/change_list_with_map.html"
    overview_geometry_field: str = ""
    overview_fields: tuple[str, ...] = ()
    overview_map_limit = 5000

    def overview_feature_properties(self, row: dict) -> dict:
        raise NotImplementedError

    def overview_legend(self) -> list[tuple[str, str]]:
        return []

    def overview_geojson(self, queryset) -> dict:
        rows = (
            queryset.order_by()
            .annotate(overview_geojson=AsGeoJSON(self.overview_geometry_field, precision=6))
            .values("pk", "overview_geojson", *self.overview_fields)[: self.overview_map_limit]
        )
        features = [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": json.loads(row["overview_geojson"]),
                "properties": self.overview_feature_properties(row),
            }
            for row in rows
            if row["overview_geojson"]
        ]
        return {"type": "FeatureCollection", "features": features}

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            context["overview_geojson"] = self.overview_geojson(context["cl"].queryset)
            context["overview_legend"] = self.overview_legend()
            context["overview_media"] = {"js": OL_JS, "css": OL_CSS}
        return response
