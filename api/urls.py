from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import construction, construction_apps, emergency, hca, patrol_plans, patrols, video, views
from api import security as security_api

router = DefaultRouter()
router.register("companies", views.CompanyViewSet, basename="company")
router.register("pipelines", views.PipelineViewSet, basename="pipeline")
router.register("norms", views.WorkNormViewSet, basename="norm")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("hca-segments", hca.HcaSegmentViewSet, basename="hca-segment")
router.register("incidents", emergency.IncidentViewSet, basename="incident")
router.register("patrol-sections", patrol_plans.PatrolSectionViewSet, basename="patrol-section")
router.register("checkpoints", patrol_plans.CheckpointViewSet, basename="checkpoint")
router.register("patrol-tasks", patrol_plans.PatrolTaskViewSet, basename="patrol-task")
router.register("theft-incidents", security_api.TheftIncidentViewSet, basename="theft-incident")
router.register("refinery-points", security_api.RefineryPointViewSet, basename="refinery-point")
router.register("construction-applications", construction_apps.ApplicationViewSet, basename="construction-application")
router.register("cameras", video.CameraViewSet, basename="camera")
router.register("video-alarms", video.VideoAlarmViewSet, basename="video-alarm")
router.register("patrol-tracks", patrols.PatrolTrackViewSet, basename="patrol-track")

urlpatterns = [
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("isolation/", emergency.IsolationView.as_view(), name="isolation"),
    path("patrol-fixes/", patrols.PatrolFixesView.as_view(), name="patrol-fixes"),
    path("construction-checks/", construction.ConstructionCheckView.as_view(), name="construction-check"),
    path("", include("integrations.urls")),
    path("", include(router.urls)),
]
