import re

from django import forms
from django.contrib.gis.geos import Polygon
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from django_filters.filters import Filter, QuerySetRequestMixin, TypedChoiceFilter
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter

INT64 = {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1}


class WholeNumberField(forms.IntegerField):
    """Digits with an optional sign: not ``1.0`` or `` 1`` (Django's IntegerField takes both)."""

    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch(r"[+-]?\d+", str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(INT64)
class IdFilter(Filter):
    """A related record's id: any integer (a 64-bit one), an unknown id simply matches nothing.

    Not a choice of the ids that exist (django-filter's default for a foreign
    key): the schema can promise "an integer", and a record a caller may not
    see is no different from one that does not exist.
    """

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64["minimum"])
        kwargs.setdefault("max_value", INT64["maximum"])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(TypedChoiceFilter):
    """``true`` or ``false``; anything else (``null``, ``yes``) is a 400 naming the filter, not ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "enum": ["I", "II", "III"]})
class GradeFilter(TypedChoiceFilter):
    """A grade named I, II or III (stored as a number): a string enum in the schema."""


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_bbox(value: str) -> Polygon:
    """``lon,lat,lon,lat`` (WGS84): two opposite corners of a box, in any order, as a polygon;
    ParseError (400) naming the problem.

    Every number lies within -180..180, as the schema says; latitudes beyond the poles are taken
    to the pole. Non-finite numbers never reach GEOS (it aborts the process on them).
    """
    parts = value.split(",")
    if len(parts) != 4 or not all(_NUMBER.fullmatch(part) for part in parts):
        raise ParseError(_("in_bbox must be four numbers: minLon,minLat,maxLon,maxLat."))
    x1, y1, x2, y2 = (float(part) for part in parts)
    if not all(-180 <= n <= 180 for n in (x1, y1, x2, y2)):
        raise ParseError(_("Each number of in_bbox must lie within -180..180."))
    y1, y2 = (max(-90.0, min(90.0, y)) for y in (y1, y2))
    return Polygon.from_bbox((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))


BBOX_SCHEMA = {
    "type": "array",
    "items": {"type": "number", "minimum": -180, "maximum": 180},
    "minItems": 4,
    "maxItems": 4,
    "example": [118.5, 37.3, 118.8, 37.6],
}


class SafeInBBoxFilter(InBBoxFilter):
    def get_filter_bbox(self, request):
        value = request.query_params.get(self.bbox_param)
        if not value:
            return None
        bbox = parse_bbox(value)
        bbox.srid = 4326
        return bbox

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = BBOX_SCHEMA
            parameter["description"] = (
                "in_bbox=经度,纬度,经度,纬度:范围的两个对角(顺序不限),WGS84,"
                "各数在 -180..180 之间(纬度超出 ±90 按 ±90)。"
                " Two opposite corners of a box (in any order), WGS84: each number within -180..180"
                " (latitudes beyond ±90 count as ±90)."
            )
        return parameters


class NarrowFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with the same results and errors for less work per request.

    A ``FilterSet`` deep-copies all its filters and builds a form field for
    each on every request (about 3 ms for the hazard filters), though a
    filter whose parameter is absent does nothing: its field cleans to an
    empty value and django-filter skips empty values. This backend uses the
    ``FilterSet`` narrowed to the filters whose parameters were sent (and
    those that must be: required ones, widgets that never say a value is
    missing, like a checkbox); and when its filters' form fields depend on
    nothing but the language (no callable querysets, no choices read from
    the data), its form class is built once per language. FilterSets that
    customise validation or filtering (their own form, ``filter_queryset``,
    ``qs``...) are used as they are. The browsable API and the schema see the
    full ``FilterSet``.
    """

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        narrowed = _narrowed(filterset_class, request.query_params)
        return narrowed(**self.get_filterset_kwargs(request, queryset, view))

    def to_html(self, request, queryset, view):
        return DjangoFilterBackend().to_html(request, queryset, view)


_CUSTOMISABLE = ("filter_queryset", "qs", "form", "get_form_class", "is_valid", "errors", "__init__")
_narrowings: dict[tuple, type] = {}
_optional: dict[type, dict] = {}


def _optional_filters(filterset_class) -> dict:
    """Filters that do nothing when their parameter is absent: name -> widget."""
    optional = _optional.get(filterset_class)
    if optional is None:
        optional = {}
        plain = filterset_class._meta.form is forms.Form and all(
            getattr(filterset_class, name) is getattr(BaseFilterSet, name) for name in _CUSTOMISABLE
        )
        for name, filter_ in filterset_class.base_filters.items() if plain else ():
            widget = filter_.extra.get("widget", filter_.field_class.widget)
            try:
                widget = widget() if isinstance(widget, type) else widget
                if not filter_.extra.get("required") and widget.value_omitted_from_data(QueryDict(), {}, name):
                    optional[name] = widget
            except Exception:  # noqa: S112 - a widget we cannot probe keeps its filter
                continue
        _optional[filterset_class] = optional
    return optional


class _FormOnce:
    """A narrowed FilterSet whose form fields depend on nothing but the language builds its form class once."""

    _forms: dict

    def get_form_class(self):
        language = translation.get_language()
        form = self._forms.get(language)
        if form is None:
            form = self._forms[language] = super().get_form_class()
        return form


def _static_fields(filters: dict) -> bool:
    """Whether the filters' form fields are the same on every request (not built from the request or the data)."""
    for filter_ in filters.values():
        field = type(filter_).field
        if field is Filter.field or (field is QuerySetRequestMixin.field and not callable(filter_.queryset)):
            continue
        return False
    return True


def _narrowed(filterset_class, data):
    """``filterset_class`` without the optional filters ``data`` does not mention."""
    optional = _optional_filters(filterset_class)
    if not optional:
        return filterset_class
    dropped = frozenset(
        name
        for name, widget in optional.items()
        if widget.value_omitted_from_data(data, {}, name) and not any(key.startswith(name) for key in data)
    )
    narrowed = _narrowings.get((filterset_class, dropped))
    if narrowed is None:
        filters = {k: v for k, v in filterset_class.base_filters.items() if k not in dropped}
        bases = (_FormOnce, filterset_class) if _static_fields(filters) else (filterset_class,)
        narrowed = type(filterset_class.__name__, bases, {"__module__": filterset_class.__module__, "_forms": {}})
        narrowed.base_filters = filters
        if len(_narrowings) < 4096:
            _narrowings[(filterset_class, dropped)] = narrowed
    return narrowed


def filtered(view, queryset):
    """``view.filter_queryset(queryset)``, with ``NarrowFilterBackend`` for django-filter's backend."""
    for backend in view.filter_backends:
        backend = NarrowFilterBackend if backend is DjangoFilterBackend else backend
        queryset = backend().filter_queryset(view.request, queryset, view)
    return queryset


def empty_filters_allowed(result, generator, request, public):
    """drf-spectacular postprocessing hook: a query parameter sent empty (``?status=``) filters
    nothing, as django-filter and the bbox filter treat it; the schema says so. Not ``page_size``:
    an empty one is refused like any other non-integer. Nor a required parameter (e.g. the isolation
    answer's lon and lat): it must have a value."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "query"
                    and parameter["name"] != "page_size"
                    and not parameter.get("required")
                ):
                    parameter["allowEmptyValue"] = True
    return result
