"""The application page's buttons (one POST URL, the step named in the form: each calls its service), file
downloads (checked against the user's scope), printable notice and agreement cover pages, the Excel ledger and
the guard's mobile check-in form (360 px, photo from the camera, position from the Geolocation API)."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import is_regulator, scope_queryset
from common.errors import DomainError
from common.widgets import OL_CSS, OL_JS
from construction import damage, forms, services
from construction.lifecycle import NOTICE_DAYS, AgreementKind, ApplicationStatus
from construction.models import AgreementVersion, Application, ApplicationOperator, CheckIn

# step -> (permission, form, what the service is called with)
ACTIONS = {
    "answer": ("construction.answer_application", forms.AnswerForm),
    "agreement": ("construction.answer_application", forms.AgreementForm),
    "safety_review": ("construction.review_application", forms.SafetyReviewForm),
    "approve": ("construction.review_application", forms.ApproveForm),
    "refuse": ("construction.review_application", forms.RefuseForm),
    "notice": ("construction.progress_application", forms.NoticeForm),
    "start": ("construction.progress_application", forms.StartForm),
    "complete": ("construction.progress_application", forms.CompleteForm),
    "close": ("construction.review_application", forms.CloseForm),
    "damage": (None, forms.DamageForm),  # the office or an operator concerned (construction.damage)
    "incident": ("emergency.add_incident", forms.IncidentForm),
}
ANY_ACTION = (
    "construction.answer_application",
    "construction.review_application",
    "construction.progress_application",
    "emergency.add_incident",
)


def _allowed(user, permission) -> bool:
    if permission is None:
        return user.has_perm("construction.review_application") or user.has_perm("construction.answer_application")
    return user.has_perm(permission)


class _NotAllowed(Exception):
    pass


class ApplicationViewsMixin:
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("ledger.xlsx", wrap(self.ledger_view), name="construction_application_ledger"),
            path("<path:object_id>/act/", wrap(self.act_view), name="construction_application_act"),
            path("<path:object_id>/notice/", wrap(self.notice_print_view), name="construction_application_notice"),
            path("<path:object_id>/check-in/", wrap(self.checkin_view), name="construction_application_checkin"),
            path("plan/<int:pk>/", wrap(self.plan_download_view), name="construction_plan_download"),
            path("agreement/<int:pk>/", wrap(self.agreement_download_view), name="construction_agreement_download"),
            path("agreement-cover/<int:pk>/", wrap(self.agreement_cover_view), name="construction_agreement_cover"),
            path("check-in-photo/<int:pk>/", wrap(self.checkin_photo_view), name="construction_checkin_photo"),
            *super().get_urls(),
        ]

    # --- lookups ---------------------------------------------------------

    def _application(self, request, object_id) -> Application:
        try:
            pk = int(unquote(object_id))
        except ValueError:
            pk = None
        application = self.get_queryset(request).filter(pk=pk).first() if pk else None
        if application is None:
            raise Http404(_("No such application."))
        return application

    def _change_url(self, application) -> str:
        return reverse("admin:construction_application_change", args=[application.pk])

    # --- the buttons -----------------------------------------------------

    def act_view(self, request, object_id):
        if not any(request.user.has_perm(permission) for permission in ANY_ACTION):
            raise PermissionDenied  # before anything else: a refusal tells nothing about which applications exist
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        step = request.POST.get("step", "")
        if step not in ACTIONS:
            messages.error(request, _("Unknown step."))
            application = self._application(request, object_id)
            return HttpResponseRedirect(self._change_url(application))
        permission, form_class = ACTIONS[step]
        if not _allowed(request.user, permission):
            raise PermissionDenied
        application = self._application(request, object_id)
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            errors = "; ".join(f"{form.fields[name].label or name}: {' '.join(e)}" if name in form.fields else
                               " ".join(e) for name, e in form.errors.items())  # fmt: skip
            messages.error(request, errors)
            return HttpResponseRedirect(self._change_url(application))
        try:
            done = getattr(self, f"_do_{step}")(request, application, form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(self._change_url(application))

    def _operator(self, application, data) -> ApplicationOperator:
        operator = application.operators.filter(pk=data["operator"]).first()
        if operator is None:
            raise DomainError(_("This operator is not concerned by the application."))
        return operator

    def _do_answer(self, request, application, data):
        operator = self._operator(application, data)
        services.operator_answer(operator=operator, answer=data["answer"], site_action=data["site_action"],
                                 comment=data["comment"], actor=request.user)  # fmt: skip
        return _("The answer of %(company)s is recorded.") % {"company": operator.company.name}

    def _do_agreement(self, request, application, data):
        operator = self._operator(application, data)
        version = services.agreement_upload(operator=operator, kind=data["kind"], file=data["file"],
                                            signed_on=data.get("signed_on"), actor=request.user)  # fmt: skip
        return _("%(kind)s version %(version)d uploaded.") % {
            "kind": AgreementKind(version.kind).label, "version": version.version}  # fmt: skip

    def _do_safety_review(self, request, application, data):
        operator = self._operator(application, data)
        services.safety_review(operator=operator, comment=data["comment"], actor=request.user)
        return _("Safety review recorded for %(company)s.") % {"company": operator.company.name}

    def _do_approve(self, request, application, data):
        services.application_approve(application=application, valid_until=data.get("valid_until"),
                                     comment=data["comment"], actor=request.user)  # fmt: skip
        return _("Application approved.")

    def _do_refuse(self, request, application, data):
        services.application_refuse(application=application, reason=data["reason"], actor=request.user)
        return _("Application refused.")

    def _do_notice(self, request, application, data):
        services.notice_send(application=application, sent_on=data.get("sent_on"), actor=request.user)
        return _("The 7-day notice to the operators is logged.")

    def _do_start(self, request, application, data):
        services.application_start(application=application, started_on=data.get("started_on"), actor=request.user)
        return _("The work is marked started.")

    def _do_complete(self, request, application, data):
        services.application_complete(
            application=application, backfilled=data["backfilled"], markers_restored=data["markers_restored"],
            completed_on=data.get("completed_on"), comment=data["comment"], actor=request.user,
        )  # fmt: skip
        return _("The work is marked completed.")

    def _do_close(self, request, application, data):
        services.application_close(application=application, comment=data["comment"], actor=request.user)
        return _("Application closed.")

    def _do_damage(self, request, application, data):
        hazard = damage.damage_report(application=application, kind=data["kind"], level=data["level"],
                                      description=data["description"], actor=request.user)  # fmt: skip
        return _("Hazard %(code)s reported (third-party construction).") % {"code": hazard.code}

    def _do_incident(self, request, application, data):
        hazard = application.hazards.filter(pk=data["hazard"]).first() if data.get("hazard") else None
        incident = damage.incident_open(application=application, kind=data["kind"], level=data["level"],
                                        description=data["description"], occurred_at=timezone.now(),
                                        hazard=hazard, actor=request.user)  # fmt: skip
        return _("Emergency incident %(code)s opened.") % {"code": incident.code}

    # --- the page --------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from construction.maps import LEGEND, site_geojson

        extra = extra_context or {}
        application = self.get_object(request, unquote(object_id)) if object_id.isdigit() else None
        if application is not None:
            user = request.user
            operators = list(
                application.operators.select_related("company").prefetch_related("agreements__uploaded_by")
            )
            checkins = list(application.checkins.all())
            own = [o for o in operators if o.company_id == getattr(user, "company_id", None)]
            status = application.status
            open_for_operators = status in services.OPEN_FOR_OPERATORS
            is_office = user.has_perm("construction.review_application")
            progress = user.has_perm("construction.progress_application")
            extra.update(
                application=application,
                operators=operators,
                missing=services.application_missing(application) if status in (
                    ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED, ApplicationStatus.NOTIFIED) else [],
                earliest_start=services.earliest_start(application),
                site_geojson=site_geojson(application, checkins),
                legend=LEGEND,
                map_media={"js": OL_JS, "css": OL_CSS},
                answerable=own if open_for_operators and user.has_perm("construction.answer_application") else [],
                reviewable=operators if open_for_operators and is_office else [],
                can_decide=is_office and status == ApplicationStatus.SUBMITTED,
                can_notify=progress and status == ApplicationStatus.APPROVED,
                can_start=progress and status == ApplicationStatus.NOTIFIED,
                can_complete=progress and status == ApplicationStatus.UNDER_WAY,
                can_close=is_office and status in (ApplicationStatus.COMPLETED, ApplicationStatus.EXPIRED,
                                                   ApplicationStatus.REFUSED),
                can_checkin=user.has_perm("construction.checkin_application") and bool(own or is_regulator(user))
                and status in (ApplicationStatus.NOTIFIED, ApplicationStatus.UNDER_WAY),
                can_damage=(is_office or (own and user.has_perm("construction.answer_application")))
                and status in damage.DAMAGE_STATUSES,
                can_incident=user.has_perm("emergency.add_incident") and status in damage.DAMAGE_STATUSES
                and (is_office or bool(own)),
                hazards=list(scope_queryset(application.hazards.all(), user)),
                incidents=list(scope_queryset(application.incidents.all(), user)),
                answer_form=forms.AnswerForm(),
                agreement_form=forms.AgreementForm(),
                damage_form=forms.DamageForm(),
                incident_form=forms.IncidentForm(),
            )  # fmt: skip
        return super().change_view(request, object_id, form_url, extra)

    # --- files -----------------------------------------------------------

    def _attachment(self, field_file, filename, content_type=None):
        if not field_file:
            raise Http404(_("No file."))
        try:
            handle = field_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file is missing from storage.")) from exc
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    def plan_download_view(self, request, pk):
        if not request.user.has_perm("construction.view_application"):
            raise PermissionDenied
        application = self.get_queryset(request).filter(pk=pk).first()
        if application is None:
            raise Http404(_("No such file."))
        return self._attachment(application.work_plan, application.work_plan_name or "plan.pdf", "application/pdf")

    def agreement_download_view(self, request, pk):
        if not request.user.has_perm("construction.view_agreementversion"):
            raise PermissionDenied
        version = scope_queryset(AgreementVersion.objects.all(), request.user).filter(pk=pk).first()
        if version is None:
            raise Http404(_("No such file."))
        return self._attachment(version.file, version.file_name, "application/pdf")

    def checkin_photo_view(self, request, pk):
        if not request.user.has_perm("construction.view_checkin"):
            raise PermissionDenied
        checkin = scope_queryset(CheckIn.objects.all(), request.user).filter(pk=pk).first()
        if checkin is None:
            raise Http404(_("No such file."))
        return self._attachment(checkin.photo, checkin.photo.name.rsplit("/", 1)[-1])

    # --- printable pages -------------------------------------------------

    def notice_print_view(self, request, object_id):
        if not request.user.has_perm("construction.view_application"):
            raise PermissionDenied
        application = self._application(request, object_id)
        operators = list(application.operators.select_related("company"))
        context = {
            "application": application,
            "operators": operators,
            "notice_days": NOTICE_DAYS,
            "earliest_start": services.earliest_start(application),
            "printed_on": timezone.localdate(),
        }
        return TemplateResponse(request, "construction/print_notice.html", context)

    def agreement_cover_view(self, request, pk):
        if not request.user.has_perm("construction.view_applicationoperator"):
            raise PermissionDenied
        operator = (
            scope_queryset(ApplicationOperator.objects.all(), request.user)
            .select_related("company", "application__contractor")
            .prefetch_related("agreements")
            .filter(pk=pk)
            .first()
        )
        if operator is None:
            raise Http404(_("No such operator."))
        context = {"operator": operator, "application": operator.application, "printed_on": timezone.localdate(),
                   "kinds": AgreementKind.choices}  # fmt: skip
        return TemplateResponse(request, "construction/print_agreement_cover.html", context)

    # --- the ledger ------------------------------------------------------

    def ledger_view(self, request):
        from django.db.models import Count

        from construction.ledger import applications_workbook

        if not (self.has_view_permission(request) and request.user.has_perm("construction.export_application_ledger")):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except Exception:
            messages.error(request, _("Unknown filter in the address."))
            return HttpResponseRedirect(reverse("admin:construction_application_changelist"))
        queryset = (
            changelist.queryset.select_related("contractor")
            .prefetch_related("operators__company", "operators__agreements")
            .annotate(checkin_count=Count("checkins", distinct=True))
        )
        response = HttpResponse(
            applications_workbook(queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="construction-{timezone.localdate():%Y%m%d}.xlsx"'
        return response

    def changelist_view(self, request, extra_context=None):
        extra = extra_context or {}
        extra["can_export_ledger"] = request.user.has_perm("construction.export_application_ledger")
        return super().changelist_view(request, extra)

    # --- the guard's phone -----------------------------------------------

    def checkin_view(self, request, object_id):
        if not request.user.has_perm("construction.checkin_application"):
            raise PermissionDenied
        application = self._application(request, object_id)
        form = forms.CheckInForm(request.POST or None, request.FILES or None)
        done = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                checkin = services.checkin_record(
                    application=application, location=data["location"], photo=data["photo"],
                    accuracy_m=data.get("accuracy"), note=data.get("note", ""), actor=request.user,
                )  # fmt: skip
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                done = checkin
                form = forms.CheckInForm()
        context = {"application": application, "form": form, "done": done,
                   "change_url": self._change_url(application)}  # fmt: skip
        return TemplateResponse(request, "construction/checkin.html", context, status=200)
