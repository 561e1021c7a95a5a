"""Reporting many hazards at once (GIS analysis finds hundreds or thousands):
the same result as ``hazard_report`` one by one — codes in list order, a
``report`` history row each (chained), the audit log's create entry, the
major-hazard alerts — in a few statements instead of a dozen per hazard."""

from datetime import date
from decimal import Decimal

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

from hazards.bulk_sql import rows_insert
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
    rows_insert(Hazard, hazards)
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
    representations = _representations(hazards)
    for hazard, changes, representation in zip(
        hazards, _changes_on_create(hazards, json_changes), representations, strict=True
    ):
        results = pre_log.send(Hazard, instance=hazard, action=LogEntry.Action.CREATE)
        if any(result is False for _receiver, result in results):
            continue
        entry = LogEntry(
            content_type=content_type,
            object_pk=LogEntry.objects._get_pk_value(hazard),
            object_id=hazard.pk,
            object_repr=representation,
            serialized_data=LogEntry.objects._get_serialized_data_or_none(hazard),
            action=LogEntry.Action.CREATE,
            changes=changes,
            cid=get_cid(),
        )
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=LogEntry.objects.db, update_fields=None)
        entries.append(entry)
        logged.append((hazard, results, changes, entry))
    rows_insert(LogEntry, entries)
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


def _representations(hazards: list[Hazard]) -> list[str]:
    """smart_str(hazard) for each, as the audit log stores it: Hazard.__str__ is the code and the
    category's label, so the label (a lazy choice, slow to look up) is looked up once per category."""
    if type(hazards[0]).__str__ is not _HAZARD_STR:
        return [smart_str(hazard) for hazard in hazards]
    labels = {}
    out = []
    for hazard in hazards:
        if hazard.category not in labels:
            labels[hazard.category] = str(hazard.get_category_display())
        out.append(f"{hazard.code} {labels[hazard.category]}")
    return out


def _changes_on_create(hazards: list[Hazard], json_changes: bool) -> list[dict | None]:
    """What auditlog.diff.model_instance_diff(None, hazard) gives each hazard, without asking
    again, hazard after hazard, what is the same for all: the "before" side (nothing), the
    reverse many-relations (their managers read "app.Model.None"), and a field's change for a
    value already seen (status, company, level… repeat): auditlog's value of a field is a
    function of the attribute it reads, so it is computed once per distinct hashable value."""
    model_fields = auditlog.get_model_fields(Hazard)
    if model_fields["mask_fields"]:
        return [model_instance_diff(None, hazard, use_json_for_changes=json_changes) for hazard in hazards]
    fields = [
        field
        for field in set(get_fields_in_model(hazards[0]))
        if (not model_fields["include_fields"] or field.name in model_fields["include_fields"])
        and field.name not in model_fields["exclude_fields"]
    ]

    def shown(value):
        return value if json_changes and is_primitive(value) else smart_str(value)

    def change(field, before, hazard):
        after = get_field_value(hazard, field, json_changes)
        return (field.name, (shown(before), shown(after))) if before != after else None

    # Per field: its "before", the attribute auditlog reads, and the changes seen so far by value.
    plan = []
    for field in fields:
        before = get_field_value(None, field, json_changes)
        if field.one_to_many:  # the same for every hazard
            plan.append((field, before, None, change(field, before, hazards[0])))
            continue
        fk_id = (
            not settings.AUDITLOG_USE_FK_STRING_REPRESENTATION
            and (field.one_to_one or field.many_to_one)
            and hasattr(field, "rel_class")
        )
        plan.append((field, before, field.get_attname() if fk_id or not field.is_relation else None, {}))
    out = []
    for hazard in hazards:
        state = hazard.__dict__
        diff = {}
        for field, before, attname, seen in plan:
            if attname is None:
                item = seen if type(seen) is not dict else change(field, before, hazard)
            else:
                value = state.get(attname, _MISSING)
                if type(value) in _MEMO_TYPES:
                    key = (type(value), value)
                    if key not in seen:
                        seen[key] = change(field, before, hazard)
                    item = seen[key]
                else:
                    item = change(field, before, hazard)
            if item is not None:
                diff[item[0]] = item[1]
        out.append(diff or None)
    return out


_HAZARD_STR = Hazard.__str__
_MEMO_TYPES = (str, int, float, bool, type(None), date, Decimal)
_MISSING = object()
