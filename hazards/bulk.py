"""Reporting many hazards at once (GIS analysis finds hundreds or thousands):
the same result as ``hazard_report`` one by one — codes in list order, a
``report`` history row each (chained), the audit log's create entry, the
major-hazard alerts — in a few statements instead of a dozen per hazard."""

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, get_fields_in_model, is_primitive, model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str

from hazards.chain import history_append, history_lock
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
    history_lock()  # before the code sequence's row: see hazards.chain.history_lock
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
    _audit_created(hazards)
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


def _audit_created(hazards: list[Hazard]) -> None:
    """The audit log's create entries, as its post_save receiver writes them one by one
    (auditlog.receivers.log_create), in one insert: the same signals around each entry,
    pre_save included (it fills the actor of the request or task in progress)."""
    if auditlog_disabled.get(False):
        return
    json_changes = settings.AUDITLOG_STORE_JSON_CHANGES
    content_type = ContentType.objects.get_for_model(Hazard)
    entries, logged = [], []
    for hazard, changes in zip(hazards, _changes_on_create(hazards, json_changes), strict=True):
        results = pre_log.send(Hazard, instance=hazard, action=LogEntry.Action.CREATE)
        if any(result is False for _receiver, result in results):
            continue
        entry = LogEntry(
            content_type=content_type,
            object_pk=LogEntry.objects._get_pk_value(hazard),
            object_id=hazard.pk,
            object_repr=smart_str(hazard),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(hazard),
            action=LogEntry.Action.CREATE,
            changes=changes,
            cid=get_cid(),
        )
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=LogEntry.objects.db, update_fields=None)
        entries.append(entry)
        logged.append((hazard, results, changes, entry))
    LogEntry.objects.bulk_create(entries)
    for hazard, results, changes, entry in logged:
        post_log.send(
            Hazard,
            instance=hazard,
            instance_old=None,
            action=LogEntry.Action.CREATE,
            error=None,
            pre_log_results=results,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=json_changes,
        )


def _changes_on_create(hazards: list[Hazard], json_changes: bool) -> list[dict | None]:
    """What auditlog.diff.model_instance_diff(None, hazard) gives each hazard, without asking
    again, hazard after hazard, what is the same for all: the "before" side (nothing) and the
    reverse many-relations (their managers read "app.Model.None")."""
    model_fields = auditlog.get_model_fields(Hazard)
    if model_fields["mask_fields"]:
        return [model_instance_diff(None, hazard, use_json_for_changes=json_changes) for hazard in hazards]
    fields = [
        field
        for field in set(get_fields_in_model(hazards[0]))
        if (not model_fields["include_fields"] or field.name in model_fields["include_fields"])
        and field.name not in model_fields["exclude_fields"]
    ]
    before = {field: get_field_value(None, field, json_changes) for field in fields}
    same = {field: get_field_value(hazards[0], field, json_changes) for field in fields if field.one_to_many}

    def shown(value):
        return value if json_changes and is_primitive(value) else smart_str(value)

    out = []
    for hazard in hazards:
        diff = {}
        for field in fields:
            after = same[field] if field in same else get_field_value(hazard, field, json_changes)
            if before[field] != after:
                diff[field.name] = (shown(before[field]), shown(after))
        out.append(diff or None)
    return out
