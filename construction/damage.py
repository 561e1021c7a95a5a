"""Damage or a near miss during the works: a hazard of category 第三方施工 (through the hazard services),
linked to the application; if it leaks, an emergency incident (emergency.services.incident_report), linked too.
"""

from datetime import datetime

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.principals import person
from accounts.scoping import is_regulator
from common.errors import DomainError, NotPermitted
from common.gis import to_metric, transformed
from construction.lifecycle import ApplicationStatus, DamageKind, StepKind
from construction.models import Application
from construction.services import _lock, _status_in, _step
from hazards.choices import HazardCategory, HazardLevel, HazardSource

DAMAGE_STATUSES = (ApplicationStatus.NOTIFIED, ApplicationStatus.UNDER_WAY, ApplicationStatus.COMPLETED)


def _side(actor, application: Application, permission: str) -> None:
    """The office, or staff of an operator concerned, holding ``permission``."""
    if actor is None:
        return
    if not actor.has_perm(permission):
        raise NotPermitted()
    if is_regulator(actor):
        return
    if getattr(actor, "company_id", None) and application.operators.filter(company_id=actor.company_id).exists():
        return
    raise NotPermitted()


def _point(application: Application, location: GEOSGeometry | None) -> GEOSGeometry:
    if location is None:
        return application.area.point_on_surface if application.area.geom_type != "Point" else application.area
    if location.srid is None:
        location.srid = 4326
    return location if location.srid == 4326 else transformed(location, 4326)


def _nearest_pipeline(application: Application, point: GEOSGeometry):
    """The pipeline of the operators concerned nearest ``point`` (the one damaged or nearly so)."""
    from pipelines.models import Pipeline

    codes = [p["pipeline_code"] for o in application.operators.all() for p in o.pipelines]
    pipelines = list(Pipeline.objects.filter(code__in=codes).select_related("company"))
    if not pipelines:
        raise DomainError(_("No pipeline is concerned by this application: there is nothing to report on."))
    where = to_metric(point)
    return min(pipelines, key=lambda pipeline: to_metric(pipeline.route).distance(where))


@transaction.atomic
def damage_report(
    *,
    application: Application,
    kind: str,
    description: str,
    actor=None,
    location: GEOSGeometry | None = None,
    level: str = HazardLevel.GENERAL,
):
    """A damage or near miss during the works becomes a hazard (category 第三方施工) on the nearest pipeline
    concerned, reported through hazards.services.hazard_report and linked to the application."""
    from hazards.models import Hazard
    from hazards.services import hazard_report
    from pipelines.chainage import pipeline_chainage_at

    application = _lock(application)
    _side(actor, application, "construction.view_application")
    if actor is not None and not (actor.has_perm("construction.review_application") or
                                  actor.has_perm("construction.answer_application")):  # fmt: skip
        raise NotPermitted()
    _status_in(application, DAMAGE_STATUSES, _("Report damage or a near miss"))
    if kind not in DamageKind.values:
        raise DomainError(_("Choose damage or near miss."), field="kind")
    if level not in HazardLevel.values:
        raise DomainError(_("Choose the level of the hazard."), field="level")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe what happened."), field="description")
    point = _point(application, location)
    pipeline = _nearest_pipeline(application, point)
    chainage, _offset = pipeline_chainage_at(pipeline=pipeline, point=point)
    label = DamageKind(kind).label
    hazard = Hazard(
        source=HazardSource.INSPECTION if actor is None or is_regulator(actor) else HazardSource.SELF_REPORT,
        company=pipeline.company,
        pipeline=pipeline,
        location=point,
        chainage_m=round(chainage, 1),
        place=application.project[:200],
        category=HazardCategory.THIRD_PARTY_CONSTRUCTION,
        level=level,
        description=f"【{label}】{application.number} {application.contractor.name}:{description}",
        found_on=timezone.localdate(),
        reported_by=person(actor),
    )
    # The hazard services check their own permission (hazards.add_hazard): the step's side and permission were
    # checked above, so the hazard is reported as by the system, naming the person as its reporter.
    hazard_report(hazard=hazard, actor=None, comment=_("From construction application %(number)s") % {
        "number": application.number})  # fmt: skip
    application.hazards.add(hazard)
    _step(application, StepKind.HAZARD_REPORTED, actor, comment=description, hazard=hazard.pk, code=hazard.code,
          damage_kind=kind)  # fmt: skip
    return hazard


@transaction.atomic
def incident_open(
    *,
    application: Application,
    kind: str,
    level: str,
    occurred_at: datetime,
    actor=None,
    location: GEOSGeometry | None = None,
    description: str = "",
    hazard=None,
):
    """It leaks: open an emergency incident (emergency.services.incident_report) at the works, linked to the
    application (and to the damage's hazard, when given)."""
    from emergency.choices import IncidentSource
    from emergency.services import EmergencyError, incident_hazard_link, incident_report

    application = _lock(application)
    _side(actor, application, "emergency.add_incident")
    _status_in(application, DAMAGE_STATUSES, _("Open an emergency incident"))
    point = _point(application, location)
    source = IncidentSource.INSPECTOR if actor is None or is_regulator(actor) else IncidentSource.COMPANY
    text = f"{application.number} {application.project}({application.contractor.name}):{description}".strip()
    try:
        incident = incident_report(kind=kind, level=level, location=point, occurred_at=occurred_at, source=source,
                                   description=text, reporter=str(actor or ""), actor=person(actor))  # fmt: skip
        if hazard is not None:
            incident_hazard_link(incident=incident, hazard=hazard, actor=person(actor))
    except EmergencyError as exc:
        raise DomainError(str(exc)) from exc
    application.incidents.add(incident)
    _step(application, StepKind.INCIDENT_OPENED, actor, comment=description, incident=incident.pk,
          code=incident.code)  # fmt: skip
    return incident
