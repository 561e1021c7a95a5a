"""An application (第三方施工申请) walked in Chromium from submission to completion by the contractor, two
operators and an inspector, each logged in as themselves; the guard checks in from a 360 px phone with its
position emulated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import PDF_BYTES, jpeg_bytes
from tests.test_browser import ARTIFACTS, browser, city  # noqa: F401 - the browser and the demo city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@2026"


def _login_as(browser, live_server, username, **context_options):  # noqa: F811 - the fixture
    options = {"viewport": {"width": 1400, "height": 950}, "timezone_id": "Asia/Shanghai", **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    page.foreign_requests = []
    server = live_server.url.split("//", 1)[1]

    def watch(request):
        if request.url.startswith("http") and server not in request.url:
            page.foreign_requests.append(request.url)

    page.on("request", watch)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # Staff land on the dashboard; a contractor, who has none, on the admin's index.
    page.wait_for_url(lambda url: url.endswith(("/dashboard/", "/admin/")))
    return page


def _step(page, form_id):
    page.click(f"#{form_id} button[type=submit]")
    page.wait_for_selector(".messagelist li")
    return page.text_content(".messagelist")


def _draw_line(page, line):
    """Draw ``line`` (EPSG:4326) with the map widget's line tool, clicking its vertices as a user would."""
    page.wait_for_selector("#id_area_map canvas")
    first = line.coords[0]
    page.evaluate(
        "([lon, lat]) => { const view = geodjango_area.map.getView();"
        " view.setCenter(ol.proj.fromLonLat([lon, lat])); view.setZoom(17); }",
        list(first),
    )
    page.click("#id_area_map .switch-type.type-LineString")
    page.locator("#id_area_map").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = page.locator("#id_area_map").bounding_box()
    pixels = [
        page.evaluate(
            "([lon, lat]) => geodjango_area.map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))", list(xy)
        )
        for xy in line.coords
    ]
    for x, y in pixels[:-1]:
        page.mouse.click(box["x"] + x, box["y"] + y)
    x, y = pixels[-1]
    page.mouse.dblclick(box["x"] + x, box["y"] + y)


def test_an_application_from_submission_to_completion(browser, live_server, city, tmp_path):  # noqa: F811
    from accounts.models import User
    from construction.models import Application
    from demo.construction import demo_sites

    pairs, _singles = demo_sites(pairs=6, singles=0)
    site = pairs[5]
    first_staff, second_staff = (
        User.objects.filter(company_id=company_id, username__startswith="company").order_by("pk").first()
        for company_id in site.company_ids
    )
    today = timezone.localdate()
    plan = tmp_path / "施工方案.pdf"
    plan.write_bytes(PDF_BYTES)

    # The contractor submits on the map.
    contractor = _login_as(browser, live_server, "contractor1")
    contractor.goto(f"{live_server.url}/admin/construction/application/add/")
    contractor.fill("#id_project", "浏览器测试光缆穿越工程")
    contractor.select_option("#id_work_type", "cable")
    contractor.fill("#id_depth_m", "1.2")
    contractor.fill("#id_planned_start", today.isoformat())
    contractor.fill("#id_planned_end", (today + timedelta(days=10)).isoformat())
    contractor.set_input_files("#id_work_plan", str(plan))
    _draw_line(contractor, site.line)
    contractor.screenshot(path=ARTIFACTS / "construction-application-add.png")
    contractor.click("input[name=_save]")
    contractor.wait_for_selector("#site-map.map-ready")
    application = Application.objects.get(project="浏览器测试光缆穿越工程")
    assert application.status == "submitted" and application.verdict == "approval_required"
    assert set(application.operators.values_list("company_id", flat=True)) >= set(site.company_ids)
    change_url = f"{live_server.url}/admin/construction/application/{application.pk}/change/"
    contractor.screenshot(path=ARTIFACTS / "construction-application-submitted.png", full_page=True)

    # The office approves.
    office = _login_as(browser, live_server, "inspector1")
    office.goto(change_url)
    assert "成功" in _step(office, "approve-form") or "批准" in office.text_content(".messagelist")
    application.refresh_from_db()
    assert application.status == "approved"

    # The contractor logs the notice sent a week ago; starting is refused, naming what is missing.
    contractor.goto(change_url)
    contractor.fill("#notice-form input[name=sent_on]", (today - timedelta(days=7)).isoformat())
    _step(contractor, "notice-form")
    refusal = _step(contractor, "start-form")
    operators = list(application.operators.select_related("company"))
    for operator in operators:
        assert operator.company.name in refusal
    contractor.screenshot(path=ARTIFACTS / "construction-start-refused.png", full_page=True)

    # Every operator answers; the first uploads its safety protection agreement, the others get a safety review.
    agreement = tmp_path / "安全防护协议.pdf"
    agreement.write_bytes(PDF_BYTES)
    staff_by_company = {first_staff.company_id: first_staff, second_staff.company_id: second_staff}
    for operator in operators:
        username = (
            staff_by_company.get(operator.company_id)
            or User.objects.filter(company_id=operator.company_id).order_by("pk").first()
        ).username
        staff = _login_as(browser, live_server, username)
        staff.goto(change_url)
        row = f'.operator[data-operator="{operator.pk}"]'
        staff.select_option(f"{row} .answer-form select[name=answer]", "no_conflict")
        staff.select_option(f"{row} .answer-form select[name=site_action]", "presence")
        staff.click(f"{row} .answer-form button[type=submit]")
        staff.wait_for_selector(".messagelist .success")
        if operator.company_id == first_staff.company_id:
            staff.set_input_files(f"{row} .agreement-form input[name=file]", str(agreement))
            staff.click(f"{row} .agreement-form button[type=submit]")
            staff.wait_for_selector(".messagelist .success")
            assert "v1" in staff.text_content(row)
        staff.context.close()
    office.goto(change_url)
    for operator in operators:
        if operator.company_id != first_staff.company_id:
            row = f'.operator[data-operator="{operator.pk}"]'
            office.fill(f"{row} .review-form input[name=comment]", "双方未达成协议,经安全评审可按方案施工")
            office.click(f"{row} .review-form button[type=submit]")
            office.wait_for_selector(".messagelist .success")

    # Now the work starts.
    contractor.goto(change_url)
    assert contractor.is_visible("#missing.ok")
    _step(contractor, "start-form")
    application.refresh_from_db()
    assert application.status == "under_way" and application.started_on == today

    # The second operator's guard checks in from a phone on site.
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg_bytes())
    phone = _login_as(
        browser, live_server, second_staff.username, viewport={"width": 360, "height": 740}, is_mobile=True,
        has_touch=True, geolocation={"longitude": site.point.x, "latitude": site.point.y, "accuracy": 6},
        permissions=["geolocation"],
    )  # fmt: skip
    phone.goto(change_url)
    phone.click("#checkin-link")
    phone.wait_for_selector("#checkin-submit:not([disabled])")
    phone.set_input_files("#id_photo", str(photo))
    phone.fill("#id_note", "现场监护,人工开挖")
    phone.click("#checkin-submit")
    phone.wait_for_selector("#checkin-done")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=ARTIFACTS / "construction-checkin-phone.png", full_page=True)
    checkin = application.checkins.get()
    assert checkin.guard == second_staff and checkin.distance_m < 5

    # Completed by the contractor, closed by the office.
    contractor.goto(change_url)
    contractor.check("#complete-form input[name=backfilled]")
    contractor.check("#complete-form input[name=markers_restored]")
    _step(contractor, "complete-form")
    office.goto(change_url)
    _step(office, "close-form")
    application.refresh_from_db()
    assert application.status == "closed"
    kinds = list(application.steps.values_list("kind", flat=True))
    assert kinds[0] == "submitted" and kinds[-3:] == ["checked_in", "completed", "closed"]
    assert kinds.count("answered") == len(operators)
    office.screenshot(path=ARTIFACTS / "construction-application-closed.png", full_page=True)
    # Another contractor never sees it.
    other = _login_as(browser, live_server, "contractor2")
    other.goto(f"{live_server.url}/admin/construction/application/")
    assert "浏览器测试光缆穿越工程" not in other.content()
    for each in (contractor, office, phone, other):
        assert each.foreign_requests == []
