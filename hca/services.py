"""HCA services: identification runs, segment review, encroachment.

Each write runs in one transaction and leaves a record: an ``HcaRun`` for
identification, an ``HcaReview`` for each review decision, a hazard with
its history (through hazards.services) for each encroachment.
"""

import hashlib
import json
import time
from datetime import timedelta

import numpy as np
import shapely
from django.contrib.gis.geos import GeometryCollection, GEOSGeometry
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, NotPermitted
from common.gis import WGS84, area_within, transformed
from hazards.chain import history_lock
from hca.choices import ReviewStatus, RuleSet, RunTrigger
from hca.encroachment import encroachments_report
from hca.engine import PipelineGeom, Segment, identify
from hca.engine.collector import collector_paused
from hca.engine.network import line_pieces
from hca.loading import corridor_around, layers_load, pipelines_load, reach_m, rules_load, to_wgs84
from hca.models import HcaAssessment, HcaReview, HcaRun, HcaSegment
from pipelines.models import Pipeline, PipelineStatus

REIDENTIFY_MONTHS = 18
# Rules whose HCAs are personnel-dense (人员密集型): only these may join the video pilot.
PERSONNEL_DENSE_KINDS = frozenset(
    {"class_3", "class_4", "settlement", "site_in_radius", "site_within", "pic_buildings"}
)


def fingerprint(segment: Segment, rule_set: str) -> str:
    """What makes a segment of a pipeline 'the same' across runs: its extent
    (to 0.1 m), grade, rules and the features behind them. Not the
    pipeline's code, which may be corrected; segments are matched within
    their pipeline (hca/migrations/0005 recomputes older fingerprints)."""
    data = [
        rule_set,
        round(segment.start_m, 1),
        round(segment.end_m, 1),
        segment.grade,
        list(segment.rules),
        sorted({(r.rule, r.layer, r.feature_id) for r in segment.reasons}),
    ]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _geometries(segments: list[Segment], lines: dict[int, shapely.LineString]) -> list[GEOSGeometry]:
    metric = np.array(line_pieces([(lines[s.pipeline_id], s.start_m, s.end_m) for s in segments]), dtype=object)
    wkb = shapely.to_wkb(to_wgs84(metric)) if len(metric) else []
    return [GEOSGeometry(memoryview(w), srid=4326) for w in wkb]


@transaction.atomic
def hca_identify(
    *,
    pipeline_ids=None,
    rule_set: str = RuleSet.GB32167,
    trigger: str = RunTrigger.MANUAL,
    actor=None,
    detect_encroachment: bool = True,
) -> tuple[HcaRun, list[Segment]]:
    """Identify the HCA segments of the given pipelines (all when None)
    under ``rule_set`` and store them, replacing the previous ones.

    A segment whose fingerprint is unchanged keeps its review and its
    video-pilot flag. Buildings within the 5 m strip become encroachment
    hazards, once each.
    """
    if rule_set not in RuleSet.values:
        raise DomainError(_("Unknown rule set %(rule_set)s.") % {"rule_set": rule_set})
    with collector_paused():  # hundreds of thousands of objects, no cycles (hca/engine/collector.py)
        return _identify(pipeline_ids, rule_set, trigger, actor, detect_encroachment)


def _identify(pipeline_ids, rule_set, trigger, actor, detect_encroachment) -> tuple[HcaRun, list[Segment]]:
    started = time.perf_counter()
    if detect_encroachment:  # it may write hazard history: that lock comes first (hazards.chain.history_lock)
        history_lock()
    # One run at a time per pipeline: a second run for the same pipelines waits here
    # until the first has stored its segments, then replaces them (never beside them).
    locked = Pipeline.objects.select_for_update().order_by("pk")
    list((locked if pipeline_ids is None else locked.filter(pk__in=pipeline_ids)).values_list("pk", flat=True))
    now = timezone.now()
    pipelines = pipelines_load(pipeline_ids=pipeline_ids)  # abandoned pipelines are not assessed
    rules = rules_load(rule_set)
    if pipelines:
        area = None if pipeline_ids is None else corridor_around(pipelines, max(reach_m(rules, pipelines), 5.0))
        layers = layers_load(area=area)
        segments = identify(pipelines, layers, rules)
    else:
        layers, segments = {}, []

    run = HcaRun.objects.create(rule_set=rule_set, trigger=trigger, started_by=actor)
    ids = [p.id for p in pipelines]
    # Every pipeline asked for loses its old segments, an abandoned one included.
    replaced = HcaSegment.objects.filter(rule_set=rule_set)
    if pipeline_ids is not None:
        replaced = replaced.filter(pipeline_id__in=list(pipeline_ids))
    # Locked: a review decided meanwhile is finished (and carried over) before the segments are replaced.
    previous = {
        (row["pipeline_id"], row["fingerprint"]): row
        for row in replaced.select_for_update().values(
            "pipeline_id",
            "fingerprint",
            "review_status",
            "reviewed_by_id",
            "reviewed_at",
            "review_comment",
            "video_pilot",
        )
    }
    # Only the keys: the collector would otherwise read every old segment's geometry and reasons.
    replaced.only("pk").delete()
    lines = {p.id: p.line for p in pipelines}
    rows = []
    for segment, geom in zip(segments, _geometries(segments, lines), strict=True):
        mark = fingerprint(segment, rule_set)
        kept = previous.get((segment.pipeline_id, mark), {})
        rows.append(
            HcaSegment(
                pipeline_id=segment.pipeline_id,
                rule_set=rule_set,
                start_m=segment.start_m,
                end_m=segment.end_m,
                grade=segment.grade,
                rules=list(segment.rules),
                reasons=[r.as_dict() for r in segment.reasons],
                geom=geom,
                fingerprint=mark,
                review_status=kept.get("review_status", ReviewStatus.IDENTIFIED),
                reviewed_by_id=kept.get("reviewed_by_id"),
                reviewed_at=kept.get("reviewed_at"),
                review_comment=kept.get("review_comment", ""),
                video_pilot=kept.get("video_pilot", False),
                identified_at=now,
                run=run,
            )
        )
    HcaSegment.objects.bulk_create(rows, batch_size=500)
    counts = {}
    for segment in segments:
        counts[segment.pipeline_id] = counts.get(segment.pipeline_id, 0) + 1
    existing = dict(
        HcaAssessment.objects.filter(pipeline_id__in=ids, rule_set=rule_set).values_list("pipeline_id", "pk")
    )
    HcaAssessment.objects.bulk_create(
        [HcaAssessment(pipeline_id=i, rule_set=rule_set, identified_at=now, run=run) for i in ids if i not in existing]
    )
    HcaAssessment.objects.filter(pipeline_id__in=ids, rule_set=rule_set).update(
        identified_at=now,
        run=run,
        segment_count=Case(
            *(When(pipeline_id=pipeline_id, then=Value(n)) for pipeline_id, n in counts.items()),
            default=Value(0),
        ),
    )

    new_hazards = 0
    if detect_encroachment and pipelines:
        new_hazards = encroachments_report(pipelines=pipelines, buildings=layers["buildings"])
    run.pipeline_count = len(pipelines)
    run.segment_count = len(segments)
    run.encroachment_count = new_hazards
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["pipeline_count", "segment_count", "encroachment_count", "seconds"])
    return run, segments


def hca_identify_by_ids(*, pipeline_ids=None, rule_set=RuleSet.GB32167, trigger=RunTrigger.MANUAL, user_id=None):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run, _segments = hca_identify(pipeline_ids=pipeline_ids, rule_set=rule_set, trigger=trigger, actor=actor)
    return run


def pipelines_due(*, rule_set: str = RuleSet.GB32167, now=None) -> list[int]:
    """Pipelines not identified under ``rule_set`` for 18 months, or never."""

    now = now or timezone.now()
    limit = now - timedelta(days=round(REIDENTIFY_MONTHS * 30.44))
    recent = HcaAssessment.objects.filter(rule_set=rule_set, identified_at__gte=limit).values("pipeline_id")
    return list(
        Pipeline.objects.exclude(status=PipelineStatus.ABANDONED)
        .exclude(pk__in=recent)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def hca_reidentify_due(*, now=None) -> HcaRun | None:
    due = pipelines_due(now=now)
    if not due:
        return None
    run, _segments = hca_identify(pipeline_ids=due, trigger=RunTrigger.SCHEDULE)
    return run


# --- review --------------------------------------------------------------


def _require_reviewer(actor) -> None:
    if actor is None or not actor.has_perm("hca.change_hcasegment"):
        raise NotPermitted()


def _locked(segment: HcaSegment) -> HcaSegment:
    try:
        return HcaSegment.objects.select_for_update().get(pk=segment.pk)
    except HcaSegment.DoesNotExist:
        raise DomainError(
            _("The pipeline's HCAs were identified again meanwhile and this segment changed; open the list again.")
        ) from None


def _review(segment, actor, action, comment) -> None:
    HcaReview.objects.create(
        segment=segment,
        pipeline_id=segment.pipeline_id,
        fingerprint=segment.fingerprint,
        action=action,
        comment=comment,
        actor=actor,
    )


def segment_actions_allowed(segment: HcaSegment) -> set[str]:
    """The review actions that would change the segment (the admin offers these)."""
    allowed = set()
    if segment.review_status != ReviewStatus.CONFIRMED:
        allowed.add("confirm")
    if segment.review_status != ReviewStatus.DISMISSED and not segment.video_pilot:
        allowed.add("dismiss")
    allowed.add("pilot_off" if segment.video_pilot else "pilot_on")
    return allowed


def _require_allowed(segment: HcaSegment, action: str) -> None:
    if action not in segment_actions_allowed(segment):
        raise DomainError(
            _("The segment is already %(status)s; nothing to change.") % {"status": segment.get_review_status_display()}
        )


@transaction.atomic
def hca_segment_confirm(*, segment: HcaSegment, actor, comment: str = "") -> HcaSegment:
    _require_reviewer(actor)
    segment = _locked(segment)
    _require_allowed(segment, "confirm")
    segment.review_status = ReviewStatus.CONFIRMED
    segment.reviewed_by, segment.reviewed_at, segment.review_comment = actor, timezone.now(), comment.strip()
    segment.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_comment"])
    _review(segment, actor, HcaReview.Action.CONFIRM, comment.strip())
    return segment


@transaction.atomic
def hca_segment_dismiss(*, segment: HcaSegment, actor, comment: str) -> HcaSegment:
    _require_reviewer(actor)
    if not comment or not comment.strip():
        raise DomainError(_("Give the reason for dismissing the segment."))
    segment = _locked(segment)
    if segment.video_pilot:
        raise DomainError(_("Remove the segment from the video pilot before dismissing it."))
    _require_allowed(segment, "dismiss")
    segment.review_status = ReviewStatus.DISMISSED
    segment.reviewed_by, segment.reviewed_at, segment.review_comment = actor, timezone.now(), comment.strip()
    segment.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_comment"])
    _review(segment, actor, HcaReview.Action.DISMISS, comment.strip())
    return segment


def is_personnel_dense(segment: HcaSegment) -> bool:
    from hca.models import HcaRule

    kinds = set(
        HcaRule.objects.filter(rule_set=segment.rule_set, code__in=segment.rules).values_list("kind", flat=True)
    )
    return bool(kinds & PERSONNEL_DENSE_KINDS)


@transaction.atomic
def hca_segment_video_pilot_set(*, segment: HcaSegment, actor, chosen: bool, comment: str = "") -> HcaSegment:
    """Choose a personnel-dense HCA for the video-monitoring pilot (or remove it)."""
    _require_reviewer(actor)
    segment = _locked(segment)
    if chosen:
        if segment.review_status == ReviewStatus.DISMISSED:
            raise DomainError(_("A dismissed segment cannot join the video pilot."))
        if not is_personnel_dense(segment):
            raise DomainError(
                _("Only personnel-dense HCAs (location class, settlements, identified sites) can join the pilot.")
            )
    if segment.video_pilot == chosen:
        return segment
    segment.video_pilot = chosen
    segment.save(update_fields=["video_pilot"])
    action = HcaReview.Action.VIDEO_PILOT_ON if chosen else HcaReview.Action.VIDEO_PILOT_OFF
    _review(segment, actor, action, comment.strip())
    return segment


def pipelines_near(*, geometries) -> list[int]:
    """Pipelines close enough to the given geometries (EPSG:4326) for any
    rule to reach them: the candidates to re-identify after a change."""
    from django.db.models import Max

    geometries = [g for g in geometries if g is not None and not g.empty]
    if not geometries:
        return []
    biggest = Pipeline.objects.aggregate(d=Max("outer_diameter_mm"), p=Max("maop_mpa"))
    rules = [rule for rule_set in RuleSet.values for rule in rules_load(rule_set)]
    probe = [PipelineGeom(0, "", shapely.LineString(), "gas", float(biggest["d"] or 0), float(biggest["p"] or 0))]
    metres = max(reach_m(rules, probe), 5.0)
    changed = GeometryCollection(*[transformed(g, WGS84) for g in geometries], srid=WGS84)
    return list(
        Pipeline.objects.exclude(status=PipelineStatus.ABANDONED)
        .filter(route__intersects=area_within(changed, metres))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def hca_identify_queue(*, pipeline_ids=None, rule_set: str = RuleSet.GB32167, actor=None) -> None:
    """Queue an identification run on the workers, after the caller's commit (it may take a while)."""
    from hca.tasks import hca_identify_task

    if rule_set not in RuleSet.values:
        raise DomainError(_("Unknown rule set %(rule_set)s.") % {"rule_set": rule_set})
    ids = list(pipeline_ids) if pipeline_ids else None
    user_id = actor.pk if actor is not None else None
    transaction.on_commit(
        lambda: hca_identify_task.delay(pipeline_ids=ids, rule_set=rule_set, trigger=RunTrigger.MANUAL, user_id=user_id)
    )


def hca_reidentify_after_change(*, pipeline_ids=(), geometries=(), user_id=None) -> list[int]:
    """A pipeline or a feature near pipelines changed: re-identify the
    pipelines concerned on the workers, after the change is committed."""
    ids = sorted({*pipeline_ids, *pipelines_near(geometries=list(geometries))})
    if ids:
        _queue_rule_sets(ids, RunTrigger.CHANGE, user_id)
    return ids


def hca_reidentify_after_import(*, actor=None) -> None:
    """A layer import changes what every pipeline sees: re-identify them all,
    under every rule set in use, after the import is committed."""
    _queue_rule_sets(None, RunTrigger.IMPORT, actor.pk if actor is not None else None)


# What in a pipeline its high-consequence areas depend on (GB 32167: re-identify on change).
PIPELINE_FIELDS_FOR_HCA = frozenset({"route", "medium", "outer_diameter_mm", "maop_mpa", "status"})


def hca_pipeline_changed(*, pipeline, changed_fields, created: bool, actor=None) -> list[int]:
    """A pipeline was added or edited: re-identify it when its route or the
    data the rules read changed."""
    if created or PIPELINE_FIELDS_FOR_HCA & set(changed_fields):
        return hca_reidentify_after_change(pipeline_ids=[pipeline.pk], user_id=actor.pk if actor is not None else None)
    return []


def _queue_rule_sets(ids, trigger, user_id) -> None:
    from hca.tasks import hca_identify_task

    for rule_set in _rule_sets_in_use(ids):
        transaction.on_commit(
            lambda rule_set=rule_set: hca_identify_task.delay(
                pipeline_ids=ids, rule_set=rule_set, trigger=trigger, user_id=user_id
            ),
            robust=True,
        )


def _rule_sets_in_use(ids) -> list[str]:
    """GB 32167 always; 49 CFR 192 where those pipelines (all when None) were assessed with it."""
    assessed = HcaAssessment.objects.all() if ids is None else HcaAssessment.objects.filter(pipeline_id__in=ids)
    used = set(assessed.values_list("rule_set", flat=True).distinct())
    return [RuleSet.GB32167, *sorted(used - {RuleSet.GB32167})]
