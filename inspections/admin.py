from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.scoping import is_regulator
from common.admin import CompanyScopedMixin, MapAdmin, RegulatorOnlyFieldsMixin
from hazards.admin_inlines import HazardReadOnlyInline
from hazards.choices import OPEN_STATUSES
from inspections.models import ChecklistResult, InspectionCampaign, InspectionRecord


@admin.register(InspectionCampaign)
class InspectionCampaignAdmin(CompanyScopedMixin, RegulatorOnlyFieldsMixin, admin.ModelAdmin):
    ordering = ("-start_date", "name")
    regulator_only_fields = ("companies", "pipelines")
    list_display = (
        "name",
        "kind",
        "start_date",
        "end_date",
        "lead_inspector",
        "status",
        "company_count",
        "hazard_count",
        "open_hazard_count",
    )
    list_filter = ("kind", "status")
    list_select_related = ("lead_inspector",)
    search_fields = ("name", "description")
    date_hierarchy = "start_date"
    autocomplete_fields = ("companies", "pipelines", "lead_inspector")
    fieldsets = (
        (None, {"fields": ("name", "kind", "status", "lead_inspector")}),
        (_("Period"), {"fields": ("start_date", "end_date")}),
        (_("Scope"), {"fields": ("companies", "pipelines", "description")}),
    )
    inlines = [HazardReadOnlyInline]

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if is_regulator(request.user):
            return columns
        # Counts over the whole campaign would show other companies' figures.
        return [c for c in columns if c not in ("company_count", "hazard_count", "open_hazard_count")]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                company_total=Count("companies", distinct=True),
                hazard_total=Count("hazards", distinct=True),
                open_hazard_total=Count("hazards", filter=Q(hazards__status__in=OPEN_STATUSES), distinct=True),
            )
        )

    @admin.display(description=_("companies"), ordering="company_total")
    def company_count(self, obj):
        return obj.company_total

    @admin.display(description=_("hazards"), ordering="hazard_total")
    def hazard_count(self, obj):
        return obj.hazard_total

    @admin.display(description=_("open hazards"), ordering="open_hazard_total")
    def open_hazard_count(self, obj):
        return obj.open_hazard_total


class ChecklistResultInline(CompanyScopedMixin, admin.TabularInline):
    model = ChecklistResult
    fields = ("clause", "result", "note")
    autocomplete_fields = ("clause",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("clause__norm")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "clause":
            # Each row's autocomplete shows its clause as "<norm> <number> …": one query per row, not two.
            field.queryset = field.queryset.select_related("norm")
        return field


@admin.register(InspectionRecord)
class InspectionRecordAdmin(CompanyScopedMixin, MapAdmin):
    ordering = ("-inspected_on", "-id")
    list_display = ("inspected_on", "campaign", "company", "pipeline", "inspector", "failed_count")
    list_filter = ("campaign", "company")
    list_select_related = ("campaign", "company", "pipeline", "inspector")
    search_fields = ("summary", "company__name", "pipeline__code", "campaign__name")
    date_hierarchy = "inspected_on"
    autocomplete_fields = ("campaign", "company", "pipeline", "inspector")
    inlines = [ChecklistResultInline]
    gis_widget_kwargs = {
        "attrs": {
            "reference_url": reverse_lazy("admin:pipelines_pipeline_routes"),
            "reference_help": _("Blue lines are the pipelines. Click on the map to mark the inspected place."),
        }
    }

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(failed_total=Count("results", filter=Q(results__result="fail")))

    @admin.display(description=_("failed clauses"), ordering="failed_total")
    def failed_count(self, obj):
        return obj.failed_total
