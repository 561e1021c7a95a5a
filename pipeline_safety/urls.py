from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from dashboard.views import DashboardView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard", permanent=False)),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
# Uploads (MEDIA_ROOT) are never served as static files, not even with DEBUG:
# they go through the access-checked download views of the hazard admin.
