"""An inspector checks a pilot HCA's video coverage in Debian's Chromium: the coverage map of the segment
(uncovered ranges and the cameras' views), a camera turned to look away on its page, and the coverage
dropping; the pilot segments under the threshold are one click from the list."""

import numpy as np
import pytest

from hca.loading import pipelines_load
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 - fixtures
from video.engine import coverage_answers
from video.loading import cameras_load
from video.models import Camera, SegmentCoverage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _segment_and_camera():
    """A pilot segment and one of its online cameras whose turning away loses at least 20 m of coverage."""
    cameras, _ids = cameras_load()
    for row in SegmentCoverage.objects.filter(segment__video_pilot=True, covered_m__gt=0).select_related("segment"):
        segment = row.segment
        line = pipelines_load(pipeline_ids=[segment.pipeline_id])[0].line
        for code in row.cameras:
            i = int(np.flatnonzero(cameras.codes == code)[0])
            turned = cameras.azimuth.copy()
            turned[i] = (turned[i] + 180) % 360
            moved = type(cameras)(**{**cameras.__dict__, "azimuth": turned})
            after = coverage_answers([line], [(0, segment.start_m, segment.end_m)], moved)[0]["covered_m"]
            if row.covered_m - after > 20:
                return row, Camera.objects.get(code=code)
    raise AssertionError("no pilot camera whose turn would show")


def test_a_camera_turned_away_lowers_the_pilot_segment_coverage(page, live_server):  # noqa: F811
    row, camera = _segment_and_camera()
    before = row.covered_m
    url = f"{live_server.url}/admin/video/segmentcoverage/{row.pk}/change/"

    page.goto(f"{live_server.url}/admin/video/segmentcoverage/")
    page.click("#pilot-under-threshold")
    page.wait_for_selector("#overview-map.map-ready")
    assert "under=1" in page.url and "pilot=1" in page.url
    page.screenshot(path=ARTIFACTS / "video-pilots-under-threshold.png")

    page.goto(url)
    page.wait_for_selector("#overview-map.map-ready")
    assert int(page.get_attribute("#overview-map", "data-feature-count")) >= 3  # pipeline, segment, a view
    assert float(page.get_attribute("#overview-map", "data-covered-m")) == pytest.approx(before, abs=0.05)
    page.screenshot(path=ARTIFACTS / "video-coverage-before.png")

    page.goto(f"{live_server.url}/admin/video/camera/{camera.pk}/change/")
    page.wait_for_selector("#id_location_map canvas")
    page.wait_for_function("document.getElementById('id_location_map').dataset.sector !== undefined")
    turned = (camera.azimuth_deg + 180) % 360
    page.fill("#id_azimuth_deg", f"{turned:.1f}")
    page.wait_for_function(
        f"document.getElementById('id_location_map').dataset.sector.startsWith('{turned:.1f}'.replace(/\\.0$/, ''))"
    )
    page.screenshot(path=ARTIFACTS / "video-camera-turned.png")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    page.goto(url)
    page.wait_for_selector("#overview-map.map-ready")
    after = float(page.get_attribute("#overview-map", "data-covered-m"))
    assert after < before - 20
    page.screenshot(path=ARTIFACTS / "video-coverage-after.png")
    camera.refresh_from_db()
    assert camera.azimuth_deg == pytest.approx(turned, abs=0.05)
    assert page.foreign_requests == []
