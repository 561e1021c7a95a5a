import json
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.scoping import scope_queryset
from dashboard.filters import DashboardFilter
from dashboard.selectors import dashboard_stats
from hazards.admin import STATUS_COLORS
from hazards.choices import HazardCategory, HazardLevel, HazardStatus
from hazards.models import Hazard

MAP_LIMIT = 5000


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Rectification status at a glance, for managers (all companies) and company staff (their own)."""

    template_name = "dashboard/index.html"
    permission_required = "hazards.view_hazard"

    def get_context_data(self, **kwargs):
        context = {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}
        user = self.request.user
        hazards = scope_queryset(Hazard.objects.all(), user)
        filterset = DashboardFilter(self.request.GET or None, queryset=hazards, user=user)
        filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else hazards
        base_query = filterset.admin_query()
        stats = dashboard_stats(hazards=filtered)
        changelist = reverse("admin:hazards_hazard_changelist")

        def link(**params):
            return f"{changelist}?{urlencode({**base_query, **params})}"

        for row in stats["by_company"]:
            row["link"] = link(company__id__exact=row["company_id"])
            row["overdue_link"] = link(company__id__exact=row["company_id"], is_overdue__exact=1)
        for row in stats["by_campaign"]:
            row["link"] = link(campaign__id__exact=row["campaign_id"])
        for row in stats["by_category"]:
            row["label"] = HazardCategory(row["category"]).label
            row["link"] = link(category__exact=row["category"])
        for row in stats["by_level"]:
            row["label"] = HazardLevel(row["level"]).label
            row["link"] = link(level__exact=row["level"])
        context.update(
            filterset=filterset,
            stats=stats,
            links={
                "all": link(),
                "open": link(status__in=",".join(sorted(s for s in HazardStatus.values if s != HazardStatus.CLOSED))),
                "overdue": link(is_overdue__exact=1),
                "closed": link(status__exact=HazardStatus.CLOSED),
                "major": link(level__exact=HazardLevel.MAJOR),
            },
            export_url=f"{reverse('admin:hazards_hazard_export')}?{urlencode(base_query)}",
            routes_url=reverse("admin:pipelines_pipeline_routes"),
            map_data=self._map_data(filtered),
            chart_data={
                "trend": stats["trend"],
                "labels": {"found": str(_("found")), "closed": str(_("closed"))},
                "categories": [{"label": str(r["label"]), "total": r["total"]} for r in stats["by_category"]],
            },
            title=_("Rectification status"),
        )
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
