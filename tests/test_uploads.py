"""Uploads are checked by content and size; a refused file leaves nothing behind."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from common.errors import InvalidUpload
from hazards import services
from hazards.models import Hazard, HazardTransition, RectificationEvidence
from tests.conftest import PDF_BYTES, jpeg_bytes

pytestmark = pytest.mark.django_db

WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


@pytest.fixture
def work():
    hazard = Hazard.objects.filter(status="rectifying").order_by("pk").first()
    staff = User.objects.get(company=hazard.company, username__startswith="company")
    return hazard, hazard.rectifications.get(outcome="pending"), staff


def _stored_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("现场照片.jpg", WINDOWS_EXE, "现场照片.jpg"),  # a renamed executable
        ("report.pdf", ELF, "report.pdf"),
        ("notes.txt", b"just some text", "notes.txt"),  # a wrong type
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 20, "broken.jpg"),  # JPEG magic, not an image
        ("empty.png", b"", "empty.png"),
    ],
)
def test_refused_by_content_with_a_message_naming_the_file(work, name, content, message):
    hazard, current, staff = work
    before = (_stored_files(), RectificationEvidence.objects.count(), HazardTransition.objects.count(), hazard.version)
    with pytest.raises(InvalidUpload) as excinfo:
        services.evidence_add(rectification=current, actor=staff, file=SimpleUploadedFile(name, content))
    assert message in str(excinfo.value.message)
    hazard.refresh_from_db()
    after = (_stored_files(), RectificationEvidence.objects.count(), HazardTransition.objects.count(), hazard.version)
    assert after == before


def test_oversized_file_is_refused(work, settings):
    _hazard, current, staff = work
    settings.UPLOAD_MAX_BYTES = 1024
    before = _stored_files()
    with pytest.raises(InvalidUpload) as excinfo:
        services.evidence_add(rectification=current, actor=staff, file=SimpleUploadedFile("big.pdf", PDF_BYTES * 40))
    assert "big.pdf" in str(excinfo.value.message) and "1.0" in str(excinfo.value.message)
    assert _stored_files() == before


def test_accepted_files_get_a_random_name_with_the_real_extension(work):
    _hazard, current, staff = work
    evidence = services.evidence_add(
        rectification=current, actor=staff, file=SimpleUploadedFile("整改后.PDF.exe", PDF_BYTES), description="报告"
    )
    stored = Path(evidence.file.path)
    assert stored.suffix == ".pdf" and "整改后" not in stored.name and stored.exists()
    assert evidence.original_name == "整改后.PDF.exe"
    assert (evidence.content_type, evidence.size) == ("application/pdf", len(PDF_BYTES))
    os.remove(stored)


def test_admin_upload_form_shows_the_reason_and_stores_nothing(client, work):
    hazard, _current, staff = work
    client.force_login(staff)
    url = reverse("admin:hazards_hazard_evidence_add", args=[hazard.pk])
    assert client.get(url).status_code == 200
    before = (_stored_files(), RectificationEvidence.objects.count())
    response = client.post(url, {"file": SimpleUploadedFile("合同.jpg", WINDOWS_EXE), "description": "x"})
    assert response.status_code == 200
    assert "合同.jpg" in response.text
    assert (_stored_files(), RectificationEvidence.objects.count()) == before
    response = client.post(url, {"file": SimpleUploadedFile("ok.jpg", jpeg_bytes()), "description": "整改后"})
    assert response.status_code == 302
    assert RectificationEvidence.objects.count() == before[1] + 1


def test_photos_accept_images_only(work, inspector):
    hazard, _current, _staff = work
    with pytest.raises(InvalidUpload):
        services.hazard_photo_add(hazard=hazard, actor=inspector, file=SimpleUploadedFile("a.pdf", PDF_BYTES))
    photo = services.hazard_photo_add(hazard=hazard, actor=inspector, file=SimpleUploadedFile("a.jpg", jpeg_bytes()))
    assert photo.image.name.endswith(".jpg")
    os.remove(photo.image.path)
