"""The security register over the API (read-only; the steps are taken in the admin):

- ``/api/v1/theft-incidents/``: theft incidents (打孔盗油案事件) as GeoJSON, company-scoped through their
  pipeline; filters status, found_how, tap_kind, pipeline, company, county, found_after/found_before, in_bbox.
- ``/api/v1/refinery-points/``: illegal refinery points (土炼油点) as GeoJSON with their re-checks: the
  regulator's own data, for the office and the city platform's key (403 for a company's key or staff).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts.scoping import is_regulator
from api import examples
from api.auth import company_key_actor, platform_key
from api.filters import IdFilter, SafeInBBoxFilter
from api.permissions import PlatformKeyOrUser
from api.scoping import ScopedQuerysetMixin
from security.choices import FoundHow, RefineryKind, RefineryStatus, TapKind, TheftStatus
from security.models import RefineryPoint, TheftIncident


class TheftIncidentSerializer(GeoFeatureModelSerializer):
    pipeline_code = serializers.CharField(source="pipeline.code", read_only=True)
    company = serializers.IntegerField(source="pipeline.company_id", read_only=True)
    police_case = serializers.CharField(source="police_case.number", default=None, allow_null=True, read_only=True)
    days_tap_to_discovery = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = TheftIncident
        geo_field = "location"
        fields = [
            "id",
            "code",
            "pipeline",
            "pipeline_code",
            "company",
            "chainage_m",
            "county",
            "found_on",
            "found_how",
            "tap_kind",
            "tapped_on",
            "days_tap_to_discovery",
            "volume_lost_t",
            "shutdown_hours",
            "cost_yuan",
            "status",
            "sealed_on",
            "reported_on",
            "filed_on",
            "not_filed_on",
            "solved_on",
            "prosecuted_on",
            "closed_on",
            "police_case",
        ]


class TheftIncidentFilter(django_filters.FilterSet):
    company = IdFilter(field_name="pipeline__company_id", help_text="管道企业 id / company id")
    pipeline = IdFilter(field_name="pipeline_id", help_text="管道 id / pipeline id")
    status = django_filters.ChoiceFilter(choices=TheftStatus.choices)
    found_how = django_filters.ChoiceFilter(choices=FoundHow.choices)
    tap_kind = django_filters.ChoiceFilter(choices=TapKind.choices)
    county = django_filters.CharFilter(field_name="county", help_text="区县名称 / county name, e.g. 河口区")
    found_after = django_filters.DateFilter(field_name="found_on", lookup_expr="gte")
    found_before = django_filters.DateFilter(field_name="found_on", lookup_expr="lte")

    class Meta:
        model = TheftIncident
        fields = ["pipeline", "company", "status", "found_how", "tap_kind", "county", "found_after", "found_before"]


class RefineryRecheckSerializer(serializers.Serializer):
    closure = serializers.IntegerField()
    offset_days = serializers.IntegerField()
    due_on = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)
    result = serializers.CharField(help_text="still_shut, working_again, superseded, or empty: to do")


class RefineryPointSerializer(GeoFeatureModelSerializer):
    rechecks = RefineryRecheckSerializer(many=True, read_only=True)

    class Meta:
        model = RefineryPoint
        geo_field = "location"
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "county",
            "found_on",
            "status",
            "shut_down_on",
            "shut_down_by",
            "closures",
            "recurrences",
            "rechecks",
        ]


class RefineryPointFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RefineryStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RefineryKind.choices)
    county = django_filters.CharFilter(field_name="county", help_text="区县名称 / county name")

    class Meta:
        model = RefineryPoint
        fields = ["status", "kind", "county"]


class OfficeOrPlatform(BasePermission):
    """Refinery points are the regulator's own data: the office's staff and the city platform's key."""

    message = _("Refinery points are the regulator's data: they are for the office and the city platform.")

    def has_permission(self, request, view):
        if company_key_actor(request) is not None:
            return False
        return platform_key(request) is not None or is_regulator(request.user)


THEFT = {
    "id": 12,
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [118.612345, 37.950012]},
    "properties": {
        "code": "DY-2026-0012",
        "pipeline": 31,
        "pipeline_code": "DY-YY-031",
        "company": 7,
        "chainage_m": 3001.4,
        "county": "河口区",
        "found_on": "2026-10-02",
        "found_how": "patrol",
        "tap_kind": "clamp",
        "tapped_on": "2026-09-20",
        "days_tap_to_discovery": 12,
        "volume_lost_t": "3.20",
        "shutdown_hours": "6.5",
        "cost_yuan": "48000.00",
        "status": "filed",
        "sealed_on": "2026-10-02",
        "reported_on": "2026-10-03",
        "filed_on": "2026-10-10",
        "not_filed_on": None,
        "solved_on": None,
        "prosecuted_on": None,
        "closed_on": None,
        "police_case": "东公(油)立字〔2026〕101号",
    },
}
REFINERY = {
    "id": 3,
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [118.83, 37.9]},
    "properties": {
        "code": "TL-2026-0002",
        "name": "河口区义和镇储油点",
        "kind": "storage",
        "county": "河口区",
        "found_on": "2026-02-14",
        "status": "working",
        "shut_down_on": "2026-02-17",
        "shut_down_by": "联合执法组",
        "closures": 1,
        "recurrences": 1,
        "rechecks": [
            {"closure": 1, "offset_days": 30, "due_on": "2026-03-19", "done_on": "2026-03-21", "result": "still_shut"},
            {
                "closure": 1,
                "offset_days": 90,
                "due_on": "2026-05-18",
                "done_on": "2026-05-20",
                "result": "working_again",
            },
        ],
    },
}
THEFT_EXAMPLES = [examples.response("打孔盗油案事件", "A theft incident", THEFT)]
REFINERY_EXAMPLES = [examples.response("土炼油点(死灰复燃)", "A refinery point found working again", REFINERY)]
REFINERY_FORBIDDEN = examples.forbidden(
    examples.response(
        "企业无权查看土炼油点",
        "Company keys and staff may not see refinery points",
        {"detail": "土炼油点是监管部门的数据,仅供监管部门和市平台使用。"},
    ),
    examples.NOT_PERMITTED,
)
_THEFT_DESCRIPTION = (
    "打孔盗油案事件(企业只看到本企业管道上的):管道、里程、区县、发现日期与方式、盗油方式、打孔至发现天数、损失、"
    "流程状态(发现→封堵→报案→立案/不予立案→破案→移送起诉→结案)及各步日期、公安案件编号。可按 pipeline、company、"
    "status、found_how、tap_kind、county、found_after、found_before 和 in_bbox 筛选。"
    " Theft incidents (a company sees those on its own pipelines): pipeline, chainage, county, found on and how,"
    " tap kind, days from tap to discovery, losses, the life-cycle status and the date of each step, the police"
    " case. Filters: pipeline, company, status, found_how, tap_kind, county, found_after, found_before, in_bbox."
)
_REFINERY_DESCRIPTION = (
    "土炼油点:位置、类型、区县、发现与取缔日期、取缔单位、取缔次数、死灰复燃次数及复查(取缔后第30、90、180天)。"
    "监管部门的数据:仅供监管部门和市平台,企业的密钥和人员为 403。可按 status、kind、county、in_bbox 筛选。"
    " Illegal refinery points: place, kind, county, found and shut-down dates, by whom, closures, recurrences and"
    " the re-checks (+30, +90, +180 days after each closure). The regulator's data: for the office and the city"
    " platform; a company's key or staff get 403. Filters: status, kind, county, in_bbox."
)


def _forbidden_responses(model, *, list_view):
    return {
        **examples.read_responses(
            model, list_view=list_view, filters=(examples.BAD_CHOICE, examples.BAD_BBOX) if list_view else ()
        ),
        403: REFINERY_FORBIDDEN,
    }


@extend_schema_view(
    list=extend_schema(
        summary="打孔盗油案事件图层(GeoJSON) / Theft incidents layer (GeoJSON)",
        description=_THEFT_DESCRIPTION + examples._PAGED,
        examples=THEFT_EXAMPLES,
        responses={
            200: TheftIncidentSerializer,
            **examples.read_responses(
                "TheftIncident",
                list_view=True,
                filters=(examples.BAD_CHOICE, examples.BAD_BBOX, examples.BAD_DATE_FILTER),
            ),
        },
    ),
    retrieve=extend_schema(
        summary="一起打孔盗油案事件(GeoJSON) / One theft incident (GeoJSON)",
        description="一起打孔盗油案事件:GeoJSON Feature。 One theft incident as a GeoJSON Feature.",
        examples=THEFT_EXAMPLES,
        responses={200: TheftIncidentSerializer, **examples.read_responses("TheftIncident", list_view=False)},
    ),
)
class TheftIncidentViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = TheftIncident.objects.select_related("pipeline", "police_case").defer("pipeline__route").order_by("pk")
    serializer_class = TheftIncidentSerializer
    permission_classes = [PlatformKeyOrUser]
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = TheftIncidentFilter
    bbox_filter_field = "location"


@extend_schema_view(
    list=extend_schema(
        summary="土炼油点图层(GeoJSON) / Illegal refinery points layer (GeoJSON)",
        description=_REFINERY_DESCRIPTION + examples._PAGED,
        examples=REFINERY_EXAMPLES,
        responses={200: RefineryPointSerializer, **_forbidden_responses("RefineryPoint", list_view=True)},
    ),
    retrieve=extend_schema(
        summary="一个土炼油点(GeoJSON) / One refinery point (GeoJSON)",
        description="一个土炼油点及其复查:GeoJSON Feature。 One refinery point and its re-checks (GeoJSON Feature).",
        examples=REFINERY_EXAMPLES,
        responses={200: RefineryPointSerializer, **_forbidden_responses("RefineryPoint", list_view=False)},
    ),
)
class RefineryPointViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = RefineryPoint.objects.prefetch_related("rechecks").order_by("pk")
    serializer_class = RefineryPointSerializer
    permission_classes = [PlatformKeyOrUser, OfficeOrPlatform]
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = RefineryPointFilter
    bbox_filter_field = "location"
