"""The hazard history in the database: append-only whoever writes SQL, and
tamper-evident (a hash chain that manage.py verify_history checks)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from hazards import db_guards, services
from hazards.chain import FIELDS, history_verify
from hazards.models import Hazard, HazardTransition

pytestmark = pytest.mark.django_db
COLUMNS = "id, hazard_id, action, from_status, to_status, actor_id, comment, details, created_at, prev_hash, hash"


@pytest.fixture
def hazard(inspector):
    template = Hazard.objects.filter(pipeline__isnull=False).order_by("pk").first()
    new = Hazard(
        source="inspection",
        company=template.company,
        pipeline=template.pipeline,
        location=template.location,
        category="encroachment",
        level="general",
        description="管道上方新建彩钢房",
        found_on=timezone.localdate(),
    )
    hazard = services.hazard_report(hazard=new, actor=inspector)
    return services.hazard_assign(hazard=hazard, actor=inspector, comment="请按期整改")


def _sql(statement, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify():
    out = StringIO()
    call_command("verify_history", stdout=out)
    return out.getvalue()


def test_the_chain_is_intact_and_verify_says_so(hazard):
    total = HazardTransition.objects.count()
    assert total > 1000  # the demo city's history, chained by the migration's and the builder's way
    with translation.override("en"):
        assert _verify().strip() == f"Hazard history intact: {total} rows chained."
    first, second = HazardTransition.objects.order_by("id")[:2]
    assert first.prev_hash == "" and second.prev_hash == first.hash and len(second.hash) == 64
    assert history_verify() == (total, None)


def test_a_row_changed_below_the_guards_is_named(hazard):
    entry = hazard.history.get(action="assign")
    with transaction.atomic(), db_guards.history_unlocked(), connection.cursor() as cursor:
        cursor.execute("UPDATE hazards_hazardtransition SET comment = %s WHERE id = %s", ["改写", entry.pk])
    with pytest.raises(CommandError) as failure, translation.override("en"):
        _verify()
    message = str(failure.value)
    assert failure.value.returncode == 1
    assert f"row {entry.pk} (hazard {hazard.code})" in message and "was changed" in message and "改写" in message
    with pytest.raises(CommandError) as failure:
        _verify()  # in the operators' language
    assert f"第 {entry.pk} 条" in str(failure.value) and "已被修改" in str(failure.value)


def test_a_row_removed_below_the_guards_is_named(hazard):
    report, assign = hazard.history.order_by("id")
    with transaction.atomic(), db_guards.history_unlocked(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM hazards_hazardtransition WHERE id = %s", [report.pk])
    with translation.override("en"):
        _count, broken = history_verify()
    assert broken.id == assign.pk and broken.hazard_code == hazard.code and "removed" in broken.problem
    with pytest.raises(CommandError, match=rf"row {assign.pk} \(hazard {hazard.code}\)"), translation.override("en"):
        _verify()


def test_raw_delete_of_history_is_refused(hazard):
    entry = hazard.history.first()
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("DELETE FROM hazards_hazardtransition WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _sql("SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE hazards_hazardtransition CASCADE")
    assert HazardTransition.objects.filter(pk=entry.pk).exists()


def test_replacing_a_history_row_is_refused(hazard):
    entry = hazard.history.get(action="assign")  # the last row: chained as the chain trigger wants
    assert HazardTransition.objects.order_by("id").last() == entry
    values = COLUMNS.replace("comment", "%s").replace("prev_hash", "hash")
    copy = f"SELECT {values} FROM hazards_hazardtransition WHERE id = %s"  # noqa: S608
    if connection.vendor == "sqlite":
        statement = f"INSERT OR REPLACE INTO hazards_hazardtransition ({COLUMNS}) {copy}"
    else:
        statement = (
            f"INSERT INTO hazards_hazardtransition ({COLUMNS}) {copy} "
            "ON CONFLICT (id) DO UPDATE SET comment = EXCLUDED.comment"
        )
    with pytest.raises(DatabaseError, match="append-only"):
        _sql(statement, ["改写", entry.pk])
    assert HazardTransition.objects.get(pk=entry.pk).comment == "请按期整改"


def test_an_unchained_history_row_is_refused(hazard):
    entry = hazard.history.get(action="assign")
    columns = COLUMNS.replace("id, ", "", 1)
    copy = f"SELECT {columns.replace('prev_hash', '%s')} FROM hazards_hazardtransition WHERE id = %s"  # noqa: S608
    with pytest.raises(DatabaseError, match="not chained"):
        _sql(f"INSERT INTO hazards_hazardtransition ({columns}) {copy}", ["", entry.pk])


def _replace_hazard(hazard, status):
    """Write the hazard's row again with another status, the way raw SQL would on each database."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE replaced AS SELECT * FROM hazards_hazard WHERE id = %s", [hazard.pk])
        try:
            cursor.execute(
                "UPDATE replaced SET status = %s, closed_at = CASE WHEN %s = 'closed' THEN CURRENT_TIMESTAMP END",
                [status, status],
            )
            with transaction.atomic():  # a savepoint: the temporary table is dropped whatever happens
                if connection.vendor == "sqlite":
                    cursor.execute("INSERT OR REPLACE INTO hazards_hazard SELECT * FROM replaced")
                else:
                    cursor.execute(
                        "INSERT INTO hazards_hazard SELECT * FROM replaced "
                        "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, closed_at = EXCLUDED.closed_at"
                    )
        finally:
            cursor.execute("DROP TABLE replaced")


def test_replacing_a_hazard_to_skip_the_life_cycle_is_refused(hazard):
    assert hazard.status == "assigned"
    with pytest.raises(DatabaseError, match="life cycle"):
        _replace_hazard(hazard, "closed")
    hazard.refresh_from_db()
    assert hazard.status == "assigned"
    _replace_hazard(hazard, "rectifying")  # a step the life cycle allows goes through
    hazard.refresh_from_db()
    assert hazard.status == "rectifying"


def test_purge_keeps_the_rest_of_the_chain_intact(hazard, inspector):
    later = services.hazard_report(
        hazard=Hazard(
            source="inspection",
            company=hazard.company,
            location=hazard.location,
            category="encroachment",
            level="general",
            description="又一处",
            found_on=timezone.localdate(),
        ),
        actor=inspector,
    )
    before = HazardTransition.objects.count()
    HazardTransition.objects.filter(hazard=hazard).purge()  # rows in the middle of the chain
    assert HazardTransition.objects.count() == before - 2
    assert history_verify() == (before - 2, None)
    assert later.history.get().prev_hash != ""
    # The guards are back once the purge is over.
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("DELETE FROM hazards_hazardtransition WHERE hazard_id = %s", [later.pk])


def test_a_fresh_database_migrates_whatever_order_the_apps_come_in(tmp_path):
    """Migrations before 0006 install the guards too; they must not install the chain's trigger before its
    columns exist (SQLite checks every trigger at the next table rename, e.g. layers' 0002)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DATABASE_URL": f"spatialite:///{tmp_path / 'fresh.sqlite3'}", "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(root / "manage.py"), "migrate", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


class _Rollback(Exception):
    pass


def test_rows_appended_as_values_are_those_appended_as_instances(hazard):
    """history_append_values (the supervision run's path: COPY on PostgreSQL) writes the rows,
    hashes and chain that history_append writes for the same rows."""
    from hazards.chain import history_append, history_append_values

    now = timezone.now()
    values = [
        (hazard.pk, "flag_overdue", "assigned", "assigned", None, "", {"deadline": "2026-11-01"}, now),
        (hazard.pk, "escalate", "assigned", "assigned", None, "督办单 DB-2026-001", {"number": "DB-2026-001"}, now),
        (hazard.pk, "escalate", "assigned", "assigned", hazard.reported_by_id, "约谈", {}, now),
    ]
    fields = ("action", "from_status", "to_status", "actor_id", "comment", "details", "created_at", "prev_hash", "hash")

    def written():
        return list(HazardTransition.objects.filter(created_at=now).order_by("id").values_list(*fields))

    with pytest.raises(_Rollback), transaction.atomic():
        history_append([HazardTransition(**dict(zip(FIELDS, row, strict=True))) for row in values])
        reference = written()
        raise _Rollback
    assert history_append_values(values) == len(values)
    assert written() == reference and len(reference) == len(values)
    assert history_verify()[1] is None
