"""The dashboard's filters (django-filter), with choices scoped to the user."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_queryset
from companies.models import OperatingCompany
from hazards.choices import HazardLevel, HazardStatus
from hazards.models import Hazard
from inspections.models import InspectionCampaign


class DashboardFilter(django_filters.FilterSet):
    company = django_filters.ModelChoiceFilter(label=_("company"), queryset=OperatingCompany.objects.none())
    campaign = django_filters.ModelChoiceFilter(label=_("campaign"), queryset=InspectionCampaign.objects.none())
    level = django_filters.ChoiceFilter(label=_("level"), choices=HazardLevel.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=HazardStatus.choices)

    class Meta:
        model = Hazard
        fields = ["company", "campaign", "level", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["company"].queryset = scope_queryset(OperatingCompany.objects.order_by("name"), user)
        self.filters["campaign"].queryset = scope_queryset(InspectionCampaign.objects.order_by("-start_date"), user)

    def admin_query(self) -> dict:
        """The same filter in the hazard admin's query parameters (links, ledger export)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.form.cleaned_data
        names = {
            "company": "company__id__exact",
            "campaign": "campaign__id__exact",
            "level": "level__exact",
            "status": "status__exact",
        }
        query = {}
        for field, param in names.items():
            value = data.get(field)
            if value not in (None, ""):
                query[param] = getattr(value, "pk", value)
        return query
