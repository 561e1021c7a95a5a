from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.gis import length_m


class Medium(models.TextChoices):
    CRUDE_OIL = "crude_oil", _("crude oil")
    REFINED_OIL = "refined_oil", _("refined oil")
    NATURAL_GAS = "natural_gas", _("natural gas")
    OIL_GAS_MIXTURE = "oil_gas_mixture", _("oil-gas mixture")
    LPG = "lpg", _("liquefied petroleum gas")
    PRODUCED_WATER = "produced_water", _("oilfield produced water")


GAS_MEDIA = frozenset({Medium.NATURAL_GAS})
OIL_MEDIA = frozenset({Medium.CRUDE_OIL, Medium.REFINED_OIL, Medium.OIL_GAS_MIXTURE, Medium.LPG})


class PipelineStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("in service")
    IDLE = "idle", _("idle")
    ABANDONED = "abandoned", _("abandoned")


class Pipeline(models.Model):
    """An oil or gas pipeline with its route (EPSG:4326)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    company = models.ForeignKey(
        "companies.OperatingCompany",
        verbose_name=_("operating company"),
        on_delete=models.PROTECT,
        related_name="pipelines",
    )
    medium = models.CharField(_("medium"), max_length=20, choices=Medium.choices)
    outer_diameter_mm = models.DecimalField(
        _("outer diameter (mm)"), max_digits=6, decimal_places=1, help_text=_("For example 219.1, 323.9, 508.")
    )
    wall_thickness_mm = models.DecimalField(_("wall thickness (mm)"), max_digits=4, decimal_places=1)
    material = models.CharField(
        _("material"), max_length=40, help_text=_("Steel grade or material, e.g. L360, X65, 20#, PE100.")
    )
    maop_mpa = models.DecimalField(
        _("MAOP (MPa)"), max_digits=5, decimal_places=2, help_text=_("Maximum allowable operating pressure.")
    )
    commissioned_on = models.DateField(_("commissioning date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PipelineStatus.choices, default=PipelineStatus.IN_SERVICE
    )
    route = models.MultiLineStringField(_("route"), srid=4326)
    length_m = models.FloatField(
        _("length (m)"), default=0, editable=False, help_text=_("Derived from the route in a projected metric CRS.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["status"], name="pipeline_status_idx"),
            models.Index(fields=["medium"], name="pipeline_medium_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="pipeline_code_not_empty"),
            models.CheckConstraint(
                condition=Q(outer_diameter_mm__gt=0, outer_diameter_mm__lte=2000), name="pipeline_diameter_range"
            ),
            models.CheckConstraint(
                condition=Q(wall_thickness_mm__gt=0, wall_thickness_mm__lt=F("outer_diameter_mm") / 2),
                name="pipeline_wall_thickness_range",
            ),
            models.CheckConstraint(condition=Q(maop_mpa__gt=0, maop_mpa__lte=40), name="pipeline_maop_range"),
            models.CheckConstraint(condition=Q(length_m__gte=0), name="pipeline_length_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_gas(self) -> bool:
        return self.medium in GAS_MEDIA

    def clean(self):
        super().clean()
        if self.route is not None:
            if self.route.empty:
                raise ValidationError({"route": _("Draw the pipeline route on the map.")})
            if not self.route.valid:
                raise ValidationError(
                    {"route": _("The route is not a valid line: %(reason)s") % {"reason": self.route.valid_reason}}
                )

    def save(self, *args, **kwargs):
        # Derived data, not a business rule: the length always follows the route.
        self.length_m = length_m(self.route)
        if kwargs.get("update_fields") is not None and "route" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "length_m"}
        super().save(*args, **kwargs)
