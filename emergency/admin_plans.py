"""Emergency plans and drills in the admin, company-scoped: a plan's PDF
served only through an access-checked link, the overdue flags as badges and
a list filter, and on a drill's page the simulated incident (a point picked
on the map) and the findings that become hazards. Views call services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.gis import forms as gis_forms
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.admin import CompanyScopedMixin
from common.errors import DomainError
from common.widgets import OfflineMapWidget
from emergency.choices import IncidentKind, IncidentLevel
from emergency.models import Drill, EmergencyPlan, PreparednessFlag
from emergency.plan_services import drill_findings_record, drill_incident_run, drill_save, plan_save
from hazards.choices import HazardCategory, HazardLevel
from hazards.uploads import validate_upload


def _badges(flags) -> str:
    if not flags:
        return "—"
    return format_html_join(
        " ",
        '<span class="preparedness-flag" style="color:#c0392b;font-weight:bold" title="{}">{} ({})</span>',
        ((f.get_kind_display(), f.get_kind_display(), f.due_on.isoformat()) for f in flags),
    )


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("overdue")), ("no", _("in order")))

    def queryset(self, request, queryset):
        # A plan: its own flags (review, filing). A drill: its company's drill flags (no plan).
        if queryset.model is EmergencyPlan:
            outer = {"plan": OuterRef("pk")}
        else:
            outer = {"company": OuterRef("company"), "plan__isnull": True}
        flags = PreparednessFlag.objects.filter(cleared_at__isnull=True, **outer)
        if self.value() == "yes":
            return queryset.filter(Exists(flags))
        if self.value() == "no":
            return queryset.exclude(Exists(flags))
        return queryset


class PlanForm(forms.ModelForm):
    class Meta:
        model = EmergencyPlan
        fields = ("company", "kind", "title", "effective_on", "filed_on", "filed_with", "last_reviewed_on", "document")
        widgets = {"document": forms.FileInput(attrs={"accept": "application/pdf"})}

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if isinstance(document, UploadedFile):
            try:
                validate_upload(document, allowed=frozenset({"application/pdf"}))
            except DomainError as exc:
                raise ValidationError(str(exc.message)) from exc
        return document


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(CompanyScopedMixin, admin.ModelAdmin):
    form = PlanForm
    list_display = ("title", "company", "kind", "effective_on", "filed_on", "next_review", "flags")
    list_filter = (OverdueFilter, "kind", "company")
    list_select_related = ("company",)
    search_fields = ("title", "company__name", "filed_with")
    readonly_fields = ("document_link", "next_review", "flags", "updated_at")

    def get_fields(self, request, obj=None):
        fields = ["company", "kind", "title", "effective_on", ("filed_on", "filed_with"), "last_reviewed_on"]
        if obj is not None:
            fields += ["next_review", "flags", "document_link"]
        return [*fields, "document"]

    @admin.display(description=_("next review due"))
    def next_review(self, obj):
        return obj.next_review_on.isoformat() if obj and obj.effective_on else "—"

    def get_queryset(self, request):
        open_flags = Prefetch(
            "flags", queryset=PreparednessFlag.objects.filter(cleared_at__isnull=True), to_attr="open_flags"
        )
        return super().get_queryset(request).prefetch_related(open_flags)  # one query for the page's flags

    @admin.display(description=_("overdue flags"))
    def flags(self, obj):
        flags = obj.open_flags if hasattr(obj, "open_flags") else obj.flags.filter(cleared_at__isnull=True)
        return _badges(list(flags))

    @admin.display(description=_("document"))
    def document_link(self, obj):
        if not obj.document:
            return "—"
        url = reverse("admin:emergency_emergencyplan_document", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.document_name or _("download"))

    def save_model(self, request, obj, form, change):
        document = form.cleaned_data.get("document") if "document" in form.changed_data else None
        if document is not None:
            obj.document = form.initial.get("document") or ""
        plan_save(plan=obj, actor=request.user, document=document)

    def get_urls(self):
        view = self.admin_site.admin_view(self.document_view)
        return [path("<int:pk>/document/", view, name="emergency_emergencyplan_document"), *super().get_urls()]

    def document_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied  # before any lookup: a refusal tells nothing about which plans exist
        plan = self.get_queryset(request).filter(pk=pk).first()
        if plan is None or not plan.document or not self.has_view_permission(request, plan):
            raise Http404(_("No such file."))
        try:
            handle = plan.document.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file is missing from storage.")) from exc
        response = FileResponse(
            handle, as_attachment=True, filename=plan.document_name or "plan.pdf", content_type="application/pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class SimulateForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=IncidentKind.choices)
    level = forms.ChoiceField(
        label=pgettext_lazy("incident", "level"), choices=IncidentLevel.choices, initial=IncidentLevel.IV
    )
    location = gis_forms.PointField(
        label=_("location"),
        srid=4326,
        widget=OfflineMapWidget(
            attrs={
                "reference_url": reverse_lazy("admin:pipelines_pipeline_routes"),
                "reference_help": _("Blue lines are the pipelines. Click on the map to place the point."),
            }
        ),
    )


class FindingForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=HazardCategory.choices, initial=HazardCategory.MANAGEMENT)
    level = forms.ChoiceField(label=_("level"), choices=HazardLevel.choices, initial=HazardLevel.GENERAL)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 2}))
    longitude = forms.FloatField(label=_("longitude"), required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(label=_("latitude"), required=False, min_value=-90, max_value=90)

    def has_changed(self):
        # A row is a finding when something was written in it (the lists always hold a value).
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip() for name in ("description", "longitude", "latitude")
        )

    def clean(self):
        data = super().clean()
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            raise ValidationError(_("Give both longitude and latitude, or neither (the incident's point)."))
        return data

    def finding(self) -> dict:
        d = self.cleaned_data
        location = Point(d["longitude"], d["latitude"], srid=4326) if d.get("longitude") is not None else None
        return {"category": d["category"], "level": d["level"], "description": d["description"], "location": location}


FindingFormSet = forms.formset_factory(FindingForm, extra=3, min_num=1, validate_min=True)


@admin.register(Drill)
class DrillAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_display = ("held_on", "kind", "company", "plan", "incident", "finding_count", "company_flags")
    list_filter = (OverdueFilter, "kind", "company")
    list_select_related = ("company", "plan", "incident")
    search_fields = ("scenario", "participants", "company__name")
    date_hierarchy = "held_on"
    change_form_template = "admin/emergency/drill/change_form.html"
    fields = ("company", "kind", "held_on", "plan", "scenario", "participants", "participant_count")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("company__preparedness_flags")
            .annotate(finding_total=Count("hazards", distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        return ("incident_link", "hazard_links") if obj is not None else ()

    def get_fields(self, request, obj=None):
        return [*self.fields, "incident_link", "hazard_links"] if obj is not None else self.fields

    @admin.display(description=_("findings"))
    def finding_count(self, obj):
        return obj.finding_total if hasattr(obj, "finding_total") else obj.hazards.count()

    @admin.display(description=_("company's overdue flags"))
    def company_flags(self, obj):
        return _badges([f for f in obj.company.preparedness_flags.all() if f.cleared_at is None and not f.plan_id])

    @admin.display(description=_("simulated incident"))
    def incident_link(self, obj):
        if not obj.incident_id:
            return "—"
        url = reverse("admin:emergency_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}" id="drill-incident">{}</a>', url, obj.incident.code)

    @admin.display(description=_("findings (hazards)"))
    def hazard_links(self, obj):
        hazards = list(obj.hazards.order_by("code"))
        if not hazards:
            return "—"
        return format_html_join(
            ", ",
            '<a class="drill-hazard" href="{}">{}</a>',
            ((reverse("admin:hazards_hazard_change", args=[h.pk]), str(h)) for h in hazards),
        )

    def save_model(self, request, obj, form, change):
        drill_save(drill=obj, actor=request.user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/simulate/", wrap(self.simulate_view), name="emergency_drill_simulate"),
            path("<path:object_id>/findings/", wrap(self.findings_view), name="emergency_drill_findings"),
            *super().get_urls(),
        ]

    def _drill(self, request, object_id) -> Drill:
        if not self.has_change_permission(request):
            raise PermissionDenied  # before any lookup
        drill = self.get_object(request, unquote(object_id)) if str(object_id).isdigit() else None
        if drill is None:
            raise Http404
        if not self.has_change_permission(request, drill):
            raise PermissionDenied
        return drill

    def _page(self, request, drill, form, title, template):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "original": drill,
            "drill": drill,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, template, context)

    def _back(self, drill):
        return HttpResponseRedirect(reverse("admin:emergency_drill_change", args=[drill.pk]))

    def simulate_view(self, request, object_id):
        drill = self._drill(request, object_id)
        form = SimulateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                incident = drill_incident_run(
                    drill=drill, location=form.cleaned_data["location"], kind=form.cleaned_data["kind"],
                    level=form.cleaned_data["level"], actor=request.user,
                )  # fmt: skip
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            except Exception as exc:  # EmergencyError from the trace: shown, nothing written
                from emergency.services import EmergencyError

                if not isinstance(exc, EmergencyError):
                    raise
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The drill runs on simulated incident %(code)s.") % {"code": incident.code})
                return HttpResponseRedirect(reverse("admin:emergency_incident_change", args=[incident.pk]))
        return self._page(
            request, drill, form, _("Run the drill on a simulated incident"), "admin/emergency/drill/simulate.html"
        )

    def findings_view(self, request, object_id):
        drill = self._drill(request, object_id)
        formset = FindingFormSet(request.POST or None, prefix="finding")
        if request.method == "POST" and formset.is_valid():
            findings = [f.finding() for f in formset.forms if f.has_changed() and f.cleaned_data]
            try:
                hazards = drill_findings_record(drill=drill, findings=findings, actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                codes = ", ".join(h.code for h in hazards)
                messages.success(request, _("Findings recorded as hazards: %(codes)s.") % {"codes": codes})
                return self._back(drill)
        return self._page(
            request, drill, formset, _("Record the drill's findings"), "admin/emergency/drill/findings.html"
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        drill = self.get_object(request, unquote(object_id)) if str(object_id).isdigit() else None
        extra["can_act"] = drill is not None and self.has_change_permission(request, drill)
        return super().change_view(request, object_id, form_url, extra)


@admin.register(PreparednessFlag)
class PreparednessFlagAdmin(CompanyScopedMixin, admin.ModelAdmin):
    """Written by the nightly run (emergency/tasks.py); read-only here."""

    list_display = ("company", "kind", "plan", "due_on", "raised_at", "cleared_at")
    list_filter = (("cleared_at", admin.EmptyFieldListFilter), "kind", "company")
    list_select_related = ("company", "plan")
    date_hierarchy = "due_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
