"""The city's reference GIS layers, as imported (EPSG:4326).

Each feature keeps ``source_id``, its id in the imported file, so results
(HCA reasons, encroachment hazards) can name it and survive a re-import of
the same file. Importing a layer replaces that layer's features as a whole:
the city's file is the source of truth. Pipelines live in ``pipelines`` and
are updated by code instead.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers.choices import AreaType, LayerName, RoadClass, SiteType, WaterType


class LayerImport(models.Model):
    """One import of a layer file: who, what, and how many features."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    file_name = models.CharField(_("file name"), max_length=255)
    layers = models.JSONField(_("layers"), default=list, help_text=_("Names of the layers imported."))
    counts = models.JSONField(_("feature counts"), default=dict)
    details = models.JSONField(
        _("details"),
        default=dict,
        blank=True,
        help_text=_("Per layer: seconds, skipped and repaired features; for pipelines, created and updated."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    message = models.TextField(_("message"), blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    seconds = models.FloatField(_("duration (s)"), default=0)

    class Meta:
        verbose_name = _("layer import")
        verbose_name_plural = _("layer imports")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class LayerFeature(models.Model):
    source_id = models.CharField(_("feature id"), max_length=64, help_text=_("The feature's id in the imported file."))
    name = models.CharField(_("name"), max_length=200, blank=True)
    geom = models.GeometryField(_("geometry"), srid=4326)
    layer_import = models.ForeignKey(
        LayerImport, verbose_name=_("layer import"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    layer_name: str = ""

    class Meta:
        abstract = True

    def __str__(self):
        return self.name or self.source_id


class Building(LayerFeature):
    households = models.PositiveIntegerField(_("households"), default=1)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    residents = models.PositiveIntegerField(_("residents"), null=True, blank=True)

    layer_name = LayerName.BUILDINGS

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["source_id"], name="building_source_id_unique"),
            models.CheckConstraint(condition=Q(floors__gte=1), name="building_floors_min"),
        ]


class Site(LayerFeature):
    site_type = models.CharField(_("site type"), max_length=20, choices=SiteType.choices)

    layer_name = LayerName.SITES

    class Meta:
        verbose_name = _("identified or flammable site")
        verbose_name_plural = _("identified and flammable sites")
        constraints = [
            models.UniqueConstraint(fields=["source_id"], name="site_source_id_unique"),
            models.CheckConstraint(condition=Q(site_type__in=SiteType.values), name="site_type_valid"),
        ]


class Settlement(LayerFeature):
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)

    layer_name = LayerName.SETTLEMENTS

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [models.UniqueConstraint(fields=["source_id"], name="settlement_source_id_unique")]


class WaterBody(LayerFeature):
    water_type = models.CharField(_("water type"), max_length=20, choices=WaterType.choices)

    layer_name = LayerName.WATER

    class Meta:
        verbose_name = _("water body")
        verbose_name_plural = _("water bodies")
        constraints = [
            models.UniqueConstraint(fields=["source_id"], name="water_source_id_unique"),
            models.CheckConstraint(condition=Q(water_type__in=WaterType.values), name="water_type_valid"),
        ]


class ProtectedArea(LayerFeature):
    area_type = models.CharField(_("area type"), max_length=20, choices=AreaType.choices)

    layer_name = LayerName.PROTECTED_AREAS

    class Meta:
        verbose_name = _("protected area")
        verbose_name_plural = _("protected areas")
        constraints = [
            models.UniqueConstraint(fields=["source_id"], name="protected_area_source_id_unique"),
            models.CheckConstraint(condition=Q(area_type__in=AreaType.values), name="protected_area_type_valid"),
        ]


class Road(LayerFeature):
    road_class = models.CharField(_("road class"), max_length=20, choices=RoadClass.choices)

    layer_name = LayerName.ROADS

    class Meta:
        verbose_name = _("road or railway")
        verbose_name_plural = _("roads and railways")
        constraints = [
            models.UniqueConstraint(fields=["source_id"], name="road_source_id_unique"),
            models.CheckConstraint(condition=Q(road_class__in=RoadClass.values), name="road_class_valid"),
        ]


FEATURE_MODELS = {m.layer_name: m for m in (Building, Site, Settlement, WaterBody, ProtectedArea, Road)}
