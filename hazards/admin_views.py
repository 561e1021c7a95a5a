"""Extra pages of the hazard admin: the workflow buttons, uploads, protected
downloads and the ledger export. They call services and hold no rules."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_queryset
from common.changelist import BadFilters, filtered_changelist
from common.errors import DomainError
from hazards import forms as workflow_forms
from hazards import services
from hazards.actions import RUNNERS, input_name
from hazards.ledger import ledger_workbook
from hazards.lifecycle import EDITABLE_STATES, STEPS, WORKING_STATES
from hazards.models import HazardPhoto, RectificationEvidence, TransitionAction


@dataclass(frozen=True)
class Action:
    """A workflow button: its form, and how the form's data calls the service.

    Label and permission come from the life-cycle table (hazards/lifecycle.py)
    for its steps; actions that are not steps name their own.
    """

    name: str
    form: type
    run: Any  # (hazard, actor, cleaned_data) -> result
    initial: Any = None  # (hazard) -> dict
    own_label: Any = None
    own_permission: str = ""
    # Pass only the fields the user changed (and the version): what was left alone stays as it is.
    changes_only: bool = False

    @property
    def label(self):
        return self.own_label or STEPS[self.name].label

    @property
    def permission(self) -> str:
        return self.own_permission or STEPS[self.name].permission


ROUND_FIELDS = ("measures", "responsible_person", "responsible_phone", "planned_completion_on")


def _start_initial(hazard):
    """A new round starts from the previous one's entries (after a rejection), if there is one."""
    latest = services.rectification_latest(hazard=hazard)
    return {name: getattr(latest, name) for name in ROUND_FIELDS} if latest else {}


def _progress_initial(hazard):
    current = services.rectification_current(hazard=hazard)
    if current is None:
        return {}
    return {name: getattr(current, name) for name in (*ROUND_FIELDS, "progress_percent")}


def _record_progress(hazard, actor, data):
    changes = {name: value for name, value in data.items() if name not in ("version", "comment")}
    if data.get("comment"):
        changes["progress_note"] = data["comment"]
    return services.rectification_update(
        rectification=services.rectification_current(hazard=hazard),
        actor=actor,
        changes=changes,
        expected_version=data["version"],
    )


ACTIONS = {
    action.name: action
    for action in (
        Action(
            TransitionAction.ASSIGN,
            workflow_forms.AssignForm,
            RUNNERS[TransitionAction.ASSIGN],
            lambda h: {
                "deadline": services.deadline_for(level=h.level, category=h.category, start=timezone.localdate())
            },
        ),
        Action(
            TransitionAction.START,
            workflow_forms.StartForm,
            RUNNERS[TransitionAction.START],
            _start_initial,
        ),
        Action(
            TransitionAction.PROGRESS,
            workflow_forms.ProgressForm,
            _record_progress,
            _progress_initial,
            own_label=_("Record progress"),
            own_permission="hazards.rectify_hazard",
            changes_only=True,
        ),
        Action(
            TransitionAction.SUBMIT,
            workflow_forms.WorkflowForm,
            RUNNERS[TransitionAction.SUBMIT],
        ),
        Action(
            TransitionAction.ACCEPT,
            workflow_forms.WorkflowForm,
            RUNNERS[TransitionAction.ACCEPT],
        ),
        Action(
            TransitionAction.REJECT,
            workflow_forms.ReasonForm,
            RUNNERS[TransitionAction.REJECT],
        ),
        Action(
            TransitionAction.REOPEN,
            workflow_forms.ReopenForm,
            RUNNERS[TransitionAction.REOPEN],
        ),
        Action(
            TransitionAction.EXTEND,
            workflow_forms.ExtendForm,
            RUNNERS[TransitionAction.EXTEND],
            lambda h: {"new_deadline": h.deadline},
        ),
    )
}


def available_actions(hazard, user) -> list[Action]:
    """The workflow buttons this user gets on this hazard now."""
    result = []
    for action in ACTIONS.values():
        step = STEPS.get(action.name)
        applies = hazard.status in step.sources if step else hazard.status in WORKING_STATES
        if applies and user.has_perm(action.permission):
            result.append(action)
    return result


def can_add_evidence(hazard, user) -> bool:
    return hazard.status in WORKING_STATES and user.has_perm("hazards.rectify_hazard")


def can_add_photo(hazard, user) -> bool:
    return hazard.status in EDITABLE_STATES and user.has_perm("hazards.change_hazard")


def _add_error(form, exc: DomainError) -> None:
    """A refusal goes under the field it is about, else at the top of the form."""
    field = input_name(exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


class HazardAdminViewsMixin:
    """URLs and views added to HazardAdmin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/workflow/<str:action>/", wrap(self.workflow_view), name="hazards_hazard_workflow"),
            path("<path:object_id>/evidence/add/", wrap(self.evidence_add_view), name="hazards_hazard_evidence_add"),
            path("<path:object_id>/photos/add/", wrap(self.photo_add_view), name="hazards_hazard_photo_add"),
            path("evidence/<int:pk>/download/", wrap(self.evidence_download_view), name="hazards_evidence_download"),
            path("photos/<int:pk>/download/", wrap(self.photo_download_view), name="hazards_photo_download"),
            path("export/", wrap(self.export_view), name="hazards_hazard_export"),
            *super().get_urls(),
        ]

    def _hazard_or_404(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied  # before the lookup: no permission, nothing learnt about which hazards exist
        hazard = self.get_object(request, unquote(object_id))
        if hazard is None or not self.has_view_permission(request, hazard):
            raise Http404(_("No such hazard."))
        return hazard

    def _change_url(self, hazard):
        return reverse("admin:hazards_hazard_change", args=[hazard.pk])

    def _render(self, request, hazard, form, title, template="admin/hazards/hazard/workflow.html"):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": hazard,
            "hazard": hazard,
            "form": form,
            "title": title,
            "subtitle": hazard.code,
            "change_url": self._change_url(hazard),
        }
        return TemplateResponse(request, template, context)

    def workflow_view(self, request, object_id, action):
        hazard = self._hazard_or_404(request, object_id)
        spec = ACTIONS.get(action)
        if spec is None:
            raise Http404(_("No such action."))
        if request.method != "POST" and spec not in available_actions(hazard, request.user):
            messages.error(request, _("“%(action)s” is not available for this hazard now.") % {"action": spec.label})
            return redirect(self._change_url(hazard))
        initial = {"version": hazard.version, **(spec.initial(hazard) if spec.initial else {})}
        if request.method == "POST":
            # The service decides (state, permission, and the version the user saw),
            # so a form posted after someone else acted says so instead of redirecting.
            form = spec.form(request.POST, initial=initial)
            if form.is_valid():
                data = form.cleaned_data
                if spec.changes_only:
                    data = {name: data[name] for name in form.changed_data} | {"version": data["version"]}
                try:
                    spec.run(hazard, request.user, data)
                except DomainError as exc:
                    _add_error(form, exc)
                else:
                    messages.success(request, _("%(action)s: done.") % {"action": spec.label})
                    return redirect(self._change_url(hazard))
        else:
            form = spec.form(initial=initial)
        return self._render(request, hazard, form, spec.label)

    def evidence_add_view(self, request, object_id):
        hazard = self._hazard_or_404(request, object_id)
        if not can_add_evidence(hazard, request.user):
            raise PermissionDenied
        form = workflow_forms.EvidenceUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.evidence_add(
                    rectification=services.rectification_current(hazard=hazard),
                    actor=request.user,
                    file=form.cleaned_data["file"],
                    description=form.cleaned_data["description"],
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("The evidence was added."))
                return redirect(self._change_url(hazard))
        return self._render(request, hazard, form, _("Add rectification evidence"))

    def photo_add_view(self, request, object_id):
        hazard = self._hazard_or_404(request, object_id)
        if not can_add_photo(hazard, request.user):
            raise PermissionDenied
        form = workflow_forms.PhotoUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.hazard_photo_add(
                    hazard=hazard,
                    actor=request.user,
                    file=form.cleaned_data["image"],
                    caption=form.cleaned_data["caption"],
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("The photo was added."))
                return redirect(self._change_url(hazard))
        return self._render(request, hazard, form, _("Add a photo"))

    def _attachment(self, field_file, filename, content_type):
        try:
            handle = field_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file is missing from storage.")) from exc
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    def evidence_download_view(self, request, pk):
        if not request.user.has_perm("hazards.view_rectificationevidence"):
            raise PermissionDenied
        evidence = scope_queryset(RectificationEvidence.objects.all(), request.user).filter(pk=pk).first()
        if evidence is None:
            raise Http404(_("No such file."))
        return self._attachment(evidence.file, evidence.original_name or evidence.file.name, evidence.content_type)

    def photo_download_view(self, request, pk):
        if not request.user.has_perm("hazards.view_hazardphoto"):
            raise PermissionDenied
        photo = scope_queryset(HazardPhoto.objects.all(), request.user).filter(pk=pk).first()
        if photo is None:
            raise Http404(_("No such file."))
        return self._attachment(photo.image, photo.image.name.rsplit("/", 1)[-1], None)

    def export_view(self, request):
        """The hazard ledger (隐患台账) of the current list: same filters, search and scope."""
        if not (self.has_view_permission(request) and request.user.has_perm("hazards.export_hazard_ledger")):
            raise PermissionDenied
        try:
            changelist = filtered_changelist(self, request)
        except BadFilters as exc:
            messages.error(
                request,
                _("The ledger was not exported: these filters are not valid: %(filters)s.")
                % {"filters": ", ".join(exc.names)},
            )
            query = exc.good.urlencode()
            return redirect(reverse("admin:hazards_hazard_changelist") + (f"?{query}" if query else ""))
        queryset = changelist.get_queryset(request)
        content = ledger_workbook(queryset)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"hazard-ledger-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
