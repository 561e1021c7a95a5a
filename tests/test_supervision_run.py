"""The nightly run (eager, in-process): flag, escalate once per step, remind."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalations.bulk import COMPANY_STATES, supervision_run
from escalations.documents import chinese_date, default_text
from escalations.models import DeadlineReminder, Escalation, EscalationKind
from escalations.tasks import supervision_run_task
from hazards.models import Hazard, HazardTransition
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db
GRACE = settings.ESCALATION_GRACE_DAYS


@pytest.fixture
def later():
    """A morning three weeks from the demo's today: more hazards have run past their deadline."""
    return DEMO_TODAY + timedelta(days=21)


def test_flags_hazards_past_their_deadline_on_the_company_side(later):
    due = set(
        Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=later, is_overdue=False).values_list(
            "pk", flat=True
        )
    )
    assert due
    versions = dict(Hazard.objects.filter(pk__in=due).values_list("pk", "version"))
    waiting = list(
        Hazard.objects.filter(status="submitted", deadline__lt=later, is_overdue=False).values_list("pk", flat=True)
    )
    result = supervision_run(today=later)
    assert result.flagged == len(due)
    flagged = Hazard.objects.filter(pk__in=due)
    assert all(flagged.values_list("is_overdue", flat=True))
    assert all(v == versions[pk] + 1 for pk, v in flagged.values_list("pk", "version"))
    rows = HazardTransition.objects.filter(hazard__in=due, action="flag_overdue")
    assert rows.count() == len(due) and rows.filter(actor__isnull=True).count() == len(due)
    sample = rows.select_related("hazard").first()
    assert sample.details == {"deadline": str(sample.hazard.deadline)}
    # Hazards waiting for the inspector's review are not the company's delay.
    assert waiting
    assert not Hazard.objects.filter(pk__in=waiting, is_overdue=True).exists()


def test_escalates_once_per_step_however_often_it_runs(later):
    first = supervision_run(today=later)
    assert first.orders > 0
    counts = (Escalation.objects.count(), HazardTransition.objects.count(), DeadlineReminder.objects.count())
    again = supervision_run(today=later)
    assert (again.flagged, again.orders, again.interviews, again.reminders) == (0, 0, 0, 0)
    assert (Escalation.objects.count(), HazardTransition.objects.count(), DeadlineReminder.objects.count()) == counts
    # Every overdue company-side hazard now has exactly one order for its current deadline.
    for hazard in Hazard.objects.filter(is_overdue=True, status__in=COMPANY_STATES):
        assert hazard.escalations.filter(kind="supervision_order", deadline_at_issue=hazard.deadline).count() == 1


def test_orders_are_numbered_worded_and_recorded(later):
    before = set(Escalation.objects.values_list("pk", flat=True))
    supervision_run(today=later)
    issued = Escalation.objects.exclude(pk__in=before).filter(kind="supervision_order").select_related("hazard")
    numbers = sorted(issued.values_list("number", flat=True))
    year = later.year
    assert all(n.startswith(f"DB-{year}-") for n in numbers) and len(set(numbers)) == len(numbers)
    order = issued.order_by("number").first()
    hazard = Hazard.objects.select_related("company", "pipeline").get(pk=order.hazard_id)
    # The bulk wording is the one the single-issue service writes.
    assert order.text == default_text(hazard=hazard, kind="supervision_order", today=later, reply_by=order.reply_by)
    entry = HazardTransition.objects.get(hazard=hazard, action="escalate", details__number=order.number)
    assert entry.details == {"escalation": order.pk, "kind": "supervision_order", "number": order.number}


def test_interview_after_the_grace_period_only(later):
    supervision_run(today=later)
    interviews = Escalation.objects.filter(kind=EscalationKind.INTERVIEW, issued_on=later)
    for interview in interviews.select_related("hazard"):
        order = interview.hazard.escalations.get(
            kind="supervision_order", deadline_at_issue=interview.deadline_at_issue
        )
        assert (later - order.issued_on).days >= GRACE
        assert f"被挂牌督办(督办单编号{order.number}" in interview.text
    # A hazard that became overdue only now gets its order now and no interview yet.
    fresh = Hazard.objects.filter(is_overdue=True, deadline__gt=later - timedelta(days=15), status__in=COMPANY_STATES)
    assert fresh.exists()
    assert not Escalation.objects.filter(kind="interview", hazard__in=fresh, issued_on=later).exists()


def test_the_grace_period_counts_from_the_order_not_from_the_deadline(later):
    """A hazard whose order comes late (long past its deadline) still has ESCALATION_GRACE_DAYS to
    answer it: the interview comes that many days after the order, never the same morning."""
    before = set(Escalation.objects.values_list("pk", flat=True))
    supervision_run(today=later, grace_days=GRACE)
    orders = Escalation.objects.exclude(pk__in=before).filter(kind="supervision_order")
    long_past = orders.filter(deadline_at_issue__lte=later - timedelta(days=GRACE))
    assert long_past.exists()
    hazards = long_past.values("hazard")
    assert not Escalation.objects.filter(kind="interview", hazard__in=hazards).exists()
    # The order gives the company the grace period to finish, in its own words.
    for order in long_past:
        assert order.reply_by == later + timedelta(days=GRACE)
        assert f"请于{chinese_date(order.reply_by)}前完成整改" in order.text
    assert supervision_run(today=later + timedelta(days=GRACE - 1), grace_days=GRACE).interviews == 0
    assert not Escalation.objects.filter(kind="interview", hazard__in=hazards).exists()

    day = later + timedelta(days=GRACE)
    supervision_run(today=day, grace_days=GRACE)
    interviews = Escalation.objects.filter(kind="interview", hazard__in=hazards)
    assert interviews.count() == long_past.count()
    for interview in interviews.select_related("hazard__company", "hazard__pipeline"):
        order = long_past.get(hazard=interview.hazard_id)
        assert interview.issued_on == order.issued_on + timedelta(days=GRACE) == day
        late = (day - interview.deadline_at_issue).days
        for words in (
            f"于{chinese_date(order.issued_on)}被挂牌督办(督办单编号{order.number},",
            f"要求于{chinese_date(order.reply_by)}前完成整改",
            f"督办已{GRACE}日",
            f"截至{chinese_date(day)}仍未完成整改",
            f"已超过规定整改期限({chinese_date(interview.deadline_at_issue)}){late}日",
        ):
            assert words in interview.text
        # The bulk wording is the one the single-issue service writes.
        assert interview.text == default_text(
            hazard=interview.hazard, kind="interview", today=day, reply_by=interview.reply_by, order=order
        )


def test_orders_state_how_late_the_hazard_is(later):
    supervision_run(today=later)
    for order in Escalation.objects.filter(kind="supervision_order", issued_on=later):
        late = (later - order.deadline_at_issue).days
        assert f"截至{chinese_date(later)}已逾期{late}日" in order.text


def test_the_demo_history_is_what_the_nightly_runs_would_have_done():
    """The demo replays the mornings: orders the morning after the deadline, interviews
    ESCALATION_GRACE_DAYS after their order, every history row dated the day of its document."""
    orders = {(e.hazard_id, e.deadline_at_issue): e for e in Escalation.objects.filter(kind="supervision_order")}
    interviews = list(Escalation.objects.filter(kind="interview"))
    assert orders and interviews
    for interview in interviews:
        order = orders[(interview.hazard_id, interview.deadline_at_issue)]
        assert interview.issued_on >= order.issued_on + timedelta(days=GRACE), interview.number
        assert f"督办单编号{order.number}" in interview.text
    for order in orders.values():
        assert order.issued_on == order.deadline_at_issue + timedelta(days=1)
        assert order.issued_on <= DEMO_TODAY
    # Every overdue hazard whose order is older than the grace period has had its interview.
    for (hazard_id, deadline), order in orders.items():
        if order.issued_on <= DEMO_TODAY - timedelta(days=GRACE):
            assert any(i.hazard_id == hazard_id and i.deadline_at_issue == deadline for i in interviews)
    for escalation in Escalation.objects.all():
        entry = HazardTransition.objects.get(action="escalate", details__number=escalation.number)
        assert timezone.localdate(entry.created_at) == escalation.issued_on
    flags = HazardTransition.objects.filter(action="flag_overdue").select_related("hazard")
    assert flags.exists()
    for flag in flags:
        assert timezone.localdate(flag.created_at) == flag.hazard.deadline + timedelta(days=1)


def test_reminds_of_deadlines_three_days_ahead_once():
    # The first morning after the demo's own run with deadlines three days ahead still unreminded.
    today = DEMO_TODAY
    while not _unreminded_soon(today).exists():
        today += timedelta(days=1)
    due = _unreminded_soon(today).count()
    result = supervision_run(today=today)
    assert result.reminders == due > 0
    assert not _unreminded_soon(today).exists()
    assert supervision_run(today=today).reminders == 0


def _unreminded_soon(today):
    return Hazard.objects.filter(
        status__in=COMPANY_STATES, deadline__gte=today, deadline__lte=today + timedelta(days=3)
    ).exclude(reminders__deadline=F("deadline"))


def test_constant_number_of_queries_however_many_rows(later):
    with CaptureQueriesContext(connection) as quiet:
        nothing = supervision_run(today=DEMO_TODAY - timedelta(days=400))
    with CaptureQueriesContext(connection) as busy:
        result = supervision_run(today=later + timedelta(days=60))
    assert nothing.flagged == nothing.orders == 0
    assert result.flagged > 20 and result.orders > 20
    assert len(busy) == len(quiet)


def test_task_runs_the_same_service():
    result = supervision_run_task.apply(kwargs={"today": (DEMO_TODAY + timedelta(days=21)).isoformat()}).get()
    assert result["orders"] > 0 and set(result) == {"flagged", "orders", "interviews", "reminders"}
