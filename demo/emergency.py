"""Valves on every demo pipeline, and a few past incidents.

Station valves stand at both ends of every pipeline (automatic or remote at
the start, remote or manual at the end). Line valves stand between them at
a spacing that mostly keeps to the valve spacing limits (GB 50251 / GB
50253: at most 7.5 km apart on gas lines whatever their location class, 24
km on oil lines) and, on the long pipelines of about one in four, leaves one
gap of 33 km (the spacing audit lists it). Oil pipelines have a valve on
each side of most of their river crossings; about one crossing in eight
lacks them (listed too). One line valve in 25 cannot be closed,
one in 20 is a check valve. Everything comes from its own random stream of
the demo's seed: the same seed and pipelines give the same valves.
"""

import random
from datetime import date, datetime, time, timedelta

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.utils import timezone

from emergency.choices import IncidentKind, IncidentLevel, IncidentSource, IncidentStepKind, ValveKind
from emergency.models import Incident, IncidentStep, Valve
from hca.loading import medium_group, single_line, to_metric, to_wgs84
from layers.choices import WaterType
from layers.models import WaterBody
from pipelines.models import Pipeline

STREAM = 4_111
GAS_SPACING_M = (4_000.0, 7_500.0)
OIL_SPACING_M = (10_000.0, 24_000.0)
LONG_GAP = {"gas": 33_000.0, "oil": 33_000.0}  # beyond every limit of its medium
CROSSING_VALVE_M = (150.0, 600.0)  # valves this far from a river's banks (GB 50253)
CROSSING_MISSED = 0.12  # the share of river crossings left without their pair of valves


def _line_kind(rng: random.Random) -> tuple[str, bool]:
    roll = rng.random()
    if roll < 0.05:
        return ValveKind.CHECK, True
    kind = ValveKind.REMOTE if roll < 0.45 else ValveKind.AUTOMATIC if roll < 0.6 else ValveKind.MANUAL
    return kind, rng.random() >= 0.04


def _chainages(rng: random.Random, length: float, group: str, long_gap: bool) -> list[float]:
    low, high = GAS_SPACING_M if group == "gas" else OIL_SPACING_M
    out, at = [], 0.0
    gap_at = rng.uniform(0.05, 0.3) * length if long_gap and length > LONG_GAP[group] + low else None
    while True:
        step = rng.uniform(low, high)
        if gap_at is not None and at + step > gap_at:
            step, gap_at = LONG_GAP[group], None
        at += step
        if at > length - low / 2:
            return out
        out.append(round(at, 1))


def _river_valves(rng: random.Random, line: shapely.LineString, rivers) -> list[float]:
    """A valve on each side of most river crossings of an oil pipeline."""
    out = []
    for river in rivers:
        if not river.intersects(line):
            continue
        crossing = shapely.get_coordinates(line.intersection(river))
        if not len(crossing) or rng.random() < CROSSING_MISSED:
            continue
        chain = [line.project(shapely.Point(c)) for c in crossing]
        before, after = min(chain) - rng.uniform(*CROSSING_VALVE_M), max(chain) + rng.uniform(*CROSSING_VALVE_M)
        out += [round(c, 1) for c in (before, after) if 0 < c < line.length]
    return out


def demo_valves_build(*, seed: int) -> int:
    rng = random.Random(seed * 7 + STREAM)
    pipelines = list(Pipeline.objects.order_by("code"))
    routes = to_metric(np.array([shapely.from_wkb(bytes(p.route.wkb)) for p in pipelines], dtype=object))
    water = WaterBody.objects.filter(water_type=WaterType.RIVER).order_by("pk")
    rivers = to_metric(np.array([shapely.from_wkb(bytes(w.geom.wkb)) for w in water], dtype=object))
    rows, points = [], []
    for pipeline, route in zip(pipelines, routes, strict=True):
        line = single_line(route)
        group = medium_group(pipeline.medium) or "oil"
        line_valves = _chainages(rng, line.length, group, rng.random() < 0.25)
        if group == "oil":
            line_valves = sorted({*line_valves, *_river_valves(rng, line, rivers)})
        chainages = [0.0, *line_valves, round(line.length, 1)]
        for k, chainage in enumerate(chainages, start=1):
            if k == 1:
                kind, operable = rng.choice([ValveKind.AUTOMATIC, ValveKind.REMOTE]), True
            elif k == len(chainages):
                kind, operable = rng.choice([ValveKind.REMOTE, ValveKind.MANUAL]), True
            else:
                kind, operable = _line_kind(rng)
            station = k in (1, len(chainages))
            name = ("首站截断阀" if k == 1 else "末站截断阀") if station else f"{k - 1}号线路截断阀"
            rows.append((f"V-{pipeline.code}-{k:02d}", name, pipeline, kind, operable, min(chainage, line.length)))
            points.append(line.interpolate(min(chainage, line.length)))
    wgs84 = to_wgs84(np.array(points, dtype=object))
    Valve.objects.bulk_create(
        [
            Valve(
                code=code,
                name=name,
                pipeline=pipeline,
                kind=kind,
                operable=operable,
                chainage_m=chainage,
                offset_m=0.0,
                location=Point(p.x, p.y, srid=4326),
            )
            for (code, name, pipeline, kind, operable, chainage), p in zip(rows, wgs84, strict=True)
        ],
        batch_size=500,
    )
    return len(rows)


INCIDENTS = (
    # (days before today, hour, kind, level, source, reporter, description, steps: (step, minutes after))
    (
        64,
        9,
        IncidentKind.THEFT_TAP,
        IncidentLevel.IV,
        IncidentSource.COMPANY,
        "巡线工 王立新",
        "巡线发现管道上方新近回填土，开挖见打孔盗油阀门一处，已渗油。",
        ((IncidentStepKind.VALVES_CLOSED, 40), (IncidentStepKind.LEAK_STOPPED, 95), (IncidentStepKind.CLOSED, 300)),
    ),
    (
        23,
        15,
        IncidentKind.LEAK,
        IncidentLevel.III,
        IncidentSource.PLATFORM,
        "网格员 刘敏",
        "村民反映麦田内有油气味，地面可见油迹。",
        (
            (IncidentStepKind.VALVES_CLOSED, 35),
            (IncidentStepKind.LEAK_STOPPED, 150),
            (IncidentStepKind.AREA_CLEARED, 420),
            (IncidentStepKind.CLOSED, 1440),
        ),
    ),
    (
        1,
        7,
        IncidentKind.LEAK,
        IncidentLevel.IV,
        IncidentSource.INSPECTOR,
        "",
        "第三方施工挖掘机碰伤管道防腐层，疑似微渗，已设警戒。",
        (),
    ),
)


def demo_incidents_build(*, seed: int, today: date, actor) -> int:
    """A few past incidents on the demo network, with their time lines (the last one still open)."""
    from emergency.services import incident_report, incident_step_record

    rng = random.Random(seed * 11 + STREAM)
    valves = list(
        Valve.objects.filter(kind=ValveKind.REMOTE, name__contains="线路").select_related("pipeline").order_by("code")
    )
    for days, hour, kind, level, source, reporter, description, steps in INCIDENTS:
        valve = rng.choice(valves)
        line = single_line(to_metric(np.array([shapely.from_wkb(bytes(valve.pipeline.route.wkb))], dtype=object))[0])
        chainage = min(valve.chainage_m + rng.uniform(300, 900), line.length - 1)
        p = to_wgs84(np.array([line.interpolate(chainage)], dtype=object))[0]
        occurred = timezone.make_aware(datetime.combine(today - timedelta(days=days), time(hour)))
        incident = incident_report(
            kind=kind,
            level=level,
            source=source,
            location=Point(p.x, p.y, srid=4326),
            occurred_at=occurred,
            reported_at=occurred + timedelta(minutes=8),
            description=description,
            reporter=reporter,
            actor=actor,
        )
        for step, minutes in steps:
            incident_step_record(incident=incident, kind=step, actor=actor, at=occurred + timedelta(minutes=minutes))
    return Incident.objects.count()


def demo_emergency_delete() -> None:
    from emergency.models import CountyContact

    CountyContact.objects.all().delete()
    demo_preparedness_delete()  # drills protect their simulated incidents
    IncidentStep.objects.all().delete()
    Incident.objects.all().delete()
    Valve.objects.all().delete()


COUNTIES = ("东营区", "河口区", "垦利区", "利津县", "广饶县")
PLAN_TITLES = (
    ("comprehensive", "生产安全事故综合应急预案"),
    ("special", "管道泄漏及火灾爆炸专项应急预案"),
    ("onsite", "输油气站场泄漏现场处置方案"),
)
DRILL_SCENARIOS = {
    "comprehensive": "管道第三方施工挖断引发泄漏着火,启动公司级综合应急响应,联动消防、医疗和属地政府。",
    "special": "穿越河流段管道腐蚀穿孔泄漏,关断上下游阀门,围油栏拦截,检测水体。",
    "onsite": "站场阀门法兰泄漏,岗位人员关阀、报警、警戒、堵漏。",
}


def demo_preparedness_build(*, seed: int, today: date) -> int:
    """Plans and drills for every company, mostly in order: the second company's comprehensive plan is past its
    3-year review, the third's last on-site drill was 8 months ago, the fourth's special plan is not yet filed.
    The overdue flags are then computed as the nightly run would."""
    from companies.models import OperatingCompany
    from emergency.models import Drill, EmergencyPlan
    from emergency.plan_services import preparedness_flags_sync

    rng = random.Random(seed * 13 + STREAM)
    plans, drills = [], []
    for index, company in enumerate(OperatingCompany.objects.order_by("pk")):
        county = COUNTIES[index % len(COUNTIES)]
        for kind, title in PLAN_TITLES:
            effective = today - timedelta(days=rng.randint(200, 900))
            reviewed = None
            if index == 1 and kind == "comprehensive":
                effective = today - timedelta(days=365 * 4)
                reviewed = today - timedelta(days=365 * 3 + 40)
            filed = None if index == 3 and kind == "special" else effective + timedelta(days=rng.randint(5, 20))
            plans.append(
                EmergencyPlan(
                    company=company,
                    kind=kind,
                    title=f"{company.short_name}{title}",
                    effective_on=effective,
                    last_reviewed_on=reviewed,
                    filed_on=filed,
                    filed_with=f"东营市{county}应急管理局" if filed else "",
                )
            )
        major = today - timedelta(days=rng.randint(30, 300))
        onsite = [today - timedelta(days=rng.randint(20, 150)), today - timedelta(days=rng.randint(190, 330))]
        if index == 2:
            onsite = [today - timedelta(days=245)]  # about 8 months: overdue
        kinds = [("comprehensive" if index % 2 else "special", major), *[("onsite", d) for d in onsite]]
        for kind, held in kinds:
            drills.append(
                Drill(
                    company=company,
                    kind=kind,
                    held_on=held,
                    scenario=DRILL_SCENARIOS[kind],
                    participants="生产运行部、管道巡护队、站场值班人员、属地消防救援站",
                    participant_count=rng.randint(12, 60),
                )
            )
    for plan in plans:
        plan.full_clean()
    EmergencyPlan.objects.bulk_create(plans)
    saved = EmergencyPlan.objects.order_by("pk")
    by_company = {}
    for plan in saved:
        by_company.setdefault((plan.company_id, plan.kind), plan)
    for drill in drills:
        drill.plan = by_company.get((drill.company_id, drill.kind))
    Drill.objects.bulk_create(drills)
    preparedness_flags_sync(today=today)
    return len(plans) + len(drills)


def demo_preparedness_delete() -> None:
    from emergency.models import Drill, EmergencyPlan, PreparednessFlag

    PreparednessFlag.objects.all().delete()
    Drill.objects.all().delete()
    EmergencyPlan.objects.all().delete()


# Dongying's districts and counties, as rough boxes over the demo city (west to east, north to south).
COUNTIES = (
    ("利津县", (118.15, 37.45, 118.55, 38.05), "利津县应急管理局值班室", "0546-5620110"),
    ("河口区", (118.55, 37.75, 119.15, 38.05), "河口区应急管理局值班室", "0546-3660110"),
    ("垦利区", (118.55, 37.45, 119.15, 37.75), "垦利区应急管理局值班室", "0546-2520110"),
    ("东营区", (118.15, 37.20, 119.15, 37.45), "东营区应急管理局值班室", "0546-8330110"),
    ("广饶县", (118.15, 36.95, 119.15, 37.20), "广饶县应急管理局值班室", "0546-6440110"),
)


def demo_county_contacts_build() -> int:
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from emergency.models import CountyContact

    if CountyContact.objects.exists():
        return 0
    CountyContact.objects.bulk_create(
        [
            CountyContact(
                county=county,
                name="值班员",
                role=role,
                phone=phone,
                area=MultiPolygon(Polygon.from_bbox(box), srid=4326),
            )
            for county, box, role, phone in COUNTIES
        ]
    )
    return len(COUNTIES)
