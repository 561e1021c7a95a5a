"""List filters of the hazard admin that no model field expresses on its own."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hazards.choices import OPEN_STATUSES, HazardStatus


class ClosureFilter(admin.SimpleListFilter):
    """Closed (销号) or not: the dashboard's "open" figures link here (every state but closed)."""

    title = _("closure")
    parameter_name = "closure"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("closed", _("closed"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "closed":
            return queryset.filter(status=HazardStatus.CLOSED)
        return queryset
