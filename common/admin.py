"""Admin building blocks shared by every app: offline map widgets and the
overview map drawn above a change list."""

import hashlib
import json

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.translation import gettext_lazy as _

from accounts.scoping import is_regulator, scope_queryset
from common.widgets import OL_CSS, OL_JS, OfflineMapWidget, readonly_map


class CompanyScopedMixin:
    """Admin and inline mixin: rows, related-field choices and list filters
    narrowed to what the user may see (accounts/scoping.py)."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_queryset(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_queryset(field.queryset, request.user)
        return field

    def get_list_filter(self, request):
        # Related filters offer only values present in the user's rows, so a
        # filter never lists another company's pipelines or campaigns.
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and self._is_relation(entry):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters

    def _is_relation(self, path):
        """Whether the field at the end of ``path`` (e.g. ``pipeline__company``) is a relation."""
        try:
            return get_fields_from_path(self.model, path)[-1].is_relation
        except (FieldDoesNotExist, NotRelationField):
            return False


class RegulatorOnlyFieldsMixin:
    """Hide fields that would show other companies to company staff."""

    regulator_only_fields: tuple[str, ...] = ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if is_regulator(request.user) or not self.regulator_only_fields:
            return fieldsets
        hidden = set(self.regulator_only_fields)
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
            if [f for f in options["fields"] if f not in hidden]
        ]


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
    """GISModelAdmin whose geometry fields use the offline OpenLayers widget.

    A geometry the user may not change (a view-only page, or a field in
    ``readonly_fields``) is drawn on a read-only map, never as WKT text: the
    field ``<name>`` is shown as ``<name>_map``, with the features of
    ``readonly_map_references`` (e.g. a hazard's pipeline) drawn under it.
    """

    gis_widget = OfflineMapWidget

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.geometry_fields = tuple(f.name for f in model._meta.concrete_fields if isinstance(f, GeometryField))
        for name in self.geometry_fields:
            setattr(self, f"{name}_map", self._readonly_map_display(name))

    def _readonly_map_display(self, name):
        def display(obj):
            value = getattr(obj, name) if obj is not None else None
            if value is None:
                return "—"
            return readonly_map(value, name=f"{name}_readonly", references=self.readonly_map_references(obj, name))

        display.short_description = self.model._meta.get_field(name).verbose_name
        return display

    def readonly_map_references(self, obj, field_name: str) -> list[dict]:
        """GeoJSON features (EPSG:4326) drawn under ``obj``'s geometry on its read-only map."""
        return []

    def get_readonly_fields(self, request, obj=None):
        return [
            f"{name}_map" if name in self.geometry_fields else name
            for name in super().get_readonly_fields(request, obj)
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        view_only = obj is not None and not self.has_change_permission(request, obj)
        readonly = set(self.get_readonly_fields(request, obj))

        def shown(name):
            if isinstance(name, str) and name in self.geometry_fields and (view_only or f"{name}_map" in readonly):
                return f"{name}_map"
            if isinstance(name, (list, tuple)):
                return type(name)(shown(item) for item in name)
            return name

        return [(title, {**options, "fields": shown(list(options["fields"]))}) for title, options in fieldsets]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # View-only pages have no geometry form field; the read-only maps need the widget's assets.
        context["media"] = context["media"] + OfflineMapWidget().media
        return super().render_change_form(request, context, add, change, form_url, obj)


class OverviewMapMixin:
    """Draws the filtered change list's geometries on a map above the list.

    The map shows every row matching the current filters and search (not only
    the current page), up to ``overview_map_limit``. The page carries only the
    URL of that GeoJSON: the change list's own URL plus ``_overview=1``, which
    builds the ChangeList the same way (filters, search, company scoping) and
    answers the features in one query, with an ETag. Subclasses name the
    geometry field and say how a row is labelled.
    """

    change_list_template = "admin/common/change_list_with_map.html"
    overview_geometry_field: str = ""
    overview_fields: tuple[str, ...] = ()
    overview_map_limit = 5000
    overview_param = "_overview"
    # GeoJSON drawn under the records (e.g. the pipelines routes endpoint, scoped to the user).
    overview_reference_url: str = ""

    def overview_feature_properties(self, row: dict) -> dict:
        raise NotImplementedError

    def overview_legend(self) -> list[tuple[str, str]]:
        return []

    def overview_features(self, queryset) -> list[dict]:
        rows = (
            queryset.order_by()
            .annotate(overview_geojson=AsGeoJSON(self.overview_geometry_field, precision=6))
            .values("pk", "overview_geojson", *self.overview_fields)[: self.overview_map_limit]
        )
        return [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": json.loads(row["overview_geojson"]),
                "properties": self.overview_feature_properties(row),
            }
            for row in rows
            if row["overview_geojson"]
        ]

    def overview_geojson(self, queryset) -> dict:
        return {"type": "FeatureCollection", "features": self.overview_features(queryset)}

    def overview_count(self, queryset) -> int:
        """How many features the map draws (rows with a geometry, up to the limit), in one COUNT."""
        located = queryset.order_by().filter(**{f"{self.overview_geometry_field}__isnull": False})
        return min(located.count(), self.overview_map_limit)

    def changelist_view(self, request, extra_context=None):
        if self.overview_param in request.GET:
            return self.overview_view(request)
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            query = request.GET.copy()
            query[self.overview_param] = "1"
            context["overview_url"] = f"{request.path}?{query.urlencode()}"
            context["overview_count"] = self.overview_count(context["cl"].queryset)
            context["overview_legend"] = self.overview_legend()
            context["overview_reference_url"] = str(self.overview_reference_url)
            context["overview_media"] = {"js": OL_JS, "css": OL_CSS}
        return response

    def overview_view(self, request):
        """The map's GeoJSON for the change list at the same URL without ``_overview``."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        query = request.GET.copy()
        query.pop(self.overview_param)
        request.GET = query
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return JsonResponse({"error": str(_("Unknown filter in the address."))}, status=400)
        body = json.dumps(self.overview_geojson(changelist.queryset), separators=(",", ":"), ensure_ascii=False)
        etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type="application/geo+json")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        # Compressed (coordinates shrink about 4:1): the buildings' 2,000 footprints are ~600 KB raw.
        # The body holds no secret, so compression leaks nothing (BREACH needs one beside user input).
        return GZipMiddleware(lambda request: response).process_response(request, response)
