"""A real Celery worker on Redis (127.0.0.1:6379), sharing the test database.

Proves the nightly job runs end to end through the broker, that running it
again changes nothing, that a duplicated message does not escalate twice,
and that a second beat refuses to start.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from escalations.bulk import COMPANY_STATES
from escalations.models import Escalation
from hazards.models import Hazard
from tests.conftest import DEMO_TODAY

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
CELERY = str(Path(sys.executable).with_name("celery"))
ROOT = Path(__file__).resolve().parent.parent
# A queue and worker name of this run's own: a worker left over from another run never takes its tasks.
RUN = uuid.uuid4().hex[:8]
QUEUE = f"test-{RUN}"
NODE = f"test-{RUN}@localhost"


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"spatialite:///{db['NAME']}"


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="pipeline_safety.settings",
        DEBUG="1",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=BROKER,
        CELERY_RESULT_BACKEND=BROKER,
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        VAR_DIR=str(tmp_path),
    )
    return env


@pytest.fixture
def redis_broker():
    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {BROKER}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def producer(redis_broker):
    from pipeline_safety.celery import app

    # The test process has only run tasks eagerly so far: no connection exists yet,
    # so pointing the app at Redis now takes effect (the pools are made on first use).
    def forget_backend():
        # Celery caches the result backend and the broker connections it made from
        # the settings of the time (other tests may have used the app already).
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)
        app._pool = None
        if "amqp" in app.__dict__:
            app.__dict__["amqp"]._producer_pool = None

    names = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {name: app.conf[name] for name in names}
    app.conf.update(task_always_eager=False, broker_url=BROKER, result_backend=BROKER, task_default_queue=QUEUE)
    forget_backend()
    yield app
    app.conf.update(saved)
    forget_backend()


@pytest.fixture
def city(transactional_db):
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), verbosity=0)


@pytest.fixture
def worker(city, producer, tmp_path):
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [CELERY, "-A", "pipeline_safety", "worker", "--loglevel=INFO", "--concurrency=2", "-n", NODE, "-Q", QUEUE],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not producer.control.ping(destination=[NODE], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The worker did not start:\n" + (tmp_path / "worker.log").read_text())
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _due(today):
    return Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=today).count()


def test_worker_runs_the_job_end_to_end_and_again_changes_nothing(worker):
    from escalations.tasks import supervision_run_task

    today = DEMO_TODAY + timedelta(days=21)
    before = Escalation.objects.count()
    first = supervision_run_task.apply_async(kwargs={"today": today.isoformat()}, ignore_result=False).get(timeout=60)
    assert first["orders"] > 0 and first["flagged"] > 0
    assert Escalation.objects.count() == before + first["orders"] + first["interviews"]
    assert Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=today, is_overdue=False).count() == 0
    again = supervision_run_task.apply_async(kwargs={"today": today.isoformat()}, ignore_result=False).get(timeout=60)
    assert again == {"flagged": 0, "orders": 0, "interviews": 0, "reminders": 0}
    assert Escalation.objects.count() == before + first["orders"] + first["interviews"]


def test_a_duplicated_message_does_not_escalate_twice(worker):
    from escalations.tasks import supervision_run_task

    today = DEMO_TODAY + timedelta(days=30)
    due = _due(today)
    # The same job delivered twice, at once, to two worker processes.
    results = [
        supervision_run_task.apply_async(kwargs={"today": today.isoformat()}, ignore_result=False) for _ in range(2)
    ]
    outcomes = [r.get(timeout=90) for r in results]
    assert sorted(o["orders"] > 0 for o in outcomes) == [False, True]
    for hazard in Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=today):
        assert hazard.escalations.filter(kind="supervision_order", deadline_at_issue=hazard.deadline).count() == 1
    assert due > 0


def test_a_second_beat_refuses_to_start(city, redis_broker, tmp_path):
    env = _env(tmp_path)
    command = [CELERY, "-A", "pipeline_safety", "beat", "--loglevel=INFO", "--pidfile="]
    first_log = (tmp_path / "beat1.log").open("w")
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=first_log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not redis_broker.exists("pipeline_safety:celery-beat"):
            assert first.poll() is None, (tmp_path / "beat1.log").read_text()
            assert time.monotonic() < deadline, "the first beat never took the lock"
            time.sleep(0.2)
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "Another celery beat is already running" in second.stdout + second.stderr
        assert first.poll() is None  # the first one keeps running
    finally:
        first.terminate()
        first.wait(timeout=20)
        first_log.close()


def _eventually(found, seconds):
    deadline = time.monotonic() + seconds
    while (value := found()) is None:
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.3)
    return value


def test_a_layer_import_reidentifies_on_the_worker_and_a_duplicate_run_changes_nothing(worker, tmp_path):
    import geopandas as gpd

    from accounts.models import User
    from hca.loading import pipelines_load
    from hca.models import HcaRun, HcaSegment
    from hca.services import hca_segment_confirm
    from hca.tasks import hca_identify_task
    from layers.importer import layers_import
    from pipelines.models import Pipeline
    from tests.factories import river_across

    pipeline = (
        Pipeline.objects.filter(medium="crude_oil", status="in_service", hca_segments__isnull=True)
        .order_by("code")
        .first()
    )
    path = tmp_path / "water.gpkg"
    river = gpd.GeoDataFrame({"name": ["溢洪河"], "water_type": ["river"]}, geometry=[river_across(pipeline, 2000)])
    river.set_crs(4326).to_file(path, layer="water", driver="GPKG")

    # The import queues the re-identification after its commit, one run per rule set in use
    # (the demo has CFR segments too); the worker runs them side by side. Wait for GB 32167's.
    layers_import(path=path, layer_names=["water"], replace_empty=True)  # 1 river for the demo's 7 water bodies
    run = _eventually(lambda: HcaRun.objects.filter(trigger="import", rule_set="gb32167").first(), 120)
    assert _eventually(lambda: HcaRun.objects.filter(trigger="import", rule_set="cfr192").first(), 120)
    assert run.pipeline_count == len(pipelines_load()) > 150  # every pipeline not abandoned
    segment = HcaSegment.objects.get(pipeline=pipeline, rule_set="gb32167")
    assert segment.rules == ["O-f"] and round(segment.start_m) == 1800 and round(segment.end_m) == 2200
    hca_segment_confirm(segment=segment, actor=User.objects.get(username="inspector1"), comment="现场核实")

    # The same run delivered twice, at once, to two worker processes: one set of segments, the review kept.
    results = [
        hca_identify_task.apply_async(kwargs={"pipeline_ids": [pipeline.pk]}, ignore_result=False) for _ in range(2)
    ]
    assert all(isinstance(r.get(timeout=120), int) for r in results)
    (again,) = HcaSegment.objects.filter(pipeline=pipeline, rule_set="gb32167")
    assert again.fingerprint == segment.fingerprint and again.review_status == "confirmed"
    assert HcaRun.objects.filter(trigger="manual", pipeline_count=1).count() == 2
