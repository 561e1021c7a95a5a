"""Valves (on the map) and incidents: report one on the map, see the valves to
close in order and the isolated stretches, report a valve that would not
close (the next ring is computed), and move the time line on."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import scope_queryset
from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from common.widgets import OL_CSS, OL_JS, OfflineMapWidget
from emergency import maps
from emergency.choices import STEP_ORDER, IncidentSource, IncidentStepKind, ValveKind
from emergency.models import CountyContact, Incident, IncidentStep, Valve
from emergency.services import (
    EmergencyError,
    incident_hazard_link,
    incident_report,
    incident_step_record,
    incident_time_check,
    incident_valve_failed,
    valve_place,
    valve_save,
)
from emergency.spacing import finding_text, spacing_audit, spacing_workbook
from hazards.models import Hazard

VALVE_COLORS = {
    ValveKind.REMOTE: "#2ca02c",
    ValveKind.AUTOMATIC: "#17becf",
    ValveKind.MANUAL: "#1f5fa8",
    ValveKind.CHECK: "#9467bd",
}
PIPELINES_URL = "admin:pipelines_pipeline_routes"


def _reference(attrs=None):
    return OfflineMapWidget(
        attrs={
            "reference_url": reverse(PIPELINES_URL),
            "reference_help": _("Blue lines are the pipelines. Click on the map to place the point."),
            **(attrs or {}),
        }
    )


class ValveForm(forms.ModelForm):
    class Meta:
        model = Valve
        fields = ("code", "name", "pipeline", "kind", "operable", "location")

    def clean(self):
        data = super().clean()
        if data.get("pipeline") and data.get("location"):
            try:
                valve_place(pipeline=data["pipeline"], location=data["location"])
            except ValidationError as exc:
                self.add_error("location", exc)
        return data


@admin.register(Valve)
class ValveAdmin(CompanyScopedMixin, OverviewMapMixin, MapAdmin):
    form = ValveForm
    list_display = ("code", "name", "pipeline", "kind", "operable", "chainage_display")
    list_filter = ("kind", "operable", "pipeline__company")
    list_select_related = ("pipeline",)
    search_fields = ("code", "name", "pipeline__code", "pipeline__name")
    readonly_fields = ("chainage_m", "offset_m", "updated_at")
    fields = ("code", "name", "pipeline", "kind", "operable", "location", "chainage_m", "offset_m", "updated_at")
    overview_geometry_field = "location"
    overview_fields = ("code", "kind", "operable", "chainage_m")
    overview_map_limit = 2000

    change_list_template = "admin/emergency/valve/change_list.html"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "location":
            kwargs["widget"] = _reference()
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        valve_save(valve=obj)

    def get_urls(self):
        return [
            path("spacing/", self.admin_site.admin_view(self.spacing_view), name="emergency_valve_spacing"),
            path(
                "spacing.xlsx",
                self.admin_site.admin_view(self.spacing_export_view),
                name="emergency_valve_spacing_xlsx",
            ),
            *super().get_urls(),
        ]

    def _findings(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        findings = spacing_audit()
        visible = set(self.get_queryset(request).values_list("pipeline__code", flat=True).distinct())
        return [f for f in findings if f.pipeline_code in visible]

    def spacing_view(self, request):
        findings = self._findings(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Valve spacing audit"),
            "opts": self.model._meta,
            "findings": [(f, finding_text(f)) for f in findings],
            "spacing_geojson": maps.spacing_geojson(findings),
            "map_media": {"js": OL_JS, "css": OL_CSS},
            "legend": maps.SPACING_LEGEND,
        }
        return TemplateResponse(request, "admin/emergency/valve/spacing.html", context)

    def spacing_export_view(self, request):
        findings = self._findings(request)
        response = HttpResponse(
            spacing_workbook(findings),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"valve-spacing-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.display(description=_("chainage (m)"), ordering="chainage_m")
    def chainage_display(self, obj):
        return f"{obj.chainage_m:.1f}"

    def overview_feature_properties(self, row):
        label = f"{row['code']} · {ValveKind(row['kind']).label}"
        if not row["operable"]:
            label += " · " + str(_("cannot be closed"))
        return {
            "label": label,
            "url": reverse("admin:emergency_valve_change", args=[row["pk"]]),
            "color": VALVE_COLORS[row["kind"]] if row["operable"] else "#7f7f7f",
        }

    def overview_legend(self):
        return [*[(ValveKind(k).label, c) for k, c in VALVE_COLORS.items()], (_("cannot be closed"), "#7f7f7f")]


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ("kind", "level", "source", "occurred_at", "location", "reporter", "description")

    def clean_occurred_at(self):
        occurred = self.cleaned_data["occurred_at"]
        try:
            incident_time_check(occurred)  # the service's rule, shown under the field
        except EmergencyError as exc:
            raise ValidationError(str(exc)) from exc
        return occurred


class StepForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, IncidentStepKind(k).label) for k in STEP_ORDER[1:]])
    comment = forms.CharField(required=False, max_length=1000)


class FailedValveForm(forms.Form):
    valve = forms.CharField(max_length=40)
    comment = forms.CharField(required=False, max_length=1000)


class OpenFilter(admin.SimpleListFilter):
    title = _("in progress")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("in progress")), ("0", pgettext_lazy("incident step", "closed"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.exclude(status=IncidentStepKind.CLOSED)
        if self.value() == "0":
            return queryset.filter(status=IncidentStepKind.CLOSED)
        return queryset


class _NotAllowed(Exception):
    """Raised for a GET on a POST-only action, after the permission check."""


class LinkHazardForm(forms.Form):
    hazard = forms.CharField(max_length=30)


class StepInline(admin.TabularInline):
    model = IncidentStep
    fields = ("at", "kind", "actor", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("time line")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The actor's name and the step's incident (its change link) without a query per step.
        return super().get_queryset(request).select_related("actor", "incident")


@admin.register(Incident)
class IncidentAdmin(CompanyScopedMixin, MapAdmin):
    form = IncidentForm
    change_form_template = "admin/emergency/incident/change_form.html"
    list_display = ("code", "occurred_at", "kind", "level", "status", "pipeline", "company", "is_drill")
    list_filter = (OpenFilter, "status", "kind", "level", "source", "is_drill", "company")
    list_select_related = ("pipeline", "company")
    search_fields = ("code", "description", "pipeline__code", "reporter")
    date_hierarchy = "occurred_at"
    inlines = (StepInline,)

    def get_queryset(self, request):
        # Open incidents first, then the newest.
        closed = Case(When(status=IncidentStepKind.CLOSED, then=Value(1)), default=Value(0))
        return super().get_queryset(request).annotate(closed=closed).order_by("closed", "-occurred_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return IncidentForm.Meta.fields
        return (
            "code",
            ("kind", "level", "source"),
            ("occurred_at", "status"),
            ("pipeline", "chainage_m", "company"),
            "reporter",
            "description",
            "is_drill",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("code", "kind", "level", "source", "occurred_at", "status", "pipeline", "chainage_m", "company")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_changeform_initial_data(self, request):
        return {
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "source": IncidentSource.INSPECTOR,
        }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "location":
            kwargs["widget"] = _reference()
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # The record is kept as reported; the time line moves through the buttons.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = incident_report(
            kind=data["kind"],
            level=data["level"],
            source=data["source"],
            location=data["location"],
            occurred_at=data["occurred_at"],
            description=data.get("description", ""),
            reporter=data.get("reporter", ""),
            actor=request.user,
        )
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # nothing else is written from the form

    def response_add(self, request, obj, post_url_continue=None):
        # The duty officer needs the answer at once: open the new incident's page.
        messages.success(request, _("Incident %(code)s recorded.") % {"code": obj.code})
        return HttpResponseRedirect(reverse("admin:emergency_incident_change", args=[obj.pk]))

    def get_urls(self):
        return [
            path("<path:object_id>/step/", self.admin_site.admin_view(self.step_view), name="emergency_incident_step"),
            path(
                "<path:object_id>/link-hazard/",
                self.admin_site.admin_view(self.link_hazard_view),
                name="emergency_incident_link_hazard",
            ),
            path(
                "<path:object_id>/failed-valve/",
                self.admin_site.admin_view(self.failed_valve_view),
                name="emergency_incident_failed_valve",
            ),
            *super().get_urls(),
        ]

    def _incident_for_action(self, request, object_id) -> Incident:
        if not request.user.has_perm("emergency.add_incident"):
            raise PermissionDenied  # before anything else: a refusal tells nothing about which incidents exist
        if request.method != "POST":
            raise _NotAllowed
        try:
            incident = self.get_queryset(request).filter(pk=int(unquote(object_id))).first()
        except ValueError:
            incident = None
        if incident is None:
            raise Http404
        return incident

    def step_view(self, request, object_id):
        try:
            incident = self._incident_for_action(request, object_id)
        except _NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = StepForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a step of the time line."))
        else:
            try:
                incident_step_record(
                    incident=incident, kind=form.cleaned_data["kind"], actor=request.user,
                    comment=form.cleaned_data["comment"],
                )  # fmt: skip
                messages.success(
                    request, _("Recorded: %(step)s.") % {"step": IncidentStepKind(form.cleaned_data["kind"]).label}
                )
            except EmergencyError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:emergency_incident_change", args=[incident.pk]))

    def failed_valve_view(self, request, object_id):
        try:
            incident = self._incident_for_action(request, object_id)
        except _NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = FailedValveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Name the valve that could not be closed."))
        else:
            code = form.cleaned_data["valve"]
            try:
                incident_valve_failed(
                    incident=incident, valve_code=code, actor=request.user, comment=form.cleaned_data["comment"]
                )
                messages.warning(
                    request,
                    _("Valve %(code)s could not be closed: the next valves to close are shown.") % {"code": code},
                )
            except EmergencyError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:emergency_incident_change", args=[incident.pk]))

    def link_hazard_view(self, request, object_id):
        try:
            incident = self._incident_for_action(request, object_id)
        except _NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = LinkHazardForm(request.POST)
        code = form.cleaned_data["hazard"].strip() if form.is_valid() else ""
        hazard = scope_queryset(Hazard.objects.all(), request.user).filter(code=code).first() if code else None
        if hazard is None:
            messages.error(request, _("No hazard numbered “%(code)s” that you may see.") % {"code": code})
        else:
            try:
                incident_hazard_link(incident=incident, hazard=hazard, actor=request.user)
                messages.success(request, _("Hazard %(code)s linked.") % {"code": hazard.code})
            except EmergencyError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:emergency_incident_change", args=[incident.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        incident = self.get_object(request, unquote(object_id)) if object_id.isdigit() else None
        if incident is not None:
            done = set(incident.steps.values_list("kind", flat=True))
            position = STEP_ORDER.index(incident.status)
            trace = incident.trace
            kinds = dict(ValveKind.choices)
            for valve in [*trace.get("valves_to_close", []), *trace.get("passed", [])]:
                valve["kind_label"] = kinds.get(valve["kind"], valve["kind"])
            extra.update(
                incident=incident,
                trace=trace,
                trace_geojson=maps.trace_geojson(incident.trace, incident.location),
                legend=maps.LEGEND,
                map_media={"js": OL_JS, "css": OL_CSS},
                next_steps=[(k, IncidentStepKind(k).label) for k in STEP_ORDER[position + 1 :] if k not in done],
                can_act=request.user.has_perm("emergency.add_incident") and incident.is_open,
                can_fail_valves=incident.status == IncidentStepKind.REPORTED,
                linked_hazards=list(scope_queryset(incident.hazards.all(), request.user).order_by("code")),
            )
        return super().change_view(request, object_id, form_url, extra)


from emergency import admin_plans  # noqa: E402, F401  (plans, drills and their flags)


@admin.register(CountyContact)
class CountyContactAdmin(MapAdmin):
    """Reference data of the office (not scoped to a company): whom to call in each county."""

    list_display = ("county", "name", "role", "phone")
    search_fields = ("county", "name", "role")
