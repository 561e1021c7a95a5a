"""The fast list pages (api/fast.py, api/pagination.py, api/filters.py) answer as DRF would.

tests/test_api.py compares their features with the serializers'; here: the
bytes equal the JSON renderer's, pages and errors equal DRF's paginator's,
and the narrowed filter backend equals django-filter's.
"""

import json
from types import SimpleNamespace

import django_filters
import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_api_key.models import APIKey

from accounts.models import User
from api.filters import NarrowFilterBackend
from api.views import HazardViewSet, PipelineViewSet
from hazards.models import Hazard
from pipelines.models import Pipeline
from tests.factories import HazardFactory

pytestmark = pytest.mark.django_db

HAZARDS = "/api/v1/hazards/"
ORDER = ("-found_on", "-pk")


@pytest.fixture
def platform():
    _obj, key = APIKey.objects.create_key(name="city")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_the_bytes_are_the_json_renderers(platform):
    """Hand-assembled JSON: the same bytes JSONRenderer writes for the same data, awkward text included."""
    awkward = HazardFactory(description='引号 " 反斜杠 \\ 换行 \n 制表 \t 控制 \x01 分隔 \u2028\u2029 </script> 😀')
    for path, params in [
        (HAZARDS, {"page_size": 30}),
        (HAZARDS, {"pipeline": awkward.pipeline_id}),
        (HAZARDS, {"status": "closed", "page": 2}),
        ("/api/v1/pipelines/", {"page_size": 1000}),
    ]:
        response = platform.get(path, params)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert response.content == JSONRenderer().render(data), (path, params)
        assert set(response.headers) == set(platform.get("/api/v1/companies/").headers)  # Allow, Vary...
    mine = platform.get(HAZARDS, {"pipeline": awkward.pipeline_id}).json()["features"]
    assert [f["properties"]["description"] for f in mine if f["id"] == awkward.pk] == [awkward.description]


def test_a_text_equal_to_the_geometry_placeholder_changes_nothing(platform):
    from api.fast import _PLACEHOLDER

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL texts cannot hold the NUL the placeholder starts with")
    tricky = HazardFactory(description=_PLACEHOLDER, place=_PLACEHOLDER)
    response = platform.get(HAZARDS, {"pipeline": tricky.pipeline_id})
    data = json.loads(response.content)
    assert response.content == JSONRenderer().render(data)
    [feature] = data["features"]
    assert feature["properties"]["description"] == feature["properties"]["place"] == _PLACEHOLDER
    assert feature["geometry"] == {"type": "Point", "coordinates": [118.52, 37.41]}


def test_clause_references_and_joined_names(platform):
    features = platform.get(HAZARDS, {"page_size": 1000}).json()["features"]
    hazards = Hazard.objects.select_related("clause__norm", "company", "pipeline").in_bulk([f["id"] for f in features])
    assert len(features) == Hazard.objects.count()
    assert any(h.clause_id for h in hazards.values()) and any(not h.clause_id for h in hazards.values())
    for feature in features:
        hazard = hazards[feature["id"]]
        assert feature["properties"]["clause"] == (hazard.clause.reference if hazard.clause_id else None)
        assert feature["properties"]["company_name"] == hazard.company.name
        assert feature["properties"]["pipeline_code"] == (hazard.pipeline.code if hazard.pipeline_id else None)


def test_other_renderers_get_the_same_data(platform):
    compact = platform.get(HAZARDS, {"level": "major", "page_size": 5})
    indented = platform.get(HAZARDS, {"level": "major", "page_size": 5}, HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200 and b'\n  "type"' in indented.content
    assert json.loads(indented.content) == json.loads(compact.content)
    browsable = platform.get(HAZARDS, {"level": "major", "page_size": 5, "format": "api"})
    assert browsable.status_code == 200 and browsable["Content-Type"].startswith("text/html")


def _expected_page(queryset, page, size):
    ids = list(queryset.order_by(*ORDER).values_list("pk", flat=True))
    return len(ids), ids[(page - 1) * size : page * size]


@pytest.mark.parametrize(
    ("params", "page"),
    [({}, 1), ({"page": "2"}, 2), ({"page_size": "7", "page": "3"}, 3), ({"status": "closed", "page": "last"}, None)],
)
def test_pages_counts_and_links(platform, params, page):
    queryset = Hazard.objects.filter(**{k: v for k, v in params.items() if k == "status"})
    size = int(params.get("page_size", 50))
    count = queryset.count()
    page = page or -(-count // size)
    data = platform.get(HAZARDS, params).json()
    assert (data["count"], [f["id"] for f in data["features"]]) == _expected_page(queryset, page, size)
    assert (data["previous"] is None) == (page == 1)
    assert (data["next"] is None) == (page * size >= count)
    if data["next"]:
        assert f"page={page + 1}" in data["next"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.0", "999", "99999999999999999999"])
def test_a_page_out_of_range_is_a_404_as_in_drf(platform, page):
    response = platform.get(HAZARDS, {"page": page})
    assert response.status_code == 404 and response.json() == {"detail": "无效页面。"}


def test_an_empty_list_is_one_empty_page(platform):
    nothing = {"status": "closed", "is_overdue": "true"}  # a closed hazard is never overdue
    data = platform.get(HAZARDS, nothing).json()
    assert data == {"type": "FeatureCollection", "count": 0, "next": None, "previous": None, "features": []}
    assert platform.get(HAZARDS, {**nothing, "page": "last"}).json()["count"] == 0
    assert platform.get(HAZARDS, {**nothing, "page": "2"}).status_code == 404


def test_one_query_per_page(platform, settings):
    settings.API_KEY_CACHE_SECONDS = 60  # whatever the environment says
    platform.get(HAZARDS)  # the key is looked up once, then remembered
    with CaptureQueriesContext(connection) as queries:
        assert platform.get(HAZARDS, {"status": "closed", "page": "2"}).status_code == 200
    assert len(queries) == 1


def test_company_staff_pages_stay_in_their_company():
    staff = User.objects.get(username="company01")
    client = APIClient()
    client.force_authenticate(staff)
    own = Hazard.objects.filter(company=staff.company)
    for params in [{"page_size": 3}, {"page_size": 3, "page": "2"}, {"page_size": 3, "page": "last"}]:
        data = client.get(HAZARDS, params).json()
        assert data["count"] == own.count()
        assert {f["properties"]["company"] for f in data["features"]} == {staff.company_id}
    data = client.get("/api/v1/pipelines/", {"page_size": 1000}).json()
    own_pipelines = Pipeline.objects.filter(company=staff.company).values_list("pk", flat=True)
    assert {f["id"] for f in data["features"]} == set(own_pipelines)
    nobody = User.objects.create_user(username="no-company", password="x")
    client.force_authenticate(nobody)
    assert client.get(HAZARDS).json()["count"] == 0


PARAMS = [
    {},
    {"status": "rectifying", "level": "general"},
    {"status": "bogus"},
    {"found_after": "yesterday"},
    {"found_after": "2026-10-01", "found_before": "2026-10-31", "is_overdue": "true"},
    {"is_overdue": "maybe"},
    {"company": "999999"},
    {"company": "1", "pipeline": "2", "campaign": "1"},
    {"category": "corrosion", "source": "patrol", "deadline_before": "2026-12-31"},
    {"status_x": "1", "levels": "general"},
    {"in_bbox": "118.5,37.3,118.8,37.6", "page_size": "5"},
]


@pytest.mark.parametrize("viewset", [HazardViewSet, PipelineViewSet])
@pytest.mark.parametrize("params", PARAMS)
def test_the_narrowed_filters_equal_django_filters(viewset, params):
    view = viewset(action="list", format_kwarg=None)
    view.request = Request(APIRequestFactory().get("/", params))
    queryset = viewset.queryset.all()

    def outcome(backend):
        try:
            return str(backend().filter_queryset(view.request, queryset, view).query)
        except exceptions.ValidationError as error:
            return error.detail

    for language in ("zh-hans", "en", "zh-hans"):  # the narrowed form classes are kept per language
        with translation.override(language):
            assert outcome(NarrowFilterBackend) == outcome(DjangoFilterBackend)


class _Awkward(django_filters.FilterSet):
    """Filters that act, or fail, without their parameter: the narrowing must keep them."""

    unchecked = django_filters.BooleanFilter(field_name="is_overdue", widget=forms.CheckboxInput)  # absent = False
    statuses = django_filters.MultipleChoiceFilter(field_name="status", choices=[("closed", "closed")])
    code = django_filters.CharFilter(required=True)
    level = django_filters.ChoiceFilter(choices=[("general", "general"), ("major", "major")])

    class Meta:
        model = Hazard
        fields = ["company"]


@pytest.mark.parametrize("params", [{}, {"code": "YH"}, {"code": "YH", "level": "major"}, {"statuses": "closed"}])
def test_the_narrowing_keeps_filters_that_act_without_their_parameter(params):
    view = SimpleNamespace(filterset_class=_Awkward, request=Request(APIRequestFactory().get("/", params)))

    def outcome(backend):
        try:
            return str(backend().filter_queryset(view.request, Hazard.objects.all(), view).query)
        except exceptions.ValidationError as error:
            return error.detail

    assert outcome(NarrowFilterBackend) == outcome(DjangoFilterBackend)
    if "code" in params:
        assert "is_overdue" in outcome(NarrowFilterBackend)  # the unchecked checkbox filters
