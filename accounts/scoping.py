"""The one place that scopes data to an operating company.

Regulator staff (superusers, inspectors, managers) see every company. Company
staff, and a company's own API key (accounts/principals.py), see only rows of
their own company; a user who is neither sees nothing. Every admin page,
related-field choice, list filter, search, export and API list goes through
``scope_queryset``.
"""

from django.db.models import Model, QuerySet

from accounts.roles import INSPECTOR, MANAGER, PATROLLER

# How each model reaches its operating company.
COMPANY_PATHS: dict[str, str] = {
    "companies.operatingcompany": "pk",
    "pipelines.pipeline": "company",
    "inspections.inspectioncampaign": "companies",
    "inspections.inspectionrecord": "company",
    "inspections.checklistresult": "record__company",
    "hazards.hazard": "company",
    "hazards.hazardphoto": "hazard__company",
    "hazards.hazardtransition": "hazard__company",
    "hazards.rectification": "hazard__company",
    "hazards.rectificationevidence": "rectification__hazard__company",
    "escalations.escalation": "company",
    "escalations.deadlinereminder": "company",
    "accounts.user": "company",
    "hca.hcasegment": "pipeline__company",
    "hca.hcaassessment": "pipeline__company",
    "hca.hcareview": "pipeline__company",
    "hca.encroachment": "pipeline__company",
    "emergency.valve": "pipeline__company",
    "emergency.incident": "company",
    "emergency.incidentstep": "incident__company",
    "emergency.emergencyplan": "company",
    "emergency.drill": "company",
    "emergency.preparednessflag": "company",
    "patrols.team": "company",
    "patrols.protectionagreement": "company",
    "patrols.patrolsection": "pipeline__company",
    "patrols.checkpoint": "pipeline__company",
    "patrols.patroltask": "section__pipeline__company",
    "patrols.patroltaskevent": "task__section__pipeline__company",
    "patrols.device": "team__company",
    "patrols.patroltrack": "team__company",
    "security.theftincident": "pipeline__company",
    "security.theftevidence": "incident__pipeline__company",
    "security.thefthistory": "incident__pipeline__company",
    "security.policecase": "incidents__pipeline__company",  # a case reaches every company of its incidents
    "video.camera": "company",
    "video.cameraoutage": "camera__company",
    "video.segmentcoverage": "segment__pipeline__company",
    "video.videoalarm": "company",
    # An application reaches the companies through its operator rows (one per company concerned).
    "construction.application": "operators__company",
    "construction.applicationoperator": "application__operators__company",
    "construction.agreementversion": "operator__application__operators__company",
    "construction.checkin": "application__operators__company",
    "construction.applicationstep": "application__operators__company",
    "construction.contractor": "applications__operators__company",
}
# The regulator's own records, in no company: only regulators (and the city platform's key) see them.
REGULATOR_ONLY: set[str] = {
    "security.refinerypoint",
    "security.refineryrecheck",
    "security.refineryhistory",
}
# How a model reaches a contractor's members (users of the contractor role, who have no company): they see
# only their own contractor's rows.
CONTRACTOR_PATHS: dict[str, str] = {
    "construction.application": "contractor__members",
    "construction.applicationoperator": "application__contractor__members",
    "construction.agreementversion": "operator__application__contractor__members",
    "construction.checkin": "application__contractor__members",
    "construction.applicationstep": "application__contractor__members",
    "construction.contractor": "members",
}

# Patrollers (巡护员) see their own team's patrol rows (the team's members), whatever their company.
TEAM_PATHS: dict[str, str] = {
    "patrols.team": "members",
    "patrols.patrolsection": "team__members",
    "patrols.checkpoint": "pipeline__patrol_sections__team__members",
    "patrols.patroltask": "team__members",
    "patrols.patroltaskevent": "task__team__members",
    "patrols.device": "team__members",
    "patrols.patroltrack": "team__members",
}
# Paths through a many-valued relation: the scoped rows are made distinct.
_MULTI_PATHS = {
    "companies",
    *(p for p in COMPANY_PATHS.values() if "operators__" in p),
    "applications__operators__company",
    "incidents__pipeline__company",  # a police case covers several theft incidents
}


def is_regulator(user) -> bool:
    """Office staff who see every company's data."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not getattr(user, "is_person", True):
        return False  # a company's API key (accounts/principals.py) is company staff, never a regulator
    cached = getattr(user, "_regulator_cache", None)
    if cached is None:
        cached = user.groups.filter(name__in=[INSPECTOR, MANAGER]).exists()
        user._regulator_cache = cached
    return cached


def is_patroller(user) -> bool:
    """A member of a patrol team (巡护员), who sees their own team's sections, tasks and tracks."""
    if not user.is_authenticated or not user.is_active or not getattr(user, "is_person", True):
        return False
    cached = getattr(user, "_patroller_cache", None)
    if cached is None:
        cached = user.groups.filter(name=PATROLLER).exists()
        user._patroller_cache = cached
    return cached


def company_path(model: type[Model]) -> str | None:
    return COMPANY_PATHS.get(model._meta.label_lower)


def scope_queryset(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see."""
    if is_regulator(user):
        return queryset
    team_path = TEAM_PATHS.get(queryset.model._meta.label_lower)
    if team_path is not None and is_patroller(user):
        return queryset.filter(**{team_path: user.pk}).distinct()
    if queryset.model._meta.label_lower in REGULATOR_ONLY:
        return queryset.none()
    path = company_path(queryset.model)
    if path is None:
        # Reference data (norms, clauses) is shared by everyone who may log in.
        return queryset if user.is_authenticated and user.is_active else queryset.none()
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if not getattr(user, "company_id", None):
        contractor_path = CONTRACTOR_PATHS.get(queryset.model._meta.label_lower)
        if contractor_path and getattr(user, "is_person", True):
            return queryset.filter(**{contractor_path: user.pk}).distinct()
        return queryset.none()
    scoped = queryset.filter(**{path: user.company_id})
    return scoped.distinct() if path in _MULTI_PATHS else scoped


def can_see_company(user, company_id: int) -> bool:
    return is_regulator(user) or (user.is_authenticated and user.company_id == company_id)
