"""Third-party construction in the demo city: contractors, their users, and applications in every state.

Sites are chosen where pipelines of two companies run within 40 m of each other (a line of works across
both, so two operators must answer), and beside single pipelines; everything comes from the demo's seed.
Some approved works are under supervision on the demo's "today", with check-ins.
"""

import random
from dataclasses import dataclass

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry

from hca.loading import to_metric, to_wgs84
from pipelines.models import Pipeline

STREAM = 15_015
PAIR_WITHIN_M = 40.0


@dataclass(frozen=True)
class DemoSite:
    """A place for a demo work: ``line`` crosses or passes the pipelines named, in EPSG:4326."""

    line: GEOSGeometry
    point: GEOSGeometry
    company_ids: tuple[int, ...]
    pipeline_codes: tuple[str, ...]


def _geos(geom) -> GEOSGeometry:
    return GEOSGeometry(shapely.to_wkt(geom), srid=4326)


def demo_sites(*, seed: int = 2026, pairs: int = 12, singles: int = 12) -> tuple[list[DemoSite], list[DemoSite]]:
    """Places near two companies' pipelines (``pairs``) and near one pipeline (``singles``), deterministic."""
    rows = list(Pipeline.objects.order_by("code").values_list("code", "company_id", "route"))
    routes = to_metric(np.array([shapely.from_wkb(bytes(r[2].wkb)) for r in rows], dtype=object))
    tree = shapely.STRtree(routes)
    left, right = tree.query(routes, predicate="dwithin", distance=PAIR_WITHIN_M)
    found, seen = [], set()
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j or rows[i][1] == rows[j][1] or (rows[i][1], rows[j][1]) in seen:
            continue
        seen.add((rows[i][1], rows[j][1]))
        a, b = shapely.shortest_line(routes[i], routes[j]).coords
        middle = shapely.Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        found.append((i, j, middle))
    rng = random.Random(seed + STREAM)
    rng.shuffle(found)
    pair_sites = []
    for i, j, middle in found:
        if len(pair_sites) == pairs:
            break
        # A cable laid across both pipelines, square to the first one where they pass each other.
        along = routes[i].project(middle)
        a, b = routes[i].interpolate(max(along - 5, 0)), routes[i].interpolate(along + 5)
        dx, dy = b.x - a.x, b.y - a.y
        norm = (dx * dx + dy * dy) ** 0.5 or 1.0
        nx, ny = -dy / norm * 70, dx / norm * 70
        line = shapely.LineString([(middle.x - nx, middle.y - ny), (middle.x + nx, middle.y + ny)])
        wgs_line, wgs_point = to_wgs84(np.array([line, middle], dtype=object))
        site = DemoSite(_geos(wgs_line), _geos(wgs_point), (rows[i][1], rows[j][1]), (rows[i][0], rows[j][0]))
        if _answer_fits(site.line, "cable", companies=2):
            pair_sites.append(site)
    single_sites = []
    for index in rng.sample(range(len(rows)), len(rows)):
        if len(single_sites) == singles:
            break
        route = routes[index]
        at = route.interpolate(rng.uniform(0.2, 0.8), normalized=True)
        offset = rng.choice((20.0, 35.0, 60.0, 120.0))
        point = shapely.Point(at.x + offset, at.y + offset / 2)
        wgs_point = _geos(to_wgs84(np.array([point], dtype=object))[0])
        site = DemoSite(wgs_point, wgs_point, (rows[index][1],), (rows[index][0],))
        if _answer_fits(site.point, "excavation", companies=1):
            single_sites.append(site)
    return pair_sites, single_sites


def _answer_fits(geometry, work_type: str, *, companies: int) -> bool:
    """The check asks for approval (not a prohibition) and names exactly ``companies`` operators."""
    from construction.checks import construction_check_answer

    answer = construction_check_answer(geometry=geometry, work_type=work_type)
    return answer.verdict == "approval_required" and len(answer.company_ids) == companies


# --- the demo's applications ------------------------------------------------

CONTRACTORS = (
    ("东营鲁建市政工程有限公司", "孙建华", "13905460101", "contractor1"),
    ("黄河三角洲电力安装有限公司", "周立新", "13905460102", "contractor2"),
    ("胜利通信线路工程有限公司", "吴海波", "13905460103", None),
)
PROJECTS = {
    "cable": ("10kV电缆敷设工程", "通信光缆穿越工程", "路灯电缆改造工程"),
    "excavation": ("雨水管网开挖工程", "厂区基础开挖工程", "农田水利沟渠开挖工程"),
}
# (status, how many) in the order the sites are used; pair sites (two operators) first.
PLAN = (
    ("under_way", 4),
    ("submitted", 3),
    ("approved", 2),
    ("notified", 2),
    ("completed", 3),
    ("closed", 2),
    ("submitted_answered", 2),
    ("expired", 2),
    ("refused", 2),
    ("prohibited", 1),
)
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _demo_files() -> tuple[str, str]:
    """One stored PDF and one photo shared by every demo agreement and check-in (written once)."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    pdf_name, photo_name = "construction/demo/agreement.pdf", "construction/demo/checkin.jpg"
    if not default_storage.exists(pdf_name):
        default_storage.save(pdf_name, ContentFile(DEMO_PDF))
    if not default_storage.exists(photo_name):
        buffer = BytesIO()
        Image.new("RGB", (64, 48), (150, 120, 80)).save(buffer, format="JPEG")
        default_storage.save(photo_name, ContentFile(buffer.getvalue()))
    return pdf_name, photo_name


def _contractors():
    from accounts.models import User
    from accounts.roles import CONTRACTOR, roles_sync
    from construction.models import Contractor
    from demo.builder import DEMO_PASSWORD

    group = roles_sync().get(CONTRACTOR)
    result = []
    for name, person, phone, username in CONTRACTORS:
        contractor, _created = Contractor.objects.get_or_create(
            name=name, defaults={"contact_person": person, "phone": phone, "address": "山东省东营市"}
        )
        if username:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "last_name": person[:1], "first_name": person[1:]}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group is not None:
                user.groups.add(group)
            contractor.members.add(user)
        result.append(contractor)
    return result


def demo_construction_build(*, seed: int, today, actor) -> int:
    """Applications in every state around the demo city, written as the services would write them (their
    steps dated in the past); some approved works are under supervision on ``today``, with check-ins."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from accounts.models import User
    from construction.checks import construction_check_answer
    from construction.lifecycle import DECISION_WORKING_DAYS, AgreementKind, StepKind
    from construction.models import AgreementVersion, Application, ApplicationOperator, ApplicationStep, CheckIn
    from construction.services import _operators_from_check
    from construction.workdays import working_days_add

    rng = random.Random(seed + STREAM + 1)
    contractors = _contractors()
    pdf_name, photo_name = _demo_files()
    pairs, singles = demo_sites(seed=seed)
    sites = [(s, "cable") for s in pairs] + [(s, "excavation") for s in singles]
    staff = {u.company_id: u for u in User.objects.filter(username__startswith="company", company__isnull=False)}

    def at(day, hour=10):
        return timezone.make_aware(datetime.combine(day, time(hour, rng.randrange(60))))

    number = 0
    for status, count in PLAN:
        for _index in range(count):
            if not sites:
                break
            site, work_type = sites.pop(0)
            geometry = site.line if work_type == "cable" else site.point
            if status == "prohibited":
                work_type, geometry = "building", site.point  # building within 5 m of a centreline: Art. 30
                from pipelines.chainage import pipeline_point_at
                from pipelines.models import Pipeline

                pipeline = Pipeline.objects.get(code=site.pipeline_codes[0])
                geometry = pipeline_point_at(pipeline=pipeline, chainage_m=1000.0)
            # When it was submitted and when the work is planned, by state.
            offsets = {
                "submitted": (-rng.randint(1, 6), 12), "submitted_answered": (-rng.randint(6, 12), 8),
                "approved": (-20, 15), "notified": (-25, 6), "under_way": (-40, -rng.randint(2, 10)),
                "completed": (-90, -60), "closed": (-150, -120), "expired": (-110, -80), "refused": (-30, 10),
                "prohibited": (-15, 20),
            }[status]  # fmt: skip
            submitted_on = today + timedelta(days=offsets[0])
            start = today + timedelta(days=offsets[1])
            end = start + timedelta(days=rng.randint(10, 25) if status != "under_way" else rng.randint(12, 20))
            answer = construction_check_answer(geometry=geometry, work_type=work_type, start_on=start)
            number += 1
            contractor = contractors[number % len(contractors)]
            projects = PROJECTS.get(work_type, ("临街商铺建设工程",))
            application = Application.objects.create(
                number=f"SG-{submitted_on.year}-{number:04d}",
                project=f"{rng.choice(('东城', '西城', '河口', '垦利', '广饶', '利津'))}{rng.choice(projects)}",
                contractor=contractor, contact_person=contractor.contact_person, contact_phone=contractor.phone,
                area=geometry, work_type=work_type, depth_m=round(rng.uniform(0.8, 3.0), 1), planned_start=start,
                planned_end=end, decision_due=working_days_add(submitted_on, DECISION_WORKING_DAYS),
                verdict=answer.verdict, check_answer=answer.as_json(), submitted_at=at(submitted_on, 9),
                status="submitted",
            )  # fmt: skip
            steps = [(StepKind.SUBMITTED, at(submitted_on, 9), None, None, "", {"verdict": answer.verdict})]
            operators = [
                ApplicationOperator.objects.create(
                    application=application,
                    company_id=e["company_id"],
                    pipelines=e["pipelines"],
                    distance_m=e["distance_m"],
                    band=e["band"],
                    verdict=e["verdict"],
                    articles=e["articles"],
                )
                for e in _operators_from_check(answer)
            ]
            fields = {}
            answered = status not in ("submitted", "refused", "prohibited")
            if answered:
                for operator in operators:
                    guard = staff.get(operator.company_id)
                    moment = at(submitted_on + timedelta(days=2), 14)
                    operator.answer = "no_conflict" if rng.random() < 0.8 else "conflict"
                    operator.site_action = "presence" if operator.distance_m < 5 else rng.choice(("marked", "presence"))
                    operator.answer_comment = (
                        "" if operator.answer == "no_conflict" else "交叉处须人工开挖,我方现场监护"
                    )
                    operator.answered_at, operator.answered_by = moment, guard
                    operator.save()
                    steps.append((StepKind.ANSWERED, moment, guard, operator, operator.answer_comment,
                                  {"answer": operator.answer}))  # fmt: skip
                    if status == "submitted_answered":
                        continue
                    if rng.random() < 0.85:
                        versions = 2 if rng.random() < 0.25 else 1
                        for version in range(1, versions + 1):
                            moment = at(submitted_on + timedelta(days=3 + version), 11)
                            AgreementVersion.objects.create(
                                operator=operator, kind=AgreementKind.SAFETY, version=version, file=pdf_name,
                                file_name=f"安全防护协议-v{version}.pdf", file_size=len(DEMO_PDF),
                                signed_on=moment.date(), uploaded_at=moment, uploaded_by=guard,
                            )  # fmt: skip
                            steps.append((StepKind.AGREEMENT_UPLOADED, moment, guard, operator, "",
                                          {"agreement_kind": "safety", "version": version}))  # fmt: skip
                    else:
                        moment = at(submitted_on + timedelta(days=5), 16)
                        operator.safety_reviewed_at, operator.safety_reviewed_by = moment, actor
                        operator.safety_review_comment = "双方未能达成协议,经办公室安全评审,可按施工方案实施"
                        operator.save()
                        steps.append((StepKind.SAFETY_REVIEWED, moment, actor, operator,
                                      operator.safety_review_comment, {}))  # fmt: skip
            if status in ("refused", "prohibited"):
                moment = at(submitted_on + timedelta(days=4), 15)
                reason = "核查结论为禁止施工(第三十条)" if status == "prohibited" else "施工方案未明确管道保护措施"
                fields.update(status="refused", decided_at=moment, decision_comment=reason)
                steps.append((StepKind.REFUSED, moment, actor, None, reason, {}))
            if status in ("approved", "notified", "under_way", "completed", "closed", "expired"):
                moment = at(submitted_on + timedelta(days=7), 15)
                valid_until = min(start + timedelta(days=30), end)
                fields.update(status="approved", decided_at=moment, decision_comment="同意", valid_until=valid_until)
                steps.append((StepKind.APPROVED, moment, actor, None, "同意", {"valid_until": valid_until.isoformat()}))
            if status in ("notified", "under_way", "completed", "closed", "expired"):
                sent_on = min(start - timedelta(days=8), today)
                fields.update(status="notified", notice_sent_on=sent_on)
                steps.append((StepKind.NOTICE_SENT, at(sent_on, 10), None, None, "", {"sent_on": sent_on.isoformat()}))
            if status in ("under_way", "completed", "closed"):
                fields.update(status="under_way", started_on=start)
                steps.append((StepKind.STARTED, at(start, 8), None, None, "", {"started_on": start.isoformat()}))
                last = min(today, end)
                day = max(start, last - timedelta(days=2))
                while day <= last:  # the last three days of supervision (today too, for works under way)
                    for operator in operators:
                        if operator.site_action != "presence":
                            continue
                        guard = staff.get(operator.company_id)
                        moment = at(day, 9)
                        checkin = CheckIn.objects.create(
                            application=application, operator=operator, guard=guard, at=moment,
                            location=site.point, accuracy_m=8.0, distance_m=0.0, photo=photo_name, note="现场监护",
                        )  # fmt: skip
                        steps.append((StepKind.CHECKED_IN, moment, guard, operator, "现场监护",
                                      {"checkin": checkin.pk}))  # fmt: skip
                    day += timedelta(days=1)
            if status in ("completed", "closed"):
                fields.update(status="completed", completed_on=end)
                steps.append((StepKind.COMPLETED, at(end, 17), None, None, "已回填,标志桩已恢复",
                              {"backfilled": True, "markers_restored": True}))  # fmt: skip
            if status == "closed":
                fields.update(status="closed", closed_at=at(end + timedelta(days=3), 10))
                steps.append((StepKind.CLOSED, at(end + timedelta(days=3), 10), actor, None, "", {}))
            if status == "expired":
                expired_on = fields["valid_until"] + timedelta(days=1)
                fields.update(status="expired", expired_on=expired_on)
                steps.append((StepKind.EXPIRED, at(expired_on, 0), None, None, "", {}))
            if fields:
                Application.objects.filter(pk=application.pk).update(**fields)
            ApplicationStep.objects.bulk_create(
                ApplicationStep(
                    application=application,
                    kind=kind,
                    at=moment,
                    actor=who,
                    operator=operator,
                    comment=comment,
                    details=details,
                )
                for kind, moment, who, operator, comment, details in sorted(steps, key=lambda s: s[1])
            )
    return number


def demo_construction_delete() -> None:
    from construction.models import Application, CheckIn

    CheckIn.objects.all().delete()  # a check-in protects its operator row
    Application.objects.all().delete()
