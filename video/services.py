"""Video monitoring: the camera register, stored coverage, camera health.

Each write is one transaction with its record (an outage row for a status
change; django-auditlog for edits of a camera). Coverage is computed by the
pure engine (video/engine/) and stored per HCA segment; it is computed again
after every change of cameras or of their status (a task after commit), and
for segments that have none yet (a re-identification replaces segments: the
new ones are measured when first read, ``coverage_missing_fill``).

Alarms are in video/alarms.py.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from hca.models import HcaSegment
from video.choices import CameraStatus
from video.events import camera_status_after_commit
from video.loading import cameras_load, segments_coverage
from video.models import Camera, CameraOutage, SegmentCoverage

MISSED_BEATS = 3  # silent for three intervals: offline (video.md)


def heartbeat_interval() -> timedelta:
    return timedelta(seconds=int(settings.VIDEO_HEARTBEAT_INTERVAL_SECONDS))


def silent_after() -> timedelta:
    return MISSED_BEATS * heartbeat_interval()


# --- coverage --------------------------------------------------------------


def _store(answers: dict, now: datetime) -> int:
    rows = [
        SegmentCoverage(
            segment_id=segment_id,
            covered_m=online["covered_m"],
            coverage=online["coverage"],
            uncovered=online["uncovered"],
            cameras=online["cameras"],
            design_covered_m=design["covered_m"],
            design_coverage=design["coverage"],
            design_uncovered=design["uncovered"],
            design_cameras=design["cameras"],
            computed_at=now,
        )
        for segment_id, (online, design) in answers.items()
    ]
    SegmentCoverage.objects.filter(segment_id__in=list(answers)).delete()
    SegmentCoverage.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@transaction.atomic
def coverage_refresh(*, segment_ids=None) -> int:
    """Measure and store the coverage of every HCA segment (or of ``segment_ids``); the number stored."""
    segments = HcaSegment.objects.all()
    if segment_ids is not None:
        segments = segments.filter(pk__in=list(segment_ids))
    rows = segments.order_by("pk").values_list("pk", "pipeline_id", "start_m", "end_m")
    return _store(segments_coverage(rows), timezone.now())


def coverage_missing_fill() -> int:
    """Measure the segments that have no stored coverage yet (new segments after a re-identification)."""
    missing = list(HcaSegment.objects.filter(video_coverage__isnull=True).values_list("pk", flat=True))
    return coverage_refresh(segment_ids=missing) if missing else 0


def coverage_refresh_after_commit() -> None:
    """Queue a new measurement once the change that calls for it has committed."""
    from video.tasks import coverage_refresh_task

    transaction.on_commit(coverage_refresh_task.delay)


# --- the register ----------------------------------------------------------


@transaction.atomic
def camera_save(*, camera: Camera) -> Camera:
    """Check and save a camera (added or changed in the admin); coverage is measured again after commit."""
    camera.full_clean()
    camera.save()
    coverage_refresh_after_commit()
    return camera


@transaction.atomic
def camera_delete(*, camera: Camera) -> None:
    if camera.alarms.exists():
        raise DomainError(_("Camera %(code)s has alarms on record: it cannot be deleted.") % {"code": camera.code})
    camera.delete()
    coverage_refresh_after_commit()


# --- health ----------------------------------------------------------------


def _online(camera: Camera, at: datetime) -> None:
    camera.status, camera.status_changed_at = CameraStatus.ONLINE, at
    outage = camera.outages.filter(ended_at__isnull=True).first()
    if outage is not None:
        outage.ended_at = at
        outage.save(update_fields=["ended_at"])
    camera_status_after_commit(camera, outage, CameraStatus.ONLINE)


@transaction.atomic
def heartbeats_record(*, beats: list[dict], now: datetime | None = None, cameras=None) -> dict:
    """A batch of heartbeats from a video platform: each ``{"device_id", "channel_id", "at"}`` (or ``code``).

    A camera is found by its GB/T 28181 device and channel ids (or its code). Its last heartbeat moves forward
    (an older beat arriving late changes nothing); an offline camera that speaks is back online: its outage
    closes and coverage is measured again. Unknown cameras (or, with ``cameras``, a queryset, cameras outside
    it: another company's) are listed in the answer, not refused.
    """
    now = now or timezone.now()
    scope = Camera.objects.all() if cameras is None else cameras
    latest: dict[int, datetime] = {}
    unknown = []
    by_ids = {}
    wanted_ids = {(b.get("device_id"), b.get("channel_id")) for b in beats if b.get("device_id")}
    wanted_codes = {b["code"] for b in beats if b.get("code")}
    cameras = Camera.objects.select_for_update().filter(
        pk__in=[
            *scope.filter(device_id__in={d for d, _c in wanted_ids}).values_list("pk", flat=True),
            *scope.filter(code__in=wanted_codes).values_list("pk", flat=True),
        ]
    )
    cameras = {c.pk: c for c in cameras.order_by("pk")}
    for camera in cameras.values():
        by_ids[(camera.device_id, camera.channel_id)] = camera
    by_code = {c.code: c for c in cameras.values()}
    for beat in beats:
        camera = (
            by_code.get(beat.get("code"))
            if beat.get("code")
            else by_ids.get((beat.get("device_id"), beat.get("channel_id")))
        )
        if camera is None:  # unknown, or naming no camera at all
            unknown.append(beat.get("code") or f"{beat.get('device_id') or '—'}/{beat.get('channel_id') or '—'}")
            continue
        at = min(beat.get("at") or now, now)
        latest[camera.pk] = max(latest.get(camera.pk, at), at)
    back = []
    for pk, at in latest.items():
        camera = cameras[pk]
        if camera.last_seen_at is not None and camera.last_seen_at >= at:
            continue
        camera.last_seen_at = at
        fields = ["last_seen_at"]
        if camera.status == CameraStatus.OFFLINE and at >= now - silent_after():
            _online(camera, now)
            back.append(camera.code)
            fields += ["status", "status_changed_at"]
        camera.save(update_fields=fields)
    if back:
        coverage_refresh_after_commit()
    return {"received": len(beats), "cameras": len(latest), "back_online": sorted(back), "unknown": unknown}


@transaction.atomic
def cameras_silent_mark(*, now: datetime | None = None) -> list[str]:
    """Cameras silent for three intervals go offline (an outage opens; announced after commit). Idempotent:
    a camera already offline is left alone. A camera never heard from is not watched."""
    now = now or timezone.now()
    silent = (
        Camera.objects.select_for_update()
        .filter(status=CameraStatus.ONLINE, last_seen_at__isnull=False, last_seen_at__lt=now - silent_after())
        .order_by("pk")
    )
    codes = []
    for camera in silent:
        camera.status, camera.status_changed_at = CameraStatus.OFFLINE, now
        camera.save(update_fields=["status", "status_changed_at"])
        outage = CameraOutage.objects.create(camera=camera, started_at=now, last_seen_at=camera.last_seen_at)
        camera_status_after_commit(camera, outage, CameraStatus.OFFLINE)
        codes.append(camera.code)
    if codes:
        coverage_refresh_after_commit()
    return codes


@transaction.atomic
def camera_status_set(*, camera: Camera, status: str, now: datetime | None = None) -> Camera:
    """Set a camera's status by hand (the admin): the same records as the health job's."""
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    if _status_set(camera, status, now or timezone.now()):
        coverage_refresh_after_commit()
    return camera


@transaction.atomic
def cameras_status_set(*, cameras, status: str, now: datetime | None = None) -> list[str]:
    """Set the status of a selection of cameras (an admin action) in one transaction: the codes changed.
    Coverage is measured again once, after commit, not once per camera."""
    now = now or timezone.now()
    changed = [
        camera.code
        for camera in Camera.objects.select_for_update()
        .filter(pk__in=list(cameras.values_list("pk", flat=True)))
        .order_by("pk")
        if _status_set(camera, status, now)
    ]
    if changed:
        coverage_refresh_after_commit()
    return changed


def _status_set(camera: Camera, status: str, now: datetime) -> bool:
    if camera.status == status:
        return False
    if status == CameraStatus.ONLINE:
        _online(camera, now)
    else:
        camera.status, camera.status_changed_at = CameraStatus.OFFLINE, now
        outage = CameraOutage.objects.create(camera=camera, started_at=now, last_seen_at=camera.last_seen_at)
        camera_status_after_commit(camera, outage, CameraStatus.OFFLINE)
    camera.save(update_fields=["status", "status_changed_at"])
    return True


def cameras_seeing_point(*, point, queryset=None) -> list[Camera]:
    """The cameras whose view holds ``point`` (EPSG:4326 or any SRID), nearest first."""
    import numpy as np
    import shapely

    from common.gis import area_within, transformed
    from hca.loading import to_metric
    from video.engine import cameras_seeing
    from video.models import MAX_RANGE_M

    wgs84 = point if point.srid == 4326 else transformed(point, 4326)
    queryset = (Camera.objects.all() if queryset is None else queryset).filter(
        location__intersects=area_within(wgs84, MAX_RANGE_M)
    )
    cameras, ids = cameras_load(queryset)
    if not ids:
        return []
    where = shapely.get_coordinates(to_metric(np.array([shapely.Point(wgs84.x, wgs84.y)], dtype=object)))[0]
    found = cameras_seeing(cameras.x, cameras.y, cameras.azimuth, cameras.fov, cameras.range_m, *where)
    distance = np.hypot(cameras.x - where[0], cameras.y - where[1])
    chosen = sorted(found.tolist(), key=lambda i: (distance[i], cameras.codes[i]))
    objects = Camera.objects.in_bulk([ids[i] for i in chosen])
    result = []
    for i in chosen:
        camera = objects[ids[i]]
        camera.distance_m = round(float(distance[i]), 1)
        result.append(camera)
    return result
