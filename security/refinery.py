"""Illegal refinery points (土炼油点): recorded, shut down, re-checked at +30,
+90 and +180 days after each closure; a re-check that finds one working again
reopens it (死灰复燃) and counts it. Each write is one transaction with its
history row (RefineryHistory)."""

from datetime import date, timedelta

from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from security.choices import RECHECK_DAYS, RecheckResult, RefineryAction, RefineryStatus
from security.models import RefineryHistory, RefineryPoint, RefineryRecheck
from security.services import SecurityError, _day_check, _next_code, _wgs84, county_at


def _history(point, action, *, on, actor=None, comment="", details=None):
    return RefineryHistory.objects.create(
        point=point, action=action, on=on, actor=actor, comment=comment, details=details or {}
    )


@transaction.atomic
def refinery_record(
    *,
    kind: str,
    found_on: date,
    location: Point | None = None,
    area: Polygon | None = None,
    name: str = "",
    description: str = "",
    actor=None,
    today: date | None = None,
) -> RefineryPoint:
    """Record a refinery point found working: at a point, or an area (its point is then the area's centre)."""
    today = today or timezone.localdate()
    _day_check(found_on, today, _("The day it was found"))
    if area is not None:
        area = _wgs84_polygon(area)
        if location is None:
            location = area.point_on_surface
    if location is None:
        raise SecurityError(_("Give the point or draw the area of the refinery point."))
    location = _wgs84(location)
    point = RefineryPoint(
        code=_next_code("TL", RefineryPoint, found_on),
        name=name,
        kind=kind,
        location=location,
        area=area,
        county=county_at(location),
        found_on=found_on,
        description=description,
    )
    try:
        point.full_clean()
    except ValidationError as exc:
        raise SecurityError(" ".join(exc.messages)) from exc
    point.save()
    _history(point, RefineryAction.RECORDED, on=found_on, actor=actor)
    return point


def _wgs84_polygon(area):
    from common.gis import transformed

    if area.srid not in (None, 4326):
        return transformed(area, 4326)
    area.srid = 4326
    return area


@transaction.atomic
def refinery_shut(
    *, point: RefineryPoint, on: date, by: str, actor=None, comment: str = "", today: date | None = None
) -> RefineryPoint:
    """Shut the point down (取缔) on ``on`` by ``by``: a new closure whose re-checks fall due at +30, +90, +180."""
    point = RefineryPoint.objects.select_for_update().get(pk=point.pk)
    today = today or timezone.localdate()
    if point.status == RefineryStatus.SHUT:
        message = _("%(code)s is already shut down (on %(day)s).")
        raise SecurityError(message % {"code": point.code, "day": point.shut_down_on})
    _day_check(on, today, _("The day it was shut down"))
    if on < point.found_on:
        raise SecurityError(_("A point cannot be shut down before it was found (%(day)s).") % {"day": point.found_on})
    if not by.strip():
        raise SecurityError(_("Name who shut it down."))
    last = point.history.filter(action=RefineryAction.REOPENED).order_by("-on").values_list("on", flat=True).first()
    if last and on < last:
        message = _("A point cannot be shut down before it was found working again (%(day)s).")
        raise SecurityError(message % {"day": last})
    point.status = RefineryStatus.SHUT
    point.shut_down_on = on
    point.shut_down_by = by.strip()
    point.closures += 1
    point.save(update_fields=["status", "shut_down_on", "shut_down_by", "closures", "updated_at"])
    _history(
        point,
        RefineryAction.SHUT,
        on=on,
        actor=actor,
        comment=comment,
        details={
            "by": point.shut_down_by,
            "closure": point.closures,
            "rechecks_due": [(on + timedelta(days=d)).isoformat() for d in RECHECK_DAYS],
        },
    )
    return point


def rechecks_due(point: RefineryPoint) -> list[tuple[int, date]]:
    """(days after closure, due date) of the current closure's re-checks."""
    if point.status != RefineryStatus.SHUT:
        return []
    return [(days, point.shut_down_on + timedelta(days=days)) for days in RECHECK_DAYS]


@transaction.atomic
def refinery_rechecks_raise(*, today: date | None = None) -> int:
    """The beat job: raise every re-check of a shut point that has fallen due and is not raised yet (each
    once per point, closure and offset, however often it runs). Returns how many were raised."""
    today = today or timezone.localdate()
    raised = 0
    earliest = today - timedelta(days=min(RECHECK_DAYS))
    shut = RefineryPoint.objects.filter(status=RefineryStatus.SHUT, shut_down_on__lte=earliest)
    existing = set(RefineryRecheck.objects.filter(point__in=shut).values_list("point_id", "closure", "offset_days"))
    for point in shut:
        for days, due in rechecks_due(point):
            if due > today or (point.pk, point.closures, days) in existing:
                continue
            try:
                with transaction.atomic():
                    RefineryRecheck.objects.create(point=point, closure=point.closures, offset_days=days, due_on=due)
            except IntegrityError:
                continue  # raised meanwhile by another run
            details = {"offset_days": days, "closure": point.closures}
            _history(point, RefineryAction.RECHECK_DUE, on=due, details=details)
            raised += 1
    return raised


@transaction.atomic
def refinery_recheck_record(
    *,
    recheck: RefineryRecheck,
    working: bool,
    on: date | None = None,
    checked_by: str = "",
    comment: str = "",
    actor=None,
    today: date | None = None,
) -> RefineryRecheck:
    """Record a re-check's result. Found working again: the point reopens (status working), its recurrence is
    counted, and the closure's remaining re-checks are no longer needed."""
    recheck = RefineryRecheck.objects.select_for_update().select_related("point").get(pk=recheck.pk)
    point = RefineryPoint.objects.select_for_update().get(pk=recheck.point_id)
    today = today or timezone.localdate()
    on = on or today
    if recheck.result:
        message = _("This re-check is already recorded (%(result)s).")
        raise SecurityError(message % {"result": recheck.get_result_display()})
    if recheck.closure != point.closures or point.status != RefineryStatus.SHUT:
        raise SecurityError(_("This re-check belongs to an earlier closure of %(code)s.") % {"code": point.code})
    _day_check(on, today, _("The day of the re-check"))
    if on < point.shut_down_on:
        raise SecurityError(_("A re-check cannot happen before the closure (%(day)s).") % {"day": point.shut_down_on})
    recheck.result = RecheckResult.WORKING_AGAIN if working else RecheckResult.STILL_SHUT
    recheck.done_on = on
    recheck.checked_by = checked_by
    recheck.comment = comment
    recheck.save(update_fields=["result", "done_on", "checked_by", "comment"])
    _history(
        point,
        RefineryAction.RECHECKED,
        on=on,
        actor=actor,
        comment=comment,
        details={"offset_days": recheck.offset_days, "closure": recheck.closure, "result": recheck.result},
    )
    if working:
        point.status = RefineryStatus.WORKING
        point.recurrences += 1
        point.save(update_fields=["status", "recurrences", "updated_at"])
        RefineryRecheck.objects.filter(point=point, closure=recheck.closure, result="").update(
            result=RecheckResult.SUPERSEDED, done_on=on
        )
        _history(
            point,
            RefineryAction.REOPENED,
            on=on,
            actor=actor,
            comment=comment,
            details={"closure": recheck.closure, "recurrences": point.recurrences},
        )
    return recheck
