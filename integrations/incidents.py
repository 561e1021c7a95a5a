"""Incident alerts to the city platform: each step of an incident's time line, announced by the emergency
domain after commit (emergency.events.incident_step_recorded), becomes one signed delivery per subscription
that wants it, as JSON (Standard Webhooks) or as a CAP 1.2 document (integrations.alerts sends either)."""

from django.db import transaction
from django.utils import timezone

from emergency.cap import incident_cap
from emergency.choices import IncidentStepKind
from emergency.models import Incident, IncidentStep
from integrations.alerts import _enqueue_after_commit
from integrations.models import PayloadFormat, WebhookDelivery, WebhookEventType, WebhookSubscription

EVENT_OF_STEP = {
    IncidentStepKind.REPORTED: WebhookEventType.INCIDENT_REPORTED,
    IncidentStepKind.VALVES_CLOSED: WebhookEventType.INCIDENT_UPDATED,
    IncidentStepKind.LEAK_STOPPED: WebhookEventType.INCIDENT_UPDATED,
    IncidentStepKind.AREA_CLEARED: WebhookEventType.INCIDENT_UPDATED,
    IncidentStepKind.VALVE_FAILED: WebhookEventType.INCIDENT_UPDATED,
    IncidentStepKind.CLOSED: WebhookEventType.INCIDENT_CLOSED,
}


def incident_payload(incident: Incident, step: IncidentStep, *, event_type: str) -> dict:
    trace = incident.trace or {}
    return {
        "type": event_type,
        "timestamp": timezone.now().isoformat(),
        "data": {
            "incident": {
                "id": incident.pk,
                "code": incident.code,
                "kind": incident.kind,
                "level": incident.level,
                "status": incident.status,
                "is_drill": incident.is_drill,
                "occurred_at": incident.occurred_at.isoformat(),
                "lat": incident.location.y,
                "long": incident.location.x,
                "pipeline_code": trace.get("pipeline_code"),
                "chainage_m": trace.get("chainage_m"),
                "company": incident.company_id,
                "valves_to_close": [v["code"] for v in trace.get("valves_to_close", [])],
                "failed_valves": list(incident.failed_valves or []),
            },
            "step": {"kind": step.kind, "at": step.at.isoformat(), "comment": step.comment},
        },
    }


@transaction.atomic
def incident_alert_emit(*, incident_id: int, step_id: int, kind: str) -> list[WebhookDelivery]:
    """One delivery of the step to each active subscription that wants its event type; sent after commit."""
    event_type = EVENT_OF_STEP.get(kind)
    if event_type is None:
        return []
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event_type)]
    if not subscriptions:
        return []
    incident = Incident.objects.select_related("company").get(pk=incident_id)
    step = IncidentStep.objects.get(pk=step_id)
    first = incident.steps.filter(kind=IncidentStepKind.REPORTED).order_by("pk").first()
    as_json = incident_payload(incident, step, event_type=event_type)
    deliveries = []
    for subscription in subscriptions:
        if subscription.payload_format == PayloadFormat.CAP:
            payload = {"cap": incident_cap(incident, step, first_step=first).decode("utf-8"), "type": event_type}
        else:
            payload = as_json
        deliveries.append(WebhookDelivery(subscription=subscription, event_type=event_type, payload=payload))
    WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def on_incident_step(sender, *, incident_id, step_id, kind, **kwargs) -> None:
    incident_alert_emit(incident_id=incident_id, step_id=step_id, kind=kind)
