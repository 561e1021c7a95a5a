"""API keys tied to one company: a company's own system reports its rectification
work with a key that sees and does only what the company's staff may.

Three callers, as everywhere in these tests: the owner (a key tied to the
hazard's company), an outsider (a key tied to another company) and the city
platform (a key tied to no company).
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from api.models import ApiKeyCompany
from companies.models import OperatingCompany
from hazards.models import Hazard, HazardTransition, RectificationEvidence
from pipelines.models import Pipeline
from tests.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _company_key(company, name):
    obj, key = APIKey.objects.create_key(name=name)
    if company is not None:
        ApiKeyCompany.objects.create(key=obj, company=company)
    client = _client(key)
    client.prefix = obj.prefix
    return client


@pytest.fixture
def hazard():
    return Hazard.objects.filter(status="assigned").order_by("pk").first()


@pytest.fixture
def owner(hazard):
    return _company_key(hazard.company, "owner's system")


@pytest.fixture
def outsider(hazard):
    other = OperatingCompany.objects.exclude(pk=hazard.company_id).order_by("pk").first()
    return _company_key(other, "another company's system")


@pytest.fixture
def city():
    return _company_key(None, "city platform")


START = {"measures": "拆除违章棚屋", "responsible_person": "王强", "planned_completion_on": "2026-12-10"}


def _status(hazard):
    return Hazard.objects.get(pk=hazard.pk).status


# --- what each key sees ---------------------------------------------------------------------------


def test_a_company_key_sees_only_its_company(owner, outsider, city, hazard):
    own = Hazard.objects.filter(company=hazard.company)
    listed = owner.get("/api/v1/hazards/", {"page_size": 1000}).json()
    assert listed["count"] == own.count() > 0
    assert {f["properties"]["company"] for f in listed["features"]} == {hazard.company_id}
    assert owner.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 200
    assert owner.get("/api/v1/companies/").json()["count"] == 1
    assert owner.get("/api/v1/stats/").json()["total"] == own.count()
    pipelines = owner.get("/api/v1/pipelines/", {"page_size": 1000}).json()
    assert pipelines["count"] == Pipeline.objects.filter(company=hazard.company).count()
    assert owner.get("/api/v1/norms/").json()["count"] == 23  # reference data is everyone's

    assert outsider.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404
    assert outsider.get("/api/v1/hazards/", {"company": hazard.company_id}).json()["count"] == 0

    assert city.get("/api/v1/hazards/").json()["count"] == Hazard.objects.count()
    assert city.get("/api/v1/companies/").json()["count"] == OperatingCompany.objects.count()


def test_a_company_key_sees_only_its_company_in_ogc(hazard):
    obj, key = APIKey.objects.create_key(name="owner ogc")
    ApiKeyCompany.objects.create(key=obj, company=hazard.company)
    body = Client(headers={"Authorization": f"Api-Key {key}"}).get("/ogc/collections/hazards/items").json()
    assert body["numberMatched"] == Hazard.objects.filter(company=hazard.company).count()


def test_tying_a_remembered_key_to_a_company_takes_effect_at_once(settings, hazard):
    settings.API_KEY_CACHE_SECONDS = 60
    obj, key = APIKey.objects.create_key(name="later tied")
    client = _client(key)
    assert client.get("/api/v1/companies/").json()["count"] == OperatingCompany.objects.count()
    link = ApiKeyCompany.objects.create(key=obj, company=hazard.company)
    assert client.get("/api/v1/companies/").json()["count"] == 1
    link.delete()
    assert client.get("/api/v1/companies/").json()["count"] == OperatingCompany.objects.count()


# --- what each key may do -------------------------------------------------------------------------


def test_the_owner_key_takes_the_company_side_from_start_to_submit(owner, hazard):
    started = owner.post(f"/api/v1/hazards/{hazard.pk}/start/", {**START, "version": hazard.version}, format="json")
    assert started.status_code == 200, started.json()
    assert started.json()["properties"]["status"] == "rectifying"

    progress = owner.post(
        f"/api/v1/hazards/{hazard.pk}/progress/", {"progress_percent": 60, "progress_note": "拆除六成"}, format="json"
    )
    assert progress.status_code == 200, progress.json()
    current = progress.json()["properties"]["rectifications"][-1]
    assert (current["progress_percent"], current["progress_note"]) == (60, "拆除六成")

    early = owner.post(f"/api/v1/hazards/{hazard.pk}/submit/", {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "refused"  # no evidence yet

    upload = {"file": _pdf(), "description": "拆除后照片"}
    evidence = owner.post(f"/api/v1/hazards/{hazard.pk}/evidence/", upload, format="multipart")
    assert evidence.status_code == 200, evidence.json()
    assert evidence.json()["properties"]["rectifications"][-1]["evidence_count"] == 1
    stored = RectificationEvidence.objects.get(rectification__hazard=hazard)
    assert stored.uploaded_by is None and stored.description == "拆除后照片"

    submitted = owner.post(f"/api/v1/hazards/{hazard.pk}/submit/", {"comment": "申请验收"}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert _status(hazard) == "submitted"


def test_history_says_which_key_acted_and_names_no_person(owner, hazard):
    owner.post(f"/api/v1/hazards/{hazard.pk}/start/", START, format="json")
    owner.post(f"/api/v1/hazards/{hazard.pk}/progress/", {"progress_percent": 30}, format="json")
    rows = HazardTransition.objects.filter(hazard=hazard, action__in=["start", "progress"]).order_by("pk")
    assert [row.action for row in rows] == ["start", "progress"]
    for row in rows:
        assert row.actor_id is None
        assert row.details["api_key"] == owner.prefix
        assert row.details["company"] == hazard.company_id
    history = owner.get(f"/api/v1/hazards/{hazard.pk}/").json()["properties"]["history"]
    assert history[-1]["actor"] == f"API key {owner.prefix}"
    assert history[-1]["details"]["api_key"] == owner.prefix


@pytest.mark.parametrize(
    "action,state,body",
    [
        ("accept", "submitted", {}),
        ("reject", "submitted", {"comment": "不合格"}),
        ("assign", "reported", {}),
        ("reopen", "closed", {"comment": "复发"}),
        ("extend", "rectifying", {"new_deadline": "2027-06-01", "comment": "延期", "approver": 1}),
    ],
)
def test_no_key_takes_an_inspectors_step(action, state, body):
    hazard = Hazard.objects.filter(status=state).order_by("pk").first()
    for client in (_company_key(hazard.company, "owner"), _company_key(None, "city")):
        response = client.post(f"/api/v1/hazards/{hazard.pk}/{action}/", body, format="json")
        assert response.status_code == 403, response.json()
        assert "API Key" in response.json()["detail"]
    assert _status(hazard) == state


def test_an_outsider_key_cannot_act_on_another_companys_hazard(outsider, hazard):
    for action, body in (("start", START), ("progress", {"progress_percent": 10})):
        response = outsider.post(f"/api/v1/hazards/{hazard.pk}/{action}/", body, format="json")
        assert response.status_code == 404
    upload = outsider.post(f"/api/v1/hazards/{hazard.pk}/evidence/", {"file": _pdf()}, format="multipart")
    assert upload.status_code == 404
    assert _status(hazard) == "assigned"


def test_the_city_key_does_not_take_the_companys_steps(city, hazard):
    response = city.post(f"/api/v1/hazards/{hazard.pk}/start/", START, format="json")
    assert response.status_code == 403
    assert "市平台" in response.json()["detail"]  # the city platform's key cannot take it
    assert _status(hazard) == "assigned"


def test_a_company_key_reports_no_events(owner, hazard):
    count = Hazard.objects.count()
    event = {"category": "other", "description": "x", "lat": 37.5, "long": 118.8}
    response = owner.post("/api/v1/events/", event, format="json", HTTP_IDEMPOTENCY_KEY="company-1")
    assert response.status_code == 403
    assert Hazard.objects.count() == count


def test_progress_and_evidence_need_a_round_being_worked_on(owner, hazard):
    response = owner.post(f"/api/v1/hazards/{hazard.pk}/progress/", {"progress_percent": 10}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
    upload = owner.post(f"/api/v1/hazards/{hazard.pk}/evidence/", {"file": _pdf()}, format="multipart")
    assert upload.status_code == 409 and upload.json()["code"] == "illegal_transition"


def test_company_staff_use_the_same_endpoints_under_their_name(hazard):
    from accounts.models import User

    staff = User.objects.filter(company=hazard.company, username__startswith="company").first()
    client = APIClient()
    client.force_authenticate(staff)
    assert client.post(f"/api/v1/hazards/{hazard.pk}/start/", START, format="json").status_code == 200
    assert (
        client.post(f"/api/v1/hazards/{hazard.pk}/progress/", {"progress_percent": 50}, format="json").status_code
        == 200
    )
    row = HazardTransition.objects.filter(hazard=hazard, action="progress").latest("pk")
    assert row.actor == staff and "api_key" not in row.details


def test_the_admin_ties_a_key_to_a_company(admin_client, hazard):
    obj, _key = APIKey.objects.create_key(name="admin tie")
    page = admin_client.get(f"/admin/rest_framework_api_key/apikey/{obj.pk}/change/")
    assert page.status_code == 200 and b"company_limit-0-company" in page.content
    ApiKeyCompany.objects.create(key=obj, company=hazard.company)
    listing = admin_client.get("/admin/rest_framework_api_key/apikey/")
    assert hazard.company.name in listing.content.decode()


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("evidence.pdf", PDF_BYTES, content_type="application/pdf")
