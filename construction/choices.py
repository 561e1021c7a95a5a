"""The vocabularies of third-party construction (docs/construction.md).

``WorkType``: the 28 ``work_type`` codes of the check and of the application.
``Verdict``: the check's answer, strictest first in ``VERDICT_ORDER``.
``Band``: which row of the rule table decided a pipeline's verdict (the
``band`` of each pipeline in the check's answer).
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class WorkType(models.TextChoices):
    EXCAVATION = "excavation", pgettext_lazy("work type", "excavation (by machine, or engineering excavation)")
    BUILDING = "building", pgettext_lazy("work type", "building")
    STRUCTURE = "structure", pgettext_lazy("work type", "structure")
    DEEP_ROOTED_PLANTING = "deep_rooted_planting", pgettext_lazy("work type", "deep-rooted planting")
    SOIL_EXTRACTION = "soil_extraction", pgettext_lazy("work type", "soil or stone extraction")
    FIRE = "fire", pgettext_lazy("work type", "use of fire")
    HEAVY_STACKING = "heavy_stacking", pgettext_lazy("work type", "stacking heavy objects")
    CORROSIVE_DISCHARGE = "corrosive_discharge", pgettext_lazy("work type", "discharging corrosive substances")
    POND = "pond", pgettext_lazy("work type", "digging a pond")
    GREENHOUSE = "greenhouse", pgettext_lazy("work type", "greenhouse")
    ANIMAL_SHED = "animal_shed", pgettext_lazy("work type", "animal shed")
    ROAD = "road", pgettext_lazy("work type", "road (new, rebuilt or extended)")
    RAILWAY = "railway", pgettext_lazy("work type", "railway (new, rebuilt or extended)")
    CANAL = "canal", pgettext_lazy("work type", "canal (new, rebuilt or extended)")
    POWER_LINE = "power_line", pgettext_lazy("work type", "power line")
    CABLE = "cable", pgettext_lazy("work type", "buried cable or optical cable")
    GROUNDING = "grounding", pgettext_lazy("work type", "grounding or lightning earth")
    PIPELINE = "pipeline", pgettext_lazy("work type", "pipeline")
    BLASTING = "blasting", pgettext_lazy("work type", "blasting")
    SEISMIC_SURVEY = "seismic_survey", pgettext_lazy("work type", "seismic survey")
    DRILLING = "drilling", pgettext_lazy("work type", "engineering drilling")
    MINING = "mining", pgettext_lazy("work type", "mining")
    QUARRYING = "quarrying", pgettext_lazy("work type", "quarrying (in a river)")
    ANCHORING = "anchoring", pgettext_lazy("work type", "anchoring or dragging anchors")
    DREDGING = "dredging", pgettext_lazy("work type", "dredging sand or mud")
    MAINTENANCE_DREDGING = (
        "maintenance_dredging",
        pgettext_lazy("work type", "flood or navigation maintenance dredging"),
    )
    UNDERWATER_BLASTING = "underwater_blasting", pgettext_lazy("work type", "underwater blasting")
    OTHER = "other", pgettext_lazy("work type", "other")


class Verdict(models.TextChoices):
    PROHIBITED = "prohibited", pgettext_lazy("verdict", "prohibited")
    APPROVAL_REQUIRED = "approval_required", pgettext_lazy("verdict", "approval required")
    ALLOWED = "allowed", pgettext_lazy("verdict", "allowed")


# Strictest first: the verdict of a work is the first of these that any pipeline gives.
VERDICT_ORDER = (Verdict.PROHIBITED, Verdict.APPROVAL_REQUIRED, Verdict.ALLOWED)


class Band(models.TextChoices):
    """The row of the rule table that gave a pipeline its verdict.

    ``d`` is the distance to the pipeline's centreline, ``f`` to its nearest
    facility (a valve), ``r`` to its nearest river crossing.
    """

    CROSSES = "crosses", pgettext_lazy("band", "crosses the pipeline")
    UNDER_5 = "<5", pgettext_lazy("band", "within 5 m of the centreline")
    FROM_5_TO_50 = "5-50", pgettext_lazy("band", "5 to 50 m from the centreline")
    FACILITY_100 = "facility-100", pgettext_lazy("band", "within 100 m of a facility")
    WITHIN_200 = "200", pgettext_lazy("band", "within 200 m of the centreline")
    FACILITY_500 = "facility-500", pgettext_lazy("band", "within 500 m of a facility")
    RIVER_500 = "river-500", pgettext_lazy("band", "within 500 m of a river crossing")
    NONE = "none", pgettext_lazy("band", "none of the rules")
