"""现场监护签到 from the field page on a 360 px phone (Chromium, emulated position): the operator's guard, logged
in on the field page, first tries far from the site (refused in Chinese, nothing written), then checks in on
site with a camera photo; the check-in is on the application (database, and the admin page's check-ins)."""

from urllib.parse import urlsplit

import pytest

from construction.models import Application, CheckIn
from tests.conftest import jpeg_bytes
from tests.test_browser import ARTIFACTS, PASSWORD, browser, city  # noqa: F401 - the browser and the demo city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _guard_phone(browser, live_server, username, position):  # noqa: F811 - the fixture
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        permissions=["geolocation"],
        geolocation=position,
    )
    page = context.new_page()
    page.foreign_requests = []
    server = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda request: page.foreign_requests.append(request.url) if urlsplit(request.url).netloc != server else None,
    )
    page.goto(f"{live_server.url}/field/")
    page.wait_for_url("**/field/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/")
    page.wait_for_selector("body[data-ready='1']")
    return context, page


def test_guard_checks_in_with_a_photo_from_the_field_page(browser, live_server, tmp_path, city):  # noqa: F811
    from accounts.models import User

    application = Application.objects.filter(status="under_way").order_by("number").first()
    operator = application.operators.select_related("company").order_by("pk").first()
    guard = User.objects.filter(username__startswith="company", company_id=operator.company_id).order_by("pk").first()
    before = CheckIn.objects.filter(application=application).count()
    on_site = application.area.point_on_surface
    far = {"longitude": on_site.x + 0.05, "latitude": on_site.y, "accuracy": 8}
    context, phone = _guard_phone(browser, live_server, guard.username, far)

    # Company staff: the check-in card only, no patrol.
    assert phone.is_visible("#checkin-form") and not phone.is_visible("#pick") and not phone.is_visible("#report")
    phone.select_option("#checkin-application", str(application.pk))
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg_bytes(size=(640, 480)))
    phone.wait_for_function("document.getElementById('checkin-position').textContent.includes(',')")
    phone.set_input_files("#checkin-photo", str(photo))
    phone.click("#checkin-submit")
    phone.wait_for_selector("#checkin-error:not([hidden])")
    assert "距作业区" in phone.text_content("#checkin-error") or "米" in phone.text_content("#checkin-error")
    assert CheckIn.objects.filter(application=application).count() == before

    # On site: checked in.
    context.set_geolocation({"longitude": on_site.x, "latitude": on_site.y, "accuracy": 6})
    phone.wait_for_function("lon => Math.abs(+document.body.dataset.lon - lon) < 1e-9", arg=on_site.x)
    phone.fill("#checkin-note", "现场监护,人工开挖")
    phone.click("#checkin-submit")
    phone.wait_for_selector("#checkin-done:not([hidden])")
    assert "已签到" in phone.text_content("#checkin-done") and application.number in phone.text_content("#checkin-done")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=ARTIFACTS / "field-checkin-phone.png", full_page=True)
    checkins = CheckIn.objects.filter(application=application).order_by("-pk")
    assert checkins.count() == before + 1
    checkin = checkins.first()
    assert checkin.guard == guard and checkin.operator_id == operator.pk and checkin.distance_m < 5
    assert checkin.note == "现场监护,人工开挖" and checkin.photo.name and checkin.accuracy_m == 6
    assert application.steps.filter(kind="checked_in", details__checkin=checkin.pk).exists()

    # The check-in on the application's admin page (the same guard, in the office).
    phone.goto(f"{live_server.url}/admin/construction/application/{application.pk}/change/")
    assert "现场监护,人工开挖" in phone.content()
    assert phone.foreign_requests == []
    context.close()
