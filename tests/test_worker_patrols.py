"""Each day's patrol tasks through a real Celery worker on Redis: two copies of the message (a duplicated
delivery, or the beat and a person running it) make each task once; the nightly judgement on the worker marks
tasks without fixes missed, and judging again adds nothing."""

from datetime import timedelta

import pytest

from patrols.choices import TaskKind, TaskStatus
from patrols.models import PatrolSection, PatrolTask, PatrolTaskEvent
from patrols.plans import rounds_on
from tests.conftest import DEMO_TODAY
from tests.test_worker import city, producer, redis_broker, worker  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DAY = DEMO_TODAY + timedelta(days=10)


def test_the_day_tasks_are_made_once_whatever_the_messages_and_judged_on_the_worker(worker):  # noqa: F811
    from patrols.tasks import tasks_generate_task, tasks_judge_task

    results = [tasks_generate_task.apply_async(kwargs={"on": DAY.isoformat()}, ignore_result=False) for _ in range(2)]
    outcomes = [r.get(timeout=180) for r in results]
    expected = sum(
        rounds_on(frequency=s.frequency, period=s.period, on=DAY) for s in PatrolSection.objects.filter(active=True)
    )
    assert PatrolTask.objects.filter(date=DAY, kind=TaskKind.REGULAR).count() == expected > 0
    total = PatrolTask.objects.filter(date=DAY).count()  # with the night patrols on the demo's hotspots
    assert sum(o["created"] for o in outcomes) == total  # the two runs made each task once between them
    assert PatrolTaskEvent.objects.filter(task__date=DAY, kind="generated").count() == total
    judged = tasks_judge_task.apply_async(kwargs={"on": DAY.isoformat()}, ignore_result=False).get(timeout=300)
    assert judged["judged"] == total
    assert set(PatrolTask.objects.filter(date=DAY).values_list("status", flat=True)) == {TaskStatus.MISSED}
    events = PatrolTaskEvent.objects.count()
    tasks_judge_task.apply_async(kwargs={"on": DAY.isoformat()}, ignore_result=False).get(timeout=300)
    assert PatrolTaskEvent.objects.count() == events
