"""Widgets shared by every app: maps that work with no Internet access, and
the ISO date input.

Django's ``OpenLayersWidget`` loads OpenLayers from a CDN and, without a base
layer, OpenStreetMap tiles. Ours loads the vendored OpenLayers 7.2.2 (the
version Django 5.2's ``OLMapWidget.js`` is written for) from our static files
and takes its base map from ``MAP_TILE_URL``; with none, features are drawn on
a plain background.
"""

from django import forms
from django.conf import settings
from django.contrib.gis.forms.widgets import OpenLayersWidget

ISO_DATE = "%Y-%m-%d"

OL_JS = "vendor/ol/ol.js"
OL_CSS = "vendor/ol/ol.css"
MAP_WIDGET_JS = "common/js/map-widget.js"


class OfflineMapWidget(OpenLayersWidget):
    """Offline OpenLayers widget.

    ``attrs`` may carry ``reference_url`` (a GeoJSON FeatureCollection in
    EPSG:4326 drawn under the edited geometry, features with an ``id`` can be
    highlighted), ``reference_geojson`` (the same, inline) and
    ``reference_help``; ``readonly`` draws the geometry without letting it be
    changed (no form field: the value is not submitted).
    """

    template_name = "gis/offline-openlayers.html"

    class Media:
        extend = False  # drop the parent's CDN assets instead of adding to them
        css = {"all": (OL_CSS, "gis/css/ol3.css", "common/css/maps.css")}
        js = (OL_JS, "gis/js/OLMapWidget.js", MAP_WIDGET_JS)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context.update(
            tile_url=settings.MAP_TILE_URL,
            tile_attribution=settings.MAP_TILE_ATTRIBUTION,
            default_lon=settings.MAP_DEFAULT_LON,
            default_lat=settings.MAP_DEFAULT_LAT,
            default_zoom=settings.MAP_DEFAULT_ZOOM,
            reference_id=f"{context.get('id') or name}_reference",
        )
        return context


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` with its value in ISO form (2027-01-06).

    Browsers accept only ISO in date inputs; the Chinese locale's first input
    format (2027/01/06) would leave the field empty, and a form submitted
    with it empty would erase the date. Every date input of the product
    uses this widget (or, in the admin, the ISO-first input formats of
    ``pipeline_safety/formats``).
    """

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


def readonly_map(value, *, name: str, references=None) -> str:
    """HTML of a map showing ``value`` (a GEOS geometry) that cannot be edited,
    with ``references`` (GeoJSON features in EPSG:4326) drawn under it."""
    geom_type = value.geom_type.upper() if value is not None else "GEOMETRY"
    widget = OfflineMapWidget(attrs={"geom_type": geom_type})
    attrs = {"id": f"id_{name}", "readonly": True}
    if references:
        attrs["reference_geojson"] = {"type": "FeatureCollection", "features": list(references)}
    return widget.render(name, value, attrs=attrs)
