"""Emergency plans and drills: saving them (a plan's PDF checked by content),
running a drill on a simulated incident, turning its findings into hazards,
and the nightly overdue flags. Each write is one transaction; the rules of
what is overdue are the pure ones of emergency/preparedness.py.
"""

from datetime import date, datetime, time

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import can_see_company
from common.errors import DomainError, NotPermitted
from companies.models import OperatingCompany
from emergency.choices import IncidentSource
from emergency.models import Drill, EmergencyPlan, Incident, PreparednessFlag
from emergency.preparedness import DrillFacts, PlanFacts, preparedness_flags
from hazards.choices import HazardCategory, HazardLevel, HazardSource
from hazards.models import Hazard
from hazards.uploads import validate_upload
from pipelines.models import Pipeline

PDF_ONLY = frozenset({"application/pdf"})
FINDING_PIPELINE_WITHIN_M = 500.0


def _require(actor, permission: str, company_id: int) -> None:
    if actor is not None and (not actor.has_perm(permission) or not can_see_company(actor, company_id)):
        raise NotPermitted()


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc


# --- plans -----------------------------------------------------------------


@transaction.atomic
def plan_save(*, plan: EmergencyPlan, actor=None, document=None) -> EmergencyPlan:
    """Save a plan; ``document`` (an uploaded file) must be a PDF within the size limit, checked by content."""
    _require(actor, "emergency.change_emergencyplan" if plan.pk else "emergency.add_emergencyplan", plan.company_id)
    _full_clean(plan)
    if document is None:
        plan.save()
        return plan
    checked = validate_upload(document, allowed=PDF_ONLY)
    old = plan.document.name if plan.pk else ""
    plan.document_name, plan.document_size = checked.original_name, checked.size
    plan.document.save(checked.storage_name, document, save=False)
    try:
        plan.save()
    except BaseException:
        plan.document.storage.delete(plan.document.name)
        raise
    if old and old != plan.document.name:
        storage = plan.document.storage
        transaction.on_commit(lambda: storage.delete(old))
    return plan


# --- drills ----------------------------------------------------------------


@transaction.atomic
def drill_save(*, drill: Drill, actor=None) -> Drill:
    _require(actor, "emergency.change_drill" if drill.pk else "emergency.add_drill", drill.company_id)
    _full_clean(drill)
    drill.save()
    return drill


@transaction.atomic
def drill_incident_run(*, drill: Drill, location: Point, kind: str, level: str, actor=None) -> Incident:
    """Run the drill on a simulated incident at ``location``: the same trace, marked as a drill, linked."""
    from emergency.services import incident_report

    drill = Drill.objects.select_for_update(of=("self",)).select_related("company").get(pk=drill.pk)
    _require(actor, "emergency.change_drill", drill.company_id)
    if drill.incident_id:
        raise DomainError(_("This drill already runs on simulated incident %(code)s.") % {"code": drill.incident})
    occurred = min(timezone.make_aware(datetime.combine(drill.held_on, time(9))), timezone.now())
    incident = incident_report(
        kind=kind,
        level=level,
        location=location,
        occurred_at=occurred,
        source=IncidentSource.DRILL,
        description=_("Drill of %(date)s: %(scenario)s")
        % {"date": drill.held_on.isoformat(), "scenario": drill.scenario},
        actor=actor,
        is_drill=True,
    )
    if incident.pipeline is None or incident.pipeline.company_id != drill.company_id:
        # Rolled back with the incident: a drill exercises its own company's network.
        raise DomainError(
            _("Pick a point on one of %(company)s's pipelines (within 50 m of it).") % {"company": drill.company},
            field="location",
        )
    drill.incident = incident
    drill.save(update_fields=["incident", "updated_at"])
    return incident


def _company_pipeline_near(company_id: int, point: Point) -> Pipeline | None:
    from integrations.services import nearest_pipeline

    pipeline = nearest_pipeline(point=point, max_m=FINDING_PIPELINE_WITHIN_M)
    return pipeline if pipeline is not None and pipeline.company_id == company_id else None


def _finding_hazard(drill: Drill, finding: dict, index: int, regulator: bool) -> Hazard:
    number = index + 1
    description = (finding.get("description") or "").strip()
    if not description:
        raise DomainError(_("Finding %(n)d: describe what was found.") % {"n": number})
    category = finding.get("category") or HazardCategory.MANAGEMENT
    level = finding.get("level") or HazardLevel.GENERAL
    if category not in HazardCategory.values or level not in HazardLevel.values:
        raise DomainError(_("Finding %(n)d: choose a category and a level from the lists.") % {"n": number})
    location = finding.get("location")
    incident = drill.incident
    if location is None and incident is None:
        raise DomainError(
            _("Finding %(n)d: give its place (the drill has no simulated incident to place it at).") % {"n": number}
        )
    if location is None:
        location, pipeline = incident.location, incident.pipeline
        chainage = incident.chainage_m if pipeline is not None else None
        if pipeline is not None and pipeline.company_id != drill.company_id:
            pipeline, chainage = None, None
    else:
        if location.srid != 4326:
            location = location.transform(4326, clone=True)
        pipeline, chainage = _company_pipeline_near(drill.company_id, location), None
    return Hazard(
        source=HazardSource.INSPECTION if regulator else HazardSource.SELF_REPORT,
        company_id=drill.company_id,
        pipeline=pipeline,
        chainage_m=chainage,
        location=location,
        category=category,
        level=level,
        description=description,
        found_on=drill.held_on,
    )


@transaction.atomic
def drill_findings_record(*, drill: Drill, findings: list[dict], actor=None) -> list[Hazard]:
    """Each finding (category, level, description, location optional: the simulated incident's point by default)
    becomes a hazard in state reported, linked to the drill and to its simulated incident."""
    from accounts.scoping import is_regulator
    from hazards.services import hazard_report

    drill = Drill.objects.select_for_update(of=("self",)).select_related("incident__pipeline").get(pk=drill.pk)
    _require(actor, "emergency.change_drill", drill.company_id)
    if not findings:
        raise DomainError(_("Record at least one finding."))
    regulator = actor is None or is_regulator(actor)
    hazards = [_finding_hazard(drill, finding, i, regulator) for i, finding in enumerate(findings)]
    # Company staff record their own drill's findings (a self-report) without the right to add hazards
    # elsewhere: the drill's permission was checked above, the hazard names them as reporter.
    may_report = actor is None or actor.has_perm("hazards.add_hazard")
    comment = _("Finding of drill %(drill)s.") % {"drill": drill}
    reported = []
    for hazard in hazards:
        if not may_report:
            hazard.reported_by = actor
        try:
            reported.append(hazard_report(hazard=hazard, actor=actor if may_report else None, comment=comment))
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    drill.hazards.add(*reported)
    if drill.incident_id:
        drill.incident.hazards.add(*reported)
    return reported


# --- overdue flags ---------------------------------------------------------


def company_flags(*, company: OperatingCompany, today: date) -> list:
    """The pure rules applied to one company's plans and drills."""
    plans = [
        PlanFacts(id=p.pk, effective_on=p.effective_on, last_reviewed_on=p.last_reviewed_on, filed_on=p.filed_on)
        for p in company.emergency_plans.all()
    ]
    drills = [DrillFacts(kind=d.kind, held_on=d.held_on) for d in company.drills.all()]
    since = timezone.localdate(company.created_at) if company.created_at else today
    return preparedness_flags(plans=plans, drills=drills, today=today, since=min(since, today))


@transaction.atomic
def preparedness_flags_sync(*, today: date | None = None) -> dict:
    """Store today's overdue flags: new ones raised, met ones cleared, the rest left as they are.

    Idempotent: a second run the same day changes nothing.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    raised = cleared = 0
    companies = OperatingCompany.objects.prefetch_related("emergency_plans", "drills").order_by("pk")
    for company in companies:
        # Two runs at once (a duplicated message) take turns per company, so a flag is never raised twice.
        OperatingCompany.objects.select_for_update().filter(pk=company.pk).first()
        wanted = {(f.kind, f.plan_id): f.due_on for f in company_flags(company=company, today=today)}
        open_flags = {
            (f.kind, f.plan_id): f
            for f in PreparednessFlag.objects.select_for_update().filter(company=company, cleared_at__isnull=True)
        }
        for key, flag in open_flags.items():
            if key not in wanted or wanted[key] != flag.due_on:
                flag.cleared_at = now
                flag.save(update_fields=["cleared_at"])
                cleared += 1
        for key, due_on in wanted.items():
            flag = open_flags.get(key)
            if flag is None or flag.due_on != due_on:
                PreparednessFlag.objects.create(
                    company=company, kind=key[0], plan_id=key[1], due_on=due_on, raised_at=now
                )
                raised += 1
    return {
        "raised": raised,
        "cleared": cleared,
        "open": PreparednessFlag.objects.filter(cleared_at__isnull=True).count(),
    }
