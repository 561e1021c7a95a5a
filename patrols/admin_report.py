"""The office's patrol report page (巡护报表) and its Excel ledger, under the tasks in the admin."""

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.widgets import OL_CSS, OL_JS, IsoDateInput
from patrols import maps
from patrols.ledger import report_workbook
from patrols.reporting import GROUPS, figures_by, figures_total, period_range, section_rows, task_rows

SECTION_ROWS_SHOWN = 60
# Teams and pipelines: the worst first, this many on the page (all of them in the Excel ledger).
GROUP_ROWS_SHOWN = 30


class ReportForm(forms.Form):
    day = forms.DateField(label=_("date"), required=False, widget=IsoDateInput())
    month = forms.RegexField(
        label=_("month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
        error_messages={"invalid": _("Enter a month as YYYY-MM, e.g. 2026-11.")},
    )
    county = forms.ChoiceField(label=_("county"), required=False)
    company = forms.TypedChoiceField(label=_("operating company"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("team"), required=False, coerce=int, empty_value=None)
    pipeline = forms.CharField(label=_("pipeline"), required=False, max_length=50)

    def __init__(self, data, *, user):
        super().__init__(data)
        from accounts.scoping import scope_queryset
        from companies.models import OperatingCompany
        from patrols.models import Team

        teams = list(scope_queryset(Team.objects.order_by("county", "name"), user).values_list("pk", "name", "county"))
        everything = [("", "---------")]
        self.fields["county"].choices = everything + [(c, c) for c in sorted({t[2] for t in teams})]
        self.fields["team"].choices = everything + [(pk, name) for pk, name, _county in teams]
        companies = scope_queryset(OperatingCompany.objects.order_by("name"), user).values_list("pk", "name")
        self.fields["company"].choices = everything + list(companies)

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("month"):
            raise forms.ValidationError(_("Choose a day or a month, not both."))
        if not self.errors and not data.get("day") and not data.get("month"):
            data["month"] = f"{timezone.localdate():%Y-%m}"
        return data


class PatrolReportMixin:
    """Adds the report's URLs to PatrolTaskAdmin (the tasks' view permission and company scoping)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="patrols_patroltask_report"),
            path("report.xlsx", view(self.report_export_view), name="patrols_patroltask_report_xlsx"),
            path("report.geojson", view(self.report_map_view), name="patrols_patroltask_report_map"),
            *super().get_urls(),
        ]

    def _report(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReportForm(request.GET, user=request.user)
        if not form.is_valid():
            return form, None, None
        data = form.cleaned_data
        first, last = period_range(day=data.get("day"), month=data.get("month"))
        tasks = self.get_queryset(request).filter(date__gte=first, date__lte=last)
        if data.get("county"):
            tasks = tasks.filter(team__county=data["county"])
        if data.get("company"):
            tasks = tasks.filter(section__pipeline__company_id=data["company"])
        if data.get("team"):
            tasks = tasks.filter(team_id=data["team"])
        if data.get("pipeline"):
            tasks = tasks.filter(section__pipeline__code=data["pipeline"])
        return form, (first, last, data), task_rows(tasks)

    def report_view(self, request):
        form, period, rows = self._report(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Patrol report"),
            "opts": self.model._meta,
            "form": form,
            "map_media": {"js": OL_JS, "css": OL_CSS},
        }
        if rows is not None:
            first, last, _data = period
            sections = section_rows(rows)
            query = request.GET.urlencode()
            context.update(
                first=first,
                last=last,
                total=figures_total(rows),
                groups=[_group(key, rows) for key in GROUPS],
                sections=sorted(sections, key=_worst_first)[:SECTION_ROWS_SHOWN],
                sections_count=len(sections),
                sections_cut=len(sections) > SECTION_ROWS_SHOWN,
                missed_tasks=[r for r in rows if r["status"] == "missed"][:SECTION_ROWS_SHOWN],
                query=query,
                legend=[
                    (_("section patrolled"), maps.SECTION),
                    (_("uncovered range (漏巡)"), maps.UNCOVERED),
                ],
            )
        return TemplateResponse(request, "admin/patrols/patroltask/report.html", context)

    def report_export_view(self, request):
        form, period, rows = self._report(request)
        if rows is None:
            return HttpResponse(" ".join(str(m) for e in form.errors.values() for m in e), status=400)
        first, last, _data = period
        response = HttpResponse(
            report_workbook(rows, first=first, last=last),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"patrol-report-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def report_map_view(self, request):
        """The report's map: the sections patrolled (blue) and their uncovered ranges (red)."""
        form, _period, rows = self._report(request)
        if rows is None:
            return HttpResponse(json.dumps({"error": form.errors}), status=400, content_type="application/json")
        sections = section_rows(rows)
        items = [
            (s["pipeline_id"], s["from_m"], s["to_m"], f"{s['code']} · {s['pipeline']} · {s['team']}", "")
            for s in sections
        ]
        red = [
            (s["pipeline_id"], a, b, f"{s['code']} 漏巡 {a:.0f}–{b:.0f} m", "")
            for s in sections
            for a, b in s["uncovered"]
        ]
        features = maps.ranges_features(items, color=maps.SECTION, width=3)
        uncovered = maps.ranges_features(red, color=maps.UNCOVERED, width=5)
        for feature in uncovered:
            feature["properties"]["uncovered"] = True
        body = json.dumps(maps.collection(features + uncovered), ensure_ascii=False, separators=(",", ":"))
        response = HttpResponse(body, content_type="application/geo+json")
        response["Cache-Control"] = "private, no-cache"
        return GZipMiddleware(lambda request: response).process_response(request, response)


def _worst_first(entry):
    figures = entry["figures"] if isinstance(entry, dict) else entry[1]
    return (figures.coverage if figures.coverage is not None else 2.0, -figures.missed)


def _group(key, rows):
    """(key, label, rows shown, rows in all): counties and companies all, teams and pipelines the worst first."""
    found = figures_by(rows, key)
    if key in ("county", "company") or len(found) <= GROUP_ROWS_SHOWN:
        return key, _GROUP_LABELS[key], found, len(found)
    return key, _GROUP_LABELS[key], sorted(found, key=_worst_first)[:GROUP_ROWS_SHOWN], len(found)


_GROUP_LABELS = {
    "county": _("county"),
    "company": _("operating company"),
    "team": _("team"),
    "pipeline": _("pipeline"),
}
