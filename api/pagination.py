from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import IntegerField, Subquery
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination


class StrictPageSize:
    """``page_size`` must be a whole number of at least 1 (larger ones are cut to the maximum);
    anything else (``null``, ``abc``, ``0``, ``2.5``) is a 400 naming the parameter, not silently the default."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = raw.lstrip("0")
        if not (raw.isascii() and raw.isdigit()) or not digits:
            raise ValidationError({self.page_size_query_param: [_("Send a whole number of at least 1.")]})
        return self.max_page_size if len(digits) > 9 else min(int(digits), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"1 及以上;超过 {self.max_page_size} 按 {self.max_page_size}。"
                    f" At least 1; more than {self.max_page_size} counts as {self.max_page_size}."
                )
        return parameters


class StablePagination(StrictPageSize, PageNumberPagination):
    """Page-number pagination; every list is ordered by a unique key, so pages never overlap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class StableGeoJsonPagination(StrictPageSize, GeoJsonPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        # rest_framework_gis renames "results" to "features" but leaves "results" required.
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["features" if name == "results" else name for name in page.get("required", [])]
        return page


class CountOf(Subquery):
    """``(SELECT COUNT(*) FROM (<queryset>))``: a count to select beside the rows of a page."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    empty_result_set_value = 0

    def __init__(self, queryset):
        super().__init__(queryset.order_by().values("pk"), output_field=IntegerField())


class _CountedPaginator(DjangoPaginator):
    """Django's paginator with the count already known."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.count = count  # a cached_property of the base class


def paginate_in_one_query(pagination: PageNumberPagination, queryset, request, fetch):
    """``pagination.paginate_queryset(queryset, request)`` in one database query.

    ``fetch(keys, total)`` returns the rows whose primary key is in ``keys``
    (the page: an unevaluated, ordered and sliced ``values_list("pk")`` of
    ``queryset``, to be used as a subquery) with ``total`` (an expression: the
    count of ``queryset``) as the last value of each row. The count and the
    page thus come from one statement and one snapshot, and the count runs on
    the bare filtered table, without the joins and annotations of the rows.

    Page size, page numbers, links and errors (404 for a page out of range)
    are those of ``paginate_queryset``: with no rows, page 1 is an empty page
    and any later page does not exist. Returns the rows without their count.
    """
    pagination.request = request
    page_size = pagination.get_page_size(request)
    if not page_size:
        raise ImproperlyConfigured(f"{type(pagination).__name__} needs a page size.")
    keys = queryset.values_list("pk", flat=True)
    page_number = request.query_params.get(pagination.page_query_param) or 1
    if page_number in pagination.last_page_strings:
        # Needs the count first: two queries, as paginate_queryset does.
        page_number = DjangoPaginator(keys, page_size).num_pages
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        number = 0
    rows = []
    start = (number - 1) * page_size
    if number >= 1 and start + page_size < 2**63:  # beyond that, no page: SQL offsets are 64-bit
        rows = list(fetch(keys[start : start + page_size], CountOf(queryset)))
    total = rows[0][-1] if rows else 0
    paginator = _CountedPaginator(keys, page_size, total)
    try:
        if number > 1 and not rows:
            raise InvalidPage(page_number)
        pagination.page = paginator.page(page_number)
    except InvalidPage as exc:
        raise NotFound(pagination.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
    if paginator.num_pages > 1 and pagination.template is not None:
        pagination.display_page_controls = True
    return [row[:-1] for row in rows]
