import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from companies.models import OperatingCompany
from hazards.models import Hazard

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert client.get("/").url == URL


def test_figures_match_the_database(client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    summary = response.context["stats"]["summary"]
    open_ = Hazard.objects.exclude(status="closed")
    assert summary["total"] == Hazard.objects.count()
    assert summary["open"] == open_.count()
    assert summary["overdue"] == open_.filter(is_overdue=True).count()
    assert summary["closed"] == Hazard.objects.filter(status="closed").count()
    assert summary["major_open"] == open_.filter(level="major").count()
    assert summary["closure_rate"] == round(100 * summary["closed"] / summary["total"], 1)
    rows = {row["company_id"]: row for row in response.context["stats"]["by_company"]}
    assert len(rows) == 28
    some = OperatingCompany.objects.order_by("pk").first()
    assert rows[some.pk]["overdue"] == open_.filter(company=some, is_overdue=True).count()
    assert len(response.context["map_data"]["features"]) == Hazard.objects.count()
    trend = response.context["stats"]["trend"]
    assert len(trend) == 12 and sum(r["found"] for r in trend) > 0 and sum(r["closed"] for r in trend) > 0
    assert "油气管道安全监管" in response.text


def test_filters_narrow_everything_and_carry_into_links_and_export(client, manager):
    client.force_login(manager)
    company = OperatingCompany.objects.order_by("pk").first()
    response = client.get(URL, {"company": company.pk, "level": "major"})
    expected = Hazard.objects.filter(company=company, level="major")
    assert response.context["stats"]["summary"]["total"] == expected.count()
    assert len(response.context["map_data"]["features"]) == expected.count()
    export = response.context["export_url"]
    assert f"company__id__exact={company.pk}" in export and "level__exact=major" in export
    assert f"company__id__exact={company.pk}" in response.context["links"]["overdue"]
    ledger = client.get(export)
    assert ledger.status_code == 200 and ledger["Content-Type"].startswith("application/vnd.openxmlformats")


def test_company_staff_see_only_their_company(client):
    staff = User.objects.get(username="company01")
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    own = Hazard.objects.filter(company=staff.company)
    assert response.context["stats"]["summary"]["total"] == own.count()
    assert [row["company_id"] for row in response.context["stats"]["by_company"]] == [staff.company_id]
    for other in OperatingCompany.objects.exclude(pk=staff.company_id):
        assert other.short_name not in response.text
    # The company filter offers only their own company; another one's id is refused.
    assert list(response.context["filterset"].filters["company"].queryset) == [staff.company]
    other = OperatingCompany.objects.exclude(pk=staff.company_id).first()
    response = client.get(URL, {"company": other.pk})
    assert response.context["stats"]["summary"]["total"] == own.count()
    assert other.name not in response.text


def test_few_queries(client, manager):
    client.force_login(manager)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert len(queries) <= 15
