"""Hazard services: every write to a hazard goes through a function here.

The full life cycle (assign, start, submit, accept, reject, …) with its audit
trail is built on top of these in the rectification work; the foundation has
code issuing and reporting.
"""

from django.db import transaction
from django.db.models import F

from hazards.choices import HazardStatus
from hazards.models import Hazard, HazardCodeSequence


def hazard_code_issue(*, year: int) -> str:
    """Issue the next hazard code of ``year`` (YH-2026-0001, …), gap-free under concurrency."""
    with transaction.atomic():
        HazardCodeSequence.objects.get_or_create(year=year)
        # One UPDATE takes the row lock, so two callers never get the same number.
        HazardCodeSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
        number = HazardCodeSequence.objects.values_list("last_number", flat=True).get(year=year)
    return f"YH-{year}-{number:04d}"


def hazard_codes_reserve(*, year: int, count: int) -> list[str]:
    """Issue ``count`` consecutive codes of ``year`` at once (bulk imports, demo data)."""
    with transaction.atomic():
        HazardCodeSequence.objects.get_or_create(year=year)
        HazardCodeSequence.objects.filter(year=year).update(last_number=F("last_number") + count)
        last = HazardCodeSequence.objects.values_list("last_number", flat=True).get(year=year)
    return [f"YH-{year}-{n:04d}" for n in range(last - count + 1, last + 1)]


@transaction.atomic
def hazard_report(*, hazard: Hazard, reported_by=None) -> Hazard:
    """Record a newly found hazard: validate it, give it a code, state ``reported``."""
    hazard.status = HazardStatus.REPORTED
    hazard.reported_by = reported_by if reported_by is not None else hazard.reported_by
    hazard.code = hazard_code_issue(year=hazard.found_on.year)
    hazard.full_clean()
    hazard.save()
    return hazard
