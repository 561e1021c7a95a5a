"""What the office sees, in Chinese: the overdue column, units in labels, the
admin index, and the error pages. Debian's Chromium driven by Playwright."""

import pytest
from django.template import loader

from hazards.models import Hazard
from tests.test_browser import ARTIFACTS, PASSWORD, browser, city  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username):  # noqa: F811 - the fixture
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")  # a log-in lands on the dashboard
    return page


def test_overdue_column_says_overdue_in_words(browser, live_server, city):  # noqa: F811
    overdue = Hazard.objects.filter(is_overdue=True).order_by("pk").first()
    on_time = Hazard.objects.filter(is_overdue=False).exclude(status="closed").order_by("pk").first()
    assert overdue is not None and on_time is not None
    page = _login(browser, live_server, "inspector1")
    page.goto(f"{live_server.url}/admin/hazards/hazard/?q={overdue.code}")
    row = page.locator("#result_list tbody tr", has_text=overdue.code)
    # No boolean icons (a red cross read as "overdue" when it meant "not overdue").
    assert page.locator("#result_list img[src*='icon-']").count() == 0
    badge = row.locator(".overdue-badge")
    assert badge.inner_text() == "逾期"
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(192, 57, 43)"
    page.screenshot(path=ARTIFACTS / "hazard-list-overdue.png")
    page.goto(f"{live_server.url}/admin/hazards/hazard/?q={on_time.code}")
    row = page.locator("#result_list tbody tr", has_text=on_time.code)
    assert row.locator(".overdue-badge").count() == 0
    assert page.locator("#result_list img[src*='icon-']").count() == 0
    # The hazard's own page says it in words as well.
    page.goto(f"{live_server.url}/admin/hazards/hazard/{overdue.pk}/change/")
    assert page.locator(".overdue-badge").first.inner_text() == "逾期"


def test_units_keep_their_case_and_app_names_are_chinese(browser, live_server, city):  # noqa: F811
    page = _login(browser, live_server, "admin")
    page.goto(f"{live_server.url}/admin/")  # a log-in lands on the dashboard; the app names are on the index
    index = page.inner_text("#content-main")
    for english in ("API KEY PERMISSIONS", "AUDIT LOG", "MODEL NAME"):
        assert english not in index
    assert "API 密钥" in index and "字段变更日志" in index
    page.goto(f"{live_server.url}/admin/pipelines/pipeline/")
    headers = page.inner_text("#result_list thead")
    assert "(MPa)" in headers and "(mm)" in headers
    assert "(MPA)" not in headers and "(MM)" not in headers
    assert "GeoPackage" in page.inner_text(".object-tools")  # not GEOPACKAGE
    company = Hazard.objects.order_by("pk").first().company
    page.goto(f"{live_server.url}/admin/companies/operatingcompany/{company.pk}/change/")
    text = page.inner_text("#content-main")
    assert "(MPA)" not in text and "(MM)" not in text
    page.screenshot(path=ARTIFACTS / "company-change-units.png")


def test_refused_page_is_chinese_with_a_way_back(browser, live_server, city):  # noqa: F811
    page = _login(browser, live_server, "company01")
    response = page.goto(f"{live_server.url}/admin/companies/operatingcompany/add/")
    assert response.status == 403
    assert "油气管道安全监管" in page.inner_text("#header")
    content = page.inner_text("#content")
    assert "无权" in content
    assert "403" in content
    page.screenshot(path=ARTIFACTS / "error-403.png")
    page.click("#content a.back-home")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def test_missing_page_is_chinese_with_a_way_back(browser, live_server, city):  # noqa: F811
    page = _login(browser, live_server, "inspector1")
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert "油气管道安全监管" in page.inner_text("#header")
    assert "页面不存在" in page.inner_text("#content")
    page.screenshot(path=ARTIFACTS / "error-404.png")
    page.click("#content a.back-home")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def test_server_error_page_is_chinese_and_standalone():
    # Django renders 500.html with no context at all: it must stand alone.
    html = loader.get_template("500.html").render()
    assert "500" in html and "服务器" in html and "返回首页" in html and 'href="/"' in html
    assert "Django" not in html


def test_field_changes_read_as_people_wrote_them(browser, live_server, city):  # noqa: F811
    hazard = Hazard.objects.filter(status="reported", level="general").order_by("pk").first()
    page = _login(browser, live_server, "inspector1")
    page.goto(f"{live_server.url}/admin/hazards/hazard/{hazard.pk}/change/")
    page.select_option("#id_level", "major")
    page.fill("#id_place", "河口区孤岛镇西")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    panel = page.inner_text("#hazard-field-changes")
    assert "隐患等级: 一般隐患 → 重大隐患" in panel
    assert "地点: " in panel and "→ 河口区孤岛镇西" in panel
    assert "张建国" in panel
    for internal in ("None", "False", "escalations", "webhook", "ID"):
        assert internal not in panel
    page.locator("#hazard-field-changes").screenshot(path=ARTIFACTS / "hazard-field-changes.png")
    # The history button: the same history, not Django's admin log.
    page.click("a.historylink")
    page.wait_for_selector("#hazard-field-changes")
    assert "隐患等级: 一般隐患 → 重大隐患" in page.inner_text("#hazard-field-changes")
    assert "修改发现情况" in page.inner_text("#hazard-history")
