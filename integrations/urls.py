# Routes under /api/v1/ (namespace "api"): the city platform's event intake.
from django.urls import path

from integrations import views

urlpatterns = [
    path("events/", views.EventIntakeView.as_view(), name="event-intake"),
]
