"""The demo city's security register: three dozen theft incidents over the last year on oil pipelines, with
exactly one active hotspot (four taps within 300 m in the last two months) and one cooled one (three taps
half a year ago), their life cycles, three police cases, one link to an emergency incident, and refinery
points with their re-checks (one found working again: 死灰复燃). Made through the services, from the demo's
seed: the same seed and pipelines give the same register.

Away from the two hotspots, each incident has a pipeline of its own, except three repeat sites where a tap
comes back more than 90 days after the first (repeat locations without a hotspot).
"""

import random
from datetime import date, timedelta

from django.contrib.gis.geos import Point

from pipelines.chainage import pipeline_point_at
from pipelines.models import OIL_MEDIA, Pipeline

STREAM = 5_303
SCATTERED = 24
REPEATS = 3
FOUND_HOW = ["patrol"] * 5 + ["pressure_drop"] * 2 + ["leak_detection", "video", "tip_off"]
TAP_KINDS = ["valve"] * 4 + ["clamp"] * 3 + ["welded", "drilled", "drilled"]
PATH = ["sealed", "reported", "filed", "solved", "prosecuted", "closed"]
# (days before today, chainage offset in m) of the active hotspot and of the cooled one.
ACTIVE = ((58, 0.0), (41, 180.0), (20, 90.0), (6, 290.0))
COOLED = ((230, 0.0), (205, 350.0), (190, 120.0))
REFINERIES = (
    # kind, (lon, lat), days found before today, days shut after found (None: still working), name
    ("still", (118.42, 37.82), 320, 6, "利津县北宋镇土炼油炉"),
    ("storage", (118.83, 37.90), 280, 3, "河口区义和镇储油点"),
    ("buying_point", (118.95, 37.58), 250, 10, "垦利区永安镇收油点"),
    ("fuel_stall", (118.60, 37.35), 200, 2, "东营区牛庄镇流动加油点"),
    ("still", (118.35, 37.10), 150, 5, "广饶县大王镇土炼油炉"),
    ("storage", (118.70, 37.70), 90, 4, "垦利区胜坨镇储油点"),
    ("still", (118.50, 37.60), 40, 3, "利津县陈庄镇土炼油炉"),
    ("buying_point", (119.00, 37.85), 12, None, "河口区新户镇收油点"),
)


def _pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.filter(medium__in=OIL_MEDIA, length_m__gt=4_000).order_by("code"))


def _steps(rng, incident, found_on: date, today: date, actor, cases) -> None:
    from security.services import theft_step

    age = (today - found_on).days
    # Older incidents are further along; about one in six reported ones gets no case filed.
    reach = min(len(PATH), max(0, int(age / 40) + rng.randint(0, 1)))
    day = found_on
    for index, status in enumerate(PATH[:reach]):
        if status == "filed" and rng.random() < 0.18:
            day = min(day + timedelta(days=rng.randint(3, 10)), today)
            theft_step(incident=incident, to_status="not_filed", on=day, actor=actor, today=today)
            if age > 150:
                theft_step(
                    incident=incident,
                    to_status="closed",
                    on=min(day + timedelta(days=20), today),
                    actor=actor,
                    today=today,
                )
            return
        day = min(day + timedelta(days=1 if index == 0 else rng.randint(2, 25)), today)
        case = cases.get(incident.pk) if status == "filed" else None
        theft_step(incident=incident, to_status=status, on=day, actor=actor, police_case=case, today=today)


def demo_security_build(*, seed: int, today: date, actor) -> int:
    """Theft incidents, police cases, refinery points and their re-checks. Returns the number of incidents."""
    from security.models import TheftIncident
    from security.refinery import refinery_recheck_record, refinery_rechecks_raise, refinery_record, refinery_shut
    from security.services import police_case_create, theft_emergency_link, theft_record

    rng = random.Random(seed * 13 + STREAM)
    pipes = _pipelines()
    rng.shuffle(pipes)
    hot, cooled, scattered = pipes[0], pipes[1], pipes[2 : 2 + SCATTERED]
    made = []

    def tap(pipeline, chainage, days_ago, **kwargs):
        found_on = today - timedelta(days=days_ago)
        tapped = found_on - timedelta(days=rng.randint(1, 40)) if rng.random() < 0.7 else None
        incident = theft_record(
            pipeline=pipeline,
            location=pipeline_point_at(pipeline=pipeline, chainage_m=chainage),
            found_on=found_on,
            found_how=kwargs.get("found_how") or rng.choice(FOUND_HOW),
            tap_kind=rng.choice(TAP_KINDS),
            tapped_on=tapped,
            volume_lost_t=round(rng.uniform(0.2, 12.0), 2),
            shutdown_hours=round(rng.uniform(1, 30), 1),
            repair=rng.choice(["打卡子封堵后换管", "焊接补强", "清除阀门后补焊"]),
            cost_yuan=round(rng.uniform(8_000, 180_000), 2),
            description=kwargs.get("description", ""),
            actor=actor,
            today=today,
        )
        made.append(incident)
        return incident

    base = rng.uniform(2_000, max(2_001, hot.length_m - 3_000))
    for days, offset in ACTIVE:
        tap(hot, base + offset, days, found_how="patrol" if days > 30 else None, description="热点区段")
    base = rng.uniform(2_000, max(2_001, cooled.length_m - 3_000))
    for days, offset in COOLED:
        tap(cooled, base + offset, days)
    for index, pipeline in enumerate(scattered):
        chainage = rng.uniform(300, pipeline.length_m - 300)
        days = rng.randint(200, 360) if index < REPEATS else rng.randint(5, 360)
        first = tap(pipeline, chainage, days)
        if index < REPEATS:  # the tap comes back at the same place, more than 90 days later
            tap(pipeline, first.chainage_m + rng.uniform(-250, 250), days - rng.randint(120, 180))

    # Three police cases: the cooled hotspot's gang, and two of the older scattered ones.
    old = sorted((i for i in made if i.pipeline_id != hot.pk), key=lambda i: i.found_on)
    gang = [i for i in made if i.pipeline_id == cooled.pk]
    singles = [i for i in old if i.pipeline_id != cooled.pk][:4]
    cases = {}
    for number, (unit, charge, covered, suspects) in enumerate(
        [
            ("东营市公安局油区治安分局", "盗窃罪", gang, "王某某\n赵某某\n孙某"),
            ("利津县公安局", "破坏易燃易爆设备罪", singles[:2], "刘某"),
            ("河口区公安分局", "盗窃罪", singles[2:4], "陈某某\n周某"),
        ],
        start=1,
    ):
        opened = max(i.found_on for i in covered) + timedelta(days=10)
        case = police_case_create(
            number=f"东公(油)立字〔{opened.year}〕{100 + number}号",
            unit=unit,
            charge=charge,
            opened_on=opened,
            suspects=suspects,
            suspect_count=len(suspects.splitlines()),
        )
        cases.update({i.pk: case for i in covered})
    for incident in made:
        _steps(rng, incident, incident.found_on, today, actor, cases)

    # The demo's drilled-tap emergency incident, if any, is linked to the theft incident nearest to it.
    from emergency.models import Incident

    for emergency in Incident.objects.filter(kind="theft_tap", is_drill=False).order_by("pk")[:1]:
        nearest = min(made, key=lambda i: i.location.distance(emergency.location))
        theft_emergency_link(incident=nearest, emergency_incident=emergency, actor=actor)

    # Refinery points: found, most shut; re-checks raised as the daily job would have; one comes back.
    points = []
    for kind, (lon, lat), found_days, shut_after, name in REFINERIES:
        found_on = today - timedelta(days=found_days)
        point = refinery_record(
            kind=kind, found_on=found_on, location=Point(lon, lat, srid=4326), name=name, actor=actor, today=today
        )
        if shut_after is not None:
            refinery_shut(
                point=point, on=found_on + timedelta(days=shut_after), by="联合执法组", actor=actor, today=today
            )
        points.append(point)
    refinery_rechecks_raise(today=today)
    from security.models import RefineryRecheck

    for recheck in RefineryRecheck.objects.select_related("point").order_by("due_on", "pk"):
        recheck.refresh_from_db()
        if recheck.result or recheck.due_on > today - timedelta(days=10):
            continue  # superseded by a recurrence, or raised recently: still to do
        came_back = recheck.point.name == REFINERIES[1][4] and recheck.offset_days == 90
        refinery_recheck_record(
            recheck=recheck,
            working=came_back,
            on=recheck.due_on + timedelta(days=2),
            checked_by="属地巡护队",
            actor=actor,
            today=today,
        )
    return TheftIncident.objects.count()


def demo_security_delete() -> None:
    from security.models import PoliceCase, RefineryPoint, TheftIncident

    TheftIncident.objects.all().delete()
    PoliceCase.objects.all().delete()
    RefineryPoint.objects.all().delete()
