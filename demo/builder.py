"""Deterministic demo city: 28 companies, 161 pipelines, 3 campaigns,
several hundred hazards in every state.

Same ``seed`` and ``today`` give the same data. Dates are relative to
``today`` so that the demo always has open, overdue and closed work.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import COMPANY_STAFF, INSPECTOR, MANAGER, roles_sync
from common.gis import WGS84, length_m, to_metric, transformed
from companies.models import OperatingCompany
from companies.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from demo import names
from hazards.choices import AcceptanceOutcome, HazardCategory, HazardLevel, HazardSource, HazardStatus
from hazards.models import Hazard, HazardCodeSequence, HazardTransition, Rectification, TransitionAction
from hazards.services import hazard_codes_reserve
from inspections.models import (
    CampaignKind,
    CampaignStatus,
    ChecklistResult,
    CheckResult,
    InspectionCampaign,
    InspectionRecord,
)
from pipelines.models import Medium, Pipeline, PipelineStatus
from standards.models import NormClause

COMPANY_COUNT = 28
PIPELINE_COUNT = 161
HAZARD_COUNT = 420
# The city's extent (WGS84): about 118.1–119.2°E, 36.9–38.1°N.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 118.15, 119.15, 36.95, 38.05
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = 111.0 * math.cos(math.radians(37.5))
DEMO_PASSWORD = "Demo@2026"
DEADLINE_DAYS = {HazardLevel.GENERAL: 30, HazardLevel.MAJOR: 90}


@dataclass
class DemoSummary:
    companies: int
    pipelines: int
    campaigns: int
    inspections: int
    hazards: int
    rectifications: int
    created: bool


def demo_present() -> bool:
    return Pipeline.objects.filter(code__startswith="DY-").count() >= PIPELINE_COUNT


@transaction.atomic
def demo_reset() -> None:
    """Remove all domain data (not users, norms or settings)."""
    from demo.construction import demo_construction_delete
    from demo.emergency import demo_emergency_delete
    from demo.layers import demo_layers_delete
    from demo.security import demo_security_delete
    from demo.video import demo_video_delete
    from escalations.models import DeadlineReminder, Escalation, EscalationNumberSequence

    demo_video_delete()  # alarms protect their cameras, hazards and incidents
    demo_construction_delete()  # applications protect their companies
    demo_security_delete()  # theft incidents protect their pipelines and emergency incidents' links
    demo_emergency_delete()  # incidents protect their pipelines
    _patrols_delete()  # teams protect their companies
    demo_layers_delete()  # GIS layers, HCA results and encroachments (which protect their hazards)
    DeadlineReminder.objects.all().delete()
    Escalation.objects.all().delete()
    EscalationNumberSequence.objects.all().delete()
    HazardTransition.objects.all().purge()
    Rectification.objects.all().delete()
    Hazard.objects.all().delete()
    HazardCodeSequence.objects.all().delete()
    InspectionRecord.objects.all().delete()
    InspectionCampaign.objects.all().delete()
    Pipeline.objects.all().delete()
    User.objects.filter(company__isnull=False).delete()
    OperatingCompany.objects.all().delete()


@transaction.atomic
def demo_build(*, today: date, seed: int = 2026) -> DemoSummary:
    if demo_present():
        _emergency_if_missing(seed, today)
        _patrols_if_missing(seed, today)
        _field_users()
        return _summary(created=False)
    if not NormClause.objects.exists():
        raise RuntimeError("Load the work norms first: manage.py loaddata work_norms")
    rng = random.Random(seed)
    users = _users()
    companies = _companies(rng)
    users[COMPANY_STAFF] = _company_staff(companies)
    pipelines = _pipelines(rng, companies)
    campaigns = _campaigns(rng, today, companies, pipelines, users)
    records = _inspections(rng, today, campaigns, pipelines, users)
    _hazards(rng, today, companies, pipelines, campaigns, records, users)
    _layers(seed, users, today)
    _patrols_if_missing(seed, today)
    _field_users()
    return _summary(created=True)


def _layers(seed: int, users, today: date) -> None:
    """The city's GIS layers, and a first HCA identification from them."""
    from demo.layers import demo_hca_identify, demo_layers_build

    demo_layers_build(seed=seed)
    demo_hca_identify(actor=users[INSPECTOR][0])
    _emergency(seed, today, users)


def _emergency_if_missing(seed: int, today: date) -> None:
    """A demo city built before valves existed gets its valves and incidents."""
    from emergency.models import Valve

    if not Valve.objects.exists():
        _emergency(seed, today, {INSPECTOR: [User.objects.get(username="inspector1")]})
    from demo.emergency import demo_county_contacts_build

    demo_county_contacts_build()
    _preparedness_if_missing(seed, today)
    _security_if_missing(seed, today)
    _construction_if_missing(seed, today)
    _video_if_missing(seed, today)


def _video_if_missing(seed: int, today: date) -> None:
    """The video pilot: pilot HCA segments, cameras along them, a stream of alarms (once)."""
    from demo.video import demo_video_build
    from video.models import Camera

    if not Camera.objects.exists():
        demo_video_build(seed=seed, today=today, actor=User.objects.get(username="inspector1"))


def _emergency(seed: int, today: date, users) -> None:
    """Valves on every pipeline, and a few past incidents."""
    from demo.emergency import demo_county_contacts_build, demo_incidents_build, demo_valves_build

    demo_county_contacts_build()
    demo_valves_build(seed=seed)
    demo_incidents_build(seed=seed, today=today, actor=users[INSPECTOR][0])
    _preparedness_if_missing(seed, today)
    _security_if_missing(seed, today)
    _construction_if_missing(seed, today)
    _video_if_missing(seed, today)


def _preparedness_if_missing(seed: int, today: date) -> None:
    """Emergency plans and drills of every company, and their overdue flags (once)."""
    from demo.emergency import demo_preparedness_build
    from emergency.models import EmergencyPlan

    if not EmergencyPlan.objects.exists():
        demo_preparedness_build(seed=seed, today=today)


def _construction_if_missing(seed: int, today: date) -> None:
    """Contractors and third-party construction applications in every state (once)."""
    from construction.models import Application
    from demo.construction import demo_construction_build

    if not Application.objects.exists():
        demo_construction_build(seed=seed, today=today, actor=User.objects.get(username="inspector1"))


def _security_if_missing(seed: int, today: date) -> None:
    """Theft incidents, police cases and refinery points with their re-checks (once)."""
    from demo.security import demo_security_build
    from security.models import TheftIncident

    if not TheftIncident.objects.exists():
        demo_security_build(seed=seed, today=today, actor=User.objects.get(username="inspector1"))


def _patrols_if_missing(seed: int, today: date) -> None:
    """Patrol teams, agreements, sections, checkpoints and a month of judged patrols (demo/patrols.py), once."""
    from demo.patrols import demo_patrols_build

    demo_patrols_build(seed=seed, today=today)


def _patrols_delete() -> None:
    from demo.patrols import demo_patrols_delete

    demo_patrols_delete()


def _summary(*, created: bool) -> DemoSummary:
    return DemoSummary(
        companies=OperatingCompany.objects.count(),
        pipelines=Pipeline.objects.count(),
        campaigns=InspectionCampaign.objects.count(),
        inspections=InspectionRecord.objects.count(),
        hazards=Hazard.objects.count(),
        rectifications=Rectification.objects.count(),
        created=created,
    )


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _users() -> dict[str, list[User]]:
    groups = roles_sync()
    people = {
        "admin": ("admin", "系统", "管理员"),
        INSPECTOR: [("inspector1", "张", "建国"), ("inspector2", "李", "海涛"), ("inspector3", "王", "丽娟")],
        MANAGER: [("manager", "刘", "志强")],
    }
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "last_name": "系统", "first_name": "管理员"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    result = {"admin": [admin]}
    for role in (INSPECTOR, MANAGER):
        result[role] = []
        for username, last, first in people[role]:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "last_name": last, "first_name": first}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if role in groups:
                user.groups.add(groups[role])
            result[role].append(user)
    return result


def _company_staff(companies: list[OperatingCompany]) -> dict[int, User]:
    """One staff account per company: company01 … company28, in the order of the company list."""
    group = roles_sync().get(COMPANY_STAFF)
    staff = {}
    for index, company in enumerate(companies, start=1):
        user, created = User.objects.get_or_create(
            username=f"company{index:02d}",
            defaults={
                "is_staff": True,
                "company": company,
                "last_name": company.contact_person[:1],
                "first_name": company.contact_person[1:],
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if group is not None:
            user.groups.add(group)
        staff[company.pk] = user
    return staff


def _credit_code(rng: random.Random) -> str:
    body = "91" + rng.choice(names.DISTRICT_CODES) + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def _person(rng: random.Random) -> str:
    return rng.choice(names.SURNAMES) + rng.choice(names.GIVEN_NAMES)


def _mobile(rng: random.Random) -> str:
    return rng.choice(["135", "138", "139", "150", "158", "186", "187"]) + f"{rng.randrange(10**8):08d}"


def _companies(rng: random.Random) -> list[OperatingCompany]:
    companies = []
    for index, core in enumerate(names.COMPANY_CORES[:COMPANY_COUNT]):
        prefix = names.COMPANY_PREFIXES[index % len(names.COMPANY_PREFIXES)]
        suffix, short_suffix = names.COMPANY_SUFFIXES[index % len(names.COMPANY_SUFFIXES)]
        companies.append(
            OperatingCompany(
                name=f"{prefix}{core}{suffix}",
                short_name=f"{core}{short_suffix}",
                credit_code=_credit_code(rng),
                contact_person=_person(rng),
                contact_phone=_mobile(rng),
                address=f"山东省东营市{rng.choice(names.DISTRICT_ADDRESSES)}{rng.randint(1, 480)}号",
            )
        )
    for company in companies:
        company.full_clean()
    return OperatingCompany.objects.bulk_create(companies)


def _route(rng: random.Random, long_distance: bool) -> tuple[MultiLineString, str, str]:
    """A plausible route: between two stations, or a gathering line out of one.

    Trunk lines run station to station; field lines leave a station in some
    direction. Both meander gently (a smooth lateral offset that vanishes at
    the ends) and are kept inside the city.
    """
    start_name, *start = rng.choice(names.HUBS)
    if long_distance:
        end_name, *end = rng.choice([h for h in names.HUBS if 8 < _km(start, h[1:]) < 50])
    else:
        end_name = rng.choice(names.PLACES)
        bearing = rng.uniform(0, 2 * math.pi)
        reach = rng.uniform(3, 22)
        end = (
            start[0] + reach * math.cos(bearing) / KM_PER_DEG_LON,
            start[1] + reach * math.sin(bearing) / KM_PER_DEG_LAT,
        )
    length_km = _km(start, end)
    steps = max(int(length_km / 0.8), 4)
    waves = [(rng.uniform(-0.08, 0.08) * length_km, rng.randint(1, 3), rng.uniform(0, math.pi)) for _ in range(2)]
    # Unit vector across the line, in km.
    dx, dy = (end[0] - start[0]) * KM_PER_DEG_LON, (end[1] - start[1]) * KM_PER_DEG_LAT
    nx, ny = -dy / length_km, dx / length_km
    points = []
    for i in range(steps + 1):
        t = i / steps
        offset = math.sin(math.pi * t) * sum(a * math.sin(k * math.pi * t + phase) for a, k, phase in waves)
        offset += rng.gauss(0, 0.05) if 0 < i < steps else 0
        lon = start[0] + t * (end[0] - start[0]) + offset * nx / KM_PER_DEG_LON
        lat = start[1] + t * (end[1] - start[1]) + offset * ny / KM_PER_DEG_LAT
        points.append((round(min(max(lon, LON_MIN), LON_MAX), 6), round(min(max(lat, LAT_MIN), LAT_MAX), 6)))
    return MultiLineString(LineString(points, srid=WGS84), srid=WGS84), start_name, end_name


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot((a[0] - b[0]) * KM_PER_DEG_LON, (a[1] - b[1]) * KM_PER_DEG_LAT)


_GAS_DIAMETERS = [114.3, 159.0, 219.1, 273.0, 323.9, 406.4, 508.0, 610.0, 711.0, 813.0, 1016.0]
_OIL_DIAMETERS = [114.0, 159.0, 219.0, 273.0, 325.0, 377.0, 426.0, 508.0]
_MEDIUM_WEIGHTS = [
    (Medium.CRUDE_OIL, 45),
    (Medium.NATURAL_GAS, 35),
    (Medium.REFINED_OIL, 10),
    (Medium.OIL_GAS_MIXTURE, 6),
    (Medium.LPG, 2),
    (Medium.PRODUCED_WATER, 2),
]


def _pipelines(rng: random.Random, companies: list[OperatingCompany]) -> list[Pipeline]:
    # Uneven shares, as in a real city: a few large operators, many small ones.
    weights = [rng.paretovariate(2.0) for _ in companies]
    owners = list(companies)  # every company operates at least one pipeline
    owners += rng.choices(companies, weights=weights, k=PIPELINE_COUNT - len(companies))
    rng.shuffle(owners)
    media, media_weights = zip(*_MEDIUM_WEIGHTS, strict=True)
    sequence = dict.fromkeys(names.MEDIUM_CODES.values(), 0)
    pipelines = []
    for owner in owners:
        medium = rng.choices(media, weights=media_weights)[0]
        is_gas = medium == Medium.NATURAL_GAS
        diameter = rng.choice(_GAS_DIAMETERS if is_gas else _OIL_DIAMETERS)
        wall = round(min(max(diameter * rng.uniform(0.015, 0.025), 4.0), 20.0), 1)
        if is_gas:
            maop = rng.choice([1.6, 2.5, 4.0, 6.3, 7.0, 8.0, 10.0] if diameter >= 406 else [0.4, 0.8, 1.6, 2.5, 4.0])
        else:
            maop = rng.choice([1.6, 2.5, 4.0, 6.3])
        material = "X70" if diameter >= 610 else ("L360" if diameter >= 273 else rng.choice(["L245", "20#", "L290"]))
        prefix = names.MEDIUM_CODES[medium]
        sequence[prefix] += 1
        status = rng.choices(list(PipelineStatus), weights=[90, 7, 3])[0]
        route, start, end = _route(rng, long_distance=diameter >= 406 or rng.random() < 0.15)
        pipelines.append(
            Pipeline(
                code=f"DY-{prefix}-{sequence[prefix]:03d}",
                name=f"{start}{rng.choice(names.STATIONS)}至{end}{rng.choice(names.STATIONS)}"
                f"{names.MEDIUM_NAMES[medium]}管道",
                company=owner,
                medium=medium,
                outer_diameter_mm=diameter,
                wall_thickness_mm=wall,
                material=material,
                maop_mpa=maop,
                commissioned_on=date(rng.randint(1986, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                status=status,
                route=route,
                length_m=length_m(route),
            )
        )
    return Pipeline.objects.bulk_create(pipelines)


def _campaigns(rng, today, companies, pipelines, users) -> list[InspectionCampaign]:
    inspectors = users[INSPECTOR]
    plans = [
        ("春季油气管道安全隐患大排查大整治集中行动", CampaignKind.SCHEDULED, -200, -140, CampaignStatus.COMPLETED, 28),
        ("汛期油气管道安全专项检查", CampaignKind.UNSCHEDULED, -120, -95, CampaignStatus.COMPLETED, 12),
        ("打孔盗油与占压专项整治行动", CampaignKind.SCHEDULED, -45, 45, CampaignStatus.IN_PROGRESS, 18),
    ]
    campaigns = []
    for index, (title, kind, start, end, status, company_count) in enumerate(plans):
        start_date = today + timedelta(days=start)
        campaign = InspectionCampaign.objects.create(
            name=f"{start_date.year}年{title}",
            kind=kind,
            start_date=start_date,
            end_date=today + timedelta(days=end),
            lead_inspector=inspectors[index % len(inspectors)],
            status=status,
            description="对全市油气管道及管道企业开展排查整治,依据油气管道保护标准化工作规范逐项检查。",
        )
        scope = companies if company_count >= len(companies) else rng.sample(companies, company_count)
        campaign.companies.set(scope)
        campaigns.append(campaign)
    return campaigns


def _inspections(rng, today, campaigns, pipelines, users) -> dict[tuple[int, int], InspectionRecord]:
    clauses = list(NormClause.objects.order_by("pk"))
    by_company = _pipelines_by_company(pipelines)
    records = {}
    for campaign in campaigns:
        last_day = min(campaign.end_date, campaign.start_date + timedelta(days=60), today - timedelta(days=10))
        span = max((last_day - campaign.start_date).days, 1)
        for company in campaign.companies.order_by("pk"):
            pipeline = rng.choice(by_company[company.pk])
            records[(campaign.pk, company.pk)] = InspectionRecord(
                campaign=campaign,
                company=company,
                pipeline=pipeline,
                inspector=rng.choice(users[INSPECTOR]),
                inspected_on=campaign.start_date + timedelta(days=rng.randrange(span)),
                location=Point(pipeline.route[0][0], srid=WGS84),
                summary="现场检查管道巡护、标识、第三方施工及台账资料。",
            )
    InspectionRecord.objects.bulk_create(records.values())
    results = []
    for record in records.values():
        for clause in rng.sample(clauses, 8):
            outcome = rng.choices(list(CheckResult), weights=[70, 20, 10])[0]
            note = "现场抽查发现问题,已列入隐患清单。" if outcome == CheckResult.FAIL else ""
            results.append(ChecklistResult(record=record, clause=clause, result=outcome, note=note))
    ChecklistResult.objects.bulk_create(results)
    return records


def _pipelines_by_company(pipelines):
    by_company: dict[int, list[Pipeline]] = {}
    for pipeline in pipelines:
        by_company.setdefault(pipeline.company_id, []).append(pipeline)
    return by_company


_CATEGORY_WEIGHTS = {
    HazardCategory.ENCROACHMENT: 16,
    HazardCategory.INSUFFICIENT_DISTANCE: 12,
    HazardCategory.THIRD_PARTY_CONSTRUCTION: 14,
    HazardCategory.OIL_THEFT: 7,
    HazardCategory.ILLEGAL_REFINERY: 3,
    HazardCategory.CROSSING: 8,
    HazardCategory.CORROSION: 10,
    HazardCategory.MISSING_MARKER: 14,
    HazardCategory.GEOLOGICAL: 4,
    HazardCategory.MANAGEMENT: 8,
    HazardCategory.OTHER: 4,
}
_SOURCE_WEIGHTS = {
    HazardSource.INSPECTION: 55,
    HazardSource.PATROL: 18,
    HazardSource.SELF_REPORT: 10,
    HazardSource.CITY_PLATFORM: 12,
    HazardSource.GIS_ANALYSIS: 5,
}


def _point_near(rng, pipeline: Pipeline, metric_routes: dict) -> tuple[Point, float]:
    metric = metric_routes.get(pipeline.pk)
    if metric is None:
        metric = metric_routes[pipeline.pk] = to_metric(pipeline.route)
    chainage = rng.uniform(0, metric.length)
    on_line = metric.interpolate(chainage)
    offset = Point(on_line.x + rng.uniform(-25, 25), on_line.y + rng.uniform(-25, 25), srid=settings.METRIC_SRID)
    return transformed(offset, WGS84), round(chainage, 1)


def _status_for(rng, age_days: int) -> HazardStatus:
    if age_days < 10:
        weights = [40, 30, 20, 10, 0, 0]
    elif age_days < 60:
        weights = [3, 15, 40, 15, 7, 20]
    else:
        weights = [1, 4, 17, 8, 5, 65]
    return rng.choices(list(HazardStatus), weights=weights)[0]


def _hazards(rng, today, companies, pipelines, campaigns, records, users) -> None:
    by_company = _pipelines_by_company(pipelines)
    clauses = list(NormClause.objects.order_by("pk"))
    inspectors = users[INSPECTOR]
    categories, category_weights = zip(*_CATEGORY_WEIGHTS.items(), strict=True)
    sources, source_weights = zip(*_SOURCE_WEIGHTS.items(), strict=True)
    statuses, levels = list(HazardStatus), list(HazardLevel)
    metric_routes: dict = {}
    hazards, plans = [], []
    for index in range(HAZARD_COUNT):
        company = companies[index % len(companies)]
        category = categories[index] if index < len(categories) else rng.choices(categories, category_weights)[0]
        source = rng.choices(sources, source_weights)[0]
        campaign = record = None
        if source == HazardSource.INSPECTION:
            candidates = [c for c in campaigns if (c.pk, company.pk) in records]
            if candidates:
                campaign = rng.choice(candidates)
                record = records[(campaign.pk, company.pk)]
            else:
                source = HazardSource.PATROL
        if record is not None:
            found_on = min(record.inspected_on + timedelta(days=rng.randrange(3)), today)
        else:
            found_on = today - timedelta(days=rng.randrange(0, 300))
        level = HazardLevel.MAJOR if rng.random() < 0.15 else HazardLevel.GENERAL
        if category in (HazardCategory.OIL_THEFT, HazardCategory.ILLEGAL_REFINERY) and rng.random() < 0.5:
            level = HazardLevel.MAJOR
        status = _status_for(rng, (today - found_on).days)
        if index < len(statuses) * len(levels):  # every state at every level, whatever the dice say
            status, level = statuses[index % len(statuses)], levels[index // len(statuses)]
        elif (
            status not in (HazardStatus.REPORTED, HazardStatus.CLOSED)
            and found_on + timedelta(days=DEADLINE_DAYS[level] + 2) < today
            and rng.random() < 0.75
        ):
            status = HazardStatus.CLOSED  # most work past its deadline is done by now; some is overdue
        pipeline = record.pipeline if record is not None and record.company_id == company.pk else None
        if pipeline is None:
            pipeline = rng.choice(by_company[company.pk])
        location, chainage = _point_near(rng, pipeline, metric_routes)
        if category == HazardCategory.MANAGEMENT:
            pipeline, chainage = None, None
        hazard = Hazard(
            source=source,
            company=company,
            pipeline=pipeline,
            campaign=campaign,
            inspection=record,
            location=location,
            chainage_m=chainage,
            place=f"{rng.choice(names.PLACES)}镇{rng.choice(names.PLACES)}村附近",
            category=category,
            level=level,
            clause=rng.choice(clauses) if source == HazardSource.INSPECTION or rng.random() < 0.6 else None,
            description=rng.choice(names.HAZARD_TEXTS[category]),
            found_on=found_on,
            status=status,
            reported_by=rng.choice(inspectors) if source == HazardSource.INSPECTION else None,
        )
        _schedule(rng, today, hazard)
        hazards.append(hazard)
        plans.append(hazard)
    _assign_codes(hazards)
    Hazard.objects.bulk_create(hazards)
    rounds = _rectifications(rng, today, hazards, inspectors)
    _history(hazards, rounds, users)
    _escalations(today)


def _escalations(today: date) -> None:
    """What the nightly run would have done morning after morning up to ``today``: each hazard on
    the company's side flagged overdue the morning after its deadline and given its supervision
    order that morning, the interview ESCALATION_GRACE_DAYS after the order if it is still overdue,
    the reminders three days ahead; every row dated the morning it was written (06:00)."""
    from escalations.bulk import COMPANY_STATES, REMIND_DAYS_AHEAD, supervision_run

    company_side = Hazard.objects.filter(status__in=COMPANY_STATES)
    company_side.update(is_overdue=False)  # the runs below flag them, on the right morning
    grace = settings.ESCALATION_GRACE_DAYS
    # The mornings on which a run does something (a reminder, a flag and order, an interview);
    # the runs of the other mornings would change nothing.
    mornings = {today}
    for deadline in company_side.order_by().values_list("deadline", flat=True).distinct():
        mornings.update(deadline + timedelta(days=d) for d in (-REMIND_DAYS_AHEAD, 1, 1 + grace))
    for day in sorted(d for d in mornings if d <= today):
        supervision_run(today=day, grace_days=grace, now=min(_aware(day, hour=6), timezone.now()))


def _schedule(rng, today: date, hazard: Hazard) -> None:
    """A coherent timeline for the hazard's status: found, assigned, started,
    finished (submitted), reviewed or closed; deadline and overdue flag."""
    day = timedelta(days=1)
    if hazard.status == HazardStatus.REPORTED:
        hazard.found_on = max(hazard.found_on, today - 9 * day)
        return
    if hazard.found_on > today - 8 * day:
        hazard.found_on = today - (8 + rng.randint(0, 10)) * day
    assigned_on = hazard.found_on + rng.randint(0, 3) * day
    hazard.deadline = assigned_on + DEADLINE_DAYS[hazard.level] * day
    hazard.demo_assigned_on = assigned_on
    hazard.demo_started_on = started = assigned_on + rng.randint(1, 4) * day
    late = rng.choice([0, 0, 0, 5, 12]) * day
    finished = hazard.deadline - rng.randint(0, 10) * day + late
    hazard.demo_finished_on = finished = min(max(finished, started), today - 2 * day)
    hazard.demo_reviewed_on = min(finished + rng.randint(1, 4) * day, today - day)
    if hazard.status == HazardStatus.CLOSED:
        hazard.closed_at = _aware(hazard.demo_reviewed_on, hour=10)
    elif hazard.status == HazardStatus.SUBMITTED:
        # Flagged only if it ran past the deadline while still with the company.
        hazard.is_overdue = hazard.deadline < finished
    else:
        hazard.is_overdue = hazard.deadline < today


def _assign_codes(hazards: list[Hazard]) -> None:
    hazards.sort(key=lambda h: (h.found_on, h.company_id, h.category))
    by_year: dict[int, list[Hazard]] = {}
    for hazard in hazards:
        by_year.setdefault(hazard.found_on.year, []).append(hazard)
    for year, group in sorted(by_year.items()):
        for hazard, code in zip(group, hazard_codes_reserve(year=year, count=len(group)), strict=True):
            hazard.code = code


def _rectifications(rng, today: date, hazards: list[Hazard], inspectors) -> list[Rectification]:
    rows = []
    for hazard in hazards:
        if hazard.status in (HazardStatus.REPORTED, HazardStatus.ASSIGNED):
            continue
        base = {
            "hazard": hazard,
            "measures": "制定整改方案,落实专人负责,按期完成整改并留存影像资料。",
            "responsible_person": _person(rng),
            "responsible_phone": _mobile(rng),
            "started_on": hazard.demo_started_on,
            "planned_completion_on": max(hazard.deadline, hazard.demo_started_on),
        }
        if hazard.status == HazardStatus.RECTIFYING:
            rows.append(Rectification(**base, progress_percent=rng.choice([10, 30, 50, 70, 80])))
            continue
        finished = hazard.demo_finished_on
        done = dict(base, progress_percent=100, completed_on=finished, submitted_at=_aware(finished, hour=16))
        if hazard.status == HazardStatus.SUBMITTED:
            rows.append(Rectification(**done))
            continue
        accepted = hazard.status == HazardStatus.CLOSED
        rows.append(
            Rectification(
                **done,
                outcome=AcceptanceOutcome.ACCEPTED if accepted else AcceptanceOutcome.REJECTED,
                reviewed_by=rng.choice(inspectors),
                reviewed_at=_aware(hazard.demo_reviewed_on, hour=10),
                review_comment="经现场核查,整改到位,同意销号。"
                if accepted
                else "整改不彻底,现场仍有遗留问题,请补充整改后重新提交。",
            )
        )
    return Rectification.objects.bulk_create(rows)


def _history(hazards: list[Hazard], rounds: list[Rectification], users) -> None:
    """The history each hazard would have if it had gone through the services."""
    round_of = {r.hazard_id: r for r in rounds}
    now = timezone.now()
    inspectors = users[INSPECTOR]
    rows = []
    for index, hazard in enumerate(hazards):
        inspector = hazard.reported_by or inspectors[index % len(inspectors)]
        staff = users[COMPANY_STAFF][hazard.company_id]

        def add(action, before, after, actor, when, comment="", _hazard=hazard, **details):
            rows.append(
                HazardTransition(
                    hazard=_hazard,
                    action=action,
                    from_status=before,
                    to_status=after,
                    actor=actor,
                    comment=comment,
                    details=details,
                    created_at=min(when, now),
                )
            )

        add(TransitionAction.REPORT, "", HazardStatus.REPORTED, hazard.reported_by, _aware(hazard.found_on, 9))
        if hazard.status == HazardStatus.REPORTED:
            continue
        assigned = _aware(hazard.demo_assigned_on, 11)
        add(
            TransitionAction.ASSIGN,
            HazardStatus.REPORTED,
            HazardStatus.ASSIGNED,
            inspector,
            assigned,
            deadline=str(hazard.deadline),
        )
        work = round_of.get(hazard.pk)
        if work is None:
            continue
        add(TransitionAction.START, HazardStatus.ASSIGNED, HazardStatus.RECTIFYING, staff, _aware(work.started_on, 14))
        if work.submitted_at is None:
            continue
        add(TransitionAction.SUBMIT, HazardStatus.RECTIFYING, HazardStatus.SUBMITTED, staff, work.submitted_at)
        if work.outcome == AcceptanceOutcome.REJECTED:
            add(
                TransitionAction.REJECT,
                HazardStatus.SUBMITTED,
                HazardStatus.REJECTED,
                work.reviewed_by,
                work.reviewed_at,
                work.review_comment,
            )
        elif work.outcome == AcceptanceOutcome.ACCEPTED:
            add(
                TransitionAction.ACCEPT,
                HazardStatus.SUBMITTED,
                HazardStatus.CLOSED,
                work.reviewed_by,
                work.reviewed_at,
                work.review_comment,
            )
    HazardTransition.objects.bulk_create(rows, batch_size=500)


def _field_users() -> None:
    """Patrollers who log in to the field page (demo/field.py)."""
    from demo.field import demo_field_users_build

    demo_field_users_build(password=DEMO_PASSWORD)
