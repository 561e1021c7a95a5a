"""The fixed vocabularies of patrols (patrols.md)."""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TeamKind(models.TextChoices):
    FULL_TIME = "full_time", _("full-time (专职)")
    LOCAL = "local", _("local (属地)")
    VILLAGE = "village", _("contracted village (委托)")
    COMPANY_POLICE = "company_police", _("company police (经警)")


class Period(models.TextChoices):
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class TimeWindow(models.TextChoices):
    DAY = "day", pgettext_lazy("time window", "day")  # 白天 (the plain "day" is 日期 elsewhere)
    NIGHT = "night", pgettext_lazy("time window", "night")


# Hours of each time window, local time. A night window ends on the next day.
WINDOW_HOURS: dict[str, tuple[dt.time, dt.time]] = {
    TimeWindow.DAY: (dt.time(8, 0), dt.time(18, 0)),
    TimeWindow.NIGHT: (dt.time(20, 0), dt.time(4, 0)),
}


class Mode(models.TextChoices):
    WALK = "walk", _("walk")
    BICYCLE = "bicycle", _("bicycle")
    VEHICLE = "vehicle", _("vehicle")
    DRONE = "drone", _("drone")


# patrols.md, rule 4: speed limits by mode (km/h).
SPEED_LIMIT_KMH: dict[str, float] = {
    Mode.WALK: 10.0,
    Mode.BICYCLE: 25.0,
    Mode.VEHICLE: 60.0,
    Mode.DRONE: 60.0,
}


class CheckpointKind(models.TextChoices):
    MILE_MARKER = "mile_marker", _("mile marker")
    VALVE_ROOM = "valve_room", _("valve room")
    CROSSING = "crossing", _("crossing")
    HCA_SITE = "hca_site", _("high-consequence area site")
    OTHER = "other", _("other")


class TaskKind(models.TextChoices):
    REGULAR = "regular", _("planned patrol")
    HOTSPOT = "hotspot", _("extra night patrol (theft hotspot)")


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    DONE = "done", _("done")
    PARTLY_DONE = "partly_done", _("partly done")
    MISSED = "missed", _("missed")


class FixSource(models.TextChoices):
    DEVICE = "device", _("tracker or platform (API)")
    PHONE = "phone", _("field page on a phone")
    GPX = "gpx", _("GPX upload")
