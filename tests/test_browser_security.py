"""The security register as an inspector uses it, in Debian's Chromium: a tap recorded by a click on its
pipeline, sealed and reported through the page's step form, the hotspots map with the demo's one active hotspot,
the figures page, and the dashboard's security panel; nothing fetched from outside the app."""

import pytest

from pipelines.chainage import pipeline_point_at
from security.hotspots import active_hotspot_ranges
from security.models import TheftIncident
from tests.conftest import DEMO_TODAY
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tap_recorded_on_the_map_moves_along_its_life_cycle_and_hotspots_are_drawn(page, live_server):  # noqa: F811
    incident = TheftIncident.objects.select_related("pipeline").order_by("pk").first()
    pipeline = incident.pipeline
    point = pipeline_point_at(pipeline=pipeline, chainage_m=min(pipeline.length_m - 10, 1234.0))

    page.goto(f"{live_server.url}/admin/security/theftincident/add/")
    page.select_option("#id_pipeline", str(pipeline.pk))
    page.select_option("#id_found_how", "pressure_drop")
    page.select_option("#id_tap_kind", "drilled")
    page.fill("#id_description", "输油压力骤降后发现的钻孔")
    page.wait_for_selector("#id_location_map canvas")
    page.wait_for_load_state("networkidle")  # the pipelines drawn under the map (fitted once they arrive)
    page.wait_for_timeout(300)
    page.evaluate(
        "([lon, lat]) => { const v = geodjango_location.map.getView();"
        " v.setCenter(ol.proj.fromLonLat([lon, lat])); v.setZoom(17); }",
        [point.x, point.y],
    )
    page.wait_for_timeout(300)
    pixel = page.evaluate(
        "([lon, lat]) => geodjango_location.map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))",
        [point.x, point.y],
    )
    page.locator("#id_location_map").scroll_into_view_if_needed()
    box = page.locator("#id_location_map").bounding_box()
    page.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])
    assert '"Point"' in page.input_value("#id_location")
    page.click("input[name=_save]")
    page.wait_for_selector("#theft-next-step")
    recorded = TheftIncident.objects.get(description="输油压力骤降后发现的钻孔")
    assert recorded.pipeline == pipeline and abs(recorded.chainage_m - 1234.0) < 5
    assert "发现" in page.text_content("#theft-status") or "found" in page.text_content("#theft-status")
    page.screenshot(path=ARTIFACTS / "theft-recorded.png", full_page=True)

    for step in ("sealed", "reported"):
        page.select_option("#id_to_status", step)
        page.click("#theft-next-step button")
        page.wait_for_selector("#theft-status")
    recorded.refresh_from_db()
    assert recorded.status == "reported" and recorded.sealed_on and recorded.reported_on
    options = page.eval_on_selector_all("#id_to_status option", "els => els.map(e => e.value)")
    assert options == ["filed", "not_filed"]

    page.goto(f"{live_server.url}/admin/security/theftincident/hotspots/")
    page.wait_for_selector("#hotspot-map.map-ready")
    assert page.locator("#hotspots tr.hotspot.active").count() == len(active_hotspot_ranges(on=DEMO_TODAY)) == 1
    assert int(page.get_attribute("#hotspot-map", "data-feature-count")) >= 4
    page.screenshot(path=ARTIFACTS / "theft-hotspots.png", full_page=True)

    page.goto(f"{live_server.url}/admin/security/theftincident/figures/?start=2025-12-01&end=2026-11-30")
    assert page.locator("table.figures-county tbody tr").count() >= 5
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("#security-panel #kpi-solve").count() == 1
    page.screenshot(path=ARTIFACTS / "dashboard-security-panel.png", full_page=True)
    assert page.foreign_requests == []
