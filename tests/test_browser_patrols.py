"""The office's patrol report in Debian's Chromium: an inspector chooses a day and a pipeline, reads the
figures (the same as the tasks'), sees the uncovered ranges drawn in red on the map, downloads the ledger, and
opens a task with its uncovered range on its own map; the dashboard's patrol panel draws its map too."""

from datetime import timedelta

import pytest

from patrols.choices import TaskStatus
from patrols.models import PatrolTask
from tests.conftest import DEMO_TODAY
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YESTERDAY = DEMO_TODAY - timedelta(days=1)
RED = (214, 39, 40)  # #d62728

# The features of a map drawn by common/js/overview-map.js, and whether its canvas shows a red pixel.
FEATURES_JS = """(id) => {
  const map = document.getElementById(id).overviewMap;
  const out = [];
  map.getLayers().forEach((layer) => {
    const source = layer.getSource && layer.getSource();
    if (source && source.getFeatures) {
      source.getFeatures().forEach((f) => out.push({uncovered: !!f.get('uncovered'), color: f.get('color') || ''}));
    }
  });
  return out;
}"""
RED_PIXELS_JS = """([id, red]) => {
  let count = 0;
  document.querySelectorAll('#' + id + ' canvas').forEach((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      const near = (k) => Math.abs(data[i + k] - red[k]) < 12;
      if (near(0) && near(1) && near(2) && data[i + 3] > 200) count++;
    }
  });
  return count;
}"""


def _percent(covered, total):
    return f"{covered / total * 100:.2f}%"


def test_the_office_reads_a_day_of_patrols_on_a_pipeline(page, live_server):  # noqa: F811
    task = (
        PatrolTask.objects.filter(date=YESTERDAY, status=TaskStatus.PARTLY_DONE)
        .exclude(report__uncovered=[])
        .select_related("section__pipeline")
        .order_by("pk")
        .first()
    )
    code = task.section.pipeline.code
    tasks = list(PatrolTask.objects.filter(date=YESTERDAY, section__pipeline__code=code))
    judged = [t for t in tasks if t.status != TaskStatus.PLANNED]
    coverage = _percent(sum(t.report["covered_m"] for t in judged), sum(t.report["length_m"] for t in judged))
    required = sum(t.report["checkpoints_required"] for t in judged)
    arrival = _percent(sum(t.report["checkpoints_visited"] for t in judged), required)

    page.goto(f"{live_server.url}/admin/patrols/patroltask/")
    page.click("a.patrol-report-link")
    page.wait_for_selector("#report-form")
    assert "巡护报表" in page.text_content("h1")
    page.fill("#id_day", YESTERDAY.isoformat())
    page.fill("#id_month", "")
    page.fill("#id_pipeline", code)
    page.click("#report-form input[type=submit]")
    page.wait_for_selector("#report-total")
    assert page.text_content("#report-period").strip() == YESTERDAY.isoformat()
    assert page.text_content("#report-total .coverage").strip() == coverage
    assert page.text_content("#report-total .arrival").strip() == arrival
    assert page.locator("#report-by-pipeline tbody tr").count() == 1
    assert page.locator("#report-sections .section-row").count() == len({t.section_id for t in tasks})
    row = page.locator(f"#report-sections .section-row[data-section='{task.section.code}']")
    a, b = task.report["uncovered"][0]
    assert f"{a:.0f}–{b:.0f} m" in row.text_content()

    page.wait_for_selector("#report-map.map-ready")
    features = page.evaluate(FEATURES_JS, "report-map")
    red = [f for f in features if f["uncovered"]]
    assert len(red) >= len(task.report["uncovered"]) and {f["color"] for f in red} == {"#d62728"}
    page.wait_for_timeout(500)  # the canvas is painted on the next animation frame
    assert page.evaluate(RED_PIXELS_JS, ["report-map", list(RED)]) > 20
    page.screenshot(path=ARTIFACTS / "patrol-report.png", full_page=True)

    with page.expect_download() as download:
        page.click("#report-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{live_server.url}/admin/patrols/patroltask/{task.pk}/change/")
    page.wait_for_selector("#patrol-map.map-ready")
    assert page.evaluate(RED_PIXELS_JS, ["patrol-map", list(RED)]) > 0 or page.wait_for_timeout(500) is None
    assert page.evaluate(RED_PIXELS_JS, ["patrol-map", list(RED)]) > 20
    assert "漏巡" in page.text_content("#content-main")
    page.screenshot(path=ARTIFACTS / "patrol-task.png", full_page=True)


def test_the_dashboard_patrol_panel_draws_the_month(page, live_server):  # noqa: F811
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#patrol-map.map-ready")
    assert page.locator("#patrol-by-county tbody tr").count() == 5
    features = page.evaluate(FEATURES_JS, "patrol-map")
    assert any(f["uncovered"] for f in features)
    assert int(page.text_content("#kpi-agreements-expired .value")) > 0
