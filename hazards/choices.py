from django.db import models
from django.utils.translation import gettext_lazy as _


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("inspection")
    PATROL = "patrol", _("patrol")
    SELF_REPORT = "self_report", _("company self-report")
    CITY_PLATFORM = "city_platform", _("city platform report")
    GIS_ANALYSIS = "gis_analysis", _("GIS analysis")


class HazardCategory(models.TextChoices):
    ENCROACHMENT = "encroachment", _("encroachment (occupation)")
    INSUFFICIENT_DISTANCE = "insufficient_distance", _("insufficient safety distance")
    THIRD_PARTY_CONSTRUCTION = "third_party_construction", _("third-party construction")
    OIL_THEFT = "oil_theft", _("drilling for oil theft")
    ILLEGAL_REFINERY = "illegal_refinery", _("illegal small refinery")
    CROSSING = "crossing", _("crossing")
    CORROSION = "corrosion", _("corrosion")
    MISSING_MARKER = "missing_marker", _("missing markers")
    GEOLOGICAL = "geological", _("geological hazard or exposure")
    MANAGEMENT = "management", _("management deficiency")
    OTHER = "other", _("other")


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("general")
    MAJOR = "major", _("major")


class HazardStatus(models.TextChoices):
    """The closed loop of domain.md: reported → assigned → rectifying →
    submitted → closed, with submitted → rejected → rectifying."""

    REPORTED = "reported", _("reported")
    ASSIGNED = "assigned", _("assigned")
    RECTIFYING = "rectifying", _("rectifying")
    SUBMITTED = "submitted", _("submitted for acceptance")
    REJECTED = "rejected", _("rejected")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = frozenset(HazardStatus.values) - {HazardStatus.CLOSED}
# States in which the hazard has a responsible company and a deadline.
ASSIGNED_STATUSES = frozenset(HazardStatus.values) - {HazardStatus.REPORTED}


class AcceptanceOutcome(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
