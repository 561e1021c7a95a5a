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


# The wording, one template per situation; ``default_text`` fills them in
# Python for one hazard, escalations/bulk.py in SQL for many at once.
_SUBJECT = "{company}:\n经查,你单位{where}存在的{level}(编号{code},类别:{category})"
TEMPLATES = {
    "order_overdue": _SUBJECT + "未在规定期限({deadline})前完成整改。"
    "现予以挂牌督办,请于{reply_by}前完成整改并书面报告整改情况。",
    "order_slow": _SUBJECT + "整改进展缓慢,整改期限为{deadline}。"
    "现予以挂牌督办,请于{reply_by}前完成整改并书面报告整改情况。",
    "interview": _SUBJECT + "{order_part}仍未在规定期限({deadline})前完成整改。"
    "根据安全生产有关规定,决定对你单位进行安全生产约谈。"
    "请你单位主要负责人{meeting}参加约谈,并携带隐患整改情况书面材料。",
}
ORDER_PART = "经挂牌督办(督办单编号{number})后"


def default_text(*, hazard, kind: str, today: date, reply_by: date, place: str = "", order=None) -> str:
    """The body of a supervision order or interview notice about ``hazard``.

    ``order`` is the supervision order an interview follows.
    """
    with translation.override(DOCUMENT_LANGUAGE):
        where = f"{hazard.pipeline.name}({hazard.pipeline.code})" if hazard.pipeline_id else ""
        where += f"在{hazard.place}" if hazard.place else ""
        fields = {
            "company": hazard.company.name,
            "where": where,
            "level": hazard.get_level_display(),
            "code": hazard.code,
            "category": hazard.get_category_display(),
            "deadline": chinese_date(hazard.deadline),
            "reply_by": chinese_date(reply_by),
        }
    if kind == EscalationKind.INTERVIEW:
        fields["order_part"] = ORDER_PART.format(number=order.number) if order else ""
        fields["meeting"] = f"于{chinese_date(reply_by)}" + (f"到{place}" if place else "")
        return TEMPLATES["interview"].format(**fields)
    return TEMPLATES["order_overdue" if hazard.deadline < today else "order_slow"].format(**fields)


def layout(*, text: str, company_name: str) -> tuple[str, list[str]]:
    """The salutation line ("XX公司:") and the paragraphs of a document's text.

    A text written without a salutation is addressed to the recipient company.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].endswith((":", ":")):
        return lines[0], lines[1:]
    return f"{company_name}:", lines
