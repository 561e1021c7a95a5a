from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination


class StablePagination(PageNumberPagination):
    """Page-number pagination; every list is ordered by a unique key, so pages never overlap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class StableGeoJsonPagination(GeoJsonPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
