"""Illegal refinery points (土炼油点) in the admin: on a map, shut down, re-checked (+30, +90, +180 days after
each closure; the beat job raises them when due), reopened when a re-check finds one working again (死灰复燃).
Regulator data: company staff have no permission on them (accounts/roles.py)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import MapAdmin, OverviewMapMixin
from common.widgets import IsoDateInput, OfflineMapWidget
from security import maps
from security.admin_common import NotAllowed, ReadOnlyHistoryInline, object_for_action
from security.choices import RefineryStatus
from security.models import RefineryHistory, RefineryPoint, RefineryRecheck
from security.refinery import refinery_recheck_record, refinery_record, refinery_shut
from security.services import SecurityError

CHANGE = "admin:security_refinerypoint_change"


class RefineryForm(forms.ModelForm):
    class Meta:
        model = RefineryPoint
        fields = ("kind", "name", "location", "area", "found_on", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "location" in self.fields:
            self.fields["location"].required = False
            self.fields["location"].help_text = _("Click the point, or draw the area below (its centre is used).")

    def clean(self):
        data = super().clean()
        if not data.get("location") and not data.get("area") and not self.errors:
            raise ValidationError(_("Give the point or draw the area of the refinery point."))
        if data.get("found_on") and data["found_on"] > timezone.localdate():
            self.add_error("found_on", _("The day it was found cannot lie in the future."))
        return data


class ShutForm(forms.Form):
    on = forms.DateField(widget=IsoDateInput)
    by = forms.CharField(max_length=100)
    comment = forms.CharField(required=False, max_length=1000)


class RecheckForm(forms.Form):
    recheck = forms.IntegerField()
    working = forms.TypedChoiceField(choices=[("0", "0"), ("1", "1")], coerce=lambda v: v == "1")
    on = forms.DateField(widget=IsoDateInput)
    checked_by = forms.CharField(max_length=100)
    comment = forms.CharField(required=False, max_length=1000)


class RefineryHistoryInline(ReadOnlyHistoryInline):
    model = RefineryHistory
    fields = ("on", "action", "actor", "comment", "details")
    readonly_fields = fields
    related = ("actor", "point")


@admin.register(RefineryPoint)
class RefineryPointAdmin(OverviewMapMixin, MapAdmin):
    form = RefineryForm
    change_list_template = "admin/security/refinerypoint/change_list.html"
    change_form_template = "admin/security/refinerypoint/change_form.html"
    list_display = ("code", "name", "kind", "county", "status", "found_on", "shut_down_on", "closures", "recurrences")
    list_filter = ("status", "kind", "county")
    search_fields = ("code", "name", "county", "shut_down_by")
    date_hierarchy = "found_on"
    inlines = (RefineryHistoryInline,)
    overview_geometry_field = "location"
    overview_fields = ("code", "status", "kind", "recurrences")

    def get_fields(self, request, obj=None):
        if obj is None:
            return RefineryForm.Meta.fields
        return (
            "code",
            ("kind", "name", "county"),
            "location",
            "area",
            ("found_on", "status"),
            ("shut_down_on", "shut_down_by"),
            ("closures", "recurrences"),
            "description",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "code",
            "kind",
            "county",
            "location_map",
            "area_map",
            "found_on",
            "status",
            "shut_down_on",
            "shut_down_by",
            "closures",
            "recurrences",
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_changeform_initial_data(self, request):
        return {"found_on": timezone.localdate()}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("location", "area"):
            kwargs["widget"] = OfflineMapWidget(
                attrs={
                    "geom_type": "POINT" if db_field.name == "location" else "POLYGON",
                    "reference_url": reverse("admin:pipelines_pipeline_routes"),
                    "reference_help": _("Blue lines are the pipelines."),
                }
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            if "name" in form.changed_data or "description" in form.changed_data:
                obj.save(update_fields=["name", "description", "updated_at"])
                RefineryHistory.objects.create(
                    point=obj,
                    action="edited",
                    on=timezone.localdate(),
                    actor=request.user,
                    details={"fields": [f for f in form.changed_data if f in ("name", "description")]},
                )
            return
        try:
            created = refinery_record(
                actor=request.user,
                **{f: data.get(f) or "" for f in ("name", "description")},
                kind=data["kind"],
                found_on=data["found_on"],
                location=data.get("location"),
                area=data.get("area"),
            )
        except SecurityError as exc:
            raise ValidationError(str(exc)) from exc
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, _("Refinery point %(code)s recorded.") % {"code": obj.code})
        return HttpResponseRedirect(reverse(CHANGE, args=[obj.pk]))

    def overview_feature_properties(self, row):
        label = f"{row['code']} · {RefineryStatus(row['status']).label}"
        if row["recurrences"]:
            label += " · " + str(_("found working again %(n)d times") % {"n": row["recurrences"]})
        return {"label": label, "url": reverse(CHANGE, args=[row["pk"]]), "color": maps.REFINERY_COLORS[row["status"]]}

    def overview_legend(self):
        return [(RefineryStatus(k).label, c) for k, c in maps.REFINERY_COLORS.items()]

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<path:object_id>/shut/", view(self.shut_view), name="security_refinerypoint_shut"),
            path("<path:object_id>/recheck/", view(self.recheck_view), name="security_refinerypoint_recheck"),
            path("ledger.xlsx", view(self.ledger_view), name="security_refinerypoint_ledger"),
            *super().get_urls(),
        ]

    def ledger_view(self, request):
        """The refinery ledger (Excel) of the current list: same filters and search."""
        from django.http import HttpResponse

        from security.export import refinery_ledger

        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:  # a junk filter in the address: the whole register
            queryset = self.get_queryset(request)
        response = HttpResponse(
            refinery_ledger(queryset), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="refinery-points-{timezone.localdate():%Y%m%d}.xlsx"'
        return response

    def _for_action(self, request, object_id) -> RefineryPoint:
        return object_for_action(self, request, object_id, perm="security.change_refinerypoint")

    def shut_view(self, request, object_id):
        try:
            point = self._for_action(request, object_id)
        except NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = ShutForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the date and who shut it down."))
        else:
            try:
                refinery_shut(
                    point=point,
                    on=form.cleaned_data["on"],
                    by=form.cleaned_data["by"],
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                )
                messages.success(
                    request,
                    _("%(code)s shut down; re-checks fall due at +30, +90 and +180 days.") % {"code": point.code},
                )
            except SecurityError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(reverse(CHANGE, args=[point.pk]))

    def recheck_view(self, request, object_id):
        try:
            point = self._for_action(request, object_id)
        except NotAllowed:
            return HttpResponseNotAllowed(["POST"])
        form = RecheckForm(request.POST)
        recheck = point.rechecks.filter(pk=form.cleaned_data["recheck"]).first() if form.is_valid() else None
        if recheck is None:
            messages.error(request, _("Give the result, the date and who re-checked."))
        else:
            try:
                refinery_recheck_record(
                    recheck=recheck,
                    working=form.cleaned_data["working"],
                    on=form.cleaned_data["on"],
                    checked_by=form.cleaned_data["checked_by"],
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                )
                if form.cleaned_data["working"]:
                    messages.warning(
                        request, _("%(code)s is working again (死灰复燃): reopened and counted.") % {"code": point.code}
                    )
                else:
                    messages.success(request, _("Re-check recorded: still shut."))
            except SecurityError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(reverse(CHANGE, args=[point.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        point = self.get_object(request, unquote(object_id)) if object_id.isdigit() else None
        if point is not None:
            from security.refinery import rechecks_due

            raised = {(r.closure, r.offset_days) for r in point.rechecks.all()}
            extra.update(
                point=point,
                can_act=request.user.has_perm("security.change_refinerypoint"),
                rechecks=list(point.rechecks.order_by("-closure", "offset_days")),
                upcoming=[(d, due) for d, due in rechecks_due(point) if (point.closures, d) not in raised],
                today=timezone.localdate(),
            )
        return super().change_view(request, object_id, form_url, extra)


class DueFilter(admin.SimpleListFilter):
    title = _("to do")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("not yet done")), ("0", _("done"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(result="")
        if self.value() == "0":
            return queryset.exclude(result="")
        return queryset


@admin.register(RefineryRecheck)
class RefineryRecheckAdmin(admin.ModelAdmin):
    """The re-checks raised by the daily job; each is recorded on its point's page."""

    list_display = ("point_link", "county", "closure", "offset_days", "due_on", "result", "done_on", "checked_by")
    list_filter = (DueFilter, "result", "offset_days", "point__county")
    list_select_related = ("point",)
    search_fields = ("point__code", "point__name", "checked_by")
    date_hierarchy = "due_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("refinery point"), ordering="point__code")
    def point_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse(CHANGE, args=[obj.point_id]), obj.point.code)

    @admin.display(description=_("county"), ordering="point__county")
    def county(self, obj):
        return obj.point.county
