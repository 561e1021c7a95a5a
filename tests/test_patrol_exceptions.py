"""A task's exceptions as the engine writes them now (gaps and overspeed as runs of legs, ``*_more`` after the
listed runs) are shown in Chinese on the task page, never as a raw dict."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from patrols.models import PatrolTask
from patrols.reporting import exception_text
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db

GAP = {
    "kind": "gap",
    "start": "2026-11-20T08:00:00",
    "end": "2026-11-20T08:06:00",
    "legs": 3,
    "seconds": 360.0,
    "length_m": 812.5,
    "speed_kmh": 8.1,
}
FAST = {**GAP, "kind": "overspeed", "seconds": 60.0, "length_m": 400.0, "speed_kmh": 31.7}


@pytest.mark.parametrize(
    "item, text",
    [
        (GAP, "信号中断(3 段):2026-11-20T08:00:00 至 2026-11-20T08:06:00(360.0 秒,812.5 米)"),
        (FAST, "超速(3 段):2026-11-20T08:00:00 至 2026-11-20T08:06:00,最高 31.7 公里/小时"),
        ({"kind": "gap_more", "runs": 17}, "另有 17 处信号中断未列出"),
        ({"kind": "overspeed_more", "runs": 4}, "另有 4 处超速未列出"),
        ({"kind": "missed_checkpoint", "code": "K4"}, "漏检巡检点 K4"),
    ],
)
def test_exception_texts_in_chinese(item, text):
    with translation.override("zh-hans"):
        assert exception_text(item) == text


def test_an_unknown_kind_is_not_a_raw_dict():
    with translation.override("zh-hans"):
        shown = exception_text({"kind": "teleport", "x": 1})
    assert "{" not in shown and "teleport" in shown


def test_the_task_page_shows_runs_and_the_count_left_out(client, inspector):
    task = PatrolTask.objects.filter(date=DEMO_TODAY - timedelta(days=1)).exclude(status="planned").first()
    PatrolTask.objects.filter(pk=task.pk).update(
        exceptions=[GAP, {"kind": "gap_more", "runs": 17}, FAST, {"kind": "overspeed_more", "runs": 4}]
    )
    client.force_login(inspector)
    page = client.get(reverse("admin:patrols_patroltask_change", args=[task.pk])).content.decode()
    assert "信号中断(3 段)" in page and "最高 31.7 公里/小时" in page
    assert "另有 17 处信号中断未列出" in page and "另有 4 处超速未列出" in page
    assert "gap_more" not in page and "&#x27;kind&#x27;" not in page


def test_the_excel_ledger_lists_each_task_exceptions_in_chinese(client, inspector):
    from io import BytesIO

    from openpyxl import load_workbook

    day = DEMO_TODAY - timedelta(days=1)
    task = PatrolTask.objects.filter(date=day).exclude(status="planned").first()
    PatrolTask.objects.filter(pk=task.pk).update(exceptions=[GAP, {"kind": "overspeed_more", "runs": 4}])
    client.force_login(inspector)
    answer = client.get(reverse("admin:patrols_patroltask_report_xlsx"), {"day": day.isoformat()})
    sheet = load_workbook(BytesIO(answer.content)).worksheets[-1]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("异常")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "信号中断(3 段):2026-11-20T08:00:00 至 2026-11-20T08:06:00(360.0 秒,812.5 米); 另有 4 处超速未列出" in cells
    assert not any("{" in (c or "") for c in cells)
