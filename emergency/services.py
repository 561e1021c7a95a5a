"""Emergency response: valves placed on their pipelines, the isolation answer,
incidents and their time line. Each write is one transaction with its
record; the answer itself is computed by the pure engine (emergency/engine/).
"""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.gis import transformed
from emergency.choices import STEP_ORDER, IncidentSource, IncidentStepKind
from emergency.engine import PLACE_WITHIN_M, incident_answer
from emergency.events import step_recorded_after_commit
from emergency.loading import metric_point, network_current, reach_load
from emergency.models import VALVE_MAX_OFFSET_M, Incident, IncidentStep, Valve
from pipelines.chainage import pipeline_chainage_at
from pipelines.models import Pipeline


class EmergencyError(Exception):
    """A request the rules refuse; the message says why (shown to the user as is)."""


def liquid_radius_m() -> float:
    return float(settings.EMERGENCY_LIQUID_RADIUS_M)


# --- valves ----------------------------------------------------------------


def valve_place(*, pipeline: Pipeline, location: Point) -> tuple[float, float]:
    """(chainage, distance from the centreline) of a valve at ``location`` on ``pipeline``, in metres.

    Raises ``ValidationError`` when the point lies more than VALVE_MAX_OFFSET_M from the pipeline.
    """
    if location.srid not in (None, 4326):
        location = transformed(location, 4326)
    chainage, offset = pipeline_chainage_at(pipeline=pipeline, point=location)  # as hazards measure it
    if offset > VALVE_MAX_OFFSET_M:
        raise ValidationError(
            _("The valve lies %(offset).1f m from pipeline %(code)s; it must lie within %(limit).0f m of it.")
            % {"offset": offset, "code": pipeline.code, "limit": VALVE_MAX_OFFSET_M}
        )
    return chainage, offset


@transaction.atomic
def valve_save(*, valve: Valve) -> Valve:
    """Place the valve on its pipeline (chainage from the nearest point) and save it."""
    valve.chainage_m, valve.offset_m = valve_place(pipeline=valve.pipeline, location=valve.location)
    valve.full_clean()
    valve.save()
    return valve


# --- the answer ------------------------------------------------------------


def isolation_answer(*, location: Point, failed_codes=()) -> dict:
    """emergency.md's answer for an incident at ``location`` (EPSG:4326 or any SRID): trace, reach, contacts
    (the operating company's, and the county's whose area holds the incident's place on the pipeline)."""
    loaded = network_current()
    unknown = sorted(set(failed_codes) - {v.code for v in loaded.network.valves}) if failed_codes else []
    if unknown:
        raise EmergencyError(_("Unknown valve codes: %(codes)s.") % {"codes": ", ".join(unknown)})
    point = metric_point(location)
    answer = incident_answer(loaded.network, point, failed_codes=failed_codes, liquid_radius_m=liquid_radius_m())
    if answer["pipeline_code"] is None:
        return answer
    pipe_index, chainage, _distance = loaded.network.locate(point, PLACE_WITHIN_M)
    radius = answer_radius(loaded.network.pipes[pipe_index])
    place = loaded.network.pipes[pipe_index].line.interpolate(chainage)
    from emergency.loading import wgs84_point

    on_pipeline = wgs84_point(place.x, place.y)
    reach = reach_load(on_pipeline, radius).query(place, radius)
    answer["reach"] = reach
    company = loaded.companies[pipe_index]
    answer["contacts"] = {
        "company": {"name": company["name"], "contact_person": company["contact_person"], "phone": company["phone"]},
        "county": county_contacts(on_pipeline),
    }
    answer["place"] = {"lon": round(on_pipeline.x, 7), "lat": round(on_pipeline.y, 7)}
    return answer


def county_contacts(point) -> list[dict]:
    """The emergency contacts of the county (or counties) whose area holds ``point`` (EPSG:4326)."""
    from emergency.models import CountyContact

    return [
        {"county": county, "name": name, "role": role, "phone": phone}
        for county, name, role, phone in CountyContact.objects.filter(area__contains=point)
        .order_by("county", "pk")
        .values_list("county", "name", "role", "phone")
    ]


def answer_radius(pipe) -> float:
    from emergency.engine import reach_radius

    return reach_radius(
        medium=pipe.medium,
        outer_diameter_mm=pipe.outer_diameter_mm,
        maop_mpa=pipe.maop_mpa,
        liquid_radius_m=liquid_radius_m(),
    )


# --- incidents -------------------------------------------------------------

EARLIEST_INCIDENT = datetime(2000, 1, 1, tzinfo=UTC)


def incident_time_check(occurred_at: datetime) -> None:
    """An incident happened between 2000 and now; raises EmergencyError otherwise."""
    if not EARLIEST_INCIDENT <= occurred_at <= timezone.now():
        raise EmergencyError(_("The time of the incident must lie between 2000 and now."))


def _next_code(at: datetime) -> str:
    year = timezone.localtime(at).year
    prefix = f"SJ-{year}-"
    last = Incident.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


@transaction.atomic
def incident_report(
    *,
    kind: str,
    level: str,
    location: Point,
    occurred_at: datetime,
    source: str = IncidentSource.INSPECTOR,
    description: str = "",
    reporter: str = "",
    actor=None,
    is_drill: bool = False,
    reported_at: datetime | None = None,
) -> Incident:
    """Record an incident with the isolation answer as computed now, and its first step
    (at ``reported_at``, by default now)."""
    if location.srid != 4326:
        location = transformed(location, 4326)
    answer = isolation_answer(location=location)
    pipeline = None
    if answer["pipeline_code"] is not None:
        pipeline = Pipeline.objects.select_related("company").get(code=answer["pipeline_code"])
    incident_time_check(occurred_at)
    now = reported_at or timezone.now()
    if now < occurred_at:
        raise EmergencyError(_("An incident cannot be reported before it happened."))
    incident = Incident(
        code=_next_code(occurred_at),
        kind=kind,
        level=level,
        source=source,
        occurred_at=occurred_at,
        description=description,
        reporter=reporter,
        reported_by=actor,
        location=location,
        pipeline=pipeline,
        company=pipeline.company if pipeline else None,
        chainage_m=answer.get("chainage_m"),
        trace=answer,
        is_drill=is_drill,
    )
    try:
        incident.full_clean()
    except ValidationError as exc:
        raise EmergencyError(" ".join(exc.messages)) from exc
    incident.save()
    step = IncidentStep.objects.create(
        incident=incident, kind=IncidentStepKind.REPORTED, at=now, actor=actor, details={"trace": answer}
    )
    step_recorded_after_commit(step)
    return incident


@transaction.atomic
def incident_valve_failed(*, incident: Incident, valve_code: str, actor=None, comment: str = "") -> Incident:
    """A valve could not be closed: recompute the next ring of valves and keep both answers."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status not in (IncidentStepKind.REPORTED,):
        raise EmergencyError(_("Valves can be reported as failed only before they are all closed."))
    if incident.pipeline_id is None:
        raise EmergencyError(_("The incident is not on a pipeline: there are no valves to close."))
    if valve_code in incident.failed_valves:
        raise EmergencyError(_("Valve %(code)s is already reported as failed.") % {"code": valve_code})
    failed = [*incident.failed_valves, valve_code]
    answer = isolation_answer(location=incident.location, failed_codes=failed)
    incident.failed_valves = failed
    incident.trace = answer
    incident.save(update_fields=["failed_valves", "trace", "updated_at"])
    step = IncidentStep.objects.create(
        incident=incident,
        kind=IncidentStepKind.VALVE_FAILED,
        at=timezone.now(),
        actor=actor,
        comment=comment,
        details={"valve": valve_code, "trace": answer},
    )
    step_recorded_after_commit(step)
    return incident


@transaction.atomic
def incident_step_record(
    *, incident: Incident, kind: str, actor=None, at: datetime | None = None, comment: str = ""
) -> Incident:
    """The next step of the time line (reported → valves closed → leak stopped → area cleared → closed).

    Steps may be skipped forwards (a theft tap may need no valves closed) but never repeated or taken back.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if kind not in STEP_ORDER[1:]:
        raise EmergencyError(_("Unknown step %(kind)s.") % {"kind": kind})
    if STEP_ORDER.index(kind) <= STEP_ORDER.index(incident.status):
        raise EmergencyError(
            _("The incident is already at “%(status)s”: “%(step)s” cannot follow.")
            % {"status": incident.get_status_display(), "step": IncidentStepKind(kind).label}
        )
    at = at or timezone.now()
    if at < incident.occurred_at:
        raise EmergencyError(_("A step cannot happen before the incident."))
    incident.status = kind
    incident.save(update_fields=["status", "updated_at"])
    step = IncidentStep.objects.create(incident=incident, kind=kind, at=at, actor=actor, comment=comment)
    step_recorded_after_commit(step)
    return incident


@transaction.atomic
def incident_hazard_link(*, incident: Incident, hazard, actor=None) -> Incident:
    """Link a hazard to the incident (e.g. the corrosion found where it leaked); recorded on the time line."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.hazards.filter(pk=hazard.pk).exists():
        raise EmergencyError(_("Hazard %(code)s is already linked.") % {"code": hazard.code})
    incident.hazards.add(hazard)
    IncidentStep.objects.create(
        incident=incident,
        kind=IncidentStepKind.HAZARD_LINKED,
        at=timezone.now(),
        actor=actor,
        details={"hazard": hazard.pk, "code": hazard.code},
    )
    return incident
