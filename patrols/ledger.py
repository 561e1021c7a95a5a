"""The patrol report as an Excel ledger (巡护台账): the figures per county, company, team and pipeline, each
section's figures and uncovered ranges, every task, and what was missed."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from hazards.ledger import excel_safe
from patrols.choices import TaskKind, TaskStatus, TimeWindow
from patrols.reporting import GROUPS, exception_text, figures_by, figures_total, ranges_text, section_rows

EXCEL_CELL_MAX = 32_000  # an Excel cell holds at most 32 767 characters


def _rate(value):
    return None if value is None else round(value, 4)


def _figure_cells(f) -> list:
    return [
        f.tasks,
        f.done,
        f.partly_done,
        f.missed,
        f.planned,
        _rate(f.coverage),
        _rate(f.arrival),
        round(f.uncovered_m / 1000, 3),
        f.visited,
        f.required,
    ]


def _figure_header() -> list[str]:
    return [
        _("tasks"),
        _("done"),
        _("partly done"),
        _("missed"),
        _("planned"),
        _("coverage rate"),
        _("arrival rate"),
        _("uncovered (km)"),
        _("checkpoints visited"),
        _("checkpoints required"),
    ]


def _sheet(book, title, header, first=False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return sheet


def report_workbook(rows, *, first, last) -> bytes:
    book = Workbook()
    labels = {"county": _("county"), "company": _("operating company"), "team": _("team"), "pipeline": _("pipeline")}
    summary = _sheet(book, _("Summary"), [_("by"), _("name"), *_figure_header()], first=True)
    summary.append([_("period"), f"{first:%Y-%m-%d} – {last:%Y-%m-%d}", *_figure_cells(figures_total(rows))])
    for key in GROUPS:
        for name, figures in figures_by(rows, key):
            summary.append([labels[key], excel_safe(name), *_figure_cells(figures)])

    sections = _sheet(
        book,
        _("Sections"),
        [
            _("section"),
            _("pipeline"),
            _("from chainage (m)"),
            _("to chainage (m)"),
            _("team"),
            _("county"),
            _("operating company"),
            *_figure_header(),
            _("uncovered ranges"),
            _("missed checkpoints"),
        ],
    )
    for s in section_rows(rows):
        sections.append(
            [
                excel_safe(s["code"]),
                excel_safe(s["pipeline"]),
                round(s["from_m"], 1),
                round(s["to_m"], 1),
                excel_safe(s["team"]),
                excel_safe(s["county"]),
                excel_safe(s["company"]),
                *_figure_cells(s["figures"]),
                ranges_text(s["uncovered"]),
                excel_safe(", ".join(s["missed_codes"])),
            ]
        )

    tasks = _sheet(
        book,
        _("Tasks"),
        [
            _("date"),
            _("section"),
            _("pipeline"),
            _("time window"),
            _("kind"),
            _("round"),
            _("team"),
            _("status"),
            _("coverage rate"),
            _("arrival rate"),
            _("uncovered ranges"),
            _("missed checkpoints"),
            _("exceptions"),
        ],
    )
    for r in rows:
        tasks.append(
            [
                r["date"].isoformat(),
                excel_safe(r["section__code"]),
                excel_safe(r["pipeline"]),
                str(TimeWindow(r["time_window"]).label),
                str(TaskKind(r["kind"]).label),
                r["seq"],
                excel_safe(r["team"]),
                str(TaskStatus(r["status"]).label),
                _rate(r["coverage"]),
                _rate(r["arrival"]),
                ranges_text(r["uncovered"]),
                excel_safe(", ".join(r["missed_codes"])),
                excel_safe("; ".join(exception_text(item) for item in r["exceptions"] or [])[:EXCEL_CELL_MAX]),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
