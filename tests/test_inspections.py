from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from inspections.models import ChecklistResult, InspectionCampaign, InspectionRecord
from standards.models import NormClause
from tests.factories import CampaignFactory, CompanyFactory, PipelineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_campaign_period_must_be_ordered():
    campaign = CampaignFactory.build(
        lead_inspector=UserFactory(), start_date=date(2026, 5, 1), end_date=date(2026, 4, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        campaign.save()


def test_campaign_needs_a_lead_inspector():
    campaign = CampaignFactory.build(lead_inspector=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        campaign.save()


def test_inspection_record_is_checked_against_campaign_and_company():
    campaign = CampaignFactory()
    inside, outside = CompanyFactory(), CompanyFactory()
    campaign.companies.set([inside])
    record = InspectionRecord(
        campaign=campaign,
        company=outside,
        pipeline=PipelineFactory(company=inside),
        inspector=campaign.lead_inspector,
        inspected_on=date(2026, 6, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        record.full_clean()
    assert set(excinfo.value.message_dict) == {"company", "pipeline", "inspected_on"}


def test_one_result_per_clause_and_inspection():
    record = InspectionRecord.objects.first()
    clause = NormClause.objects.exclude(results__record=record).first()
    ChecklistResult.objects.create(record=record, clause=clause, result="fail", note="无巡护记录")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistResult.objects.create(record=record, clause=clause, result="pass")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistResult.objects.create(
            record=record, clause=NormClause.objects.last(), result="oops"
        )  # fits the column, breaks the rule


def test_campaign_page_offers_logging_hazards_and_inspections(admin_client):
    campaign = InspectionCampaign.objects.first()
    page = admin_client.get(reverse("admin:inspections_inspectioncampaign_change", args=[campaign.pk])).text
    assert f"/admin/hazards/hazard/add/?campaign={campaign.pk}&amp;source=inspection" in page
    assert f"/admin/inspections/inspectionrecord/add/?campaign={campaign.pk}" in page
    # The campaign's hazards are listed under it, each linked.
    assert campaign.hazards.first().code in page
