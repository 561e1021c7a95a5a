"""The video pilot of the demo city: personnel-dense HCA segments chosen for
the pilot, cameras along them (most looking along the pipeline, a few
domes, some offline, some pointing the wrong way, some stretches left
bare), and a stream of AI alarms over the last days, handled by the same
services as real ones (hazard reports, incidents, repeats merged).
Everything comes from its own random stream of the demo's seed.
"""

import math
import random
from datetime import date, datetime, time, timedelta
from io import BytesIO

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.utils import timezone

from hca.loading import single_line, to_metric, to_wgs84
from hca.models import HcaRule, HcaSegment
from hca.services import PERSONNEL_DENSE_KINDS
from video.choices import CameraKind, CameraStatus
from video.models import Camera, CameraOutage, SegmentCoverage, VideoAlarm

STREAM = 7_717
PILOTS = 12
OFFLINE_SHARE = 0.15
WRONG_WAY_SHARE = 0.12
ALARM_DAYS = 6
# (class, how many events over ALARM_DAYS, repeats per event (max))
ALARM_MIX = (("excavator", 5, 3), ("digging", 2, 1), ("person", 10, 2), ("vehicle", 8, 1), ("smoke", 2, 2))


def _pilot_segments(rng: random.Random, actor) -> list[HcaSegment]:
    from hca.services import hca_segment_video_pilot_set

    kinds = dict(HcaRule.objects.filter(rule_set="gb32167").values_list("code", "kind"))
    dense = [
        s
        for s in HcaSegment.objects.filter(rule_set="gb32167").select_related("pipeline").order_by("pk")
        if {kinds.get(r) for r in s.rules} & PERSONNEL_DENSE_KINDS and 300 <= s.end_m - s.start_m <= 4000
    ]
    chosen = sorted(rng.sample(dense, min(PILOTS, len(dense))), key=lambda s: s.pk)
    for segment in chosen:
        hca_segment_video_pilot_set(segment=segment, actor=actor, chosen=True, comment="人员密集型高后果区视频监控试点")
    return chosen


def _ids(number: int) -> tuple[str, str]:
    return f"37050200001320{number:06d}", f"37050200001310{number:06d}"


def _bearing(p, q) -> float:
    return math.degrees(math.atan2(q.x - p.x, q.y - p.y)) % 360


def _cameras(rng: random.Random, segments, today: date) -> list[Camera]:
    cameras, number = [], 0
    for segment in segments:
        line = single_line(to_metric(np.array([shapely.from_wkb(bytes(segment.pipeline.route.wkb))], dtype=object))[0])
        bare = rng.random() < 0.4  # some pilots get cameras on part of their length only
        end = segment.start_m + (segment.end_m - segment.start_m) * (rng.uniform(0.4, 0.7) if bare else 1.0)
        at = segment.start_m + rng.uniform(0, 40)
        while at < end:
            number += 1
            dome = rng.random() < 0.15
            range_m = rng.choice((100.0, 120.0, 150.0)) if not dome else 80.0
            fov = 360.0 if dome else rng.choice((60.0, 75.0, 90.0))
            p, q = line.interpolate(at), line.interpolate(min(at + 5.0, line.length))
            side = rng.choice((-1, 1)) * rng.uniform(8, 25)
            dx, dy = q.x - p.x, q.y - p.y
            norm = math.hypot(dx, dy) or 1.0
            spot = shapely.Point(p.x - dy / norm * side, p.y + dx / norm * side)
            ahead = line.interpolate(min(at + range_m * 0.6, line.length))
            azimuth = _bearing(spot, ahead)
            wrong = not dome and rng.random() < WRONG_WAY_SHARE
            if wrong:  # pointing away from the pipeline, at the street
                azimuth = (azimuth + rng.choice((120.0, 180.0, 240.0))) % 360
            wgs = to_wgs84(np.array([spot], dtype=object))[0]
            device, channel = _ids(number)
            offline = rng.random() < OFFLINE_SHARE
            cameras.append(
                Camera(
                    code=f"CAM-{number:04d}",
                    name=f"{segment.pipeline.code} K{int(at // 1000)}+{int(at % 1000):03d}",
                    device_id=device,
                    channel_id=channel,
                    kind=CameraKind.DOME if dome else rng.choice((CameraKind.FIXED, CameraKind.FIXED, CameraKind.PTZ)),
                    location=Point(round(wgs.x, 7), round(wgs.y, 7), srid=4326),
                    azimuth_deg=round(azimuth, 1),
                    fov_deg=fov,
                    range_m=range_m,
                    height_m=rng.choice((6.0, 8.0, 10.0)),
                    company_id=segment.pipeline.company_id,
                    pipeline=segment.pipeline,
                    stream_url=f"https://video.example.gov.cn/play/{channel}",
                    status=CameraStatus.OFFLINE if offline else CameraStatus.ONLINE,
                    status_changed_at=timezone.make_aware(
                        datetime.combine(today - timedelta(days=rng.randint(1, 9)), time(3))
                    ),
                )
            )
            at += range_m * rng.uniform(0.9, 1.6)
    Camera.objects.bulk_create(cameras)
    CameraOutage.objects.bulk_create(
        [CameraOutage(camera=c, started_at=c.status_changed_at) for c in cameras if c.status == CameraStatus.OFFLINE]
    )
    return cameras


def _snapshot() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 36), (120, 110, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _alarms(rng: random.Random, cameras, today: date) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from video.alarms import video_alarm_receive

    watching = [c for c in cameras if c.status == CameraStatus.ONLINE]
    now = timezone.make_aware(datetime.combine(today, time(9)))
    picture = _snapshot()
    events = []
    for alarm_class, count, repeats in ALARM_MIX:
        for _ in range(count):
            when = now - timedelta(days=rng.uniform(0.1, ALARM_DAYS))
            events.append((when, alarm_class, rng.choice(watching), rng.randint(0, repeats)))
    events.sort(key=lambda e: (e[0], e[1]))
    total = 0
    for when, alarm_class, camera, repeat_count in events:
        for k in range(repeat_count + 1):
            snapshot = (
                SimpleUploadedFile("snapshot.jpg", picture, content_type="image/jpeg")
                if alarm_class in ("excavator", "digging", "smoke") and k == 0
                else None
            )
            video_alarm_receive(
                camera=camera,
                occurred_at=when + timedelta(minutes=4 * k),
                alarm_class=alarm_class,
                confidence=round(rng.uniform(0.55, 0.98), 2),
                snapshot=snapshot,
                external_id=f"AI-{camera.code}-{int(when.timestamp())}-{k}",
                now=now,
            )
            total += 1
    return total


def demo_video_build(*, seed: int, today: date, actor) -> dict:
    """Pilot segments, their cameras, outages and alarms; then the coverage of every HCA segment."""
    from auditlog.context import disable_auditlog

    from video.services import coverage_refresh

    rng = random.Random(seed * 13 + STREAM)
    segments = _pilot_segments(rng, actor)
    cameras = _cameras(rng, segments, today)
    with disable_auditlog():  # like the demo's other hazards: their history rows, no field-change log
        alarms = _alarms(rng, cameras, today)
    coverage_refresh()
    return {"pilots": len(segments), "cameras": len(cameras), "alarms": alarms}


def demo_video_delete() -> None:
    VideoAlarm.objects.filter(first__isnull=False).delete()
    VideoAlarm.objects.all().delete()
    CameraOutage.objects.all().delete()
    SegmentCoverage.objects.all().delete()
    Camera.objects.all().delete()
