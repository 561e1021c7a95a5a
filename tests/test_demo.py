import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from companies.models import OperatingCompany
from hazards.choices import HazardCategory, HazardLevel, HazardStatus
from hazards.models import Hazard, Rectification
from inspections.models import ChecklistResult, InspectionCampaign
from pipelines.models import Pipeline
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


def test_seed_is_idempotent_and_deterministic():
    before = (_digest(), Hazard.objects.count(), Pipeline.objects.count())
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), verbosity=0)
    assert (_digest(), Hazard.objects.count(), Pipeline.objects.count()) == before
    call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), "--reset", verbosity=0)
    assert _digest() == before[0]
