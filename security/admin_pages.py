"""The theft incident list's own pages: the hotspots map, the figures page and its Excel export, and the
ledger (打孔盗油台账). Each checks the view permission first; the data is what the user may see."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.widgets import OL_CSS, OL_JS, IsoDateInput
from security import maps


class PeriodForm(forms.Form):
    start = forms.DateField(widget=IsoDateInput)
    end = forms.DateField(widget=IsoDateInput)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("The period must start before it ends."))
        return data


def first_day_of_month(day: date, back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


class TheftPagesMixin:
    def _period(self, request):
        today = timezone.localdate()
        default = {"start": first_day_of_month(today, 11), "end": today}
        form = PeriodForm(request.GET if "start" in request.GET or "end" in request.GET else None, initial=default)
        if form.is_bound and form.is_valid():
            return form, form.cleaned_data["start"], form.cleaned_data["end"]
        if form.is_bound:
            messages.error(request, _("The period was not valid; the last 12 months are shown."))
        return form, default["start"], default["end"]

    def figures_view(self, request):
        from security.export import figure_columns
        from security.figures import security_figures

        if not self.has_view_permission(request):
            raise PermissionDenied
        form, start, end = self._period(request)
        rows = security_figures(start=start, end=end, user=request.user)
        columns = figure_columns()
        table = {
            group: [
                (row.label, [get(row.figures) for _name, get in columns])
                for row in rows
                if row.group == group and (group != "pipeline" or row.figures.taps)
            ]
            for group in ("total", "county", "company", "pipeline")
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Security figures"),
            "opts": self.model._meta,
            "form": form,
            "start": start,
            "end": end,
            "columns": [name for name, _get in columns],
            "table": table,
            "export_query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}",
        }
        return TemplateResponse(request, "admin/security/figures.html", context)

    def figures_export_view(self, request):
        from security.export import figures_workbook
        from security.figures import security_figures

        if not self.has_view_permission(request):
            raise PermissionDenied
        _form, start, end = self._period(request)
        body = figures_workbook(security_figures(start=start, end=end, user=request.user), start=start, end=end)
        return self._xlsx(body, f"security-figures-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")

    def ledger_view(self, request):
        from security.export import theft_ledger

        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._xlsx(theft_ledger(self.get_queryset(request)), f"theft-{timezone.localdate():%Y%m%d}.xlsx")

    def _xlsx(self, body, name):
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def hotspots_view(self, request):
        from security.hotspots import hotspot_clusters

        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        show_all = request.GET.get("all") == "1"
        clusters = hotspot_clusters(on=today, active_only=not show_all, queryset=self.get_queryset(request))
        codes = dict(
            self.get_queryset(request).filter(pk__in={m for c in clusters for m in c.members}).values_list("pk", "code")
        )
        from pipelines.models import Pipeline

        pipes = dict(Pipeline.objects.filter(pk__in={c.pipeline_id for c in clusters}).values_list("pk", "code"))
        rows = [
            {
                "pipeline": pipes.get(c.pipeline_id, "?"),
                "from_m": c.stretch[0],
                "to_m": c.stretch[1],
                "span": (c.from_m, c.to_m),
                "incidents": [(m, codes.get(m, "")) for m in c.members],
                "first": date.fromordinal(c.first_day),
                "last": date.fromordinal(c.last_day),
                "active": c.active_on(today.toordinal()),
                "cools_on": date.fromordinal(c.last_day + 91),
            }
            for c in clusters
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Theft hotspots"),
            "opts": self.model._meta,
            "rows": rows,
            "show_all": show_all,
            "geojson": maps.hotspots_geojson(clusters, on_ordinal=today.toordinal()),
            "legend": maps.HOTSPOT_LEGEND,
            "map_media": {"js": OL_JS, "css": OL_CSS},
        }
        return TemplateResponse(request, "admin/security/hotspots.html", context)
