"""Theft incidents and police cases: each write is one transaction with its
history row (TheftHistory). Views, admin, API and tasks call these and hold no
rules. Refinery points: security/refinery.py."""

import hashlib
from datetime import date
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, InvalidUpload
from common.gis import transformed
from hazards.uploads import validate_upload
from pipelines.chainage import pipeline_chainage_at
from pipelines.models import Pipeline
from security.choices import STEP_DATE_FIELDS, THEFT_TRANSITIONS, TheftAction, TheftStatus
from security.events import hotspot_formed_after_commit, theft_found_after_commit
from security.models import PoliceCase, TheftEvidence, TheftHistory, TheftIncident

# A tap lies on its pipeline: the point may be at most this far from the centreline (positions are rough).
THEFT_MAX_OFFSET_M = 50.0
EARLIEST_DAY = date(2000, 1, 1)


class SecurityError(DomainError):
    """A request the rules refuse; the message says why (shown to the user as is)."""


def county_at(point: Point) -> str:
    """The county whose area holds ``point`` (EPSG:4326), as the emergency answer finds the county's contacts
    (emergency.CountyContact.area); "" outside every county."""
    from emergency.models import CountyContact

    return (
        CountyContact.objects.filter(area__contains=point).order_by("county").values_list("county", flat=True).first()
        or ""
    )


def _wgs84(point: Point) -> Point:
    return transformed(point, 4326) if point.srid not in (None, 4326) else Point(point.x, point.y, srid=4326)


def theft_place(*, pipeline: Pipeline, location: Point) -> tuple[float, float]:
    """(chainage, offset) of the tap on ``pipeline``; SecurityError when it lies too far from it."""
    chainage, offset = pipeline_chainage_at(pipeline=pipeline, point=_wgs84(location))
    if offset > THEFT_MAX_OFFSET_M:
        raise SecurityError(
            _("The point lies %(offset).0f m from pipeline %(code)s; a tap must lie within %(limit).0f m of it.")
            % {"offset": offset, "code": pipeline.code, "limit": THEFT_MAX_OFFSET_M}
        )
    return chainage, offset


def _day_check(day: date, today: date, label: str) -> None:
    if not EARLIEST_DAY <= day <= today:
        raise SecurityError(_("%(what)s must lie between 2000 and today.") % {"what": label})


def _next_code(prefix: str, model, day: date) -> str:
    head = f"{prefix}-{day.year}-"
    last = model.objects.filter(code__startswith=head).aggregate(m=Max("code"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{head}{number:04d}"


def _decimal(value):
    """A float as the decimal it prints as (0.1 stays 0.1); other values as given (the model checks them)."""
    return Decimal(str(value)) if isinstance(value, float) else value


def _history(incident, action, *, on, actor=None, comment="", details=None, from_status="", to_status=""):
    return TheftHistory.objects.create(
        incident=incident,
        action=action,
        on=on,
        actor=actor,
        comment=comment,
        details=details or {},
        from_status=from_status,
        to_status=to_status,
    )


@transaction.atomic
def theft_record(
    *,
    pipeline: Pipeline,
    location: Point,
    found_on: date,
    found_how: str,
    tap_kind: str,
    tapped_on: date | None = None,
    volume_lost_t=0,
    shutdown_hours=0,
    repair: str = "",
    cost_yuan=0,
    description: str = "",
    actor=None,
    today: date | None = None,
) -> TheftIncident:
    """Record a theft incident (status 发现) at ``location`` on ``pipeline``; its chainage comes from the point.

    After commit: the "theft incident found" signal, and "hotspot formed" when it links lone incidents into
    a cluster that is active today."""
    today = today or timezone.localdate()
    _day_check(found_on, today, _("The day it was found"))
    if tapped_on is not None and tapped_on > found_on:
        raise SecurityError(_("The tap cannot have been made after it was found."))
    location = _wgs84(location)
    chainage, offset = theft_place(pipeline=pipeline, location=location)
    incident = TheftIncident(
        code=_next_code("DY", TheftIncident, found_on),
        pipeline=pipeline,
        chainage_m=round(chainage, 1),
        offset_m=round(offset, 1),
        location=location,
        county=county_at(location),
        found_on=found_on,
        found_how=found_how,
        tap_kind=tap_kind,
        tapped_on=tapped_on,
        volume_lost_t=_decimal(volume_lost_t),
        shutdown_hours=_decimal(shutdown_hours),
        repair=repair,
        cost_yuan=_decimal(cost_yuan),
        description=description,
        recorded_by=actor,
    )
    try:
        incident.full_clean()
    except ValidationError as exc:
        raise SecurityError(" ".join(exc.messages)) from exc
    incident.save()
    _history(
        incident,
        TheftAction.RECORDED,
        on=found_on,
        actor=actor,
        to_status=TheftStatus.FOUND,
        details={"pipeline": pipeline.code, "chainage_m": incident.chainage_m},
    )
    theft_found_after_commit(incident)
    from security.hotspots import hotspot_formed_by

    cluster = hotspot_formed_by(incident)
    if cluster is not None and cluster.active_on(today.toordinal()):
        hotspot_formed_after_commit(cluster)
    return incident


def theft_next_steps(incident: TheftIncident) -> list[str]:
    return list(THEFT_TRANSITIONS[incident.status])


@transaction.atomic
def theft_step(
    *,
    incident: TheftIncident,
    to_status: str,
    on: date | None = None,
    actor=None,
    comment: str = "",
    police_case: PoliceCase | None = None,
    today: date | None = None,
) -> TheftIncident:
    """Move the incident one step along its life cycle (patrols.md); any other move is refused, naming the
    steps that may follow. 立案 may name the police case."""
    incident = TheftIncident.objects.select_for_update().get(pk=incident.pk)
    today = today or timezone.localdate()
    on = on or today
    if to_status not in TheftStatus.values:
        raise SecurityError(_("Unknown step “%(step)s”.") % {"step": to_status})
    allowed = THEFT_TRANSITIONS[incident.status]
    if to_status not in allowed:
        if allowed:
            follow = "、".join(str(TheftStatus(s).label) for s in allowed)
            message = _("The incident is at “%(status)s”: “%(step)s” cannot follow; next may come: %(next)s.")
        else:
            follow = ""
            message = _("The incident is at “%(status)s”: “%(step)s” cannot follow; its file is closed.")
        raise SecurityError(
            message % {"status": incident.get_status_display(), "step": TheftStatus(to_status).label, "next": follow}
        )
    _day_check(on, today, _("The date of the step"))
    if on < incident.found_on:
        message = _("A step cannot happen before the incident was found (%(day)s).")
        raise SecurityError(message % {"day": incident.found_on})
    previous = incident.status
    earlier = [getattr(incident, f) for f in STEP_DATE_FIELDS.values() if getattr(incident, f)]
    if earlier and on < max(earlier):
        raise SecurityError(_("A step cannot happen before the previous one (%(day)s).") % {"day": max(earlier)})
    if police_case is not None and to_status != TheftStatus.FILED:
        raise SecurityError(_("A police case is named when the case is filed (立案)."))
    incident.status = to_status
    setattr(incident, STEP_DATE_FIELDS[to_status], on)
    fields = ["status", STEP_DATE_FIELDS[to_status], "updated_at"]
    details = {}
    if police_case is not None:
        incident.police_case = police_case
        fields.append("police_case")
        details["police_case"] = police_case.number
    incident.save(update_fields=fields)
    _history(
        incident,
        TheftAction.STEP,
        on=on,
        actor=actor,
        comment=comment,
        details=details,
        from_status=previous,
        to_status=to_status,
    )
    return incident


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def theft_evidence_add(*, incident: TheftIncident, file, description: str = "", actor=None) -> TheftEvidence:
    """Keep an evidence file (JPEG, PNG or PDF, checked by content and size as hazards' evidence is) with its
    SHA-256; the history records the hash."""
    incident = TheftIncident.objects.select_for_update().get(pk=incident.pk)
    try:
        checked = validate_upload(file)
    except InvalidUpload as exc:
        raise SecurityError(str(exc.message)) from exc
    digest = _sha256(file)
    evidence = TheftEvidence(
        incident=incident,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=digest,
        description=description,
        uploaded_by=actor,
    )
    evidence.file.save(checked.storage_name, file, save=False)
    evidence.save()
    _history(
        incident,
        TheftAction.EVIDENCE,
        on=timezone.localdate(),
        actor=actor,
        comment=description,
        details={"file": checked.original_name, "sha256": digest, "size": checked.size},
    )
    return evidence


def evidence_intact(evidence: TheftEvidence) -> bool:
    """Whether the stored file still has the SHA-256 recorded when it was uploaded."""
    try:
        with evidence.file.open("rb") as handle:
            return _sha256(handle) == evidence.sha256
    except FileNotFoundError:
        return False


@transaction.atomic
def police_case_create(
    *,
    number: str,
    unit: str,
    charge: str,
    opened_on: date,
    suspects: str = "",
    suspect_count: int = 0,
    notes: str = "",
    incidents=(),
    actor=None,
) -> PoliceCase:
    """A police case (公安案件), covering the given incidents (each gets a history row)."""
    case = PoliceCase(
        number=number.strip(),
        unit=unit,
        charge=charge,
        opened_on=opened_on,
        suspects=suspects,
        suspect_count=suspect_count,
        notes=notes,
    )
    try:
        case.full_clean()
    except ValidationError as exc:
        raise SecurityError(" ".join(exc.messages)) from exc
    case.save()
    for incident in incidents:
        theft_case_link(incident=incident, police_case=case, actor=actor)
    return case


@transaction.atomic
def theft_case_link(*, incident: TheftIncident, police_case: PoliceCase, actor=None) -> TheftIncident:
    """The incident is covered by ``police_case`` (a case may cover several incidents; an incident one case)."""
    incident = TheftIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.police_case_id == police_case.pk:
        raise SecurityError(_("%(code)s is already in case %(case)s.") % {"code": incident.code, "case": police_case})
    if incident.police_case_id is not None:
        raise SecurityError(
            _("%(code)s is already in case %(case)s.") % {"code": incident.code, "case": incident.police_case}
        )
    incident.police_case = police_case
    incident.save(update_fields=["police_case", "updated_at"])
    _history(
        incident, TheftAction.CASE, on=timezone.localdate(), actor=actor, details={"police_case": police_case.number}
    )
    return incident


@transaction.atomic
def theft_emergency_link(*, incident: TheftIncident, emergency_incident, actor=None) -> TheftIncident:
    """Link an emergency incident (应急事件, usually of kind theft tap) to the theft incident; both pages show
    the link. Recorded in the theft incident's history."""
    incident = TheftIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.emergency_incidents.filter(pk=emergency_incident.pk).exists():
        raise SecurityError(_("Emergency incident %(code)s is already linked.") % {"code": emergency_incident.code})
    incident.emergency_incidents.add(emergency_incident)
    _history(
        incident,
        TheftAction.EMERGENCY,
        on=timezone.localdate(),
        actor=actor,
        details={"emergency_incident": emergency_incident.pk, "code": emergency_incident.code},
    )
    return incident


THEFT_EDITABLE = ("volume_lost_t", "shutdown_hours", "cost_yuan", "repair", "description")


@transaction.atomic
def theft_details_edit(*, incident: TheftIncident, actor=None, **changes) -> TheftIncident:
    """Correct the figures and notes known later (volume lost, shutdown hours, cost, repair, description);
    the history keeps what each was before and after. The place, dates and status are never edited."""
    unknown = set(changes) - set(THEFT_EDITABLE)
    if unknown:
        raise SecurityError(_("These cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    incident = TheftIncident.objects.select_for_update().get(pk=incident.pk)
    before = {f: str(getattr(incident, f)) for f in changes}
    for name, value in changes.items():
        setattr(incident, name, value)
    changed = {f: [before[f], str(getattr(incident, f))] for f in changes if before[f] != str(getattr(incident, f))}
    if not changed:
        return incident
    try:
        incident.full_clean()
    except ValidationError as exc:
        raise SecurityError(" ".join(exc.messages)) from exc
    incident.save(update_fields=[*changed, "updated_at"])
    _history(incident, TheftAction.EDITED, on=timezone.localdate(), actor=actor, details={"changes": changed})
    return incident
