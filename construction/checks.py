"""The check before digging (施工前管道查询): the service the API, the command, the map page and the
applications call. The rules are in the pure engine (construction/engine/); this module reads the work,
runs the engine over the process's index (construction/loading.py) and writes the answer of
docs/construction.md.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from construction.choices import Verdict, WorkType
from construction.engine import check_run
from construction.events import check_prohibited_after_commit
from construction.geometry import work_geometry_from_geos, work_geometry_parse
from construction.loading import index_current
from hca.loading import to_metric

NOTICE_DAYS = 7  # Art. 37: written notice reaches each operator at least 7 days before work starts
PERMIT_REF_MAX = 100


@dataclass(frozen=True)
class PipelineConcerned:
    pipeline_id: int
    pipeline_code: str
    company_id: int
    company: str
    distance_m: float  # rounded to 0.1 m
    band: str
    verdict: str
    articles: list[str]

    def as_json(self) -> dict:
        return {
            "pipeline_code": self.pipeline_code,
            "company": self.company,
            "distance_m": self.distance_m,
            "band": self.band,
            "verdict": self.verdict,
            "articles": list(self.articles),
        }


@dataclass(frozen=True)
class CheckAnswer:
    verdict: str
    work_type: str
    pipelines: list[PipelineConcerned] = field(default_factory=list)
    notice_by: date | None = None

    @property
    def company_ids(self) -> list[int]:
        """The operators who must answer (each once, in the order of the list)."""
        return list(dict.fromkeys(p.company_id for p in self.pipelines))

    def as_json(self) -> dict:
        """The answer exactly as docs/construction.md gives it."""
        return {
            "verdict": self.verdict,
            "work_type": self.work_type,
            "pipelines": [p.as_json() for p in self.pipelines],
            "notice_by": self.notice_by.isoformat() if self.notice_by else None,
        }


def work_type_check(work_type) -> str:
    if work_type not in WorkType.values:
        raise ValidationError(
            _("Unknown work type %(type)s; the work types are: %(types)s.")
            % {"type": json.dumps(work_type, ensure_ascii=False), "types": ", ".join(WorkType.values)},
            code="work_type",
        )
    return str(work_type)


def work_geometry(geometry) -> shapely.Geometry:
    """The work's geometry in EPSG:4326 from a GEOSGeometry (any SRID), a shapely geometry (EPSG:4326), a GeoJSON
    dict or its text."""
    if isinstance(geometry, GEOSGeometry):
        return work_geometry_from_geos(geometry)
    if isinstance(geometry, shapely.Geometry):
        geometry = shapely.to_geojson(geometry)
    return work_geometry_parse(geometry)


def construction_check_answer(*, geometry, work_type: str, start_on: date | None = None) -> CheckAnswer:
    """The verdict on a work and every pipeline it concerns (see ``construction_check``), as objects that also
    carry the pipelines' and companies' ids (for the applications)."""
    return _answer(work_geometry(geometry), work_type_check(work_type), start_on)


def _answer(lonlat: shapely.Geometry, work_type: str, start_on: date | None) -> CheckAnswer:
    work = to_metric(np.array([lonlat], dtype=object))[0]
    loaded = index_current()
    result = check_run(loaded.index, work, work_type)
    pipelines = []
    for finding in result.findings:
        row = loaded.pipelines[finding.pipe]
        pipelines.append(
            PipelineConcerned(
                pipeline_id=row["id"],
                pipeline_code=row["code"],
                company_id=row["company_id"],
                company=row["company"],
                distance_m=round(finding.distance_m, 1),
                band=finding.band,
                verdict=finding.verdict,
                articles=finding.articles,
            )
        )
    notice_by = start_on - timedelta(days=NOTICE_DAYS) if start_on else None
    return CheckAnswer(Verdict(result.verdict).value, work_type, pipelines, notice_by)


def construction_check(*, geometry, work_type: str, start_on: date | None = None, permit_ref: str = "") -> dict:
    """The check before digging: the answer of docs/construction.md for a work.

    ``geometry``: a GEOSGeometry (any SRID; none = EPSG:4326), a shapely geometry (EPSG:4326), or a GeoJSON
    geometry (dict or text) in WGS84 or CGCS2000 longitude/latitude: Point, LineString, Polygon or their
    Multi* forms. ``work_type``: a ``WorkType`` code. ``start_on``: the day work starts; ``notice_by`` is
    7 days before it (Art. 37), null without it. ``permit_ref``: a permit the city's planning or permit
    system is preparing; when it is given and the verdict is prohibited,
    ``construction.events.check_prohibited`` is sent after commit (the city platform's webhooks).
    Raises ``ValidationError`` (a message naming the problem) on bad input.
    """
    permit_ref = (permit_ref or "").strip()
    if len(permit_ref) > PERMIT_REF_MAX:
        raise ValidationError(
            _("The permit reference is longer than %(max)d characters.") % {"max": PERMIT_REF_MAX}, code="permit_ref"
        )
    work_type = work_type_check(work_type)
    lonlat = work_geometry(geometry)
    answer = _answer(lonlat, work_type, start_on).as_json()
    if permit_ref and answer["verdict"] == Verdict.PROHIBITED:
        check_prohibited_after_commit(
            permit_ref=permit_ref, answer=answer, geometry=json.loads(shapely.to_geojson(lonlat))
        )
    return answer
