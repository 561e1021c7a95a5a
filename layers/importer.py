"""Importing the city's GIS layers (the layer contract in docs/layers.md).

``layers_import`` reads every layer of the contract in the file (or the ones
named), checks all of them before writing anything, then in one transaction
creates or updates the pipelines by code and replaces each reference layer
as a whole. A refused or failed import writes nothing but its LayerImport
record (status failed, with the problems). After a successful one, HCA
identification runs again (a layer import counts as a change).

Replacing a layer with an empty one, or with under half the features it
holds, loses data unless meant: it is refused unless ``replace_empty`` is
given (the command's --replace-empty, the upload form's confirmation box).
Features outside the city's extent are refused (layers/extent.py).
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from emergency.models import Valve
from hca.services import hca_reidentify_after_import
from layers.checkpoints_layer import CheckpointPlan, checkpoints_clean, checkpoints_write
from layers.choices import LayerName, layer_label
from layers.contract import CleanLayer, feature_layer_clean, fields_read
from layers.errors import LayerImportError
from layers.extent import ExtentFinder
from layers.models import FEATURE_MODELS, LayerImport
from layers.pipelines_layer import PipelinePlan, pipelines_clean, pipelines_write
from layers.reading import layer_read, layers_match, source_opened, without_paths
from layers.validation import Problems
from layers.valves_layer import ValvePlan, valves_clean, valves_write
from layers.writing import feature_layer_replace
from video.layer import CameraPlan, cameras_clean, cameras_write
from video.models import Camera

logger = logging.getLogger(__name__)


@dataclass
class ImportPlan:
    """What a file holds, checked and ready to write."""

    layers: dict[str, CleanLayer | PipelinePlan] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _prepare(path, file_name, wanted, create_companies, plan: ImportPlan) -> None:
    with source_opened(path, file_name) as source:
        matched, plan.ignored = layers_match(source, wanted)
        plan.layers = dict.fromkeys(matched)  # the names, for the record, even if a check fails
        problems = Problems()
        extents = ExtentFinder()

        def check_all():
            for name, file_layer in matched.items():  # pipelines first: they widen the extent of the others
                started = time.monotonic()
                try:
                    read = layer_read(source, file_layer, name, fields_read(name))
                except LayerImportError as exc:
                    for error in exc.errors:
                        problems.add(error)
                    continue
                if name == LayerName.PIPELINES:
                    layer = pipelines_clean(
                        read, problems, create_companies=create_companies, extent=extents.for_pipelines()
                    )
                    extents.add_pipelines(pipeline.route for pipeline in layer.pipelines)
                elif name == LayerName.VALVES:
                    file_pipelines = plan.layers.get(LayerName.PIPELINES)
                    layer = valves_clean(read, problems, extent=extents.for_features(), file_pipelines=file_pipelines)
                elif name == LayerName.CHECKPOINTS:
                    file_pipelines = plan.layers.get(LayerName.PIPELINES)
                    layer = checkpoints_clean(
                        read, problems, extent=extents.for_features(), file_pipelines=file_pipelines
                    )
                elif name == LayerName.CAMERAS:
                    file_pipelines = plan.layers.get(LayerName.PIPELINES)
                    layer = cameras_clean(read, problems, extent=extents.for_features(), file_pipelines=file_pipelines)
                else:
                    layer = feature_layer_clean(name, read, problems, extent=extents.for_features())
                plan.layers[name] = layer
                plan.seconds[name] = time.monotonic() - started

        problems.run(check_all)
        problems.raise_if_any()


def _shrink_check(plan: ImportPlan) -> None:
    """Refuse to replace a layer with none, or with under half its features (unless confirmed)."""
    shrinking = []
    for name, layer in plan.layers.items():
        if isinstance(layer, CleanLayer | ValvePlan | CheckpointPlan | CameraPlan):
            if isinstance(layer, CheckpointPlan):
                from patrols.models import Checkpoint

                stored = Checkpoint.objects.count()
            else:
                model = {ValvePlan: Valve, CameraPlan: Camera}.get(type(layer)) or FEATURE_MODELS[name]
                stored = model.objects.count()
            if stored and layer.count * 2 < stored:
                shrinking.append((name, stored, layer.count))
    if shrinking:
        raise LayerImportError(
            [shrink_message(*row) for row in shrinking]
            + [
                _(
                    "Nothing was imported. If the file is right, import it again with the replacement confirmed "
                    "(--replace-empty, or the confirmation box of the upload form)."
                )
            ],
            shrinking=shrinking,
        )


def shrink_message(name: str, stored: int, new: int) -> str:
    return _("The %(layer)s layer holds %(stored)s features; the new file only %(new)s.") % {
        "layer": layer_label(name),
        "stored": f"{stored:,}",
        "new": f"{new:,}",
    }


def _notes(plan: ImportPlan, details: dict) -> list[str]:
    notes = []
    if plan.ignored:
        notes.append(_("Layers not in the import format were ignored: %(names)s.") % {"names": ", ".join(plan.ignored)})
    for name, detail in details.items():
        if detail.get("skipped"):
            notes.append(
                _("%(layer)s: %(count)s features of other classes skipped.")
                % {"layer": layer_label(name), "count": detail["skipped"]}
            )
        if detail.get("repaired"):
            notes.append(
                _("%(layer)s: %(count)s invalid geometries repaired.")
                % {"layer": layer_label(name), "count": detail["repaired"]}
            )
    pipelines = details.get(LayerName.PIPELINES)
    if pipelines:
        notes.append(
            _("pipelines: %(created)s created, %(updated)s updated.")
            % {"created": pipelines["created"], "updated": pipelines["updated"]}
        )
        if pipelines["defaults"]:
            used = ", ".join(f"{column} × {count}" for column, count in pipelines["defaults"].items())
            notes.append(_("pipelines: defaults used for %(fields)s.") % {"fields": used})
        if pipelines["companies_created"]:
            notes.append(
                _("Companies created (complete their credit code and contacts): %(names)s.")
                % {"names": "、".join(pipelines["companies_created"])}
            )
    return notes


def _write(plan: ImportPlan, file_name: str, actor, started: float, replace_empty: bool) -> LayerImport:
    with transaction.atomic():
        if not replace_empty:
            _shrink_check(plan)  # inside the transaction: the counts are the ones replaced
        record = LayerImport.objects.create(
            file_name=file_name[:255],
            layers=list(plan.layers),
            status=LayerImport.Status.SUCCEEDED,
            imported_by=actor,
        )
        details = {}
        for name, layer in plan.layers.items():
            began = time.monotonic()
            if isinstance(layer, PipelinePlan):
                details[name] = pipelines_write(layer)
            elif isinstance(layer, ValvePlan):
                details[name] = valves_write(layer, record)
            elif isinstance(layer, CheckpointPlan):
                details[name] = checkpoints_write(layer, record)
            elif isinstance(layer, CameraPlan):
                details[name] = cameras_write(layer, record)
            else:
                feature_layer_replace(layer, record)
                details[name] = {"skipped": layer.skipped, "repaired": layer.repaired}
            details[name]["seconds"] = round(plan.seconds[name] + time.monotonic() - began, 2)
        record.counts = {name: layer.count for name, layer in plan.layers.items()}
        record.details = details
        record.message = "\n".join(_notes(plan, details))
        record.seconds = round(time.monotonic() - started, 2)
        record.save(update_fields=["counts", "details", "message", "seconds"])
        if set(plan.layers) - {LayerName.VALVES, LayerName.CHECKPOINTS, LayerName.CAMERAS}:  # they change no HCA
            hca_reidentify_after_import(actor=actor)
    return record


def _record_failure(plan: ImportPlan, file_name: str, actor, started: float, message: str) -> None:
    LayerImport.objects.create(
        file_name=file_name[:255],
        layers=list(plan.layers),
        status=LayerImport.Status.FAILED,
        message=message,
        imported_by=actor,
        seconds=round(time.monotonic() - started, 2),
    )


def layers_import(
    *,
    path,
    layer_names=None,
    create_companies: bool = False,
    actor=None,
    file_name: str | None = None,
    replace_empty: bool = False,
) -> LayerImport:
    """Import the layers of the file at ``path``; raises LayerImportError (nothing written) if refused.

    ``layer_names`` limits the import to those layers (each must be in the file);
    ``file_name`` is the name to record (an upload's original name); ``replace_empty``
    confirms replacing a layer with an empty one or one under half its size.
    """
    started = time.monotonic()
    file_name = file_name or Path(path).name
    wanted = list(layer_names) if layer_names else None
    plan = ImportPlan(layers=dict.fromkeys(wanted or ()))
    try:
        _prepare(path, file_name, wanted, create_companies, plan)
        record = _write(plan, file_name, actor, started, replace_empty)
    except LayerImportError as exc:
        _record_failure(plan, file_name, actor, started, str(exc.message))
        raise
    except Exception as exc:
        logger.exception("Layer import of %s failed", file_name)
        reason = without_paths(exc, file_name)
        _record_failure(plan, file_name, actor, started, _("The import failed: %(error)s") % {"error": reason})
        raise
    logger.info("Layer import of %s: %s in %.1f s", file_name, record.counts, record.seconds)
    return record
