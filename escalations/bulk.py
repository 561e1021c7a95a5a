"""The nightly supervision run, set-based: flag overdue hazards, issue
supervision orders and interview notices, remind companies of deadlines.

Each step is a few statements whatever the number of hazards and is
idempotent; the only pass over rows in Python chains their history rows
(hazards/chain.py: a hash each, then one insert statement for them all).
It is idempotent: what was done for a hazard's current
deadline is never done again, however often the run repeats. The run takes
a database lock, so two workers running it at once do it once.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, F, IntegerField, OuterRef, Subquery, Value, When, Window
from django.db.models.functions import Cast, LPad, RowNumber
from django.utils import timezone, translation

from common import sql
from escalations.documents import DOCUMENT_LANGUAGE, ORDER_PART, TEMPLATES
from escalations.documents import chinese_date as chinese_date_value
from escalations.models import NUMBER_PREFIXES, DeadlineReminder, Escalation, EscalationKind, EscalationNumberSequence
from escalations.services import REPLY_DAYS
from hazards.chain import history_append, history_lock
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
def supervision_run(*, today: date | None = None, grace_days: int = DEFAULT_GRACE_DAYS) -> RunResult:
    today = today or timezone.localdate()
    _lock()
    return RunResult(
        flagged=hazards_flag_overdue(today=today),
        orders=escalations_issue_due(today=today, kind=EscalationKind.SUPERVISION_ORDER, grace_days=grace_days),
        interviews=escalations_issue_due(today=today, kind=EscalationKind.INTERVIEW, grace_days=grace_days),
        reminders=reminders_send(today=today),
    )


@transaction.atomic
def hazards_flag_overdue(*, today: date) -> int:
    """Flag hazards past their deadline on the company's side; a history row each."""
    due = Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=today, is_overdue=False)
    now = timezone.now()
    history_append(
        [
            HazardTransition(
                hazard_id=pk,
                action=TransitionAction.FLAG_OVERDUE,
                from_status=status,
                to_status=status,
                details={"deadline": str(deadline)},
                created_at=now,
            )
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
        due = due.filter(
            Exists(step.filter(kind=EscalationKind.SUPERVISION_ORDER)),
            deadline__lte=today - timedelta(days=grace_days),
        )
    return due


def _labels(field: str, choices) -> Case:
    with translation.override(DOCUMENT_LANGUAGE):
        return Case(*[When(**{field: value}, then=Value(str(label))) for value, label in choices], default=Value(""))


def _text(kind: str, today: date, reply_by: date):
    where = sql.concat(
        Case(
            When(pipeline__isnull=True, then=Value("")),
            default=sql.concat(F("pipeline__name"), "(", F("pipeline__code"), ")"),
        ),
        Case(When(place="", then=Value("")), default=sql.concat("在", F("place"))),
    )
    fields = {
        "company": F("company__name"),
        "where": where,
        "level": _labels("level", HazardLevel.choices),
        "code": F("code"),
        "category": _labels("category", HazardCategory.choices),
        "deadline": sql.chinese_date("deadline"),
        "reply_by": Value(chinese_date_value(reply_by)),
    }
    if kind == EscalationKind.SUPERVISION_ORDER:
        return sql.text(TEMPLATES["order_overdue"], fields)
    order_number = Subquery(
        Escalation.objects.filter(
            hazard=OuterRef("pk"), deadline_at_issue=OuterRef("deadline"), kind=EscalationKind.SUPERVISION_ORDER
        ).values("number")[:1]
    )
    fields["order_part"] = sql.text(ORDER_PART, {"number": order_number})
    fields["meeting"] = Value(f"于{chinese_date_value(reply_by)}")
    return sql.text(TEMPLATES["interview"], fields)


@transaction.atomic
def escalations_issue_due(*, today: date, kind: str, grace_days: int = DEFAULT_GRACE_DAYS) -> int:
    """Issue ``kind`` for every overdue hazard that is due for it, numbered in code order."""
    due = _due_for(kind, today, grace_days)
    count = due.count()  # the same statements run whether 0 or 100,000 hazards are due
    EscalationNumberSequence.objects.get_or_create(kind=kind, year=today.year)
    sequence = EscalationNumberSequence.objects.filter(kind=kind, year=today.year)
    sequence.update(last_number=F("last_number") + count)
    base = sequence.values_list("last_number", flat=True).get() - count
    width = max(3, len(str(base + count)))  # DB-2026-001 … as escalations/services.py numbers them
    serial = Cast(Value(base) + Window(RowNumber(), order_by=F("code").asc()), CharField())
    reply_by = today + timedelta(days=REPLY_DAYS[kind])
    now = timezone.now()
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
    history_append(
        [
            HazardTransition(
                hazard_id=hazard_id,
                action=TransitionAction.ESCALATE,
                from_status=status,
                to_status=status,
                comment=f"{label} {number}",
                details={"escalation": pk, "kind": kind, "number": number},
                created_at=now,
            )
            for pk, hazard_id, status, number in issued.order_by("pk").values_list(
                "pk", "hazard_id", "hazard__status", "number"
            )
        ]
    )
    _alert("hazard.escalated", issued)
    return written


@transaction.atomic
def reminders_send(*, today: date, days_ahead: int = REMIND_DAYS_AHEAD) -> int:
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
            "created_at": Value(timezone.now()),
        },
        due,
    )
