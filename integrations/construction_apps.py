"""Construction alerts to the city platform: an application approved, and its work started. The construction
domain announces each step after commit (construction.app_events.application_step_recorded); the steps that
matter become one signed JSON delivery (Standard Webhooks) per subscription that wants the event type."""

from django.db import transaction
from django.utils import timezone

from construction.lifecycle import StepKind
from construction.models import Application, ApplicationStep
from integrations.alerts import _enqueue_after_commit
from integrations.models import WebhookDelivery, WebhookEventType, WebhookSubscription

EVENT_OF_STEP = {
    StepKind.APPROVED: WebhookEventType.CONSTRUCTION_APPROVED,
    StepKind.STARTED: WebhookEventType.CONSTRUCTION_STARTED,
}


def application_payload(application: Application, step: ApplicationStep, *, event_type: str) -> dict:
    centre = application.area.point_on_surface if application.area.geom_type != "Point" else application.area
    return {
        "type": event_type,
        "timestamp": timezone.now().isoformat(),
        "data": {
            "application": {
                "id": application.pk,
                "number": application.number,
                "project": application.project,
                "contractor": application.contractor.name,
                "work_type": application.work_type,
                "verdict": application.verdict,
                "status": application.status,
                "planned_start": application.planned_start.isoformat(),
                "planned_end": application.planned_end.isoformat(),
                "valid_until": application.valid_until.isoformat() if application.valid_until else None,
                "started_on": application.started_on.isoformat() if application.started_on else None,
                "companies": [operator.company_id for operator in application.operators.all()],
                "pipeline_codes": [p["pipeline_code"] for o in application.operators.all() for p in o.pipelines],
                "lat": centre.y,
                "long": centre.x,
                "area": application.area.json,
            },
            "step": {"kind": step.kind, "at": step.at.isoformat(), "comment": step.comment},
        },
    }


@transaction.atomic
def application_alert_emit(*, application_id: int, step_id: int, kind: str) -> list[WebhookDelivery]:
    """One delivery of the step to each active subscription that wants its event type; sent after commit."""
    event_type = EVENT_OF_STEP.get(kind)
    if event_type is None:
        return []
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event_type)]
    if not subscriptions:
        return []
    application = Application.objects.select_related("contractor").get(pk=application_id)
    step = ApplicationStep.objects.get(pk=step_id)
    payload = application_payload(application, step, event_type=event_type)
    deliveries = [WebhookDelivery(subscription=s, event_type=event_type, payload=payload) for s in subscriptions]
    WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def on_application_step(sender, *, application_id, step_id, kind, **kwargs) -> None:
    application_alert_emit(application_id=application_id, step_id=step_id, kind=kind)
