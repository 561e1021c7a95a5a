"""Third-party construction applications over the API: GeoJSON, read-only (the steps are taken in the admin),
scoped like everything else: a company sees the applications that concern its pipelines, a contractor its own,
the office and the city platform all."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api import examples
from api.filters import IdFilter, SafeInBBoxFilter
from api.scoping import ScopedQuerysetMixin
from construction.choices import Verdict, WorkType
from construction.lifecycle import ApplicationStatus
from construction.models import Application, ApplicationOperator, ApplicationStep


class ApplicationSerializer(GeoFeatureModelSerializer):
    contractor_name = serializers.CharField(source="contractor.name", read_only=True)
    operators = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Application
        geo_field = "area"
        fields = [
            "id", "number", "project", "contractor", "contractor_name", "work_type", "depth_m", "verdict", "status",
            "planned_start", "planned_end", "valid_until", "decision_due", "submitted_at", "decided_at",
            "notice_sent_on", "started_on", "completed_on", "expired_on", "operators", "steps",
        ]  # fmt: skip

    def get_operators(self, application) -> list[dict]:
        return [
            {
                "company": operator.company_id,
                "company_name": operator.company.name,
                "pipelines": [p["pipeline_code"] for p in operator.pipelines],
                "distance_m": operator.distance_m,
                "band": operator.band,
                "articles": operator.articles,
                "answer": operator.answer or None,
                "site_action": operator.site_action or None,
                "agreements": [{"kind": a.kind, "version": a.version} for a in operator.agreements.all()],
                "safety_reviewed": operator.safety_reviewed_at is not None,
            }
            for operator in application.operators.all()
        ]

    def get_steps(self, application) -> list[dict]:
        return [{"kind": s.kind, "at": s.at.isoformat(), "comment": s.comment} for s in application.steps.all()]


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)
    work_type = django_filters.ChoiceFilter(choices=WorkType.choices)
    company = IdFilter(field_name="operators__company_id", help_text="管道企业 id / company id", distinct=True)
    contractor = IdFilter(field_name="contractor_id", help_text="施工单位 id / contractor id")

    class Meta:
        model = Application
        fields = ["status", "verdict", "work_type", "company", "contractor"]


APPLICATION = {
    "id": 12,
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[118.828012, 37.884801], [118.829010, 37.885457]]},
    "properties": {
        "number": "SG-2026-0012",
        "project": "东营港区10kV电缆敷设工程",
        "contractor": 3,
        "contractor_name": "东营鲁建市政工程有限公司",
        "work_type": "cable",
        "depth_m": 1.5,
        "verdict": "approval_required",
        "status": "under_way",
        "planned_start": "2026-11-18",
        "planned_end": "2026-12-05",
        "valid_until": "2026-12-05",
        "decision_due": "2026-11-27",
        "submitted_at": "2026-10-30T09:12:00+08:00",
        "decided_at": "2026-11-06T15:40:00+08:00",
        "notice_sent_on": "2026-11-10",
        "started_on": "2026-11-18",
        "completed_on": None,
        "expired_on": None,
        "operators": [
            {
                "company": 13,
                "company_name": "广饶昌隆油气储运有限公司",
                "pipelines": ["DY-TQ-049"],
                "distance_m": 0.0,
                "band": "crosses",
                "articles": ["35(1)"],
                "answer": "no_conflict",
                "site_action": "presence",
                "agreements": [{"kind": "safety", "version": 1}],
                "safety_reviewed": False,
            }
        ],
        "steps": [{"kind": "submitted", "at": "2026-10-30T09:12:00+08:00", "comment": ""}],
    },
}
APPLICATION_EXAMPLES = [examples.response("施工申请(已开工)", "An application whose work is under way", APPLICATION)]
_DESCRIPTION = (
    "第三方施工申请:作业区(点、线或面)、作业类型、核查结论、状态与各日期、相关管道企业的答复与协议版本、每一步的记录。"
    "管道企业只看到涉及本企业管道的申请,施工单位只看到本单位的申请。可按 status、verdict、work_type、company、"
    "contractor 和 in_bbox 筛选。"
    " Third-party construction applications: the work area (point, line or area), the work type, the check's"
    " verdict, the status and dates, each operator's answer and agreement versions, and every step. A company sees"
    " the applications that concern its pipelines, a contractor its own. Filters: status, verdict, work_type,"
    " company, contractor, in_bbox."
)


@extend_schema_view(
    list=extend_schema(
        summary="第三方施工申请(GeoJSON) / Construction applications (GeoJSON)",
        description=_DESCRIPTION + " 分页:page、page_size。 Paged: page, page_size.",
        examples=APPLICATION_EXAMPLES,
        responses={
            200: ApplicationSerializer,
            **examples.read_responses("Application", list_view=True, filters=(examples.BAD_CHOICE, examples.BAD_BBOX)),
        },
    ),
    retrieve=extend_schema(
        summary="一份第三方施工申请(GeoJSON) / One construction application (GeoJSON)",
        description="一份施工申请:GeoJSON Feature。 One construction application as a GeoJSON Feature.",
        examples=APPLICATION_EXAMPLES,
        responses={200: ApplicationSerializer, **examples.read_responses("Application", list_view=False)},
    ),
)
class ApplicationViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        Application.objects.select_related("contractor")
        .prefetch_related(
            Prefetch(
                "operators",
                queryset=ApplicationOperator.objects.select_related("company").prefetch_related("agreements"),
            ),
            Prefetch("steps", queryset=ApplicationStep.objects.order_by("at", "pk")),
        )
        .order_by("-pk")
    )
    serializer_class = ApplicationSerializer
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = ApplicationFilter
    bbox_filter_field = "area"
    bbox_filter_include_overlapping = True
