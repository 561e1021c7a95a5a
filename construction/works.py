"""The works after approval: the 7-day notice, the start (refused while anything is missing), the guards'
check-ins, completion, closing and the nightly expiry. Same rules as construction/services.py (one
transaction, the actor's side, the life cycle, the history row); re-exported there."""

from datetime import date, timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.principals import person
from common.errors import DomainError
from common.gis import to_metric, transformed
from construction.lifecycle import CHECKIN_MAX_DISTANCE_M, NOTICE_DAYS, ApplicationStatus, StepKind
from construction.models import Application, CheckIn
from construction.steps import _lock, _require, _save, _status_in, _step, _today, application_missing
from hazards.uploads import PHOTO_TYPES, validate_upload


@transaction.atomic
def notice_send(*, application: Application, actor=None, sent_on: date | None = None) -> Application:
    """The written notice to every operator (Art. 37), logged with its date: work may start 7 days later at
    the earliest."""
    application = _lock(application)
    _require(actor, "construction.progress_application", application=application, contractor=True)
    _status_in(application, (ApplicationStatus.APPROVED,), _("Send the 7-day notice"))
    sent_on = sent_on or _today()
    if sent_on > _today():
        raise DomainError(_("A notice cannot be sent in the future."), field="sent_on")
    earliest = sent_on + timedelta(days=NOTICE_DAYS)
    application.status = ApplicationStatus.NOTIFIED
    application.notice_sent_on = sent_on
    _save(application, ["status", "notice_sent_on"])
    operators = [operator.company.name for operator in application.operators.select_related("company")]
    _step(application, StepKind.NOTICE_SENT, actor, sent_on=sent_on, earliest_start=earliest, operators=operators)
    return application


def earliest_start(application: Application) -> date | None:
    if application.notice_sent_on is None:
        return None
    return max(application.planned_start, application.notice_sent_on + timedelta(days=NOTICE_DAYS))


@transaction.atomic
def application_start(*, application: Application, actor=None, started_on: date | None = None) -> Application:
    """Mark the work started: only once every operator has answered and has an agreement (or the office's
    safety review), the notice reached them at least 7 days before, and the approval has not lapsed."""
    application = _lock(application)
    _require(actor, "construction.progress_application", application=application, contractor=True)
    if application.status == ApplicationStatus.APPROVED:
        raise DomainError(_("The work cannot start: the 7-day notice to the operators has not been sent (Art. 37)."))
    _status_in(application, (ApplicationStatus.NOTIFIED,), _("Start the work"))
    missing = application_missing(application)
    if missing:
        raise DomainError(_("The work cannot start yet: %(missing)s.") % {"missing": "; ".join(missing)})
    started_on = started_on or _today()
    if started_on > _today():
        raise DomainError(_("The start cannot be in the future."), field="started_on")
    first = earliest_start(application)
    if started_on < first:
        raise DomainError(
            _("The work cannot start before %(date)s (the planned start, and 7 days after the notice of %(notice)s).")
            % {"date": first.isoformat(), "notice": application.notice_sent_on.isoformat()}
        )
    if application.valid_until and started_on > application.valid_until:
        raise DomainError(
            _("The approval lapsed on %(date)s: the work can no longer start.")
            % {"date": application.valid_until.isoformat()}
        )
    application.status = ApplicationStatus.UNDER_WAY
    application.started_on = started_on
    _save(application, ["status", "started_on"])
    _step(application, StepKind.STARTED, actor, started_on=started_on)
    return application


@transaction.atomic
def checkin_record(
    *,
    application: Application,
    location: GEOSGeometry,
    photo,
    actor=None,
    at=None,
    accuracy_m: float | None = None,
    note: str = "",
) -> CheckIn:
    """An on-site supervision check-in by an operator's guard: photo, position (within 500 m of the work
    area) and time."""
    application = _lock(application)
    operator = None
    if actor is not None and getattr(actor, "company_id", None):
        operator = application.operators.filter(company_id=actor.company_id).first()
    _require(actor, "construction.checkin_application", application=application,
             company_id=operator.company_id if operator else None)  # fmt: skip
    _status_in(application, (ApplicationStatus.NOTIFIED, ApplicationStatus.UNDER_WAY), _("Check in"))
    if location is None:
        raise DomainError(_("The position is missing: allow the phone to share its location."), field="location")
    if location.srid is None:
        location.srid = 4326
    location = location if location.srid == 4326 else transformed(location, 4326)
    if not (-180 <= location.x <= 180 and -90 <= location.y <= 90):
        raise DomainError(_("The position is not a valid longitude and latitude."), field="location")
    distance = to_metric(application.area).distance(to_metric(location))
    if distance > CHECKIN_MAX_DISTANCE_M:
        raise DomainError(
            _("The position is %(distance).0f m from the work area; check in on site (within %(limit).0f m).")
            % {"distance": distance, "limit": CHECKIN_MAX_DISTANCE_M},
            field="location",
        )
    if photo is None:
        raise DomainError(_("Take a photo of the site."), field="photo")
    checked = validate_upload(photo, allowed=PHOTO_TYPES)
    checkin = CheckIn(
        application=application,
        operator=operator,
        guard=person(actor),
        at=at or timezone.now(),
        location=location,
        accuracy_m=accuracy_m,
        distance_m=round(distance, 1),
        note=note[:500],
    )
    checkin.photo.save(checked.storage_name, photo, save=False)
    try:
        checkin.save()
        _step(application, StepKind.CHECKED_IN, actor, operator=operator, comment=note, at=checkin.at,
              checkin=checkin.pk, distance_m=checkin.distance_m)  # fmt: skip
    except BaseException:
        checkin.photo.storage.delete(checkin.photo.name)
        raise
    return checkin


@transaction.atomic
def application_complete(
    *,
    application: Application,
    backfilled: bool,
    markers_restored: bool,
    actor=None,
    completed_on: date | None = None,
    comment: str = "",
) -> Application:
    """The work is finished: the trench backfilled and the pipeline markers restored."""
    application = _lock(application)
    _require(actor, "construction.progress_application", application=application, contractor=True)
    _status_in(application, (ApplicationStatus.UNDER_WAY,), _("Complete"))
    if not backfilled or not markers_restored:
        raise DomainError(_("The work is complete only once backfilled and the pipeline markers restored."))
    completed_on = completed_on or _today()
    if completed_on < application.started_on or completed_on > _today():
        raise DomainError(_("The completion date must lie between the start and today."), field="completed_on")
    application.status = ApplicationStatus.COMPLETED
    application.completed_on = completed_on
    _save(application, ["status", "completed_on"])
    _step(application, StepKind.COMPLETED, actor, comment=comment, completed_on=completed_on, backfilled=True,
          markers_restored=True)  # fmt: skip
    return application


@transaction.atomic
def application_close(*, application: Application, actor=None, comment: str = "") -> Application:
    application = _lock(application)
    _require(actor, "construction.review_application")
    _status_in(
        application,
        (ApplicationStatus.COMPLETED, ApplicationStatus.EXPIRED, ApplicationStatus.REFUSED),
        _("Close"),
    )
    application.status = ApplicationStatus.CLOSED
    application.closed_at = timezone.now()
    _save(application, ["status", "closed_at"])
    _step(application, StepKind.CLOSED, actor, comment=comment)
    return application


def applications_expire(*, today: date | None = None) -> list[str]:
    """The nightly job: approvals whose work has not started by ``valid_until`` lapse. Idempotent."""
    today = today or _today()
    expired = []
    due = Application.objects.filter(
        status__in=(ApplicationStatus.APPROVED, ApplicationStatus.NOTIFIED), valid_until__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=pk)
            if application.status not in (ApplicationStatus.APPROVED, ApplicationStatus.NOTIFIED):
                continue
            application.status = ApplicationStatus.EXPIRED
            application.expired_on = today
            application.save(update_fields=["status", "expired_on", "updated_at"])
            _step(application, StepKind.EXPIRED, None, valid_until=application.valid_until)
            expired.append(application.number)
    return expired
