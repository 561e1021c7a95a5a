"""The admin as an inspector sees it: Debian's Chromium driven by Playwright.

No browser is downloaded: Playwright drives /usr/bin/chromium (installed by
`make test`). Screenshots land in test-artifacts/.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db.models import Count

from hazards.models import Hazard
from pipelines.models import Pipeline
from tests.conftest import DEMO_TODAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "Demo@2026"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make test`, which installs it.")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # the tests make around it are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield from _chromium(sync_playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _chromium(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def city(transactional_db):
    # Transactional tests start from whatever the previous one left (or a flushed
    # database); seed_demo builds the city only if it is missing.
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), verbosity=0)


@pytest.fixture
def page(browser, live_server, city):
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="en-US", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.foreign_requests = []
    server = urlsplit(live_server.url).netloc

    def watch(request):
        if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).netloc != server:
            page.foreign_requests.append(request.url)

    page.on("request", watch)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "inspector1")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")  # a log-in lands on the dashboard
    yield page
    context.close()


def test_inspector_sees_the_city_on_a_map_in_chinese(page, live_server):
    # The browser asks for English; the office works in Chinese.
    assert "油气管道安全监管" in page.text_content("#site-name")
    assert page.is_visible("text=隐患")
    page.goto(f"{live_server.url}/admin/pipelines/pipeline/")
    page.wait_for_selector("#overview-map.map-ready")
    assert page.get_attribute("#overview-map", "data-feature-count") == str(Pipeline.objects.count()) == "161"
    assert page.locator("#overview-map canvas").count() >= 1
    page.screenshot(path=ARTIFACTS / "pipelines-overview.png")
    assert page.foreign_requests == []


def test_pipeline_route_is_drawn_in_the_map_widget(page, live_server):
    pipeline = Pipeline.objects.order_by("code").first()
    page.goto(f"{live_server.url}/admin/pipelines/pipeline/{pipeline.pk}/change/")
    page.wait_for_selector("#id_route_map canvas")
    features = page.evaluate("geodjango_route.featureOverlay.getSource().getFeatures().length")
    geometry_type = page.evaluate("geodjango_route.featureOverlay.getSource().getFeatures()[0].getGeometry().getType()")
    assert (features, geometry_type) == (1, "MultiLineString")
    page.screenshot(path=ARTIFACTS / "pipeline-change.png")
    assert page.foreign_requests == []


def test_inspector_places_a_hazard_on_the_map(page, live_server):
    pipeline = Pipeline.objects.order_by("code").first()
    page.goto(f"{live_server.url}/admin/hazards/hazard/add/?company={pipeline.company_id}&pipeline={pipeline.pk}")
    page.wait_for_selector("#id_location_map canvas")
    # The pipelines are drawn under the point being placed.
    page.wait_for_function("geodjango_location.referenceLayer.getSource().getFeatures().length === 161")
    page.wait_for_selector(f'#id_location_map[data-highlighted="{pipeline.pk}"]')  # zoomed to the chosen pipeline
    page.select_option("#id_level", "major")
    page.select_option("#id_category", "third_party_construction")
    page.select_option("#id_source", "patrol")
    page.fill("#id_description", "巡线发现挖掘机在管道上方作业")
    page.fill("#id_found_on", "2026-11-20")
    page.locator("#id_location_map").scroll_into_view_if_needed()
    box = page.locator("#id_location_map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.screenshot(path=ARTIFACTS / "hazard-add.png")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    hazard = Hazard.objects.get(description="巡线发现挖掘机在管道上方作业")
    assert hazard.code.startswith("YH-2026-")
    assert hazard.status == "reported" and hazard.level == "major"
    assert hazard.pipeline == pipeline
    # Clicked in the middle of the map, which opens zoomed to the chosen pipeline.
    xmin, ymin, xmax, ymax = pipeline.route.extent
    assert xmin - 0.01 < hazard.location.x < xmax + 0.01 and ymin - 0.01 < hazard.location.y < ymax + 0.01
    assert hazard.chainage_m is not None  # filled in from the clicked point
    assert page.foreign_requests == []


def test_switching_to_english(page, live_server):
    page.click(".language-switch button[value=en]")
    page.wait_for_selector("text=Oil and gas pipeline safety supervision")
    assert page.is_visible("text=Hazards")
    page.screenshot(path=ARTIFACTS / "admin-index-english.png")


def _login_as(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1400, "height": 950}, timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")  # a log-in lands on the dashboard
    return page


def test_the_closed_loop_in_a_few_clicks(browser, live_server, city, tmp_path):
    from accounts.models import User
    from tests.conftest import jpeg_bytes

    hazard = Hazard.objects.filter(status="reported").order_by("pk").first()
    change = f"{live_server.url}/admin/hazards/hazard/{hazard.pk}/change/"
    staff = User.objects.get(company=hazard.company, username__startswith="company")

    inspector = _login_as(browser, live_server, "inspector1")
    inspector.goto(change)
    inspector.click("a.workflow-action[data-action=assign]")
    inspector.fill("#id_comment", "请于期限内拆除")
    inspector.click("input[name=_confirm]")
    inspector.wait_for_selector(".messagelist .success")

    company = _login_as(browser, live_server, staff.username)
    company.goto(change)
    company.click("a.workflow-action[data-action=start]")
    company.fill("#id_measures", "拆除违章建筑")
    company.fill("#id_responsible_person", "赵六")
    company.click("input[name=_confirm]")
    company.wait_for_selector(".messagelist .success")
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(jpeg_bytes())
    company.click("a.workflow-action[data-action=evidence]")
    company.set_input_files("#id_file", str(photo))
    company.fill("#id_description", "拆除后现场")
    company.click("input[name=_confirm]")
    company.wait_for_selector(".messagelist .success")
    company.click("a.workflow-action[data-action=submit]")
    company.click("input[name=_confirm]")
    company.wait_for_selector(".messagelist .success")
    # The company has no accept button.
    assert company.locator("a.workflow-action[data-action=accept]").count() == 0

    inspector.goto(change)
    inspector.click("a.workflow-action[data-action=accept]")
    inspector.fill("#id_comment", "现场核查,同意销号")
    inspector.click("input[name=_confirm]")
    inspector.wait_for_selector(".messagelist .success")
    rows = inspector.locator("#hazard-history tr.history-row")
    assert [rows.nth(i).get_attribute("data-action") for i in range(rows.count())] == [
        "report",
        "assign",
        "start",
        "evidence",
        "submit",
        "accept",
    ]
    inspector.screenshot(path=ARTIFACTS / "hazard-closed-history.png", full_page=True)
    hazard.refresh_from_db()
    assert hazard.status == "closed"


def test_manager_dashboard(browser, live_server, city):
    import io

    from openpyxl import load_workbook

    page = _login_as(browser, live_server, "manager")
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dashboard-map.map-ready")
    page.wait_for_function("document.body.dataset.chartsReady === 'true'")
    page.wait_for_function("document.getElementById('dashboard-map').dataset.pipelineCount === '161'")
    total = Hazard.objects.count()
    overdue = Hazard.objects.exclude(status="closed").filter(is_overdue=True).count()
    assert page.text_content("#kpi-total .value").strip() == str(total)
    assert page.text_content("#kpi-overdue .value").strip() == str(overdue)
    assert page.get_attribute("#dashboard-map", "data-hazard-count") == str(total)
    assert page.locator("#by-company tbody tr").count() == 28
    page.screenshot(path=ARTIFACTS / "dashboard-manager.png", full_page=True)

    page.select_option("#id_level", "major")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_selector("#dashboard-map.map-ready")
    major = Hazard.objects.filter(level="major").count()
    assert page.text_content("#kpi-total .value").strip() == str(major)
    assert page.get_attribute("#dashboard-map", "data-hazard-count") == str(major)

    page.click("#by-company th:nth-child(4)")  # sort by overdue, ascending
    page.click("#by-company th:nth-child(4)")  # then descending
    first_overdue = int(page.text_content("#by-company tbody tr:first-child td:nth-child(4)").strip())
    per_company = (
        Hazard.objects.filter(level="major", is_overdue=True)
        .exclude(status="closed")
        .values("company")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert first_overdue == max(per_company, default=0)

    with page.expect_download() as download:
        page.click("#export-ledger")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet.max_row - 1 == major
    assert foreign == []


def test_company_dashboard_shows_only_their_company(browser, live_server, city):
    from accounts.models import User
    from companies.models import OperatingCompany

    staff = User.objects.get(username="company02")
    page = _login_as(browser, live_server, staff.username)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dashboard-map.map-ready")
    own = Hazard.objects.filter(company=staff.company)
    assert page.text_content("#kpi-total .value").strip() == str(own.count())
    assert page.get_attribute("#dashboard-map", "data-hazard-count") == str(own.count())
    page.wait_for_function(
        f"document.getElementById('dashboard-map').dataset.pipelineCount === '{staff.company.pipelines.count()}'"
    )
    body = page.text_content("body")
    for other in OperatingCompany.objects.exclude(pk=staff.company_id):
        assert other.short_name not in body
    page.screenshot(path=ARTIFACTS / "dashboard-company.png", full_page=True)
