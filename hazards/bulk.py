"""Reporting many hazards at once (GIS analysis finds hundreds or thousands):
the same result as ``hazard_report`` one by one — codes in list order, a
``report`` history row each (chained), the audit log's create entry, the
major-hazard alerts — in a few statements instead of a dozen per hazard."""

from django.db import transaction
from django.db.models.signals import post_save

from hazards.chain import history_append
from hazards.choices import HazardLevel, HazardStatus
from hazards.models import Hazard, HazardTransition, TransitionAction
from hazards.services import _alert, _require, hazard_codes_reserve


@transaction.atomic
def hazards_report_bulk(*, hazards: list[Hazard], actor=None, comment: str = "") -> list[Hazard]:
    """Record newly found hazards, in list order, as ``hazard_report`` would one by one.

    The caller passes the pipelines as objects (``hazard.pipeline = …``) when it
    has them, so validation does not load them again. A hazard that fails
    validation raises ValidationError naming its fields; nothing is kept.
    """
    if not hazards:
        return hazards
    for hazard in hazards:
        if actor is not None:
            _require(actor, "hazards.add_hazard", hazard)
        hazard.status = HazardStatus.REPORTED
        hazard.deadline = None
        hazard.reported_by = actor if actor is not None else hazard.reported_by
    by_year: dict[int, list[Hazard]] = {}
    for hazard in hazards:
        by_year.setdefault(hazard.found_on.year, []).append(hazard)
    for year, group in sorted(by_year.items()):
        for hazard, code in zip(group, hazard_codes_reserve(year=year, count=len(group)), strict=True):
            hazard.code = code
    foreign_keys = [f.name for f in Hazard._meta.concrete_fields if f.is_relation]
    for hazard in hazards:
        # Without a query per hazard: fresh codes from the sequence are unique, and the
        # references are checked by the database's foreign keys (the cross-field rules still run).
        hazard.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)
    Hazard.objects.bulk_create(hazards)
    for hazard in hazards:  # what save() tells its receivers (the audit log's create entry)
        post_save.send(
            sender=Hazard, instance=hazard, created=True, update_fields=None, raw=False, using=Hazard.objects.db
        )
    history_append(
        [
            HazardTransition(
                hazard=hazard,
                action=TransitionAction.REPORT,
                from_status="",
                to_status=HazardStatus.REPORTED,
                actor=actor,
                comment=comment,
            )
            for hazard in hazards
        ]
    )
    _alert("hazard.major_reported", [hazard.pk for hazard in hazards if hazard.level == HazardLevel.MAJOR])
    return hazards
