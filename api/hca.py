"""HCA segments for the city platform: GeoJSON with the same company
scoping as everything else; read-only (reviews happen in the admin)."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api import examples, video_examples
from api.filters import GradeFilter, IdFilter, SafeInBBoxFilter, StrictBooleanFilter
from api.scoping import ScopedQuerysetMixin
from hca.choices import GRADE_NAMES, ReviewStatus, RuleSet
from hca.models import HcaSegment
from video.loading import range_coverage


class HcaSegmentSerializer(GeoFeatureModelSerializer):
    pipeline_code = serializers.CharField(source="pipeline.code", read_only=True)
    company = serializers.IntegerField(source="pipeline.company_id", read_only=True)
    grade = serializers.SerializerMethodField(help_text="I、II、III(III 最严重)。 I, II or III (III most severe).")
    rules = serializers.ListField(child=serializers.CharField(), read_only=True)
    reasons = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = HcaSegment
        geo_field = "geom"
        fields = [
            "id", "pipeline", "pipeline_code", "company", "rule_set", "start_m", "end_m", "grade", "rules",
            "reasons", "review_status", "reviewed_at", "review_comment", "video_pilot", "identified_at",
        ]  # fmt: skip

    def get_grade(self, obj) -> str:
        return GRADE_NAMES[obj.grade]


class HcaSegmentFilter(django_filters.FilterSet):
    company = IdFilter(field_name="pipeline__company_id", help_text="管道企业 id / company id")
    pipeline = IdFilter(field_name="pipeline_id", help_text="管道 id / pipeline id")
    grade = GradeFilter(
        choices=[(name, name) for name in GRADE_NAMES.values()],
        coerce=lambda name: {v: k for k, v in GRADE_NAMES.items()}[name],
        help_text="I、II、III",
    )
    rule_set = django_filters.ChoiceFilter(choices=RuleSet.choices)
    video_pilot = StrictBooleanFilter()
    review_status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = HcaSegment
        fields = ["pipeline", "company", "rule_set", "grade", "review_status", "video_pilot"]


class CoverageQuery(serializers.Serializer):
    all_cameras = serializers.BooleanField(
        required=False, default=False, help_text="计入离线摄像机(设计覆盖率) / count offline cameras too (design)"
    )


class CoverageSerializer(serializers.Serializer):
    pipeline_code = serializers.CharField()
    from_m = serializers.FloatField()
    to_m = serializers.FloatField()
    covered_m = serializers.FloatField()
    coverage = serializers.FloatField(help_text="0–1")
    uncovered = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))
    cameras = serializers.ListField(child=serializers.CharField())


SEGMENT = {
    "id": 17,
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[118.512341, 37.401223], [118.516802, 37.401901]]},
    "properties": {
        "pipeline": 2,
        "pipeline_code": "DY-YY-002",
        "company": 5,
        "rule_set": "gb32167",
        "start_m": 1799.9,
        "end_m": 2200.0,
        "grade": "III",
        "rules": ["O-d", "O-f"],
        "reasons": [
            {"rule": "O-d", "layer": "sites", "feature_id": "S0042", "name": "史口加油站"},
            {"rule": "O-f", "layer": "water", "feature_id": "W0003", "name": "溢洪河"},
        ],
        "review_status": "confirmed",
        "reviewed_at": "2026-11-20T10:33:00+08:00",
        "review_comment": "现场核实,河道在此穿越",
        "video_pilot": False,
        "identified_at": "2026-11-20T02:30:00+08:00",
    },
}
SEGMENT_EXAMPLES = [examples.response("高后果区管段", "A high-consequence area segment", SEGMENT)]
_DESCRIPTION = (
    "高后果区管段(GB 32167-2015,或对比用的 49 CFR 192.903):起止里程(m,自管道起点)、等级 I/II/III、"
    "触发的识别准则及导致其成立的要素、审核状态和视频监控试点标记。可按 pipeline、company、rule_set、grade、"
    "review_status、video_pilot 和 in_bbox 筛选。"
    " High-consequence area segments (GB 32167-2015, or 49 CFR 192.903 for comparison): chainage from and to"
    " (m from the pipeline's start), grade I/II/III, the rules that fired with the features behind them, the"
    " review and the video-pilot flag. Filters: pipeline, company, rule_set, grade, review_status, video_pilot,"
    " in_bbox."
)


@extend_schema_view(
    list=extend_schema(
        summary="高后果区管段图层(GeoJSON) / HCA segments layer (GeoJSON)",
        description=_DESCRIPTION + " 分页:page、page_size。 Paged: page, page_size.",
        examples=SEGMENT_EXAMPLES,
        responses={
            200: HcaSegmentSerializer,
            **examples.read_responses("HcaSegment", list_view=True, filters=(examples.BAD_CHOICE, examples.BAD_BBOX)),
        },
    ),
    retrieve=extend_schema(
        summary="单个高后果区管段(GeoJSON) / One HCA segment (GeoJSON)",
        description="一个高后果区管段:GeoJSON Feature。 One HCA segment as a GeoJSON Feature.",
        examples=SEGMENT_EXAMPLES,
        responses={200: HcaSegmentSerializer, **examples.read_responses("HcaSegment", list_view=False)},
    ),
)
class HcaSegmentViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    # The pipeline's code and company only, not its route.
    queryset = HcaSegment.objects.select_related("pipeline").defer("pipeline__route").order_by("pk")
    serializer_class = HcaSegmentSerializer
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = HcaSegmentFilter
    bbox_filter_field = "geom"
    bbox_filter_include_overlapping = True

    @extend_schema(
        summary="管段视频覆盖 / Video coverage of the segment",
        parameters=[CoverageQuery],
        responses={200: CoverageSerializer, **video_examples.COVERAGE_RESPONSES},
        **video_examples.COVERAGE_DOC,
    )
    @action(detail=True, methods=["get"], url_path="coverage", filter_backends=[], pagination_class=None)
    def coverage(self, request, pk=None):
        query = CoverageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        segment = self.get_object()
        answer = range_coverage(
            pipeline=segment.pipeline,
            from_m=segment.start_m,
            to_m=segment.end_m,
            all_cameras=query.validated_data.get("all_cameras", False),
        )
        return Response(answer)
