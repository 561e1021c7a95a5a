"""Security alerts to the city platform: a theft incident found and a theft hotspot formed, announced by the
security domain after commit (security.events), become one signed JSON delivery per subscription that wants
them (a subscription set to CAP gets these as JSON too: CAP is for incidents)."""

from django.db import transaction
from django.utils import timezone

from integrations.alerts import _enqueue_after_commit
from integrations.models import WebhookDelivery, WebhookEventType, WebhookSubscription


def _deliver(event_type: str, data: dict) -> list[WebhookDelivery]:
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event_type)]
    if not subscriptions:
        return []
    payload = {"type": event_type, "timestamp": timezone.now().isoformat(), "data": data}
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event_type=event_type, payload=payload) for s in subscriptions]
    )
    _enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def theft_payload(incident) -> dict:
    return {
        "id": incident.pk,
        "code": incident.code,
        "pipeline_code": incident.pipeline.code,
        "company": incident.pipeline.company_id,
        "chainage_m": incident.chainage_m,
        "county": incident.county,
        "lat": incident.location.y,
        "long": incident.location.x,
        "found_on": incident.found_on.isoformat(),
        "found_how": incident.found_how,
        "tap_kind": incident.tap_kind,
        "status": incident.status,
    }


@transaction.atomic
def theft_found_emit(*, incident_id: int) -> list[WebhookDelivery]:
    from security.models import TheftIncident

    incident = TheftIncident.objects.select_related("pipeline").get(pk=incident_id)
    return _deliver(WebhookEventType.THEFT_FOUND, {"theft_incident": theft_payload(incident)})


@transaction.atomic
def hotspot_formed_emit(*, pipeline_id: int, incident_ids: list, from_m: float, to_m: float) -> list:
    from pipelines.models import Pipeline
    from security.models import TheftIncident

    pipeline = Pipeline.objects.get(pk=pipeline_id)
    codes = dict(TheftIncident.objects.filter(pk__in=incident_ids).values_list("pk", "code"))
    data = {
        "hotspot": {
            "pipeline_code": pipeline.code,
            "company": pipeline.company_id,
            "from_m": from_m,
            "to_m": to_m,
            "incidents": [codes[i] for i in incident_ids if i in codes],
        }
    }
    return _deliver(WebhookEventType.HOTSPOT_FORMED, data)


def on_theft_found(sender, *, incident_id, **kwargs) -> None:
    theft_found_emit(incident_id=incident_id)


def on_hotspot_formed(sender, *, pipeline_id, incident_ids, from_m, to_m, **kwargs) -> None:
    hotspot_formed_emit(pipeline_id=pipeline_id, incident_ids=incident_ids, from_m=from_m, to_m=to_m)


def connect_security_alerts() -> None:
    from security.events import hotspot_formed, theft_incident_found

    theft_incident_found.connect(on_theft_found, dispatch_uid="integrations.theft_found")
    hotspot_formed.connect(on_hotspot_formed, dispatch_uid="integrations.hotspot_formed")
