"""Construction-check alerts to the city platform: a check that answers "prohibited" for a permit the city's
planning or permit system is preparing (construction.events.check_prohibited, sent after commit) becomes one
signed JSON delivery per subscription that wants ``construction.check_prohibited``."""

from django.db import transaction
from django.utils import timezone

from integrations.alerts import _enqueue_after_commit
from integrations.models import WebhookDelivery, WebhookEventType, WebhookSubscription

EVENT = WebhookEventType.CONSTRUCTION_CHECK_PROHIBITED


def check_prohibited_payload(*, permit_ref: str, answer: dict, geometry: dict) -> dict:
    return {
        "type": EVENT.value,
        "timestamp": timezone.now().isoformat(),
        "data": {"permit_ref": permit_ref, "geometry": geometry, "check": answer},
    }


@transaction.atomic
def check_prohibited_emit(*, permit_ref: str, answer: dict, geometry: dict) -> list[WebhookDelivery]:
    """One delivery to each active subscription that wants the event (JSON whatever the payload format: CAP
    is for incidents); sent after commit."""
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(EVENT)]
    if not subscriptions:
        return []
    payload = check_prohibited_payload(permit_ref=permit_ref, answer=answer, geometry=geometry)
    deliveries = [WebhookDelivery(subscription=s, event_type=EVENT, payload=payload) for s in subscriptions]
    WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def on_check_prohibited(sender, *, permit_ref, answer, geometry, **kwargs) -> None:
    check_prohibited_emit(permit_ref=permit_ref, answer=answer, geometry=geometry)
