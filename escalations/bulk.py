"""The nightly supervision run, set-based: flag overdue hazards, issue
supervision orders and interview notices, remind companies of deadlines.

Each step is a few statements whatever the number of hazards and is
idempotent; the only pass over rows in Python chains their history rows
(hazards/chain.py: a hash each in one loop, then one insert statement, COPY on PostgreSQL).
It is idempotent: what was done for a hazard's current
deadline is never done again, however often the run repeats. The run takes
a database lock, so two workers running it at once do it once.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, LPad, RowNumber
from django.db.models.lookups import GreaterThan, IsNull
from django.utils import timezone, translation

from common import sql
from escalations.documents import DOCUMENT_LANGUAGE, LATE, ORDER_DAYS, ORDER_PART, ORDER_REPLY, TEMPLATES
from escalations.documents import chinese_date as chinese_date_value
from escalations.models import NUMBER_PREFIXES, DeadlineReminder, Escalation, EscalationKind, EscalationNumberSequence
from escalations.services import REPLY_DAYS
from hazards.chain import history_append_values, history_lock
from hazards.choices import HazardCategory, HazardLevel, HazardStatus
from hazards.models import Hazard, HazardTransition, TransitionAction

# The company's side of the loop: the deadline is the company's to meet.
COMPANY_STATES = (HazardStatus.ASSIGNED, HazardStatus.RECTIFYING, HazardStatus.REJECTED)
DEFAULT_GRACE_DAYS = 15
REMIND_DAYS_AHEAD = 3
_LOCK_KEY = 727_001  # pg_advisory_xact_lock key of the supervision run


@dataclass
class RunResult:
    flagged: int = 0
    orders: int = 0
    interviews: int = 0
    reminders: int = 0


def _alert(event_type: str, rows) -> None:
    """Signed alerts for the hazards of ``rows`` (one query for their ids, a few to queue the deliveries)."""
    from integrations.alerts import alert_emit
    from integrations.models import WebhookSubscription

    if WebhookSubscription.objects.filter(active=True).exists():
        alert_emit(event_type=event_type, hazard_ids=list(rows.values_list("hazard_id", flat=True)))


def _lock() -> None:
    """Serialise runs: PostgreSQL advisory lock; SQLite transactions already take the write lock.
    Then the history chain's lock, before any row lock (hazards.chain.history_lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    history_lock()


@transaction.atomic
def supervision_run(
    *, today: date | None = None, grace_days: int = DEFAULT_GRACE_DAYS, now: datetime | None = None
) -> RunResult:
    """The morning's run. ``now`` stamps what it writes (default: the clock; the demo replays past mornings)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    _lock()
    return RunResult(
        flagged=hazards_flag_overdue(today=today, now=now),
        orders=escalations_issue_due(
            today=today, kind=EscalationKind.SUPERVISION_ORDER, grace_days=grace_days, now=now
        ),
        interviews=escalations_issue_due(today=today, kind=EscalationKind.INTERVIEW, grace_days=grace_days, now=now),
        reminders=reminders_send(today=today, now=now),
    )


@transaction.atomic
def hazards_flag_overdue(*, today: date, now: datetime | None = None) -> int:
    """Flag hazards past their deadline on the company's side; a history row each."""
    due = Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=today, is_overdue=False)
    now = now or timezone.now()
    history_append_values(  # tuples in the order of hazards.chain.FIELDS
        [
            (pk, TransitionAction.FLAG_OVERDUE, status, status, None, "", {"deadline": str(deadline)}, now)
            for pk, status, deadline in due.order_by("pk").values_list("pk", "status", "deadline")
        ]
    )
    flagged = due.update(is_overdue=True, version=F("version") + 1)
    _alert("hazard.overdue", HazardTransition.objects.filter(action=TransitionAction.FLAG_OVERDUE, created_at=now))
    return flagged


def _due_for(kind: str, today: date, grace_days: int):
    step = Escalation.objects.filter(hazard=OuterRef("pk"), deadline_at_issue=OuterRef("deadline"))
    due = Hazard.objects.filter(is_overdue=True, status__in=COMPANY_STATES).exclude(Exists(step.filter(kind=kind)))
    if kind == EscalationKind.INTERVIEW:
        # Counted from the order, not the deadline: the interview comes ``grace_days`` after the order,
        # and never before the date the order gave the company to finish by.
        lapsed = step.filter(
            Q(reply_by__isnull=True) | Q(reply_by__lte=today),
            kind=EscalationKind.SUPERVISION_ORDER,
            issued_on__lte=today - timedelta(days=grace_days),
        )
        due = due.filter(Exists(lapsed))
    return due


def _labels(field: str, choices) -> Case:
    with translation.override(DOCUMENT_LANGUAGE):
        return Case(*[When(**{field: value}, then=Value(str(label))) for value, label in choices], default=Value(""))


def _days(later, earlier) -> Cast:
    return Cast(sql.DaysBetween(later, earlier), CharField())


def _text(kind: str, today: date, reply_by: date):
    where = sql.concat(
        Case(
            When(pipeline__isnull=True, then=Value("")),
            default=sql.concat(F("pipeline__name"), "(", F("pipeline__code"), ")"),
        ),
        Case(When(place="", then=Value("")), default=sql.concat("在", F("place"))),
    )
    on_today = Value(today, output_field=DateField())
    fields = {
        "company": F("company__name"),
        "where": where,
        "level": _labels("level", HazardLevel.choices),
        "code": F("code"),
        "category": _labels("category", HazardCategory.choices),
        "deadline": sql.chinese_date("deadline"),
        "reply_by": Value(chinese_date_value(reply_by)),
        "today": Value(chinese_date_value(today)),
        "overdue_days": _days(on_today, F("deadline")),  # due hazards are overdue: the deadline is past
    }
    if kind == EscalationKind.SUPERVISION_ORDER:
        return sql.text(TEMPLATES["order_overdue"], fields)
    order = Escalation.objects.filter(
        hazard=OuterRef("pk"), deadline_at_issue=OuterRef("deadline"), kind=EscalationKind.SUPERVISION_ORDER
    )
    issued_on = Subquery(order.values("issued_on")[:1], output_field=DateField())
    order_reply_by = Subquery(order.values("reply_by")[:1], output_field=DateField())
    days = sql.DaysBetween(on_today, issued_on)
    fields["order_part"] = sql.text(
        ORDER_PART,
        {
            "order_date": sql.chinese_date(issued_on),
            "number": Subquery(order.values("number")[:1]),
            "order_reply": Case(
                When(IsNull(order_reply_by, True), then=Value("")),
                default=sql.text(ORDER_REPLY, {"date": sql.chinese_date(order_reply_by)}),
            ),
            "order_days": Case(
                When(GreaterThan(days, 0), then=sql.text(ORDER_DAYS, {"days": Cast(days, CharField())})),
                default=Value(""),
            ),
        },
    )
    fields["lateness"] = sql.text(LATE, {"deadline": fields["deadline"], "days": fields["overdue_days"]})
    fields["meeting"] = Value(f"于{chinese_date_value(reply_by)}")
    return sql.text(TEMPLATES["interview"], fields)


@transaction.atomic
def escalations_issue_due(
    *, today: date, kind: str, grace_days: int = DEFAULT_GRACE_DAYS, now: datetime | None = None
) -> int:
    """Issue ``kind`` for every overdue hazard that is due for it, numbered in code order.

    An order gives the company ``grace_days`` to finish (its reply date); the interview follows
    if the hazard is still overdue then.
    """
    due = _due_for(kind, today, grace_days)
    count = due.count()  # the same statements run whether 0 or 100,000 hazards are due
    EscalationNumberSequence.objects.get_or_create(kind=kind, year=today.year)
    sequence = EscalationNumberSequence.objects.filter(kind=kind, year=today.year)
    sequence.update(last_number=F("last_number") + count)
    base = sequence.values_list("last_number", flat=True).get() - count
    width = max(3, len(str(base + count)))  # DB-2026-001 … as escalations/services.py numbers them
    serial = Cast(Value(base) + Window(RowNumber(), order_by=F("code").asc()), CharField())
    reply_days = grace_days if kind == EscalationKind.SUPERVISION_ORDER else REPLY_DAYS[kind]
    reply_by = today + timedelta(days=reply_days)
    now = now or timezone.now()
    written = sql.insert_select(
        Escalation,
        {
            "kind": Value(kind),
            "number": sql.concat(f"{NUMBER_PREFIXES[kind]}-{today.year}-", LPad(serial, width, Value("0"))),
            "hazard": F("pk"),
            "company": F("company_id"),
            "deadline_at_issue": F("deadline"),
            "issued_on": Value(today),
            "issued_by": Value(None, output_field=IntegerField()),
            "text": _text(kind, today, reply_by),
            "reply_by": Value(reply_by),
            "place": Value(""),
            "created_at": Value(now),
        },
        due,
    )
    with translation.override(DOCUMENT_LANGUAGE):
        label = str(EscalationKind(kind).label)
    issued = Escalation.objects.filter(kind=kind, created_at=now, issued_by__isnull=True)
    history_append_values(  # tuples in the order of hazards.chain.FIELDS
        [
            (
                hazard_id,
                TransitionAction.ESCALATE,
                status,
                status,
                None,
                f"{label} {number}",
                {"escalation": pk, "kind": kind, "number": number},
                now,
            )
            for pk, hazard_id, status, number in issued.order_by("pk").values_list(
                "pk", "hazard_id", "hazard__status", "number"
            )
        ]
    )
    _alert("hazard.escalated", issued)
    return written


@transaction.atomic
def reminders_send(*, today: date, days_ahead: int = REMIND_DAYS_AHEAD, now: datetime | None = None) -> int:
    """Remind companies of deadlines within ``days_ahead`` days, once per deadline."""
    sent = DeadlineReminder.objects.filter(hazard=OuterRef("pk"), deadline=OuterRef("deadline"))
    due = Hazard.objects.filter(
        status__in=COMPANY_STATES, deadline__gte=today, deadline__lte=today + timedelta(days=days_ahead)
    ).exclude(Exists(sent))
    return sql.insert_select(
        DeadlineReminder,
        {
            "hazard": F("pk"),
            "company": F("company_id"),
            "deadline": F("deadline"),
            "created_at": Value(now or timezone.now()),
        },
        due,
    )
