"""The hazard ledger (隐患台账) as an Excel workbook.

Headers are in Chinese whatever the user's language: the ledger is an
official list. Text cells that a spreadsheet would take for a formula are
written as plain text.
"""

from io import BytesIO

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hazards.models import Rectification

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def excel_safe(value):
    """Text that starts like a formula gets a leading apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _columns():
    return [
        (_("code"), 14, lambda h, r: h.code),
        (_("operating company"), 28, lambda h, r: h.company.name),
        (_("pipeline"), 14, lambda h, r: h.pipeline.code if h.pipeline else ""),
        (_("campaign"), 28, lambda h, r: h.campaign.name if h.campaign else ""),
        (_("category"), 14, lambda h, r: h.get_category_display()),
        (_("level"), 10, lambda h, r: h.get_level_display()),
        (_("source"), 14, lambda h, r: h.get_source_display()),
        (_("violated norm clause"), 16, lambda h, r: h.clause.reference if h.clause else ""),
        (_("place"), 24, lambda h, r: h.place),
        (_("longitude"), 12, lambda h, r: round(h.location.x, 6)),
        (_("latitude"), 12, lambda h, r: round(h.location.y, 6)),
        (_("description"), 40, lambda h, r: h.description),
        (_("found on"), 12, lambda h, r: h.found_on),
        (_("rectification deadline"), 12, lambda h, r: h.deadline),
        (_("status"), 12, lambda h, r: h.get_status_display()),
        (_("overdue"), 8, lambda h, r: _("yes") if h.is_overdue else ""),
        (
            _("closed at"),
            18,
            lambda h, r: timezone.localtime(h.closed_at).replace(tzinfo=None) if h.closed_at else None,
        ),
        (_("responsible person"), 12, lambda h, r: r.responsible_person if r else ""),
        (_("measures"), 40, lambda h, r: r.measures if r else ""),
        (_("progress (%)"), 10, lambda h, r: r.progress_percent if r else None),
    ]


def ledger_workbook(queryset) -> bytes:
    hazards = queryset.select_related("company", "pipeline", "campaign", "clause__norm").prefetch_related(
        Prefetch("rectifications", queryset=Rectification.objects.order_by("created_at", "id"), to_attr="rounds")
    )
    with translation.override("zh-hans"):
        columns = _columns()
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("hazard ledger")
        sheet.append([str(title) for title, _width, _value in columns])
        for hazard in hazards.iterator(chunk_size=2000):
            latest = hazard.rounds[-1] if hazard.rounds else None
            sheet.append([excel_safe(value(hazard, latest)) for _title, _width, value in columns])
    for index, (_title, width, _value) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
