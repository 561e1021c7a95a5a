"""The REST API at /api/v1/: read-only resources, life-cycle actions, statistics.

Views hold no rules: lists are scoped (api/scoping.py), actions call the
services, domain errors become JSON 4xx responses (api/errors.py).
"""

import django_filters
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import F, Prefetch, Value
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import examples, serializers
from api.fast import Joined, feature_list
from api.filters import INT64, IdFilter, SafeInBBoxFilter, StrictBooleanFilter, filtered
from api.permissions import PersonOnly, PersonOrCompanyKey
from api.scoping import ScopedQuerysetMixin, actor_of, scoped
from common.errors import IllegalTransition
from companies.models import OperatingCompany
from dashboard.selectors import hazard_statistics
from hazards import services
from hazards.actions import action_run
from hazards.choices import HazardCategory, HazardLevel
from hazards.models import Hazard, HazardTransition, Rectification, TransitionAction
from inspections.models import InspectionCampaign, InspectionRecord
from pipelines.models import Pipeline
from standards.models import WorkNorm

# Columns of the GeoJSON list pages (api/fast.py); the serializers list the same properties.
PIPELINE_FIELDS = [
    "code", "name", "company_id", "medium", "outer_diameter_mm", "wall_thickness_mm", "material", "maop_mpa",
    "commissioned_on", "status", "length_m",
]  # fmt: skip
HAZARD_FIELDS = [
    "code", "source", "company_id", "pipeline_id", "campaign_id", "place", "chainage_m", "category", "level",
    "description", "found_on", "deadline", "status", "is_overdue", "closed_at", "version",
]  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="管道企业列表 / List operating companies", **examples.COMPANY_LIST),
    retrieve=extend_schema(summary="管道企业详情 / One operating company", **examples.COMPANY_DETAIL),
)
class CompanyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Operating companies (管道企业)."""

    queryset = OperatingCompany.objects.order_by("pk")
    serializer_class = serializers.CompanySerializer


class PipelineFilter(django_filters.FilterSet):
    company = IdFilter(field_name="company_id")

    class Meta:
        model = Pipeline
        fields = ["company", "medium", "status"]


@extend_schema_view(
    list=extend_schema(summary="管道图层(GeoJSON) / Pipelines layer (GeoJSON)", **examples.PIPELINE_LIST),
    retrieve=extend_schema(summary="单条管道(GeoJSON) / One pipeline (GeoJSON)", **examples.PIPELINE_DETAIL),
)
class PipelineViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Pipelines as GeoJSON (EPSG:4326); ``in_bbox=minLon,minLat,maxLon,maxLat``."""

    queryset = (
        Pipeline.objects.select_related("company")
        .annotate(route_geojson=AsGeoJSON("route", precision=6))
        .defer("route")
        .order_by("pk")
    )
    serializer_class = serializers.PipelineSerializer
    pagination_class = examples.GeoJsonPagesWithExamples  # StableGeoJsonPagination, with page examples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = PipelineFilter
    bbox_filter_field = "route"
    bbox_filter_include_overlapping = True

    def list(self, request, *args, **kwargs):
        queryset = filtered(self, self.get_queryset())
        computed = {"company_name": F("company__name")}
        return feature_list(self, queryset, geometry="route", fields=PIPELINE_FIELDS, computed=computed)


@extend_schema_view(
    list=extend_schema(summary="工作规范及条款 / Work norms with their clauses", **examples.NORM_LIST),
    retrieve=extend_schema(summary="单项工作规范 / One work norm", **examples.NORM_DETAIL),
)
class WorkNormViewSet(viewsets.ReadOnlyModelViewSet):
    """The 23 work norms with their clauses."""

    queryset = WorkNorm.objects.prefetch_related("clauses__norm").order_by("number")
    serializer_class = serializers.WorkNormSerializer


@extend_schema_view(
    list=extend_schema(summary="排查整治行动列表 / List inspection campaigns", **examples.CAMPAIGN_LIST),
    retrieve=extend_schema(summary="排查整治行动详情 / One campaign", **examples.CAMPAIGN_DETAIL),
)
class CampaignViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = InspectionCampaign.objects.select_related("lead_inspector").order_by("-start_date", "pk")
    serializer_class = serializers.CampaignSerializer


class InspectionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id")
    company = IdFilter(field_name="company_id")
    pipeline = IdFilter(field_name="pipeline_id")

    class Meta:
        model = InspectionRecord
        fields = ["campaign", "company", "pipeline"]


@extend_schema_view(
    list=extend_schema(summary="检查记录列表 / List inspection records", **examples.INSPECTION_LIST),
    retrieve=extend_schema(summary="检查记录详情 / One inspection record", **examples.INSPECTION_DETAIL),
)
class InspectionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = InspectionRecord.objects.prefetch_related("results__clause__norm").order_by("-inspected_on", "pk")
    serializer_class = serializers.InspectionSerializer
    filterset_class = InspectionFilter


class HazardFilter(django_filters.FilterSet):
    found_after = django_filters.DateFilter(field_name="found_on", lookup_expr="gte")
    found_before = django_filters.DateFilter(field_name="found_on", lookup_expr="lte")
    deadline_after = django_filters.DateFilter(field_name="deadline", lookup_expr="gte")
    deadline_before = django_filters.DateFilter(field_name="deadline", lookup_expr="lte")
    company = IdFilter(field_name="company_id")
    pipeline = IdFilter(field_name="pipeline_id")
    campaign = IdFilter(field_name="campaign_id")
    is_overdue = StrictBooleanFilter()

    class Meta:
        model = Hazard
        fields = ["status", "level", "category", "source", "company", "pipeline", "campaign", "is_overdue"]


@extend_schema_view(
    list=extend_schema(
        summary="隐患图层(GeoJSON,可筛选) / Hazards layer (GeoJSON, filterable)", **examples.HAZARD_LIST
    ),
    retrieve=extend_schema(
        summary="隐患详情(含整改与历史) / One hazard with rectifications and history", **examples.HAZARD_DETAIL
    ),
)
class HazardViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Hazards as GeoJSON, with their rectifications and history on the detail.

    Filters: status, level, category, source, company, pipeline, campaign,
    is_overdue, found_after/found_before, deadline_after/deadline_before,
    in_bbox. Life-cycle actions are POSTs on a hazard; an action the hazard's
    state does not allow answers 409 with the reason.
    """

    queryset = (
        Hazard.objects.select_related("company", "pipeline", "clause__norm")
        .annotate(location_geojson=AsGeoJSON("location", precision=6))
        .defer("location", "pipeline__route")  # a hazard row needs the pipeline's code, not its route
        .order_by("-found_on", "-pk")
    )
    pagination_class = examples.GeoJsonPagesWithExamples  # StableGeoJsonPagination, with page examples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = HazardFilter
    bbox_filter_field = "location"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("rectifications", queryset=Rectification.objects.order_by("created_at", "pk")),
                Prefetch(
                    "history", queryset=HazardTransition.objects.select_related("actor").order_by("created_at", "pk")
                ),
            )
        return queryset

    def get_serializer_class(self):
        return serializers.HazardSerializer if self.action == "list" else serializers.HazardDetailSerializer

    def list(self, request, *args, **kwargs):
        queryset = filtered(self, self.get_queryset())
        computed = {
            "company_name": F("company__name"),
            "pipeline_code": F("pipeline__code"),
            "clause": Joined(F("clause__norm__code"), Value("-"), F("clause__number")),  # NULL without a clause
        }
        return feature_list(self, queryset, geometry="location", fields=HAZARD_FIELDS, computed=computed)

    def _actor(self):
        actor = actor_of(self.request)
        if actor is None:  # the city platform's key: the permissions already refused it
            raise PermissionDenied()
        return actor

    def _answer(self, hazard):
        fresh = self.get_queryset().get(pk=hazard.pk)
        return Response(serializers.HazardDetailSerializer(fresh).data)

    def _run(self, request, action, input_class):
        hazard = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        action_run(action=action, hazard=hazard, actor=self._actor(), data=data.validated_data)
        return self._answer(hazard)

    def _current_round(self, hazard, message):
        current = services.rectification_current(hazard=hazard)
        if current is None:
            raise IllegalTransition(message)
        return current

    @extend_schema(request=serializers.AssignInput, summary="交办 / Assign", **examples.ASSIGN)
    @action(detail=True, methods=["post"], permission_classes=[PersonOnly])
    def assign(self, request, pk=None):
        """Assign to the company with a deadline (default from the deadline table)."""
        return self._run(request, TransitionAction.ASSIGN, serializers.AssignInput)

    @extend_schema(request=serializers.StartInput, summary="开始整改 / Start rectification", **examples.START)
    @action(detail=True, methods=["post"], permission_classes=[PersonOrCompanyKey])
    def start(self, request, pk=None):
        """The company starts (or restarts) rectification."""
        return self._run(request, TransitionAction.START, serializers.StartInput)

    @extend_schema(request=serializers.ActionInput, summary="提交验收 / Submit for acceptance", **examples.SUBMIT)
    @action(detail=True, methods=["post"], permission_classes=[PersonOrCompanyKey])
    def submit(self, request, pk=None):
        """The company submits for acceptance (evidence required)."""
        return self._run(request, TransitionAction.SUBMIT, serializers.ActionInput)

    @extend_schema(request=serializers.ProgressInput, summary="登记整改进度 / Record progress", **examples.PROGRESS)
    @action(detail=True, methods=["post"], permission_classes=[PersonOrCompanyKey])
    def progress(self, request, pk=None):
        """The company records progress on the current round (only the fields sent change)."""
        hazard = self.get_object()
        data = serializers.ProgressInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version", None)
        current = self._current_round(hazard, _("Progress can only be recorded on the current round while rectifying."))
        services.rectification_update(
            rectification=current, actor=self._actor(), changes=changes, expected_version=version
        )
        return self._answer(hazard)

    @extend_schema(
        request={"multipart/form-data": serializers.EvidenceInput},
        summary="上传整改材料 / Upload evidence",
        **examples.EVIDENCE,
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[PersonOrCompanyKey],
        parser_classes=[MultiPartParser, FormParser],
    )
    def evidence(self, request, pk=None):
        """The company attaches a photo or PDF to the current round."""
        hazard = self.get_object()
        data = serializers.EvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        current = self._current_round(hazard, _("Evidence can only be added to the current round while rectifying."))
        services.evidence_add(
            rectification=current,
            actor=self._actor(),
            file=data.validated_data["file"],
            description=data.validated_data["description"],
        )
        return self._answer(hazard)

    @extend_schema(request=serializers.ActionInput, summary="验收通过销号 / Accept and close", **examples.ACCEPT)
    @action(detail=True, methods=["post"], permission_classes=[PersonOnly])
    def accept(self, request, pk=None):
        return self._run(request, TransitionAction.ACCEPT, serializers.ActionInput)

    @extend_schema(request=serializers.ReasonInput, summary="验收不通过 / Reject", **examples.REJECT)
    @action(detail=True, methods=["post"], permission_classes=[PersonOnly])
    def reject(self, request, pk=None):
        return self._run(request, TransitionAction.REJECT, serializers.ReasonInput)

    @extend_schema(request=serializers.ReopenInput, summary="重新打开 / Reopen", **examples.REOPEN)
    @action(detail=True, methods=["post"], permission_classes=[PersonOnly])
    def reopen(self, request, pk=None):
        return self._run(request, TransitionAction.REOPEN, serializers.ReopenInput)

    @extend_schema(request=serializers.ExtendInput, summary="延长整改期限 / Extend the deadline", **examples.EXTEND)
    @action(detail=True, methods=["post"], permission_classes=[PersonOnly])
    def extend(self, request, pk=None):
        return self._run(request, TransitionAction.EXTEND, serializers.ExtendInput)


class StatsFilter(django_filters.FilterSet):
    found_after = django_filters.DateFilter(field_name="found_on", lookup_expr="gte")
    found_before = django_filters.DateFilter(field_name="found_on", lookup_expr="lte")
    company = IdFilter(field_name="company_id")
    campaign = IdFilter(field_name="campaign_id")

    class Meta:
        model = Hazard
        fields = ["company", "campaign", "level", "category"]


class StatsView(APIView):
    """统计:counts by status, level, category, company and campaign; closure rate;
    overdue count; median days to close. Optional date range on the found date."""

    @extend_schema(
        summary="整改统计 / Rectification statistics",
        **examples.STATS_DOC,
        parameters=[
            OpenApiParameter("found_after", OpenApiTypes.DATE, description="YYYY-MM-DD"),
            OpenApiParameter("found_before", OpenApiTypes.DATE, description="YYYY-MM-DD"),
            OpenApiParameter("company", INT64),
            OpenApiParameter("campaign", INT64),
            OpenApiParameter("level", str, enum=HazardLevel.values),
            OpenApiParameter("category", str, enum=HazardCategory.values),
        ],
    )
    def get(self, request):
        hazards = scoped(Hazard.objects.all(), request)
        filterset = StatsFilter(request.query_params, queryset=hazards)
        if not filterset.is_valid():
            return Response(filterset.errors, status=400)
        return Response(hazard_statistics(hazards=filterset.qs))
