"""What the HCA pages draw and name: rule codes with their names from the
rule table (HcaRule, installed from rules_data.py), and the features behind
a segment's reasons (the building, river, site…) for its map."""

import json
import re

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.utils.text import Truncator

from hca.models import HcaRule

CAUSE_LIMIT = 500  # a location class may count hundreds of buildings; the map shows this many
CAUSE_COLORS = {
    "buildings": "#7f8c8d",
    "sites": "#c0392b",
    "settlements": "#d35400",
    "water": "#2e86c1",
    "protected_areas": "#1e8449",
    "roads": "#2c3e50",
}
# "管道两侧各200 m内有水源、河流…" names the rule by what follows: the distance is in the rule table.
_DISTANCE_PREFIX = re.compile(r"^管道两侧各\s*\d+(?:\.\d+)?\s*m\s*内有")


def rule_names() -> dict[tuple[str, str], str]:
    """{(rule set, code): description} of every rule (one query)."""
    return {
        (rule_set, code): text
        for rule_set, code, text in HcaRule.objects.values_list("rule_set", "code", "description")
    }


def rule_label(rule_set: str, code: str, names: dict, *, short: bool = False) -> str:
    """``O-f 管道两侧各200 m内有水源…``; ``short``: ``O-f 水源、河流、大中型水库`` (at most 20 characters)."""
    text = names.get((rule_set, code), "")
    if short:
        text = Truncator(_DISTANCE_PREFIX.sub("", text)).chars(20)
    return f"{code} {text}".strip()


def _layer_models():
    from hca.loading import LAYER_SOURCES

    return {name: model for name, (model, _attrs) in LAYER_SOURCES.items()}


def cause_features(segment, names: dict) -> list[dict]:
    """GeoJSON features (EPSG:4326) of the features named by the segment's
    reasons, labelled with the rule and the feature's name or id."""
    wanted: dict[str, dict[str, str]] = {}  # layer -> source id -> rule
    for reason in segment.reasons:
        ids = reason.get("feature_ids") or [reason.get("feature_id")]
        for source_id in ids:
            if source_id:
                wanted.setdefault(reason["layer"], {}).setdefault(str(source_id), reason["rule"])
    models = _layer_models()
    features = []
    for layer, rules in sorted(wanted.items()):
        model = models.get(layer)
        if model is None:
            continue
        rows = (
            model.objects.filter(source_id__in=list(rules))
            .annotate(cause_geojson=AsGeoJSON("geom", precision=6))
            .order_by("source_id")
            .values_list("source_id", "name", "cause_geojson")[: CAUSE_LIMIT - len(features)]
        )
        for source_id, name, geojson in rows:
            rule = rules[source_id]
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(geojson),
                    "properties": {
                        "label": f"{rule} {name or source_id}",
                        "title": rule_label(segment.rule_set, rule, names),
                        "color": CAUSE_COLORS.get(layer, "#8e44ad"),
                        "text": layer != "buildings",  # buildings come by the hundred: tooltips only
                    },
                }
            )
    return features
