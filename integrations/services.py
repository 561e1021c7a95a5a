"""Event intake from the city platform (Open311-like): a grid worker's report becomes a hazard.

Requests carry an ``Idempotency-Key``; the first response is stored with a
fingerprint of the request and replayed on retries, so a retried report never
creates a second hazard. The key is claimed by inserting its row in the same
transaction as the hazard: a concurrent retry waits on the unique constraint,
then replays the committed response; if the first attempt fails, nothing is
stored and the retry runs again.

Stored responses are kept ``IDEMPOTENCY_KEY_TTL_HOURS``; ``idempotent_requests_purge``
(run daily) deletes older ones, after which the same key counts as a new request.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError
from common.gis import WGS84, area_within, to_metric
from hazards.choices import HazardLevel, HazardSource
from hazards.models import Hazard
from hazards.services import hazard_photo_add, hazard_report
from hazards.uploads import PHOTO_TYPES, validate_upload
from integrations.models import DeliveryStatus, IdempotentRequest, WebhookDelivery
from pipelines.models import Pipeline

# The city and ~100 km around it (WGS84 degrees).
CITY_LONGITUDE = (118.1, 119.2)
CITY_LATITUDE = (36.9, 38.1)
NEAREST_PIPELINE_MAX_M = 2000.0


class NoPipelineNearby(DomainError):
    default_message = gettext_lazy("No pipeline within 2,000 m of this point: a hazard needs a pipeline's company.")
    code = "no_pipeline_nearby"


class IdempotencyKeyReused(DomainError):
    default_message = gettext_lazy("This Idempotency-Key was already used with another request.")
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class IntakeResult:
    status: int
    body: dict
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, caller: str, body_digest: str) -> str:
    """sha256 of the method, path, caller identity and the body's own sha256."""
    text = "\n".join([method.upper(), path, caller, body_digest])
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(*, caller: str, key: str, fingerprint: str, produce) -> IntakeResult:
    """Run ``produce()`` (returns the response's status and body) once per ``(caller, key)``, in one
    transaction with the key's claim; a retry with the same fingerprint replays the stored response,
    another request with the same key is refused (IdempotencyKeyReused)."""

    def claim_key():
        with transaction.atomic():
            # Claims the key; a concurrent request with the same key waits here
            # (unique constraint) until this transaction ends.
            return IdempotentRequest.objects.create(
                caller=caller, key=key, fingerprint=fingerprint, response_status=0, response_body={}
            )

    with transaction.atomic():
        try:
            claim = claim_key()
        except IntegrityError:
            previous = IdempotentRequest.objects.select_for_update().get(caller=caller, key=key)
            if previous.created_at >= timezone.now() - idempotency_key_ttl():
                if previous.fingerprint != fingerprint:
                    raise IdempotencyKeyReused() from None
                return IntakeResult(status=previous.response_status, body=previous.response_body, replayed=True)
            # Expired (the daily purge has not come by yet): the key is free again.
            previous.delete()
            claim = claim_key()
        status, body = produce()
        claim.response_status, claim.response_body = status, body
        claim.save(update_fields=["response_status", "response_body"])
    return IntakeResult(status=status, body=body)


def event_intake(*, data: dict, actor, idempotency_key: str, request_fingerprint: str, caller: str) -> IntakeResult:
    """Record a reported event as a hazard (state ``reported``), once per ``(caller, idempotency_key)``.

    ``data``: category, description, lat, long, and optionally address,
    reporter_ref, photo (an uploaded file). ``actor`` is None for the city
    platform, else the logged-in user (who needs the right to add hazards).
    ``caller`` names who holds the key: ``api_key:<key prefix>`` or ``user:<id>``.
    """

    def produce():
        hazard, photo_attached = _hazard_from_event(data=data, actor=actor)
        return 201, {
            "id": hazard.pk,
            "code": hazard.code,
            "status": hazard.status,
            "company": hazard.company_id,
            "pipeline": hazard.pipeline_id,
            "photo_attached": photo_attached,
        }

    return idempotent(caller=caller, key=idempotency_key, fingerprint=request_fingerprint, produce=produce)


def _hazard_from_event(*, data: dict, actor) -> tuple[Hazard, bool]:
    point = event_point(lat=data.get("lat"), long=data.get("long"))
    photo = data.get("photo")
    if photo:
        validate_upload(photo, allowed=PHOTO_TYPES)  # refuse a bad photo before creating anything
    pipeline = nearest_pipeline(point=point)
    if pipeline is None:
        raise NoPipelineNearby()
    reporter_ref = (data.get("reporter_ref") or "").strip()
    comment = _("Reported through the city platform.")
    if reporter_ref:
        worker = _("Grid worker: %(ref)s.") % {"ref": reporter_ref}
        comment = f"{comment} {worker}"
    hazard = Hazard(
        source=HazardSource.CITY_PLATFORM,
        company_id=pipeline.company_id,
        pipeline=pipeline,
        location=point,
        place=(data.get("address") or "").strip()[:200],
        category=data.get("category") or "",
        level=HazardLevel.GENERAL,
        description=(data.get("description") or "").strip(),
        found_on=_today(),
    )
    hazard = hazard_report(hazard=hazard, actor=actor, comment=comment)
    attached = False
    if photo and (actor is None or actor.has_perm("hazards.change_hazard")):
        hazard_photo_add(hazard=hazard, actor=actor, file=photo, caption=_("Photo from the city platform"))
        attached = True
    return hazard, attached


def _today() -> date:
    return timezone.localdate()


def event_point(*, lat, long) -> Point:
    """The WGS84 point of an event; ValidationError naming the field if it is not in the city."""
    errors = {}
    values = {}
    for field, value, (low, high) in (("lat", lat, CITY_LATITUDE), ("long", long, CITY_LONGITUDE)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[field] = _("Give a number (WGS84 degrees).")
            continue
        if not math.isfinite(number) or not low <= number <= high:
            errors[field] = _("Must be between %(low)s and %(high)s (the city and its surroundings).") % {
                "low": low,
                "high": high,
            }
            continue
        values[field] = number
    if errors:
        raise ValidationError(errors)
    return Point(values["long"], values["lat"], srid=WGS84)


def nearest_pipeline(*, point: Point, max_m: float = NEAREST_PIPELINE_MAX_M) -> Pipeline | None:
    """The pipeline nearest to ``point`` (WGS84) within ``max_m`` metres, measured in settings.METRIC_SRID.

    The pipelines meeting the area within ``max_m`` (buffered in metres) are
    the candidates, through the spatial index; GEOS measures their exact
    distances in metres.
    """
    area = area_within(point, max_m)
    candidates = Pipeline.objects.filter(route__intersects=area).only("pk", "company", "route", "length_m")
    metric_point = to_metric(point)
    best, best_distance = None, None
    for pipeline in candidates.order_by("pk"):
        distance = to_metric(pipeline.route).distance(metric_point)
        if distance <= max_m and (best_distance is None or distance < best_distance):
            best, best_distance = pipeline, distance
    return best


# --- retention -------------------------------------------------------------


def _cutoff(older_than: timedelta):
    if older_than <= timedelta(0):
        raise ValueError(f"older_than must be positive, not {older_than}.")
    return timezone.now() - older_than


def idempotency_key_ttl() -> timedelta:
    """How long a key's first response is replayed (settings.IDEMPOTENCY_KEY_TTL_HOURS)."""
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def integrations_purge() -> dict:
    """The daily retention: idempotency keys past their time to live, and
    finished webhook deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS
    (0 keeps them); the numbers deleted."""
    result = {
        "idempotent_requests": idempotent_requests_purge(older_than=idempotency_key_ttl()),
        "webhook_deliveries": 0,
    }
    if settings.WEBHOOK_DELIVERY_RETENTION_DAYS > 0:
        result["webhook_deliveries"] = webhook_deliveries_purge(
            older_than=timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
        )
    return result


def idempotent_requests_purge(*, older_than: timedelta) -> int:
    """Delete the stored responses of requests made more than ``older_than`` ago; the number deleted.

    A retry that arrives later with the same key is then a new request.
    """
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=_cutoff(older_than)).delete()
    return deleted


def webhook_deliveries_purge(*, older_than: timedelta) -> int:
    """Delete finished (delivered or failed) webhook deliveries created more than ``older_than`` ago.

    Pending deliveries stay, whatever their age: they are still being retried.
    """
    finished = [DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
    deliveries = WebhookDelivery.objects.filter(status__in=finished, created_at__lt=_cutoff(older_than))
    deleted, _by_model = deliveries.delete()
    return deleted
