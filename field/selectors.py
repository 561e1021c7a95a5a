"""What the field page sends to the phone: the user's sections (today's tasks first), each with its
centreline and checkpoints, so that the page draws its map with no tiles and no network."""

import numpy as np
import shapely
from django.db.models import Exists, OuterRef
from django.utils import timezone
from shapely.ops import substring

from patrols.models import Checkpoint, PatrolSection, PatrolTask
from patrols.tracking import sections_patrolled_by

SIMPLIFY_M = 2.0  # the phone's map: a 2 m simplified centreline is exact enough and light
COORD_DECIMALS = 6  # ~0.1 m


def sections_for_page(*, user):
    """The sections the user may patrol, today's tasks first, then by code."""
    today_task = PatrolTask.objects.filter(section=OuterRef("pk"), date=timezone.localdate())
    return (
        sections_patrolled_by(user=user)
        .select_related("pipeline")
        .annotate(has_task_today=Exists(today_task))
        .order_by("-has_task_today", "code")
    )


def section_summary(section: PatrolSection) -> dict:
    """What the section list needs (an inspector's list holds every section of the city: kept short)."""
    return {
        "id": section.pk,
        "code": section.code,
        "pipeline": section.pipeline.code,
        "from_m": round(section.from_m),
        "to_m": round(section.to_m),
        "mode": section.mode,
        "task_today": bool(getattr(section, "has_task_today", False)),
    }


def _centreline(section: PatrolSection) -> list[list[float]]:
    """The section's stretch of its pipeline (from_m to to_m, metric), back in WGS84."""
    from hca.loading import single_line, to_metric, to_wgs84

    route = shapely.from_wkb(bytes(section.pipeline.route.wkb))
    line = single_line(to_metric(np.array([route], dtype=object))[0])
    start, end = max(0.0, section.from_m), min(section.to_m, line.length)
    if end <= start:
        return []
    piece = substring(line, start, end).simplify(SIMPLIFY_M)
    back = to_wgs84(np.array([piece], dtype=object))[0]
    return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in back.coords]


def _checkpoint_row(checkpoint: Checkpoint) -> dict:
    return {
        "code": checkpoint.code,
        "name": checkpoint.name,
        "lon": round(checkpoint.location.x, COORD_DECIMALS),
        "lat": round(checkpoint.location.y, COORD_DECIMALS),
        "radius_m": checkpoint.radius_m,
        "chainage_m": checkpoint.chainage_m,
    }


def sections_detail(sections) -> dict[int, dict]:
    """Each section with its centreline and its checkpoints (those of its pipeline within its chainage, as
    the judge requires them), the checkpoints of all the sections in one query."""
    sections = list(sections)
    by_pipeline: dict[int, list[Checkpoint]] = {}
    pipelines = {section.pipeline_id for section in sections}
    for checkpoint in Checkpoint.objects.filter(pipeline_id__in=pipelines).order_by("chainage_m", "code"):
        by_pipeline.setdefault(checkpoint.pipeline_id, []).append(checkpoint)
    return {
        section.pk: {
            **section_summary(section),
            "name": section.name,
            "line": _centreline(section),
            "checkpoints": [
                _checkpoint_row(checkpoint)
                for checkpoint in by_pipeline.get(section.pipeline_id, [])
                if section.from_m <= checkpoint.chainage_m <= section.to_m
            ],
        }
        for section in sections
    }


def section_detail(section: PatrolSection) -> dict:
    return sections_detail([section])[section.pk]
