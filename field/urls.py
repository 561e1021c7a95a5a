from django.urls import path

from field import views

app_name = "field"

urlpatterns = [
    path("", views.field_page, name="page"),
    path("login/", views.FieldLoginView.as_view(), name="login"),
    path("logout/", views.FieldLogoutView.as_view(), name="logout"),
    path("sw.js", views.service_worker, name="sw"),
    path("api/sections/<int:pk>/", views.section_view, name="section"),
    path("api/tracks/", views.track_start_view, name="track_start"),
    path("api/tracks/<int:pk>/end/", views.track_end_view, name="track_end"),
    path("api/fixes/", views.fixes_view, name="fixes"),
    path("api/hazards/", views.hazard_view, name="hazard"),
    path("api/checkins/", views.checkin_view, name="checkin"),
]
