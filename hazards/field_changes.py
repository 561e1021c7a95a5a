"""The field-level change history (django-auditlog) as people read it.

django-auditlog records every field of a model, reverse relations included,
as strings ("None", "False", primary keys, UTC timestamps). The hazard page
and its history page show only the fields a person can change, under their
Chinese names (verbose_name), with readable values: choices by label, dates
as YYYY-MM-DD, times in Asia/Shanghai, yes/no, "—" for empty, related
records by name.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hazards.models import Hazard, HazardPhoto, Rectification, RectificationEvidence

EMPTY = "—"
# Bookkeeping the system keeps by itself, never typed by a person.
HIDDEN_FIELDS = {"id", "version", "created_at", "updated_at"}
ACTION_LABELS = {
    LogEntry.Action.CREATE: _("created"),
    LogEntry.Action.UPDATE: _("changed"),
    LogEntry.Action.DELETE: _("deleted"),
}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class ChangeEntry:
    timestamp: datetime
    actor: object
    record: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)


def hazard_field_changes(hazard: Hazard) -> list[ChangeEntry]:
    """Readable field changes of a hazard, its photos, rectification rounds and their evidence, oldest first."""
    round_ids = [str(pk) for pk in hazard.rectifications.values_list("pk", flat=True)]
    photo_ids = [str(pk) for pk in hazard.photos.values_list("pk", flat=True)]
    evidence = RectificationEvidence.objects.filter(rectification__hazard=hazard)
    evidence_ids = [str(pk) for pk in evidence.values_list("pk", flat=True)]
    types = ContentType.objects.get_for_models(Hazard, Rectification, HazardPhoto, RectificationEvidence)
    entries = (
        LogEntry.objects.filter(content_type=types[Hazard], object_pk=str(hazard.pk))
        | LogEntry.objects.filter(content_type=types[Rectification], object_pk__in=round_ids)
        | LogEntry.objects.filter(content_type=types[HazardPhoto], object_pk__in=photo_ids)
        | LogEntry.objects.filter(content_type=types[RectificationEvidence], object_pk__in=evidence_ids)
    )
    return readable_entries(entries.select_related("actor", "content_type").order_by("timestamp", "pk"))


def readable_entries(entries) -> list[ChangeEntry]:
    entries = list(entries)
    names = _related_names(entries)
    result = []
    for entry in entries:
        model = entry.content_type.model_class()
        if model is None:
            continue
        changes = []
        for name, values in (entry.changes_dict or {}).items():
            model_field = _shown_field(model, name)
            if model_field is None or not isinstance(values, list | tuple) or len(values) != 2:
                continue
            old, new = (_readable(model_field, value, names) for value in values)
            if old == new or (entry.action == LogEntry.Action.CREATE and new == EMPTY):
                continue
            changes.append(FieldChange(label=str(model_field.verbose_name), old=old, new=new))
        if changes or entry.action == LogEntry.Action.DELETE:
            changes.sort(key=lambda change: _field_order(model, change.label))
            result.append(
                ChangeEntry(
                    timestamp=entry.timestamp,
                    actor=entry.actor,
                    record=str(model._meta.verbose_name),
                    action=str(ACTION_LABELS.get(entry.action, "")),
                    changes=changes,
                )
            )
    return result


def _shown_field(model, name):
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not model_field.concrete or model_field.auto_created or not model_field.editable:
        return None  # reverse relations, the primary key, fields only the system sets
    if name in HIDDEN_FIELDS or isinstance(model_field, models.FileField):
        return None  # stored file names are random: the original name and description say which file
    return model_field


def _field_order(model, label):
    labels = [str(f.verbose_name) for f in model._meta.concrete_fields]
    return labels.index(label) if label in labels else len(labels)


def _is_empty(value) -> bool:
    return value is None or value == "" or value == "None"


def _readable(model_field, value, names) -> str:
    if _is_empty(value):
        return EMPTY
    value = str(value)
    if model_field.choices:
        labels = {str(key): label for key, label in model_field.flatchoices}
        return str(labels.get(value, value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes")) if value in ("True", "1", "true") else str(_("no"))
    if isinstance(model_field, models.ForeignKey):
        return names.get((model_field.related_model, value), f"#{value}")
    if isinstance(model_field, models.DateTimeField):
        return _local_time(value)
    if isinstance(model_field, models.DateField):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return value
    if isinstance(model_field, GeometryField):
        return _coordinates(value)
    return value


def _local_time(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)  # auditlog stores UTC without a zone
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _coordinates(value: str) -> str:
    try:
        geometry = GEOSGeometry(value)
    except (GEOSException, ValueError, TypeError):
        return value
    if geometry.geom_type == "Point":
        return f"{geometry.x:.5f}, {geometry.y:.5f}"
    return str(_("changed on the map"))


def _related_names(entries) -> dict:
    """str() of every related record the entries name, one query per related model."""
    wanted = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        if model is None:
            continue
        for name, values in (entry.changes_dict or {}).items():
            model_field = _shown_field(model, name)
            if isinstance(model_field, models.ForeignKey) and isinstance(values, list | tuple):
                wanted[model_field.related_model].update(str(v) for v in values if not _is_empty(v))
    names = {}
    for related, keys in wanted.items():
        pk_field = related._meta.pk
        valid = []
        for key in keys:
            try:
                valid.append(pk_field.to_python(key))
            except (ValidationError, ValueError, TypeError):
                continue  # a key that is not a key is shown as it was stored
        for pk, obj in related._default_manager.in_bulk(valid).items():
            names[(related, str(pk))] = str(obj)
    return names


def hazard_history_context(hazard: Hazard) -> dict:
    """What the hazard page and its history page show: the life cycle and the field changes."""
    return {"history": hazard.history.select_related("actor"), "field_changes": hazard_field_changes(hazard)}


def changed_labels(entry) -> list[str]:
    """The Chinese names of the fields a person changed in one log entry (no database query)."""
    model = entry.content_type.model_class()
    if model is None:
        return []
    labels = []
    for name, values in (entry.changes_dict or {}).items():
        model_field = _shown_field(model, name)
        if model_field is None or not isinstance(values, list | tuple) or len(values) != 2:
            continue
        old, new = values
        if (_is_empty(old) and _is_empty(new)) or old == new:
            continue
        labels.append(str(model_field.verbose_name))
    return labels
