"""A drill as the office runs it, in Debian's Chromium: open the drill, run it on
a simulated incident picked on the map (the same trace, marked as a drill),
record a finding, and see the new hazard linked to the drill."""

import numpy as np
import pytest
import shapely

from emergency.models import Drill
from hazards.models import Hazard
from hca.loading import single_line, to_metric, to_wgs84
from pipelines.models import Pipeline
from tests.conftest import DEMO_TODAY
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _middle(pipeline):
    line = single_line(to_metric(np.array([shapely.from_wkb(bytes(pipeline.route.wkb))], dtype=object))[0])
    p = to_wgs84(np.array([line.interpolate(line.length / 2)], dtype=object))[0]
    return p.x, p.y


def test_a_drill_runs_on_a_simulated_incident_and_its_finding_becomes_a_hazard(page, live_server):  # noqa: F811
    pipeline = Pipeline.objects.order_by("code").first()
    drill = Drill.objects.create(
        company=pipeline.company, kind="comprehensive", held_on=DEMO_TODAY, scenario="管道第三方破坏泄漏综合演练"
    )
    page.goto(f"{live_server.url}/admin/emergency/drill/{drill.pk}/change/")
    page.click("#drill-simulate")
    page.select_option("#id_kind", "rupture")
    page.select_option("#id_level", "III")
    page.wait_for_selector("#id_location_map canvas")
    lon, lat = _middle(pipeline)
    page.evaluate(
        "([lon, lat]) => { const v = geodjango_location.map.getView();"
        " v.setCenter(ol.proj.fromLonLat([lon, lat])); v.setZoom(16); }",
        [lon, lat],
    )
    page.wait_for_timeout(300)
    pixel = page.evaluate(
        "([lon, lat]) => geodjango_location.map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))", [lon, lat]
    )
    box = page.locator("#id_location_map").bounding_box()
    page.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])
    assert '"Point"' in page.input_value("#id_location")
    page.click("input[name=_confirm]")
    # The simulated incident opens on its answer, like a real one.
    page.wait_for_selector("#incident-map.map-ready")
    drill.refresh_from_db()
    incident = drill.incident
    assert incident is not None and incident.is_drill and incident.pipeline == pipeline
    assert page.locator("#valves-to-close li").count() >= 1
    page.screenshot(path=ARTIFACTS / "drill-simulated-incident.png", full_page=True)

    page.goto(f"{live_server.url}/admin/emergency/drill/{drill.pk}/change/")
    assert page.text_content("#drill-incident") == incident.code
    assert page.locator("#drill-simulate").count() == 0  # one simulated incident per drill
    page.click("#drill-findings")
    page.select_option("#id_finding-0-category", "missing_marker")
    page.select_option("#id_finding-0-level", "major")
    page.fill("#id_finding-0-description", "演练中发现阀室警示标识缺失")
    page.screenshot(path=ARTIFACTS / "drill-findings.png", full_page=True)
    page.click("input[name=_confirm]")
    page.wait_for_selector(".messagelist .success")

    hazard = Hazard.objects.get(description="演练中发现阀室警示标识缺失")
    assert (hazard.status, hazard.level, hazard.category) == ("reported", "major", "missing_marker")
    assert hazard.location == incident.location and hazard.pipeline == pipeline
    assert list(drill.hazards.all()) == [hazard] and list(incident.hazards.all()) == [hazard]
    assert hazard.code in page.text_content(".messagelist")
    page.click("a.drill-hazard")
    page.wait_for_url(f"**/admin/hazards/hazard/{hazard.pk}/change/")
    assert hazard.code in page.content()
    page.screenshot(path=ARTIFACTS / "drill-hazard.png", full_page=True)
    assert page.foreign_requests == []
