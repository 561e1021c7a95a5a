"""Applications in the admin (Chinese): submitted on a map by a contractor or entered by an inspector; the page
of an application shows its work area over the pipelines and their bands, the operators' answers and
agreements, what still stops the work, the history of every step, and one button per step (each calls a
service: construction/admin_views.py)."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from common.errors import DomainError
from common.widgets import IsoDateInput, OfflineMapWidget
from construction.admin_views import ApplicationViewsMixin
from construction.lifecycle import ApplicationStatus
from construction.models import Application, ApplicationOperator, ApplicationStep, CheckIn, Contractor
from construction.services import application_submit

STATUS_COLORS = {
    ApplicationStatus.SUBMITTED: "#1f5fa8",
    ApplicationStatus.APPROVED: "#17becf",
    ApplicationStatus.NOTIFIED: "#9467bd",
    ApplicationStatus.UNDER_WAY: "#d62728",
    ApplicationStatus.COMPLETED: "#2ca02c",
    ApplicationStatus.EXPIRED: "#7f7f7f",
    ApplicationStatus.REFUSED: "#8c564b",
    ApplicationStatus.CLOSED: "#bbbbbb",
}


@admin.register(Contractor)
class ContractorAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_display = ("name", "contact_person", "phone", "credit_code")
    search_fields = ("name", "credit_code", "contact_person")
    filter_horizontal = ("members",)
    fields = ("name", "credit_code", "contact_person", "phone", "address", "members")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            from accounts.models import User
            from accounts.roles import CONTRACTOR

            kwargs["queryset"] = User.objects.filter(groups__name=CONTRACTOR).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ApplicationAddForm(forms.ModelForm):
    """The application as submitted: the service runs the check and writes it (errors go under their field)."""

    user = None

    class Meta:
        model = Application
        fields = (
            "contractor", "project", "contact_person", "contact_phone", "work_type", "depth_m", "planned_start",
            "planned_end", "area", "description", "work_plan",
        )  # fmt: skip
        widgets = {"planned_start": IsoDateInput, "planned_end": IsoDateInput}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.created = application_submit(
                contractor=data["contractor"], project=data["project"], contact_person=data["contact_person"],
                contact_phone=data["contact_phone"], area=data["area"], work_type=data["work_type"],
                planned_start=data["planned_start"], planned_end=data["planned_end"], depth_m=data.get("depth_m"),
                description=data.get("description", ""), work_plan=data.get("work_plan") or None, actor=self.user,
            )  # fmt: skip
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, str(exc.message))
        return data


class OperatorInline(admin.TabularInline):
    model = ApplicationOperator
    fields = (
        "company", "pipeline_codes", "distance_m", "band", "verdict", "articles", "answer", "site_action",
        "answer_comment", "answered_at", "safety_review_comment",
    )  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("operators concerned (each must answer)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company", "application")

    @admin.display(description=_("pipelines"))
    def pipeline_codes(self, obj):
        return obj.pipeline_codes


class CheckInInline(admin.TabularInline):
    model = CheckIn
    fields = ("at", "guard", "operator", "distance_m", "accuracy_m", "note", "photo_link")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("on-site check-ins (现场监护)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("guard", "operator__company", "application")

    @admin.display(description=_("photo"))
    def photo_link(self, obj):
        from django.utils.html import format_html

        url = reverse("admin:construction_checkin_photo", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("photo"))


class StepInline(admin.TabularInline):
    model = ApplicationStep
    fields = ("at", "kind", "actor", "operator", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("history of every step")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "operator__company", "application")


@admin.register(Application)
class ApplicationAdmin(ApplicationViewsMixin, CompanyScopedMixin, OverviewMapMixin, MapAdmin):
    form = ApplicationAddForm
    change_form_template = "admin/construction/application/change_form.html"
    list_display = (
        "number", "project", "contractor", "work_type", "verdict", "status", "planned_start", "planned_end",
        "decision_due", "operator_count",
    )  # fmt: skip
    list_filter = ("status", "verdict", "work_type", "contractor", "operators__company")
    list_select_related = ("contractor",)
    search_fields = ("number", "project", "contractor__name", "contact_person")
    date_hierarchy = "planned_start"
    inlines = (OperatorInline, CheckInInline, StepInline)
    overview_geometry_field = "area"
    overview_fields = ("number", "project", "status")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(operator_total=Count("operators", distinct=True))

    @admin.display(description=_("operators"), ordering="operator_total")
    def operator_count(self, obj):
        return obj.operator_total

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("ApplicationAddFormFor", (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        if obj is None:
            return ApplicationAddForm.Meta.fields
        return (
            ("number", "status"),
            ("project", "contractor"),
            ("contact_person", "contact_phone"),
            ("work_type", "depth_m", "verdict"),
            ("planned_start", "planned_end", "valid_until"),
            ("submitted_at", "decision_due", "decided_at"),
            "decision_comment",
            ("notice_sent_on", "started_on", "completed_on", "expired_on"),
            "description",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [name for entry in self.get_fields(request, obj) for name in (entry if isinstance(entry, tuple)
                else (entry,))]  # fmt: skip

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_changeform_initial_data(self, request):
        contractors = list(request.user.contractors.all()[:2]) if request.user.is_authenticated else []
        if len(contractors) == 1:
            return {
                "contractor": contractors[0].pk,
                "contact_person": contractors[0].contact_person,
                "contact_phone": contractors[0].phone,
            }
        return {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["widget"] = OfflineMapWidget(
                attrs={
                    "geom_type": "GEOMETRY",
                    "reference_url": reverse("admin:pipelines_pipeline_routes"),
                    "reference_help": _(
                        "Blue lines are the pipelines. Draw the work area: a point, a line or an area."
                    ),
                }
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # The record is kept as submitted; each later step goes through its button.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = form.created
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # the service wrote the operators and the first step

    def response_add(self, request, obj, post_url_continue=None):
        from django.contrib import messages
        from django.http import HttpResponseRedirect

        messages.success(
            request,
            _("Application %(number)s submitted: %(count)d operators must answer.")
            % {"number": obj.number, "count": obj.operators.count()},
        )
        return HttpResponseRedirect(reverse("admin:construction_application_change", args=[obj.pk]))

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['number']} {row['project']} · {ApplicationStatus(row['status']).label}",
            "url": reverse("admin:construction_application_change", args=[row["pk"]]),
            "color": STATUS_COLORS[row["status"]],
        }

    def overview_legend(self):
        return [(ApplicationStatus(status).label, color) for status, color in STATUS_COLORS.items()]
