"""Camera health alerts to the city platform: a camera found offline (three heartbeat intervals silent) and
back online, announced by the video domain after commit (video.events.camera_status_changed), become one
signed delivery per subscription that wants the event type."""

from django.db import transaction
from django.utils import timezone

from integrations.alerts import _enqueue_after_commit
from integrations.models import WebhookDelivery, WebhookEventType, WebhookSubscription

EVENT_OF_STATUS = {"offline": WebhookEventType.CAMERA_OFFLINE, "online": WebhookEventType.CAMERA_ONLINE}


def camera_payload(camera, outage, *, event_type: str) -> dict:
    return {
        "type": event_type,
        "timestamp": timezone.now().isoformat(),
        "data": {
            "camera": {
                "id": camera.pk,
                "code": camera.code,
                "device_id": camera.device_id,
                "channel_id": camera.channel_id,
                "company": camera.company_id,
                "pipeline_code": camera.pipeline.code if camera.pipeline_id else None,
                "status": camera.status,
                "last_seen_at": camera.last_seen_at.isoformat() if camera.last_seen_at else None,
                "lat": camera.location.y,
                "long": camera.location.x,
            },
            "outage": None
            if outage is None
            else {
                "id": outage.pk,
                "started_at": outage.started_at.isoformat(),
                "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
            },
        },
    }


@transaction.atomic
def camera_alert_emit(*, camera_id: int, outage_id: int | None, status: str) -> list[WebhookDelivery]:
    from video.models import Camera, CameraOutage

    event_type = EVENT_OF_STATUS.get(status)
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event_type)]
    if event_type is None or not subscriptions:
        return []
    camera = Camera.objects.select_related("pipeline").get(pk=camera_id)
    outage = CameraOutage.objects.filter(pk=outage_id).first() if outage_id else None
    payload = camera_payload(camera, outage, event_type=event_type)
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event_type=event_type, payload=payload) for s in subscriptions]
    )
    _enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def on_camera_status(sender, *, camera_id, outage_id, status, **kwargs) -> None:
    camera_alert_emit(camera_id=camera_id, outage_id=outage_id, status=status)
