"""Extra pages of the layer-import admin: the upload page (导入图层) and the
GeoPackage / GeoJSON downloads of pipelines and HCA segments. They call
layers.importer and layers.exports and hold no rules."""

import io
import re
import tempfile
import zipfile
from pathlib import Path, PurePath

from django.contrib import messages
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.scoping import is_regulator
from hca.choices import RuleSet
from layers.choices import in_layer_order, layer_label
from layers.errors import LayerImportError
from layers.exports import EXPORT_LAYERS, FORMATS, GEOJSON, GPKG, HCA_SEGMENTS, PIPELINES, layers_export
from layers.forms import LayerUploadForm, upload_max_bytes
from layers.importer import layers_import, shrink_message

ALL = "all"
EXPORT_PERMISSIONS = {PIPELINES: "pipelines.view_pipeline", HCA_SEGMENTS: "hca.view_hcasegment"}
CONTENT_TYPES = {GPKG: "application/geopackage+sqlite3", GEOJSON: "application/geo+json", "zip": "application/zip"}


def can_import(user) -> bool:
    """Importing layers is for regulator staff with the import permission."""
    return is_regulator(user) and user.has_perm("layers.add_layerimport")


def can_export(user, layer: str) -> bool:
    names = EXPORT_LAYERS if layer == ALL else (layer,)
    return all(user.has_perm(EXPORT_PERMISSIONS[name]) for name in names)


def _saved_upload(upload, folder: Path) -> Path:
    """The upload in ``folder`` under its own (cleaned) name: a single-layer file's name is its layer's."""
    name = PurePath(upload.name or "layers").name
    stem = re.sub(r"[^\w.-]+", "_", PurePath(name).stem).strip("._")[:80] or "layers"
    target = folder / f"{stem}{PurePath(name).suffix.lower()}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def counts_text(counts: dict) -> str:
    """建筑物 4，道路 2: each layer's label and feature count."""
    return pgettext("list separator", ", ").join(
        f"{layer_label(name)} {counts[name]}" for name in in_layer_order(counts)
    )


def import_summary(record) -> str:
    counts = counts_text(record.counts)
    return _("Imported %(file)s: %(counts)s (%(seconds).1f s).") % {
        "file": record.file_name,
        "counts": counts,
        "seconds": record.seconds,
    }


class LayerAdminViewsMixin:
    """URLs and views added to LayerImportAdmin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="layers_layerimport_upload"),
            path("export/<str:layer>.<str:fmt>", wrap(self.export_view), name="layers_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": can_import(request.user),
            "can_export_all": can_export(request.user, ALL),
        }
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        if not can_import(request.user):
            raise PermissionDenied
        form = LayerUploadForm(request.POST or None, request.FILES or None)
        import_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory(prefix="layer-upload-") as folder:
                try:
                    record = layers_import(
                        path=_saved_upload(upload, Path(folder)),
                        layer_names=form.cleaned_data["layers"] or None,
                        create_companies=form.cleaned_data["create_companies"],
                        actor=request.user,
                        file_name=PurePath(upload.name).name,
                        replace_empty=form.cleaned_data["replace_empty"],
                    )
                except LayerImportError as exc:
                    if exc.shrinking:
                        for row in exc.shrinking:
                            form.add_error("replace_empty", shrink_message(*row))
                    else:
                        import_errors = exc.errors
                    form.add_error(None, _("The file was not imported; nothing was changed. Fix the problems below."))
                else:
                    messages.success(request, import_summary(record))
                    return redirect(reverse("admin:layers_layerimport_change", args=[record.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import layers"),
            "form": form,
            "adminform": AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "import_errors": import_errors,
            "max_size": upload_max_bytes(),
            "layer_names": pgettext("list separator", ", ").join(
                str(label) for _name, label in form.fields["layers"].choices
            ),
        }
        return TemplateResponse(request, "admin/layers/layerimport/upload.html", context)

    def export_view(self, request, layer, fmt):
        """Pipelines and/or HCA segments the user may see, as GeoPackage or GeoJSON.

        Query: ``rule_set`` (default gb32167), ``code`` (repeatable: only these pipelines).
        """
        if (layer not in EXPORT_LAYERS and layer != ALL) or fmt not in FORMATS:
            raise Http404(_("No such export."))
        if not can_export(request.user, layer):
            raise PermissionDenied
        rule_set = request.GET.get("rule_set") or RuleSet.GB32167
        if rule_set not in RuleSet.values:
            raise Http404(_("No such rule set."))
        layers = EXPORT_LAYERS if layer == ALL else (layer,)
        stamp = timezone.localdate().strftime("%Y%m%d")
        with tempfile.TemporaryDirectory(prefix="layer-export-") as folder:
            target = Path(folder) / (f"{layer}.gpkg" if fmt == GPKG else "geojson")
            written = layers_export(
                path=target,
                layers=layers,
                fmt=fmt,
                pipeline_codes=request.GET.getlist("code") or None,
                rule_set=rule_set,
                user=request.user,
            )
            if len(written) == 1:
                content, kind, filename = written[0].read_bytes(), fmt, f"{layer}-{stamp}.{fmt}"
            else:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for file in written:
                        archive.write(file, arcname=file.name)
                content, kind, filename = buffer.getvalue(), "zip", f"{layer}-{stamp}.{fmt}.zip"
        response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
