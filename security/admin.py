"""Theft incidents (打孔盗油案事件) and police cases in the admin: the register on a map, each incident's page
with its place on the pipeline, the next step of its life cycle, evidence with its SHA-256, the police case,
linked emergency incidents and its history; the hotspots map; the figures page and its Excel export.
Refinery points: security/admin_refinery.py."""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_queryset
from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from common.widgets import IsoDateInput, OfflineMapWidget
from security import maps
from security.admin_common import NotAllowed, ReadOnlyHistoryInline, object_for_action
from security.admin_pages import TheftPagesMixin
from security.choices import THEFT_TRANSITIONS, TheftStatus
from security.models import PoliceCase, TheftEvidence, TheftHistory, TheftIncident
from security.services import (
    SecurityError,
    police_case_create,
    theft_case_link,
    theft_details_edit,
    theft_emergency_link,
    theft_evidence_add,
    theft_place,
    theft_record,
    theft_step,
)

PIPELINES_URL = "admin:pipelines_pipeline_routes"
_CASE_VIEWER = ContextVar("security_case_viewer", default=None)
CHANGE = "admin:security_theftincident_change"


class TheftIncidentForm(forms.ModelForm):
    class Meta:
        model = TheftIncident
        fields = (
            "pipeline",
            "location",
            "found_on",
            "found_how",
            "tap_kind",
            "tapped_on",
            "volume_lost_t",
            "shutdown_hours",
            "repair",
            "cost_yuan",
            "description",
        )

    def clean(self):
        data = super().clean()
        if data.get("pipeline") and data.get("location"):
            try:
                theft_place(pipeline=data["pipeline"], location=data["location"])
            except SecurityError as exc:
                self.add_error("location", str(exc))
        if data.get("tapped_on") and data.get("found_on") and data["tapped_on"] > data["found_on"]:
            self.add_error("tapped_on", _("The tap cannot have been made after it was found."))
        if data.get("found_on") and data["found_on"] > timezone.localdate():
            self.add_error("found_on", _("The day it was found cannot lie in the future."))
        return data


class StepForm(forms.Form):
    to_status = forms.ChoiceField(choices=TheftStatus.choices)
    on = forms.DateField(widget=IsoDateInput)
    comment = forms.CharField(required=False, max_length=1000)
    police_case = forms.CharField(required=False, max_length=60)


class EvidenceForm(forms.Form):
    file = forms.FileField()
    description = forms.CharField(required=False, max_length=200)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=60)


class HistoryInline(ReadOnlyHistoryInline):
    model = TheftHistory
    fields = ("on", "action", "from_status", "to_status", "actor", "comment", "details")
    readonly_fields = fields
    related = ("actor", "incident")


class EvidenceInline(admin.TabularInline):
    model = TheftEvidence
    fields = ("download", "content_type", "size", "sha256", "description", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("evidence files (SHA-256 kept for the chain of custody)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "incident")

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse("admin:security_theftincident_evidence_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class _NotAllowed(Exception):
    """A GET on a POST-only action, after the permission check."""


class TheftOpenFilter(admin.SimpleListFilter):
    """Not closed yet (the dashboard's "theft incidents not closed" opens ``?open=1``)."""

    title = _("in progress")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("in progress")), ("0", TheftStatus.CLOSED.label)]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.exclude(status=TheftStatus.CLOSED)
        if self.value() == "0":
            return queryset.filter(status=TheftStatus.CLOSED)
        return queryset


@admin.register(TheftIncident)
class TheftIncidentAdmin(TheftPagesMixin, CompanyScopedMixin, OverviewMapMixin, MapAdmin):
    form = TheftIncidentForm
    change_list_template = "admin/security/theftincident/change_list.html"
    change_form_template = "admin/security/theftincident/change_form.html"
    list_display = (
        "code",
        "found_on",
        "pipeline",
        "chainage_display",
        "county",
        "found_how",
        "tap_kind",
        "status",
        "police_case",
    )
    list_filter = (
        "status",
        TheftOpenFilter,
        ("found_on", admin.DateFieldListFilter),  # found_on__gte / __lt: the dashboard's period
        "found_how",
        "tap_kind",
        "county",
        "pipeline__company",
    )
    list_select_related = ("pipeline", "police_case")
    search_fields = ("code", "pipeline__code", "pipeline__name", "police_case__number", "county")
    date_hierarchy = "found_on"
    inlines = (EvidenceInline, HistoryInline)
    overview_geometry_field = "location"
    overview_fields = ("code", "status", "found_on")
    overview_reference_url = ""

    def get_fields(self, request, obj=None):
        if obj is None:
            return TheftIncidentForm.Meta.fields
        return (
            "code",
            ("pipeline", "chainage_m", "offset_m", "county"),
            "location",
            ("found_on", "found_how"),
            ("tap_kind", "tapped_on"),
            ("status", "police_case"),
            ("sealed_on", "reported_on", "filed_on", "not_filed_on"),
            ("solved_on", "prosecuted_on", "closed_on"),
            ("volume_lost_t", "shutdown_hours", "cost_yuan"),
            "repair",
            "description",
            "recorded_by",
        )

    EDITABLE = ("volume_lost_t", "shutdown_hours", "cost_yuan", "repair", "description")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fixed = [f for f in self.get_fields(request, obj) for f in (f if isinstance(f, tuple) else (f,))]
        # The place is drawn on a read-only map with its pipeline (MapAdmin's ``location_map``), never as text.
        return [f"{f}_map" if f in self.geometry_fields else f for f in fixed if f not in self.EDITABLE]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_changeform_initial_data(self, request):
        return {"found_on": timezone.localdate()}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "location":
            kwargs["widget"] = OfflineMapWidget(
                attrs={
                    "reference_url": reverse(PIPELINES_URL),
                    "reference_help": _("Blue lines are the pipelines. Click on the map where the tap was found."),
                }
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def readonly_map_references(self, obj, field_name):
        from pipelines.maps import routes_simplified
        from pipelines.models import Pipeline

        if field_name != "location" or obj is None:
            return []
        return [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": geometry,
                "properties": {"label": f"{row['code']} {row['name']}"},
            }
            for row, geometry in routes_simplified(Pipeline.objects.filter(pk=obj.pipeline_id))
        ]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            theft_details_edit(
                incident=obj, actor=request.user, **{f: data[f] for f in self.EDITABLE if f in form.changed_data}
            )
            return
        try:
            created = theft_record(actor=request.user, **{f: data[f] for f in TheftIncidentForm.Meta.fields})
        except SecurityError as exc:  # checked by the form already; a race (e.g. the pipeline moved) ends here
            raise ValidationError(str(exc)) from exc
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # the services write everything

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, _("Theft incident %(code)s recorded.") % {"code": obj.code})
        return HttpResponseRedirect(reverse(CHANGE, args=[obj.pk]))

    @admin.display(description=_("chainage (m)"), ordering="chainage_m")
    def chainage_display(self, obj):
        return f"{obj.chainage_m:.1f}"

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['code']} · {TheftStatus(row['status']).label} · {row['found_on']:%Y-%m-%d}",
            "url": reverse(CHANGE, args=[row["pk"]]),
            "color": maps.THEFT_COLORS[row["status"]],
        }

    def overview_legend(self):
        return [(TheftStatus(k).label, c) for k, c in maps.THEFT_COLORS.items()]

    # --- custom pages ---------------------------------------------------------------------------------

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<path:object_id>/step/", view(self.step_view), name="security_theftincident_step"),
            path("<path:object_id>/evidence/", view(self.evidence_view), name="security_theftincident_evidence"),
            path(
                "evidence/<int:pk>/download/",
                view(self.evidence_download_view),
                name="security_theftincident_evidence_download",
            ),
            path("<path:object_id>/link-case/", view(self.link_case_view), name="security_theftincident_link_case"),
            path(
                "<path:object_id>/link-emergency/",
                view(self.link_emergency_view),
                name="security_theftincident_link_emergency",
            ),
            path(
                "from-emergency/<int:pk>/",
                view(self.link_from_emergency_view),
                name="security_theftincident_link_from_emergency",
            ),
            path("hotspots/", view(self.hotspots_view), name="security_theftincident_hotspots"),
            path("figures/", view(self.figures_view), name="security_theftincident_figures"),
            path("figures.xlsx", view(self.figures_export_view), name="security_theftincident_figures_xlsx"),
            path("ledger.xlsx", view(self.ledger_view), name="security_theftincident_ledger"),
            *super().get_urls(),
        ]

    def _for_action(self, request, object_id) -> TheftIncident:
        return object_for_action(self, request, object_id, perm="security.change_theftincident")

    def _back(self, incident):
        return HttpResponseRedirect(reverse(CHANGE, args=[incident.pk]))

    def step_view(self, request, object_id):
        try:
            incident = self._for_action(request, object_id)
        except NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = StepForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the next step and give its date."))
            return self._back(incident)
        data, case = form.cleaned_data, None
        if data["police_case"].strip():
            case = self._cases(request).filter(number=data["police_case"].strip()).first()
            if case is None:
                messages.error(request, _("No police case numbered “%(number)s”.") % {"number": data["police_case"]})
                return self._back(incident)
        try:
            theft_step(
                incident=incident,
                to_status=data["to_status"],
                on=data["on"],
                actor=request.user,
                comment=data["comment"],
                police_case=case,
            )
            messages.success(request, _("Recorded: %(step)s.") % {"step": TheftStatus(data["to_status"]).label})
        except SecurityError as exc:
            messages.error(request, str(exc))
        return self._back(incident)

    def evidence_view(self, request, object_id):
        try:
            incident = self._for_action(request, object_id)
        except NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = EvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Choose a file (JPEG, PNG or PDF)."))
            return self._back(incident)
        try:
            evidence = theft_evidence_add(
                incident=incident,
                file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
            messages.success(
                request,
                _("%(name)s kept, SHA-256 %(hash)s.") % {"name": evidence.original_name, "hash": evidence.sha256},
            )
        except SecurityError as exc:
            messages.error(request, str(exc))
        return self._back(incident)

    def evidence_download_view(self, request, pk):
        if not request.user.has_perm("security.view_theftincident"):
            raise PermissionDenied
        evidence = scope_queryset(TheftEvidence.objects.all(), request.user).filter(pk=pk).first()
        if evidence is None:
            raise Http404(_("No such file."))
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file is missing from storage.")) from exc
        response = FileResponse(
            handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Content-SHA256"] = evidence.sha256
        return response

    def _cases(self, request):
        return scope_queryset(PoliceCase.objects.all(), request.user).distinct()

    def link_case_view(self, request, object_id):
        try:
            incident = self._for_action(request, object_id)
        except NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = CodeForm(request.POST)
        number = form.cleaned_data["code"].strip() if form.is_valid() else ""
        case = PoliceCase.objects.filter(number=number).first() if number else None
        if case is None:
            messages.error(request, _("No police case numbered “%(number)s”.") % {"number": number})
        else:
            try:
                theft_case_link(incident=incident, police_case=case, actor=request.user)
                messages.success(request, _("Linked to police case %(number)s.") % {"number": case.number})
            except SecurityError as exc:
                messages.error(request, str(exc))
        return self._back(incident)

    def _emergency(self, request, code):
        from emergency.models import Incident

        return scope_queryset(Incident.objects.all(), request.user).filter(code=code).first() if code else None

    def link_emergency_view(self, request, object_id):
        try:
            incident = self._for_action(request, object_id)
        except NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = CodeForm(request.POST)
        code = form.cleaned_data["code"].strip() if form.is_valid() else ""
        emergency = self._emergency(request, code)
        if emergency is None:
            messages.error(request, _("No emergency incident numbered “%(code)s” that you may see.") % {"code": code})
        else:
            try:
                theft_emergency_link(incident=incident, emergency_incident=emergency, actor=request.user)
                messages.success(request, _("Emergency incident %(code)s linked.") % {"code": emergency.code})
            except SecurityError as exc:
                messages.error(request, str(exc))
        return self._back(incident)

    def link_from_emergency_view(self, request, pk):
        """From an emergency incident's page: link a theft incident by its number, back to that page."""
        from emergency.models import Incident

        if not request.user.has_perm("security.change_theftincident"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        emergency = scope_queryset(Incident.objects.all(), request.user).filter(pk=pk).first()
        if emergency is None:
            raise Http404
        form = CodeForm(request.POST)
        code = form.cleaned_data["code"].strip() if form.is_valid() else ""
        incident = self.get_queryset(request).filter(code=code).first() if code else None
        if incident is None:
            messages.error(request, _("No theft incident numbered “%(code)s” that you may see.") % {"code": code})
        else:
            try:
                theft_emergency_link(incident=incident, emergency_incident=emergency, actor=request.user)
                messages.success(request, _("Theft incident %(code)s linked.") % {"code": incident.code})
            except SecurityError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:emergency_incident_change", args=[emergency.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        incident = self.get_object(request, unquote(object_id)) if object_id.isdigit() else None
        if incident is not None:
            can_act = request.user.has_perm("security.change_theftincident")
            extra.update(
                incident=incident,
                next_steps=[(s, TheftStatus(s).label) for s in THEFT_TRANSITIONS[incident.status]] if can_act else [],
                can_act=can_act,
                today=timezone.localdate(),
                linked_emergency=list(
                    scope_queryset(incident.emergency_incidents.all(), request.user).order_by("-occurred_at")
                ),
            )
        return super().change_view(request, object_id, form_url, extra)


class PoliceCaseForm(forms.ModelForm):
    incidents = forms.ModelMultipleChoiceField(
        queryset=TheftIncident.objects.none(), required=False, label=_("theft incidents covered")
    )

    class Meta:
        model = PoliceCase
        fields = ("number", "unit", "charge", "opened_on", "suspect_count", "suspects", "notes")


@admin.register(PoliceCase)
class PoliceCaseAdmin(admin.ModelAdmin):
    form = PoliceCaseForm
    list_display = ("number", "unit", "charge", "opened_on", "suspect_count", "incident_count")
    search_fields = ("number", "unit", "charge", "suspects")
    date_hierarchy = "opened_on"
    readonly_fields = ("incident_links",)

    def get_queryset(self, request):
        from django.db.models import Count

        scoped = scope_queryset(super().get_queryset(request), request.user)
        # Company staff reach a case through its incidents: one row per case whatever the number of them.
        return PoliceCase.objects.filter(pk__in=scoped.values("pk")).annotate(n=Count("incidents"))

    def get_fields(self, request, obj=None):
        fields = list(PoliceCaseForm.Meta.fields)
        return [*fields, "incidents"] if obj is None else [*fields, "incident_links"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = PoliceCaseForm.Meta.fields
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["incidents"].queryset = scope_queryset(
                TheftIncident.objects.filter(police_case__isnull=True), request.user
            ).select_related("pipeline")
        return form

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            obj.save()
            return
        data = form.cleaned_data
        created = police_case_create(
            actor=request.user,
            incidents=list(data.get("incidents") or []),
            **{f: data[f] for f in PoliceCaseForm.Meta.fields},
        )
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass

    @admin.display(description=_("incidents"), ordering="n")
    def incident_count(self, obj):
        return obj.n

    @admin.display(description=_("theft incidents covered"))
    def incident_links(self, obj):
        from django.utils.html import format_html_join

        user = _CASE_VIEWER.get()
        rows = scope_queryset(obj.incidents.all(), user).order_by("found_on") if obj and user else []
        return (
            format_html_join(", ", '<a href="{}">{}</a>', ((reverse(CHANGE, args=[i.pk]), i.code) for i in rows)) or "—"
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = _CASE_VIEWER.set(request.user)  # the incidents listed are those this user may see
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the viewer is known
            return response
        finally:
            _CASE_VIEWER.reset(token)


from security import admin_refinery  # noqa: E402, F401  (refinery points and their re-checks)
