from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import APIKey

from companies.models import OperatingCompany


class ApiKeyCompany(models.Model):
    """Ties an API key to one operating company: the company's own system.

    Such a key sees only that company's records and may take only the steps
    its staff may (accounts/principals.py). A key without this row is the
    city platform's: it reads every company and takes no life-cycle step.
    """

    key = models.OneToOneField(
        APIKey, verbose_name=_("API key"), on_delete=models.CASCADE, primary_key=True, related_name="company_limit"
    )
    company = models.ForeignKey(
        OperatingCompany,
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The key sees and does only what this company's staff may."),
    )

    class Meta:
        verbose_name = _("company of an API key")
        verbose_name_plural = _("companies of API keys")

    def __str__(self) -> str:
        return f"{self.key} → {self.company}"
