from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin
from companies.models import OperatingCompany
from hazards.choices import OPEN_STATUSES
from pipelines.models import Pipeline


class PipelineReadOnlyInline(CompanyScopedMixin, admin.TabularInline):
    model = Pipeline
    fields = ("code", "name", "medium", "outer_diameter_mm", "maop_mpa", "status")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OperatingCompany)
class OperatingCompanyAdmin(CompanyScopedMixin, admin.ModelAdmin):
    ordering = ("name",)
    list_display = (
        "name",
        "short_name",
        "credit_code",
        "contact_person",
        "contact_phone",
        "pipeline_count",
        "open_hazard_count",
    )
    search_fields = ("name", "short_name", "credit_code", "contact_person")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "short_name", "credit_code")}),
        (_("Contact"), {"fields": ("contact_person", "contact_phone", "address")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = [PipelineReadOnlyInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pipeline_total=Count("pipelines", distinct=True),
                open_hazard_total=Count("hazards", filter=Q(hazards__status__in=OPEN_STATUSES), distinct=True),
            )
        )

    @admin.display(description=_("pipelines"), ordering="pipeline_total")
    def pipeline_count(self, obj):
        return obj.pipeline_total

    @admin.display(description=_("open hazards"), ordering="open_hazard_total")
    def open_hazard_count(self, obj):
        return obj.open_hazard_total
