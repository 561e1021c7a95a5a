"""Encroachment (占压): buildings within the 5 m strip either side of a
pipeline's centreline (Pipeline Protection Law Art. 30) become hazard
reports, once per pipeline and building however often analysis runs."""

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hca.engine import Layer, PipelineGeom
from hca.engine.nearest import nearest
from hca.engine.network import network_build
from hca.models import Encroachment

STRIP_M = 5.0
# 占压清理工作规范 (DYGB-07) clause 3: new encroachments are reported.
CLAUSE = ("DYGB-07", 3)


def encroachments_find(*, pipelines: list[PipelineGeom], buildings: Layer):
    """(pipeline, building index, distance, chainage) of buildings in the strip,
    along each pipeline in turn."""
    if not pipelines or not len(buildings):
        return []
    net = network_build([p.line for p in pipelines])
    pipe, feat, dist, chain = nearest(net, buildings.index, STRIP_M)
    order = np.lexsort((chain, pipe))  # along each pipeline in turn
    return [(pipelines[pipe[i]], int(feat[i]), float(dist[i]), float(chain[i])) for i in order]


def encroachments_report(*, pipelines: list[PipelineGeom], buildings: Layer, one_by_one: bool = False) -> int:
    """Report the new encroachments as hazards, in bulk; returns how many were new.
    Runs inside the caller's transaction (hca_identify). ``one_by_one`` reports each
    through ``hazard_report`` instead: the reference the bulk path is tested and measured against."""
    from hazards.bulk import hazards_report_bulk
    from hazards.bulk_sql import rows_insert
    from hazards.choices import HazardCategory, HazardLevel, HazardSource
    from hazards.models import Hazard
    from hazards.services import hazard_report
    from hca.loading import to_wgs84
    from pipelines.models import Pipeline
    from standards.models import NormClause

    found = encroachments_find(pipelines=pipelines, buildings=buildings)
    if not found:
        return 0
    known = set(
        Encroachment.objects.filter(pipeline_id__in={p.id for p, *_ in found}).values_list(
            "pipeline_id", "building_key"
        )
    )
    fresh = [item for item in found if (item[0].id, str(buildings.ids[item[1]])) not in known]
    if not fresh:
        return 0
    rows = Pipeline.objects.in_bulk({p.id for p, *_ in fresh})
    where = to_wgs84(np.array([shapely.line_interpolate_point(p.line, c) for p, _f, _d, c in fresh], dtype=object))
    today = timezone.localdate()
    clause = NormClause.objects.filter(norm__code=CLAUSE[0], number=CLAUSE[1]).first()
    hazards, encroachments = [], []
    with translation.override("zh-hans"):
        for (pipeline, f, dist, chain), point in zip(fresh, where, strict=True):
            key, name = str(buildings.ids[f]), str(buildings.names[f] or "")
            description = _(
                "GIS analysis: building %(building)s%(name)s stands %(distance).1f m from the centreline of "
                "pipeline %(pipeline)s at K%(chainage)s, inside the 5 m strip where the Pipeline Protection Law "
                "(Art. 30) forbids buildings."
            ) % {
                "building": key,
                "name": f" ({name})" if name else "",
                "distance": dist,
                "pipeline": pipeline.code,
                "chainage": f"{chain / 1000:.3f}",
            }
            hazard = Hazard(
                source=HazardSource.GIS_ANALYSIS,
                company_id=rows[pipeline.id].company_id,
                pipeline=rows[pipeline.id],
                location=Point(point.x, point.y, srid=4326),
                chainage_m=round(chain, 1),
                place=name[:200],
                category=HazardCategory.ENCROACHMENT,
                clause=clause,
                level=HazardLevel.MAJOR,
                description=description,
                found_on=today,
            )
            hazards.append(hazard)
            encroachments.append(
                Encroachment(
                    pipeline_id=pipeline.id, building_key=key, distance_m=dist, chainage_m=chain, hazard=hazard
                )
            )
        if one_by_one:
            for hazard in hazards:
                hazard_report(hazard=hazard)
        else:
            hazards_report_bulk(hazards=hazards)
    rows_insert(Encroachment, encroachments)  # bulk_create's rows, faster; each takes its hazard's id, now saved
    return len(fresh)
