from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hazards.choices import HazardCategory, HazardLevel


class DeadlinePolicy(models.Model):
    """Default rectification period by level and (optionally) category.

    At assignment the most specific row wins: level + category, else level
    alone. Administrators edit the table in the admin.
    """

    level = models.CharField(_("level"), max_length=10, choices=HazardLevel.choices)
    category = models.CharField(
        _("category"),
        max_length=30,
        choices=HazardCategory.choices,
        blank=True,
        help_text=_("Empty: every category of this level without a row of its own."),
    )
    days = models.PositiveSmallIntegerField(
        _("days to rectify"), validators=[MinValueValidator(1), MaxValueValidator(730)]
    )

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["level", "category"]
        constraints = [
            models.UniqueConstraint(fields=["level", "category"], name="deadline_policy_unique"),
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=730), name="deadline_policy_days_range"),
        ]

    def __str__(self):
        scope = self.get_category_display() if self.category else _("all categories")
        return f"{self.get_level_display()} · {scope}: {self.days}"
