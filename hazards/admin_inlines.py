"""Read-only hazard lists shown under other records (pipelines, campaigns)."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
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


class LatestHazardsFormSet(BaseInlineFormSet):
    """The ``limit`` latest hazards only; ``total`` and ``list_url`` point to all of them in the hazard list."""

    limit = 20

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            everything = super().get_queryset()
            self.total = everything.count() if self.instance.pk else 0
            self._queryset = everything[: self.limit]
            self.list_url = f"{reverse('admin:hazards_hazard_changelist')}?{self.fk.name}__id__exact={self.instance.pk}"
        return self._queryset


class HazardReadOnlyInline(CompanyScopedMixin, admin.TabularInline):
    """A campaign's or a pipeline's latest hazards (a few hundred would make the page heavy),
    with a link to all of them in the hazard list, filtered (and scoped) the same way."""

    model = Hazard
    formset = LatestHazardsFormSet
    template = "admin/hazards/latest_hazards_tabular.html"
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
