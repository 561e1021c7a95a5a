from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from common.changelist import NamedFilterErrorsMixin
from common.errors import ConcurrentChange, DomainError
from hazards import services
from hazards.admin_filters import ClosureFilter
from hazards.admin_inlines import overdue_badge
from hazards.admin_location import HazardLocationAdminMixin, HazardLocationForm
from hazards.admin_views import HazardAdminViewsMixin, available_actions, can_add_evidence, can_add_photo
from hazards.choices import HazardLevel, HazardStatus
from hazards.field_changes import hazard_history_context
from hazards.models import (
    DeadlinePolicy,
    Hazard,
    HazardPhoto,
    HazardTransition,
    Rectification,
)

STATUS_COLORS = {
    HazardStatus.REPORTED: "#7f8c8d",
    HazardStatus.ASSIGNED: "#2980b9",
    HazardStatus.RECTIFYING: "#e67e22",
    HazardStatus.SUBMITTED: "#8e44ad",
    HazardStatus.REJECTED: "#c0392b",
    HazardStatus.CLOSED: "#27ae60",
}


class HazardPhotoInline(CompanyScopedMixin, admin.TabularInline):
    """Photos are added with the “Add a photo” button (checked uploads); listed here."""

    model = HazardPhoto
    fields = ("download", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def download(self, obj):
        url = reverse("admin:hazards_photo_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))


def evidence_links(rectification):
    items = getattr(rectification, "evidence_list", None)
    if items is None:
        items = rectification.evidence.all()
    if not items:
        return "—"
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((reverse("admin:hazards_evidence_download", args=[e.pk]), e.original_name or e.description) for e in items),
    )


class RectificationInline(CompanyScopedMixin, admin.StackedInline):
    """Rectification rounds, written by the workflow buttons; read-only here, headed 第1轮整改, 第2轮整改 …"""

    model = Rectification
    template = "admin/hazards/hazard/rectification_inline.html"
    fields = (
        ("measures",),
        ("responsible_person", "responsible_phone"),
        ("progress_percent", "started_on", "planned_completion_on", "completed_on"),
        ("progress_note",),
        ("submitted_at", "outcome", "reviewed_by", "reviewed_at"),
        ("review_comment",),
        ("evidence_files",),
    )
    readonly_fields = [name for row in fields for name in row]
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("reviewed_by", "hazard")
            .prefetch_related(Prefetch("evidence", to_attr="evidence_list"))
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("evidence"))
    def evidence_files(self, obj):
        return evidence_links(obj)


class HazardAdminForm(HazardLocationForm, forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Hazard
        fields = sorted(services.FINDING_FIELDS | {"company"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("expected_version")
        if self.instance.pk and seen is not None:
            current = Hazard.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != seen:
                raise ValidationError(ConcurrentChange.default_message, code="concurrent_change")
        return cleaned


@admin.register(Hazard)
class HazardAdmin(
    HazardLocationAdminMixin,
    HazardAdminViewsMixin,
    NamedFilterErrorsMixin,
    CompanyScopedMixin,
    OverviewMapMixin,
    MapAdmin,
):
    form = HazardAdminForm
    change_form_template = "admin/hazards/hazard/change_form.html"
    change_list_template = "admin/hazards/hazard/change_list.html"
    object_history_template = "admin/hazards/hazard/object_history.html"
    list_display = (
        "code",
        "category",
        "level_badge",
        "status_badge",
        "company_short_name",
        "pipeline_code",
        "campaign",
        "found_on",
        "deadline",
        "overdue_badge",
    )
    list_filter = (
        ClosureFilter,
        "status",
        "level",
        "category",
        "is_overdue",
        "source",
        "campaign",
        "company",
        "pipeline",
    )
    list_select_related = ("company", "pipeline", "campaign")
    search_fields = (
        "code",
        "description",
        "place",
        "company__name",
        "company__short_name",
        "pipeline__code",
        "pipeline__name",
    )
    date_hierarchy = "found_on"
    autocomplete_fields = ("company", "campaign", "inspection", "clause")
    readonly_fields = (
        "code",
        "status",
        "deadline",
        "overdue_badge",
        "reported_by",
        "closed_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("code", "status", "deadline", "overdue_badge", "level", "category", "source")}),
        (_("Where"), {"fields": ("company", "pipeline", "location", "coordinates", "chainage_m", "place")}),
        (_("Finding"), {"fields": ("campaign", "inspection", "clause", "description", "found_on")}),
        (
            _("Record"),
            {
                "fields": ("reported_by", "closed_at", "created_at", "updated_at", "expected_version"),
                "classes": ("collapse",),
            },
        ),
    )
    inlines = [HazardPhotoInline, RectificationInline]
    actions = ["assign_with_default_deadlines", "accept_submitted"]
    overview_geometry_field = "location"
    overview_fields = ("code", "status", "level", "category")
    list_per_page = 50  # eleven columns: 100 rows made the page over 100 KB; the map still shows every match

    def get_object(self, request, object_id, from_field=None):
        # The change form's clean() reads pipeline and inspection; load them with the hazard.
        queryset = self.get_queryset(request).select_related("pipeline", "inspection", "clause__norm", "company")
        try:
            return queryset.get(pk=Hazard._meta.pk.to_python(object_id))
        except (Hazard.DoesNotExist, ValidationError, ValueError, TypeError):
            return None

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        # View-only pages and the add page need no version guard.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "expected_version"]})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        # A closed (销号) hazard is a record: its page is read-only, with no save buttons.
        # Reopening it (a workflow button) makes it editable again.
        if obj is not None and obj.status == HazardStatus.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != HazardStatus.REPORTED:
            fields.append("company")  # assigned hazards are not reassigned to another company
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            services.hazard_report(hazard=obj, actor=request.user)
            return
        # Model fields only: the version guard and the typed coordinates are not findings.
        model_fields = {field.name for field in Hazard._meta.fields}
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in model_fields}
        if changes:
            services.hazard_update_findings(
                hazard=obj, actor=request.user, changes=changes, expected_version=form.cleaned_data["expected_version"]
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        hazard = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if hazard is not None:
            extra_context.update(
                workflow_actions=available_actions(hazard, request.user),
                can_add_evidence=can_add_evidence(hazard, request.user),
                can_add_photo=can_add_photo(hazard, request.user),
                **hazard_history_context(hazard),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": request.user.has_perm("hazards.export_hazard_ledger"),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The history button shows the hazard's own history, not Django's admin log."""
        hazard = self.get_object(request, object_id)
        if hazard is not None:
            extra_context = {**(extra_context or {}), **hazard_history_context(hazard)}
        return super().history_view(request, object_id, extra_context)

    @admin.action(description=_("Assign the selected hazards with the default deadlines"), permissions=["assign"])
    def assign_with_default_deadlines(self, request, queryset):
        self._bulk(request, queryset, lambda h: services.hazard_assign(hazard=h, actor=request.user))

    @admin.action(description=_("Accept and close the selected submitted hazards"), permissions=["review"])
    def accept_submitted(self, request, queryset):
        self._bulk(request, queryset, lambda h: services.hazard_accept(hazard=h, actor=request.user))

    def has_assign_permission(self, request):
        return request.user.has_perm("hazards.assign_hazard")

    def has_review_permission(self, request):
        return request.user.has_perm("hazards.review_hazard")

    def _bulk(self, request, queryset, run):
        done, refused = 0, []
        for hazard in queryset.order_by("code"):
            try:
                run(hazard)
            except DomainError as exc:
                refused.append(f"{hazard.code}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(count)d hazard(s) done.") % {"count": done})
        for line in refused:
            messages.warning(request, line)

    @admin.display(description=_("overdue"), ordering="is_overdue")
    def overdue_badge(self, obj):
        return overdue_badge(obj)

    @admin.display(description=_("level"), ordering="level")
    def level_badge(self, obj):
        if obj.level == HazardLevel.MAJOR:
            return format_html('<strong style="color:#c0392b">{}</strong>', obj.get_level_display())
        return obj.get_level_display()

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span style="color:{}">●</span> {}', STATUS_COLORS.get(obj.status, "#333"), obj.get_status_display()
        )

    @admin.display(description=_("company"), ordering="company__short_name")
    def company_short_name(self, obj):
        return obj.company.short_name

    @admin.display(description=_("pipeline"), ordering="pipeline__code")
    def pipeline_code(self, obj):
        return obj.pipeline.code if obj.pipeline else "—"

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['code']} {HazardStatus(row['status']).label}",
            "url": reverse("admin:hazards_hazard_change", args=[row["pk"]]),
            "color": STATUS_COLORS.get(row["status"], "#333"),
        }

    def overview_legend(self):
        return [(label, STATUS_COLORS[value]) for value, label in HazardStatus.choices]


@admin.register(Rectification)
class RectificationAdmin(CompanyScopedMixin, admin.ModelAdmin):
    """Rounds are started and updated from the hazard page; this list is for looking them up."""

    list_display = ("hazard", "responsible_person", "progress_percent", "started_on", "completed_on", "outcome")
    list_filter = ("outcome",)
    list_select_related = ("hazard",)
    search_fields = ("hazard__code", "measures", "responsible_person")
    readonly_fields = (
        "hazard_link",
        "measures",
        "responsible_person",
        "responsible_phone",
        "progress_percent",
        "progress_note",
        "started_on",
        "planned_completion_on",
        "completed_on",
        "submitted_at",
        "outcome",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "evidence_files",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("evidence", to_attr="evidence_list"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("hazard"))
    def hazard_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:hazards_hazard_change", args=[obj.hazard_id]), obj.hazard
        )

    @admin.display(description=_("evidence"))
    def evidence_files(self, obj):
        return evidence_links(obj)


@admin.register(HazardTransition)
class HazardTransitionAdmin(CompanyScopedMixin, admin.ModelAdmin):
    """The append-only history of every hazard, for looking across hazards."""

    list_display = ("created_at", "hazard", "action", "from_status", "to_status", "actor", "comment")
    list_filter = ("action", "to_status")
    list_select_related = ("hazard", "actor")
    search_fields = ("hazard__code", "comment", "actor__username")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("level", "category", "days")
    list_editable = ("days",)
    list_filter = ("level",)
