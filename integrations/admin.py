"""Webhook subscriptions and the delivery log: regulator staff only.

Company staff never see these rows, whatever permissions they are given:
accounts.scoping has no company path for them, so the querysets are emptied
for anyone who is not a regulator.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.scoping import is_regulator
from integrations.alerts import webhook_resend
from integrations.models import PayloadFormat, WebhookDelivery, WebhookEventType, WebhookSubscription


class RegulatorOnlyMixin:
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_regulator(request.user) else queryset.none()

    def has_module_permission(self, request):
        return is_regulator(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_regulator(request.user) and super().has_view_permission(request, obj)


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "payload_format", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payload_format"].required = False  # JSON unless CAP is chosen

    def clean_payload_format(self):
        return self.cleaned_data.get("payload_format") or PayloadFormat.JSON


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(RegulatorOnlyMixin, admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "event_type_labels", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "event_types", "payload_format", "active"]
        return fields if obj is None else [*fields, "secret", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("secret", "created_at")

    def has_change_permission(self, request, obj=None):
        return is_regulator(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return is_regulator(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return is_regulator(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description=_("event types"))
    def event_type_labels(self, obj):
        labels = dict(WebhookEventType.choices)
        return ", ".join(str(labels.get(value, value)) for value in obj.event_types or [])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RegulatorOnlyMixin, admin.ModelAdmin):
    """The delivery log: read-only; selected deliveries can be sent again."""

    list_display = (
        "message_id",
        "event_type",
        "subscription",
        "hazard",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type", "subscription")
    list_select_related = ("subscription", "hazard")
    search_fields = ("message_id", "hazard__code")
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = (
        ("message_id", "event_type"),
        ("subscription", "hazard"),
        ("status", "attempts", "last_status_code"),
        ("created_at", "last_attempt_at", "delivered_at"),
        "last_error",
        "last_response_body",
        "payload",
    )
    readonly_fields = tuple(name for entry in fields for name in (entry if isinstance(entry, tuple) else (entry,)))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return is_regulator(request.user) and request.user.has_perm("integrations.resend_webhookdelivery")

    @admin.action(description=_("Resend the selected deliveries"), permissions=["resend"])
    def resend(self, request, queryset):
        count = webhook_resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
