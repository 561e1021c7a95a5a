"""The vocabularies of third-party construction (docs/construction.md).

``WorkType``: the 28 ``work_type`` codes of the check and of the application.
``Verdict``: the check's answer, strictest first in ``VERDICT_ORDER``.
``Band``: which row of the rule table decided a pipeline's verdict (the
``band`` of each pipeline in the check's answer).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WorkType(models.TextChoices):
    EXCAVATION = "excavation", _("excavation (by machine, or engineering excavation)")
    BUILDING = "building", _("building")
    STRUCTURE = "structure", _("structure")
    DEEP_ROOTED_PLANTING = "deep_rooted_planting", _("deep-rooted planting")
    SOIL_EXTRACTION = "soil_extraction", _("soil or stone extraction")
    FIRE = "fire", _("use of fire")
    HEAVY_STACKING = "heavy_stacking", _("stacking heavy objects")
    CORROSIVE_DISCHARGE = "corrosive_discharge", _("discharging corrosive substances")
    POND = "pond", _("digging a pond")
    GREENHOUSE = "greenhouse", _("greenhouse")
    ANIMAL_SHED = "animal_shed", _("animal shed")
    ROAD = "road", _("road (new, rebuilt or extended)")
    RAILWAY = "railway", _("railway (new, rebuilt or extended)")
    CANAL = "canal", _("canal (new, rebuilt or extended)")
    POWER_LINE = "power_line", _("power line")
    CABLE = "cable", _("buried cable or optical cable")
    GROUNDING = "grounding", _("grounding or lightning earth")
    PIPELINE = "pipeline", _("pipeline")
    BLASTING = "blasting", _("blasting")
    SEISMIC_SURVEY = "seismic_survey", _("seismic survey")
    DRILLING = "drilling", _("engineering drilling")
    MINING = "mining", _("mining")
    QUARRYING = "quarrying", _("quarrying (in a river)")
    ANCHORING = "anchoring", _("anchoring or dragging anchors")
    DREDGING = "dredging", _("dredging sand or mud")
    MAINTENANCE_DREDGING = "maintenance_dredging", _("flood or navigation maintenance dredging")
    UNDERWATER_BLASTING = "underwater_blasting", _("underwater blasting")
    OTHER = "other", pgettext_lazy("work type", "other")


class Verdict(models.TextChoices):
    PROHIBITED = "prohibited", _("prohibited")
    APPROVAL_REQUIRED = "approval_required", _("approval required")
    ALLOWED = "allowed", _("allowed")


# Strictest first: the verdict of a work is the first of these that any pipeline gives.
VERDICT_ORDER = (Verdict.PROHIBITED, Verdict.APPROVAL_REQUIRED, Verdict.ALLOWED)


class Band(models.TextChoices):
    """The row of the rule table that gave a pipeline its verdict.

    ``d`` is the distance to the pipeline's centreline, ``f`` to its nearest
    facility (a valve), ``r`` to its nearest river crossing.
    """

    CROSSES = "crosses", _("crosses the pipeline")
    UNDER_5 = "<5", _("within 5 m of the centreline")
    FROM_5_TO_50 = "5-50", _("5 to 50 m from the centreline")
    FACILITY_100 = "facility-100", _("within 100 m of a facility")
    WITHIN_200 = "200", _("within 200 m of the centreline")
    FACILITY_500 = "facility-500", _("within 500 m of a facility")
    RIVER_500 = "river-500", _("within 500 m of a river crossing")
    NONE = "none", _("none of the rules")
