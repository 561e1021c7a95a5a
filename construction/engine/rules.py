"""The rule table of docs/construction.md, for one pipeline and one work.

Pure: plain strings and floats, no Django, no geometry. The distances are
measured by the index (construction/engine/index.py):

- ``d``: from the work to the pipeline's centreline (m);
- ``f``: from the work to the pipeline's nearest facility (a valve or station point), ``inf`` if none;
- ``r``: from the work to the nearest place where the pipeline crosses a river, ``inf`` if none;
- ``crosses``: the work's geometry meets the centreline.

Each rule is one row of the table; ``rules_applying`` lists every row that
applies, in the table's order; ``pipeline_verdict`` keeps the strictest.
"""

from dataclasses import dataclass

PROHIBITED = "prohibited"
APPROVAL_REQUIRED = "approval_required"
ALLOWED = "allowed"
STRICTNESS = {PROHIBITED: 2, APPROVAL_REQUIRED: 1, ALLOWED: 0}

# Art. 35(1): works that cross a pipeline need approval (instead of being prohibited under 5 m).
CROSSING_TYPES = frozenset({"road", "railway", "canal", "power_line", "cable", "pipeline"})
# Art. 35(2): 5 <= d <= 50 m, or f <= 100 m.
NEAR_APPROVAL_TYPES = frozenset({"road", "railway", "canal", "power_line", "cable", "grounding"})
# Art. 35(3): d <= 200 m, or f <= 500 m (engineering excavation counts as excavation).
FAR_APPROVAL_TYPES = frozenset({"blasting", "seismic_survey", "excavation", "drilling", "mining"})
# Art. 32: within 500 m of a river crossing.
RIVER_PROHIBITED_TYPES = frozenset({"anchoring", "dredging", "quarrying", "underwater_blasting"})
RIVER_APPROVAL_TYPES = frozenset({"maintenance_dredging"})

PROHIBITED_UNDER_M = 5.0  # Art. 30: d < 5
NEAR_FROM_M = 5.0  # Art. 35(2): 5 <= d
NEAR_TO_M = 50.0  # Art. 35(2): d <= 50
NEAR_FACILITY_M = 100.0  # Art. 35(2): f <= 100
FAR_M = 200.0  # Art. 35(3): d <= 200
FAR_FACILITY_M = 500.0  # Art. 35(3): f <= 500
RIVER_CROSSING_M = 500.0  # Art. 32: r <= 500

# Who is listed (the operators who must answer): d <= 200 or f <= 500, and any pipeline a rule applies to.
LISTED_M = 200.0
LISTED_FACILITY_M = 500.0
# The farthest any rule looks: the index asks for nothing beyond it.
REACH_M = max(FAR_M, FAR_FACILITY_M, RIVER_CROSSING_M, LISTED_M, LISTED_FACILITY_M)


@dataclass(frozen=True)
class Rule:
    verdict: str
    band: str
    article: str


def rules_applying(work_type: str, d: float, f: float, r: float, crosses: bool) -> list[Rule]:
    """Every row of the table that applies to this pipeline, in the table's order."""
    found = []
    crossing = crosses and work_type in CROSSING_TYPES
    if crossing:
        found.append(Rule(APPROVAL_REQUIRED, "crosses", "35(1)"))
    if d < PROHIBITED_UNDER_M and not crossing:
        found.append(Rule(PROHIBITED, "<5", "30"))
    if work_type in NEAR_APPROVAL_TYPES:
        if NEAR_FROM_M <= d <= NEAR_TO_M:
            found.append(Rule(APPROVAL_REQUIRED, "5-50", "35(2)"))
        elif f <= NEAR_FACILITY_M:
            found.append(Rule(APPROVAL_REQUIRED, "facility-100", "35(2)"))
    if work_type in FAR_APPROVAL_TYPES:
        if d <= FAR_M:
            found.append(Rule(APPROVAL_REQUIRED, "200", "35(3)"))
        elif f <= FAR_FACILITY_M:
            found.append(Rule(APPROVAL_REQUIRED, "facility-500", "35(3)"))
    if r <= RIVER_CROSSING_M:
        if work_type in RIVER_PROHIBITED_TYPES:
            found.append(Rule(PROHIBITED, "river-500", "32"))
        elif work_type in RIVER_APPROVAL_TYPES:
            found.append(Rule(APPROVAL_REQUIRED, "river-500", "32"))
    return found


def strictest(verdicts) -> str:
    """Prohibited > approval required > allowed; nothing at all is allowed."""
    return max(verdicts, key=STRICTNESS.__getitem__, default=ALLOWED)


def pipeline_verdict(work_type: str, d: float, f: float, r: float, crosses: bool) -> tuple[str, str, list[str]]:
    """(verdict, band, articles) for one pipeline: the strictest rule; its band is the first row giving that
    verdict, its articles every row giving it. No rule: allowed, band ``none``, no article."""
    found = rules_applying(work_type, d, f, r, crosses)
    verdict = strictest(rule.verdict for rule in found)
    if verdict == ALLOWED:
        return ALLOWED, "none", []
    deciding = [rule for rule in found if rule.verdict == verdict]
    articles = list(dict.fromkeys(rule.article for rule in deciding))
    return verdict, deciding[0].band, articles


def is_listed(d: float, f: float, verdict: str) -> bool:
    return d <= LISTED_M or f <= LISTED_FACILITY_M or verdict != ALLOWED
