from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hazards.choices import HazardStatus
from hazards.models import Hazard
from hazards.services import hazard_code_issue, hazard_codes_reserve, hazard_report
from tests.factories import HazardFactory, PipelineFactory

pytestmark = pytest.mark.django_db


def test_codes_are_sequential_per_year():
    assert hazard_code_issue(year=2031) == "YH-2031-0001"
    assert hazard_code_issue(year=2031) == "YH-2031-0002"
    assert hazard_code_issue(year=2032) == "YH-2032-0001"
    assert hazard_codes_reserve(year=2031, count=3) == ["YH-2031-0003", "YH-2031-0004", "YH-2031-0005"]
    assert hazard_code_issue(year=2031) == "YH-2031-0006"


def test_codes_continue_after_the_demo_hazards():
    last = Hazard.objects.filter(code__startswith="YH-2026-").order_by("-code").values_list("code", flat=True)[0]
    assert hazard_code_issue(year=2026) == f"YH-2026-{int(last[-4:]) + 1:04d}"


def test_report_gives_code_and_state(admin_user):
    hazard = HazardFactory.build(pipeline=PipelineFactory(), code="", status=HazardStatus.ASSIGNED, deadline=None)
    hazard.company = hazard.pipeline.company
    hazard_report(hazard=hazard, actor=admin_user)
    hazard.refresh_from_db()
    assert hazard.code.startswith("YH-2026-")
    assert hazard.status == HazardStatus.REPORTED
    assert hazard.reported_by == admin_user


def test_report_refuses_pipeline_of_another_company(admin_user):
    other = PipelineFactory()
    hazard = HazardFactory.build(pipeline=PipelineFactory(), code="")
    hazard.company = other.company
    before = Hazard.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        hazard_report(hazard=hazard, actor=admin_user)
    assert "pipeline" in excinfo.value.message_dict
    assert Hazard.objects.count() == before  # nothing half-written


def test_chainage_beyond_the_end_of_the_pipeline_is_refused():
    hazard = HazardFactory.build(pipeline=PipelineFactory())
    hazard.company = hazard.pipeline.company
    hazard.chainage_m = hazard.pipeline.length_m + 500
    with pytest.raises(ValidationError) as excinfo:
        hazard.full_clean()
    assert "chainage_m" in excinfo.value.message_dict


@pytest.mark.parametrize(
    "fields",
    [
        {"status": HazardStatus.ASSIGNED, "deadline": None},  # assigned without a deadline
        {"status": HazardStatus.CLOSED},  # closed without closed_at
        {"status": HazardStatus.RECTIFYING, "closed_at": timezone.now()},  # closed_at on an open hazard
        {"status": HazardStatus.REPORTED, "deadline": date(2026, 4, 1)},  # deadline before found_on
        {"status": "archived"},  # not a state of the life cycle
        {"level": "critical"},
        {"category": "unknown"},
        {"code": "H-1"},
        {"chainage_m": -5.0},
    ],
)
def test_database_refuses_states_the_life_cycle_forbids(fields):
    pipeline = PipelineFactory()
    hazard = HazardFactory.build(pipeline=pipeline, company=pipeline.company, **fields)
    if "deadline" not in fields and hazard.status != HazardStatus.REPORTED:
        hazard.deadline = hazard.found_on + timedelta(days=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        hazard.save()


def test_closed_hazard_cannot_be_overdue():
    pipeline = PipelineFactory()
    hazard = HazardFactory.build(
        pipeline=pipeline,
        company=pipeline.company,
        status=HazardStatus.CLOSED,
        deadline=date(2026, 6, 1),
        closed_at=timezone.now(),
        is_overdue=True,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        hazard.save()


def test_valid_hazards_in_each_state_are_stored():
    pipeline = PipelineFactory()
    for status in HazardStatus:
        HazardFactory(
            pipeline=pipeline,
            company=pipeline.company,
            status=status,
            closed_at=timezone.now() if status == HazardStatus.CLOSED else None,
        )
    assert pipeline.hazards.count() == len(HazardStatus)
