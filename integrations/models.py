"""City platform integration: idempotent event intake, outgoing signed webhooks."""

import base64
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32


def webhook_secret_generate() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_message_id() -> str:
    return f"msg_{secrets.token_urlsafe(18)}"


class IdempotentRequest(models.Model):
    """The first response to a request carrying an ``Idempotency-Key``, replayed on retries."""

    caller = models.CharField(_("caller"), max_length=100, help_text=_("api_key:<key prefix> or user:<id>."))
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotent_request_unique_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created_idx")]

    def __str__(self):
        return f"{self.caller} {self.key}"


class WebhookEventType(models.TextChoices):
    HAZARD_MAJOR_REPORTED = "hazard.major_reported", _("major hazard reported")
    HAZARD_OVERDUE = "hazard.overdue", _("hazard overdue")
    HAZARD_ESCALATED = "hazard.escalated", _("hazard escalated")
    HAZARD_CLOSED = "hazard.closed", _("hazard closed")
    INCIDENT_REPORTED = "incident.reported", _("incident reported")
    INCIDENT_UPDATED = (
        "incident.updated",
        _("incident updated (valves closed, leak stopped, area cleared, a valve failed)"),
    )
    INCIDENT_CLOSED = "incident.closed", _("incident closed")
    THEFT_FOUND = "theft.found", _("theft incident found")
    HOTSPOT_FORMED = "theft.hotspot_formed", _("theft hotspot formed")
    CONSTRUCTION_CHECK_PROHIBITED = (
        "construction.check_prohibited",
        _("construction check: prohibited, for a permit being prepared"),
    )
    CONSTRUCTION_APPROVED = "construction.approved", _("construction application approved")
    CONSTRUCTION_STARTED = "construction.started", _("construction work started")
    CAMERA_OFFLINE = "camera.offline", _("camera offline")
    CAMERA_ONLINE = "camera.online", _("camera back online")


class PayloadFormat(models.TextChoices):
    JSON = "json", _("JSON (Standard Webhooks)")
    CAP = "cap", _("CAP 1.2 XML for incidents (hazard alerts stay JSON)")


def _validate_event_types(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event type."))
    unknown = sorted(set(map(str, value)) - set(WebhookEventType.values))
    if unknown:
        raise ValidationError(_("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)})


class WebhookSubscription(models.Model):
    """An endpoint of the city platform that receives signed alerts (Standard Webhooks)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=webhook_secret_generate,
        editable=False,
        help_text=_("Give it to the receiver: it verifies the webhook-signature header with it."),
    )
    event_types = models.JSONField(_("event types"), default=list, validators=[_validate_event_types])
    payload_format = models.CharField(
        _("payload format"),
        max_length=10,
        choices=PayloadFormat.choices,
        default=PayloadFormat.JSON,
        help_text=_("CAP: incident alerts are sent as Common Alerting Protocol 1.2 documents."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"), name="webhook_url_http"
            ),
            models.CheckConstraint(condition=Q(secret__startswith=SECRET_PREFIX), name="webhook_secret_format"),
        ]

    def __str__(self):
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in (self.event_types or [])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One message to one subscription, with the outcome of its last attempt."""

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(_("event type"), max_length=40, choices=WebhookEventType.choices)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
    )
    message_id = models.CharField(_("message id"), max_length=40, unique=True, default=webhook_message_id)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last response status"), null=True, blank=True)
    last_response_body = models.TextField(_("last response (excerpt)"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_webhookdelivery", _("Can resend webhook deliveries"))]
        indexes = [models.Index(fields=["status", "created_at"], name="webhook_delivery_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status"),
            models.CheckConstraint(
                condition=Q(status=DeliveryStatus.DELIVERED, delivered_at__isnull=False)
                | (~Q(status=DeliveryStatus.DELIVERED) & Q(delivered_at__isnull=True)),
                name="webhook_delivered_at_iff_delivered",
            ),
        ]

    def __str__(self):
        return self.message_id
