"""Attribute vocabularies of the layer contract (docs/layers.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteType(models.TextChoices):
    # 特定场所 type I: buildings hard to evacuate
    HOSPITAL = "hospital", _("hospital")
    SCHOOL = "school", _("school")
    KINDERGARTEN = "kindergarten", _("nursery or kindergarten")
    CARE_HOME = "care_home", _("care home")
    PRISON = "prison", _("prison")
    MALL = "mall", _("shopping mall")
    # 特定场所 type II: 30+ people gather on 50+ days a year
    MARKET = "market", _("market")
    TEMPLE = "temple", _("temple")
    SPORTS_GROUND = "sports_ground", _("sports ground")
    SQUARE = "square", _("square")
    RECREATION = "recreation", _("recreation area")
    THEATRE = "theatre", _("theatre")
    CAMPSITE = "campsite", _("campsite")
    # flammable or explosive sites
    FUEL_STATION = "fuel_station", _("fuel station")
    OIL_DEPOT = "oil_depot", _("oil depot")
    FLAMMABLE_SITE = "flammable_site", _("other flammable or explosive site")


IDENTIFIED_SITE_TYPES_I = frozenset({"hospital", "school", "kindergarten", "care_home", "prison", "mall"})
IDENTIFIED_SITE_TYPES_II = frozenset(
    {"market", "temple", "sports_ground", "square", "recreation", "theatre", "campsite"}
)
IDENTIFIED_SITE_TYPES = IDENTIFIED_SITE_TYPES_I | IDENTIFIED_SITE_TYPES_II
FLAMMABLE_SITE_TYPES = frozenset({"fuel_station", "oil_depot", "flammable_site"})


class WaterType(models.TextChoices):
    WATER_SOURCE = "water_source", _("drinking-water source")
    RIVER = "river", _("river")
    RESERVOIR_LARGE = "reservoir_large", _("large reservoir")
    RESERVOIR_MEDIUM = "reservoir_medium", _("medium reservoir")


class AreaType(models.TextChoices):
    WETLAND = "wetland", _("wetland")
    FOREST = "forest", _("forest")
    ESTUARY = "estuary", _("estuary")
    NATURE_RESERVE = "nature_reserve", _("nature reserve")


class RoadClass(models.TextChoices):
    EXPRESSWAY = "expressway", _("expressway")
    NATIONAL = "national", _("national road")
    PROVINCIAL = "provincial", _("provincial road")
    RAILWAY = "railway", _("railway")


class LayerName(models.TextChoices):
    PIPELINES = "pipelines", _("pipelines")
    BUILDINGS = "buildings", _("buildings")
    SITES = "sites", _("sites")
    SETTLEMENTS = "settlements", _("settlements")
    WATER = "water", _("water")
    PROTECTED_AREAS = "protected_areas", _("protected areas")
    ROADS = "roads", _("roads")
    VALVES = "valves", _("valves")
    CHECKPOINTS = "checkpoints", _("patrol checkpoints")
    CAMERAS = "cameras", _("cameras")


def layer_label(name: str) -> str:
    """A layer's name as users read it (建筑物 for buildings); an unknown name as it is."""
    return str(LayerName(name).label) if name in LayerName.values else str(name)


def layer_named(name: str) -> str:
    """The label with the name a file gives the layer, for messages about a file: 建筑物（buildings）."""
    label = layer_label(name)
    if label == name:
        return label
    return _("%(label)s (%(name)s)") % {"label": label, "name": name}


def in_layer_order(names):
    """The names in the contract's order (pipelines, buildings, …): jsonb keeps its keys in its own order."""
    order = {name: index for index, name in enumerate(LayerName.values)}
    return sorted(names, key=lambda name: (order.get(name, len(order)), name))
