"""Bad input is a clear 4xx (or a redirect with a message), never a 500.

Every custom admin URL is found from the URL resolver (so a new one is swept
without anyone remembering to add it here) and hit with junk ids and junk
query parameters by an inspector, a company's staff, a staff user without
permissions and the superuser. The addresses of the hardening issue are
also named explicitly below.
"""

import re
from itertools import product
from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.test import Client
from django.urls import reverse

from accounts.models import User
from hazards.admin_views import ACTIONS
from hca.admin import REVIEW_ACTIONS
from hca.models import HcaSegment
from layers.admin_views import ALL
from layers.exports import EXPORT_LAYERS, FORMATS

pytestmark = pytest.mark.django_db

JUNK_IDS = ["abc", "0", "99999999", "-1", "1.5", "%00", "1%2F2"]
JUNK_QUERIES = [
    "foo=bar",
    "found_on__gte=notadate",
    "is_overdue__exact=maybe",
    "found_on__year=99999",
    "found_on__month=13",
    "found_on__year=2026&found_on__month=2&found_on__day=30",
    "company__id__exact=abc",
    "status__in=nope",
    "o=abc",
    "p=-1",
    "q=%00",
    "rule_set=nope",
    "code=%00",
    f"{ERROR_FLAG}=1&foo=bar",
]
ID_PARAMS = {"object_id", "pk", "id"}
# Non-id URL parameters, by URL name: the values the views know (junk is added to them).
KNOWN_VALUES = {
    ("hazards_hazard_workflow", "action"): sorted(ACTIONS),
    ("hca_hcasegment_review", "action"): sorted(REVIEW_ACTIONS),
    ("layers_export", "layer"): [*EXPORT_LAYERS, ALL],
    ("layers_export", "fmt"): list(FORMATS),
    ("video_videoalarm_review", "decision"): ["confirm", "dismiss"],
}
STANDARD_SUFFIXES = ("changelist", "add", "history", "delete", "change")
ROLES = ["inspector", "company", "no_permissions", "superuser"]


def custom_admin_urls():
    """(url name, route with the model admin's prefix, model) of every URL a model admin adds to the defaults."""
    found = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        standard = {f"{opts.app_label}_{opts.model_name}_{suffix}" for suffix in STANDARD_SUFFIXES}
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name not in standard:
                route = f"/admin/{opts.app_label}/{opts.model_name}/{pattern.pattern._route}"
                found.append((pattern.name, route, model))
    return sorted(found, key=lambda item: item[0])


CUSTOM_URLS = custom_admin_urls()
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _params(route):
    return [name for _conv, name in PARAM.findall(route)]


def _fill(route, values):
    return PARAM.sub(lambda m: values[m.group(2)], route)


def _base(name, route, model):
    """A real id and the first known value of each other parameter."""
    real = str(model.objects.order_by("pk").values_list("pk", flat=True).first() or 1)
    return {p: real if p in ID_PARAMS else KNOWN_VALUES[name, p][0] for p in _params(route)}


def _variants(name, route, model):
    """URLs for ``route``: every junk id with every known value of the other parameters,
    and junk in each other parameter with a real id."""
    params = _params(route)
    options = {p: JUNK_IDS if p in ID_PARAMS else KNOWN_VALUES[name, p] for p in params}
    base = _base(name, route, model)
    urls = {_fill(route, dict(zip(params, values, strict=True))) for values in product(*options.values())}
    urls.add(_fill(route, base))
    for p in params:
        if p not in ID_PARAMS:
            urls.update(_fill(route, {**base, p: value}) for value in ("junk", "%00", "."))
    return sorted(urls)


@pytest.fixture
def users():
    staff = User.objects.create_user("staff-without-permissions", password="x", is_staff=True)
    return {
        "inspector": User.objects.get(username="inspector1"),
        "company": User.objects.filter(username__startswith="company", company__isnull=False).order_by("pk").first(),
        "no_permissions": staff,
        "superuser": User.objects.get(username="admin"),
    }


def _client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _refusals(client, urls, methods=("get", "post"), allowed=lambda status: status < 500, view=None):
    """(method, url, status) of every answer whose status is not ``allowed`` (by default: a server error).

    With ``view`` (a URL name), ``allowed`` applies to the URLs that reach that view; the others
    (an id the route's converter refuses falls through to Django's own admin URLs) only must not fail.
    """
    bad = []
    for url in urls:
        reaches = view is None or _reaches(url, view)
        for method in methods:
            response = getattr(client, method)(url)
            if response.status_code >= 500 or (reaches and not allowed(response.status_code)):
                bad.append((method, url, response.status_code))
    return bad


def _reaches(url, name):
    from django.urls import Resolver404, resolve

    try:
        return resolve(unquote(url.split("?")[0])).url_name == name
    except Resolver404:
        return False


def test_the_resolver_finds_the_custom_admin_urls():
    names = {name for name, _route, _model in CUSTOM_URLS}
    # The ones named in the hardening issue, at least; the sweep below covers every one found.
    assert {
        "hazards_hazard_export",
        "hazards_hazard_workflow",
        "hazards_hazard_evidence_add",
        "hazards_hazard_photo_add",
        "hazards_evidence_download",
        "hazards_photo_download",
        "hca_hcasegment_review",
        "hca_hcarun_start",
        "layers_layerimport_upload",
        "layers_export",
        "pipelines_pipeline_routes",
        "escalations_escalation_print",
    } <= names
    for _name, route, _model in CUSTOM_URLS:
        unknown = [p for p in _params(route) if p not in ID_PARAMS and (_name, p) not in KNOWN_VALUES]
        assert not unknown, f"{route}: add the valid values of {unknown} to KNOWN_VALUES"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "route", "model"), CUSTOM_URLS, ids=[u[0] for u in CUSTOM_URLS])
def test_custom_admin_urls_with_junk_ids_are_never_a_server_error(users, role, name, route, model):
    client = _client(users[role])
    if role == "no_permissions":  # refused whatever the id: 403, 404 for a page that does not exist, 400 for a NUL
        urls = _variants(name, route, model)
        assert _refusals(client, urls, allowed=lambda status: status in (400, 403, 404), view=name) == []
    else:
        assert _refusals(client, _variants(name, route, model)) == []


@pytest.mark.parametrize(("name", "route", "model"), CUSTOM_URLS, ids=[u[0] for u in CUSTOM_URLS])
def test_custom_admin_urls_check_permission_before_looking_anything_up(users, name, route, model):
    """A staff user without permissions gets 403 for a real object and for a junk id alike."""
    client = _client(users["no_permissions"])
    base = _base(name, route, model)
    urls = [_fill(route, base), *(_fill(route, {**base, p: "abc"}) for p in base if p in ID_PARAMS)]
    assert _refusals(client, urls, allowed=lambda status: status == 403, view=name) == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "route", "model"), CUSTOM_URLS, ids=[u[0] for u in CUSTOM_URLS])
def test_custom_admin_urls_with_junk_queries_are_never_a_server_error(users, role, name, route, model):
    client = _client(users[role])
    url = _fill(route, _base(name, route, model))
    assert _refusals(client, [f"{url}?{query}" for query in JUNK_QUERIES], methods=("get",)) == []


@pytest.mark.parametrize("role", ["inspector", "company", "superuser"])
def test_changelists_and_dashboard_with_junk_queries_are_never_a_server_error(users, role):
    client = _client(users[role])
    pages = [reverse("dashboard"), reverse("admin:hazards_hazard_changelist")]
    assert _refusals(client, [f"{page}?{query}" for page in pages for query in JUNK_QUERIES], ("get",)) == []


# --- the addresses of the hardening issue --------------------------------

LEDGER_JUNK = [
    "foo=bar",
    "found_on__gte=notadate",
    "is_overdue__exact=maybe",
    "found_on__year=99999",
    "found_on__year=2026&found_on__month=13",
    "found_on__year=2026&found_on__month=2&found_on__day=30",
    "reported_by__password__startswith=a",
]


@pytest.mark.parametrize("query", LEDGER_JUNK)
def test_ledger_export_with_a_bad_filter_returns_to_the_list_naming_it(users, query):
    client = _client(users["inspector"])
    response = client.get(f"{reverse('admin:hazards_hazard_export')}?{query}")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:hazards_hazard_changelist"))
    page = client.get(response["Location"])
    assert page.status_code == 200
    messages = [str(m) for m in page.context["messages"]]
    for parameter in re.findall(r"(\w+)=", query):
        assert any(parameter in m for m in messages), messages
    assert "台账未导出" in messages[0]


def test_ledger_export_keeps_the_good_filters_when_it_returns_to_the_list(users):
    client = _client(users["inspector"])
    response = client.get(f"{reverse('admin:hazards_hazard_export')}?level__exact=major&found_on__gte=notadate")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:hazards_hazard_changelist')}?level__exact=major"


def test_ledger_export_with_good_filters_still_exports(users):
    client = _client(users["inspector"])
    response = client.get(f"{reverse('admin:hazards_hazard_export')}?found_on__gte=2026-01-01&is_overdue__exact=1")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("query", "kept", "named"),
    [
        ("level__exact=major&found_on__gte=notadate", "level__exact=major", ["found_on__gte"]),
        ("foo=bar&is_overdue__exact=maybe", "", ["foo", "is_overdue__exact"]),
        ("found_on__year=2026&found_on__month=13&status__exact=closed", "status__exact=closed", ["found_on__month"]),
        ("reported_by__password__startswith=a", "", ["reported_by__password__startswith"]),
    ],
)
def test_hazard_list_with_a_bad_filter_keeps_the_good_ones_and_names_the_bad(users, query, kept, named):
    """Django's own list redirects to ?e=1 (or answers 400) without saying which filter was wrong."""
    client = _client(users["inspector"])
    changelist = reverse("admin:hazards_hazard_changelist")
    response = client.get(f"{changelist}?{query}")
    assert response.status_code == 302
    assert response["Location"] == (f"{changelist}?{kept}" if kept else changelist)
    page = client.get(response["Location"])
    assert page.status_code == 200
    messages = [str(m) for m in page.context["messages"]]
    assert all(any(name in m for m in messages) for name in named), messages
    assert "筛选条件无效" in messages[0]


@pytest.mark.parametrize("object_id", ["abc", "0", "99999999", "-1", "1.5"])
def test_hca_review_checks_permission_before_looking_up_the_segment(users, object_id):
    url = f"/admin/hca/hcasegment/{object_id}/review/confirm/"
    assert _client(users["no_permissions"]).get(url).status_code == 403
    assert _client(users["company"]).get(url).status_code == 403  # company staff may not review
    assert _client(users["inspector"]).get(url).status_code == 404
    assert _client(users["superuser"]).post(url, {"comment": "x"}).status_code == 404


def test_hca_review_of_a_real_segment_still_works(users):
    segment = HcaSegment.objects.order_by("pk").first()
    url = reverse("admin:hca_hcasegment_review", args=[segment.pk, "confirm"])
    assert _client(users["no_permissions"]).get(url).status_code == 403
    assert _client(users["inspector"]).get(url).status_code == 200


# --- every model admin's own pages: junk ids, junk filter values ----------

MODEL_ADMINS = sorted(
    ((m._meta.app_label, m._meta.model_name) for m in admin.site._registry), key=lambda label: "_".join(label)
)


@pytest.mark.parametrize(("app", "model"), MODEL_ADMINS, ids=["_".join(label) for label in MODEL_ADMINS])
def test_change_delete_and_history_pages_with_junk_ids_are_never_a_server_error(users, app, model):
    junk_ids = ["abc", "-1", "1.5", "%00"]  # Django's own pages: a sample (the custom URLs above get every one)
    urls = [f"/admin/{app}/{model}/{junk}/{page}" for junk in junk_ids for page in ("change/", "delete/", "history/")]
    for role in ("inspector", "company", "no_permissions"):
        assert _refusals(_client(users[role]), urls, methods=("get",)) == [], role


@pytest.mark.parametrize(("app", "model"), MODEL_ADMINS, ids=["_".join(label) for label in MODEL_ADMINS])
def test_every_list_filter_with_junk_values_is_never_a_server_error(users, app, model):
    """Each filter's own parameters (custom filters included) with junk, and the generic junk queries."""
    for role in ("superuser", "company"):
        client = _client(users[role])
        url = f"/admin/{app}/{model}/"
        page = client.get(url)
        assert page.status_code in (200, 302, 403), (role, page.status_code)
        specs = page.context["cl"].filter_specs if page.status_code == 200 else []
        parameters = sorted({p for spec in specs for p in spec.expected_parameters()})
        junk = ["abc", "-1", "%00", "2026-13-45,maybe"]
        queries = [f"{p}={value}" for p in parameters for value in junk] + (JUNK_QUERIES if role == "superuser" else [])
        assert _refusals(client, [f"{url}?{query}" for query in queries], methods=("get",)) == [], role


# --- NUL characters: PostgreSQL refuses them in text, which was a 500 there ---


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/admin/hazards/hazard/?q=%00", "q"),
        ("/admin/hazards/hazard/?status__exact=a%00b", "status__exact"),
        ("/admin/hazards/hazard/export/?code__exact=%00", "code__exact"),
        ("/admin/layers/layerimport/export/pipelines.geojson?code=%00", "code"),
        ("/admin/hca/hcarule/?q=x&rule_set__exact=%00", "rule_set__exact"),
        ("/dashboard/?company=%00", "company"),
        ("/admin/rest_framework_api_key/apikey/%00/change/", None),
    ],
)
def test_a_nul_character_in_the_address_is_a_400_naming_where(users, url, named):
    response = _client(users["inspector"]).get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "NUL" in text and (named is None or f"“{named}”" in text), text


def test_the_api_answers_nul_characters_itself():
    """/api/ and /ogc/ check their own parameters (JSON errors); the middleware leaves them alone."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="inspector1"))
    response = client.get("/api/v1/hazards/?status=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    response = client.get("/ogc/collections/hazards/items?bbox=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
