"""The nightly preparedness flags through a real Celery worker on Redis: run
end to end, again changes nothing, and a duplicated message raises each flag
once."""

from datetime import date

import pytest

from emergency.models import PreparednessFlag
from tests.test_worker import city, producer, redis_broker, worker  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LATER = date(2027, 12, 1)  # a year on: every company owes drills


def _open():
    return sorted(PreparednessFlag.objects.filter(cleared_at__isnull=True).values_list("company", "kind", "plan"))


def test_the_nightly_flags_run_in_the_worker_once_whatever_the_messages(worker):  # noqa: F811
    from emergency.tasks import preparedness_flags_task

    before = len(_open())
    results = [
        preparedness_flags_task.apply_async(kwargs={"today": LATER.isoformat()}, ignore_result=False) for _ in range(2)
    ]
    outcomes = sorted((r.get(timeout=120) for r in results), key=lambda o: o["raised"])
    flags = _open()
    assert len(flags) == len(set(flags)) > before  # each flag raised once
    assert outcomes[0]["raised"] == 0 and outcomes[1]["raised"] > 0
    again = preparedness_flags_task.apply_async(kwargs={"today": LATER.isoformat()}, ignore_result=False).get(
        timeout=120
    )
    assert again == {"raised": 0, "cleared": 0, "open": len(flags)}
    assert _open() == flags
