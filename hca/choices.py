from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleSet(models.TextChoices):
    GB32167 = "gb32167", _("GB 32167-2015")
    CFR192 = "cfr192", _("49 CFR 192.903")


class Grade(models.IntegerChoices):
    I = 1, "I"  # noqa: E741 - the grade's name in the standard
    II = 2, "II"
    III = 3, "III"


GRADE_NAMES = {1: "I", 2: "II", 3: "III"}


class AppliesTo(models.TextChoices):
    OIL = "oil", _("oil pipelines")
    GAS = "gas", _("gas pipelines")


class RuleKind(models.TextChoices):
    """What a rule tests; the engine (hca/engine.py) implements each kind."""

    CLASS_4 = "class_4", _("passes a class-4 location")
    CLASS_3 = "class_3", _("passes a class-3 location")
    SETTLEMENT = "settlement", _("village or town within the distance")
    ROAD_OR_FLAMMABLE = "road_or_flammable", _("major road, railway or flammable site within the distance")
    PROTECTED_AREA = "protected_area", _("protected area within the distance")
    WATER = "water", _("water source, river or reservoir within the distance")
    SITE_IN_RADIUS = "site_in_radius", _("identified site within the potential impact radius")
    SITE_WITHIN = "site_within", _("identified site within the distance")
    FLAMMABLE_OUTSIDE_CLASS = "flammable_outside_class", _("flammable site within the distance, outside class 3/4")
    PIC_BUILDINGS = "pic_buildings", _("potential impact circle with enough buildings")


class ReviewStatus(models.TextChoices):
    IDENTIFIED = "identified", _("identified")
    CONFIRMED = "confirmed", _("confirmed")
    DISMISSED = "dismissed", _("dismissed")


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("manual")
    IMPORT = "import", _("layer import")
    SCHEDULE = "schedule", _("schedule")
    CHANGE = "change", _("feature change")
