"""Patrol organisation: saving teams, agreements, sections and checkpoints, generating each day's tasks from
the sections (and the theft hotspots), and judging a day's tasks. Each write is one transaction with its
history (auditlog for the edited records, PatrolTaskEvent for tasks)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from patrols.choices import TaskKind, TimeWindow
from patrols.models import Checkpoint, PatrolSection, PatrolTask, PatrolTaskEvent, ProtectionAgreement
from patrols.plans import rounds_on

# How far off its pipeline a checkpoint may lie (beside the pipeline: a valve room, a marker by the road).
CHECKPOINT_MAX_OFFSET_M = 50.0


class PatrolError(DomainError):
    pass


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise PatrolError(" ".join(exc.messages)) from exc


# --- agreements ------------------------------------------------------------


def agreement_is_expired(agreement: ProtectionAgreement, *, on: date | None = None) -> bool:
    """An agreement past its end date is flagged (patrols.md)."""
    return agreement.ends_on < (on or timezone.localdate())


def agreements_expired(queryset=None, *, on: date | None = None):
    queryset = ProtectionAgreement.objects.all() if queryset is None else queryset
    return queryset.filter(ends_on__lt=on or timezone.localdate())


# --- sections and checkpoints ----------------------------------------------


@transaction.atomic
def section_save(*, section: PatrolSection) -> PatrolSection:
    """Save a section; its chainage range must lie on its pipeline."""
    _full_clean(section)
    length = section.pipeline.length_m
    if length and section.to_m > float(length) + 1.0:
        raise PatrolError(
            _("The section ends at %(to).0f m, past the end of %(pipeline)s (%(length).0f m).")
            % {"to": section.to_m, "pipeline": section.pipeline.code, "length": float(length)}
        )
    from patrols.maps import section_geometries

    section.line = section_geometries([section])[0]
    section.save()
    return section


def checkpoint_place(*, checkpoint: Checkpoint) -> None:
    """Set the checkpoint's chainage from its location; refuse one farther than 50 m from its pipeline."""
    from pipelines.chainage import pipeline_chainage_at

    chainage, offset = pipeline_chainage_at(pipeline=checkpoint.pipeline, point=checkpoint.location)
    if offset > CHECKPOINT_MAX_OFFSET_M:
        raise PatrolError(
            _("The checkpoint is %(offset).0f m from pipeline %(pipeline)s; it must be within %(max).0f m.")
            % {"offset": offset, "pipeline": checkpoint.pipeline.code, "max": CHECKPOINT_MAX_OFFSET_M}
        )
    checkpoint.chainage_m = round(chainage, 1)


@transaction.atomic
def checkpoint_save(*, checkpoint: Checkpoint) -> Checkpoint:
    _full_clean(checkpoint, exclude=["chainage_m"])
    checkpoint_place(checkpoint=checkpoint)
    checkpoint.save()
    return checkpoint


# --- tasks -----------------------------------------------------------------


def task_event_add(*, task: PatrolTask, kind: str, actor=None, details=None, at=None) -> PatrolTaskEvent:
    return PatrolTaskEvent.objects.create(
        task=task, at=at or timezone.now(), kind=kind, actor=actor, details=details or {}
    )


def _hotspot_ranges(on: date) -> list[tuple[int, float, float]]:
    try:
        from security.hotspots import active_hotspot_ranges
    except ImportError:  # the security app's register not installed
        return []
    return active_hotspot_ranges(on=on)


def _wanted_tasks(on: date) -> list[tuple[PatrolSection, str, str, int]]:
    """(section, time window, kind, round) of every task due on ``on``."""
    # Locked: a second run at the same time waits here, then sees the tasks the first one made.
    sections = list(PatrolSection.objects.select_for_update().filter(active=True).order_by("pk"))
    wanted = []
    for section in sections:
        for seq in range(1, rounds_on(frequency=section.frequency, period=section.period, on=on) + 1):
            wanted.append((section, section.time_window, TaskKind.REGULAR, seq))
    hot: dict[int, list[tuple[float, float]]] = {}
    for pipeline_id, from_m, to_m in _hotspot_ranges(on):
        hot.setdefault(pipeline_id, []).append((from_m, to_m))
    for section in sections:
        # A hotspot adds a night patrol to every section it touches (overlapping chainage), until it cools.
        if any(a < section.to_m and b > section.from_m for a, b in hot.get(section.pipeline_id, ())):
            wanted.append((section, TimeWindow.NIGHT, TaskKind.HOTSPOT, 1))
    return wanted


@transaction.atomic
def tasks_generate(*, on: date) -> dict:
    """Create the tasks due on ``on`` from the active sections and the active theft hotspots.

    Idempotent: a task is identified by (section, date, window, kind, round); run twice, the second run adds
    nothing. A task already there is left as it is (its team, status and results are kept).
    """
    wanted = _wanted_tasks(on)
    existing = set(PatrolTask.objects.filter(date=on).values_list("section_id", "time_window", "kind", "seq"))
    new = [
        PatrolTask(section=section, date=on, time_window=window, kind=kind, seq=seq, team_id=section.team_id)
        for section, window, kind, seq in wanted
        if (section.pk, window, kind, seq) not in existing
    ]
    PatrolTask.objects.bulk_create(new, ignore_conflicts=True)
    created = [  # the ones this run made (another run may have made some of ``new`` at the same time)
        task
        for task in PatrolTask.objects.filter(date=on).order_by("pk")
        if (task.section_id, task.time_window, task.kind, task.seq) not in existing
    ]
    now = timezone.now()
    PatrolTaskEvent.objects.bulk_create(
        [PatrolTaskEvent(task=task, at=now, kind="generated", details={"kind": task.kind}) for task in created]
    )
    return {"date": on.isoformat(), "created": len(created), "due": len(wanted)}


def tasks_judge_day(*, on: date) -> dict:
    """Judge every task of ``on`` from its team's fixes and its tracks (patrols.judging: task_judge's rules,
    all the day's tasks with one query for the fixes); a task with no fix is missed. Judged again on the same
    fixes, nothing changes and no history row is added."""
    from patrols.judging import day_judge

    return day_judge(date=on)
