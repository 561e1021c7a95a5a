"""Patrol organisation in the admin (Chinese, maps): teams, protection agreements (flagged when expired),
sections drawn on their pipelines, checkpoints on the map, tasks with their figures and uncovered ranges in
red, devices and tracks. The office's patrol report is in patrols/admin_report.py."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, MapAdmin, OverviewMapMixin
from common.widgets import OL_CSS, OL_JS, OfflineMapWidget
from patrols import maps
from patrols.admin_gpx import GpxUploadMixin
from patrols.admin_report import PatrolReportMixin
from patrols.choices import CheckpointKind, TaskStatus
from patrols.models import (
    Checkpoint,
    Device,
    PatrolSection,
    PatrolTask,
    PatrolTaskEvent,
    PatrolTrack,
    ProtectionAgreement,
    Team,
)
from patrols.reporting import percent
from patrols.services import PatrolError, agreements_expired, checkpoint_save, section_save

PIPELINES_URL = "admin:pipelines_pipeline_routes"
MAP_FORM = "admin/patrols/change_form_map.html"
STATUS_COLORS = {
    TaskStatus.PLANNED: "#7f7f7f",
    TaskStatus.DONE: "#2ca02c",
    TaskStatus.PARTLY_DONE: "#ff7f0e",
    TaskStatus.MISSED: "#d62728",
}


class PatrolMapMixin:
    """A change page with a map of ``patrol_features(obj)`` above the fields."""

    change_form_template = MAP_FORM
    map_help = ""

    def patrol_features(self, obj) -> list[dict]:
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra["patrol_map"] = maps.collection(self.patrol_features(obj))
            extra["patrol_map_help"] = self.map_help
            extra["map_media"] = {"js": OL_JS, "css": OL_CSS}
        return super().change_view(request, object_id, form_url, extra)


class SectionsFeaturesMixin:
    def sections_features(self, sections) -> list[dict]:
        return maps.ranges_features(
            [
                (s.pipeline_id, s.from_m, s.to_m, f"{s.code} · {s.pipeline.code} {s.from_m:.0f}–{s.to_m:.0f} m", "")
                for s in sections
            ],
            color=maps.SECTION,
            width=4,
        )


@admin.register(Team)
class TeamAdmin(CompanyScopedMixin, SectionsFeaturesMixin, PatrolMapMixin, admin.ModelAdmin):
    list_per_page = 50
    list_display = ("name", "kind", "county", "company", "leader", "headcount", "accounts", "police_led", "active")
    list_filter = ("kind", "county", "company", "police_led", "active")
    list_select_related = ("company",)
    search_fields = ("name", "county", "leader", "company__name")
    filter_horizontal = ("members",)
    map_help = _("The team's sections, drawn on their pipelines.")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(account_count=Count("members", distinct=True))

    @admin.display(description=_("members with an account"), ordering="account_count")
    def accounts(self, obj):
        return obj.account_count

    def patrol_features(self, obj):
        return self.sections_features(obj.sections.select_related("pipeline"))


class ExpiredFilter(admin.SimpleListFilter):
    title = _("expired")
    parameter_name = "expired"

    def lookups(self, request, model_admin):
        return [("1", _("expired")), ("0", _("in force"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return agreements_expired(queryset)
        if self.value() == "0":
            return queryset.exclude(pk__in=agreements_expired(queryset).values("pk"))
        return queryset


@admin.register(ProtectionAgreement)
class ProtectionAgreementAdmin(CompanyScopedMixin, SectionsFeaturesMixin, PatrolMapMixin, admin.ModelAdmin):
    list_per_page = 50
    list_display = (
        "number",
        "company",
        "county",
        "team",
        "starts_on",
        "ends_on",
        "expired_badge",
        "frequency",
        "period",
        "time_window",
        "payment_yuan",
    )
    list_filter = (ExpiredFilter, "county", "company", "period", "time_window")
    list_select_related = ("company", "team")
    search_fields = ("number", "county", "company__name", "team__name")
    filter_horizontal = ("sections",)
    date_hierarchy = "ends_on"
    map_help = _("The sections the agreement covers, drawn on their pipelines.")

    @admin.display(description=_("expired"))
    def expired_badge(self, obj):
        if obj.ends_on < timezone.localdate():
            return format_html('<span class="overdue-badge agreement-expired">{}</span>', _("expired"))
        return _("in force")

    def get_readonly_fields(self, request, obj=None):
        return ("expired_badge",) if obj is not None else ()

    def patrol_features(self, obj):
        return self.sections_features(obj.sections.select_related("pipeline"))


@admin.register(PatrolSection)
class PatrolSectionAdmin(CompanyScopedMixin, SectionsFeaturesMixin, OverviewMapMixin, PatrolMapMixin, admin.ModelAdmin):
    list_per_page = 50
    list_display = ("code", "name", "pipeline", "range_display", "team", "frequency", "period", "mode", "time_window")
    list_filter = ("mode", "period", "time_window", "team__county", "pipeline__company", "active")
    list_select_related = ("pipeline", "team")
    search_fields = ("code", "name", "pipeline__code", "pipeline__name", "team__name")
    overview_reference_url = reverse_lazy(PIPELINES_URL)
    overview_map_limit = 2000
    map_help = _("Blue: the section on its pipeline; orange dots: its checkpoints.")
    exclude = ("line",)  # kept by section_save from the pipeline and the chainage range

    @admin.display(description=_("chainage (m)"), ordering="from_m")
    def range_display(self, obj):
        return f"{obj.from_m:.0f}–{obj.to_m:.0f}"

    def overview_count(self, queryset):
        return min(queryset.count(), self.overview_map_limit)

    def overview_features(self, queryset):
        rows = queryset.order_by().values_list("pk", "pipeline_id", "from_m", "to_m", "code")[: self.overview_map_limit]
        features = maps.ranges_features(
            [(p, a, b, code, reverse("admin:patrols_patrolsection_change", args=[pk])) for pk, p, a, b, code in rows],
            color=maps.SECTION,
            width=4,
        )
        for (pk, *_rest), feature in zip(rows, features, strict=False):
            feature["id"] = pk
        return features

    def overview_legend(self):
        return [(_("patrol section"), maps.SECTION)]

    def save_model(self, request, obj, form, change):
        section_save(section=obj)

    def patrol_features(self, obj):
        checkpoints = obj.pipeline.checkpoints.filter(chainage_m__gte=obj.from_m, chainage_m__lte=obj.to_m)
        return maps.section_features(obj, checkpoints=checkpoints)


class CheckpointForm(forms.ModelForm):
    class Meta:
        model = Checkpoint
        fields = ("code", "name", "pipeline", "kind", "location", "radius_m")

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.instance.pipeline_id is None or self.instance.location is None:
            return
        from patrols.services import checkpoint_place

        try:
            checkpoint_place(checkpoint=self.instance)
        except PatrolError as exc:
            self.add_error("location", str(exc))


CHECKPOINT_COLORS = {
    CheckpointKind.MILE_MARKER: "#ff7f0e",
    CheckpointKind.VALVE_ROOM: "#1f5fa8",
    CheckpointKind.CROSSING: "#9467bd",
    CheckpointKind.HCA_SITE: "#d62728",
    CheckpointKind.OTHER: "#7f7f7f",
}


@admin.register(Checkpoint)
class CheckpointAdmin(CompanyScopedMixin, OverviewMapMixin, MapAdmin):
    list_per_page = 50
    form = CheckpointForm
    list_display = ("code", "name", "pipeline", "kind", "chainage_display", "radius_m")
    list_filter = ("kind", "pipeline__company")
    list_select_related = ("pipeline",)
    search_fields = ("code", "name", "pipeline__code")
    readonly_fields = ("chainage_m",)
    fields = ("code", "name", "pipeline", "kind", "location", "radius_m", "chainage_m")
    overview_geometry_field = "location"
    overview_fields = ("code", "kind")
    overview_map_limit = 5000
    overview_reference_url = reverse_lazy(PIPELINES_URL)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "location":
            kwargs["widget"] = OfflineMapWidget(
                attrs={
                    "reference_url": reverse(PIPELINES_URL),
                    "reference_help": _("Blue lines are the pipelines. Click on the map to place the checkpoint."),
                }
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("chainage (m)"), ordering="chainage_m")
    def chainage_display(self, obj):
        return f"{obj.chainage_m:.0f}"

    def save_model(self, request, obj, form, change):
        checkpoint_save(checkpoint=obj)

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['code']} · {CheckpointKind(row['kind']).label}",
            "url": reverse("admin:patrols_checkpoint_change", args=[row["pk"]]),
            "color": CHECKPOINT_COLORS.get(row["kind"], "#7f7f7f"),
        }

    def overview_legend(self):
        return [(CheckpointKind(k).label, c) for k, c in CHECKPOINT_COLORS.items()]


EVENT_LABELS = {
    "generated": _("generated"),
    "judged": _("judged"),
    "rejudged": _("judged again"),
    "started": _("patrol started"),
    "ended": _("patrol ended"),
    "fixes": _("fixes received"),
}


class TaskEventInline(admin.TabularInline):
    model = PatrolTaskEvent
    fields = ("at", "event", "actor", "outcome")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("event"))
    def event(self, obj):
        return EVENT_LABELS.get(obj.kind, obj.kind)

    @admin.display(description=_("status"))
    def outcome(self, obj):
        status = (obj.details or {}).get("status")
        return TaskStatus(status).label if status in TaskStatus.values else "—"


class TaskCompanyFilter(admin.SimpleListFilter):
    title = _("operating company")
    parameter_name = "company"

    def lookups(self, request, model_admin):
        from accounts.scoping import scope_queryset
        from companies.models import OperatingCompany

        return list(scope_queryset(OperatingCompany.objects.order_by("name"), request.user).values_list("pk", "name"))

    def queryset(self, request, queryset):
        value = self.value()
        if value and not value.isdigit():
            return queryset.none()  # not a company's id: no task (never a server error)
        return queryset.filter(section__pipeline__company=value) if value else queryset


@admin.register(PatrolTask)
class PatrolTaskAdmin(PatrolReportMixin, CompanyScopedMixin, PatrolMapMixin, admin.ModelAdmin):
    list_per_page = 50
    list_display = (
        "section",
        "pipeline_code",
        "date",
        "time_window",
        "kind",
        "seq",
        "team",
        "status_badge",
        "coverage_display",
        "arrival_display",
    )
    list_filter = ("status", "kind", "time_window", "team__county", TaskCompanyFilter)
    list_select_related = ("section", "section__pipeline", "team")
    search_fields = ("section__code", "section__pipeline__code", "team__name")
    date_hierarchy = "date"
    inlines = (TaskEventInline,)
    change_list_template = "admin/patrols/patroltask/change_list.html"
    fields = (
        "section",
        "date",
        "time_window",
        "kind",
        "seq",
        "team",
        "status",
        "coverage_display",
        "arrival_display",
        "figures",
        "exceptions_display",
        "judged_at",
    )
    readonly_fields = fields
    map_help = _(
        "Blue: the section; red: its uncovered ranges (漏巡); purple: the tracks; orange dots: checkpoints "
        "visited, red dots: missed (漏检)."
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("pipeline"), ordering="section__pipeline__code")
    def pipeline_code(self, obj):
        return obj.section.pipeline.code

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="task-status" data-status="{}" style="color: {}; font-weight: bold">{}</span>',
            obj.status,
            STATUS_COLORS.get(obj.status, "#333"),
            obj.get_status_display(),
        )

    @admin.display(description=_("coverage rate"), ordering="coverage")
    def coverage_display(self, obj):
        return percent(obj.coverage)

    @admin.display(description=_("arrival rate"), ordering="arrival")
    def arrival_display(self, obj):
        return percent(obj.arrival)

    @admin.display(description=_("figures"))
    def figures(self, obj):
        r = obj.report or {}
        if not r:
            return "—"
        return format_html(
            "{}: {} m · {}: {} m · {}: {} / {} · {}: {} · {}: {}",
            _("length"),
            f"{r.get('length_m', 0):.0f}",
            _("covered"),
            f"{r.get('covered_m', 0):.0f}",
            _("checkpoints visited"),
            r.get("checkpoints_visited", 0),
            r.get("checkpoints_required", 0),
            _("gaps"),
            r.get("gaps", 0),
            _("overspeed legs"),
            r.get("overspeed_legs", 0),
        )

    @admin.display(description=_("exceptions"))
    def exceptions_display(self, obj):
        from patrols.reporting import exception_texts

        texts = exception_texts(obj)
        return format_html("<br>".join(["{}"] * len(texts)), *texts) if texts else "—"

    def patrol_features(self, obj):
        report = obj.report or {}
        section = obj.section
        checkpoints = section.pipeline.checkpoints.filter(chainage_m__gte=section.from_m, chainage_m__lte=section.to_m)
        features = maps.section_features(
            section, uncovered=report.get("uncovered") or [], checkpoints=checkpoints, missed=report.get("missed", [])
        )
        for track in obj.tracks.exclude(line=None)[:20]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": track.line.coords},
                    "properties": {"label": str(track), "color": maps.TRACK, "width": 2},
                }
            )
        return features


@admin.register(Device)
class DeviceAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_per_page = 50
    list_display = ("device_id", "label", "team", "user", "mode")
    list_filter = ("mode", "team__county")
    list_select_related = ("team", "user")
    search_fields = ("device_id", "label", "team__name")
    raw_id_fields = ("user",)


@admin.register(PatrolTrack)
class PatrolTrackAdmin(GpxUploadMixin, CompanyScopedMixin, MapAdmin):
    list_per_page = 50
    list_display = (
        "device_id",
        "started_at",
        "ended_at",
        "section",
        "team",
        "user",
        "mode",
        "source",
        "fix_count",
        "length_km",
    )
    list_filter = ("mode", "source", "team__county")
    list_select_related = ("team", "user", "section")
    search_fields = ("device_id", "team__name")
    date_hierarchy = "started_at"
    fields = (
        "device_id",
        "section",
        "team",
        "user",
        "task",
        "started_at",
        "ended_at",
        "mode",
        "source",
        "fix_count",
        "length_m",
        "line",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("length (km)"), ordering="length_m")
    def length_km(self, obj):
        return f"{obj.length_m / 1000:.2f}"
