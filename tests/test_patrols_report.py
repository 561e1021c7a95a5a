"""The office's patrol report (a day or a month; per county, company, team and pipeline; Excel ledger; the
uncovered ranges in red on the map) and the dashboard's patrol panel: the figures shown are the tasks'."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from patrols.choices import TaskStatus
from patrols.models import PatrolTask, ProtectionAgreement
from patrols.reporting import merge_ranges
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db

YESTERDAY = DEMO_TODAY - timedelta(days=1)
REPORT = "admin:patrols_patroltask_report"


def _expected(tasks):
    """Coverage and arrival of tasks straight from their stored figures (the rule of patrols/reporting.py)."""
    judged = [t for t in tasks if t.status != TaskStatus.PLANNED]
    length = sum(t.report["length_m"] for t in judged)
    covered = sum(t.report["covered_m"] for t in judged)
    required = sum(t.report["checkpoints_required"] for t in judged)
    visited = sum(t.report["checkpoints_visited"] for t in judged)
    return f"{covered / length * 100:.2f}%", f"{visited / required * 100:.2f}%"


def test_the_day_report_shows_the_tasks_figures(client, inspector):
    client.force_login(inspector)
    page = client.get(reverse(REPORT), {"day": YESTERDAY.isoformat()})
    assert page.status_code == 200
    tasks = list(PatrolTask.objects.filter(date=YESTERDAY))
    total = page.context["total"]
    assert total.tasks == len(tasks)
    assert (total.coverage_pct, total.arrival_pct) == _expected(tasks)
    assert total.missed == sum(t.status == TaskStatus.MISSED for t in tasks) > 0
    assert total.coverage_pct in page.text
    # Each section row of the day is its task's own figures (one task a day per section here).
    for row in page.context["sections"][:20]:
        task = next(t for t in tasks if t.section_id == row["section_id"])
        if row["figures"].tasks == 1:
            assert row["figures"].coverage == pytest.approx(task.report["covered_m"] / task.report["length_m"])
            assert row["uncovered"] == merge_ranges(task.report["uncovered"])
    # Per county, company, team and pipeline: the groups add up to the whole day.
    for key, _label, rows, count in page.context["groups"]:
        if len(rows) == count:
            assert sum(f.tasks for _name, f in rows) == len(tasks), key


def test_the_report_filters_by_pipeline_and_month(client, inspector):
    client.force_login(inspector)
    task = PatrolTask.objects.filter(date=YESTERDAY).select_related("section__pipeline").first()
    code = task.section.pipeline.code
    page = client.get(reverse(REPORT), {"month": f"{YESTERDAY:%Y-%m}", "pipeline": code})
    tasks = list(
        PatrolTask.objects.filter(section__pipeline__code=code, date__year=YESTERDAY.year, date__month=YESTERDAY.month)
    )
    assert page.context["total"].tasks == len(tasks)
    assert (page.context["total"].coverage_pct, page.context["total"].arrival_pct) == _expected(tasks)
    assert {s["pipeline"] for s in page.context["sections"]} == {code}


def test_the_map_draws_the_uncovered_ranges_in_red(client, inspector):
    client.force_login(inspector)
    task = PatrolTask.objects.filter(date=YESTERDAY, status=TaskStatus.PARTLY_DONE).select_related("section").first()
    answer = client.get(
        reverse("admin:patrols_patroltask_report_map"),
        {"day": YESTERDAY.isoformat(), "pipeline": task.section.pipeline.code},
    )
    assert answer.status_code == 200
    features = answer.json()["features"]
    red = [f for f in features if f["properties"].get("uncovered")]
    tasks = PatrolTask.objects.filter(date=YESTERDAY, section__pipeline=task.section.pipeline)
    expected = sum(len(merge_ranges(t.report["uncovered"])) for t in tasks)
    assert len(red) == expected > 0
    assert {f["properties"]["color"] for f in red} == {"#d62728"}


def test_the_excel_ledger_has_every_task_and_the_groups(client, inspector):
    client.force_login(inspector)
    answer = client.get(reverse("admin:patrols_patroltask_report_xlsx"), {"day": YESTERDAY.isoformat()})
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.content))
    summary, sections, tasks = book.worksheets
    assert tasks.max_row - 1 == PatrolTask.objects.filter(date=YESTERDAY).count()
    by = {row[0] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert {"区县", "管道企业", "巡护队伍", "管道"} <= by
    assert sections.max_row - 1 == PatrolTask.objects.filter(date=YESTERDAY).values("section").distinct().count()


def test_bad_report_input_is_a_message_never_a_500(client, inspector):
    client.force_login(inspector)
    page = client.get(reverse(REPORT), {"month": "2026-13"})
    assert page.status_code == 200 and "YYYY-MM" in page.text and page.context.get("total") is None
    both = client.get(reverse(REPORT), {"month": "2026-11", "day": "2026-11-20"})
    assert "total" not in both.context or both.context.get("total") is None
    assert client.get(reverse("admin:patrols_patroltask_report_xlsx"), {"day": "yesterday"}).status_code == 400
    assert client.get(reverse("admin:patrols_patroltask_report_map"), {"company": "x"}).status_code == 400


def test_company_staff_see_their_own_company_in_the_report(client):
    owner = User.objects.get(username="company01")
    client.force_login(owner)
    page = client.get(reverse(REPORT), {"day": YESTERDAY.isoformat()})
    tasks = list(PatrolTask.objects.filter(date=YESTERDAY, section__pipeline__company=owner.company))
    assert page.context["total"].tasks == len(tasks) > 0
    assert {name for name, _f in page.context["groups"][1][2]} == {owner.company.name}


def test_users_without_the_tasks_permission_get_403(client):
    nobody = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(nobody)
    for name in (REPORT, "admin:patrols_patroltask_report_xlsx", "admin:patrols_patroltask_report_map"):
        assert client.get(reverse(name), {"day": "junk"}).status_code == 403


def test_the_dashboard_panel_shows_the_month_and_the_expired_agreements(client, manager):
    client.force_login(manager)
    page = client.get(reverse("dashboard"))
    panel = page.context["patrols"]
    month = panel["month"]
    year, number = (int(p) for p in month.split("-"))
    tasks = list(PatrolTask.objects.filter(date__year=year, date__month=number))
    assert (panel["total"].coverage_pct, panel["total"].arrival_pct) == _expected(tasks)
    assert {name for name, _f in panel["by_county"]} == {t.team.county for t in tasks if t.team}
    from django.utils import timezone

    expired = ProtectionAgreement.objects.filter(ends_on__lt=timezone.localdate()).count()
    assert panel["expired_agreements"] == expired > 0
    assert 'id="patrol-panel"' in page.text and 'id="patrol-map"' in page.text
