from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkNorm(models.Model):
    """One of the standardized work norms for pipeline protection (the first batch has 23)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("work norm")
        verbose_name_plural = _("work norms")
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(number__gte=1), name="worknorm_number_positive")]

    def __str__(self):
        return f"{self.code} {self.title}"


class NormClause(models.Model):
    """A checkable clause of a work norm; inspections and hazards cite it."""

    norm = models.ForeignKey(WorkNorm, verbose_name=_("work norm"), on_delete=models.CASCADE, related_name="clauses")
    number = models.PositiveSmallIntegerField(_("clause number"))
    text = models.TextField(_("requirement"))
    check_method = models.TextField(_("how to check"), blank=True)

    class Meta:
        verbose_name = _("norm clause")
        verbose_name_plural = _("norm clauses")
        ordering = ["norm__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["norm", "number"], name="normclause_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="normclause_number_positive"),
            models.CheckConstraint(condition=~Q(text=""), name="normclause_text_not_empty"),
        ]

    def __str__(self):
        text = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return f"{self.reference} {text}"

    @property
    def reference(self) -> str:
        return f"{self.norm.code}-{self.number}"
