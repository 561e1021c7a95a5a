from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ValveKind(models.TextChoices):
    MANUAL = "manual", _("manual valve")
    REMOTE = "remote", _("remote-controlled valve")
    AUTOMATIC = "automatic", _("automatic shut-off valve")
    CHECK = "check", _("check valve")


class IncidentKind(models.TextChoices):
    LEAK = "leak", _("leak")
    RUPTURE = "rupture", _("rupture")
    FIRE = "fire", _("fire or explosion")
    THEFT_TAP = "theft_tap", _("drilled theft tap")


class IncidentLevel(models.TextChoices):
    I = "I", _("level I (particularly serious)")  # noqa: E741
    II = "II", _("level II (serious)")
    III = "III", _("level III (major)")
    IV = "IV", _("level IV (general)")


class IncidentSource(models.TextChoices):
    PLATFORM = "platform", _("city command platform")
    COMPANY = "company", _("pipeline company")
    INSPECTOR = "inspector", _("inspector")
    DRILL = "drill", _("drill (simulated)")


class IncidentStepKind(models.TextChoices):
    """The time line of an incident, in order; each step happens at most once."""

    REPORTED = "reported", pgettext_lazy("incident step", "reported")
    VALVES_CLOSED = "valves_closed", pgettext_lazy("incident step", "valves closed")
    LEAK_STOPPED = "leak_stopped", pgettext_lazy("incident step", "leak stopped")
    AREA_CLEARED = "area_cleared", pgettext_lazy("incident step", "area cleared")
    CLOSED = "closed", pgettext_lazy("incident step", "closed")
    VALVE_FAILED = "valve_failed", pgettext_lazy("incident step", "valve could not be closed")
    HAZARD_LINKED = "hazard_linked", pgettext_lazy("incident step", "hazard linked")


# The steps of the time line, in order; each happens once. A failed valve may be reported any number of times
# before the valves are closed.
STEP_ORDER = ["reported", "valves_closed", "leak_stopped", "area_cleared", "closed"]


class PreparednessKind(models.TextChoices):
    """The kinds of emergency plans (应急预案) and of drills (演练)."""

    COMPREHENSIVE = "comprehensive", _("comprehensive")
    SPECIAL = "special", _("special")
    ONSITE = "onsite", _("on-site")


class FlagKind(models.TextChoices):
    REVIEW_OVERDUE = "review_overdue", _("plan review overdue")
    NOT_FILED = "not_filed", _("plan not filed with the county")
    MAJOR_DRILL_OVERDUE = "major_drill_overdue", _("no comprehensive or special drill in 12 months")
    ONSITE_DRILL_OVERDUE = "onsite_drill_overdue", _("no on-site drill in 6 months")


# The steps that can be recorded after the report (the API's and the admin's choice).
NEXT_STEPS = [(kind, IncidentStepKind(kind).label) for kind in STEP_ORDER[1:]]
