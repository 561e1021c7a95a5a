import re

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from companies.models import OperatingCompany
from hazards.models import Hazard, Rectification
from inspections.models import InspectionCampaign, InspectionRecord
from pipelines.models import Pipeline
from standards.models import NormClause, WorkNorm

pytestmark = pytest.mark.django_db

# (admin url prefix, model, a search term that narrows the list to one or two rows)
ADMIN_MODELS = [
    ("companies_operatingcompany", OperatingCompany, lambda: OperatingCompany.objects.first().name),
    ("pipelines_pipeline", Pipeline, lambda: Pipeline.objects.first().code),
    ("standards_worknorm", WorkNorm, lambda: WorkNorm.objects.get(number=1).code),
    ("standards_normclause", NormClause, lambda: NormClause.objects.first().text[:12]),
    ("inspections_inspectioncampaign", InspectionCampaign, lambda: InspectionCampaign.objects.first().name),
    ("inspections_inspectionrecord", InspectionRecord, lambda: InspectionRecord.objects.first().pipeline.code),
    ("hazards_hazard", Hazard, lambda: Hazard.objects.first().code),
    ("hazards_rectification", Rectification, lambda: Rectification.objects.first().hazard.code),
    ("accounts_user", User, lambda: "inspector1"),
]


@pytest.mark.parametrize(("prefix", "model", "_term"), ADMIN_MODELS)
def test_list_change_and_add_pages_render_in_chinese(admin_client, prefix, model, _term):
    listing = admin_client.get(reverse(f"admin:{prefix}_changelist"))
    assert listing.status_code == 200
    assert "油气管道安全监管" in listing.text  # site header, in Chinese by default
    obj = model.objects.order_by("pk").first()
    change = admin_client.get(reverse(f"admin:{prefix}_change", args=[obj.pk]))
    assert change.status_code == 200
    add = admin_client.get(reverse(f"admin:{prefix}_add"))
    # Rectification rounds are started from the hazard page, never added by hand.
    assert add.status_code == (403 if model is Rectification else 200)


@pytest.mark.parametrize(("prefix", "model", "term"), ADMIN_MODELS)
def test_list_pages_make_no_query_per_row(admin_client, prefix, model, term):
    url = reverse(f"admin:{prefix}_changelist")
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as full:
        response = admin_client.get(url)
    rows_full = len(response.context["cl"].result_list)
    narrowing = {"q": term()}
    with CaptureQueriesContext(connection) as narrow:
        response = admin_client.get(url, narrowing)
    rows_narrow = len(response.context["cl"].result_list)
    assert rows_full > rows_narrow >= 1, (rows_full, rows_narrow)
    # Many rows cost no more queries than one or two (a filtered list may count its unfiltered total once more).
    assert len(full) <= len(narrow) <= len(full) + 1, [q["sql"] for q in full.captured_queries]
    assert len(full) <= 16


@pytest.mark.parametrize(
    "prefix",
    ["pipelines_pipeline", "hazards_hazard", "inspections_inspectionrecord"],
)
def test_map_widget_is_served_by_the_app(admin_client, prefix):
    page = admin_client.get(reverse(f"admin:{prefix}_add")).text
    assert "/static/vendor/ol/ol.js" in page
    assert "/static/gis/js/OLMapWidget.js" in page
    assert "new MapWidget(options)" in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert "ol.source.OSM" not in page  # no OpenStreetMap tiles unless configured


def test_change_lists_draw_their_records_on_a_map(admin_client):
    page = admin_client.get(reverse("admin:pipelines_pipeline_changelist"), {"status": "in_service"})
    assert 'id="overview-map"' in page.text
    assert page.context["overview_count"] == Pipeline.objects.filter(status="in_service").count()
    # The map's features come from the list's own URL plus _overview=1, with the same filters.
    data = admin_client.get(page.context["overview_url"]).json()
    assert len(data["features"]) == Pipeline.objects.filter(status="in_service").count()


def test_pipeline_reference_layer(admin_client, client):
    data = admin_client.get(reverse("admin:pipelines_pipeline_routes")).json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 161
    assert data["features"][0]["geometry"]["type"] == "MultiLineString"
    outsider = User.objects.create_user("outsider", password="x-Test-2026", is_staff=True)
    client.force_login(outsider)
    assert client.get(reverse("admin:pipelines_pipeline_routes")).status_code == 403


def test_adding_a_hazard_in_the_admin_issues_a_code(admin_client, admin_user):
    pipeline = Pipeline.objects.order_by("pk").first()
    spot = pipeline.route.interpolate(0.01) if hasattr(pipeline.route, "interpolate") else pipeline.route[0][0]
    point = Point(spot.coords if hasattr(spot, "coords") else spot, srid=4326).transform(3857, clone=True)
    response = admin_client.post(
        reverse("admin:hazards_hazard_add"),
        {
            "level": "major",
            "category": "oil_theft",
            "source": "patrol",
            "company": pipeline.company_id,
            "pipeline": pipeline.pk,
            "location": point.json,
            "place": "孤岛镇",
            "description": "发现盗油阀门",
            "found_on": "2026-11-20",
            **_empty_inlines(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    hazard = Hazard.objects.get(description="发现盗油阀门")
    assert re.fullmatch(r"YH-2026-\d{4}", hazard.code)
    assert hazard.status == "reported"
    assert hazard.reported_by == admin_user
    assert hazard.location.srid == 4326
    assert 118 < hazard.location.x < 119.3


def test_admin_form_names_the_problem(admin_client):
    other = Pipeline.objects.exclude(company=Pipeline.objects.order_by("pk").first().company).first()
    before = Hazard.objects.count()
    response = admin_client.post(
        reverse("admin:hazards_hazard_add"),
        {
            "level": "general",
            "category": "corrosion",
            "source": "patrol",
            "company": Pipeline.objects.order_by("pk").first().company_id,
            "pipeline": other.pk,
            "location": Point(13180000, 4500000, srid=3857).json,
            "description": "x",
            "found_on": "2026-11-20",
            **_empty_inlines(),
        },
    )
    assert response.status_code == 200
    assert "pipeline" in response.context["adminform"].form.errors
    assert Hazard.objects.count() == before


def test_manager_can_look_but_not_change(client):
    client.force_login(User.objects.get(username="manager"))
    assert client.get(reverse("admin:hazards_hazard_changelist")).status_code == 200
    assert client.get(reverse("admin:hazards_hazard_add")).status_code == 403


def test_chinese_by_default_english_on_request(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "隐患" in page.text
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    page = client.get(reverse("admin:index"))
    assert "Hazards" in page.text
    assert "Oil and gas pipeline safety supervision" in page.text


def _empty_inlines():
    return {
        f"{prefix}-{key}": value
        for prefix in ("photos", "rectifications")
        for key, value in (
            ("TOTAL_FORMS", "0"),
            ("INITIAL_FORMS", "0"),
            ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"),
        )
    }
