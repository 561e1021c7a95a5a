from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: inspector, manager or pipeline company staff.

    Company staff are linked to exactly one operating company; regulator
    staff (inspectors, managers) have no company.
    """

    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Only for pipeline company staff: the company whose data they may see."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        """Chinese order: family name first, no space (张建国)."""
        return f"{self.last_name}{self.first_name}".strip()

    def get_short_name(self):
        # The admin greets people by this; in Chinese by the full name.
        return self.get_full_name()
