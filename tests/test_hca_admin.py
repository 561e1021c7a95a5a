"""The HCA pages of the admin: segments on a map, the reasons, the review
buttons, the rule table, starting a run; scoped for company staff."""

import pytest
import shapely
from django.contrib.auth.models import Group
from django.urls import reverse

from hca.choices import ReviewStatus
from hca.models import HcaReview, HcaRule, HcaRun, HcaSegment
from hca.services import hca_identify
from layers.models import Site
from tests.factories import PipelineFactory, UserFactory
from tests.test_hca_identify import add_river, oil_line, wgs84  # noqa: F401 - fixture


@pytest.fixture
def identified(oil_line):  # noqa: F811
    add_river(1000)
    Site.objects.create(
        source_id="fs-1", name="加油站", site_type="fuel_station", geom=wgs84(shapely.Point(3040, 1000))
    )
    hca_identify(pipeline_ids=[oil_line.pk])
    return HcaSegment.objects.filter(pipeline=oil_line).order_by("start_m")


def test_segment_list_shows_chinese_columns_and_a_map(client, inspector, identified):
    client.force_login(inspector)
    response = client.get(
        reverse("admin:hca_hcasegment_changelist"), {"pipeline__company__id__exact": identified[0].pipeline.company_id}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "高后果区管段" in text and "K0+800.0" in text and "O-f" in text
    overview = client.get(response.context["overview_url"]).json()
    assert overview["features"][0]["geometry"]["type"] == "LineString"


def test_segment_page_shows_reasons_and_review_buttons(client, inspector, identified):
    client.force_login(inspector)
    response = client.get(reverse("admin:hca_hcasegment_change", args=[identified[0].pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "小清河" in text and "river-1000" in text
    assert [name for name, _label in response.context["review_actions"]] == ["confirm", "dismiss", "pilot_on"]
    assert len(response.context["segment_geojson"]["features"]) == 2


def test_review_buttons_call_the_services(client, inspector, identified):
    client.force_login(inspector)
    river, road = identified
    url = reverse("admin:hca_hcasegment_review", args=[river.pk, "confirm"])
    assert client.post(url, {"comment": "现场核实"}).status_code == 302
    river.refresh_from_db()
    assert river.review_status == ReviewStatus.CONFIRMED and river.reviewed_by == inspector
    # Dismissal without a reason is refused on the form; nothing changes.
    url = reverse("admin:hca_hcasegment_review", args=[road.pk, "dismiss"])
    response = client.post(url, {"comment": ""})
    assert response.status_code == 200 and response.context["form"].errors
    road.refresh_from_db()
    assert road.review_status == ReviewStatus.IDENTIFIED
    # The video pilot is for personnel-dense HCAs only: the error is shown on the form.
    response = client.post(reverse("admin:hca_hcasegment_review", args=[road.pk, "pilot_on"]), {"comment": ""})
    assert response.status_code == 200 and "人员密集" in response.content.decode()
    assert HcaReview.objects.filter(pipeline=river.pipeline).count() == 1


def test_company_staff_see_their_segments_but_cannot_review(client, identified):
    pipeline = identified[0].pipeline
    own = UserFactory(username="hca-own", company=pipeline.company)
    own.groups.add(Group.objects.get(name="company_staff"))
    other = UserFactory(username="hca-other", company=PipelineFactory().company)
    other.groups.add(Group.objects.get(name="company_staff"))
    client.force_login(own)
    assert client.get(reverse("admin:hca_hcasegment_change", args=[identified[0].pk])).status_code == 200
    # No company filter for company staff: it would name the other companies.
    specs = client.get(reverse("admin:hca_hcasegment_changelist")).context["cl"].filter_specs
    assert [f.field_path for f in specs] == ["rule_set", "grade", "review_status", "video_pilot"]
    url = reverse("admin:hca_hcasegment_review", args=[identified[0].pk, "confirm"])
    assert client.post(url, {"comment": ""}).status_code == 403
    client.force_login(other)
    response = client.get(reverse("admin:hca_hcasegment_changelist"))
    assert response.context["cl"].result_count == 0
    assert client.get(reverse("admin:hca_hcasegment_change", args=[identified[0].pk])).status_code == 302


def test_rule_table_is_editable_by_the_manager_not_extendable(client, manager):
    client.force_login(manager)
    rule = HcaRule.objects.get(rule_set="gb32167", code="O-f")
    url = reverse("admin:hca_hcarule_change", args=[rule.pk])
    response = client.post(
        url,
        {"grade": 2, "distance_m": 150, "params": '{"water_types": ["river"]}', "description": "修订", "enabled": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.grade, rule.distance_m, rule.code) == (2, 150, "O-f")
    assert client.get(reverse("admin:hca_hcarule_add")).status_code == 403


def test_inspector_starts_a_run_from_the_admin(client, inspector, oil_line, django_capture_on_commit_callbacks):  # noqa: F811
    add_river(1000)
    client.force_login(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:hca_hcarun_start"), {"rule_set": "gb32167", "pipelines": [oil_line.pk]})
    assert response.status_code == 302
    run = HcaRun.objects.latest("started_at")
    assert (run.started_by, run.pipeline_count, run.segment_count) == (inspector, 1, 1)
