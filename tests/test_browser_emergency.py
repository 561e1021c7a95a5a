"""An incident as the duty officer handles it, in Debian's Chromium: reported by
a click on the map, the valves to close shown in order, one that would not
close marked, the next ring shown, the incident closed."""

import numpy as np
import pytest
import shapely

from emergency.models import Incident, Valve
from emergency.services import isolation_answer
from hca.loading import single_line, to_metric, to_wgs84
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _point_after(valve: Valve, metres: float):
    line = single_line(to_metric(np.array([shapely.from_wkb(bytes(valve.pipeline.route.wkb))], dtype=object))[0])
    p = to_wgs84(np.array([line.interpolate(valve.chainage_m + metres)], dtype=object))[0]
    from django.contrib.gis.geos import Point

    return Point(p.x, p.y, srid=4326)


def _codes(browser_page) -> list[str]:
    return browser_page.eval_on_selector_all(
        "#valves-to-close li.valve-to-close", "els => els.map(e => e.dataset.code)"
    )


def test_an_incident_reported_on_the_map_shows_the_valves_in_order_and_a_failed_one_brings_the_next(page, live_server):  # noqa: F811
    valve = (
        Valve.objects.filter(kind="remote", operable=True, name__contains="线路")
        .select_related("pipeline")
        .order_by("code")
        .first()
    )
    point = _point_after(valve, 150.0)
    expected = isolation_answer(location=point)
    assert len(expected["valves_to_close"]) >= 2

    page.goto(f"{live_server.url}/admin/emergency/incident/add/")
    page.select_option("#id_kind", "leak")
    page.select_option("#id_level", "III")
    page.fill("#id_description", "麦田内闻到油气味")
    page.wait_for_selector("#id_location_map canvas")
    # Centre the map on the place, then click it as the officer would.
    page.evaluate(
        "([lon, lat]) => { const v = geodjango_location.map.getView();"
        " v.setCenter(ol.proj.fromLonLat([lon, lat])); v.setZoom(16); }",
        [point.x, point.y],
    )
    page.wait_for_timeout(300)
    pixel = page.evaluate(
        "([lon, lat]) => geodjango_location.map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))",
        [point.x, point.y],
    )
    box = page.locator("#id_location_map").bounding_box()
    page.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])
    assert '"Point"' in page.input_value("#id_location")
    page.click("input[name=_save]")
    page.wait_for_selector("#incident-map.map-ready")

    incident = Incident.objects.get(description="麦田内闻到油气味")
    assert incident.pipeline == valve.pipeline
    assert _codes(page) == [v["code"] for v in expected["valves_to_close"]]
    assert page.text_content(".incident-place").strip().startswith(("管道", "Pipeline"))
    page.screenshot(path=ARTIFACTS / "incident-reported.png", full_page=True)

    first = _codes(page)[0]
    page.click(f"li.valve-to-close[data-code='{first}'] button.fail-valve")
    page.wait_for_selector("#incident-map.map-ready")
    next_ring = isolation_answer(location=incident.location, failed_codes=[first])
    assert _codes(page) == [v["code"] for v in next_ring["valves_to_close"]]
    assert first not in _codes(page)
    assert first in page.text_content(".errornote")
    page.screenshot(path=ARTIFACTS / "incident-next-ring.png", full_page=True)

    for step in ("valves_closed", "closed"):
        page.select_option("#id_step_kind", step)
        page.click("#incident-next-step button")
        page.wait_for_selector("#incident-map.map-ready")
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert list(incident.steps.values_list("kind", flat=True).order_by("pk")) == [
        "reported",
        "valve_failed",
        "valves_closed",
        "closed",
    ]
    assert page.locator("#incident-next-step").count() == 0  # a closed incident takes no more steps
    assert page.foreign_requests == []
