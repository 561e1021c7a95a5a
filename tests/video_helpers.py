"""Helpers of the video tests: cameras placed beside a pilot HCA segment of the demo city."""

import math

import numpy as np
import shapely
from django.contrib.gis.geos import Point

from hca.loading import single_line, to_metric, to_wgs84
from hca.models import HcaSegment
from hca.services import PERSONNEL_DENSE_KINDS
from video.models import Camera

DEVICE = "34020000001320000001"


def metric_line(pipeline):
    return single_line(to_metric(np.array([shapely.from_wkb(bytes(pipeline.route.wkb))], dtype=object))[0])


def pilot_segment(min_length=300.0) -> HcaSegment:
    """A personnel-dense GB 32167 segment of the demo city at least ``min_length`` long (the demo's pilots first)."""
    from hca.models import HcaRule

    kinds = dict(HcaRule.objects.filter(rule_set="gb32167").values_list("code", "kind"))
    segments = HcaSegment.objects.filter(rule_set="gb32167").select_related("pipeline").order_by("-video_pilot", "pk")
    for segment in segments:
        if (
            segment.end_m - segment.start_m >= min_length
            and {kinds.get(r) for r in segment.rules} & PERSONNEL_DENSE_KINDS
        ):
            return segment
    raise AssertionError("the demo city has no personnel-dense segment")


def bearing(a, b) -> float:
    return math.degrees(math.atan2(b.x - a.x, b.y - a.y)) % 360


def camera_on(segment, chainage, *, offset=0.0, look_back=False, code="CAM-T1", fov=60.0, range_m=100.0, **values):
    """A camera beside ``chainage`` of the segment's pipeline, looking along the line (forwards, or back)."""
    line = metric_line(segment.pipeline)
    p, q = line.interpolate(chainage), line.interpolate(chainage + (-1.0 if look_back else 1.0))
    dx, dy = q.x - p.x, q.y - p.y
    norm = math.hypot(dx, dy)
    spot = shapely.Point(p.x - dy / norm * offset, p.y + dx / norm * offset)
    wgs = to_wgs84(np.array([spot], dtype=object))[0]
    defaults = {
        "device_id": DEVICE,
        "channel_id": "34020000001310000001",
        "kind": "fixed",
        "azimuth_deg": bearing(p, q),
        "fov_deg": fov,
        "range_m": range_m,
        "height_m": 6,
        "company_id": segment.pipeline.company_id,
        "pipeline": segment.pipeline,
        "stream_url": f"https://video.example/play/{code}",
    }
    defaults.update(values)
    return Camera.objects.create(code=code, location=Point(wgs.x, wgs.y, srid=4326), **defaults)


def cameras_clear() -> None:
    """No cameras (nor their alarms and outages): a test places its own."""
    from demo.video import demo_video_delete

    demo_video_delete()
