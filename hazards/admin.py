from django.contrib import admin
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import MapAdmin, OverviewMapMixin, UploaderStampMixin
from hazards.choices import HazardLevel, HazardStatus
from hazards.models import Hazard, HazardPhoto, Rectification, RectificationEvidence
from hazards.services import hazard_report

STATUS_COLORS = {
    HazardStatus.REPORTED: "#7f8c8d",
    HazardStatus.ASSIGNED: "#2980b9",
    HazardStatus.RECTIFYING: "#e67e22",
    HazardStatus.SUBMITTED: "#8e44ad",
    HazardStatus.REJECTED: "#c0392b",
    HazardStatus.CLOSED: "#27ae60",
}


class HazardPhotoInline(admin.TabularInline):
    model = HazardPhoto
    fields = ("image", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_by", "uploaded_at")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class RectificationInline(admin.StackedInline):
    model = Rectification
    fields = (
        ("measures",),
        ("responsible_person", "responsible_phone"),
        ("progress_percent", "started_on", "planned_completion_on", "completed_on"),
        ("submitted_at", "outcome", "reviewed_by", "reviewed_at"),
        ("review_comment",),
    )
    readonly_fields = ("submitted_at", "outcome", "reviewed_by", "reviewed_at", "review_comment")
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewed_by", "hazard")


@admin.register(Hazard)
class HazardAdmin(UploaderStampMixin, OverviewMapMixin, MapAdmin):
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
        "is_overdue",
    )
    list_filter = (
        "status",
        "level",
        "category",
        "is_overdue",
        "source",
        "campaign",
        "company",
        ("pipeline", admin.RelatedOnlyFieldListFilter),
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
    autocomplete_fields = ("company", "pipeline", "campaign", "inspection", "clause")
    readonly_fields = ("code", "status", "is_overdue", "reported_by", "closed_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "status", "is_overdue", "level", "category", "source")}),
        (_("Where"), {"fields": ("company", "pipeline", "location", "chainage_m", "place")}),
        (_("Finding"), {"fields": ("campaign", "inspection", "clause", "description", "found_on", "deadline")}),
        (_("Record"), {"fields": ("reported_by", "closed_at", "created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = [HazardPhotoInline, RectificationInline]

    gis_widget_kwargs = {
        "attrs": {
            "reference_url": reverse_lazy("admin:pipelines_pipeline_routes"),
            "reference_help": _("Blue lines are the pipelines. Click on the map to place the hazard."),
        }
    }
    overview_geometry_field = "location"
    overview_fields = ("code", "status", "level", "category")

    def get_object(self, request, object_id, from_field=None):
        # The change form's clean() reads pipeline and inspection; load them with the hazard.
        queryset = self.get_queryset(request).select_related("pipeline", "inspection", "clause__norm")
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (model.DoesNotExist, ValueError, TypeError):
            return None

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            hazard_report(hazard=obj, reported_by=request.user)

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


class RectificationEvidenceInline(admin.TabularInline):
    model = RectificationEvidence
    fields = ("file", "description", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_by", "uploaded_at")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


@admin.register(Rectification)
class RectificationAdmin(UploaderStampMixin, admin.ModelAdmin):
    list_display = ("hazard", "responsible_person", "progress_percent", "started_on", "completed_on", "outcome")
    list_filter = ("outcome",)
    list_select_related = ("hazard",)
    search_fields = ("hazard__code", "measures", "responsible_person")
    autocomplete_fields = ("hazard",)
    readonly_fields = ("submitted_at", "outcome", "reviewed_by", "reviewed_at", "review_comment")
    inlines = [RectificationEvidenceInline]
