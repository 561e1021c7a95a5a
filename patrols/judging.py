"""Judging tracks from the database: fixes loaded as arrays, projected, and given to patrols/engine.

- ``stretch_judge`` / ``stretch_report``: fixes (given, or read for devices and a time range) against a
  stretch of a pipeline, with the pipeline's checkpoints in the stretch (or the ones given).
- ``task_judge``: a PatrolTask from the fixes of its team's devices and of the tracks linked to it, inside
  the task's time window; writes the outcome and a PatrolTaskEvent in one transaction; idempotent.
- ``day_judge``: every task of a date, with one query for the fixes (used by the nightly job).

Status of a task (docs/patrols.md): **done** when the coverage is at least ``DONE_COVERAGE`` (90 %) and every
required checkpoint is visited; **missed** when no leg is kept (no fix, or only gaps and overspeed);
**partly done** otherwise. Only fixes within ``CORRIDOR_M`` of the stretch's bounding box count for a task,
so that a team's patrol of another section on the same day adds no gaps or late ends to this one.
"""

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patrols.choices import WINDOW_HOURS, TaskStatus
from patrols.engine import Checkpoints, Judgement, track_judge
from patrols.models import (
    DEFAULT_COVERAGE_WIDTH_M,
    Checkpoint,
    Device,
    PatrolFix,
    PatrolTask,
    PatrolTaskEvent,
    PatrolTrack,
)
from pipelines.models import Pipeline

DONE_COVERAGE = 0.9
CORRIDOR_M = 500.0


class JudgeError(ValueError):
    """A stretch or fixes that cannot be judged (unknown mode, bad range…), with a message for people."""


@dataclass
class Fixes:
    """Fixes as arrays: times (s since the epoch), lon, lat, accuracy (NaN if none), device (codes), and their
    metric x, y once projected (``projected``)."""

    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    accuracy: np.ndarray
    device: np.ndarray
    x: np.ndarray | None = None
    y: np.ndarray | None = None

    def projected(self) -> "Fixes":
        if self.x is None:
            self.x, self.y = metric_xy(self.lon, self.lat)
        return self

    @classmethod
    def empty(cls) -> "Fixes":
        z = np.empty(0)
        return cls(z, z, z, z, np.empty(0, dtype=np.int64))

    @classmethod
    def of(cls, fixes, device: int = 0) -> "Fixes":
        """From dicts with time (datetime or ISO text), lon, lat and accuracy_m (as fixes_ingest takes)."""
        if not fixes:
            return cls.empty()
        times = [
            f["time"] if isinstance(f["time"], dt.datetime) else dt.datetime.fromisoformat(f["time"]) for f in fixes
        ]
        acc = [f.get("accuracy_m") for f in fixes]
        return cls(
            np.array([t.timestamp() for t in times]),
            np.array([f["lon"] for f in fixes], dtype=float),
            np.array([f["lat"] for f in fixes], dtype=float),
            np.array([np.nan if a is None else a for a in acc], dtype=float),
            np.full(len(fixes), device, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index) -> "Fixes":
        xy = (self.x[index], self.y[index]) if self.x is not None else (None, None)
        return Fixes(self.t[index], self.lon[index], self.lat[index], self.accuracy[index], self.device[index], *xy)


@functools.cache
def _to_metric() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(4326, settings.METRIC_SRID, always_xy=True)


def metric_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _to_metric().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def _epoch_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::float8"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def _fixes_pg(table: str, device_ids: list[str], start, end) -> Fixes:
    """One row of five byte strings (each column's values in binary, big-endian, in one row order), read
    straight into arrays: no Python object per fix."""
    sql = (
        "SELECT string_agg(float8send(EXTRACT(EPOCH FROM f.time)::float8), ''::bytea),"  # noqa: S608 (ours)
        " string_agg(float8send(f.lon), ''::bytea), string_agg(float8send(f.lat), ''::bytea),"
        " string_agg(float8send(COALESCE(f.accuracy_m, 'NaN'::float8)), ''::bytea),"
        f" string_agg(int4send((d.n - 1)::int4), ''::bytea) FROM {table} f"
        " JOIN unnest(%s::text[]) WITH ORDINALITY AS d(id, n) ON f.device_id = d.id"
        " WHERE f.time >= %s AND f.time < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [device_ids, start, end])
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return Fixes.empty()
    t, lon, lat, acc = (np.frombuffer(bytes(value), dtype=">f8").astype(float) for value in row[:4])
    dev = np.frombuffer(bytes(row[4]), dtype=">i4").astype(np.int64)
    return Fixes(t, lon, lat, acc, dev)


def fixes_load(*, device_ids, start: dt.datetime, end: dt.datetime) -> tuple[Fixes, list[str]]:
    """The fixes of ``device_ids`` with start <= time < end, in one query, as arrays; and the device ids in the
    order of their codes (``Fixes.device`` indexes this list). On PostgreSQL each column comes as one binary string."""
    device_ids = sorted(set(device_ids))
    if not device_ids:
        return Fixes.empty(), []
    table = connection.ops.quote_name(PatrolFix._meta.db_table)
    if connection.vendor == "postgresql":
        return _fixes_pg(table, device_ids, start, end), device_ids
    adapt = connection.ops.adapt_datetimefield_value
    marks = ", ".join(["%s"] * len(device_ids))
    sql = (
        f"SELECT device_id, {_epoch_sql('time')}, lon, lat, accuracy_m FROM {table}"  # noqa: S608 (names are ours)
        f" WHERE device_id IN ({marks}) AND time >= %s AND time < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*device_ids, adapt(start), adapt(end)])
        rows = cursor.fetchall()
    if not rows:
        return Fixes.empty(), device_ids
    devices, t, lon, lat, acc = zip(*rows, strict=True)
    code = {d: i for i, d in enumerate(device_ids)}
    return (
        Fixes(
            np.array(t, dtype=float),
            np.array(lon, dtype=float),
            np.array(lat, dtype=float),
            np.array(acc, dtype=float),  # None becomes NaN
            np.array([code[d] for d in devices], dtype=np.int64),
        ),
        device_ids,
    )


def pipeline_centreline(pipeline) -> shapely.LineString:
    """The pipeline's route as one metric line, chainage from its start (as pipelines/chainage.py measures)."""
    from hca.loading import single_line, to_metric

    route = shapely.from_wkb(bytes(pipeline.route.wkb))
    return single_line(to_metric(np.array([route], dtype=object))[0])


@dataclass
class PipelineCheckpoints:
    """A pipeline's checkpoints in chainage order, metric, to pick a stretch's from."""

    chainage: np.ndarray
    points: Checkpoints

    def within(self, from_m: float, to_m: float) -> Checkpoints:
        keep = np.flatnonzero((self.chainage >= from_m) & (self.chainage <= to_m))
        p = self.points
        return Checkpoints(p.x[keep], p.y[keep], p.radius[keep], [p.code[i] for i in keep])


def checkpoints_load(pipeline_ids) -> dict[int, PipelineCheckpoints]:
    """The checkpoints of these pipelines, one query, projected in bulk."""
    rows = list(
        Checkpoint.objects.filter(pipeline_id__in=pipeline_ids)
        .order_by("pipeline_id", "chainage_m", "code")
        .values_list("pipeline_id", "location", "radius_m", "code", "chainage_m")
    )
    if not rows:
        return {}
    x, y = metric_xy([r[1].x for r in rows], [r[1].y for r in rows])
    out, by = {}, defaultdict(list)
    for i, row in enumerate(rows):
        by[row[0]].append(i)
    for pipeline_id, index in by.items():
        cps = Checkpoints(x[index], y[index], np.array([rows[i][2] for i in index], float), [rows[i][3] for i in index])
        out[pipeline_id] = PipelineCheckpoints(np.array([rows[i][4] for i in index], float), cps)
    return out


def stretch_checkpoints(pipeline, from_m: float, to_m: float) -> Checkpoints:
    """The checkpoints stored for ``pipeline`` with from_m <= chainage <= to_m, in chainage order, metric."""
    loaded = checkpoints_load([pipeline.pk]).get(pipeline.pk)
    return loaded.within(from_m, to_m) if loaded else Checkpoints.empty()


def stretch_range(pipeline, centreline, from_m, to_m) -> tuple[float, float]:
    length = centreline.length
    from_m = 0.0 if from_m is None else float(from_m)
    to_m = length if to_m is None else float(to_m)
    if not (0 <= from_m < to_m <= length + 0.05):
        raise JudgeError(
            _(
                "The stretch must lie within 0–%(length).1f m of %(pipeline)s, its start before its end"
                " (given %(a)s–%(b)s)."
            )
            % {"length": length, "pipeline": pipeline.code, "a": from_m, "b": to_m}
        )
    return from_m, min(to_m, length)


def _local_text(t: float) -> str:
    return dt.datetime.fromtimestamp(t, tz=timezone.get_default_timezone()).isoformat(timespec="seconds")


def _in_corridor(fixes: Fixes, x, y, centreline, from_m, to_m, margin) -> np.ndarray:
    from shapely.ops import substring

    x0, y0, x1, y1 = shapely.bounds(substring(centreline, from_m, to_m))
    return (x >= x0 - margin) & (x <= x1 + margin) & (y >= y0 - margin) & (y <= y1 + margin)


def stretch_judge(
    *,
    pipeline,
    mode: str,
    from_m=None,
    to_m=None,
    fixes=None,
    device_ids=None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    coverage_width_m: float = DEFAULT_COVERAGE_WIDTH_M,
    checkpoints: Checkpoints | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
    centreline: shapely.LineString | None = None,
    corridor_m: float | None = None,
) -> Judgement:
    """Judge fixes against a stretch of ``pipeline`` (the whole pipeline by default).

    ``fixes``: a :class:`Fixes` or dicts as ``fixes_ingest`` takes; or else ``device_ids`` with ``start`` and
    ``end`` to read them from the database. ``checkpoints``: the pipeline's in the stretch by default.
    """
    from patrols.engine.legs import SPEED_LIMIT_KMH

    if mode not in SPEED_LIMIT_KMH:
        raise JudgeError(_("Unknown mode %(mode)s (walk, bicycle, vehicle or drone).") % {"mode": mode})
    if not coverage_width_m or coverage_width_m <= 0:
        raise JudgeError(_("The coverage width must be positive."))
    centreline = centreline if centreline is not None else pipeline_centreline(pipeline)
    from_m, to_m = stretch_range(pipeline, centreline, from_m, to_m)
    if fixes is None:
        if start is None or end is None:
            raise JudgeError(_("Give fixes, or devices with a start and an end."))
        fixes, _ids = fixes_load(device_ids=device_ids or [], start=start, end=end)
    elif not isinstance(fixes, Fixes):
        fixes = Fixes.of(fixes)
    fixes.projected()
    if corridor_m is not None and len(fixes):
        keep = _in_corridor(fixes, fixes.x, fixes.y, centreline, from_m, to_m, corridor_m)
        fixes = fixes.take(keep)
    x, y = fixes.x, fixes.y
    if checkpoints is None:
        checkpoints = stretch_checkpoints(pipeline, from_m, to_m)
    return track_judge(
        times=fixes.t,
        x=x,
        y=y,
        accuracy=fixes.accuracy,
        device=fixes.device,
        centreline=centreline,
        from_m=from_m,
        to_m=to_m,
        mode=mode,
        coverage_width_m=coverage_width_m,
        checkpoints=checkpoints,
        window=(window[0].timestamp(), window[1].timestamp()) if window else None,
        pipeline_code=pipeline.code,
    )


def stretch_report(**options) -> dict:
    """The report of patrols.md for a stretch (arguments as ``stretch_judge``)."""
    return stretch_judge(**options).report()


# --- tasks -----------------------------------------------------------------------------------------


def task_window(task) -> tuple[dt.datetime, dt.datetime]:
    """The task's time window, aware, local time; a night window ends on the next day."""
    begin, finish = WINDOW_HOURS[task.time_window]
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(task.date, begin, tzinfo=zone)
    end = dt.datetime.combine(task.date + dt.timedelta(days=1 if finish <= begin else 0), finish, tzinfo=zone)
    return start, end


def task_status(judgement: Judgement) -> str:
    if judgement.kept_legs == 0:
        return TaskStatus.MISSED
    if judgement.coverage >= DONE_COVERAGE and not judgement.missed:
        return TaskStatus.DONE
    return TaskStatus.PARTLY_DONE


def _task_devices(tasks) -> dict[int, set[str]]:
    """Device ids of each task: its team's devices and those of the tracks linked to it."""
    team_ids = {t.team_id or t.section.team_id for t in tasks} - {None}
    by_team = defaultdict(set)
    for team_id, device_id in Device.objects.filter(team_id__in=team_ids).values_list("team_id", "device_id"):
        by_team[team_id].add(device_id)
    by_task = defaultdict(set)
    for task_id, device_id in PatrolTrack.objects.filter(task__in=[t.pk for t in tasks]).values_list(
        "task_id", "device_id"
    ):
        by_task[task_id].add(device_id)
    return {t.pk: by_team[t.team_id or t.section.team_id] | by_task[t.pk] for t in tasks}


def _outcome(task, judgement: Judgement) -> dict:
    return {
        "status": task_status(judgement),
        "coverage": round(judgement.coverage, 4),
        "arrival": round(judgement.arrival, 4),
        "report": judgement.report(),
        "exceptions": judgement.exceptions(_local_text),
    }


def _judge(task, fixes: Fixes, centreline, checkpoints: PipelineCheckpoints | None = None) -> Judgement:
    section = task.section
    window = task_window(task)
    keep = (fixes.t >= window[0].timestamp()) & (fixes.t < window[1].timestamp())
    return stretch_judge(
        pipeline=section.pipeline,
        mode=section.mode,
        from_m=section.from_m,
        to_m=min(section.to_m, centreline.length),
        fixes=fixes.take(keep),
        coverage_width_m=section.coverage_width_m,
        window=window,
        centreline=centreline,
        corridor_m=CORRIDOR_M,
        checkpoints=None if checkpoints is None else checkpoints.within(section.from_m, section.to_m),
    )


def _apply(task, outcome: dict, now, actor) -> PatrolTaskEvent | None:
    """Set the outcome on ``task``; the event to record if it changed (None when judged the same again)."""
    same = task.judged_at is not None and all(getattr(task, k) == v for k, v in outcome.items())
    first = task.judged_at is None
    for key, value in outcome.items():
        setattr(task, key, value)
    if same:
        return None
    task.judged_at = now
    return PatrolTaskEvent(
        task=task,
        at=now,
        kind="judged" if first else "rejudged",
        actor=actor,
        details={"status": outcome["status"], "coverage": outcome["coverage"], "arrival": outcome["arrival"]},
    )


FIELDS = ["status", "coverage", "arrival", "report", "exceptions", "judged_at"]


def task_judge(*, task: PatrolTask, actor=None) -> PatrolTask:
    """Judge ``task`` from its team's and its tracks' fixes in its window; write status, coverage, arrival,
    report, exceptions, judged_at and a PatrolTaskEvent in one transaction. Judged again on the same fixes,
    nothing changes and no event is added."""
    task = PatrolTask.objects.select_related("section__pipeline", "section__team").get(pk=task.pk)
    devices = _task_devices([task])[task.pk]
    start, end = task_window(task)
    fixes, _ids = fixes_load(device_ids=devices, start=start, end=end)
    outcome = _outcome(task, _judge(task, fixes, pipeline_centreline(task.section.pipeline)))
    with transaction.atomic():
        task = PatrolTask.objects.select_for_update().get(pk=task.pk)
        event = _apply(task, outcome, timezone.now(), actor)
        if event is not None:
            task.save(update_fields=FIELDS)
            event.save()
    return task


def _tasks_write(tasks) -> None:
    """The judged fields of ``tasks``, one plain UPDATE each in one executemany (bulk_update's CASE over large
    JSON values was most of the writing time)."""
    if not tasks:
        return
    fields = [PatrolTask._meta.get_field(name) for name in FIELDS]
    table = connection.ops.quote_name(PatrolTask._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    rows = [[f.get_db_prep_save(getattr(t, f.attname), connection) for f in fields] + [t.pk] for t in tasks]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608 (names are ours)


def day_judge(*, date: dt.date, actor=None) -> dict:
    """Judge every task of ``date``: one query for the fixes of all their devices over all their windows,
    grouped by device; tasks and events written in one transaction. Returns counts by status."""
    tasks = list(
        PatrolTask.objects.filter(date=date)
        .select_related("section__pipeline", "section__team")
        .defer("section__pipeline__route")
    )
    if not tasks:
        return {"date": date.isoformat(), "judged": 0}
    routes = {p.pk: p for p in Pipeline.objects.filter(pk__in={t.section.pipeline_id for t in tasks}).only("route")}
    devices = _task_devices(tasks)
    windows = {t.pk: task_window(t) for t in tasks}
    start = min(w[0] for w in windows.values())
    end = max(w[1] for w in windows.values())
    fixes, ids = fixes_load(device_ids=set().union(*devices.values()), start=start, end=end)
    # Fixes grouped by device: each device's fixes are one slice.
    order = np.argsort(fixes.device, kind="stable")
    fixes = fixes.take(order).projected()  # projected once for every task
    bounds = np.searchsorted(fixes.device, np.arange(len(ids) + 1))
    code = {d: i for i, d in enumerate(ids)}
    lines, outcomes, unjudged = {}, {}, 0
    empty = PipelineCheckpoints(np.empty(0), Checkpoints.empty())
    checkpoints = checkpoints_load({t.section.pipeline_id for t in tasks})
    for task in tasks:
        pipeline = task.section.pipeline
        if pipeline.pk not in lines:
            lines[pipeline.pk] = pipeline_centreline(routes[pipeline.pk])
        parts = [np.arange(bounds[code[d]], bounds[code[d] + 1]) for d in devices[task.pk]]
        index = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        try:
            judgement = _judge(task, fixes.take(index), lines[pipeline.pk], checkpoints.get(pipeline.pk, empty))
            outcomes[task.pk] = _outcome(task, judgement)
        except JudgeError:  # a section past its pipeline's end: left as it is, counted
            unjudged += 1
    counts: dict[str, int] = defaultdict(int)
    now = timezone.now()
    by_pk = {t.pk: t for t in tasks}
    with transaction.atomic():
        # Locked and read again: a task judged meanwhile is compared with what it has now.
        current = {
            row[0]: row[1:]
            for row in PatrolTask.objects.select_for_update().filter(pk__in=outcomes).values_list("pk", *FIELDS)
        }
        changed, events = [], []
        for pk, outcome in outcomes.items():
            task = by_pk[pk]
            for name, value in zip(FIELDS, current[pk], strict=True):
                setattr(task, name, value)
            event = _apply(task, outcome, now, actor)
            counts[str(task.status)] += 1
            if event is not None:
                changed.append(task)
                events.append(event)
        _tasks_write(changed)
        PatrolTaskEvent.objects.bulk_create(events, batch_size=1000)
    return {"date": date.isoformat(), "judged": len(outcomes), "unjudged": unjudged, **counts}
