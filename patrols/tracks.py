"""Tracks (巡检轨迹): a device's fixes of one patrol kept as a line, with its judgement.

``track_record`` makes a PatrolTrack from fixes (the field page, GPX uploads); ``track_gpx_upload`` reads a
GPX file, stores its fixes through ``fixes_ingest`` (idempotent on device and time) and records the track,
in one transaction. A track given a section is judged against it (patrols.md's report kept on the track),
linked to that section's task whose window holds its start, and the task is judged again.
"""

import datetime as dt

import numpy as np
from django.contrib.gis.geos import LineString
from django.db import transaction
from django.utils import timezone

from accounts.principals import person
from patrols.choices import FixSource
from patrols.gpx import gpx_read
from patrols.ingest import MAX_FIXES, fixes_clean, fixes_ingest
from patrols.judging import Fixes, metric_xy, stretch_judge, task_judge, task_window
from patrols.models import PatrolTask, PatrolTaskEvent, PatrolTrack


def _task_for(section, started_at: dt.datetime):
    """The section's task whose time window holds ``started_at`` (the night window of the day before
    included), if any."""
    day = timezone.localtime(started_at).date()
    for task in PatrolTask.objects.filter(section=section, date__in=[day, day - dt.timedelta(days=1)]).order_by(
        "date", "seq"
    ):
        start, end = task_window(task)
        if start <= started_at < end:
            return task
    return None


def track_record(*, device_id: str, fixes, source: str, mode: str, team=None, user=None, section=None, task=None):
    """A PatrolTrack of ``fixes`` (dicts as fixes_ingest takes, already stored): its line (in time order, one
    point per time), start, end, length (metric CRS) and, given a section, its report; linked to ``task`` or to
    the section's task of that time, which is judged again."""
    rows = sorted({t: (t, lon, lat) for t, lon, lat, _acc in fixes_clean(list(fixes), limit=None)}.values())
    if not rows:
        raise ValueError("a track needs fixes")
    times, lons, lats = zip(*rows, strict=True)
    x, y = metric_xy(lons, lats)
    length = float(np.hypot(np.diff(x), np.diff(y)).sum())
    line = LineString(list(zip(lons, lats, strict=True)), srid=4326) if len(rows) > 1 else None
    report = {}
    if section is not None:
        report = stretch_judge(
            pipeline=section.pipeline,
            mode=mode,
            from_m=section.from_m,
            to_m=section.to_m,
            fixes=Fixes.of([{"time": t, "lon": lon, "lat": lat} for t, lon, lat in rows]),
            coverage_width_m=section.coverage_width_m,
        ).report()
        task = task or _task_for(section, times[0])
    with transaction.atomic():
        same = PatrolTrack.objects.filter(device_id=device_id, started_at=times[0], ended_at=times[-1], source=source)
        if same.exists():  # the same track sent again (a GPX uploaded twice): kept once
            return same.order_by("pk").first()
        track = PatrolTrack.objects.create(
            device_id=device_id,
            task=task,
            section=section if section is not None else (task.section if task is not None else None),
            team=team,
            user=person(user) if user is not None else None,
            started_at=times[0],
            ended_at=times[-1],
            mode=mode,
            source=source,
            fix_count=len(rows),
            length_m=round(length, 1),
            line=line,
            report=report,
        )
        if task is not None:
            PatrolTaskEvent.objects.create(
                task=task,
                at=timezone.now(),
                kind="track_added",
                actor=person(user) if user is not None else None,
                details={"track": track.pk, "device_id": device_id, "source": source, "fixes": len(rows)},
            )
            task_judge(task=task, actor=person(user) if user is not None else None)
    return track


def track_gpx_upload(*, data: bytes, device, mode: str, section=None, actor=None) -> tuple[PatrolTrack, dict]:
    """Read a GPX file (GpxError if unusable), store its fixes for ``device`` and record the track, all or
    nothing. Returns the track and the counts of fixes ({received, added, duplicates, skipped})."""
    fixes, skipped = gpx_read(data)
    counts = {"received": 0, "added": 0, "duplicates": 0}
    with transaction.atomic():
        for start in range(0, len(fixes), MAX_FIXES):
            done = fixes_ingest(
                device_id=device.device_id, fixes=fixes[start : start + MAX_FIXES], source=FixSource.GPX
            )
            for key in counts:
                counts[key] += done[key]
        track = track_record(
            device_id=device.device_id,
            fixes=fixes,
            source=FixSource.GPX,
            mode=mode,
            team=device.team,
            user=actor,
            section=section,
        )
    return track, {**counts, "skipped": skipped}
