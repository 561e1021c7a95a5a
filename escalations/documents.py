"""The wording of the documents: official documents are in Chinese, whatever
the user's interface language."""

from datetime import date

from django.utils import translation

from escalations.models import EscalationKind

DOCUMENT_LANGUAGE = "zh-hans"
ISSUING_OFFICE = "东营市油气管道保护工作主管部门"
TITLES = {
    EscalationKind.SUPERVISION_ORDER: "油气管道安全隐患整改督办单",
    EscalationKind.INTERVIEW: "油气管道安全生产约谈通知书",
}


def chinese_date(value: date | None) -> str:
    """2026年11月21日"""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def default_text(*, hazard, kind: str, today: date, reply_by: date, place: str = "", order=None) -> str:
    """The body of a supervision order or interview notice about ``hazard``.

    ``order`` is the supervision order an interview follows.
    """
    with translation.override(DOCUMENT_LANGUAGE):
        where = f"{hazard.pipeline.name}({hazard.pipeline.code})" if hazard.pipeline_id else ""
        where += f"在{hazard.place}" if hazard.place else ""
        subject = (
            f"{hazard.company.name}:\n"
            f"经查,你单位{where}存在的{hazard.get_level_display()}"
            f"(编号{hazard.code},类别:{hazard.get_category_display()})"
        )
    deadline = chinese_date(hazard.deadline)
    if kind == EscalationKind.INTERVIEW:
        order_part = f"经挂牌督办(督办单编号{order.number})后" if order else ""
        meeting = f"于{chinese_date(reply_by)}" + (f"到{place}" if place else "")
        return (
            f"{subject}{order_part}仍未在规定期限({deadline})前完成整改。"
            "根据安全生产有关规定,决定对你单位进行安全生产约谈。"
            f"请你单位主要负责人{meeting}参加约谈,并携带隐患整改情况书面材料。"
        )
    if hazard.deadline < today:
        finding = f"未在规定期限({deadline})前完成整改。"
    else:
        finding = f"整改进展缓慢,整改期限为{deadline}。"
    return f"{subject}{finding}现予以挂牌督办,请于{chinese_date(reply_by)}前完成整改并书面报告整改情况。"


def layout(*, text: str, company_name: str) -> tuple[str, list[str]]:
    """The salutation line ("XX公司:") and the paragraphs of a document's text.

    A text written without a salutation is addressed to the recipient company.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].endswith((":", ":")):
        return lines[0], lines[1:]
    return f"{company_name}:", lines
