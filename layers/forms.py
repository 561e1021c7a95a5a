"""The layer upload form: which file, which layers, whether to create companies,
and the confirmation that a layer may be replaced by a much smaller one.

The file is checked by size, by name and by content (a GeoPackage is an
SQLite file, a zip starts with PK, FlatGeobuf with its magic bytes, GeoJSON
with "{"; a zip's unpacked size from its directory); GDAL reads it only
after that.
"""

import zipfile
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from layers.archive import zip_directory_check
from layers.choices import LayerName, layer_named
from layers.errors import LayerImportError

# Layer files are bigger than photos: 300,000 buildings make a 50 MB GeoPackage
# (settings.LAYER_UPLOAD_MAX_BYTES); a zip may unpack to settings.LAYER_UNPACKED_MAX_BYTES.

SIGNATURES = {
    ".gpkg": (b"SQLite format 3\x00",),
    ".zip": (b"PK\x03\x04",),
    ".fgb": (b"fgb\x03",),
    ".geojson": (b"{",),
    ".json": (b"{",),
}
FORMAT_NAMES = {".gpkg": "GeoPackage", ".zip": "zip", ".fgb": "FlatGeobuf", ".geojson": "GeoJSON", ".json": "GeoJSON"}


def upload_max_bytes() -> int:
    return max(settings.LAYER_UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_BYTES)


def validate_layer_file(file) -> None:
    name = PurePath(file.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in SIGNATURES:
        raise ValidationError(
            _(
                "%(name)s: upload a GeoPackage (.gpkg), GeoJSON (.geojson), FlatGeobuf (.fgb) "
                "or a zipped shapefile (.zip)."
            ),
            params={"name": name},
            code="layer_file_type",
        )
    if not file.size:
        raise ValidationError(_("%(name)s is empty."), params={"name": name}, code="empty")
    limit = upload_max_bytes()
    if file.size > limit:
        raise ValidationError(
            _("%(name)s is %(size)s; layer files may be at most %(limit)s."),
            params={"name": name, "size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="too_big",
        )
    file.seek(0)
    head = file.read(64)
    file.seek(0)
    if suffix in (".geojson", ".json"):
        head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(SIGNATURES[suffix]):
        raise ValidationError(
            _("%(name)s is not a %(kind)s file (its content was checked, not its name)."),
            params={"name": name, "kind": FORMAT_NAMES[suffix]},
            code="layer_file_content",
        )
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(file) as archive:
                zip_directory_check(archive, name)
        except zipfile.BadZipFile as exc:
            raise ValidationError(_("%(name)s is not a readable zip file."), params={"name": name}) from exc
        except LayerImportError as exc:
            raise ValidationError(exc.errors, code="zip_too_big") from exc
        finally:
            file.seek(0)


def _layer_choices():
    return [(name, layer_named(name)) for name in LayerName.values]


class LayerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Layer file"),
        validators=[validate_layer_file],
        help_text=_(
            "GeoPackage with several layers, GeoJSON, FlatGeobuf, or a zipped shapefile (.shp, .shx, .dbf, .prj). "
            "Layer names and attributes as in the import format; the CRS must be set (EPSG:4490 or EPSG:4326), "
            "and every feature must lie in the city. Pipelines' commissioned: a date (YYYY-MM-DD) or a year "
            "alone (2010 is stored as 1 January 2010)."
        ),
    )
    layers = forms.MultipleChoiceField(
        label=_("Layers"),
        choices=_layer_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Import only these layers (each must be in the file). None ticked: every known layer in the file."),
    )
    create_companies = forms.BooleanField(
        label=_("Create missing companies"),
        required=False,
        help_text=_(
            "Operating companies the pipelines layer names but the system lacks are created with a generated "
            "credit code and placeholder contacts, to be completed."
        ),
    )
    replace_empty = forms.BooleanField(
        label=_("Replace even with far fewer features"),
        required=False,
        help_text=_(
            "A layer is replaced as a whole. A file with no features, or with under half the features a layer "
            "holds, is refused unless this is ticked (upload the file again with it ticked)."
        ),
    )
