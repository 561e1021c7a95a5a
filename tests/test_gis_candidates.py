"""Candidate searches by a spatial lookup, then exact metres: a pipeline is
found from the middle of its route too, where its bounding box holds the
search area (SpatiaLite's MbrOverlaps is false then)."""

from django.contrib.gis.geos import LineString, MultiLineString, Point

from common.gis import area_within, to_metric
from hca.services import pipelines_near
from integrations.services import nearest_pipeline
from tests.factories import PipelineFactory


def _diagonal_pipeline():
    # 12 km from south-west to north-east, far from the demo city's pipelines.
    route = MultiLineString(LineString((119.60, 38.30), (119.70, 38.38), srid=4326), srid=4326)
    return PipelineFactory(code="DIAG-001", route=route)


def test_area_within_holds_everything_within_the_distance_in_metres(db):
    point = Point(119.65, 38.34, srid=4326)
    area = area_within(point, 500)
    metric = to_metric(area)
    centre = to_metric(point)
    assert 500 < min(centre.distance(Point(x, y, srid=metric.srid)) for x, y in metric.exterior_ring.coords) < 525
    assert area.srid == 4326 and area.contains(point)


def test_event_in_the_middle_of_a_long_pipeline_finds_it(db):
    pipeline = _diagonal_pipeline()
    middle = Point(119.65, 38.34, srid=4326)  # on the route
    assert nearest_pipeline(point=middle) == pipeline
    # 300 m off the route, square to it: still that pipeline; 3 km off: none within 2 km.
    assert nearest_pipeline(point=Point(119.6524, 38.3375, srid=4326)) == pipeline
    assert nearest_pipeline(point=Point(119.68, 38.31, srid=4326)) is None


def test_a_change_in_the_middle_of_a_long_pipeline_reidentifies_it(db):
    pipeline = _diagonal_pipeline()
    building = Point(119.6502, 38.3398, srid=4326).buffer(0.0001)
    assert pipelines_near(geometries=[building]) == [pipeline.pk]
    far = Point(119.60, 38.38, srid=4326).buffer(0.0001)  # the box's corner, 6 km from the route
    assert pipelines_near(geometries=[far]) == []
