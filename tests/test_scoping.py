"""Company staff see their own company and nothing of any other, on every
admin page, filter, search, autocomplete, download and export.

alice and bob work for company A (owner and colleague); charlie works for
company B (the outsider), as in healthchecks' hc/test.py.
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import COMPANY_STAFF
from accounts.scoping import scope_queryset
from companies.models import OperatingCompany
from escalations.models import Escalation
from hazards.models import Hazard, HazardPhoto, Rectification, RectificationEvidence
from inspections.models import InspectionCampaign, InspectionRecord
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies():
    a, b = OperatingCompany.objects.filter(hazards__rectifications__isnull=False).distinct().order_by("pk")[:2]
    return a, b


def _staff(username, company):
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username, password="x-Test-2026", is_staff=True, company=company)
    user.groups.add(Group.objects.get(name=COMPANY_STAFF))
    return user


@pytest.fixture
def alice(companies):
    return _staff("alice", companies[0])


@pytest.fixture
def bob(companies):
    return _staff("bob", companies[0])


@pytest.fixture
def charlie(companies):
    return _staff("charlie", companies[1])


def _login(client, user):
    client.force_login(user)
    return client


LISTS = [
    ("companies_operatingcompany", OperatingCompany, "pk"),
    ("pipelines_pipeline", Pipeline, "company"),
    ("inspections_inspectioncampaign", InspectionCampaign, "companies"),
    ("inspections_inspectionrecord", InspectionRecord, "company"),
    ("hazards_hazard", Hazard, "company"),
    ("hazards_rectification", Rectification, "hazard__company"),
    ("hazards_hazardtransition", None, None),
    ("escalations_escalation", Escalation, "company"),
]


@pytest.mark.parametrize(("prefix", "model", "path"), LISTS)
def test_lists_show_only_own_company(client, alice, bob, companies, prefix, model, path):
    own, other = companies
    for user in (alice, bob):
        page = _login(client, user).get(reverse(f"admin:{prefix}_changelist"))
        assert page.status_code == 200
        rows = list(page.context["cl"].result_list)
        if model is not None:
            expected = model.objects.filter(**{path: own.pk}).distinct().count()
            assert page.context["cl"].result_count == expected
        assert other.name not in page.text
        assert other.short_name not in page.text
        for row in rows:
            owner = getattr(row, "company_id", None) or getattr(getattr(row, "hazard", None), "company_id", None)
            if owner is not None:
                assert owner == own.pk


def test_guessing_ids_of_another_company_finds_nothing(client, alice, companies):
    _own, other = companies
    _login(client, alice)
    targets = [
        ("hazards_hazard", Hazard.objects.filter(company=other).first()),
        ("pipelines_pipeline", Pipeline.objects.filter(company=other).first()),
        ("companies_operatingcompany", other),
        ("hazards_rectification", Rectification.objects.filter(hazard__company=other).first()),
        ("inspections_inspectionrecord", InspectionRecord.objects.filter(company=other).first()),
    ]
    for prefix, obj in targets:
        response = client.get(reverse(f"admin:{prefix}_change", args=[obj.pk]))
        # The admin answers "does not exist" and goes back to the index.
        assert response.status_code == 302 and response.url == reverse("admin:index"), prefix
    hazard = Hazard.objects.filter(company=other, status="rectifying").first()
    assert client.get(reverse("admin:hazards_hazard_workflow", args=[hazard.pk, "submit"])).status_code == 404
    assert client.get(reverse("admin:hazards_hazard_evidence_add", args=[hazard.pk])).status_code == 404


def test_filters_and_search_do_not_reach_another_company(client, alice, companies):
    own, other = companies
    _login(client, alice)
    url = reverse("admin:hazards_hazard_changelist")
    foreign = Hazard.objects.filter(company=other).first()
    for params in ({"company__id__exact": other.pk}, {"q": foreign.code}, {"pipeline__id__exact": foreign.pipeline_id}):
        page = client.get(url, params)
        if page.status_code == 200:
            # Django ignores or empties a filter value it does not offer; either way, nothing foreign.
            assert {h.company_id for h in page.context["cl"].queryset} <= {own.pk}, params
        else:
            assert page.status_code == 302, params
    # The filter sidebar offers only the user's own company (one choice: no filter shown) and pipelines.
    page = client.get(url)
    specs = {getattr(f, "field_path", None): f for f in page.context["cl"].filter_specs}
    assert "company" not in specs or [pk for pk, _name in specs["company"].lookup_choices] == [own.pk]
    offered = {pk for pk, _name in specs["pipeline"].lookup_choices}
    assert offered and offered <= set(Pipeline.objects.filter(company=own).values_list("pk", flat=True))


def test_autocomplete_offers_only_own_records(client, alice, companies):
    own, _other = companies
    _login(client, alice)
    for app_label, model_name, field_name in (
        ("escalations", "escalation", "hazard"),
        ("hazards", "hazard", "pipeline"),
    ):
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
        )
        assert response.status_code == 200
        ids = {int(item["id"]) for item in response.json()["results"]}
        remote = Hazard if field_name == "hazard" else Pipeline
        assert ids and ids <= set(remote.objects.filter(company=own).values_list("pk", flat=True)), field_name


def test_protected_files_only_for_their_company(client, alice, charlie, companies, inspector):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hazards import services
    from tests.conftest import jpeg_bytes

    own, _other = companies
    hazard = Hazard.objects.filter(company=own, status="rectifying").first()
    current = hazard.rectifications.filter(outcome="pending").first()
    evidence = services.evidence_add(
        rectification=current, actor=alice, file=SimpleUploadedFile("现场.jpg", jpeg_bytes()), description="现场"
    )
    photo = services.hazard_photo_add(hazard=hazard, actor=inspector, file=SimpleUploadedFile("p.png", _png()))
    evidence_url = reverse("admin:hazards_evidence_download", args=[evidence.pk])
    photo_url = reverse("admin:hazards_photo_download", args=[photo.pk])

    response = _login(client, alice).get(evidence_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    assert client.get(photo_url).status_code == 200

    _login(client, charlie)
    assert client.get(evidence_url).status_code == 404
    assert client.get(photo_url).status_code == 404
    client.logout()
    assert client.get(evidence_url).status_code == 302  # to the login page
    # Uploads are never published as static media.
    assert client.get("/media/" + evidence.file.name).status_code == 404
    assert RectificationEvidence.objects.filter(pk=evidence.pk).exists() and HazardPhoto.objects.filter(pk=photo.pk)


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_export_is_company_scoped_and_follows_filters(client, alice, companies):
    own, _other = companies
    _login(client, alice)
    response = client.get(reverse("admin:hazards_hazard_export"), {"status__exact": "closed"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    expected = Hazard.objects.filter(company=own, status="closed").values_list("code", flat=True)
    assert sorted(codes) == sorted(expected)
    assert all(row[1] == own.name for row in sheet.iter_rows(min_row=2, values_only=True))


def test_routes_layer_is_scoped(client, alice, companies):
    own, _other = companies
    data = _login(client, alice).get(reverse("admin:pipelines_pipeline_routes")).json()
    assert len(data["features"]) == Pipeline.objects.filter(company=own).count()


def test_campaign_page_hides_other_companies(client, alice, companies):
    own, other = companies
    campaign = InspectionCampaign.objects.filter(companies=own).filter(companies=other).first()
    page = _login(client, alice).get(reverse("admin:inspections_inspectioncampaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    assert other.name not in page.text
    codes = [h.code for h in campaign.hazards.filter(company=other)]
    assert not any(code in page.text for code in codes)


def test_scope_queryset_without_company_sees_nothing(companies):
    nobody = User.objects.create_user("nobody", password="x-Test-2026", is_staff=True)
    assert not scope_queryset(Hazard.objects.all(), nobody).exists()
