"""The hazard ledger (隐患台账) as an Excel workbook.

Headers are in Chinese whatever the user's language: the ledger is an
official list. Text cells that a spreadsheet would take for a formula are
written as plain text.
"""

from io import BytesIO

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
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
        (pgettext("ledger", "code"), 14, lambda h, r: h.code),
        (pgettext("ledger", "operating company"), 28, lambda h, r: h.company.name),
        (pgettext("ledger", "pipeline"), 14, lambda h, r: h.pipeline.code if h.pipeline else ""),
        (pgettext("ledger", "campaign"), 28, lambda h, r: h.campaign.name if h.campaign else ""),
        (pgettext("ledger", "category"), 14, lambda h, r: h.get_category_display()),
        (pgettext("ledger", "level"), 10, lambda h, r: h.get_level_display()),
        (pgettext("ledger", "source"), 14, lambda h, r: h.get_source_display()),
        (pgettext("ledger", "violated norm clause"), 16, lambda h, r: h.clause.reference if h.clause else ""),
        (pgettext("ledger", "place"), 24, lambda h, r: h.place),
        (pgettext("ledger", "longitude"), 12, lambda h, r: round(h.location.x, 6)),
        (pgettext("ledger", "latitude"), 12, lambda h, r: round(h.location.y, 6)),
        (pgettext("ledger", "description"), 40, lambda h, r: h.description),
        (pgettext("ledger", "found on"), 12, lambda h, r: h.found_on),
        (pgettext("ledger", "rectification deadline"), 12, lambda h, r: h.deadline),
        (pgettext("ledger", "status"), 12, lambda h, r: h.get_status_display()),
        (pgettext("ledger", "overdue"), 8, lambda h, r: _("yes") if h.is_overdue else ""),
        (
            pgettext("ledger", "closed at"),
            18,
            lambda h, r: timezone.localtime(h.closed_at).replace(tzinfo=None) if h.closed_at else None,
        ),
        (pgettext("ledger", "responsible person"), 12, lambda h, r: r.responsible_person if r else ""),
        (pgettext("ledger", "measures"), 40, lambda h, r: r.measures if r else ""),
        (pgettext("ledger", "progress (%)"), 10, lambda h, r: r.progress_percent if r else None),
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
