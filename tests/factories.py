"""factory_boy factories for tests that build their own small world."""

from datetime import date, timedelta

import factory
from django.contrib.gis.geos import LineString, MultiLineString, Point

from accounts.models import User
from companies.models import OperatingCompany
from companies.validators import credit_code_check_char
from hazards.choices import HazardCategory, HazardLevel, HazardSource
from hazards.models import Hazard
from inspections.models import CampaignKind, InspectionCampaign
from pipelines.models import Medium, Pipeline


def _credit_code(n: int) -> str:
    body = f"91370502{n:09d}"
    return body + credit_code_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("pw-Test-2026")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperatingCompany

    name = factory.Sequence(lambda n: f"测试管道有限公司{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")
    credit_code = factory.Sequence(lambda n: _credit_code(900000 + n))
    contact_person = "张三"
    contact_phone = "13800000000"


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline

    code = factory.Sequence(lambda n: f"T-{n:04d}")
    name = factory.Sequence(lambda n: f"测试管道{n}")
    company = factory.SubFactory(CompanyFactory)
    medium = Medium.CRUDE_OIL
    outer_diameter_mm = 273
    wall_thickness_mm = 7.1
    material = "L360"
    maop_mpa = 4
    route = factory.LazyFunction(
        lambda: MultiLineString(LineString((118.50, 37.40), (118.55, 37.42), srid=4326), srid=4326)
    )


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionCampaign

    name = factory.Sequence(lambda n: f"测试排查行动{n}")
    kind = CampaignKind.SCHEDULED
    start_date = date(2026, 3, 1)
    end_date = date(2026, 4, 30)
    lead_inspector = factory.SubFactory(UserFactory)


class HazardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hazard

    code = factory.Sequence(lambda n: f"YH-2099-{n + 1:04d}")
    source = HazardSource.INSPECTION
    pipeline = factory.SubFactory(PipelineFactory)
    company = factory.LazyAttribute(lambda o: o.pipeline.company)
    location = factory.LazyFunction(lambda: Point(118.52, 37.41, srid=4326))
    category = HazardCategory.ENCROACHMENT
    level = HazardLevel.GENERAL
    description = "管道上方搭建临时建筑。"
    found_on = date(2026, 5, 1)
    deadline = factory.LazyAttribute(lambda o: None if o.status == "reported" else o.found_on + timedelta(days=30))
    status = "reported"


def river_across(pipeline: Pipeline, at: float):
    """A river (shapely, EPSG:4326) crossing the pipeline square to it, ``at`` metres along it, 800 m long."""
    import numpy as np
    import shapely

    from hca.loading import single_line, to_metric, to_wgs84

    line = single_line(to_metric(np.array([shapely.from_wkt(pipeline.route.wkt)], dtype=object))[0])
    p0, p1 = line.interpolate(at - 1), line.interpolate(at + 1)
    dx, dy = (p1.x - p0.x) / 2, (p1.y - p0.y) / 2
    mid = line.interpolate(at)
    river = shapely.LineString([(mid.x + dy * 400, mid.y - dx * 400), (mid.x - dy * 400, mid.y + dx * 400)])
    return to_wgs84(np.array([river], dtype=object))[0]
