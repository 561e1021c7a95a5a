"""Bad input in the browser: a clear message on the page, never a server error (Debian's Chromium)."""

import pytest

from hazards.lifecycle import EDITABLE_STATES
from hazards.models import Hazard
from tests.test_browser import ARTIFACTS, _login_as, browser, city  # noqa: F401 (fixtures)
from tests.test_uploads import _png_claiming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_decompression_bomb_photo_is_a_form_error_naming_the_limit(browser, live_server, city, tmp_path):  # noqa: F811
    hazard = Hazard.objects.filter(status__in=EDITABLE_STATES).order_by("pk").first()
    photos = hazard.photos.count()
    bomb = tmp_path / "现场.png"
    bomb.write_bytes(_png_claiming(20000, 20000))  # 69 bytes claiming 400 million pixels
    page = _login_as(browser, live_server, "inspector1")
    page.goto(f"{live_server.url}/admin/hazards/hazard/{hazard.pk}/change/")
    page.click("a.workflow-action[data-action=photo]")
    page.set_input_files("#id_image", str(bomb))
    page.click("input[name=_confirm]")
    error = page.locator(".errorlist").first
    error.wait_for()
    assert "图片过大" in error.text_content() and "20000×20000" in error.text_content()
    assert "89,478,485" in error.text_content()
    page.screenshot(path=ARTIFACTS / "photo-bomb-refused.png")
    assert hazard.photos.count() == photos


def test_the_ledger_export_with_a_bad_filter_comes_back_to_the_list_saying_which(browser, live_server, city):  # noqa: F811
    page = _login_as(browser, live_server, "inspector1")
    page.goto(f"{live_server.url}/admin/hazards/hazard/export/?level__exact=major&found_on__gte=notadate")
    page.wait_for_selector(".messagelist .error")
    assert page.url == f"{live_server.url}/admin/hazards/hazard/?level__exact=major"
    message = page.text_content(".messagelist .error")
    assert "台账未导出" in message and "found_on__gte=notadate" in message
    # The list kept the good filter; its export link now exports.
    with page.expect_download() as download:
        page.click("a.export-ledger")
    assert download.value.suggested_filename.endswith(".xlsx")
    # The list itself, opened with a bad filter, says which and keeps the rest.
    page.goto(f"{live_server.url}/admin/hazards/hazard/?status__exact=closed&is_overdue__exact=maybe")
    page.wait_for_selector(".messagelist .error")
    assert page.url == f"{live_server.url}/admin/hazards/hazard/?status__exact=closed"
    assert "is_overdue__exact=maybe" in page.text_content(".messagelist .error")
    page.screenshot(path=ARTIFACTS / "hazard-list-bad-filter.png")
