"""API keys in the admin, with the company a key may be tied to (api.models.ApiKeyCompany)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from api.models import ApiKeyCompany


class ApiKeyCompanyInline(admin.StackedInline):
    model = ApiKeyCompany
    max_num = 1
    can_delete = True
    verbose_name = _("limited to a company")
    verbose_name_plural = _("limited to a company (empty: the city platform's key, every company, read only)")


class CompanyAPIKeyAdmin(APIKeyModelAdmin):
    inlines = [ApiKeyCompanyInline]
    list_display = (*APIKeyModelAdmin.list_display, "company")
    list_select_related = ("company_limit__company",)

    @admin.display(description=_("operating company"))
    def company(self, obj):
        limit = getattr(obj, "company_limit", None)
        return limit.company if limit is not None else "—"


admin.site.unregister(APIKey)
admin.site.register(APIKey, CompanyAPIKeyAdmin)
