"""Demo patrols: a team for every county and company with pipelines there, protection agreements (some
expired), sections covering every pipeline, checkpoints every km, and a month of patrols with realistic
faults (holes, overspeed, short patrols, missed patrols) judged into task results.

To keep seeding fast, the tracks are generated and judged with the pure engine (patrols.engine) once per
section and fault, and each of the month's tasks takes one of its section's judged patrols. Only the last
day's patrols are stored as GPS fixes and tracks (so the nightly judgement can be tried on them); the
month's earlier tasks keep their results only.
"""

import math
import random
from datetime import date, datetime, time, timedelta

import numpy as np
import shapely
from django.contrib.gis.geos import LineString, Point
from django.utils import timezone

from demo.emergency import COUNTIES
from hazards.bulk_sql import rows_insert
from hca.loading import to_wgs84
from patrols.choices import (
    WINDOW_HOURS,
    CheckpointKind,
    FixSource,
    Mode,
    Period,
    TaskKind,
    TaskStatus,
    TeamKind,
    TimeWindow,
)
from patrols.engine import Checkpoints, track_judge
from patrols.judging import task_status
from patrols.maps import pipeline_lines, section_geometries
from patrols.models import (
    Checkpoint,
    Device,
    PatrolFix,
    PatrolSection,
    PatrolTask,
    PatrolTaskEvent,
    PatrolTrack,
    ProtectionAgreement,
    Team,
)
from patrols.plans import rounds_on
from pipelines.models import Pipeline

SECTION_MAX_M = 15_000.0
CHECKPOINT_EVERY_M = 1_000.0
MONTH_DAYS = 30
# Walking pace, fix interval: a fix a minute on foot, every 20 s on a bicycle, every 10 s in a vehicle.
PACE = {Mode.WALK: (4.5, 60), Mode.BICYCLE: (14.0, 20), Mode.VEHICLE: (35.0, 10), Mode.DRONE: (35.0, 10)}
# Share of the month's patrols with each fault.
FAULTS = (("clean", 0.62), ("hole", 0.12), ("overspeed", 0.08), ("short", 0.08), ("missed", 0.10))


def _county(lon: float, lat: float) -> str:
    for name, (x0, y0, x1, y1), *_rest in COUNTIES:
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return name
    best = min(COUNTIES, key=lambda c: abs((c[1][0] + c[1][2]) / 2 - lon) + abs((c[1][1] + c[1][3]) / 2 - lat))
    return best[0]


def demo_patrols_delete() -> None:
    PatrolFix.objects.all().delete()
    PatrolTrack.objects.all().delete()
    PatrolTask.objects.all().delete()
    Device.objects.all().delete()
    ProtectionAgreement.objects.all().delete()
    Checkpoint.objects.all().delete()
    PatrolSection.objects.all().delete()
    Team.objects.all().delete()


def demo_patrols_build(*, seed: int, today: date) -> dict:
    if PatrolSection.objects.exists():
        return {}
    rng = random.Random(seed + 16)
    pipelines = list(Pipeline.objects.select_related("company").order_by("code"))
    lines = pipeline_lines([p.pk for p in pipelines])
    plan = _sections_plan(rng, pipelines, lines)
    teams = _teams(rng, plan)
    sections = _sections(rng, plan, teams, lines)
    _agreements(rng, today, teams, sections)
    checkpoints = _checkpoints(pipelines, lines)
    tasks = _month(rng, today, sections, lines, checkpoints)
    return {"teams": len(teams), "sections": len(sections), "checkpoints": len(checkpoints), "tasks": tasks}


def _sections_plan(rng, pipelines, lines):
    """(pipeline, from_m, to_m, county) of every section: each pipeline cut into equal parts of ≤ 15 km."""
    plan, mids = [], []
    for pipeline in pipelines:
        line = lines[pipeline.pk]
        parts = max(1, math.ceil(line.length / SECTION_MAX_M))
        step = line.length / parts
        for i in range(parts):
            a, b = round(i * step, 1), round(line.length if i == parts - 1 else (i + 1) * step, 1)
            plan.append([pipeline, a, b])
            mids.append(line.interpolate((a + b) / 2))
    for entry, mid in zip(plan, to_wgs84(np.array(mids, dtype=object)), strict=True):
        entry.append(_county(mid.x, mid.y))
    return plan


def _teams(rng, plan) -> dict:
    kinds = [TeamKind.FULL_TIME, TeamKind.LOCAL, TeamKind.VILLAGE, TeamKind.COMPANY_POLICE]
    keys = sorted({(county, pipeline.company_id) for pipeline, _a, _b, county in plan})
    companies = {pipeline.company_id: pipeline.company for pipeline, *_rest in plan}
    teams = []
    for i, (county, company_id) in enumerate(keys):
        company = companies[company_id]
        short = company.name.replace("有限公司", "").replace("有限责任公司", "")[:10]
        teams.append(
            Team(
                name=f"{county}{short}巡护队",
                kind=kinds[i % len(kinds)],
                county=county,
                company=company,
                leader=rng.choice("王李张刘陈杨赵黄周吴")
                + rng.choice(["建国", "志强", "海涛", "立新", "卫东", "秀英"]),
                phone=f"13{rng.randrange(10**9):09d}",
                police_led=i % len(kinds) == 3,
                headcount=rng.randint(4, 14),
            )
        )
    Team.objects.bulk_create(teams)
    return {(t.county, t.company_id): t for t in Team.objects.all()}


def _sections(rng, plan, teams, lines) -> list[PatrolSection]:
    rows = []
    counters: dict[str, int] = {}
    for pipeline, a, b, county in plan:
        counters[pipeline.code] = counters.get(pipeline.code, 0) + 1
        roll = rng.random()
        mode = Mode.WALK if roll < 0.5 else Mode.BICYCLE if roll < 0.75 else Mode.VEHICLE
        weekly = rng.random() < 0.3
        rows.append(
            PatrolSection(
                code=f"{pipeline.code}-S{counters[pipeline.code]:02d}",
                name=f"{pipeline.name} 第{counters[pipeline.code]}段",
                pipeline=pipeline,
                from_m=a,
                to_m=b,
                team=teams[(county, pipeline.company_id)],
                frequency=3 if weekly else 1,
                period=Period.WEEK if weekly else Period.DAY,
                mode=mode,
                time_window=TimeWindow.NIGHT if rng.random() < 0.15 else TimeWindow.DAY,
            )
        )
    for section, line in zip(rows, section_geometries(rows, lines), strict=True):
        section.line = line
    PatrolSection.objects.bulk_create(rows)
    return list(PatrolSection.objects.select_related("pipeline", "team").order_by("pk"))


def _agreements(rng, today, teams, sections) -> None:
    by_team: dict[int, list[PatrolSection]] = {}
    for section in sections:
        by_team.setdefault(section.team_id, []).append(section)
    agreements = []
    for i, team in enumerate(sorted(teams.values(), key=lambda t: t.pk)):
        expired = i % 6 == 5
        starts = today - timedelta(days=rng.randint(200, 500))
        ends = today - timedelta(days=rng.randint(5, 90)) if expired else today + timedelta(days=rng.randint(20, 400))
        agreements.append(
            ProtectionAgreement(
                number=f"GDBH-{starts.year}-{i + 1:03d}",
                company_id=team.company_id,
                county=team.county,
                team=team,
                starts_on=starts,
                ends_on=ends,
                frequency=1,
                period=Period.DAY,
                payment_yuan=rng.randint(8, 60) * 10_000,
            )
        )
    ProtectionAgreement.objects.bulk_create(agreements)
    through = ProtectionAgreement.sections.through
    links = []
    for agreement in ProtectionAgreement.objects.all():
        links += [
            through(protectionagreement_id=agreement.pk, patrolsection_id=s.pk)
            for s in by_team.get(agreement.team_id, [])
        ]
    through.objects.bulk_create(links)


def _checkpoints(pipelines, lines) -> dict[int, list[tuple[float, float, float, str, float]]]:
    """A checkpoint every km of every pipeline (a valve room every 10 km); (x, y, radius, code, chainage)."""
    rows, metric = [], []
    for pipeline in pipelines:
        line = lines[pipeline.pk]
        for km in range(1, int(line.length // CHECKPOINT_EVERY_M) + 1):
            chainage = km * CHECKPOINT_EVERY_M
            if chainage > line.length - 1:
                break
            rows.append((pipeline, km, chainage))
            metric.append(line.interpolate(chainage))
    points = to_wgs84(np.array(metric, dtype=object))
    rows_insert(
        Checkpoint,
        [
            Checkpoint(
                code=f"{pipeline.code}-K{km:03d}",
                name=f"{pipeline.code} {km} 号里程桩" if km % 10 else f"{pipeline.code} {km} km 阀室",
                pipeline=pipeline,
                kind=CheckpointKind.VALVE_ROOM if km % 10 == 0 else CheckpointKind.MILE_MARKER,
                location=Point(p.x, p.y, srid=4326),
                chainage_m=chainage,
            )
            for (pipeline, km, chainage), p in zip(rows, points, strict=True)
        ],
    )
    out: dict[int, list] = {}
    for (pipeline, km, chainage), m in zip(rows, metric, strict=True):
        out.setdefault(pipeline.pk, []).append((m.x, m.y, 30.0, f"{pipeline.code}-K{km:03d}", chainage))
    return out


def _window(day: date, window: str) -> tuple[datetime, datetime]:
    start, end = WINDOW_HOURS[window]
    first = timezone.make_aware(datetime.combine(day, start))
    last = timezone.make_aware(datetime.combine(day + timedelta(days=1) if end <= start else day, end))
    return first, last


def _track(rng, line, section, fault: str, start: float):
    """Times (s), x, y of a generated patrol of ``section`` with ``fault``; None for a missed patrol."""
    if fault == "missed":
        return None
    kmh, every = PACE[section.mode]
    speed = kmh / 3.6
    a, b = section.from_m, section.to_m
    length = b - a
    if fault == "short":
        b = a + length * rng.uniform(0.55, 0.8)
    steps = max(2, int((b - a) / (speed * every)) + 1)
    s = np.linspace(a, b, steps)
    t = start + np.arange(steps) * every * rng.uniform(0.9, 1.1)
    if fault == "hole":  # the phone lost the signal for a stretch: fixes resume 500–2,000 m on
        hole_at = a + length * rng.uniform(0.2, 0.7)
        hole = rng.uniform(500, 2000)
        keep = (s < hole_at) | (s > hole_at + hole)
        s, t = s[keep], t[keep]
    if fault == "overspeed":  # a stretch driven on a motorbike, far over the mode's limit
        fast_at = a + length * rng.uniform(0.2, 0.6)
        fast = (s > fast_at) & (s < fast_at + rng.uniform(1500, 3000))
        dt = np.diff(t, prepend=t[0])
        dt[fast] = dt[fast] * kmh / 80.0
        t = t[0] + np.cumsum(dt) - dt[0]
    t = np.round(t)  # fixes are stored to the second
    points = shapely.line_interpolate_point(line, s)
    x, y = shapely.get_coordinates(points).T
    noise = 4.0
    return t, x + np.array([rng.gauss(0, noise) for _ in x]), y + np.array([rng.gauss(0, noise) for _ in y])


def _status(judgement) -> str:
    return TaskStatus.MISSED if judgement is None else task_status(judgement)  # the judgement service's rule


TIME_KEYS = ("start", "end", "first_fix", "last_fix", "window_start", "window_end")
EVENT_DAYS = 3  # the generated / judged history rows are written for the last days only


def _month(rng, today, sections, lines, checkpoints) -> int:
    """The last 30 days' tasks with their results; yesterday's patrols also stored as fixes and tracks."""
    yesterday = today - timedelta(days=1)
    judged_patrols = {}  # (section pk, fault) -> (track, judgement, checkpoints, exceptions in seconds)
    tasks = []
    for section in sections:
        line = lines[section.pipeline_id]
        cps = [c for c in checkpoints.get(section.pipeline_id, ()) if section.from_m <= c[4] <= section.to_m]
        required = Checkpoints.of([c[:4] for c in cps])
        start, end = WINDOW_HOURS[section.time_window]
        w0s = start.hour * 3600.0
        w1s = end.hour * 3600.0 + (86400.0 if end <= start else 0.0)
        for fault, _share in FAULTS:
            track = _track(rng, line, section, fault, w0s + rng.uniform(0, 2400))
            judgement = None
            if track is not None:
                judgement = track_judge(
                    times=track[0],
                    x=track[1],
                    y=track[2],
                    centreline=line,
                    from_m=section.from_m,
                    to_m=section.to_m,
                    mode=section.mode,
                    coverage_width_m=section.coverage_width_m,
                    checkpoints=required,
                    window=(w0s, w1s),
                    pipeline_code=section.pipeline.code,
                )
            outcome = _outcome(section, judgement, required)  # once per patrol, shared by its days
            judged_patrols[section.pk, fault] = (track, outcome)
        for back in range(MONTH_DAYS, 0, -1):
            day = today - timedelta(days=back)
            for seq in range(1, rounds_on(frequency=section.frequency, period=section.period, on=day) + 1):
                fault = rng.choices([f for f, _ in FAULTS], weights=[w for _, w in FAULTS])[0]
                tasks.append((section, day, seq, fault))
    rows = [_task_row(section, day, seq, judged_patrols[section.pk, fault][1]) for section, day, seq, fault in tasks]
    rows_insert(PatrolTask, rows)
    events, fixes, tracks, devices = [], [], [], {}
    for (section, day, _seq, fault), task in zip(tasks, rows, strict=True):
        if day >= today - timedelta(days=EVENT_DAYS):
            ends = task.judged_at - timedelta(hours=1)
            events.append(PatrolTaskEvent(task=task, at=ends - timedelta(hours=14), kind="generated"))
            events.append(PatrolTaskEvent(task=task, at=task.judged_at, kind="judged", details={"status": task.status}))
        track = judged_patrols[section.pk, fault][0]
        if day == yesterday and track is not None:
            _stored_patrol(task, section, track, yesterday, fixes, tracks, devices)
    rows_insert(PatrolTaskEvent, events)
    Device.objects.bulk_create(devices.values())
    _fixes_insert(fixes)
    rows_insert(PatrolTrack, tracks)
    from patrols.services import tasks_generate, tasks_judge_day

    # Yesterday's tasks judged again from the stored fixes by the nightly job's own service, so that judging
    # them again changes nothing (a team's patrol of a neighbouring section counts near the boundary).
    tasks_judge_day(on=yesterday)
    tasks_generate(on=today)
    return len(rows)


def _fixes_insert(fixes: list[tuple]) -> None:
    """(device_id, time, lon, lat, accuracy) rows, in one executemany (tens of thousands of fixes)."""
    from django.db import connection

    table = connection.ops.quote_name(PatrolFix._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (device_id, time, lon, lat, accuracy_m, source) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            [(d, adapt(t), lon, lat, acc, FixSource.DEVICE.value) for d, t, lon, lat, acc in fixes],
        )


def _exceptions_on(day: date, exceptions: list[dict]) -> list[dict]:
    midnight = timezone.make_aware(datetime.combine(day, time(0)))  # the patrol's times: seconds from midnight
    out = []
    for item in exceptions:
        item = dict(item)
        for key in TIME_KEYS:
            if key in item:
                item[key] = (midnight + timedelta(seconds=item[key])).isoformat(timespec="seconds")
        out.append(item)
    return out


def _outcome(section, judgement, required) -> dict:
    """Status, rates, report and exceptions (times in seconds from midnight) of one generated patrol."""
    if judgement is None:
        report = {
            "pipeline_code": section.pipeline.code,
            "from_m": section.from_m,
            "to_m": section.to_m,
            "mode": section.mode,
            "length_m": round(section.length_m, 1),
            "covered_m": 0.0,
            "coverage": 0.0,
            "uncovered": [[section.from_m, section.to_m]],
            "checkpoints_required": len(required.code),
            "checkpoints_visited": 0,
            "missed": list(required.code),
            "gaps": 0,
            "overspeed_legs": 0,
        }
        exceptions = [{"kind": "missed_checkpoint", "code": c} for c in required.code]
        exceptions.append({"kind": "uncovered", "from_m": section.from_m, "to_m": section.to_m})
        return {
            "status": TaskStatus.MISSED,
            "coverage": 0.0,
            "arrival": 0.0,
            "report": report,
            "exceptions": exceptions,
        }
    report = judgement.report()
    return {
        "status": _status(judgement),
        "coverage": report["coverage"],
        "arrival": round(judgement.arrival, 4),
        "report": report,
        "exceptions": judgement.exceptions(float),
    }


def _task_row(section, day, seq, outcome) -> PatrolTask:
    ends = _window(day, section.time_window)[1]
    return PatrolTask(
        section=section,
        date=day,
        time_window=section.time_window,
        kind=TaskKind.REGULAR,
        seq=seq,
        team_id=section.team_id,
        status=outcome["status"],
        coverage=outcome["coverage"],
        arrival=outcome["arrival"],
        report=outcome["report"],
        exceptions=_exceptions_on(day, outcome["exceptions"]),
        judged_at=ends + timedelta(hours=1),
    )


def _stored_patrol(task, section, track, day, fixes, tracks, devices) -> None:
    device_id = f"GPS-{section.code}"
    devices.setdefault(
        device_id, Device(device_id=device_id, label=f"{section.team.name} 终端", team=section.team, mode=section.mode)
    )
    t, x, y = track
    lonlat = shapely.get_coordinates(to_wgs84(np.array([shapely.LineString(np.column_stack([x, y]))], dtype=object)))
    midnight = timezone.make_aware(datetime.combine(day, time(0)))
    times = [midnight + timedelta(seconds=round(float(s))) for s in t]
    fixes += [
        (device_id, when, round(float(lon), 7), round(float(lat), 7), 8.0)
        for when, (lon, lat) in zip(times, lonlat, strict=True)
    ]
    tracks.append(
        PatrolTrack(
            device_id=device_id,
            task=task,
            section=section,
            team=section.team,
            started_at=times[0],
            ended_at=times[-1],
            mode=section.mode,
            source=FixSource.DEVICE,
            fix_count=len(times),
            length_m=round(float(shapely.LineString(np.column_stack([x, y])).length), 1),
            line=LineString([tuple(p) for p in lonlat], srid=4326),
        )
    )
