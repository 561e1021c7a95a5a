"""The admin site: supervision work first, technical settings last."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

APP_ORDER = [
    "hazards",
    "escalations",
    "inspections",
    "pipelines",
    "hca",
    "layers",
    "companies",
    "standards",
    "integrations",
    "rest_framework_api_key",
    "accounts",
    "auth",
    "django_celery_beat",
]


class SupervisionAdminSite(admin.AdminSite):
    site_header = _("Oil and gas pipeline safety supervision")
    site_title = _("Pipeline safety supervision")
    index_title = _("Supervision work")
    site_url = None  # no public site: the admin is the application
    enable_nav_sidebar = False  # wide tables and maps need the room

    def login(self, request, extra_context=None):
        """The dashboard is where a log-in lands, unless ``next`` asks for another page.

        Django's admin would land on its index: when no ``next`` is given, and when the
        anonymous visitor came from the index (``next=/admin/``: its link, a bookmark, the
        "log in again" link after logging out).
        """
        home = resolve_url(settings.LOGIN_REDIRECT_URL)
        index = reverse("admin:index", current_app=self.name)
        asked = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        if asked in (None, "", index):
            if request.method == "GET" and self.has_permission(request):
                return redirect(home)
            for name in ("GET", "POST"):
                data = getattr(request, name).copy()
                data[REDIRECT_FIELD_NAME] = home
                setattr(request, name, data)
        return super().login(request, extra_context)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: index for index, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"]))


class SupervisionAdminConfig(AdminConfig):
    default_site = "pipeline_safety.admin_site.SupervisionAdminSite"
