import itertools
from decimal import Decimal

import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from pyproj import Geod

from pipelines.models import Pipeline
from tests.factories import PipelineFactory

pytestmark = pytest.mark.django_db


def test_length_is_metres_along_the_route_not_degrees():
    coords = [(118.50, 37.40), (118.60, 37.40), (118.60, 37.50)]
    pipeline = PipelineFactory(route=MultiLineString(LineString(coords, srid=4326), srid=4326))
    geod = Geod(ellps="GRS80")
    expected = sum(geod.inv(*a, *b)[2] for a, b in itertools.pairwise(coords))  # about 19.9 km
    assert expected == pytest.approx(19_950, rel=0.01)
    # Gauss-Kruger CM 117E scale error at 118.6E is about 0.15 %.
    assert pipeline.length_m == pytest.approx(expected, rel=0.003)
    assert Pipeline.objects.get(pk=pipeline.pk).length_m == pytest.approx(pipeline.length_m)


def test_length_follows_route_changes():
    pipeline = PipelineFactory()
    before = pipeline.length_m
    pipeline.route = MultiLineString(LineString((118.5, 37.4), (118.5, 37.5), srid=4326), srid=4326)
    pipeline.save(update_fields=["route"])
    pipeline.refresh_from_db()
    assert pipeline.length_m != before
    assert pipeline.length_m == pytest.approx(11_100, rel=0.01)


def test_route_given_in_cgcs2000_is_stored_in_wgs84():
    route = MultiLineString(LineString((118.5, 37.4), (118.6, 37.4), srid=4490), srid=4490)
    pipeline = PipelineFactory(route=route)
    stored = Pipeline.objects.get(pk=pipeline.pk).route
    assert stored.srid == 4326
    assert stored.coords[0][0] == pytest.approx((118.5, 37.4), abs=1e-6)


@pytest.mark.parametrize(
    "fields",
    [
        {"outer_diameter_mm": Decimal("0")},
        {"outer_diameter_mm": Decimal("2500")},
        {"wall_thickness_mm": Decimal("0")},
        {"outer_diameter_mm": Decimal("20"), "wall_thickness_mm": Decimal("10")},
        {"maop_mpa": Decimal("0")},
        {"maop_mpa": Decimal("45")},
        {"code": ""},
    ],
)
def test_database_refuses_out_of_range_values(fields):
    pipeline = PipelineFactory.build(company=PipelineFactory().company, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        pipeline.save()


def test_code_is_unique():
    first = PipelineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PipelineFactory(code=first.code, company=first.company)


def test_company_is_required():
    pipeline = PipelineFactory.build(company=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        pipeline.save()


def test_invalid_route_is_explained():
    pipeline = PipelineFactory.build(company=PipelineFactory().company)
    pipeline.route = MultiLineString(LineString((118.5, 37.4), (118.5, 37.4), srid=4326), srid=4326)
    with pytest.raises(ValidationError) as excinfo:
        pipeline.full_clean()
    assert "route" in excinfo.value.message_dict
