from django.db import models
from django.utils.translation import gettext_lazy as _


class CameraKind(models.TextChoices):
    FIXED = "fixed", _("fixed camera")
    PTZ = "ptz", _("PTZ camera")
    DOME = "dome", _("dome camera")
    PORTABLE = "portable", _("portable camera")


class CameraStatus(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline")


class AlarmClass(models.TextChoices):
    EXCAVATOR = "excavator", _("excavator")
    DIGGING = "digging", _("digging")
    PERSON = "person", _("person")
    VEHICLE = "vehicle", _("vehicle")
    SMOKE = "smoke", _("smoke")
    FIRE = "fire", _("fire")
    OTHER = "other", _("other")


# An excavator or digging alarm becomes a third-party construction hazard report; smoke or fire an incident.
CONSTRUCTION_CLASSES = frozenset({AlarmClass.EXCAVATOR, AlarmClass.DIGGING})
FIRE_CLASSES = frozenset({AlarmClass.SMOKE, AlarmClass.FIRE})


class AlarmHandling(models.TextChoices):
    HAZARD_REPORTED = "hazard_reported", _("third-party construction hazard reported")
    CONSTRUCTION_APPROVED = "construction_approved", _("approved construction: no hazard")
    INCIDENT_OPENED = "incident_opened", _("emergency incident opened")
    RECORDED = "recorded", _("recorded")
    REPEAT = "repeat", _("repeat of an earlier alarm (same event)")
    NO_PIPELINE = "no_pipeline", _("the camera sees no pipeline: recorded")


class AlarmReview(models.TextChoices):
    PENDING = "pending", _("to be checked")
    CONFIRMED = "confirmed", _("confirmed")
    DISMISSED = "dismissed", _("dismissed (false alarm)")
