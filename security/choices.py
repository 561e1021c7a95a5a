"""Choices of the security register: theft incidents, police cases, refinery points."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FoundHow(models.TextChoices):
    PATROL = "patrol", _("patrol")
    PRESSURE_DROP = "pressure_drop", _("pressure drop")
    LEAK_DETECTION = "leak_detection", _("leak detection system")
    VIDEO = "video", _("video monitoring")
    TIP_OFF = "tip_off", _("tip-off")


class TapKind(models.TextChoices):
    VALVE = "valve", _("valve tap")
    CLAMP = "clamp", _("clamp tap")
    WELDED = "welded", _("welded tap")
    DRILLED = "drilled", _("drilled hole")


class TheftStatus(models.TextChoices):
    """patrols.md: 发现 → 封堵 → 报案 → 立案 or 不予立案 → 破案 → 移送起诉 → 结案."""

    FOUND = "found", pgettext_lazy("theft", "found")
    SEALED = "sealed", pgettext_lazy("theft", "sealed")
    REPORTED = "reported", pgettext_lazy("theft", "reported to the police")
    FILED = "filed", pgettext_lazy("theft", "case filed")
    NOT_FILED = "not_filed", pgettext_lazy("theft", "no case filed")
    SOLVED = "solved", pgettext_lazy("theft", "solved")
    PROSECUTED = "prosecuted", pgettext_lazy("theft", "sent for prosecution")
    CLOSED = "closed", pgettext_lazy("theft", "closed")


# The life cycle: from each status, the statuses that may follow (nothing else may).
# 不予立案 ends the police side: the incident's file can only be closed (结案) from there.
THEFT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    TheftStatus.FOUND: (TheftStatus.SEALED,),
    TheftStatus.SEALED: (TheftStatus.REPORTED,),
    TheftStatus.REPORTED: (TheftStatus.FILED, TheftStatus.NOT_FILED),
    TheftStatus.FILED: (TheftStatus.SOLVED,),
    TheftStatus.NOT_FILED: (TheftStatus.CLOSED,),
    TheftStatus.SOLVED: (TheftStatus.PROSECUTED,),
    TheftStatus.PROSECUTED: (TheftStatus.CLOSED,),
    TheftStatus.CLOSED: (),
}

# The date field stamped by each step (the figures read them).
STEP_DATE_FIELDS = {
    TheftStatus.SEALED: "sealed_on",
    TheftStatus.REPORTED: "reported_on",
    TheftStatus.FILED: "filed_on",
    TheftStatus.NOT_FILED: "not_filed_on",
    TheftStatus.SOLVED: "solved_on",
    TheftStatus.PROSECUTED: "prosecuted_on",
    TheftStatus.CLOSED: "closed_on",
}


class TheftAction(models.TextChoices):
    """What a history row of a theft incident records."""

    RECORDED = "recorded", _("recorded")
    STEP = "step", _("life-cycle step")
    EVIDENCE = "evidence", _("evidence added")
    CASE = "case", _("police case linked")
    EMERGENCY = "emergency", _("emergency incident linked")
    EDITED = "edited", _("details edited")


class RefineryKind(models.TextChoices):
    STILL = "still", _("still (distillation)")
    STORAGE = "storage", _("storage")
    BUYING_POINT = "buying_point", _("buying point")
    FUEL_STALL = "fuel_stall", _("fuel stall")


class RefineryStatus(models.TextChoices):
    WORKING = "working", _("working")
    SHUT = "shut", _("shut down")


class RecheckResult(models.TextChoices):
    STILL_SHUT = "still_shut", _("still shut")
    WORKING_AGAIN = "working_again", _("working again (死灰复燃)")
    SUPERSEDED = "superseded", _("not needed (reopened earlier)")


class RefineryAction(models.TextChoices):
    RECORDED = "recorded", _("recorded")
    SHUT = "shut", _("shut down")
    RECHECK_DUE = "recheck_due", _("re-check due")
    RECHECKED = "rechecked", _("re-checked")
    REOPENED = "reopened", _("reopened (死灰复燃)")
    EDITED = "edited", _("details edited")


# Re-checks after each closure, in days (patrols.md: +30, +90 and +180).
RECHECK_DAYS = (30, 90, 180)
