"""A hazard's whole life in Chromium, as inspector, company staff and manager,
with every date checked where it is shown, where it is typed and where it is
stored.

Browsers take only ISO dates (2027-01-06) in ``<input type="date">``; a form
that writes 2027/01/06 there shows an empty field, and submitting it sends
nothing: the deadline offered by default disappears and recording progress
erased the planned completion date. These tests read the inputs as the
browser holds them (``input_value``), so they see what the user sees.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hazards import services
from hazards.models import Hazard
from tests.conftest import jpeg_bytes
from tests.test_browser import ARTIFACTS, browser, city  # noqa: F401 - the browser and the demo city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@2026"


def _login_as(browser, live_server, username):  # noqa: F811 - the fixture
    # No locale given: the office's default language (zh-hans) is what users get.
    context = browser.new_context(viewport={"width": 1400, "height": 950}, timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")  # a log-in lands on the dashboard
    return page


def _chinese(day: date) -> str:
    """A date as the Chinese admin displays it (read-only fields, summaries)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _act(page, change_url, action):
    page.goto(change_url)
    page.click(f"a.workflow-action[data-action={action}]")
    page.wait_for_selector("input[name=_confirm]")


def _confirm(page):
    page.click("input[name=_confirm]")
    page.wait_for_selector(".messagelist .success")


def _field_error(page, field):
    """The error shown in the form row of ``field`` (under its own field)."""
    return page.text_content(f".form-row.errors:has(#id_{field}) .errorlist")


def _planned_date_changes(page):
    """The planned-date lines of the hazard page's field-change log."""
    lines = page.locator("#hazard-field-changes td div").all_text_contents()
    return [" ".join(line.split()) for line in lines if line.strip().startswith("计划完成日期")]


def _round(hazard, number):
    return hazard.rectifications.order_by("created_at", "id")[number - 1]


def _upload_evidence(page, change_url, tmp_path, name):
    photo = tmp_path / name
    photo.write_bytes(jpeg_bytes())
    _act(page, change_url, "evidence")
    page.set_input_files("#id_file", str(photo))
    page.fill("#id_description", "整改后现场照片")
    _confirm(page)


def test_a_hazard_from_assignment_to_closing_keeps_every_date(browser, live_server, city, tmp_path):  # noqa: F811
    from accounts.models import User

    staff = User.objects.get(username="company01")
    hazard = Hazard.objects.filter(status="reported", company=staff.company, level="general").order_by("pk").first()
    change = f"{live_server.url}/admin/hazards/hazard/{hazard.pk}/change/"
    today = timezone.localdate()  # the live server's today
    default_deadline = services.deadline_for(level=hazard.level, category=hazard.category, start=today)

    # --- inspector: the default deadline is offered, visible, in ISO ------------
    inspector = _login_as(browser, live_server, "inspector1")
    _act(inspector, change, "assign")
    assert inspector.input_value("#id_deadline") == default_deadline.isoformat()
    # A past deadline is refused under the deadline field, and what was typed stays.
    inspector.fill("#id_deadline", (today - timedelta(days=1)).isoformat())
    inspector.click("input[name=_confirm]")
    inspector.wait_for_selector(".form-row.errors")
    assert _field_error(inspector, "deadline").strip() == "整改期限不得早于今天。"
    assert inspector.input_value("#id_deadline") == (today - timedelta(days=1)).isoformat()
    inspector.fill("#id_deadline", default_deadline.isoformat())
    inspector.fill("#id_comment", "请于期限内整改")
    _confirm(inspector)
    hazard.refresh_from_db()
    assert (hazard.status, hazard.deadline) == ("assigned", default_deadline)
    assert inspector.text_content(".field-deadline .readonly").strip() == _chinese(default_deadline)

    # --- company: start with a planned date, then record progress only --------
    planned = today + timedelta(days=10)
    company = _login_as(browser, live_server, staff.username)
    _act(company, change, "start")
    assert company.input_value("#id_planned_completion_on") == ""
    company.fill("#id_measures", "设置警示标志,清理管道上方杂物")
    company.fill("#id_responsible_person", "赵六")
    company.fill("#id_responsible_phone", "13800000001")
    company.fill("#id_planned_completion_on", planned.isoformat())
    _confirm(company)
    assert _round(hazard, 1).planned_completion_on == planned

    _act(company, change, "progress")
    assert company.input_value("#id_planned_completion_on") == planned.isoformat()
    company.fill("#id_progress_percent", "60")
    company.fill("#id_comment", "警示标志已设置")
    _confirm(company)
    first = _round(hazard, 1)
    assert (first.progress_percent, first.planned_completion_on, first.measures) == (
        60,
        planned,
        "设置警示标志,清理管道上方杂物",
    )
    assert _planned_date_changes(company) == [f"计划完成日期: — → {planned.isoformat()}"]  # the change log: ISO

    # Only what the user changed is recorded: no note this time, the earlier note stays.
    _act(company, change, "progress")
    assert company.input_value("#id_progress_percent") == "60"
    company.fill("#id_progress_percent", "80")
    _confirm(company)
    first = _round(hazard, 1)
    assert (first.progress_percent, first.progress_note, first.planned_completion_on) == (80, "警示标志已设置", planned)

    # A progress record with nothing changed is refused, and changes nothing.
    _act(company, change, "progress")
    company.click("input[name=_confirm]")
    company.wait_for_selector(".errornote")
    assert _round(hazard, 1).planned_completion_on == planned

    _upload_evidence(company, change, tmp_path, "第一轮.jpg")
    _act(company, change, "submit")
    _confirm(company)

    # --- inspector: rejects; the reason is required, under its field -----------
    _act(inspector, change, "reject")
    inspector.click("input[name=_confirm]")
    inspector.wait_for_selector(".form-row.errors")
    assert _field_error(inspector, "comment").strip()
    inspector.fill("#id_comment", "杂物未清理干净")
    _confirm(inspector)
    hazard.refresh_from_db()
    assert (hazard.status, hazard.deadline) == ("rejected", default_deadline)

    # --- company: restarts; the previous round's entries are offered -----------
    _act(company, change, "start")
    assert company.input_value("#id_measures") == "设置警示标志,清理管道上方杂物"
    assert company.input_value("#id_responsible_person") == "赵六"
    assert company.input_value("#id_responsible_phone") == "13800000001"
    assert company.input_value("#id_planned_completion_on") == planned.isoformat()
    # A plan before today (the round starts today) is refused under the date field.
    company.fill("#id_planned_completion_on", (today - timedelta(days=3)).isoformat())
    company.click("input[name=_confirm]")
    company.wait_for_selector(".form-row.errors")
    assert _field_error(company, "planned_completion_on").strip()
    assert company.input_value("#id_measures") == "设置警示标志,清理管道上方杂物"
    company.fill("#id_planned_completion_on", planned.isoformat())
    company.fill("#id_measures", "设置警示标志,彻底清理管道上方杂物")
    _confirm(company)
    second = _round(hazard, 2)
    assert (second.planned_completion_on, second.responsible_person, second.started_on) == (planned, "赵六", today)
    assert _round(hazard, 1).outcome == "rejected"
    # Each round has its own heading.
    headings = company.locator("#rectifications-group .inline-related h3 b").all_text_contents()
    assert [text.strip() for text in headings] == ["第1轮整改", "第2轮整改"]

    # --- inspector: extends the deadline, approved by the manager --------------
    extended = default_deadline + timedelta(days=15)
    _act(inspector, change, "extend")
    assert inspector.input_value("#id_new_deadline") == default_deadline.isoformat()
    inspector.fill("#id_new_deadline", extended.isoformat())
    inspector.select_option("#id_approver", label=str(User.objects.get(username="manager")))
    inspector.fill("#id_comment", "需协调地方政府,延期15天")
    _confirm(inspector)
    hazard.refresh_from_db()
    assert hazard.deadline == extended
    assert inspector.text_content(".field-deadline .readonly").strip() == _chinese(extended)

    # --- manager: sees the extension and its dates; the page is read-only ------
    manager = _login_as(browser, live_server, "manager")
    manager.goto(change)
    extension = manager.text_content("#hazard-history tr.history-row[data-action=extend]")
    assert default_deadline.isoformat() in extension and extended.isoformat() in extension
    assert f"批准人 {User.objects.get(username='manager')}" in " ".join(extension.split())
    assert manager.text_content(".field-deadline .readonly").strip() == _chinese(extended)
    assert manager.locator("input[name=_save]").count() == 0

    # --- company: progress keeps the plan; submits ------------------------------
    _act(company, change, "progress")
    assert company.input_value("#id_planned_completion_on") == planned.isoformat()
    company.fill("#id_progress_percent", "90")
    _confirm(company)
    assert _round(hazard, 2).planned_completion_on == planned
    _upload_evidence(company, change, tmp_path, "第二轮.jpg")
    _act(company, change, "submit")
    _confirm(company)

    # --- inspector: accepts and closes; the closed page is read-only -----------
    _act(inspector, change, "accept")
    inspector.fill("#id_comment", "现场核查,同意销号")
    _confirm(inspector)
    hazard.refresh_from_db()
    assert (hazard.status, hazard.deadline) == ("closed", extended)
    second = _round(hazard, 2)
    assert (second.planned_completion_on, second.completed_on, second.outcome) == (planned, today, "accepted")
    for button in ("_save", "_continue", "_addanother"):
        assert inspector.locator(f"input[name={button}]").count() == 0
    assert inspector.locator("#id_description").count() == 0  # shown, not editable
    assert inspector.text_content(".field-deadline .readonly").strip() == _chinese(extended)
    # Reopening is still offered to the inspector.
    assert inspector.locator("a.workflow-action[data-action=reopen]").count() == 1
    inspector.screenshot(path=ARTIFACTS / "hazard-lifecycle-closed.png", full_page=True)

    rows = inspector.locator("#hazard-history tr.history-row")
    actions = [rows.nth(i).get_attribute("data-action") for i in range(rows.count())]
    assert actions == [
        "report",
        "assign",
        "start",
        "progress",
        "progress",
        "evidence",
        "submit",
        "reject",
        "start",
        "extend",
        "progress",
        "evidence",
        "submit",
        "accept",
    ]
    # The field-change log: each round's planned date set once, never emptied.
    assert _planned_date_changes(inspector) == [f"计划完成日期: — → {planned.isoformat()}"] * 2


def test_admin_date_fields_and_their_calendar_write_iso(browser, live_server, city):  # noqa: F811
    """The admin's own date fields (here a hazard's 发现日期) show ISO, and the
    calendar picker writes ISO; what is saved is the date picked."""
    hazard = Hazard.objects.filter(status="reported").order_by("pk").first()
    today = timezone.localdate()
    inspector = _login_as(browser, live_server, "inspector1")
    inspector.goto(f"{live_server.url}/admin/hazards/hazard/{hazard.pk}/change/")
    assert inspector.input_value("#id_found_on") == hazard.found_on.isoformat()
    # Saved untouched: nothing changes, no edit is recorded. The map's scripts have had time to run
    # (they once recomputed the chainage of the stored point on load, and the save recorded the change).
    inspector.wait_for_selector(".location-form-ready")
    inspector.wait_for_timeout(1500)
    assert inspector.input_value("#id_chainage_m") == str(hazard.chainage_m)
    inspector.click("input[name=_continue]")
    inspector.wait_for_selector(".messagelist .success")
    assert Hazard.objects.get(pk=hazard.pk).found_on == hazard.found_on
    assert not hazard.history.filter(action="edit").exists()
    # The “today” shortcut, then a day picked in the calendar.
    inspector.click(".field-found_on .datetimeshortcuts a:first-child")
    assert inspector.input_value("#id_found_on") == today.isoformat()
    inspector.click(".field-found_on a[id^=calendarlink]")
    inspector.click(".calendarbox:visible td a:text-is('1')")
    first_of_month = today.replace(day=1)
    assert inspector.input_value("#id_found_on") == first_of_month.isoformat()
    inspector.click("input[name=_continue]")
    inspector.wait_for_selector(".messagelist .success")
    assert Hazard.objects.get(pk=hazard.pk).found_on == first_of_month
    assert inspector.input_value("#id_found_on") == first_of_month.isoformat()
