"""Admin of the video pilot: the camera register on a map (each camera drawn
with its view; its place, azimuth and range set on the map), camera outages,
the coverage of each HCA segment (uncovered ranges drawn; the pilot
segments under the threshold one click away; Excel), and the AI alarms to
confirm or dismiss. Pages call video.services / video.alarms; no rules here."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from common.errors import DomainError
from common.widgets import OL_CSS, OL_JS, OfflineMapWidget
from hca.models import chainage
from video import admin_maps
from video.alarms import video_alarm_review
from video.choices import AlarmReview, CameraStatus
from video.models import Camera, CameraOutage, SegmentCoverage, VideoAlarm
from video.services import camera_delete, camera_save, cameras_status_set, coverage_missing_fill

STATUS_COLORS = {CameraStatus.ONLINE: "#1e8449", CameraStatus.OFFLINE: "#c0392b"}


class CameraForm(forms.ModelForm):
    class Meta:
        model = Camera
        fields = (
            "code", "name", "device_id", "channel_id", "kind", "company", "pipeline", "location", "azimuth_deg",
            "fov_deg", "range_m", "height_m", "stream_url",
        )  # fmt: skip


class OutageInline(admin.TabularInline):
    model = CameraOutage
    fields = ("started_at", "last_seen_at", "ended_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("outages")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("camera")


@admin.register(Camera)
class CameraAdmin(CompanyScopedMixin, OverviewMapMixin, MapAdmin):
    form = CameraForm
    change_form_template = "admin/video/camera/change_form.html"
    change_list_template = "admin/common/change_list_with_map.html"
    list_display = ("code", "name", "kind", "status", "company", "pipeline", "azimuth_deg", "fov_deg", "range_m",
                    "last_seen_at", "stream_link")  # fmt: skip
    list_filter = ("status", "kind", "company")
    list_select_related = ("company", "pipeline")
    search_fields = ("code", "name", "device_id", "channel_id", "pipeline__code")
    inlines = (OutageInline,)
    actions = ("mark_offline", "mark_online")
    overview_geometry_field = "location"
    overview_reference_url = reverse_lazy("admin:pipelines_pipeline_routes")
    overview_map_limit = 3000

    fields = CameraForm.Meta.fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # MapAdmin: a read-only map where it cannot be changed
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Health"), {"fields": ("status", "last_seen_at", "status_changed_at", "updated_at")})]

    readonly_fields = ("status", "last_seen_at", "status_changed_at", "updated_at")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "location":
            kwargs["widget"] = OfflineMapWidget(
                attrs={
                    "reference_url": reverse("admin:pipelines_pipeline_routes"),
                    "reference_help": _(
                        "Blue lines are the pipelines. Click on the map to place the camera; the green sector is its "
                        "view. Tick “aim on the map” and click where it should look: the azimuth and the range follow."
                    ),
                }
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        camera_save(camera=obj)

    def delete_model(self, request, obj):
        try:
            camera_delete(camera=obj)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def delete_queryset(self, request, queryset):
        for camera in queryset:
            self.delete_model(request, camera)

    @admin.display(description=_("stream"))
    def stream_link(self, obj):
        if not obj.stream_url:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', obj.stream_url, _("open"))

    @admin.action(description=_("Mark the selected cameras offline"), permissions=["change"])
    def mark_offline(self, request, queryset):
        cameras_status_set(cameras=queryset, status=CameraStatus.OFFLINE)
        self.message_user(request, _("Marked offline; coverage is measured again."), messages.SUCCESS)

    @admin.action(description=_("Mark the selected cameras online"), permissions=["change"])
    def mark_online(self, request, queryset):
        cameras_status_set(cameras=queryset, status=CameraStatus.ONLINE)
        self.message_user(request, _("Marked online; coverage is measured again."), messages.SUCCESS)

    def overview_features(self, queryset):
        return admin_maps.camera_features(queryset.order_by("code")[: self.overview_map_limit])

    def overview_legend(self):
        return [(CameraStatus(k).label, c) for k, c in STATUS_COLORS.items()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"camera_js": "video/camera-form.js", **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def add_view(self, request, form_url="", extra_context=None):
        extra = {"camera_js": "video/camera-form.js", **(extra_context or {})}
        return super().add_view(request, form_url, extra)


@admin.register(CameraOutage)
class CameraOutageAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_display = ("camera", "started_at", "last_seen_at", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    list_select_related = ("camera",)
    search_fields = ("camera__code",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def coverage_threshold() -> float:
    return float(settings.VIDEO_COVERAGE_THRESHOLD_PERCENT) / 100


class UnderThresholdFilter(admin.SimpleListFilter):
    title = _("coverage")
    parameter_name = "under"

    def lookups(self, request, model_admin):
        percent = settings.VIDEO_COVERAGE_THRESHOLD_PERCENT
        return [
            ("1", _("under %(percent)s %%") % {"percent": percent}),
            ("0", _("at least %(percent)s %%") % {"percent": percent}),
        ]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(coverage__lt=coverage_threshold())
        if self.value() == "0":
            return queryset.filter(coverage__gte=coverage_threshold())
        return queryset


class PilotFilter(admin.SimpleListFilter):
    title = _("video pilot")
    parameter_name = "pilot"

    def lookups(self, request, model_admin):
        return [("1", _("pilot segments")), ("0", _("other segments"))]

    def queryset(self, request, queryset):
        if self.value() in ("1", "0"):
            return queryset.filter(segment__video_pilot=self.value() == "1")
        return queryset


@admin.register(SegmentCoverage)
class SegmentCoverageAdmin(CompanyScopedMixin, OverviewMapMixin, admin.ModelAdmin):
    change_form_template = "admin/video/segmentcoverage/change_form.html"
    change_list_template = "admin/video/segmentcoverage/change_list.html"
    list_display = ("segment_display", "pilot", "length_display", "covered_m", "coverage_display",
                    "design_coverage_display", "camera_list", "computed_at")  # fmt: skip
    list_filter = (
        PilotFilter,
        UnderThresholdFilter,
        "segment__rule_set",
        "segment__grade",
        "segment__pipeline__company",
    )
    list_select_related = ("segment__pipeline",)
    search_fields = ("segment__pipeline__code", "segment__pipeline__name")
    ordering = ("coverage", "segment__pipeline__code", "segment__start_m")
    overview_geometry_field = "segment__geom"
    overview_fields = ("segment__pipeline__code", "segment__start_m", "segment__end_m", "coverage")
    overview_reference_url = reverse_lazy("admin:pipelines_pipeline_routes")
    fields = ("segment", "covered_m", "coverage", "uncovered", "cameras", "design_covered_m", "design_coverage",
              "design_uncovered", "design_cameras", "computed_at")  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("segment__geom", "segment__reasons", "segment__pipeline__route")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("HCA segment"), ordering="segment__pipeline__code")
    def segment_display(self, obj):
        segment = obj.segment
        return f"{segment.pipeline.code} {chainage(segment.start_m)}–{chainage(segment.end_m)}"

    @admin.display(description=_("pilot"), boolean=True, ordering="segment__video_pilot")
    def pilot(self, obj):
        return obj.segment.video_pilot

    @admin.display(description=_("length (m)"))
    def length_display(self, obj):
        return f"{obj.segment.end_m - obj.segment.start_m:.1f}"

    @admin.display(description=_("coverage"), ordering="coverage")
    def coverage_display(self, obj):
        color = "#c0392b" if obj.coverage < coverage_threshold() else "#1e8449"
        return format_html('<strong style="color:{}">{}</strong>', color, f"{obj.coverage:.1%}")

    @admin.display(description=_("design coverage"), ordering="design_coverage")
    def design_coverage_display(self, obj):
        return f"{obj.design_coverage:.1%}"

    @admin.display(description=_("cameras that see it"))
    def camera_list(self, obj):
        return "、".join(obj.cameras) or "—"

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['segment__pipeline__code']} {chainage(row['segment__start_m'])}–"
            f"{chainage(row['segment__end_m'])} {row['coverage']:.1%}",
            "url": reverse("admin:video_segmentcoverage_change", args=[row["pk"]]),
            "color": "#c0392b" if row["coverage"] < coverage_threshold() else "#1e8449",
            "width": 4,
        }

    def overview_legend(self):
        percent = settings.VIDEO_COVERAGE_THRESHOLD_PERCENT
        return [
            (_("under %(percent)s %%") % {"percent": percent}, "#c0392b"),
            (_("at least %(percent)s %%") % {"percent": percent}, "#1e8449"),
        ]

    def changelist_view(self, request, extra_context=None):
        if self.has_view_permission(request) and self.overview_param not in request.GET:
            coverage_missing_fill()  # segments identified since the last measurement
        query = request.GET.copy()
        query["pilot"], query["under"] = "1", "1"
        extra = {
            "under_url": f"{request.path}?{query.urlencode()}",
            "threshold": settings.VIDEO_COVERAGE_THRESHOLD_PERCENT,
            "export_url": reverse("admin:video_segmentcoverage_export") + "?" + request.GET.urlencode(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def get_urls(self):
        export = path("export.xlsx", self.admin_site.admin_view(self.export_view), name="video_segmentcoverage_export")
        return [export, *super().get_urls()]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(f"{reverse('admin:video_segmentcoverage_changelist')}?{ERROR_FLAG}=1")
        rows = changelist.get_queryset(request).select_related("segment__pipeline__company")
        response = HttpResponse(
            admin_maps.coverage_workbook(rows, coverage_threshold()),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="hca-video-coverage-{timezone.localdate():%Y%m%d}.xlsx"'
        )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        coverage = self.get_object(request, unquote(object_id)) if str(object_id).isdigit() else None
        if coverage is not None:
            extra.update(
                coverage_geojson=admin_maps.coverage_geojson(coverage, request.user),
                map_media={"js": OL_JS, "css": OL_CSS},
                coverage_legend=admin_maps.COVERAGE_LEGEND,
                segment_url=reverse("admin:hca_hcasegment_change", args=[coverage.segment_id]),
            )
        return super().change_view(request, object_id, form_url, extra)


class ReviewForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000)


class _NotAllowed(Exception):
    """A GET on a POST-only action, after the permission check."""


@admin.register(VideoAlarm)
class VideoAlarmAdmin(CompanyScopedMixin, admin.ModelAdmin):
    change_form_template = "admin/video/videoalarm/change_form.html"
    list_display = ("occurred_at", "camera", "alarm_class", "confidence", "handling", "work_link", "review",
                    "repeat_count")  # fmt: skip
    list_filter = ("review", "alarm_class", "handling", "company")
    list_select_related = ("camera", "hazard", "incident")
    search_fields = ("camera__code", "external_id", "hazard__code", "incident__code")
    date_hierarchy = "occurred_at"
    fields = ("camera", "company", "occurred_at", "alarm_class", "confidence", "external_id", "pipelines", "first",
              "repeat_count", "handling", "handling_note", "hazard", "incident", "application_ref", "review",
              "reviewed_by", "reviewed_at", "review_comment", "received_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # alarms come from the video platforms (API)

    def has_change_permission(self, request, obj=None):
        return False  # confirmed or dismissed through the buttons (services)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("work"))
    def work_link(self, obj):
        if obj.hazard_id:
            return format_html(
                '<a href="{}">{}</a>', reverse("admin:hazards_hazard_change", args=[obj.hazard_id]), obj.hazard.code
            )
        if obj.incident_id:
            return format_html(
                '<a href="{}">{}</a>',
                reverse("admin:emergency_incident_change", args=[obj.incident_id]),
                obj.incident.code,
            )
        return obj.application_ref or "—"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/review/<str:decision>/",
                self.admin_site.admin_view(self.review_view),
                name="video_videoalarm_review",
            ),
            path(
                "<path:object_id>/snapshot/",
                self.admin_site.admin_view(self.snapshot_view),
                name="video_videoalarm_snapshot",
            ),
            *super().get_urls(),
        ]

    def _alarm(self, request, object_id):
        try:
            alarm = self.get_queryset(request).filter(pk=int(unquote(object_id))).first()
        except ValueError:
            alarm = None
        if alarm is None:
            raise Http404
        return alarm

    def review_view(self, request, object_id, decision):
        if not request.user.has_perm("video.change_videoalarm") or decision not in ("confirm", "dismiss"):
            raise PermissionDenied  # before anything else: a refusal tells nothing about which alarms exist
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        alarm = self._alarm(request, object_id)
        form = ReviewForm(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        try:
            video_alarm_review(alarm=alarm, actor=request.user, confirmed=decision == "confirm", comment=comment)
            self.message_user(request, _("Recorded."), messages.SUCCESS)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:video_videoalarm_change", args=[alarm.pk]))

    def snapshot_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        alarm = self._alarm(request, object_id)
        if not alarm.snapshot:
            raise Http404
        name = alarm.snapshot.name.rsplit("/", 1)[-1]
        return FileResponse(alarm.snapshot.open("rb"), as_attachment=True, filename=name)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        alarm = self.get_object(request, unquote(object_id)) if str(object_id).isdigit() else None
        if alarm is not None:
            extra.update(
                alarm=alarm,
                can_review=request.user.has_perm("video.change_videoalarm") and alarm.review == AlarmReview.PENDING,
                alarm_geojson=admin_maps.alarm_geojson(alarm),
                map_media={"js": OL_JS, "css": OL_CSS},
            )
        return super().change_view(request, object_id, form_url, extra)
