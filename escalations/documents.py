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
# Python for one hazard, escalations/bulk.py in SQL for many at once. The
# text states what happened: the deadline and how many days it is past, the
# order an interview follows (its date, number, the date it set) and how long
# ago it was issued.
_SUBJECT = "{company}:\n经查,你单位{where}存在的{level}(编号{code},类别:{category})"
TEMPLATES = {
    "order_overdue": _SUBJECT + "未在规定期限({deadline})前完成整改,截至{today}已逾期{overdue_days}日。"
    "现予以挂牌督办,请于{reply_by}前完成整改并书面报告整改情况。",
    "order_slow": _SUBJECT + "整改进展缓慢,整改期限为{deadline}。"
    "现予以挂牌督办,请于{reply_by}前完成整改并书面报告整改情况。",
    "interview": _SUBJECT + "{order_part}截至{today}仍未完成整改,{lateness}。"
    "根据安全生产有关规定,决定对你单位进行安全生产约谈。"
    "请你单位主要负责人{meeting}参加约谈,并携带隐患整改情况书面材料。",
}
ORDER_PART = "于{order_date}被挂牌督办(督办单编号{number}{order_reply}),{order_days}"
ORDER_REPLY = ",要求于{date}前完成整改"  # the order's own reply date, when it set one
ORDER_DAYS = "督办已{days}日,"  # left out on the day of the order itself
LATE = "已超过规定整改期限({deadline}){days}日"
NOT_LATE = "整改期限为{deadline}"


def _order_part(order, today: date) -> str:
    if order is None:
        return ""
    days = (today - order.issued_on).days
    return ORDER_PART.format(
        order_date=chinese_date(order.issued_on),
        number=order.number,
        order_reply=ORDER_REPLY.format(date=chinese_date(order.reply_by)) if order.reply_by else "",
        order_days=ORDER_DAYS.format(days=days) if days > 0 else "",
    )


def default_text(*, hazard, kind: str, today: date, reply_by: date, place: str = "", order=None) -> str:
    """The body of a supervision order or interview notice about ``hazard``, issued on ``today``.

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
            "today": chinese_date(today),
            "overdue_days": (today - hazard.deadline).days,
        }
    late = hazard.deadline < today
    if kind == EscalationKind.INTERVIEW:
        fields["order_part"] = _order_part(order, today)
        lateness = LATE if late else NOT_LATE
        fields["lateness"] = lateness.format(deadline=fields["deadline"], days=fields["overdue_days"])
        fields["meeting"] = f"于{chinese_date(reply_by)}" + (f"到{place}" if place else "")
        return TEMPLATES["interview"].format(**fields)
    return TEMPLATES["order_overdue" if late else "order_slow"].format(**fields)


def layout(*, text: str, company_name: str) -> tuple[str, list[str]]:
    """The salutation line ("XX公司:") and the paragraphs of a document's text.

    A text written without a salutation is addressed to the recipient company.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].endswith((":", ":")):
        return lines[0], lines[1:]
    return f"{company_name}:", lines
