import hashlib
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
import shapely
from django.contrib.gis.db.models.aggregates import Extent
from django.contrib.gis.geos import Polygon
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from companies.models import OperatingCompany
from demo.builder import HAZARD_COUNT
from demo.layers import BUILDING_CLEARANCE_M, KEEP_OUT, LAYERS, demo_layers_generate, demo_pipes
from hazards.choices import HazardCategory, HazardLevel, HazardStatus
from hazards.models import Hazard, Rectification
from hca.loading import layers_load
from hca.models import Encroachment, HcaAssessment, HcaRun, HcaSegment
from inspections.models import ChecklistResult, InspectionCampaign
from layers.choices import AreaType, RoadClass, SiteType, WaterType
from layers.models import Building, ProtectedArea, Road, Settlement, Site, WaterBody
from pipelines.models import Pipeline, PipelineStatus
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db


def test_the_city_at_its_real_scale():
    assert OperatingCompany.objects.count() == 28
    assert Pipeline.objects.count() == 161
    assert InspectionCampaign.objects.count() == 3
    assert 300 <= Hazard.objects.count() <= 600
    assert ChecklistResult.objects.exists()
    # Every company operates pipelines and has hazards.
    assert not OperatingCompany.objects.filter(pipelines__isnull=True).exists()
    assert Hazard.objects.values("company").distinct().count() == 28
    total_km = Pipeline.objects.aggregate(total=Sum("length_m"))["total"] / 1000
    assert 1500 < total_km < 6000


def test_routes_lie_around_dongying():
    for xmin, ymin, xmax, ymax in (p.route.extent for p in Pipeline.objects.only("route")):
        assert xmin >= 118.1 and xmax <= 119.2
        assert ymin >= 36.9 and ymax <= 38.1


def test_hazards_in_every_state_level_and_category():
    pairs = set(Hazard.objects.values_list("status", "level").distinct())
    assert pairs == {(s, level) for s in HazardStatus.values for level in HazardLevel.values}
    assert set(Hazard.objects.values_list("category", flat=True)) == set(HazardCategory.values)


def test_overdue_flags_are_consistent_with_deadlines():
    overdue = Hazard.objects.filter(is_overdue=True)
    assert overdue.exists()
    assert not overdue.filter(deadline__gte=DEMO_TODAY).exists()
    assert not overdue.filter(status__in=[HazardStatus.CLOSED, HazardStatus.REPORTED]).exists()
    company_side = [HazardStatus.ASSIGNED, HazardStatus.RECTIFYING, HazardStatus.REJECTED]
    past_deadline = Hazard.objects.filter(status__in=company_side, deadline__lt=DEMO_TODAY)
    assert past_deadline.count() == overdue.filter(status__in=company_side).count()


def test_rectifications_match_the_states():
    counts = dict(Rectification.objects.values_list("hazard__status").annotate(n=Count("id")))
    assert HazardStatus.REPORTED not in counts
    assert HazardStatus.ASSIGNED not in counts
    closed = Hazard.objects.filter(status=HazardStatus.CLOSED)
    assert Rectification.objects.filter(hazard__in=closed, outcome="accepted").count() == closed.count()
    assert not Hazard.objects.filter(closed_at__date__gt=DEMO_TODAY + timedelta(days=1)).exists()


def _digest():
    rows = Hazard.objects.order_by("code").values_list("code", "company__name", "pipeline__code", "status", "level")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _hca_digest():
    """The layers' features and the HCA segments' fingerprints (which hold
    pipeline, extent, grade, rules and the features behind them)."""
    rows = [sorted(model.objects.values_list("source_id", "name")) for _layer, model, *_ in LAYERS]
    rows.append(sorted(HcaSegment.objects.values_list("rule_set", "fingerprint")))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_seed_is_idempotent_and_deterministic():
    before = (_digest(), _hca_digest(), Hazard.objects.count(), Pipeline.objects.count(), Building.objects.count())
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), verbosity=0)
    assert (_digest(), _hca_digest(), Hazard.objects.count(), Pipeline.objects.count(), Building.objects.count()) == (
        before
    )
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), "--reset", verbosity=0)
    assert (_digest(), _hca_digest()) == before[:2]
    assert HcaRun.objects.count() == 2  # the reset removed the first identification's runs


# --- GIS layers and high-consequence areas -------------------------------------


def test_the_city_has_its_gis_layers():
    assert 3_000 <= Building.objects.count() <= 6_000
    assert Building.objects.filter(floors__gte=4).exists()
    assert Building.objects.filter(floors__lte=3).count() > 0.9 * Building.objects.count()
    assert 140 <= Site.objects.count() <= 160
    assert set(Site.objects.values_list("site_type", flat=True)) == set(SiteType.values)
    assert 55 <= Settlement.objects.count() <= 65
    large = Q(households__gte=50) | Q(residents__gte=200)
    assert Settlement.objects.filter(large).exists() and Settlement.objects.exclude(large).exists()
    assert set(WaterBody.objects.values_list("water_type", flat=True)) == set(WaterType.values)
    assert WaterBody.objects.filter(water_type="river", name="黄河").exists()
    assert {AreaType.WETLAND, AreaType.FOREST} <= set(ProtectedArea.objects.values_list("area_type", flat=True))
    assert set(Road.objects.values_list("road_class", flat=True)) == set(RoadClass.values)
    assert not Building.objects.exclude(source_id__regex=r"^B[0-9]{6}$").exists()
    assert not Site.objects.exclude(source_id__regex=r"^S[0-9]{4}$").exists()
    for _layer, model, *_ in LAYERS:
        xmin, ymin, xmax, ymax = model.objects.aggregate(extent=Extent("geom"))["extent"]
        assert xmin >= 118.1 and xmax <= 119.2 and ymin >= 36.9 and ymax <= 38.1, model


def test_the_places_the_hca_tests_draw_in_are_left_empty():
    for box in KEEP_OUT:
        area = Polygon.from_bbox(box)
        area.srid = 4326
        for _layer, model, *_ in LAYERS:
            assert not model.objects.filter(geom__intersects=area).exists(), (model, box)


def test_no_building_stands_within_six_metres_of_a_pipeline():
    buildings = layers_load()["buildings"]
    routes = [p.route for p in demo_pipes()]  # abandoned lines too
    tree = shapely.STRtree(np.array(routes, dtype=object))
    near, _ = tree.query(buildings.geoms, predicate="dwithin", distance=BUILDING_CLEARANCE_M)
    assert len(near) == 0
    # but some stand close to one (between ~15 m and 50 m)
    assert len(tree.query(buildings.geoms, predicate="dwithin", distance=50)[0]) > 20


def test_hca_segments_of_every_grade_with_class_3_and_class_4_locations():
    gb = HcaSegment.objects.filter(rule_set="gb32167")
    assert set(gb.values_list("grade", flat=True)) == {1, 2, 3}
    rules = Counter(code for codes in gb.values_list("rules", flat=True) for code in codes)
    assert rules["O-a"] + rules["G-a"] >= 1  # class 4: the towns with 4+ storey blocks
    assert rules["O-b"] + rules["G-b"] >= 5  # class 3
    assert rules["O-f"] and rules["O-d"] and rules["O-c"] and rules["G-e"]
    regions = [
        reason
        for reasons in gb.values_list("reasons", flat=True)
        for reason in reasons
        if reason["rule"] in ("O-a", "O-b", "G-a", "G-b")
    ]
    assert 20 <= len(regions) <= 45
    assert all(reason["count"] >= 100 for reason in regions)
    assert HcaSegment.objects.filter(rule_set="cfr192").exists()
    assessed = Pipeline.objects.exclude(status=PipelineStatus.ABANDONED).count()
    for rule_set in ("gb32167", "cfr192"):
        assert HcaAssessment.objects.filter(rule_set=rule_set).count() == assessed
    assert set(HcaRun.objects.values_list("rule_set", "trigger", "started_by__username")) == {
        ("gb32167", "manual", "inspector1"),
        ("cfr192", "manual", "inspector1"),
    }


def test_identification_reported_no_encroachment():
    assert not Encroachment.objects.exists()
    assert HcaRun.objects.aggregate(total=Sum("encroachment_count"))["total"] == 0
    from video.models import VideoAlarm

    # and the third-party construction hazards the demo's video alarms reported
    by_video = VideoAlarm.objects.filter(hazard__isnull=False).values("hazard_id")
    assert Hazard.objects.exclude(pk__in=by_video).count() == HAZARD_COUNT


def test_the_layers_are_deterministic():
    pipes = demo_pipes()
    first = demo_layers_generate(seed=2026, pipes=pipes)
    assert demo_layers_generate(seed=2026, pipes=pipes).fingerprint() == first.fingerprint()
    assert demo_layers_generate(seed=7, pipes=pipes).fingerprint() != first.fingerprint()
    # what is stored is what the generator makes
    assert list(Building.objects.order_by("source_id").values_list("source_id", "name", "households")) == [
        (sid, f.name, f.attrs["households"])
        for sid, f in zip(first.source_ids("buildings"), first.layers["buildings"], strict=True)
    ]
