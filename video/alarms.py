"""AI alarms turned into work (video.md).

An alarm (camera, time, class, confidence, snapshot) is matched to the
pipelines its camera sees. A repeat — the same class from the same camera
within ``REPEAT_WINDOW`` (10 minutes) after an earlier alarm — joins that
alarm's event and starts no new work. Otherwise:

- excavator or digging: a third-party construction (第三方施工) hazard report
  (已上报) with the snapshot, through the hazard services, at the place on the
  pipeline the camera sees nearest to it — unless an approved construction
  application covers that place and day (construction.selectors, where that
  register exists);
- smoke or fire: an emergency incident (emergency.services.incident_report);
- anything else, or a camera that sees no pipeline: recorded.

Every alarm is kept with how it was handled; an inspector confirms or
dismisses each one (``video_alarm_review``).
"""

from datetime import datetime, timedelta

import numpy as np
import shapely
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, NotPermitted
from hazards.uploads import PHOTO_TYPES, validate_upload
from video.choices import CONSTRUCTION_CLASSES, FIRE_CLASSES, AlarmClass, AlarmHandling, AlarmReview
from video.models import Camera, VideoAlarm

REPEAT_WINDOW = timedelta(minutes=10)
EARLIEST = timedelta(days=30)  # an alarm older than this is refused (a clock or a replay gone wrong)


class AlarmRefused(DomainError):
    """The alarm cannot be taken (unknown camera, a time in the future…); the message says why."""


def _place_seen(camera: Camera):
    """(pipeline, WGS84 point) of the centreline the camera sees nearest to it; (None, None) if it sees none."""
    from django.contrib.gis.geos import Point

    from common.gis import area_within
    from hca.loading import single_line, to_metric, to_wgs84
    from pipelines.models import Pipeline
    from video.engine import Cameras, seen_pieces

    near = list(
        Pipeline.objects.filter(route__intersects=area_within(camera.location, camera.range_m)).order_by("code")
    )
    if not near:
        return None, None, []
    lines = [single_line(g) for g in to_metric(np.array([shapely.from_wkb(bytes(p.route.wkb)) for p in near]))]
    where = to_metric(np.array([shapely.Point(camera.location.x, camera.location.y)], dtype=object))[0]
    cameras = Cameras.build([(camera.code, where.x, where.y, camera.azimuth_deg, camera.fov_deg, camera.range_m, True)])
    seen = seen_pieces(lines, cameras, all_cameras=True)
    if not len(seen.line):
        return None, None, []
    best = None
    for line, start, end in zip(seen.line.tolist(), seen.start.tolist(), seen.end.tolist(), strict=True):
        at = min(max(lines[line].project(where), start), end)
        spot = lines[line].interpolate(at)
        distance = spot.distance(where)
        if best is None or distance < best[0]:
            best = (distance, line, spot)
    _distance, line, spot = best
    point = to_wgs84(np.array([spot], dtype=object))[0]
    matched = sorted({near[i] for i in seen.line.tolist()}, key=lambda p: p.code)
    return near[line], Point(point.x, point.y, srid=4326), matched


def _covering_application(point, day):
    try:
        from construction.selectors import approved_application_covering
    except ImportError:  # no construction register in this installation
        return None
    return approved_application_covering(point=point, day=day)


def _hazard(alarm: VideoAlarm, pipeline, point, snapshot: bytes | None, snapshot_name: str):
    from hazards.choices import HazardCategory, HazardLevel, HazardSource
    from hazards.models import Hazard
    from hazards.services import hazard_photo_add, hazard_report
    from pipelines.chainage import pipeline_chainage_at

    day = timezone.localtime(alarm.occurred_at).date()
    label = AlarmClass(alarm.alarm_class).label
    hazard = Hazard(
        source=HazardSource.SELF_REPORT,
        company_id=pipeline.company_id,
        pipeline=pipeline,
        location=point,
        chainage_m=pipeline_chainage_at(pipeline=pipeline, point=point)[0],
        category=HazardCategory.THIRD_PARTY_CONSTRUCTION,
        level=HazardLevel.GENERAL,
        description=_(
            "Video AI alarm: %(class)s seen by camera %(camera)s at %(time)s (confidence %(confidence).0f%%), "
            "with no approved construction application covering the place that day."
        )
        % {
            "class": label,
            "camera": alarm.camera.code,
            "time": timezone.localtime(alarm.occurred_at).strftime("%Y-%m-%d %H:%M"),
            "confidence": alarm.confidence * 100,
        },
        found_on=day,
    )
    comment = _("Reported by video AI alarm %(id)s of camera %(camera)s.") % {
        "id": alarm.pk,
        "camera": alarm.camera.code,
    }
    hazard = hazard_report(hazard=hazard, actor=None, comment=comment)
    if snapshot:
        hazard_photo_add(
            hazard=hazard, actor=None, file=ContentFile(snapshot, name=snapshot_name), caption=_("Video alarm snapshot")
        )
    return hazard


def _incident(alarm: VideoAlarm, point):
    from emergency.choices import IncidentKind, IncidentLevel, IncidentSource
    from emergency.services import EmergencyError, incident_report

    try:
        return incident_report(
            kind=IncidentKind.FIRE,
            level=IncidentLevel.IV,
            location=point,
            occurred_at=alarm.occurred_at,
            source=IncidentSource.PLATFORM,
            description=_("Video AI alarm: %(class)s seen by camera %(camera)s (confidence %(confidence).0f%%).")
            % {
                "class": AlarmClass(alarm.alarm_class).label,
                "camera": alarm.camera.code,
                "confidence": alarm.confidence * 100,
            },
            reporter=alarm.camera.code,
        ), ""
    except EmergencyError as exc:
        return None, str(exc)


def _snapshot(snapshot):
    if snapshot is None:
        return None, ""
    checked = validate_upload(snapshot, allowed=PHOTO_TYPES)  # by content and size, like every upload
    snapshot.seek(0)
    return snapshot.read(), checked.storage_name


@transaction.atomic
def video_alarm_receive(
    *,
    camera: Camera,
    occurred_at: datetime,
    alarm_class: str,
    confidence: float,
    snapshot=None,
    external_id: str = "",
    now: datetime | None = None,
) -> VideoAlarm:
    """Keep one AI alarm and do what it calls for (see the module's docstring)."""
    now = now or timezone.now()
    if alarm_class not in AlarmClass.values:
        raise AlarmRefused(_("Unknown alarm class %(value)s.") % {"value": alarm_class})
    if not 0 <= confidence <= 1:
        raise AlarmRefused(_("The confidence must lie between 0 and 1."))
    if occurred_at > now + timedelta(minutes=5) or occurred_at < now - EARLIEST:
        raise AlarmRefused(_("The time of the alarm must lie within the last 30 days, not in the future."))
    content, name = _snapshot(snapshot)
    camera = Camera.objects.select_for_update().select_related("company").get(pk=camera.pk)  # repeats one at a time
    alarm = VideoAlarm(
        camera=camera,
        company_id=camera.company_id,
        external_id=external_id,
        occurred_at=occurred_at,
        alarm_class=alarm_class,
        confidence=confidence,
    )
    previous = (
        VideoAlarm.objects.filter(
            camera=camera,
            alarm_class=alarm_class,
            occurred_at__gte=occurred_at - REPEAT_WINDOW,
            occurred_at__lte=occurred_at,
        )
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if content:
        alarm.snapshot.save(name, ContentFile(content), save=False)
    if previous is not None:
        first = previous.first or previous
        alarm.first = first
        alarm.handling = AlarmHandling.REPEAT
        alarm.handling_note = _("Same class from the same camera within 10 minutes of alarm %(id)s.") % {
            "id": previous.pk
        }
        alarm.save()
        alarm.pipelines.set(first.pipelines.all())
        VideoAlarm.objects.filter(pk=first.pk).update(repeat_count=first.repeats.count())
        return alarm
    pipeline, point, matched = _place_seen(camera)
    alarm.handling = AlarmHandling.RECORDED
    alarm.save()
    alarm.pipelines.set(matched)
    if pipeline is None:
        alarm.handling = AlarmHandling.NO_PIPELINE
    elif alarm_class in CONSTRUCTION_CLASSES:
        day = timezone.localtime(occurred_at).date()
        application = _covering_application(point, day)
        if application is not None:
            alarm.handling = AlarmHandling.CONSTRUCTION_APPROVED
            alarm.application_ref = str(getattr(application, "number", "") or application.pk)[:60]
            alarm.handling_note = _("Approved construction application %(ref)s covers the place on %(day)s.") % {
                "ref": alarm.application_ref,
                "day": day.isoformat(),
            }
        else:
            alarm.hazard = _hazard(alarm, pipeline, point, content, name or "snapshot.jpg")
            alarm.handling = AlarmHandling.HAZARD_REPORTED
    elif alarm_class in FIRE_CLASSES:
        alarm.incident, refusal = _incident(alarm, point)
        if alarm.incident is not None:
            alarm.handling = AlarmHandling.INCIDENT_OPENED
        else:
            alarm.handling_note = refusal
    alarm.save(update_fields=["handling", "handling_note", "hazard", "incident", "application_ref"])
    return alarm


@transaction.atomic
def video_alarm_review(*, alarm: VideoAlarm, actor, confirmed: bool, comment: str = "") -> VideoAlarm:
    """An inspector confirms the alarm, or dismisses it as a false alarm (with the reason)."""
    from accounts.scoping import can_see_company

    if not actor.has_perm("video.change_videoalarm") or not can_see_company(actor, alarm.company_id):
        raise NotPermitted()
    comment = (comment or "").strip()
    if not confirmed and not comment:
        raise DomainError(_("Give the reason for dismissing the alarm."))
    alarm = VideoAlarm.objects.select_for_update().get(pk=alarm.pk)
    if alarm.review != AlarmReview.PENDING:
        raise DomainError(_("The alarm is already %(state)s.") % {"state": alarm.get_review_display()})
    alarm.review = AlarmReview.CONFIRMED if confirmed else AlarmReview.DISMISSED
    alarm.reviewed_by, alarm.reviewed_at, alarm.review_comment = actor, timezone.now(), comment
    alarm.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_comment"])
    return alarm
