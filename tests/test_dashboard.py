import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Q
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
    # QUERY_BUDGET below, part by part
    assert len(queries) <= sum(QUERY_BUDGET.values()), [q["sql"][:80] for q in queries.captured_queries]


QUERY_BUDGET = {  # a fixed number, whatever the data: every figure is an aggregate or one list
    "session, user, permissions (user's, groups'), the role check": 5,
    "hazard figures (dashboard/selectors.py: summary, 4 tables, 2 trends), the map, the filter's choices (2)": 10,
    "emergency incidents in progress": 1,
    "patrol panel: the month shown, its tasks, the expired agreements (patrols/panel.py)": 3,
    "security panel: incidents, pipeline length, refinery closures (security/panel.py)": 3,
}


# --- every figure opens exactly the rows it counts ------------------------------

FIGURES = {
    "total": Q(),
    "open": ~Q(status="closed"),
    "overdue": Q(is_overdue=True) & ~Q(status="closed"),
    "closed": Q(status="closed"),
    "major_open": Q(level="major") & ~Q(status="closed"),
}
ROW_FIELDS = {"data-company": "company_id", "data-campaign": "campaign_id", "data-level": "level"}


class _Figures(HTMLParser):
    """The dashboard's links to the hazard list, with the number each shows, its figure and its row."""

    def __init__(self):
        super().__init__()
        self.links, self.unlinked, self._row, self._anchor, self._cell, self._value = [], [], {}, None, None, None
        self.others, self._other, self._table, self._name = [], None, None, None  # the patrol/security lists

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
        elif tag == "tr":
            self._row = {k: v for k, v in attrs.items() if k in ROW_FIELDS}
            self._name = attrs.get("data-name")
        elif tag == "a" and urlsplit(attrs.get("href", "")).path in _other_lists():
            self._other = {"href": attrs["href"], "text": "", "figure": attrs.get("data-figure"), "id": attrs.get("id")}
            self._other |= {"table": self._table if self._cell is not None else None, "name": self._name}
            if self._cell is not None:
                self._cell["linked"] = True
        elif tag == "td":
            self._cell = {"text": "", "linked": False}
        elif tag == "a" and urlsplit(attrs.get("href", "")).path == reverse("admin:hazards_hazard_changelist"):
            figure = attrs.get("data-figure") or attrs.get("id", "").removeprefix("kpi-")
            self._anchor = {"href": attrs["href"], "text": "", "figure": figure, "row": dict(self._row)}
            if self._cell is not None:
                self._cell["linked"] = True
        elif tag == "span" and (self._anchor or self._other) is not None and attrs.get("class") == "value":
            self._value = ""

    def handle_data(self, data):
        if self._other is not None:
            self._other["text"] += data
        if self._value is not None:
            self._value += data
        if self._anchor is not None:
            self._anchor["text"] += data
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._value is not None:
            (self._anchor or self._other)["value"], self._value = self._value, None
        elif tag == "a" and self._anchor is not None:
            self.links.append(self._anchor)
            self._anchor = None
        elif tag == "a" and self._other is not None:
            self.others.append(self._other)
            self._other = None
        elif tag == "td" and self._cell is not None:
            if self._cell["text"].strip().isdigit() and not self._cell["linked"]:
                self.unlinked.append(self._cell["text"].strip())
            self._cell = None
        elif tag == "tr":
            self._row, self._name = {}, None
        elif tag == "table":
            self._table = None


def _other_lists():
    return {reverse("admin:patrols_patroltask_changelist"), reverse("admin:security_theftincident_changelist")}


def _expected(hazards, link):
    """The ids the figure counts, computed here from its definition."""
    rows = hazards.filter(FIGURES[link["figure"]])
    for attribute, value in link["row"].items():
        rows = rows.filter(**{ROW_FIELDS[attribute]: value})
    return set(rows.values_list("pk", flat=True))


def _changelist(user, href, model=Hazard):
    request = RequestFactory().get(href)
    request.user = user
    return admin.site.get_model_admin(model).get_changelist_instance(request)


def _check_every_figure(client, user, query, hazards):
    client.force_login(user)
    response = client.get(URL, query)
    assert response.status_code == 200
    parser = _Figures()
    parser.feed(response.text)
    assert parser.unlinked == []  # every count in the tables is a link
    figures = [link for link in parser.links if (link.get("value") or link["text"]).strip().isdigit()]
    assert {link["figure"] for link in figures} == set(FIGURES)
    staff = user.company_id is not None
    for link in figures:
        shown = int((link.get("value") or link["text"]).strip())
        if link["row"]:  # table cells: the admin's own changelist for the link, as this user
            changelist = _changelist(user, link["href"])
        else:  # the cards: the page itself
            listing = client.get(link["href"])
            assert listing.status_code == 200, link
            changelist = listing.context["cl"]
        ids = set(changelist.queryset.values_list("pk", flat=True))
        assert (changelist.result_count, ids) == (shown, _expected(hazards, link)), link
        # Every parameter is a filter the list shows (and can clear); only a figure that contradicts the
        # dashboard's own filter (major hazards when it shows general ones: 0) adds a plain __in lookup,
        # and company staff have no company filter to show (they have one company).
        shown_filters = {name for spec in changelist.filter_specs for name in spec.used_parameters}
        allowed = {"level__in", "company__id__exact"} if staff else {"level__in"}
        assert set(parse_qs(urlsplit(link["href"]).query)) - shown_filters <= allowed, link
    # Links without a number (names) open the same list as their row's total.
    numbered = {link["href"] for link in figures}
    assert all(link["href"] in numbered for link in parser.links)
    # The map shows exactly the hazards the total counts, each linked to its own page.
    features = response.context["map_data"]["features"]
    total = next(link for link in figures if link["figure"] == "total" and not link["row"])
    assert {f["id"] for f in features} == _expected(hazards, total)
    for feature in features[:3]:
        assert feature["properties"]["url"] == reverse("admin:hazards_hazard_change", args=[feature["id"]])
        assert client.get(feature["properties"]["url"]).status_code == 200
    return figures


def test_every_figure_opens_exactly_the_hazards_it_counts(client, inspector):
    figures = _check_every_figure(client, inspector, {}, Hazard.objects.all())
    assert len(figures) >= 5 + 28 * 5
    major = next(link for link in figures if link["figure"] == "major_open" and not link["row"])
    assert int(major["value"]) == Hazard.objects.filter(level="major").exclude(status="closed").count()


@pytest.mark.parametrize(
    "query",
    [
        {"level": "general", "status": "rectifying"},  # the major and closed figures are then 0, and so are their lists
        {"level": "major"},
        {"status": "closed"},
        "campaign",
        "company",
    ],
)
def test_dashboard_filters_carry_into_every_figure(client, inspector, query):
    hazards = Hazard.objects.all()
    if query == "campaign":
        campaign = Hazard.objects.exclude(campaign=None).order_by("pk").first().campaign_id
        query, hazards = {"campaign": campaign, "level": "general"}, hazards.filter(campaign=campaign, level="general")
    elif query == "company":
        company = OperatingCompany.objects.order_by("pk")[3].pk
        query, hazards = {"company": company}, hazards.filter(company=company)
    else:
        hazards = hazards.filter(**query)
    _check_every_figure(client, inspector, query, hazards)


def test_company_staff_figures_open_their_own_hazards(client):
    staff = User.objects.get(username="company05")
    _check_every_figure(client, staff, {}, Hazard.objects.filter(company=staff.company))
    _check_every_figure(client, staff, {"level": "major"}, Hazard.objects.filter(company=staff.company, level="major"))


def test_the_map_has_a_chinese_legend_of_its_colours(client, inspector):
    client.force_login(inspector)
    response = client.get(URL)
    legend = response.text.split('id="dashboard-legend"', 1)[1].split("</div>", 1)[0]
    for label, color in [
        ("已上报", "#7f8c8d"),
        ("已交办", "#2980b9"),
        ("整改中", "#e67e22"),
        ("已提交验收", "#8e44ad"),
        ("验收未通过", "#c0392b"),
        ("已销号", "#27ae60"),
    ]:
        assert f'<span class="dot" style="background:{color}"></span>{label}' in legend
    assert "管道" in legend and '<span class="dot major"></span>重大隐患(黑色外圈)' in legend
    # the colours the legend explains are the ones the points are drawn with
    colors = {f["properties"]["status"]: f["properties"]["color"] for f in response.context["map_data"]["features"]}
    assert colors == {"reported": "#7f8c8d", "assigned": "#2980b9", "rectifying": "#e67e22"} | {
        "submitted": "#8e44ad",
        "rejected": "#c0392b",
        "closed": "#27ae60",
    }


def test_the_closure_filter_is_shown_and_cleared_like_the_others(client, inspector):
    client.force_login(inspector)
    response = client.get(reverse("admin:hazards_hazard_changelist"), {"closure": "open", "level__exact": "major"})
    assert response.context["cl"].result_count == Hazard.objects.filter(level="major").exclude(status="closed").count()
    page = response.text
    assert "是否销号" in page and '<li class="selected">\n    <a href="?closure=open&amp;level__exact=major"' in page
    assert "?level__exact=major" in page  # its 全部 link: the same list without it
    closed = client.get(reverse("admin:hazards_hazard_changelist"), {"closure": "closed"})
    assert closed.context["cl"].result_count == Hazard.objects.filter(status="closed").count()


# --- the dashboard is where a log-in lands ---------------------------------------

LOGIN = "/admin/login/"


def _log_in(client, query=""):
    """Log in as a browser does: the form's hidden ``next`` is posted back."""
    page = client.get(LOGIN + query)
    assert page.status_code == 200
    form = page.text.split('id="login-form"', 1)[1]  # (the language switcher has a "next" of its own)
    hidden = re.search(r'name="next" value="([^"]*)"', form)
    data = {"username": "inspector1", "password": "Demo@2026"}
    if hidden:
        data["next"] = html.unescape(hidden.group(1))
    return client.post(LOGIN + query, data)


@pytest.mark.parametrize(
    "query, landing",
    [
        ("", URL),  # the admin's own log-in page
        ("?next=/admin/", URL),  # the admin index (its link, a bookmark, "log in again")
        ("?next=/admin/hazards/hazard/%3Flevel__exact%3Dmajor", "/admin/hazards/hazard/?level__exact=major"),
        ("?next=/admin/escalations/escalation/", "/admin/escalations/escalation/"),
        ("?next=https://elsewhere.example/", URL),  # not ours: ignored
    ],
)
def test_logging_in_lands_on_the_dashboard_unless_asked_elsewhere(client, query, landing):
    response = _log_in(client, query)
    assert response.status_code == 302 and response.url == landing


def test_a_post_without_next_and_a_second_visit_to_the_log_in_page_land_on_the_dashboard(client):
    response = client.post(LOGIN, {"username": "inspector1", "password": "Demo@2026"})
    assert response.status_code == 302 and response.url == URL
    assert client.get(LOGIN).url == URL
    assert client.get(URL).status_code == 200


def test_anonymous_admin_index_leads_to_the_dashboard_after_log_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url == "/admin/login/?next=/admin/"
    assert _log_in(client, "?next=/admin/").url == URL


def test_staff_who_cannot_see_hazards_land_on_the_admin_index(client):
    User.objects.create_user("clerk", password="pw-Test-2026", is_staff=True)
    response = client.post(LOGIN, {"username": "clerk", "password": "pw-Test-2026"})
    assert response.url == URL
    assert client.get(URL).url == "/admin/"


@pytest.mark.parametrize(
    "username, query", [("inspector1", {}), ("inspector1", {"level": "major", "status": "closed"}), ("company05", {})]
)
def test_every_chart_bar_opens_the_hazards_it_counts(client, username, query):
    user = User.objects.get(username=username)
    client.force_login(user)
    charts = client.get(URL, query).context["chart_data"]
    hazards = Hazard.objects.filter(**query)
    if user.company_id:
        hazards = hazards.filter(company=user.company_id)
    here = timezone.get_current_timezone()
    months = {"found": {}, "closed": {}}
    for pk, found_on, closed_at in hazards.values_list("pk", "found_on", "closed_at"):
        months["found"].setdefault(found_on.strftime("%Y-%m"), set()).add(pk)
        if closed_at is not None:
            months["closed"].setdefault(closed_at.astimezone(here).strftime("%Y-%m"), set()).add(pk)
    assert sum(month["found"] + month["closed"] for month in charts["trend"]) > 0
    for month in charts["trend"]:
        for bar in ("found", "closed"):
            changelist = _changelist(user, month[f"{bar}_link"])
            ids = set(changelist.queryset.values_list("pk", flat=True))
            assert (changelist.result_count, ids) == (month[bar], months[bar].get(month["month"], set())), month
    for bar in charts["categories"]:
        changelist = _changelist(user, bar["link"])
        categories = set(changelist.queryset.values_list("category", flat=True))
        assert len(categories) == 1 and changelist.result_count == bar["total"]
        assert set(changelist.queryset.values_list("pk", flat=True)) == set(
            hazards.filter(category=categories.pop()).values_list("pk", flat=True)
        )


# --- the patrol and security panels: every count opens exactly the rows it counts ---------------


def _patrol_expected(user, month, link):
    from accounts.scoping import scope_queryset
    from patrols.models import PatrolTask
    from patrols.reporting import period_range

    first, last = period_range(month=month)
    tasks = scope_queryset(PatrolTask.objects.all(), user).filter(date__gte=first, date__lte=last)
    if link["table"] == "patrol-by-county":
        tasks = tasks.filter(team__county=link["name"]) if link["name"] != "—" else tasks.filter(team=None)
    elif link["table"] == "patrol-by-company":
        tasks = tasks.filter(section__pipeline__company__name=link["name"])
    if link["figure"] == "missed":
        tasks = tasks.filter(status="missed")
    return set(tasks.values_list("pk", flat=True))


def _security_expected(user, panel, link):
    from accounts.scoping import scope_queryset
    from security.models import TheftIncident

    incidents = scope_queryset(TheftIncident.objects.all(), user)
    if link["figure"] == "taps":
        incidents = incidents.filter(found_on__gte=panel["start"], found_on__lte=panel["end"])
    else:
        assert link["figure"] == "open", link
        incidents = incidents.exclude(status="closed")
    return set(incidents.values_list("pk", flat=True))


@pytest.mark.parametrize("username", ["inspector1", "company05"])
def test_patrol_and_security_counts_open_exactly_the_rows_they_count(client, username):
    from patrols.models import PatrolTask
    from security.models import TheftIncident

    user = User.objects.get(username=username)
    client.force_login(user)
    response = client.get(URL)
    parser = _Figures()
    parser.feed(response.text)
    assert parser.unlinked == []
    patrols, security = response.context["patrols"], response.context["security"]
    task_list = reverse("admin:patrols_patroltask_changelist")
    counted = [link for link in parser.others if link["figure"]]
    assert {link["figure"] for link in counted} == {"tasks", "missed", "taps", "open"}
    rows = {link["table"] for link in counted if link["table"]}
    assert rows == {"patrol-by-county", "patrol-by-company"}
    for link in counted:
        shown = int((link.get("value") or link["text"]).strip())
        if urlsplit(link["href"]).path == task_list:
            model, expected = PatrolTask, _patrol_expected(user, patrols["month"], link)
        else:
            model, expected = TheftIncident, _security_expected(user, security, link)
        changelist = _changelist(user, link["href"], model)
        ids = set(changelist.queryset.values_list("pk", flat=True))
        assert (changelist.result_count, ids) == (shown, expected), link
        # every parameter is a filter the list shows (the month: the list's date hierarchy)
        shown_filters = {name for spec in changelist.filter_specs for name in spec.used_parameters}
        assert set(parse_qs(urlsplit(link["href"]).query)) - shown_filters <= {"date__year", "date__month"}, link
    # the month's tasks are all counted once by county and once by company
    for table in ("patrol-by-county", "patrol-by-company"):
        tasks = [int(link["text"]) for link in counted if link["table"] == table and link["figure"] == "tasks"]
        assert sum(tasks) == patrols["total"].tasks > 0
    # the names of the company rows open their row's tasks
    names = [link for link in parser.others if link["table"] == "patrol-by-company" and not link["figure"]]
    assert names and all(link["href"] in {c["href"] for c in counted} for link in names)
