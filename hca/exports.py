"""The HCA segments as the GeoJSON FeatureCollection the command writes:
one LineString per segment in EPSG:4326 with pipeline_code, start_m,
end_m, grade ("I", "II", "III"), rules (sorted) and reasons."""

import json
from pathlib import Path

from django.contrib.gis.db.models.functions import AsGeoJSON

from hca.choices import GRADE_NAMES, RuleSet
from hca.models import HcaSegment


def segments_feature_collection(*, rule_set: str = RuleSet.GB32167, pipeline_ids=None, queryset=None) -> dict:
    qs = queryset if queryset is not None else HcaSegment.objects.all()
    qs = qs.filter(rule_set=rule_set)
    if pipeline_ids is not None:
        qs = qs.filter(pipeline_id__in=pipeline_ids)
    rows = (
        qs.annotate(geojson=AsGeoJSON("geom", precision=7))
        .order_by("pipeline__code", "start_m")
        .values(
            "pk",
            "pipeline__code",
            "start_m",
            "end_m",
            "grade",
            "rules",
            "reasons",
            "review_status",
            "video_pilot",
            "geojson",
        )
    )
    features = [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": json.loads(row["geojson"]),
            "properties": {
                "pipeline_code": row["pipeline__code"],
                "start_m": round(row["start_m"], 2),
                "end_m": round(row["end_m"], 2),
                "grade": GRADE_NAMES[row["grade"]],
                "rules": sorted(row["rules"]),
                "reasons": row["reasons"],
                "review_status": row["review_status"],
                "video_pilot": row["video_pilot"],
            },
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "name": "hca_segments", "features": features}


def segments_geojson_write(*, path, rule_set: str = RuleSet.GB32167, pipeline_ids=None) -> int:
    collection = segments_feature_collection(rule_set=rule_set, pipeline_ids=pipeline_ids)
    Path(path).write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return len(collection["features"])
