"""Every admin list and detail page stays light on the demo city: under 100 KB
and under a fixed number of queries (no query per row), as an inspector and
as company staff. Sizes and query counts do not depend on the machine's load,
unlike times (bench/admin_pages.py measures those)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User

MAX_KB = 100
MAX_QUERIES = 25  # the busiest page (an inspection with 8 checklist rows) makes 21


def admin_pages(user):
    """The changelist of every model ``user`` may view, and the change page of the first row they see."""
    request = type("Request", (), {"user": user})()
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[first.pk])


def measure(client, url):
    client.get(url)  # content types, permissions and the like cached, as on a running server
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


@pytest.mark.parametrize("username", ["inspector1", "company01"])
def test_every_admin_page_is_under_100_kb_and_a_fixed_number_of_queries(db, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    pages, heavy = 0, []
    for url in admin_pages(user):
        response, queries = measure(client, url)
        pages += 1
        assert response.status_code == 200, url
        size_kb = len(response.content) / 1024
        if size_kb > MAX_KB or queries > MAX_QUERIES:
            heavy.append(f"{url}: {size_kb:.0f} KB, {queries} queries")
    assert pages > 20
    assert heavy == []


@pytest.mark.parametrize(
    "changelist", ["pipelines_pipeline", "hazards_hazard", "hca_hcasegment", "emergency_valve", "layers_building"]
)
def test_list_maps_load_their_features_from_the_list_url_with_the_same_filters(db, client, changelist):
    """The list page carries the map's URL, not its features; that URL answers the
    features of the rows the same user sees with the same filters, in a few queries."""
    url = reverse(f"admin:{changelist}_changelist")
    for user in User.objects.filter(username__in=["inspector1", "company01"]):
        client.force_login(user)
        page = client.get(url)
        if changelist == "layers_building" and user.username == "company01":
            assert page.status_code == 403  # GIS layers are the regulator's
            continue
        assert '"FeatureCollection"' not in page.text
        assert page.context["overview_url"] == f"{url}?_overview=1"
        client.get(page.context["overview_url"])
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(page.context["overview_url"])
        assert answer.status_code == 200 and answer["Content-Type"] == "application/geo+json"
        assert len(queries) <= 15  # session, permissions, filters' choices, the count: none per feature
        features = answer.json()["features"]
        assert len(features) == page.context["overview_count"]
        model_admin = admin.site._registry[page.context["cl"].model]
        request = type("Request", (), {"user": user})()
        visible = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        assert {f["id"] for f in features} <= visible
        assert all(f["properties"]["url"] for f in features[:5]) or changelist == "layers_building"
        # Unchanged features: the browser's copy is still good.
        again = client.get(page.context["overview_url"], HTTP_IF_NONE_MATCH=answer["ETag"])
        assert again.status_code == 304
        packed = client.get(page.context["overview_url"], HTTP_ACCEPT_ENCODING="gzip")
        assert packed["Content-Encoding"] == "gzip" and len(packed.content) < len(answer.content) / 2
        assert len(packed.content) < MAX_KB * 1024


def test_list_map_follows_the_search_and_filters(db, client):
    client.force_login(User.objects.get(username="inspector1"))
    url = reverse("admin:hazards_hazard_changelist")
    page = client.get(url, {"level__exact": "major"})
    assert page.context["overview_url"] == f"{url}?level__exact=major&_overview=1"
    features = client.get(page.context["overview_url"]).json()["features"]
    assert 0 < len(features) == page.context["cl"].result_count
    assert {f["id"] for f in features} == {h.pk for h in page.context["cl"].queryset}
    assert client.get(url, {"no_such_field": "1", "_overview": "1"}).status_code == 400


def test_a_campaign_page_lists_its_latest_hazards_and_links_to_all(db, client):
    from hazards.admin_inlines import LatestHazardsFormSet
    from inspections.models import InspectionCampaign

    client.force_login(User.objects.get(username="inspector1"))
    campaign = max(InspectionCampaign.objects.all(), key=lambda c: c.hazards.count())
    total = campaign.hazards.count()
    assert total > LatestHazardsFormSet.limit  # the demo campaign has a few hundred
    page = client.get(reverse("admin:inspections_inspectioncampaign_change", args=[campaign.pk]))
    formset = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.model.__name__ == "Hazard")
    assert len(formset.forms) == LatestHazardsFormSet.limit
    latest = campaign.hazards.order_by("-found_on", "-code")[: LatestHazardsFormSet.limit]
    assert [form.instance.code for form in formset.forms] == [h.code for h in latest]
    link = f"{reverse('admin:hazards_hazard_changelist')}?campaign__id__exact={campaign.pk}"
    assert f'href="{link}"' in page.text and str(total) in page.text
    assert client.get(link).context["cl"].result_count == total
