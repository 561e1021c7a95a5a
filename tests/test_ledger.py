import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hazards.ledger import excel_safe, ledger_workbook
from hazards.models import Hazard

pytestmark = pytest.mark.django_db


def test_formula_like_text_is_written_as_text():
    assert excel_safe('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert excel_safe("+1") == "'+1" and excel_safe("-2") == "'-2" and excel_safe("@SUM(A1)") == "'@SUM(A1)"
    assert excel_safe("管道上方") == "管道上方" and excel_safe(5) == 5


def test_ledger_has_chinese_headers_and_escaped_cells(inspector):
    hazard = Hazard.objects.order_by("pk").first()
    Hazard.objects.filter(pk=hazard.pk).update(description='=cmd|" /C calc"!A0', place="@SUM(1+1)")
    content = ledger_workbook(Hazard.objects.filter(pk=hazard.pk))
    sheet = load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == ["编号", "管道企业", "管道编号", "排查行动", "隐患类别", "隐患等级"]
    assert all(isinstance(h, str) and h.isascii() is False for h in headers), headers  # every header in Chinese
    row = list(sheet[2])
    assert row[0].value == hazard.code
    description, place = row[11], row[8]
    assert description.value == '\'=cmd|" /C calc"!A0' and description.data_type == "s"
    assert place.value == "'@SUM(1+1)"
    assert not any(cell.data_type == "f" for cell in sheet[2])


def test_export_follows_the_current_filters(admin_client):
    response = admin_client.get(reverse("admin:hazards_hazard_export"), {"level__exact": "major", "q": "YH-2026"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="hazard-ledger-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row - 1 == Hazard.objects.filter(level="major", code__contains="YH-2026").count()
    assert {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"重大隐患"}


def test_changelist_links_the_export_with_its_filters(admin_client):
    page = admin_client.get(reverse("admin:hazards_hazard_changelist"), {"status__exact": "submitted"})
    assert reverse("admin:hazards_hazard_export") + "?status__exact=submitted" in page.text
