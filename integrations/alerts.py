"""Signed alerts to the city platform (Standard Webhooks, https://www.standardwebhooks.com/).

``alert_emit`` records one delivery per (subscription, hazard) in a constant
number of queries and enqueues them after commit; ``webhook_deliver`` POSTs one
delivery with the headers ``webhook-id`` (the same on every attempt, so the
receiver can drop duplicates), ``webhook-timestamp`` and ``webhook-signature``.
Delivery is at least once: 2xx delivers, 4xx (except 408 and 429) fails for
good, anything else raises ``DeliveryRetryable`` for the task to retry.
"""

import json
import urllib.error
import urllib.request
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook

from hazards.models import Hazard
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEventType, WebhookSubscription

TIMEOUT_SECONDS = 10
EXCERPT_CHARS = 1000
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})
USER_AGENT = "pipeline-safety-webhooks/1.0"


class DeliveryRetryable(Exception):
    """The receiver could not be reached or answered 408, 429 or 5xx: try again later."""


# --- emit ----------------------------------------------------------------


def hazard_payload(hazard: Hazard, *, event_type: str, at: datetime) -> dict:
    return {
        "type": event_type,
        "timestamp": at.isoformat(),
        "data": {
            "hazard": {
                "id": hazard.pk,
                "code": hazard.code,
                "company": hazard.company_id,
                "company_name": hazard.company.name,
                "category": hazard.category,
                "level": hazard.level,
                "status": hazard.status,
                "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
                "lat": hazard.location.y,
                "long": hazard.location.x,
            }
        },
    }


@transaction.atomic
def alert_emit(*, event_type: str, hazard_ids: list[int]) -> list[WebhookDelivery]:
    """Record a delivery of ``event_type`` for each hazard to each active subscription that wants it,
    and send them once the surrounding transaction commits. Three queries whatever the numbers."""
    if event_type not in WebhookEventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event_type)]
    if not subscriptions or not hazard_ids:
        return []
    hazards = Hazard.objects.filter(pk__in=set(hazard_ids)).select_related("company").order_by("pk")
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            subscription=subscription,
            event_type=event_type,
            hazard=hazard,
            payload=hazard_payload(hazard, event_type=event_type, at=now),
        )
        for hazard in hazards
        for subscription in subscriptions
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def webhook_resend(*, delivery_ids: list[int]) -> int:
    """Send the given deliveries again (same message id), whatever their status."""
    ids = list(delivery_ids)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, delivered_at=None)
        _enqueue_after_commit(ids)
    return len(ids)


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    from integrations.tasks import webhook_deliver_task  # the task module imports this one

    for delivery_id in delivery_ids:
        transaction.on_commit(partial(webhook_deliver_task.delay, delivery_id))


# --- deliver -------------------------------------------------------------


def webhook_sign(*, secret: str, message_id: str, timestamp: datetime, body: bytes) -> str:
    """The ``webhook-signature`` header: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""
    return Webhook(secret).sign(msg_id=message_id, timestamp=timestamp, data=body.decode("utf-8"))


def webhook_request(delivery: WebhookDelivery, *, now: datetime | None = None) -> urllib.request.Request:
    subscription = delivery.subscription
    if not subscription.url.startswith(("http://", "https://")):
        raise ValueError("webhook URLs are http or https")
    now = now or timezone.now()
    if "cap" in delivery.payload:  # a CAP 1.2 document, kept as the text that is sent (integrations/incidents.py)
        body, content_type = delivery.payload["cap"].encode("utf-8"), "application/cap+xml; charset=utf-8"
    else:
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook_sign(
            secret=subscription.secret, message_id=delivery.message_id, timestamp=now, body=body
        ),
    }
    return urllib.request.Request(subscription.url, data=body, headers=headers, method="POST")  # noqa: S310


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the 3xx it is (a wrong URL), never followed with the signed body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def webhook_deliver(*, delivery: WebhookDelivery, final_attempt: bool = False) -> WebhookDelivery:
    """POST one delivery and record the outcome; raise DeliveryRetryable when worth retrying.

    A delivery already delivered is not sent again. On ``final_attempt`` a
    retryable outcome marks the delivery failed instead.
    """
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery
    request = webhook_request(delivery)
    code, text, error = None, "", ""
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            code, text = response.status, _excerpt(response)
    except urllib.error.HTTPError as exc:
        code, text = exc.code, _excerpt(exc)
        exc.close()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"

    now = timezone.now()
    if code is not None and 200 <= code < 300:
        status = DeliveryStatus.DELIVERED
    elif code is not None and 300 <= code < 500 and code not in RETRYABLE_CLIENT_ERRORS:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.FAILED if final_attempt else DeliveryStatus.PENDING
    delivery.attempts += 1
    delivery.status = status
    delivery.last_status_code = code
    delivery.last_response_body = text
    delivery.last_error = error if code is None else ("" if status == DeliveryStatus.DELIVERED else f"HTTP {code}")
    delivery.last_attempt_at = now
    delivery.delivered_at = now if status == DeliveryStatus.DELIVERED else None
    # Conditional: a concurrent attempt that already delivered it is not overwritten.
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.DELIVERED).update(
        attempts=F("attempts") + 1,
        status=status,
        last_status_code=code,
        last_response_body=text,
        last_error=delivery.last_error,
        last_attempt_at=now,
        delivered_at=delivery.delivered_at,
    )
    if status == DeliveryStatus.PENDING:
        raise DeliveryRetryable(delivery.last_error)
    return delivery


def _excerpt(response) -> str:
    try:
        raw = response.read(EXCERPT_CHARS * 4)
    except (OSError, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
