"""Judging from the database (patrols/judging.py): stretch reports, tasks, a whole day."""

import datetime as dt

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import Point

from hca.loading import to_wgs84
from patrols.ingest import fixes_ingest
from patrols.judging import DONE_COVERAGE, JudgeError, day_judge, pipeline_centreline, stretch_report, task_judge
from patrols.models import Checkpoint, Device, PatrolSection, PatrolTask, PatrolTaskEvent, PatrolTrack, Team
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db
ZONE = dt.timezone(dt.timedelta(hours=8))


def along(line, from_m, to_m, *, start, step_s=5.0, speed_ms=1.0, offset_m=3.0):
    """Fixes walking the centreline from from_m to to_m, ``offset_m`` to its side (WGS84 dicts)."""
    s = np.arange(from_m, to_m, speed_ms * step_s)
    points = shapely.line_interpolate_point(line, s)
    xy = shapely.get_coordinates(points) + np.array([0.0, offset_m])
    wgs = shapely.get_coordinates(to_wgs84(shapely.points(xy)))
    return [
        {"time": (start + dt.timedelta(seconds=i * step_s)).isoformat(), "lon": lon, "lat": lat, "accuracy_m": 5}
        for i, (lon, lat) in enumerate(wgs)
    ]


@pytest.fixture
def setup():
    pipeline = Pipeline.objects.order_by("code").first()
    line = pipeline_centreline(pipeline)
    Checkpoint.objects.filter(pipeline=pipeline).delete()  # the demo's: these tests place their own
    team = Team.objects.create(name="测试队", kind="full_time", county="东营区", company=pipeline.company)
    device = Device.objects.create(device_id="GT-J-1", team=team)
    section = PatrolSection.objects.create(
        code="T-SEC-1", pipeline=pipeline, from_m=1000, to_m=3000, team=team, mode="walk"
    )
    cps = []
    for code, m in (("K1", 1500), ("K2", 2500)):
        where = shapely.get_coordinates(to_wgs84(np.array([line.interpolate(m)], dtype=object)))[0]
        cps.append(
            Checkpoint.objects.create(
                code=code, pipeline=pipeline, location=Point(*where, srid=4326), chainage_m=m, radius_m=30
            )
        )
    day = dt.date(2026, 11, 20)
    task = PatrolTask.objects.create(section=section, date=day, time_window="day", team=team)
    return pipeline, line, device, section, task


def test_stretch_report_with_fixes_and_stored_checkpoints(setup):
    pipeline, line, _device, _section, _task = setup
    fixes = along(line, 1000, 2000, start=dt.datetime(2026, 11, 20, 9, tzinfo=ZONE))
    report = stretch_report(pipeline=pipeline, from_m=1000, to_m=3000, mode="walk", fixes=fixes)
    assert report["pipeline_code"] == pipeline.code and report["length_m"] == 2000.0
    assert report["checkpoints_required"] == 2 and report["missed"] == ["K2"]
    assert 0.5 < report["coverage"] < 0.52 and report["uncovered"][0][1] == 3000.0
    whole = stretch_report(pipeline=pipeline, mode="walk", fixes=[])
    assert whole["from_m"] == 0 and whole["length_m"] == pytest.approx(line.length, abs=0.1)
    for bad in ({"from_m": 5, "to_m": 5}, {"from_m": -1}, {"to_m": line.length + 10}):
        with pytest.raises(JudgeError):
            stretch_report(pipeline=pipeline, mode="walk", fixes=[], **bad)
    with pytest.raises(JudgeError):
        stretch_report(pipeline=pipeline, mode="horse", fixes=[])


def test_task_judged_from_team_devices_in_window_idempotent(setup):
    _pipeline, line, device, _section, task = setup
    # The day window is 08:00–18:00: fixes at 07:00 do not count.
    fixes_ingest(
        device_id=device.device_id, fixes=along(line, 900, 3100, start=dt.datetime(2026, 11, 20, 5, tzinfo=ZONE))
    )
    judged = task_judge(task=task)
    assert judged.status == "missed" and judged.coverage == 0.0
    fixes_ingest(
        device_id=device.device_id, fixes=along(line, 900, 3100, start=dt.datetime(2026, 11, 20, 9, tzinfo=ZONE))
    )
    judged = task_judge(task=task)
    assert judged.status == "done" and judged.coverage >= DONE_COVERAGE and judged.arrival == 1.0
    assert judged.report["checkpoints_visited"] == 2 and judged.judged_at
    kinds = {e["kind"] for e in judged.exceptions}
    assert "early_end" in kinds and "missed_checkpoint" not in kinds
    events = list(PatrolTaskEvent.objects.filter(task=task).values_list("kind", flat=True))
    assert events == ["judged", "rejudged"]
    at = judged.judged_at
    again = task_judge(task=task)
    assert again.judged_at == at and PatrolTaskEvent.objects.filter(task=task).count() == 2


def test_partly_done_and_night_window_and_tracks(setup):
    _pipeline, line, _device, section, _task = setup
    night = PatrolTask.objects.create(section=section, date=dt.date(2026, 11, 20), time_window="night")
    phone = "PHONE-X"  # not a team device: counts through a track linked to the task
    fixes = along(line, 1000, 2000, start=dt.datetime(2026, 11, 21, 1, tzinfo=ZONE))  # after midnight
    fixes_ingest(device_id=phone, fixes=fixes, source="phone")
    assert task_judge(task=night).status == "missed"
    PatrolTrack.objects.create(device_id=phone, task=night, started_at=dt.datetime(2026, 11, 21, 1, tzinfo=ZONE))
    judged = task_judge(task=night)
    assert judged.status == "partly_done" and judged.report["missed"] == ["K2"]


def test_day_judge_equals_task_judge(setup):
    _pipeline, line, device, section, task = setup
    other = PatrolTask.objects.create(section=section, date=task.date, time_window="day", seq=2)
    fixes_ingest(
        device_id=device.device_id, fixes=along(line, 1000, 2600, start=dt.datetime(2026, 11, 20, 9, tzinfo=ZONE))
    )
    counts = day_judge(date=task.date)
    assert counts["judged"] == PatrolTask.objects.filter(date=task.date).count()
    ours = PatrolTask.objects.get(pk=task.pk)
    assert ours.status == "partly_done" and ours.report["missed"] == []
    single = task_judge(task=other)
    assert single.report == ours.report and single.exceptions == ours.exceptions
    events = PatrolTaskEvent.objects.count()
    day_judge(date=task.date)
    assert PatrolTaskEvent.objects.count() == events  # judged again: nothing changes
