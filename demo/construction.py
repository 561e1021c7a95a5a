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
