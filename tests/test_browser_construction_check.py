"""施工前管道查询 as an inspector and as company staff use it, in Debian's Chromium: a work area drawn on
the map, the work type picked, the verdict read at once with the pipelines, their bands and the notice date."""

from urllib.parse import urlsplit

import pytest

from api import construction_examples as ex
from tests.test_browser import ARTIFACTS, PASSWORD, browser, city, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(browser_page, live_server):
    browser_page.goto(f"{live_server.url}/admin/")
    browser_page.click("a:has-text('施工前管道查询')")  # from the admin index
    browser_page.wait_for_selector("#check-map.map-ready")
    browser_page.wait_for_function("Number(document.querySelector('#check-map').dataset.pipelines) > 0")


def _draw(browser_page, tool: str, lonlats: list, *, finish: str):
    """Click the tool, then each place on the map (the map centred on them); ``finish``: how the last ends."""
    browser_page.click(f"[data-draw={tool}]")
    lon = sum(p[0] for p in lonlats) / len(lonlats)
    lat = sum(p[1] for p in lonlats) / len(lonlats)
    browser_page.evaluate(
        "([lon, lat]) => { const v = document.querySelector('#check-map').checkMap.getView();"
        " v.setCenter(ol.proj.fromLonLat([lon, lat])); v.setZoom(18); }",
        [lon, lat],
    )
    browser_page.wait_for_timeout(300)
    box = browser_page.locator("#check-map").bounding_box()
    pixels = [
        browser_page.evaluate(
            "([lon, lat]) => document.querySelector('#check-map').checkMap"
            ".getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))",
            list(p),
        )
        for p in lonlats
    ]
    for x, y in pixels[:-1]:
        browser_page.mouse.click(box["x"] + x, box["y"] + y)
        browser_page.wait_for_timeout(150)
    x, y = pixels[-1]
    if finish == "dblclick":
        browser_page.mouse.dblclick(box["x"] + x, box["y"] + y)
    else:
        browser_page.mouse.click(box["x"] + x, box["y"] + y)
    browser_page.wait_for_function("document.querySelector('#id_geometry').value.length > 0")


def _pipeline_rows(browser_page) -> list[list[str]]:
    return browser_page.eval_on_selector_all(
        "#check-pipelines tr.pipeline", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def test_an_inspector_draws_an_excavation_area_across_a_pipeline_and_reads_prohibited(page, live_server):  # noqa: F811
    _open(page, live_server)
    corners = ex.DIG_AREA["coordinates"][0][:4]
    _draw(page, "Polygon", corners, finish="dblclick")
    assert '"Polygon"' in page.input_value("#id_geometry")
    page.select_option("#id_work_type", "excavation")
    assert page.locator("#id_work_type option:checked").text_content() == "挖掘（机械挖掘、工程挖掘）"
    page.fill("#id_start_on", "2027-04-10")
    page.click("#check-submit")
    page.wait_for_selector("#check-answer")
    assert page.text_content("#check-answer .verdict") == "禁止"
    assert "书面告知须于 2027-04-03 前送达管道企业（第三十七条）。" in page.text_content("#check-answer")
    rows = _pipeline_rows(page)
    assert rows[0] == ["DY-CP-011", "黄河口众诚石油管道有限公司", "0.0", "距管道中心线 5 米以内", "禁止", "第30条"]
    # The pipeline and its 5, 50 and 200 m bands are on the map, with the work area.
    page.wait_for_selector("#check-map.map-ready")
    assert int(page.get_attribute("#check-map", "data-result-count")) >= 4
    page.screenshot(path=ARTIFACTS / "construction-check-inspector.png")
    assert page.foreign_requests == []


def test_company_staff_draw_a_power_line_and_read_approval_required(browser, live_server, city):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="en-US", timezone_id="Asia/Shanghai")
    staff = context.new_page()
    foreign = []
    server = urlsplit(live_server.url).netloc
    staff.on("request", lambda r: foreign.append(r.url) if urlsplit(r.url).netloc not in (server, "") else None)
    staff.goto(f"{live_server.url}/admin/login/")
    staff.fill("#id_username", "company01")
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    staff.wait_for_url(f"{live_server.url}/dashboard/")
    _open(staff, live_server)
    _draw(staff, "LineString", ex.POWER_LINE["coordinates"], finish="dblclick")
    assert '"LineString"' in staff.input_value("#id_geometry")
    staff.select_option("#id_work_type", "power_line")
    staff.click("#check-submit")
    staff.wait_for_selector("#check-answer")
    assert staff.text_content("#check-answer .verdict") == "须经批准"
    rows = _pipeline_rows(staff)
    assert len(rows) == 1
    code, company, distance, band, verdict, articles = rows[0]
    assert (code, company, band, verdict, articles) == (
        "DY-CP-011", "黄河口众诚石油管道有限公司", "距管道中心线 5 至 50 米", "须经批准", "第35(2)条",
    )  # fmt: skip
    assert abs(float(distance) - 32.4) < 1.5  # drawn by clicks: within a pixel or two of the example's line
    staff.screenshot(path=ARTIFACTS / "construction-check-company.png")
    assert [url for url in foreign if url.startswith("http")] == []
    context.close()
