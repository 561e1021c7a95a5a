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


# --- images whose header claims more pixels than may be decoded (decompression bombs) ---


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG of under 100 bytes whose header claims ``width``×``height`` pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is rewritten to claim ``width``×``height`` pixels."""
    data = bytearray(jpeg_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


BOMBS = [
    ("炸弹.png", _png_claiming(20000, 20000), "20000×20000"),  # Pillow: DecompressionBombError
    ("warn.png", _png_claiming(10000, 10000), "10000×10000"),  # Pillow: DecompressionBombWarning only
    ("huge.jpg", _jpeg_claiming(60000, 60000), "60000×60000"),
]


@pytest.mark.parametrize(("name", "content", "size"), BOMBS, ids=["png-error", "png-warning", "jpeg"])
def test_an_image_claiming_too_many_pixels_is_refused_naming_the_limit(work, inspector, name, content, size):
    hazard, current, staff = work
    before = (_stored_files(), RectificationEvidence.objects.count(), hazard.photos.count())
    for add in (
        lambda f: services.evidence_add(rectification=current, actor=staff, file=f),
        lambda f: services.hazard_photo_add(hazard=hazard, actor=inspector, file=f),
    ):
        with pytest.raises(InvalidUpload) as excinfo:
            add(SimpleUploadedFile(name, content))
        message = str(excinfo.value.message)
        assert name in message and size in message and "89,478,485" in message, message
    assert (_stored_files(), RectificationEvidence.objects.count(), hazard.photos.count()) == before


def test_the_admin_upload_forms_refuse_a_decompression_bomb_as_a_form_error(client, work, inspector):
    hazard, _current, staff = work
    bomb = _png_claiming(20000, 20000)
    for user, url, field in (
        (staff, reverse("admin:hazards_hazard_evidence_add", args=[hazard.pk]), "file"),
        (inspector, reverse("admin:hazards_hazard_photo_add", args=[hazard.pk]), "image"),
    ):
        client.force_login(user)
        before = (_stored_files(), RectificationEvidence.objects.count(), hazard.photos.count())
        response = client.post(url, {field: SimpleUploadedFile("炸弹.png", bomb), "description": "x"})
        assert response.status_code == 200, url
        assert "图片过大" in response.text and "20000×20000" in response.text
        assert (_stored_files(), RectificationEvidence.objects.count(), hazard.photos.count()) == before


def test_event_intake_refuses_a_decompression_bomb_with_400_naming_the_photo():
    from rest_framework.test import APIClient
    from rest_framework_api_key.models import APIKey

    from tests.test_integrations import URL, _event, _near_a_pipeline

    _key_object, key = APIKey.objects.create_key(name="市一体化综合指挥平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    point, _nearest = _near_a_pipeline()
    count = Hazard.objects.count()
    bomb = SimpleUploadedFile("炸弹.png", _png_claiming(20000, 20000), content_type="image/png")
    response = client.post(URL, _event(point, photo=bomb), format="multipart", HTTP_IDEMPOTENCY_KEY="bomb-1")
    assert response.status_code == 400, response.content
    body = response.json()
    assert "图片过大" in str(body["photo"]) and "20000×20000" in str(body["photo"]), body
    assert Hazard.objects.count() == count


def test_damaged_images_are_refused_as_invalid_uploads_whatever_the_damage():
    """Random bytes changed, cut out or inserted after the signature: refused with a message, never anything else."""
    import io
    import random

    from PIL import Image

    from hazards.uploads import PHOTO_TYPES, validate_upload

    rng = random.Random(2026)
    seeds = []
    for kind in ("PNG", "JPEG"):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (9, 90, 9)).save(buffer, format=kind)
        seeds.append(buffer.getvalue())
    outcomes = set()
    for _ in range(600):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(8, len(data))
            roll = rng.random()
            if roll < 0.6:
                data[at] = rng.randrange(256)
            elif roll < 0.8:
                del data[at : at + rng.randint(1, 20)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 8))
        try:
            validate_upload(SimpleUploadedFile("damaged.png", bytes(data)), allowed=PHOTO_TYPES)
        except InvalidUpload as exc:
            assert "damaged.png" in str(exc.message)
            outcomes.add("refused")
        else:
            outcomes.add("accepted")  # damage Pillow does not check without decoding (e.g. in JPEG data)
    assert "refused" in outcomes
