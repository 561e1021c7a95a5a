"""Checks on uploaded photos and evidence.

The type is decided by the file's content, never by its name or the
browser's claim; images must also open as images. Oversized, empty, unknown
or damaged files are refused with a message naming the file, and so are
images whose header claims more pixels than Pillow will decode (a
"decompression bomb": a few bytes that claim 20000×20000 pixels).
"""

import struct
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from common.errors import InvalidUpload

# content type -> (magic bytes at the start, extension it is stored with)
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "application/pdf": (b"%PDF-", ".pdf"),
}
EVIDENCE_TYPES = frozenset(SIGNATURES)
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
_LABELS = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}
# Opened with the format's own class: it reads the header (and so the size)
# without Image.open's decompression-bomb check, which would raise before we
# could name the size.
_IMAGE_CLASSES = {"image/jpeg": JpegImagePlugin.JpegImageFile, "image/png": PngImagePlugin.PngImageFile}
# What a damaged header makes Pillow raise (Image.open turns most into UnidentifiedImageError).
_BROKEN_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, IndexError, TypeError, struct.error)


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    original_name: str
    size: int
    storage_name: str  # a name with the extension of the real type


def _sniff(head: bytes) -> str | None:
    for content_type, (magic, _ext) in SIGNATURES.items():
        if head.startswith(magic):
            return content_type
    return None


def validate_upload(file, *, allowed=EVIDENCE_TYPES, max_bytes: int | None = None) -> CheckedUpload:
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    name = PurePath(getattr(file, "name", "") or "upload").name
    size = file.size
    if not size:
        raise InvalidUpload(_("%(name)s is empty.") % {"name": name})
    if size > max_bytes:
        raise InvalidUpload(
            _("%(name)s is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = _sniff(head)
    if content_type not in allowed:
        kinds = ", ".join(sorted(_LABELS[t] for t in allowed))
        raise InvalidUpload(
            _("%(name)s is not a %(kinds)s file (its content was checked, not its name).")
            % {"name": name, "kinds": kinds}
        )
    if content_type in _IMAGE_CLASSES:
        _check_image(file, name, _IMAGE_CLASSES[content_type])
    stem = PurePath(name).stem[:60] or "file"
    return CheckedUpload(
        content_type=content_type,
        original_name=name,
        size=size,
        storage_name=f"{stem}{SIGNATURES[content_type][1]}",
    )


def max_image_pixels() -> int | None:
    """Pillow's own limit (about 89 million pixels unless configured): anything it would refuse to decode."""
    return Image.MAX_IMAGE_PIXELS


def _check_image(file, name: str, image_class) -> None:
    try:
        with image_class(file) as image:
            width, height = image.size
            limit = max_image_pixels()
            if limit and width * height > limit:
                raise InvalidUpload(
                    _("%(name)s: image too large: %(width)d×%(height)d pixels; the limit is %(limit)s pixels.")
                    % {"name": name, "width": width, "height": height, "limit": f"{limit:,}"}
                )
            image.verify()
    except _BROKEN_IMAGE as exc:
        raise InvalidUpload(_("%(name)s is not a readable image.") % {"name": name}) from exc
    finally:
        file.seek(0)


def evidence_file_validator(file) -> None:
    """Form-field validator: the same checks, as a ValidationError on the field."""
    try:
        validate_upload(file)
    except InvalidUpload as exc:
        raise ValidationError(str(exc.message), code="invalid_upload") from exc


def photo_file_validator(file) -> None:
    try:
        validate_upload(file, allowed=PHOTO_TYPES)
    except InvalidUpload as exc:
        raise ValidationError(str(exc.message), code="invalid_upload") from exc
