# OGC API - Features (Part 1: Core) at /ogc/; see ogc/views.py.
from django.urls import path

from ogc import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api", views.api_definition, name="api"),
    path("conformance", views.conformance, name="conformance"),
    path("collections", views.collections, name="collections"),
    path("collections/<str:collection_id>", views.collection, name="collection"),
    path("collections/<str:collection_id>/items", views.items, name="items"),
    path("collections/<str:collection_id>/items/<str:feature_id>", views.item, name="item"),
]
