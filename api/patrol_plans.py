"""Patrol sections, checkpoints and tasks over the API (docs/patrols.md): read-only, company-scoped.

- ``/api/v1/patrol-sections/``: GeoJSON lines (the stretch of the pipeline), filterable by pipeline, company,
  team, mode, time window and in_bbox;
- ``/api/v1/checkpoints/``: GeoJSON points, filterable by pipeline, company, kind and in_bbox;
- ``/api/v1/patrol-tasks/``: tasks with their figures (status, coverage, arrival, the judgement's report and
  exceptions), filterable by date range, status, kind, section, pipeline, company and team.
"""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api import examples
from api import patrol_plans_examples as ex
from api.filters import IdFilter, SafeInBBoxFilter
from api.scoping import ScopedQuerysetMixin
from patrols.choices import CheckpointKind, Mode, TaskKind, TaskStatus, TimeWindow
from patrols.models import Checkpoint, PatrolSection, PatrolTask


class PatrolSectionSerializer(GeoFeatureModelSerializer):
    pipeline_code = serializers.CharField(source="pipeline.code", read_only=True)
    company = serializers.IntegerField(source="pipeline.company_id", read_only=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True, read_only=True)
    county = serializers.CharField(source="team.county", default=None, allow_null=True, read_only=True)
    length_m = serializers.FloatField(read_only=True)

    class Meta:
        model = PatrolSection
        geo_field = "line"
        fields = [
            "id", "code", "name", "pipeline", "pipeline_code", "company", "from_m", "to_m", "length_m", "team",
            "team_name", "county", "frequency", "period", "mode", "time_window", "coverage_width_m", "active",
        ]  # fmt: skip


class PatrolSectionFilter(django_filters.FilterSet):
    company = IdFilter(field_name="pipeline__company_id", help_text="管道企业 id / company id")
    pipeline = IdFilter(field_name="pipeline_id", help_text="管道 id / pipeline id")
    team = IdFilter(field_name="team_id", help_text="巡护队伍 id / team id")
    mode = django_filters.ChoiceFilter(choices=Mode.choices)
    time_window = django_filters.ChoiceFilter(choices=TimeWindow.choices)

    class Meta:
        model = PatrolSection
        fields = ["pipeline", "company", "team", "mode", "time_window"]


@extend_schema_view(
    list=extend_schema(
        summary="责任管段图层(GeoJSON) / Patrol sections layer (GeoJSON)",
        description=ex.SECTION_DESCRIPTION + examples._PAGED,
        examples=ex.SECTION_EXAMPLES,
        responses={
            200: PatrolSectionSerializer,
            **examples.read_responses("PatrolSection", list_view=True, filters=(ex.BAD_MODE, examples.BAD_BBOX)),
        },
    ),
    retrieve=extend_schema(
        summary="单个责任管段(GeoJSON) / One patrol section (GeoJSON)",
        description="一个责任管段:GeoJSON Feature。 One patrol section as a GeoJSON Feature.",
        examples=ex.SECTION_EXAMPLES,
        responses={200: PatrolSectionSerializer, **examples.read_responses("PatrolSection", list_view=False)},
    ),
)
class PatrolSectionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PatrolSection.objects.select_related("pipeline", "team").defer("pipeline__route").order_by("pk")
    serializer_class = PatrolSectionSerializer
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = PatrolSectionFilter
    bbox_filter_field = "line"
    bbox_filter_include_overlapping = True


class CheckpointSerializer(GeoFeatureModelSerializer):
    pipeline_code = serializers.CharField(source="pipeline.code", read_only=True)
    company = serializers.IntegerField(source="pipeline.company_id", read_only=True)

    class Meta:
        model = Checkpoint
        geo_field = "location"
        fields = ["id", "code", "name", "pipeline", "pipeline_code", "company", "kind", "chainage_m", "radius_m"]


class CheckpointFilter(django_filters.FilterSet):
    company = IdFilter(field_name="pipeline__company_id", help_text="管道企业 id / company id")
    pipeline = IdFilter(field_name="pipeline_id", help_text="管道 id / pipeline id")
    kind = django_filters.ChoiceFilter(choices=CheckpointKind.choices)

    class Meta:
        model = Checkpoint
        fields = ["pipeline", "company", "kind"]


@extend_schema_view(
    list=extend_schema(
        summary="巡检点图层(GeoJSON) / Checkpoints layer (GeoJSON)",
        description=ex.CHECKPOINT_DESCRIPTION + examples._PAGED,
        examples=ex.CHECKPOINT_EXAMPLES,
        responses={
            200: CheckpointSerializer,
            **examples.read_responses("Checkpoint", list_view=True, filters=(ex.BAD_KIND, examples.BAD_BBOX)),
        },
    ),
    retrieve=extend_schema(
        summary="单个巡检点(GeoJSON) / One checkpoint (GeoJSON)",
        description="一个巡检点:GeoJSON Feature。 One checkpoint as a GeoJSON Feature.",
        examples=ex.CHECKPOINT_EXAMPLES,
        responses={200: CheckpointSerializer, **examples.read_responses("Checkpoint", list_view=False)},
    ),
)
class CheckpointViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Checkpoint.objects.select_related("pipeline").defer("pipeline__route").order_by("pk")
    serializer_class = CheckpointSerializer
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = CheckpointFilter
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True


class PatrolTaskSerializer(serializers.ModelSerializer):
    section_code = serializers.CharField(source="section.code", read_only=True)
    pipeline = serializers.IntegerField(source="section.pipeline_id", read_only=True)
    pipeline_code = serializers.CharField(source="section.pipeline.code", read_only=True)
    company = serializers.IntegerField(source="section.pipeline.company_id", read_only=True)
    from_m = serializers.FloatField(source="section.from_m", read_only=True)
    to_m = serializers.FloatField(source="section.to_m", read_only=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True, read_only=True)
    report = serializers.DictField(
        read_only=True, help_text="评定报告(docs/patrols.md 的格式)。 The judgement's report (docs/patrols.md)."
    )
    exceptions = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="异常:漏检、漏巡、信号中断、超速、晚到、早退。"
    )

    class Meta:
        model = PatrolTask
        fields = [
            "id", "section", "section_code", "pipeline", "pipeline_code", "company", "from_m", "to_m", "date",
            "time_window", "kind", "seq", "team", "team_name", "status", "coverage", "arrival", "report",
            "exceptions", "judged_at",
        ]  # fmt: skip


class PatrolTaskFilter(django_filters.FilterSet):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", help_text="YYYY-MM-DD")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", help_text="YYYY-MM-DD")
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices)
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    section = IdFilter(field_name="section_id", help_text="责任管段 id / section id")
    pipeline = IdFilter(field_name="section__pipeline_id", help_text="管道 id / pipeline id")
    company = IdFilter(field_name="section__pipeline__company_id", help_text="管道企业 id / company id")
    team = IdFilter(field_name="team_id", help_text="巡护队伍 id / team id")

    class Meta:
        model = PatrolTask
        fields = ["date_after", "date_before", "status", "kind", "section", "pipeline", "company", "team"]


@extend_schema_view(
    list=extend_schema(
        summary="巡检任务及其评定 / Patrol tasks with their figures",
        description=ex.TASK_DESCRIPTION + examples._PAGED,
        examples=ex.TASK_EXAMPLES,
        responses={
            200: PatrolTaskSerializer(many=True),
            **examples.read_responses("PatrolTask", list_view=True, filters=(ex.BAD_TASK_DATE, ex.BAD_STATUS)),
        },
    ),
    retrieve=extend_schema(
        summary="一个巡检任务 / One patrol task",
        description="一个巡检任务及其评定报告和异常。 One patrol task with its report and exceptions.",
        examples=ex.TASK_EXAMPLES,
        responses={200: PatrolTaskSerializer, **examples.read_responses("PatrolTask", list_view=False)},
    ),
)
class PatrolTaskViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        PatrolTask.objects.select_related("section", "section__pipeline", "team")
        .defer("section__pipeline__route", "section__line")
        .order_by("-date", "pk")
    )
    serializer_class = PatrolTaskSerializer
    filterset_class = PatrolTaskFilter
