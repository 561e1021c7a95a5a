"""The ledger of applications (第三方施工台账) as an Excel workbook: one row per application, one per operator."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from construction.lifecycle import AgreementKind
from hazards.ledger import excel_safe


def _bold(sheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _day(value):
    return value.isoformat() if value else ""


def applications_workbook(applications) -> bytes:
    """``applications``: a queryset (already scoped) with operators prefetched."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Applications")
    sheet.append([
        _("number"), _("project"), _("contractor"), _("contact person"), _("contact phone"), _("work type"),
        _("depth (m)"), _("verdict of the check"), _("status"), _("submitted at"), _("decision due"),
        _("planned start"), _("planned end"), _("approval valid until"), _("notice sent on"), _("work started on"),
        _("completed on"), _("expired on"), _("operators"), _("check-ins"),
    ])  # fmt: skip
    _bold(sheet)
    operators_sheet = book.create_sheet(_("Operators concerned"))
    operators_sheet.append([
        _("number"), _("operating company"), _("pipelines"), _("nearest distance (m)"), _("band"), _("articles"),
        _("answer"), _("on site"), _("answered at"), _("agreements"), _("safety review"),
    ])  # fmt: skip
    _bold(operators_sheet)
    for application in applications:
        operators = list(application.operators.all())
        sheet.append([
            application.number, excel_safe(application.project), excel_safe(application.contractor.name),
            excel_safe(application.contact_person), excel_safe(application.contact_phone),
            application.get_work_type_display(), application.depth_m, application.get_verdict_display(),
            application.get_status_display(), timezone.localtime(application.submitted_at).strftime("%Y-%m-%d %H:%M"),
            _day(application.decision_due), _day(application.planned_start), _day(application.planned_end),
            _day(application.valid_until), _day(application.notice_sent_on), _day(application.started_on),
            _day(application.completed_on), _day(application.expired_on),
            "、".join(o.company.name for o in operators), application.checkin_count,
        ])  # fmt: skip
        for operator in operators:
            agreements = "、".join(f"{AgreementKind(a.kind).label} v{a.version}" for a in operator.agreements.all())
            operators_sheet.append([
                application.number, excel_safe(operator.company.name), excel_safe(operator.pipeline_codes),
                operator.distance_m, operator.band, "、".join(operator.articles),
                operator.get_answer_display(), operator.get_site_action_display(),
                timezone.localtime(operator.answered_at).strftime("%Y-%m-%d %H:%M") if operator.answered_at else "",
                agreements, excel_safe(operator.safety_review_comment),
            ])  # fmt: skip
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
