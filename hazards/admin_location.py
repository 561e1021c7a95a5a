"""The location part of the hazard admin: where a hazard is, and placing it.

The form takes the point from the map or from typed coordinates (read by
``common.coordinates``, in the city), offers the chosen company's pipelines
(location-form.js filters the options by their ``data-company``), and the
page draws the hazard's pipeline under its point when it is read-only. The
chainage of a point, and the point at a chainage, come from the pipelines
admin (``admin:pipelines_pipeline_chainage``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.coordinates import coordinates_format, coordinates_parse
from integrations.services import CITY_LATITUDE, CITY_LONGITUDE
from pipelines.maps import routes_simplified
from pipelines.models import Pipeline

CITY_EXTENT = (CITY_LONGITUDE, CITY_LATITUDE)
LOCATION_FORM_JS = "common/js/location-form.js"


class PipelineSelect(forms.Select):
    """A pipeline choice whose options name their company (``data-company``)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-company"] = instance.company_id
        return option


class HazardLocationForm(forms.Form):
    """Form mixin: coordinates typed or pasted beside the map; they win when changed."""

    coordinates = forms.CharField(
        label=_("coordinates"),
        required=False,
        max_length=100,
        help_text=_(
            "Longitude and latitude, e.g. 118.5, 37.4 or 37°26'24\"N 118°30'E; press Enter to put the point "
            "on the map. A click on the map fills this in."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        location = getattr(self.instance, "location", None)
        if location is not None:
            self.fields["coordinates"].initial = coordinates_format(location.x, location.y)

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("coordinates") or "").strip()
        if not text or "coordinates" not in self.changed_data:
            return cleaned
        try:
            lon, lat = coordinates_parse(text, extent=CITY_EXTENT)
        except ValidationError as exc:
            self.add_error("coordinates", exc)
            return cleaned
        cleaned["location"] = Point(lon, lat, srid=4326)
        self._errors.pop("location", None)  # the map was left empty: the typed point stands
        if "location" not in self.changed_data:
            self.changed_data.append("location")
        return cleaned


class HazardLocationAdminMixin:
    """Hazard admin: the pipeline select, the coordinates reader, the pipeline
    under a read-only location, and the new hazard's page after adding one."""

    gis_widget_kwargs = {
        "attrs": {
            "reference_url": reverse_lazy("admin:pipelines_pipeline_routes"),
            "reference_help": _(
                "Blue lines are the pipelines; the chosen one is orange. Click on the map to place the hazard, "
                "type its coordinates, or type its chainage."
            ),
            "data_attrs": {
                "location-form": "1",
                "parse-url": reverse_lazy("admin:hazards_hazard_coordinates"),
                "chainage-url": reverse_lazy("admin:pipelines_pipeline_chainage"),
            },
        }
    }
    overview_reference_url = reverse_lazy("admin:pipelines_pipeline_routes")  # the list map's pipelines

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pipeline":
            kwargs["widget"] = PipelineSelect
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        read = path(
            "coordinates/", self.admin_site.admin_view(self.coordinates_view), name="hazards_hazard_coordinates"
        )
        return [read, *super().get_urls()]

    def coordinates_view(self, request):
        """``?text=``: the point read from typed or pasted coordinates, or a 400 saying why not."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            lon, lat = coordinates_parse(request.GET.get("text", ""), extent=CITY_EXTENT)
        except ValidationError as exc:
            return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
        return JsonResponse({"lon": lon, "lat": lat, "text": coordinates_format(lon, lat)})

    @property
    def media(self):
        return super().media + forms.Media(js=[LOCATION_FORM_JS])

    def readonly_map_references(self, obj, field_name):
        if field_name != "location" or not obj.pipeline_id:
            return []
        return [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": geometry,
                "properties": {"label": f"{row['code']} {row['name']}"},
            }
            for row, geometry in routes_simplified(Pipeline.objects.filter(pk=obj.pipeline_id))
        ]

    @admin.display(description=_("coordinates"))
    def coordinates(self, obj):
        if obj is None or obj.location is None:
            return "—"
        return format_html(
            '<span class="hazard-coordinates">{}</span>', coordinates_format(obj.location.x, obj.location.y)
        )

    def response_add(self, request, obj, post_url_continue=None):
        # “Save” opens the new hazard's page (its workflow buttons are there), not the list.
        if any(key in request.POST for key in ("_continue", "_addanother", "_saveasnew", IS_POPUP_VAR)):
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, _("Hazard %(code)s was reported.") % {"code": obj.code}, level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:hazards_hazard_change", args=[obj.pk]))
