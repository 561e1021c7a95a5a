"""The demo city's security register (demo/security.py): a few dozen theft incidents over the last year with
exactly one active hotspot, police cases, refinery points with re-checks and one recurrence."""

import pytest

from security.choices import RecheckResult, TheftStatus
from security.hotspots import active_hotspot_ranges, hotspot_clusters
from security.models import PoliceCase, RefineryPoint, RefineryRecheck, TheftIncident
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_register():
    incidents = TheftIncident.objects.all()
    assert 24 <= incidents.count() <= 48
    assert min(incidents.values_list("found_on", flat=True)) >= DEMO_TODAY.replace(year=DEMO_TODAY.year - 1)
    assert len(set(incidents.values_list("status", flat=True))) >= 5
    assert incidents.filter(status=TheftStatus.CLOSED).exists() and incidents.filter(status=TheftStatus.FOUND).exists()
    assert len(active_hotspot_ranges(on=DEMO_TODAY)) == 1
    assert len(hotspot_clusters(on=DEMO_TODAY, active_only=False)) == 2  # and one that has cooled
    assert PoliceCase.objects.count() == 3
    assert incidents.filter(emergency_incidents__isnull=False).count() == 1
    assert incidents.exclude(county="").count() == incidents.count()


def test_the_demo_refinery_points_and_their_rechecks():
    assert RefineryPoint.objects.count() == 8
    assert RefineryPoint.objects.filter(recurrences=1).count() == 1
    assert RefineryRecheck.objects.filter(result=RecheckResult.WORKING_AGAIN).count() == 1
    assert RefineryRecheck.objects.filter(result=RecheckResult.STILL_SHUT).exists()
    assert RefineryRecheck.objects.filter(result="").exists()  # raised and still to do
