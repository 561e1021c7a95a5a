"""HCA identification from the database: stored segments, chainage in
metres from coordinates in EPSG:4326, review carried over, encroachment
reported once, the command and its GeoJSON, the task and the schedule."""

import json

import numpy as np
import pytest
import shapely
import shapely.affinity
from django.contrib.auth.models import Group
from django.contrib.gis.geos import GEOSGeometry, MultiLineString
from django.core.management import CommandError, call_command

from common.errors import DomainError, NotPermitted
from hazards.choices import HazardCategory, HazardSource, HazardStatus
from hazards.models import Hazard
from hca.choices import ReviewStatus, RunTrigger
from hca.loading import to_wgs84
from hca.models import Encroachment, HcaAssessment, HcaReview, HcaRule, HcaRun, HcaSegment
from hca.services import (
    hca_identify,
    hca_reidentify_due,
    hca_segment_confirm,
    hca_segment_dismiss,
    hca_segment_video_pilot_set,
    pipelines_due,
)
from layers.models import Building, Site, WaterBody
from tests.factories import PipelineFactory, UserFactory

# A place in the city, in EPSG:4548 metres; test geometries are drawn relative to it.
X0, Y0 = 650_000.0, 4_150_000.0


def wgs84(geom: shapely.Geometry) -> GEOSGeometry:
    moved = shapely.affinity.translate(geom, X0, Y0)
    return GEOSGeometry(to_wgs84(np.array([moved], dtype=object))[0].wkt, srid=4326)


@pytest.fixture
def oil_line(db):
    """A bent crude-oil line: 3 km east, then 2 km north (chainage 0–5000 m)."""
    route = wgs84(shapely.LineString([(0, 0), (3000, 0), (3000, 2000)]))
    return PipelineFactory(code="HCA-OIL", route=MultiLineString(route, srid=4326))


def add_river(x, name="小清河"):
    return WaterBody.objects.create(
        source_id=f"river-{x}", name=name, water_type="river", geom=wgs84(shapely.LineString([(x, -500), (x, 500)]))
    )


def test_segments_are_stored_with_chainage_grade_rules_and_reasons(oil_line):
    add_river(1000)
    Site.objects.create(
        source_id="fs-1", name="加油站", site_type="fuel_station", geom=wgs84(shapely.Point(3040, 1000))
    )
    run, _ = hca_identify(pipeline_ids=[oil_line.pk])
    segments = list(HcaSegment.objects.filter(pipeline=oil_line).order_by("start_m"))
    assert [(round(s.start_m, 1), round(s.end_m, 1), s.grade, s.rules) for s in segments] == [
        (800.0, 1200.0, 3, ["O-f"]),
        # 40 m east of the northbound leg at y = 1000: 3000 + 1000 ± sqrt(50² - 40²) = ± 30
        (3970.0, 4030.0, 1, ["O-d"]),
    ]
    assert segments[0].reasons == [{"rule": "O-f", "layer": "water", "feature_id": "river-1000", "name": "小清河"}]
    assert segments[0].geom.srid == 4326
    assert segments[0].geom.geom_type == "LineString"
    assessment = HcaAssessment.objects.get(pipeline=oil_line, rule_set="gb32167")
    assert assessment.segment_count == 2 and assessment.run == run
    assert run.segment_count == 2 and run.pipeline_count == 1


def test_review_survives_reidentification_while_the_segment_is_unchanged(oil_line, inspector):
    add_river(1000)
    add_river(2000, name="支脉河")
    hca_identify(pipeline_ids=[oil_line.pk])
    first, second = HcaSegment.objects.filter(pipeline=oil_line).order_by("start_m")
    hca_segment_confirm(segment=first, actor=inspector, comment="现场核实")
    hca_segment_dismiss(segment=second, actor=inspector, comment="河道已改线")
    # The second river moves 30 m: that segment changes and needs a new review; the first is kept.
    WaterBody.objects.filter(source_id="river-2000").update(geom=wgs84(shapely.LineString([(2030, -500), (2030, 500)])))
    hca_identify(pipeline_ids=[oil_line.pk])
    first, second = HcaSegment.objects.filter(pipeline=oil_line).order_by("start_m")
    assert (first.review_status, first.reviewed_by, first.review_comment) == (
        ReviewStatus.CONFIRMED,
        inspector,
        "现场核实",
    )
    assert second.review_status == ReviewStatus.IDENTIFIED and round(second.start_m) == 1830
    assert HcaReview.objects.filter(pipeline=oil_line).count() == 2


def test_reviewing_a_segment_replaced_meanwhile_is_refused_with_a_message(oil_line, inspector):
    add_river(1000)
    hca_identify(pipeline_ids=[oil_line.pk])
    seen = HcaSegment.objects.get(pipeline=oil_line)  # the page the inspector opened
    WaterBody.objects.filter(source_id="river-1000").update(geom=wgs84(shapely.LineString([(1030, -500), (1030, 500)])))
    hca_identify(pipeline_ids=[oil_line.pk])  # a run replaces the segment before the click
    with pytest.raises(DomainError, match="重新识别"):
        hca_segment_confirm(segment=seen, actor=inspector)
    assert not HcaReview.objects.filter(pipeline=oil_line).exists()
    assert HcaSegment.objects.get(pipeline=oil_line).review_status == ReviewStatus.IDENTIFIED


def test_dismissal_needs_a_reason_and_reviews_need_the_permission(oil_line, inspector):
    add_river(1000)
    hca_identify(pipeline_ids=[oil_line.pk])
    segment = HcaSegment.objects.get(pipeline=oil_line)
    with pytest.raises(DomainError):
        hca_segment_dismiss(segment=segment, actor=inspector, comment="  ")
    company_user = UserFactory(username="hca-company", company=oil_line.company)
    company_user.groups.add(Group.objects.get(name="company_staff"))
    with pytest.raises(NotPermitted):
        hca_segment_confirm(segment=segment, actor=company_user)
    segment.refresh_from_db()
    assert segment.review_status == ReviewStatus.IDENTIFIED


def test_video_pilot_only_for_personnel_dense_segments(oil_line, inspector):
    add_river(1000)
    for i in range(100):  # a 100-household village: class 3 from x = 2300 to 2990 + 200
        Building.objects.create(source_id=f"b{i}", geom=wgs84(shapely.Point(2500 + 5 * i, 60)))
    hca_identify(pipeline_ids=[oil_line.pk])
    river, town = HcaSegment.objects.filter(pipeline=oil_line).order_by("start_m")
    assert town.rules == ["O-b"]
    with pytest.raises(DomainError):
        hca_segment_video_pilot_set(segment=river, actor=inspector, chosen=True)
    hca_segment_video_pilot_set(segment=town, actor=inspector, chosen=True)
    hca_identify(pipeline_ids=[oil_line.pk])
    assert HcaSegment.objects.get(pipeline=oil_line, rules=["O-b"]).video_pilot is True


def test_encroachment_becomes_one_hazard_however_often_analysis_runs(oil_line):
    Building.objects.create(source_id="shed-7", name="违建仓库", geom=wgs84(shapely.Point(500, 3)))
    Building.objects.create(source_id="house-8", geom=wgs84(shapely.Point(800, 6)))  # 6 m: outside the strip
    run, _ = hca_identify(pipeline_ids=[oil_line.pk])
    assert run.encroachment_count == 1
    hazard = Hazard.objects.get(encroachment__building_key="shed-7")
    assert (hazard.source, hazard.category, hazard.status) == (
        HazardSource.GIS_ANALYSIS,
        HazardCategory.ENCROACHMENT,
        HazardStatus.REPORTED,
    )
    assert hazard.pipeline == oil_line and hazard.company == oil_line.company
    assert round(hazard.chainage_m) == 500
    assert "shed-7" in hazard.description and "5 m" in hazard.description
    again, _ = hca_identify(pipeline_ids=[oil_line.pk])
    assert again.encroachment_count == 0
    assert Encroachment.objects.filter(pipeline=oil_line).count() == 1


def test_cfr_rule_set_is_stored_beside_gb(oil_line):
    gas = PipelineFactory(
        code="HCA-GAS", medium="natural_gas", outer_diameter_mm=508, maop_mpa=6.9, route=oil_line.route
    )
    Site.objects.create(source_id="school-1", site_type="school", geom=wgs84(shapely.Point(1000, 100)))
    hca_identify(pipeline_ids=[gas.pk], rule_set="cfr192")
    hca_identify(pipeline_ids=[gas.pk], rule_set="gb32167")
    assert list(HcaSegment.objects.filter(pipeline=gas).values_list("rule_set", "rules").order_by("rule_set")) == [
        ("cfr192", ["C-4"]),
        ("gb32167", ["G-e"]),
    ]


def test_rule_table_is_data_the_office_can_correct(oil_line):
    add_river(1000)
    HcaRule.objects.filter(rule_set="gb32167", code="O-f").update(grade=2, distance_m=100)
    hca_identify(pipeline_ids=[oil_line.pk])
    segment = HcaSegment.objects.get(pipeline=oil_line)
    assert (round(segment.start_m), round(segment.end_m), segment.grade) == (900, 1100, 2)


def test_command_writes_geojson(oil_line, tmp_path, capsys):
    add_river(1000)
    out = tmp_path / "hca.geojson"
    call_command("identify_hcas", "--pipeline", "HCA-OIL", "--geojson", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["geometry"]["type"] == "LineString"
    props = feature["properties"]
    assert (props["pipeline_code"], props["start_m"], props["end_m"], props["grade"], props["rules"]) == (
        "HCA-OIL",
        800.0,
        1200.0,
        "III",
        ["O-f"],
    )
    assert props["reasons"][0]["feature_id"] == "river-1000"
    lon, lat = feature["geometry"]["coordinates"][0]
    assert 118 < lon < 120 and 36 < lat < 39
    assert "1 HCA segments" in capsys.readouterr().out
    with pytest.raises(CommandError, match="NOPE"):
        call_command("identify_hcas", "--pipeline", "NOPE")


def test_schedule_finds_pipelines_not_identified_for_eighteen_months(oil_line):
    from datetime import timedelta

    from django.utils import timezone

    assert oil_line.pk in pipelines_due()
    hca_identify(pipeline_ids=[oil_line.pk])
    assert oil_line.pk not in pipelines_due()
    HcaAssessment.objects.filter(pipeline=oil_line).update(identified_at=timezone.now() - timedelta(days=550))
    assert oil_line.pk in pipelines_due()
    run = hca_reidentify_due()
    assert run.trigger == RunTrigger.SCHEDULE and run.pipeline_count >= 1
    assert oil_line.pk not in pipelines_due()


def test_schedule_is_installed_for_the_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="daily-hca-reidentification")
    assert task.task == "hca.tasks.hca_reidentify_due_task"
    assert task.crontab.timezone.key == "Asia/Shanghai"


def test_task_runs_the_service(oil_line):
    from hca.tasks import hca_identify_task

    add_river(1000)
    result = hca_identify_task.delay(pipeline_ids=[oil_line.pk], trigger="import")
    assert HcaSegment.objects.filter(pipeline=oil_line, run_id=result.get()).count() == 1


def test_changing_a_route_in_the_admin_reidentifies_the_pipeline(
    admin_client, oil_line, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    add_river(1000)
    hca_identify(pipeline_ids=[oil_line.pk])
    # Straighten the line: 5 km east. The river stays at chainage 1000; a second river at 4500 now counts.
    add_river(4500, name="新河")
    route = wgs84(shapely.LineString([(0, 0), (5000, 0)]))
    data = {
        "code": oil_line.code,
        "name": oil_line.name,
        "company": oil_line.company_id,
        "status": oil_line.status,
        "medium": oil_line.medium,
        "outer_diameter_mm": oil_line.outer_diameter_mm,
        "wall_thickness_mm": oil_line.wall_thickness_mm,
        "material": oil_line.material,
        "maop_mpa": oil_line.maop_mpa,
        "route": MultiLineString(route, srid=4326).ewkt,
        "hazards-TOTAL_FORMS": 0,
        "hazards-INITIAL_FORMS": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:pipelines_pipeline_change", args=[oil_line.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    segments = HcaSegment.objects.filter(pipeline=oil_line).order_by("start_m")
    assert [(round(s.start_m), round(s.end_m)) for s in segments] == [(800, 1200), (4300, 4700)]
    assert HcaRun.objects.latest("started_at").trigger == RunTrigger.CHANGE


def test_pipelines_near_a_changed_feature(oil_line):
    from hca.services import pipelines_near

    near = wgs84(shapely.Point(3300, 1000))  # 300 m east of the northbound leg
    far = wgs84(shapely.Point(9000, 9000))
    assert oil_line.pk in pipelines_near(geometries=[near])
    assert oil_line.pk not in pipelines_near(geometries=[far])


def test_one_pipeline_sees_a_feature_longer_than_its_search_box(oil_line):
    """A road whose box holds the pipeline's whole search box still counts
    (SpatiaLite's MbrOverlaps is false when one box contains the other)."""
    from layers.models import Road

    Road.objects.create(
        source_id="g220",
        name="G220",
        road_class="national",
        geom=wgs84(shapely.LineString([(-50_000, 30), (50_000, 30)])),
    )
    _run, segments = hca_identify(pipeline_ids=[oil_line.pk])
    # 50 m of the road at y = 30: the whole eastbound leg, and the northbound one up to y = 80.
    assert [(round(s.start_m), round(s.end_m), s.rules) for s in segments] == [(0, 3080, ("O-d",))]


def test_a_corrected_pipeline_code_keeps_the_reviews(oil_line, inspector):
    add_river(1000)
    hca_identify(pipeline_ids=[oil_line.pk])
    hca_segment_confirm(segment=HcaSegment.objects.get(pipeline=oil_line), actor=inspector, comment="现场核实")
    oil_line.code = "HB-FIXED-001"
    oil_line.save(update_fields=["code"])
    hca_identify(pipeline_ids=[oil_line.pk])
    segment = HcaSegment.objects.get(pipeline=oil_line)
    assert (segment.review_status, segment.review_comment) == (ReviewStatus.CONFIRMED, "现场核实")


def test_an_abandoned_pipeline_loses_its_segments(oil_line):
    add_river(1000)
    hca_identify(pipeline_ids=[oil_line.pk])
    assert HcaSegment.objects.filter(pipeline=oil_line).count() == 1
    oil_line.status = "abandoned"
    oil_line.save(update_fields=["status"])
    run, segments = hca_identify(pipeline_ids=[oil_line.pk])
    assert segments == [] and run.pipeline_count == 0
    assert not HcaSegment.objects.filter(pipeline=oil_line).exists()


def test_confirming_twice_is_refused_and_writes_no_second_review(oil_line, inspector):
    add_river(1000)
    hca_identify(pipeline_ids=[oil_line.pk])
    segment = HcaSegment.objects.get(pipeline=oil_line)
    hca_segment_confirm(segment=segment, actor=inspector)
    with pytest.raises(DomainError, match="已确认"):
        hca_segment_confirm(segment=segment, actor=inspector)
    assert HcaReview.objects.filter(pipeline=oil_line).count() == 1


def test_the_fingerprint_migration_computes_what_the_service_computes(oil_line):
    import importlib

    from hca.services import fingerprint

    migration = importlib.import_module("hca.migrations.0005_fingerprint_without_pipeline_code")
    add_river(1000)
    add_river(2000, name="支脉河")
    _run, segments = hca_identify(pipeline_ids=[oil_line.pk])
    stored = {s.start_m: s for s in HcaSegment.objects.filter(pipeline=oil_line)}
    assert len(segments) == len(stored) == 2
    for segment in segments:
        row = stored[segment.start_m]
        assert migration._fingerprint(row) == fingerprint(segment, "gb32167") == row.fingerprint


def test_the_loader_keeps_the_buildings_coordinates_it_reprojects(oil_line):
    """The vertices the loader hands over are those the engine would read from
    the metric geometries: points, simple blocks, a courtyard, two wings."""
    from hca.engine.vertices import Vertices
    from hca.loading import layers_load

    block = shapely.box(100, 50, 130, 70)
    courtyard = block.difference(shapely.box(110, 55, 120, 65))
    wings = shapely.MultiPolygon([shapely.box(200, 50, 220, 60), shapely.box(230, 50, 250, 60)])
    for i, geom in enumerate([shapely.Point(10, 20), block, courtyard, wings]):
        Building.objects.create(source_id=f"vx-{i}", geom=wgs84(geom))
    buildings = layers_load()["buildings"]
    kept = buildings.vertices
    assert kept is not None and len(buildings) >= 4
    read = Vertices.of(buildings.geoms, np.arange(len(buildings)))
    for field in ("start", "count", "simple"):
        np.testing.assert_array_equal(getattr(kept, field), getattr(read, field), err_msg=field)
    np.testing.assert_array_equal(kept.x, read.x)
    np.testing.assert_array_equal(kept.y, read.y)
    ours = {sid: i for i, sid in enumerate(buildings.ids) if str(sid).startswith("vx-")}
    assert [bool(kept.simple[ours[f"vx-{i}"]]) for i in range(4)] == [False, True, False, False]
    assert kept.count[ours["vx-1"]] == 4  # four corners, the ring's closing repeat left out
    # The geometries themselves are in metres, where the test drew them.
    assert shapely.equals_exact(shapely.affinity.translate(buildings.geoms[ours["vx-1"]], -X0, -Y0), block, 1e-3)


def test_encroachments_are_found_along_each_pipeline_in_turn():
    """Buildings in the 5 m strip, listed against the pipelines' order, come
    back pipeline by pipeline in chainage order (the order hazards are
    reported in), each with its distance and chainage."""
    from hca.encroachment import encroachments_find
    from hca.engine import Layer, PipelineGeom

    first = PipelineGeom(1, "P1", shapely.LineString([(0, 0), (1000, 0)]), "oil", 508, 6.3)
    second = PipelineGeom(2, "P2", shapely.LineString([(0, 500), (1000, 500)]), "oil", 508, 6.3)
    # Small triangles pointing at their pipeline (one nearest point each); the last is outside the strip.
    spots = [(800, 503, 1), (700, 2, 1), (100, -3, -1), (200, 498, -1), (400, 4.5, 1), (600, 30, 1)]
    geoms = np.array([shapely.Polygon([(x, y), (x - 1, y + s), (x + 1, y + s)]) for x, y, s in spots], dtype=object)
    ids = np.array([f"b{i}" for i in range(len(spots))], dtype=object)
    found = encroachments_find(pipelines=[first, second], buildings=Layer("buildings", geoms, ids, ids))
    assert [(p.code, f, round(d, 2), round(c)) for p, f, d, c in found] == [
        ("P1", 2, 3.0, 100),
        ("P1", 4, 4.5, 400),
        ("P1", 1, 2.0, 700),
        ("P2", 3, 2.0, 200),
        ("P2", 0, 3.0, 800),
    ]
