"""Celery tasks of the city platform integration: thin, idempotent, time-limited."""

from celery import shared_task
from django.db import OperationalError

from integrations.alerts import DeliveryRetryable, webhook_deliver
from integrations.models import WebhookDelivery
from integrations.services import integrations_purge

MAX_RETRIES = 8


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(DeliveryRetryable,),
    retry_backoff=30,  # 30 s, 1 min, 2 min, … capped by retry_backoff_max
    retry_backoff_max=3 * 3600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def webhook_deliver_task(self, delivery_id: int) -> str | None:
    """Send one webhook delivery; retried with exponential backoff while the receiver fails."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    delivery = webhook_deliver(delivery=delivery, final_attempt=self.request.retries >= MAX_RETRIES)
    return delivery.status


@shared_task(
    acks_late=True,  # deleting what is expired again changes nothing
    soft_time_limit=300,
    time_limit=360,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def integrations_purge_task() -> dict:
    """Daily: the retention of integrations.services.integrations_purge."""
    return integrations_purge()
