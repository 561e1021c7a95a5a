# ruff: noqa: F811 (the fixtures of tests/construction_fixtures.py are imported by name)
"""The applications' admin pages: submission on the map, one button per step, print pages, ledger, check-in."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from construction.lifecycle import ApplicationStatus
from construction.models import Application
from tests.conftest import PDF_BYTES
from tests.construction_fixtures import contractors, jpeg, operator_staff, pdf, site, submit, today_is  # noqa: F401
from tests.test_construction_apps import DAY

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _as_drawn(geometry):
    """What the map widget submits: the geometry in the map's projection (EPSG:3857)."""
    return geometry.transform(3857, clone=True).json


def _act(client, application, step, **data):
    url = f"/admin/construction/application/{application.pk}/act/"
    return client.post(url, {"step": step, **data}, follow=True)


def test_contractor_submits_on_the_map_and_sees_only_its_own(monkeypatch, site, contractors):
    contractor_a, user_a, _b, user_b = contractors
    today_is(monkeypatch, DAY)
    client = _client(user_a)
    page = client.get("/admin/construction/application/add/")
    assert page.status_code == 200 and "测试甲建设工程有限公司" in page.content.decode()
    assert "测试乙市政工程有限公司" not in page.content.decode()  # only their own contractor to choose
    start = DAY + timedelta(days=10)
    response = client.post(
        "/admin/construction/application/add/",
        {
            "contractor": contractor_a.pk, "project": "光缆穿越工程", "contact_person": "赵工",
            "contact_phone": "13800000001", "work_type": "cable", "depth_m": "1.5",
            "planned_start": start.isoformat(), "planned_end": (start + timedelta(days=5)).isoformat(),
            "area": _as_drawn(site.line), "description": "", "work_plan": pdf("方案.pdf"),
        },
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    application = Application.objects.get(project="光缆穿越工程")
    assert response.redirect_chain[-1][0].endswith(f"/{application.pk}/change/")
    assert application.operators.count() == 2 and application.submitted_by == user_a
    assert "site-map-data" in response.content.decode()
    assert _client(user_b).get(f"/admin/construction/application/{application.pk}/change/").status_code == 302
    assert "光缆穿越工程" not in _client(user_b).get("/admin/construction/application/").content.decode()
    # A bad date is a message under its field, nothing written.
    response = client.post(
        "/admin/construction/application/add/",
        {"contractor": contractor_a.pk, "project": "x", "contact_person": "赵", "contact_phone": "1",
         "work_type": "cable", "planned_start": (DAY - timedelta(days=3)).isoformat(),
         "planned_end": DAY.isoformat(), "area": _as_drawn(site.line)},
    )  # fmt: skip
    assert response.status_code == 200 and Application.objects.filter(project="x").count() == 0


def test_buttons_walk_the_life_cycle(monkeypatch, site, contractors, operator_staff, inspector):
    contractor, user, *_ = contractors
    first, second, outsider = operator_staff
    today_is(monkeypatch, DAY)
    application = submit(contractor, user, site, start=DAY + timedelta(days=10))
    office, con = _client(inspector), _client(user)
    page = office.get(f"/admin/construction/application/{application.pk}/change/")
    assert page.status_code == 200 and "approve-form" in page.content.decode()
    assert _act(office, application, "approve", comment="同意").status_code == 200
    assert _act(con, application, "notice").status_code == 200
    op1 = application.operators.get(company=first.company)
    op2 = application.operators.get(company=second.company)
    # The outsider cannot even see it; the other operator cannot answer for the first.
    assert _client(outsider).post(f"/admin/construction/application/{application.pk}/act/",
                                  {"step": "answer", "operator": op1.pk, "answer": "no_conflict",
                                   "site_action": "marked"}).status_code == 404  # fmt: skip
    response = _act(_client(second), application, "answer", operator=op1.pk, answer="no_conflict",
                    site_action="marked")  # fmt: skip
    assert 'class="error"' in response.content.decode()
    op1.refresh_from_db()
    assert op1.answer == ""  # refused: the other operator cannot answer for the first
    today_is(monkeypatch, DAY + timedelta(days=10))
    response = _act(con, application, "start")
    assert first.company.name in response.content.decode()  # the message names what is missing
    for staff, operator in ((first, op1), (second, op2)):
        c = _client(staff)
        _act(c, application, "answer", operator=operator.pk, answer="no_conflict", site_action="presence")
        c.post(f"/admin/construction/application/{application.pk}/act/",
               {"step": "agreement", "operator": operator.pk, "kind": "safety", "file": pdf()})  # fmt: skip
    _act(con, application, "start")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_WAY
    # The guard's phone form.
    phone = _client(second)
    assert phone.get(f"/admin/construction/application/{application.pk}/check-in/").status_code == 200
    response = phone.post(f"/admin/construction/application/{application.pk}/check-in/",
                          {"photo": jpeg(), "lon": site.point.x, "lat": site.point.y, "accuracy": 5})  # fmt: skip
    assert response.status_code == 200 and "checkin-done" in response.content.decode()
    response = phone.post(f"/admin/construction/application/{application.pk}/check-in/", {"photo": jpeg()})
    assert "checkin-errors" in response.content.decode()
    _act(office, application, "damage", kind="near_miss", level="general", description="挖掘机碰触防腐层")
    assert application.hazards.count() == 1
    _act(con, application, "complete", backfilled="on", markers_restored="on")
    _act(office, application, "close")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED
    page = office.get(f"/admin/construction/application/{application.pk}/change/").content.decode()
    for text in ("history", "历史"):
        if text in page:
            break
    else:
        raise AssertionError("no history on the page")
    # Print pages and files.
    notice = office.get(f"/admin/construction/application/{application.pk}/notice/").content.decode()
    assert "书面告知书" in notice and first.company.name in notice
    cover = _client(first).get(f"/admin/construction/application/agreement-cover/{op1.pk}/")
    assert cover.status_code == 200 and "安全防护协议" in cover.content.decode()
    assert _client(outsider).get(f"/admin/construction/application/agreement-cover/{op1.pk}/").status_code == 404
    version = op1.agreements.get()
    download = _client(first).get(f"/admin/construction/application/agreement/{version.pk}/")
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert _client(outsider).get(f"/admin/construction/application/agreement/{version.pk}/").status_code == 404


def test_the_ledger_lists_what_the_user_may_see(monkeypatch, site, contractors, operator_staff, inspector):
    contractor, user, *_ = contractors
    today_is(monkeypatch, DAY)
    application = submit(contractor, user, site)
    for who, expected in ((inspector, True), (operator_staff[0], True), (operator_staff[2], False)):
        response = _client(who).get("/admin/construction/application/ledger.xlsx")
        assert response.status_code == 200
        book = load_workbook(BytesIO(response.content))
        numbers = [row[0].value for row in book.worksheets[0].iter_rows(min_row=2)]
        assert (application.number in numbers) is expected
    assert _client(user).get("/admin/construction/application/ledger.xlsx").status_code == 403
