import json
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.scoping import scope_queryset
from dashboard.filters import DashboardFilter
from dashboard.selectors import dashboard_stats
from emergency.selectors import incidents_open
from hazards.admin import STATUS_COLORS
from hazards.choices import HazardCategory, HazardLevel, HazardStatus
from hazards.models import Hazard
from patrols.panel import patrol_panel
from security.panel import security_panel

MAP_LIMIT = 5000
# What each figure counts (dashboard.selectors), as the hazard list's filters.
FIGURES = {
    "total": {},
    "open": {"closure": "open"},
    "overdue": {"closure": "open", "is_overdue__exact": "1"},
    "closed": {"closure": "closed"},
    "major_open": {"closure": "open", "level__exact": HazardLevel.MAJOR},
}


def figure_query(base: dict, params: dict) -> dict:
    """The dashboard's filter and a figure's own conditions, in the hazard list's parameters.

    Both apply: a figure that contradicts the filter (major hazards on a dashboard filtered to
    general ones) counts 0 and gets a list of 0 rows, not the filter's value overwritten.
    """
    query = {key: str(value) for key, value in base.items()}
    for key, value in params.items():
        value = str(value)
        if query.get(key, value) != value and key.endswith("__exact"):
            query[key.removesuffix("__exact") + "__in"] = value
        else:
            query[key] = value
    return query


OPEN_INCIDENTS_SHOWN = 5


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Rectification status at a glance, for managers (all companies) and company staff (their own)."""

    template_name = "dashboard/index.html"
    permission_required = "hazards.view_hazard"

    def handle_no_permission(self):
        # Log-ins land here; staff who may not see hazards go on to the admin's index instead.
        if self.request.user.is_authenticated and self.request.user.is_staff:
            return redirect("admin:index")
        return super().handle_no_permission()

    def get_context_data(self, **kwargs):
        context = {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}
        user = self.request.user
        hazards = scope_queryset(Hazard.objects.all(), user)
        filterset = DashboardFilter(self.request.GET or None, queryset=hazards, user=user)
        filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else hazards
        base_query = filterset.admin_query()
        stats = dashboard_stats(hazards=filtered)
        changelist = reverse("admin:hazards_hazard_changelist")

        def figure_links(**row):
            """The list each figure of a row (the whole dashboard, a company, a campaign…) counts."""
            query = figure_query(base_query, row)
            return {name: f"{changelist}?{urlencode(figure_query(query, extra))}" for name, extra in FIGURES.items()}

        def month_link(field, month):
            """A bar of the monthly chart: the hazards found (or closed, Asia/Shanghai) that month."""
            year, number = month["month"].split("-")
            query = figure_query(base_query, {f"{field}__year": year, f"{field}__month": str(int(number))})
            return f"{changelist}?{urlencode(query)}"

        for row in stats["by_company"]:
            row["links"] = figure_links(company__id__exact=row["company_id"])
        for row in stats["by_campaign"]:
            row["links"] = figure_links(campaign__id__exact=row["campaign_id"])
        for row in stats["by_category"]:
            row["label"] = HazardCategory(row["category"]).label
            row["links"] = figure_links(category__exact=row["category"])
        for row in stats["by_level"]:
            row["label"] = HazardLevel(row["level"]).label
            row["links"] = figure_links(level__exact=row["level"])
        open_incidents = list(incidents_open(user=user))  # a handful at any time: one query for list and count
        context.update(
            open_incidents=open_incidents[:OPEN_INCIDENTS_SHOWN],
            open_incidents_url=reverse("admin:emergency_incident_changelist") + "?open=1",
            open_incidents_count=len(open_incidents),
            filterset=filterset,
            stats=stats,
            links=figure_links(),
            legend=[(HazardStatus(status).label, color) for status, color in STATUS_COLORS.items()],
            export_url=f"{reverse('admin:hazards_hazard_export')}?{urlencode(base_query)}",
            routes_url=reverse("admin:pipelines_pipeline_routes"),
            map_data=self._map_data(filtered),
            chart_data={
                "trend": [
                    {**m, "found_link": month_link("found_on", m), "closed_link": month_link("closed_at", m)}
                    for m in stats["trend"]
                ],
                "labels": {"found": str(_("found")), "closed": str(_("closed"))},
                "categories": [
                    {"label": str(r["label"]), "total": r["total"], "link": r["links"]["total"]}
                    for r in stats["by_category"]
                ],
            },
            title=_("Rectification status"),
        )
        context["patrols"] = patrol_panel(user)  # patrols/panel.py
        context["security"] = security_panel(user)  # security/panel.py
        return context

    def _map_data(self, hazards):
        rows = (
            hazards.annotate(geojson=AsGeoJSON("location", precision=6))
            .values("pk", "code", "status", "level", "geojson")
            .order_by("-found_on")[:MAP_LIMIT]
        )
        features = []
        for row in rows:
            status, level = HazardStatus(row["status"]).label, HazardLevel(row["level"]).label
            features.append(
                {
                    "type": "Feature",
                    "id": row["pk"],
                    "geometry": json.loads(row["geojson"]),
                    "properties": {
                        "label": f"{row['code']} {status} · {level}",
                        "url": reverse("admin:hazards_hazard_change", args=[row["pk"]]),
                        "color": STATUS_COLORS.get(row["status"], "#333"),
                        "major": row["level"] == HazardLevel.MAJOR,
                        "status": row["status"],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}
