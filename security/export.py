"""Excel workbooks of the security register: the figures (by county, company, pipeline) and the theft
incident ledger (打孔盗油台账). Text that looks like a formula is escaped (hazards.ledger.excel_safe)."""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from hazards.ledger import excel_safe

GROUP_TITLES = {
    "total": gettext_lazy("Total"),
    "county": gettext_lazy("By county"),
    "company": gettext_lazy("By company"),
    "pipeline": gettext_lazy("By pipeline"),
}


def figure_columns():
    return [
        (_("incidents"), lambda f: f.taps),
        (_("pipeline length (km)"), lambda f: f.length_km),
        (_("taps per 100 km per month"), lambda f: f.taps_per_100km_month),
        (_("found by patrols"), lambda f: f.found_by_patrol),
        (_("share found by patrols"), lambda f: f.patrol_share),
        (_("tap dates known"), lambda f: f.tap_dates_known),
        (_("days from tap to discovery (median)"), lambda f: f.days_to_discovery_median),
        (_("days from tap to discovery (mean)"), lambda f: f.days_to_discovery_mean),
        (_("cases filed"), lambda f: f.filed),
        (_("solved"), lambda f: f.solved),
        (_("solve rate"), lambda f: f.solve_rate),
        (_("repeat locations"), lambda f: f.repeats),
        (_("repeat-location rate"), lambda f: f.repeat_rate),
        (_("refinery closures"), lambda f: f.closures if f.recurrence_rate is not None or f.closures else None),
        (_("found working again"), lambda f: f.recurrences if f.recurrence_rate is not None or f.closures else None),
        (_("refinery recurrence rate"), lambda f: f.recurrence_rate),
    ]


def figures_workbook(rows, *, start, end) -> bytes:
    book = Workbook()
    book.remove(book.active)
    columns = figure_columns()
    for group, title in GROUP_TITLES.items():
        sheet = book.create_sheet(str(title))
        sheet.append([_("period"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"])
        sheet.append([_("name"), *[name for name, _get in columns]])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            if row.group == group:
                sheet.append([excel_safe(row.label or _("all")), *[get(row.figures) for _name, get in columns]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def theft_ledger(queryset) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Theft incidents")
    header = [
        _("number"),
        _("pipeline"),
        _("operating company"),
        _("chainage (m)"),
        _("county"),
        _("found on"),
        _("found by"),
        _("tap kind"),
        _("tap made on"),
        _("volume lost (t)"),
        _("shutdown (hours)"),
        _("cost (yuan)"),
        _("status"),
        _("police case"),
        _("repair"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i in queryset.select_related("pipeline__company", "police_case"):
        sheet.append(
            [
                excel_safe(i.code),
                excel_safe(i.pipeline.code),
                excel_safe(i.pipeline.company.name),
                round(i.chainage_m, 1),
                excel_safe(i.county),
                i.found_on,
                i.get_found_how_display(),
                i.get_tap_kind_display(),
                i.tapped_on,
                float(i.volume_lost_t),
                float(i.shutdown_hours),
                float(i.cost_yuan),
                i.get_status_display(),
                excel_safe(i.police_case.number if i.police_case else ""),
                excel_safe(i.repair),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def refinery_ledger(queryset) -> bytes:
    """The refinery points (土炼油点台账) with their closures, recurrences and the latest re-check."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Refinery points")
    header = [
        _("number"),
        _("name or place"),
        _("kind"),
        _("county"),
        _("longitude"),
        _("latitude"),
        _("found on"),
        _("status"),
        _("shut down on"),
        _("shut down by"),
        _("times shut down"),
        _("times found working again"),
        _("re-checks to do"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in queryset.prefetch_related("rechecks"):
        sheet.append(
            [
                excel_safe(p.code),
                excel_safe(p.name),
                p.get_kind_display(),
                excel_safe(p.county),
                round(p.location.x, 6),
                round(p.location.y, 6),
                p.found_on,
                p.get_status_display(),
                p.shut_down_on,
                excel_safe(p.shut_down_by),
                p.closures,
                p.recurrences,
                sum(1 for r in p.rechecks.all() if not r.result),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
