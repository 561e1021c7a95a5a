"""The admin site: supervision work first, technical settings last."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
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

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: index for index, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"]))


class SupervisionAdminConfig(AdminConfig):
    default_site = "pipeline_safety.admin_site.SupervisionAdminSite"
