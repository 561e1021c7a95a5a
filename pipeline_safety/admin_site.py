"""The admin site: supervision work first, technical settings last."""

from importlib import import_module

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


# Admin pages that belong to no model (an app's tool, such as the check before digging): each module gives
# ``urls(site)`` (its URL patterns, under /admin/) and ``app_list_entry(request)`` (its row in its app's section
# of the index, or None when the user may not open it).
TOOL_PAGES = ["construction.admin_check"]


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

    def get_urls(self):
        pages = [import_module(name) for name in TOOL_PAGES]
        return [*(url for page in pages for url in page.urls(self)), *super().get_urls()]

    def _tool_entries(self, request, apps: list, app_label=None) -> None:
        """Each tool page the user may open, as a row of its app's section (the section made if need be)."""
        from django.apps import apps as registry
        from django.urls import NoReverseMatch

        for name in TOOL_PAGES:
            found = import_module(name).app_list_entry(request)
            if found is None:
                continue
            label, entry = found
            if app_label not in (None, label):
                continue
            section = next((app for app in apps if app["app_label"] == label), None)
            if section is None:
                try:
                    app_url = reverse("admin:app_list", kwargs={"app_label": label}, current_app=self.name)
                except NoReverseMatch:  # an app with no model registered has no index page
                    app_url = entry["admin_url"]
                section = {
                    "name": registry.get_app_config(label).verbose_name,
                    "app_label": label,
                    "app_url": app_url,
                    "has_module_perms": True,
                    "models": [],
                }
                apps.append(section)
            section["models"] = sorted([*section["models"], entry], key=lambda model: str(model["name"]))

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        self._tool_entries(request, apps, app_label)
        rank = {label: index for index, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"]))


class SupervisionAdminConfig(AdminConfig):
    default_site = "pipeline_safety.admin_site.SupervisionAdminSite"
