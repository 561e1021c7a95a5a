"""The GPX upload page of the tracks admin (轨迹 › 上传 GPX): a device, a mode, an optional section, a file.

Mixed into pat-core's PatrolTrackAdmin. The fixes are stored through ``fixes_ingest`` and the track recorded
by ``patrols.tracks.track_gpx_upload``; the page shows the report of patrols.md when a section is chosen.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import scope_queryset
from patrols.choices import Mode
from patrols.gpx import MAX_GPX_BYTES, GpxError
from patrols.ingest import FixError
from patrols.judging import JudgeError
from patrols.models import Device, PatrolSection
from patrols.tracks import track_gpx_upload


class GpxUploadForm(forms.Form):
    device = forms.ModelChoiceField(
        Device.objects.none(),
        label=pgettext_lazy("gpx", "device"),
        help_text=_("The fixes are stored under this device's id."),
    )
    mode = forms.ChoiceField(label=pgettext_lazy("gpx", "mode"), choices=Mode.choices, initial=Mode.WALK)
    section = forms.ModelChoiceField(
        PatrolSection.objects.none(),
        label=pgettext_lazy("gpx", "section"),
        required=False,
        help_text=_("Optional: the track is judged against this section and linked to its task of that time."),
    )
    gpx = forms.FileField(label=_("GPX file"), help_text=_("A track exported from a GPS device or a phone (.gpx)."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = scope_queryset(Device.objects.select_related("team"), user)
        self.fields["section"].queryset = scope_queryset(PatrolSection.objects.select_related("pipeline"), user)

    def clean_gpx(self):
        upload = self.cleaned_data["gpx"]
        if upload.size > MAX_GPX_BYTES:
            raise forms.ValidationError(_("The GPX file is larger than %(mb)d MB.") % {"mb": MAX_GPX_BYTES >> 20})
        return upload


class GpxUploadMixin:
    """Adds ``upload-gpx/`` to the tracks admin; needs the permission to add tracks."""

    def get_urls(self):
        return [
            path("upload-gpx/", self.admin_site.admin_view(self.gpx_upload_view), name="patrols_patroltrack_gpx"),
            *super().get_urls(),
        ]

    def gpx_upload_view(self, request):
        if not request.user.has_perm("patrols.add_patroltrack"):
            raise PermissionDenied
        form = GpxUploadForm(request.POST or None, request.FILES or None, user=request.user)
        track = counts = None
        if request.method == "POST" and form.is_valid():
            try:
                track, counts = track_gpx_upload(
                    data=form.cleaned_data["gpx"].read(),
                    device=form.cleaned_data["device"],
                    mode=form.cleaned_data["mode"],
                    section=form.cleaned_data["section"],
                    actor=request.user,
                )
            except (GpxError, FixError, JudgeError) as exc:
                form.add_error("gpx", str(exc))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Upload a GPX track"),
            "opts": self.model._meta,
            "form": form,
            "track": track,
            "counts": counts,
            "track_url": reverse("admin:patrols_patroltrack_change", args=[track.pk]) if track else "",
            "task_url": reverse("admin:patrols_patroltask_change", args=[track.task_id])
            if track and track.task_id
            else "",
        }
        return TemplateResponse(request, "admin/patrols/patroltrack/upload_gpx.html", context)
