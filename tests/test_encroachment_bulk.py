"""Encroachment hazards are created in bulk, and the bulk path gives exactly
what reporting them one by one through hazard_report gave."""

import numpy as np
import pytest
import shapely
from auditlog.models import LogEntry
from django.contrib.gis.geos import MultiLineString
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from hazards import bulk_sql
from hazards.chain import history_verify
from hazards.models import Hazard, HazardTransition
from hca.encroachment import encroachments_report
from hca.loading import corridor_around, layers_load, pipelines_load
from hca.models import Encroachment
from integrations.models import WebhookDelivery, WebhookSubscription
from layers.models import Building
from tests.factories import PipelineFactory
from tests.test_hca_identify import wgs84

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture
def city():
    """Two lines with buildings in their 5 m strips (and some just outside)."""
    lines = [
        PipelineFactory(code="ENC-1", route=MultiLineString(wgs84(shapely.LineString([(0, 0), (2000, 0)])), srid=4326)),
        PipelineFactory(
            code="ENC-2", route=MultiLineString(wgs84(shapely.LineString([(0, 300), (2000, 300)])), srid=4326)
        ),
    ]
    Building.objects.bulk_create(
        Building(source_id=f"b-{line}-{x}", name=f"棚{x}" if x % 3 else "", geom=wgs84(shapely.Point(x, y)))
        for line, base in ((1, 0), (2, 300))
        for x in range(50, 2000, 50)
        for y in [base + (x % 7) - 3 + (4 if x % 250 == 0 else 0)]
    )
    WebhookSubscription.objects.create(name="平台", url="https://example.org/h", event_types=["hazard.major_reported"])
    return lines


def _run(lines, **kwargs):
    pipelines = pipelines_load(pipeline_ids=[p.pk for p in lines])
    buildings = layers_load(area=corridor_around(pipelines, 10))["buildings"]
    return encroachments_report(pipelines=pipelines, buildings=buildings, **kwargs)


def _untimed(changes: dict) -> str:
    """The changes but for times and ids (PostgreSQL does not give back ids a rollback used)."""
    return str(sorted((k, v) for k, v in changes.items() if k not in ("id", "created_at", "updated_at")))


def _what_was_written(lines):
    hazards = Hazard.objects.filter(pipeline__in=lines).order_by("pk")
    ids = list(hazards.values_list("pk", flat=True))
    return {
        "hazards": [
            (h.code, h.pipeline_id, h.company_id, h.chainage_m, h.place, h.description, h.status, h.level, h.category)
            for h in hazards
        ],
        "where": [(h.source, h.clause_id, h.found_on, round(h.location.x, 9), round(h.location.y, 9)) for h in hazards],
        "history": list(
            HazardTransition.objects.filter(hazard__in=ids)
            .order_by("id")
            .values_list("hazard__code", "action", "from_status", "to_status", "actor", "comment", "details")
        ),
        "encroachments": list(
            Encroachment.objects.filter(pipeline__in=lines)
            .order_by("pk")
            .values_list("pipeline", "building_key", "distance_m", "chainage_m", "hazard__code")
        ),
        "audit": sorted(
            (int(e.object_pk), e.action, e.object_repr, _untimed(e.changes_dict))
            for e in LogEntry.objects.filter(content_type__model="hazard", object_pk__in=[str(i) for i in ids])
        ),
        "alerts": sorted(
            WebhookDelivery.objects.filter(hazard__in=ids).values_list("hazard__code", "event_type", "subscription")
        ),
    }


@pytest.mark.parametrize("rows_per_statement", [100, 7])
def test_bulk_creation_gives_what_one_by_one_gave(city, rows_per_statement, monkeypatch):
    # PostgreSQL sends the rows in statements of hazards.bulk_sql._PIPELINE_ROWS: 7 makes full ones and a rest.
    monkeypatch.setattr(bulk_sql, "_PIPELINE_ROWS", rows_per_statement)
    with pytest.raises(Rollback), transaction.atomic():
        assert _run(city, one_by_one=True) > 40
        reference = _what_was_written(city)
        raise Rollback  # the sequence and everything else back as it was
    new = _run(city)
    bulk = _what_was_written(city)
    assert new == len(reference["hazards"])
    # Ids differ from one path to the other; everything else is the same, in the same order.
    reference["audit"] = [entry[1:] for entry in reference["audit"]]
    bulk["audit"] = [entry[1:] for entry in bulk["audit"]]
    assert bulk == reference
    codes = [int(code.rsplit("-", 1)[1]) for code, *_ in bulk["hazards"]]
    assert codes == list(range(codes[0], codes[0] + len(codes)))  # unique and sequential
    assert len(bulk["audit"]) == len(bulk["alerts"]) == len(bulk["history"]) == new
    assert history_verify()[1] is None  # the report rows are chained


def test_rerun_adds_nothing_and_bulk_takes_a_few_queries(city):
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        first = _run(city)
    assert first > 40
    keys = list(Encroachment.objects.filter(pipeline__in=city).values_list("pipeline", "building_key"))
    assert len(keys) == len(set(keys)) == first  # once per pipeline and building
    assert _run(city) == 0
    assert Encroachment.objects.filter(pipeline__in=city).count() == first
    # The audit log's create entries are one statement each (auditlog's own receiver); the rest is set-based.
    others = [q for q in queries.captured_queries if "auditlog_logentry" not in q["sql"]]
    assert len(others) < 40


def test_hazard_codes_come_in_chainage_order_pipeline_by_pipeline(city):
    _run(city)
    rows = list(Hazard.objects.filter(pipeline__in=city).order_by("code").values_list("pipeline__code", "chainage_m"))
    assert [code for code, _ in rows] == sorted(code for code, _ in rows)
    for line in ("ENC-1", "ENC-2"):
        chainages = [c for code, c in rows if code == line]
        assert chainages == sorted(chainages) and np.all(np.diff(chainages) > 0)
