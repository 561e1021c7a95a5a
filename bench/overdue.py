#!/usr/bin/env python
"""Benchmark: the nightly supervision run over 1,000,000 hazards on PostGIS.

    .venv/bin/python bench/overdue.py [--hazards 1000000] [--baseline 1000]

Builds (once) a database ``pipeline_safety_bench`` with the demo city and
N generated hazards (about 5 % of them on the company's side and past their
deadline), then measures on the same data, in the same run:

- the per-row loop a straightforward job would do (load each due hazard,
  flag it, write its history, issue its supervision order through the
  single-hazard service), on ``--baseline`` hazards, extrapolated to all;
- the set-based run (escalations/bulk.py) on all the others.

Prints seconds and query counts. Target: under 10 s and a constant number
of queries for the set-based run.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import GENERATE, ensure_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/pipeline_safety_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")


@contextmanager
def counted():
    from django.db import connection

    box = {"queries": 0, "seconds": 0.0}

    def count(execute, sql, params, many, context):
        box["queries"] += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        yield box
    box["seconds"] = time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=1_000, help="hazards done by the per-row loop")
    args = parser.parse_args()

    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from escalations.bulk import COMPANY_STATES, supervision_run
    from escalations.models import DeadlineReminder, Escalation, EscalationKind
    from escalations.services import escalation_issue_if_missing
    from hazards.models import Hazard, HazardTransition, TransitionAction
    from hazards.services import hazard_history_add

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    generated = Hazard.objects.filter(code__startswith="YH-1999-")
    have = generated.count()
    if have != args.hazards:
        print(f"generating {args.hazards:,} hazards …", flush=True)
        start = time.perf_counter()
        with transaction.atomic():
            Escalation.objects.filter(hazard__code__startswith="YH-1999-").delete()
            DeadlineReminder.objects.filter(hazard__code__startswith="YH-1999-").delete()
            HazardTransition.objects.filter(hazard__code__startswith="YH-1999-").purge()
            generated.delete()
            with connection.cursor() as cursor:
                step = 250_000
                for first in range(1, args.hazards + 1, step):
                    last = min(first + step - 1, args.hazards)
                    cursor.execute(GENERATE, {"today": today, "start": first, "stop": last})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hazards_hazard")
        print(f"  generated in {time.perf_counter() - start:.1f} s")
    else:
        # A previous run escalated them: undo that so both measurements start from the same state.
        with transaction.atomic():
            Escalation.objects.filter(hazard__code__startswith="YH-1999-").delete()
            DeadlineReminder.objects.filter(hazard__code__startswith="YH-1999-").delete()
            HazardTransition.objects.filter(hazard__code__startswith="YH-1999-").purge()
            generated.update(is_overdue=False)

    total = Hazard.objects.count()
    due_qs = Hazard.objects.filter(status__in=COMPANY_STATES, deadline__lt=today, is_overdue=False)
    due = due_qs.count()
    print(f"hazards in the database: {total:,}; due for flagging and a supervision order this morning: {due:,}")

    # Baseline: the straightforward per-row job, on the first --baseline due hazards.
    sample = list(due_qs.order_by("code").values_list("pk", flat=True)[: args.baseline])
    with counted() as loop:
        for pk in sample:
            with transaction.atomic():
                hazard = Hazard.objects.select_for_update().get(pk=pk)
                hazard.is_overdue = True
                hazard.version += 1
                hazard.save(update_fields=["is_overdue", "version"])
                hazard_history_add(hazard=hazard, action=TransitionAction.FLAG_OVERDUE, actor=None)
                escalation_issue_if_missing(hazard=hazard, kind=EscalationKind.SUPERVISION_ORDER, today=today)
    per_row_s, per_row_q = loop["seconds"] / len(sample), loop["queries"] / len(sample)
    rest = due - len(sample)

    # Set-based: everything else, in one run.
    with counted() as bulk:
        result = supervision_run(today=today)
    assert result.flagged == rest, (result.flagged, rest)
    with counted() as quiet:
        again = supervision_run(today=today)
    assert again.flagged == again.orders == 0

    extrapolated = per_row_s * rest
    print()
    print(f"per-row loop (baseline): {len(sample):,} hazards in {loop['seconds']:.2f} s, {loop['queries']:,} queries")
    print(f"  = {per_row_s * 1000:.1f} ms and {per_row_q:.1f} queries per hazard")
    print(f"  → {extrapolated:,.0f} s and {per_row_q * rest:,.0f} queries for the {rest:,} hazards the run did")
    print(
        f"set-based run: {bulk['seconds']:.2f} s, {bulk['queries']} queries "
        f"(flagged {result.flagged:,}, orders {result.orders:,}, interviews {result.interviews:,}, "
        f"reminders {result.reminders:,})"
    )
    print(f"  speed-up over the per-row loop: ×{extrapolated / bulk['seconds']:,.0f}")
    print(f"second run the same morning: {quiet['seconds']:.2f} s, {quiet['queries']} queries, nothing done")
    print(f"target: under 10 s with a constant query count → {'met' if bulk['seconds'] < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
