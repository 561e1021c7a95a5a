"""The dashboard in Chromium: where a log-in lands, its legend, a card opening the list it counts."""

import re

import pytest

from hazards.models import Hazard
from tests.test_browser import ARTIFACTS, PASSWORD, browser, city  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _listed(page) -> int:
    """How many rows the list holds (all pages): the count the changelist shows under its table."""
    import re

    shown = page.locator("#result_list tbody tr").count()
    paginator = page.text_content("p.paginator") or ""
    counted = re.findall(r"(\d+)\s*(?:个\s*)?(?:隐患|hazards?)", paginator)
    return int(counted[-1]) if counted else shown


def test_log_in_lands_on_the_dashboard_whose_cards_open_what_they_count(browser, live_server, city):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 950}, timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "inspector1")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dashboard-map.map-ready")

    legend = page.locator("#dashboard-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    for words in ("管道", "已上报", "已交办", "整改中", "已提交验收", "验收未通过", "已销号", "重大隐患(黑色外圈)"):
        assert words in text
    ring = page.locator("#dashboard-legend .dot.major")
    assert ring.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(0, 0, 0)"
    page.screenshot(path=ARTIFACTS / "dashboard-legend.png")

    # A bar of the category chart opens the hazards it counts.
    page.wait_for_function("document.body.dataset.chartsReady === 'true'")
    bar = page.evaluate(
        """() => { const chart = Chart.getChart('category-chart'), bar = chart.getDatasetMeta(0).data[0];
                   return {x: bar.x - 5, y: bar.y, total: chart.data.datasets[0].data[0]}; }"""
    )
    box = page.locator("#category-chart").bounding_box()
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_selector("#result_list")
    assert "category__exact=" in page.url
    assert _listed(page) == bar["total"]
    page.go_back()
    page.wait_for_selector("#dashboard-map.map-ready")

    major = int(page.text_content("#kpi-major_open .value"))
    assert major == Hazard.objects.filter(level="major").exclude(status="closed").count() > 0
    page.click("#kpi-major_open")
    page.wait_for_selector("#result_list")
    assert _listed(page) == major
    # The list says which filters made it, and they can be cleared.
    selected = page.locator("#changelist-filter li.selected").all_inner_texts()
    assert "未销号" in selected and "重大隐患" in selected
    assert re.search(rf"\b{major}\b", page.text_content("#changelist .paginator"))
    page.screenshot(path=ARTIFACTS / "dashboard-major-open-list.png")
    page.click("#changelist-filter-extra-actions a, #changelist-filter-clear a")
    page.wait_for_selector("#result_list")
    assert page.locator("#changelist-filter li.selected").all_inner_texts().count("未销号") == 0
    context.close()
