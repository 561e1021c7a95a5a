from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from companies.validators import CREDIT_CODE_REGEX, validate_credit_code, validate_phone

models.CharField.register_lookup(Length)


class OperatingCompany(models.Model):
    """A pipeline operating company (管道企业) supervised by the office."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, with a valid check character."),
    )
    contact_person = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("operating company")
        verbose_name_plural = _("operating companies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__regex=CREDIT_CODE_REGEX), name="company_credit_code_format"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="company_name_not_empty"),
            models.CheckConstraint(condition=~Q(short_name=""), name="company_short_name_not_empty"),
        ]

    def __str__(self):
        return self.name
