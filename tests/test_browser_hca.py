"""An inspector reviews an identified HCA in Debian's Chromium: the
segment list on a map, the segment on its pipeline, the reasons, and the
confirm button through to the review history."""

import pytest
from django.contrib.gis.geos import GEOSGeometry

from hca.models import HcaSegment
from hca.services import hca_identify
from layers.models import WaterBody
from pipelines.models import Pipeline
from tests.factories import river_across
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _river_across(pipeline: Pipeline, at: float) -> WaterBody:
    geom = GEOSGeometry(river_across(pipeline, at).wkt, srid=4326)
    return WaterBody.objects.create(source_id="browser-river", name="溢洪河", water_type="river", geom=geom)


def test_inspector_confirms_an_identified_segment(page, live_server):  # noqa: F811
    # An in-service crude line where the demo city found no HCA: the river makes the only one.
    pipeline = (
        Pipeline.objects.filter(medium="crude_oil", status="in_service", hca_segments__isnull=True)
        .order_by("code")
        .first()
    )
    _river_across(pipeline, 2000)
    hca_identify(pipeline_ids=[pipeline.pk], detect_encroachment=False)
    (segment,) = HcaSegment.objects.filter(pipeline=pipeline)
    assert segment.rules == ["O-f"] and round(segment.start_m) == 1800 and round(segment.end_m) == 2200

    page.goto(f"{live_server.url}/admin/hca/hcasegment/?q={pipeline.code}")
    page.wait_for_selector("#overview-map.map-ready")
    assert int(page.get_attribute("#overview-map", "data-feature-count")) >= 1
    page.screenshot(path=ARTIFACTS / "hca-segments.png")
    row = page.text_content("#result_list tbody tr")
    assert "O-f" in row and "III" in row and "K1+" in row and "K2+" in row

    page.goto(f"{live_server.url}/admin/hca/hcasegment/{segment.pk}/change/")
    page.wait_for_selector("#overview-map.map-ready")
    assert page.get_attribute("#overview-map", "data-feature-count") == "2"  # the pipeline and the segment
    assert page.locator("#hca-reasons .reason-row").filter(has_text="溢洪河").count() == 1
    page.click("a.review-action[data-action=confirm]")
    page.fill("#id_comment", "现场核实,河道在此穿越")
    page.click("#review-form input[type=submit]")
    page.wait_for_selector("#hca-reviews .review-row")
    assert "现场核实,河道在此穿越" in page.text_content("#hca-reviews")
    assert "已确认" in page.text_content("#content-main")
    page.screenshot(path=ARTIFACTS / "hca-segment-confirmed.png", full_page=True)
    segment.refresh_from_db()
    assert segment.review_status == "confirmed"
    assert page.foreign_requests == []
