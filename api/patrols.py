"""Patrols over the API: GPS fixes in (``POST /api/v1/patrol-fixes/``) and patrol tracks out (GeoJSON).

Fixes come in batches of up to 10,000, idempotent on (device, time) (patrols/ingest.py). The view parses and
checks the body itself, without a serializer per fix: the serializers below describe the body in the
OpenAPI schema; a batch of 1,000 fixes is stored in a few milliseconds.
"""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api import examples
from api import patrols_examples as ex
from api.auth import key_actor, platform_key
from api.filters import IdFilter, SafeInBBoxFilter
from api.scoping import ScopedQuerysetMixin, actor_of
from patrols.choices import FixSource, Mode
from patrols.ingest import (
    DEVICE_ID_MAX,
    MAX_FIXES,
    FixError,
    SenderRefused,
    device_id_clean,
    fixes_ingest_many,
    fixes_sender_check,
)
from patrols.models import PatrolTrack


class FixInput(serializers.Serializer):
    time = serializers.DateTimeField(help_text="ISO 8601 with its offset, e.g. 2026-11-21T08:00:05+08:00.")
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="WGS84 / CGCS2000 longitude.")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="WGS84 / CGCS2000 latitude.")
    accuracy_m = serializers.FloatField(
        min_value=0, required=False, allow_null=True, help_text="Accuracy (m); fixes worse than 50 m are not judged."
    )


class DeviceFixesInput(serializers.Serializer):
    device_id = serializers.CharField(max_length=64, help_text="The device's id, as registered in the admin.")
    fixes = FixInput(many=True, max_length=MAX_FIXES)


class PatrolFixesInput(serializers.Serializer):
    """Either ``device_id`` and ``fixes`` (one device), or ``batches`` (several devices)."""

    device_id = serializers.CharField(max_length=64, required=False, help_text="One device's batch: its id.")
    fixes = FixInput(many=True, required=False, max_length=MAX_FIXES, help_text="One device's batch: its fixes.")
    batches = DeviceFixesInput(many=True, required=False, help_text="Several devices: one batch each.")

    def validate(self, attrs):
        if ("batches" in attrs) == ("device_id" in attrs or "fixes" in attrs):
            raise serializers.ValidationError(_("Send either device_id and fixes, or batches."))
        if "batches" not in attrs and not ("device_id" in attrs and "fixes" in attrs):
            raise serializers.ValidationError(_("Send either device_id and fixes, or batches."))
        return attrs


class FixesStored(serializers.Serializer):
    received = serializers.IntegerField()
    added = serializers.IntegerField()
    duplicates = serializers.IntegerField()


SHAPE = ("fixes", "batches")


def _error(status: int, detail: str, code: str, **where) -> Response:
    return Response({"detail": detail, "code": code, **where}, status=status)


def _batches(data) -> list[tuple[str, list]]:
    """[(device_id, fixes)] of the body, or FixError (the body's shape)."""
    if not isinstance(data, dict):
        raise FixError(_("The body is an object: {device_id, fixes} or {batches: [...]}."))
    if "batches" in data:
        if "device_id" in data or "fixes" in data:
            raise FixError(_("Send either device_id and fixes, or batches."))
        batches = data["batches"]
        if not isinstance(batches, list) or not batches:
            raise FixError(_("batches must be a non-empty list of {device_id, fixes}."))
        if not all(isinstance(b, dict) and "device_id" in b and "fixes" in b for b in batches):
            raise FixError(_("batches must be a non-empty list of {device_id, fixes}."))
        return [(b["device_id"], b["fixes"]) for b in batches]
    if "device_id" not in data or "fixes" not in data:
        raise FixError(_("Send either device_id and fixes, or batches."))
    return [(data["device_id"], data["fixes"])]


class PatrolFixesView(APIView):
    """巡检定位点上传:GPS fixes in batches, idempotent on (device, time)."""

    parser_classes = [JSONParser]  # JSON only: a form's flat fields cannot carry the batches

    @extend_schema(
        summary="上传巡检定位点 / Send GPS fixes",
        request=PatrolFixesInput,
        responses={200: FixesStored, **ex.FIXES_RESPONSES},
        **ex.FIXES,
    )
    def post(self, request):
        data = request.data
        if not isinstance(data, dict) or not all(isinstance(v, list) for k, v in data.items() if k in SHAPE):
            return _error(400, _("The body is an object: {device_id, fixes} or {batches: [...]}."), "invalid")
        try:
            batches = _batches(data)
        except FixError as exc:  # the schema cannot say "one form or the other": well-formed, refused
            return _error(422, str(exc), "invalid_shape")
        total = sum(len(fixes) if isinstance(fixes, list) else 0 for _device, fixes in batches)
        if total > MAX_FIXES:
            return _error(
                413,
                _("At most %(max)d fixes per batch (%(n)d sent).") % {"max": MAX_FIXES, "n": total},
                "too_many_fixes",
            )
        for number, (device_id, _fixes) in enumerate(batches):
            try:
                device_id_clean(device_id)  # before any lookup: never a query with a NUL or a number
            except FixError as exc:
                where = {"batch": number} if len(batches) > 1 else {}
                # A text the schema allows (empty, blank, with a NUL) is refused (422); another type is a 400.
                status = 422 if isinstance(device_id, str) and len(device_id) <= DEVICE_ID_MAX else 400
                return _error(status, str(exc), "invalid" if status == 400 else "refused", field="device_id", **where)
        key = platform_key(request)
        try:
            fixes_sender_check(
                actor=actor_of(request),
                device_ids=[device_id_clean(d) for d, _f in batches],
                platform=key is not None and key_actor(key) is None,
            )
        except SenderRefused as exc:
            return _error(exc.status, str(exc), exc.code)
        try:
            answer = fixes_ingest_many(batches=batches, source=FixSource.DEVICE)
        except FixError as exc:
            where = {"index": exc.index} if exc.index is not None else {}
            if exc.field:
                where["field"] = exc.field
            if len(batches) > 1 and exc.batch is not None:
                where["batch"] = exc.batch
            code = "refused_fix" if exc.refused else "invalid_fix" if exc.index is not None else "invalid"
            return _error(422 if exc.refused else 400, str(exc), code, **where)
        return Response(answer)


# --- tracks ----------------------------------------------------------------------------------------


class PatrolTrackSerializer(GeoFeatureModelSerializer):
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True, read_only=True)
    company = serializers.IntegerField(source="team.company_id", default=None, allow_null=True, read_only=True)
    report = serializers.DictField(
        read_only=True, help_text="patrols.md 的评判报告(指定管段时)/ The report of patrols.md (when judged)."
    )

    class Meta:
        model = PatrolTrack
        geo_field = "line"
        fields = [
            "id", "device_id", "team", "team_name", "company", "task", "mode", "source", "started_at", "ended_at",
            "fix_count", "length_m", "report",
        ]  # fmt: skip


class PatrolTrackFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id", help_text="巡护队伍 id / team id")
    company = IdFilter(field_name="team__company_id", help_text="付费企业 id / paying company id")
    task = IdFilter(field_name="task_id", help_text="巡检任务 id / task id")
    device_id = django_filters.CharFilter(help_text="设备编号 / device id")
    mode = django_filters.ChoiceFilter(choices=Mode.choices)
    started_after = django_filters.DateFilter(field_name="started_at", lookup_expr="date__gte")
    started_before = django_filters.DateFilter(field_name="started_at", lookup_expr="date__lte")

    class Meta:
        model = PatrolTrack
        fields = ["team", "company", "task", "device_id", "mode", "started_after", "started_before"]


@extend_schema_view(
    list=extend_schema(
        summary="巡检轨迹图层(GeoJSON) / Patrol tracks layer (GeoJSON)",
        description=ex.TRACKS_DESCRIPTION + " 分页:page、page_size。 Paged: page, page_size.",
        examples=ex.TRACK_EXAMPLES,
        responses={
            200: PatrolTrackSerializer,
            **examples.read_responses(
                "PatrolTrack", list_view=True, filters=(examples.BAD_DATE_FILTER, examples.BAD_BBOX)
            ),
        },
    ),
    retrieve=extend_schema(
        summary="一条巡检轨迹(GeoJSON) / One patrol track (GeoJSON)",
        description="一条巡检轨迹:GeoJSON Feature,附评判报告。 One patrol track as a GeoJSON Feature, with its report.",
        examples=ex.TRACK_EXAMPLES,
        responses={200: PatrolTrackSerializer, **examples.read_responses("PatrolTrack", list_view=False)},
    ),
)
class PatrolTrackViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """巡检轨迹:tracks as GeoJSON lines with their report, scoped to the paying company of the team."""

    queryset = PatrolTrack.objects.select_related("team").order_by("-started_at", "pk")
    serializer_class = PatrolTrackSerializer
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = PatrolTrackFilter
    bbox_filter_field = "line"
    bbox_filter_include_overlapping = True
