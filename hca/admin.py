"""Admin for HCAs: the segments on a map with their review, the rule
table, identification runs (and a button to start one), assessments and
encroachments. Pages call hca.services; they hold no rules."""

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.admin import CompanyScopedMixin, OverviewMapMixin
from common.errors import DomainError
from common.widgets import OL_CSS, OL_JS
from hca import services
from hca.admin_maps import cause_features, rule_label, rule_names
from hca.choices import GRADE_NAMES, Grade, RuleSet
from hca.models import Encroachment, HcaAssessment, HcaReview, HcaRule, HcaRun, HcaSegment, chainage
from pipelines.models import Pipeline

GRADE_COLORS = {3: "#c0392b", 2: "#e67e22", 1: "#d4ac0d"}


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DismissForm(forms.Form):
    comment = forms.CharField(label=_("reason for dismissal"), widget=forms.Textarea(attrs={"rows": 3}), required=True)


REVIEW_ACTIONS = {
    "confirm": (_("Confirm"), ReviewForm, lambda s, u, d: services.hca_segment_confirm(segment=s, actor=u, **d)),
    "dismiss": (_("Dismiss"), DismissForm, lambda s, u, d: services.hca_segment_dismiss(segment=s, actor=u, **d)),
    "pilot_on": (
        _("Choose for the video pilot"),
        ReviewForm,
        lambda s, u, d: services.hca_segment_video_pilot_set(segment=s, actor=u, chosen=True, **d),
    ),
    "pilot_off": (
        _("Remove from the video pilot"),
        ReviewForm,
        lambda s, u, d: services.hca_segment_video_pilot_set(segment=s, actor=u, chosen=False, **d),
    ),
}


@admin.register(HcaSegment)
class HcaSegmentAdmin(CompanyScopedMixin, OverviewMapMixin, admin.ModelAdmin):
    change_form_template = "admin/hca/hcasegment/change_form.html"
    change_list_template = "admin/hca/hcasegment/change_list.html"
    list_display = (
        "pipeline_code",
        "from_chainage",
        "to_chainage",
        "length_display",
        "grade_display",
        "rules_display",
        "review_status",
        "video_pilot",
        "rule_set",
    )
    list_filter = ("rule_set", "grade", "review_status", "video_pilot", "pipeline__company")
    list_select_related = ("pipeline",)
    search_fields = ("pipeline__code", "pipeline__name")
    ordering = ("pipeline__code", "rule_set", "start_m")
    readonly_fields = (
        "pipeline",
        "rule_set",
        "from_chainage",
        "to_chainage",
        "length_display",
        "grade_display",
        "rules_display",
        "review_status",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "video_pilot",
        "identified_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "pipeline",
                    "rule_set",
                    ("from_chainage", "to_chainage", "length_display"),
                    "grade_display",
                    "rules_display",
                    "identified_at",
                )
            },
        ),
        (_("Review"), {"fields": ("review_status", "reviewed_by", "reviewed_at", "review_comment", "video_pilot")}),
    )
    overview_geometry_field = "geom"
    overview_fields = ("pipeline__code", "start_m", "end_m", "grade")
    overview_reference_url = reverse_lazy("admin:pipelines_pipeline_routes")

    def has_add_permission(self, request):
        return False  # segments come from identification runs

    def changelist_view(self, request, extra_context=None):
        # The download buttons export the rule set the list is filtered on (GB 32167 unless filtered).
        rule_set = request.GET.get("rule_set__exact")
        query = urlencode({"rule_set": rule_set}) if rule_set in RuleSet.values else ""
        return super().changelist_view(request, {**(extra_context or {}), "hca_export_query": query})

    def has_change_permission(self, request, obj=None):
        return False  # reviews go through the review buttons (services)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("pipeline"), ordering="pipeline__code")
    def pipeline_code(self, obj):
        return obj.pipeline.code

    @admin.display(description=_("from chainage"), ordering="start_m")
    def from_chainage(self, obj):
        return chainage(obj.start_m)

    @admin.display(description=_("to chainage"), ordering="end_m")
    def to_chainage(self, obj):
        return chainage(obj.end_m)

    @admin.display(description=_("length (m)"))
    def length_display(self, obj):
        return f"{obj.end_m - obj.start_m:.1f}"

    @admin.display(description=_("grade"), ordering="grade")
    def grade_display(self, obj):
        return format_html(
            '<span class="hca-grade" style="color:{}">{}</span>', GRADE_COLORS[obj.grade], GRADE_NAMES[obj.grade]
        )

    @admin.display(description=_("rules"))
    def rules_display(self, obj):
        names = getattr(obj, "rule_names", None) or rule_names()
        labels = [
            (rule_label(obj.rule_set, code, names, short=True), rule_label(obj.rule_set, code, names))
            for code in obj.rules
        ]
        return format_html_join(
            "; ", '<span class="hca-rule" title="{}">{}</span>', ((full, short) for short, full in labels)
        )

    def get_changelist_instance(self, request):
        # The rule names, read once for the page's rows.
        changelist = super().get_changelist_instance(request)
        names = rule_names()
        changelist.result_list = list(changelist.result_list)
        for segment in changelist.result_list:
            segment.rule_names = names
        return changelist

    def overview_feature_properties(self, row):
        return {
            "label": f"{row['pipeline__code']} {chainage(row['start_m'])}–{chainage(row['end_m'])} "
            f"{GRADE_NAMES[row['grade']]}",
            "url": reverse("admin:hca_hcasegment_change", args=[row["pk"]]),
            "color": GRADE_COLORS[row["grade"]],
        }

    def overview_legend(self):
        return [(_("grade %(grade)s") % {"grade": label}, GRADE_COLORS[value]) for value, label in Grade.choices][::-1]

    def get_urls(self):
        review = path(
            "<path:object_id>/review/<str:action>/",
            self.admin_site.admin_view(self.review_view),
            name="hca_hcasegment_review",
        )
        return [review, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        segment = self.get_object(request, unquote(object_id))
        extra = extra_context or {}
        if segment is not None:
            extra.update(self._segment_context(request, segment))
        return super().change_view(request, object_id, form_url, extra)

    def _segment_context(self, request, segment):
        pipeline = (
            Pipeline.objects.filter(pk=segment.pipeline_id).annotate(geojson=AsGeoJSON("route", precision=6)).get()
        )
        segment_geojson = HcaSegment.objects.filter(pk=segment.pk).annotate(g=AsGeoJSON("geom", precision=6)).get().g
        names = segment.rule_names = rule_names()
        features = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": json.loads(pipeline.geojson),
                    "properties": {"label": str(pipeline), "color": "#7f8c8d"},
                },
                {
                    "type": "Feature",
                    "geometry": json.loads(segment_geojson),
                    "properties": {"label": str(segment), "color": GRADE_COLORS[segment.grade], "width": 6},
                },
            ],
        }
        can_review = request.user.has_perm("hca.change_hcasegment")
        allowed = services.segment_actions_allowed(segment)
        return {
            "segment_geojson": features,
            "map_media": {"js": OL_JS, "css": OL_CSS},
            "segment_causes": {"type": "FeatureCollection", "features": cause_features(segment, names)},
            "reasons": [
                {**reason, "rule_label": rule_label(segment.rule_set, reason["rule"], names)}
                for reason in segment.reasons
            ],
            "reviews": HcaReview.objects.filter(pipeline_id=segment.pipeline_id, fingerprint=segment.fingerprint)
            .select_related("actor")
            .order_by("-at"),
            "review_actions": [
                (name, label) for name, (label, _form, _run) in REVIEW_ACTIONS.items() if can_review and name in allowed
            ],
        }

    def review_view(self, request, object_id, action):
        # Permission first: who may not review learns nothing about which segments exist.
        if action not in REVIEW_ACTIONS or not request.user.has_perm("hca.change_hcasegment"):
            raise PermissionDenied
        segment = self.get_object(request, unquote(object_id))  # scoped; None for unknown or malformed ids
        if segment is None:
            raise Http404(_("No such HCA segment."))
        label, form_class, run = REVIEW_ACTIONS[action]
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run(segment, request.user, form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("%(action)s: done.") % {"action": label}, messages.SUCCESS)
                return redirect("admin:hca_hcasegment_change", segment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": segment,
            "title": _("%(action)s: %(segment)s") % {"action": label, "segment": segment},
            "form": form,
            "action_label": label,
        }
        return TemplateResponse(request, "admin/hca/hcasegment/review.html", context)


@admin.register(HcaRule)
class HcaRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "rule_set", "applies_to", "kind", "grade", "distance_m", "enabled", "description")
    list_filter = ("rule_set", "applies_to", "enabled")
    list_editable = ("grade", "distance_m", "enabled")
    readonly_fields = ("rule_set", "code", "applies_to", "kind")
    fields = ("rule_set", "code", "applies_to", "kind", "grade", "distance_m", "params", "description", "enabled")
    ordering = ("rule_set", "code")

    def has_add_permission(self, request):
        return False  # each kind is implemented by the engine; the office corrects values

    def has_delete_permission(self, request, obj=None):
        return False


class RunForm(forms.Form):
    rule_set = forms.ChoiceField(label=_("rule set"), choices=RuleSet.choices, initial=RuleSet.GB32167)
    pipelines = forms.ModelMultipleChoiceField(
        label=_("pipelines"),
        queryset=Pipeline.objects.order_by("code"),
        required=False,
        help_text=_("Leave empty to identify every pipeline."),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )


@admin.register(HcaRun)
class HcaRunAdmin(admin.ModelAdmin):
    change_list_template = "admin/hca/hcarun/change_list.html"
    list_display = (
        "started_at",
        "rule_set",
        "trigger",
        "pipeline_count",
        "segment_count",
        "encroachment_count",
        "seconds",
        "started_by",
    )
    list_filter = ("rule_set", "trigger")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        start = path("start/", self.admin_site.admin_view(self.start_view), name="hca_hcarun_start")
        return [start, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_start": request.user.has_perm("hca.add_hcarun"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def start_view(self, request):
        """Queue an identification run on the workers (it may take a while)."""
        if not request.user.has_perm("hca.add_hcarun"):
            raise PermissionDenied
        form = RunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.hca_identify_queue(
                pipeline_ids=[p.pk for p in form.cleaned_data["pipelines"]],
                rule_set=form.cleaned_data["rule_set"],
                actor=request.user,
            )
            self.message_user(
                request, _("Identification queued; the run appears in this list when it is done."), messages.SUCCESS
            )
            return redirect("admin:hca_hcarun_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Identify high-consequence areas"),
            "form": form,
        }
        return TemplateResponse(request, "admin/hca/hcarun/start.html", context)


@admin.register(HcaAssessment)
class HcaAssessmentAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_display = ("pipeline", "rule_set", "identified_at", "segment_count")
    list_filter = ("rule_set",)
    list_select_related = ("pipeline",)
    search_fields = ("pipeline__code", "pipeline__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Encroachment)
class EncroachmentAdmin(CompanyScopedMixin, admin.ModelAdmin):
    list_display = ("pipeline", "building_key", "distance_m", "chainage_display", "hazard_link", "detected_at")
    list_select_related = ("pipeline", "hazard")
    search_fields = ("pipeline__code", "building_key", "hazard__code")

    @admin.display(description=_("chainage"), ordering="chainage_m")
    def chainage_display(self, obj):
        return chainage(obj.chainage_m)

    @admin.display(description=_("hazard"))
    def hazard_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:hazards_hazard_change", args=[obj.hazard_id]), obj.hazard.code
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
