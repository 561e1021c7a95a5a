"""Celery tasks of the city platform integration: thin, idempotent, time-limited."""

from celery import shared_task

from integrations.alerts import DeliveryRetryable, webhook_deliver
from integrations.models import WebhookDelivery

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
