"""Read-only hazard lists shown under other records (pipelines, campaigns)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin
from hazards.models import Hazard


def overdue_badge(hazard):
    """A red 逾期 badge for an overdue hazard, a grey dash otherwise (Django's boolean icons read backwards here)."""
    if hazard.is_overdue:
        return format_html('<span class="overdue-badge">{}</span>', _("Overdue"))
    return mark_safe('<span class="not-overdue">—</span>')


class HazardReadOnlyInline(CompanyScopedMixin, admin.TabularInline):
    model = Hazard
    fields = ("code", "category", "level", "status", "found_on", "deadline", "overdue")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("hazards (open one to work on it; add new ones from the hazard list)")
    ordering = ("-found_on", "-code")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("overdue"))
    def overdue(self, obj):
        return overdue_badge(obj)
