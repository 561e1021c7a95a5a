from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_queryset
from common.admin import CompanyScopedMixin
from escalations.documents import DOCUMENT_LANGUAGE, ISSUING_OFFICE, TITLES, chinese_date, layout
from escalations.forms import EscalationIssueForm
from escalations.models import DeadlineReminder, Escalation, EscalationKind
from hazards.models import Hazard

ISSUE_FIELDS = ("hazard", "kind", "reply_by", "place", "text")
VIEW_FIELDSETS = (
    (None, {"fields": (("number", "kind"), ("company", "hazard"), ("issued_on", "issued_by"))}),
    (_("Document"), {"fields": (("deadline_at_issue", "reply_by", "place"), "text")}),
    (_("Record"), {"fields": ("created_at",), "classes": ("collapse",)}),
)


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Supervision orders and interview notices: issued through the add form
    (the service), then read-only and printable."""

    list_display = (
        "number",
        "kind",
        "company_short_name",
        "hazard_code",
        "issued_on",
        "reply_by",
        "issued_by_name",
        "print_link",
    )
    list_filter = ("kind", ("company", admin.RelatedOnlyFieldListFilter), "issued_on")
    list_select_related = ("company", "hazard", "issued_by")
    search_fields = ("number", "hazard__code", "company__name", "company__short_name")
    autocomplete_fields = ("hazard",)
    form = EscalationIssueForm
    change_form_template = "escalations/change_form.html"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ISSUE_FIELDS})] if obj is None else VIEW_FIELDSETS

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a new class per request (modelform_factory)
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "hazard":
            kwargs["queryset"] = scope_queryset(Hazard.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Nothing to do: validating the add form issued the escalation (EscalationIssueForm)."""

    # --- print -----------------------------------------------------------

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_print"
        # Before the default URLs, whose "<path:object_id>/" would swallow "<id>/print/".
        return [
            path("<path:object_id>/print/", self.admin_site.admin_view(self.print_view), name=name),
            *super().get_urls(),
        ]

    def print_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied  # before the lookup, which would tell which escalations exist
        escalation = self.get_object(request, unquote(object_id))
        if escalation is None:
            raise Http404(_("No such escalation."))
        if not self.has_view_permission(request, escalation):
            raise PermissionDenied
        hazard = escalation.hazard
        salutation, paragraphs = layout(text=escalation.text, company_name=escalation.company.name)
        context = {
            "escalation": escalation,
            "hazard": hazard,
            "is_interview": escalation.kind == EscalationKind.INTERVIEW,
            "title": TITLES[escalation.kind],
            "salutation": salutation,
            "paragraphs": paragraphs,
            "office": ISSUING_OFFICE,
            "issued_on": chinese_date(escalation.issued_on),
            "reply_by": chinese_date(escalation.reply_by),
            "deadline": chinese_date(escalation.deadline_at_issue),
            "change_url": reverse("admin:escalations_escalation_change", args=[escalation.pk]),
        }
        # An official document: Chinese whatever the interface language.
        with translation.override(DOCUMENT_LANGUAGE):
            return render(request, "escalations/print.html", context)

    # --- list columns ----------------------------------------------------

    @admin.display(description=_("company"), ordering="company__short_name")
    def company_short_name(self, obj):
        return obj.company.short_name

    @admin.display(description=_("hazard"), ordering="hazard__code")
    def hazard_code(self, obj):
        return obj.hazard.code

    @admin.display(description=_("issued by"), ordering="issued_by__username")
    def issued_by_name(self, obj):
        return str(obj.issued_by) if obj.issued_by_id else _("system")

    @admin.display(description=_("print"))
    def print_link(self, obj):
        url = reverse("admin:escalations_escalation_print", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Print"))


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(CompanyScopedMixin, admin.ModelAdmin):
    """Reminders the nightly run sent: company staff see theirs."""

    list_display = ("deadline", "hazard", "company", "created_at")
    list_filter = ("deadline", "company")
    list_select_related = ("hazard", "company")
    search_fields = ("hazard__code", "company__name")
    date_hierarchy = "deadline"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
