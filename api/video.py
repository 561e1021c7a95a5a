"""Video monitoring over the API (docs/video.md).

- ``GET /api/v1/cameras/`` (GeoJSON, company-scoped; ``sees=lon,lat``: the cameras whose view holds that
  place, nearest first, with their stream links) and ``{id}/``;
- ``POST /api/v1/cameras/heartbeats/``: a batch of heartbeats from a video platform;
- ``GET /api/v1/hca-segments/{id}/coverage/`` (in api/hca.py): what the cameras cover of a segment;
- ``/api/v1/video-alarms/``: AI alarms, list and read; report one (POST, with an ``Idempotency-Key`` like
  incidents; a snapshot checked like every upload).
"""

import django_filters
from django.contrib.gis.geos import Point
from django.core.validators import RegexValidator
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api import examples
from api import video_examples as ex
from api.emergency import StrictCharField
from api.filters import IdFilter, SafeInBBoxFilter
from api.scoping import ScopedQuerysetMixin, actor_of, scoped
from api.serializers import UploadField
from common.errors import InvalidUpload
from hazards.uploads import photo_file_validator
from integrations.services import IdempotencyKeyReused, idempotent, request_fingerprint
from integrations.views import _body_digest, _caller, idempotency_key_parameter, idempotency_key_refusal
from video.alarms import AlarmRefused, video_alarm_receive
from video.choices import AlarmClass, CameraKind, CameraStatus
from video.models import Camera, VideoAlarm
from video.services import cameras_seeing_point, heartbeats_record

GB28181 = RegexValidator(r"^\d{20}$", _("A GB/T 28181 id is exactly 20 digits."))


class CameraSerializer(GeoFeatureModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    pipeline_code = serializers.CharField(source="pipeline.code", default=None, allow_null=True, read_only=True)
    distance_m = serializers.SerializerMethodField(
        help_text="与 sees 所给地点的距离(米),未给 sees 时为 null。"
        " Distance to the place given by sees (m); null without sees."
    )

    class Meta:
        model = Camera
        geo_field = "location"
        fields = [
            "id", "code", "name", "device_id", "channel_id", "kind", "azimuth_deg", "fov_deg", "range_m", "height_m",
            "company", "company_name", "pipeline_code", "stream_url", "status", "last_seen_at", "distance_m",
        ]  # fmt: skip

    def get_distance_m(self, obj) -> float | None:
        return getattr(obj, "distance_m", None)


class CameraFilter(django_filters.FilterSet):
    company = IdFilter(field_name="company_id", help_text="管道企业 id / company id")
    pipeline = IdFilter(field_name="pipeline_id", help_text="管道 id / pipeline id")
    status = django_filters.ChoiceFilter(choices=CameraStatus.choices)
    kind = django_filters.ChoiceFilter(choices=CameraKind.choices)

    class Meta:
        model = Camera
        fields = ["company", "pipeline", "status", "kind"]


class SeesInput(serializers.Serializer):
    sees = serializers.RegexField(
        r"^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$",
        required=False,
        max_length=60,
        trim_whitespace=False,
        help_text="lon,lat(WGS84):只列出视野覆盖该地点的摄像机,由近及远(超出经纬度范围的地点没有摄像机)。"
        " lon,lat (WGS84): only the cameras whose view holds that place, nearest first (none for a place off the"
        " globe).",
    )

    def validate_sees(self, value):
        lon, lat = (float(part) for part in value.split(","))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return False  # a place off the globe: no camera sees it
        return Point(lon, lat, srid=4326)


class BeatInput(serializers.Serializer):
    code = StrictCharField(required=False, max_length=40, help_text="摄像机编号 / camera code")
    device_id = StrictCharField(required=False, validators=[GB28181], help_text="GB/T 28181 设备编码")
    channel_id = StrictCharField(required=False, validators=[GB28181], help_text="GB/T 28181 通道编码")
    at = serializers.DateTimeField(required=False, help_text="心跳时间(默认收到时)/ time of the beat (default: now)")


BEAT_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 40, "description": "摄像机编号 / camera code"},
        "device_id": {"type": "string", "pattern": "^\\d{20}$", "description": "GB/T 28181 设备编码 / device id"},
        "channel_id": {"type": "string", "pattern": "^\\d{20}$", "description": "GB/T 28181 通道编码 / channel id"},
        "at": {"type": "string", "format": "date-time", "description": "心跳时间(默认收到时) / time (default: now)"},
    },
}


@extend_schema_field({"type": "array", "items": BEAT_SCHEMA, "minItems": 1, "maxItems": 5000})
class BeatsField(serializers.ListField):
    """The beats, each checked by BeatInput; a refusal names the beat in one flat message."""

    MAX = 5000

    def __init__(self, **kwargs):
        super().__init__(child=serializers.DictField(), allow_empty=False, max_length=self.MAX, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(_("Send a list of heartbeats."))
        if not data:
            raise serializers.ValidationError(_("Send at least one heartbeat."))
        if len(data) > self.MAX:
            raise serializers.ValidationError(_("At most %(max)s heartbeats in a batch.") % {"max": self.MAX})
        checked = []
        for number, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise serializers.ValidationError(
                    _("beat %(number)s: %(problems)s") % {"number": number, "problems": _("not an object")}
                )
            beat = BeatInput(data=item)
            if not beat.is_valid():
                problems = "; ".join(
                    f"{field}: {' '.join(map(str, errors))}"
                    if field != "non_field_errors"
                    else " ".join(map(str, errors))
                    for field, errors in beat.errors.items()
                )
                raise serializers.ValidationError(
                    _("beat %(number)s: %(problems)s") % {"number": number, "problems": problems}
                )
            checked.append(beat.validated_data)
        return checked


class HeartbeatInput(serializers.Serializer):
    beats = BeatsField()


class HeartbeatResult(serializers.Serializer):
    received = serializers.IntegerField()
    cameras = serializers.IntegerField()
    back_online = serializers.ListField(child=serializers.CharField())
    unknown = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    list=extend_schema(
        summary="摄像机图层(GeoJSON) / Cameras layer (GeoJSON)",
        description=ex.CAMERA_LIST_DESCRIPTION,
        parameters=[SeesInput],
        examples=ex.CAMERA_EXAMPLES,
        responses={200: CameraSerializer, **ex.camera_read_responses(list_view=True)},
    ),
    retrieve=extend_schema(
        summary="一台摄像机(GeoJSON) / One camera (GeoJSON)",
        description="一台摄像机:GeoJSON Feature,含视频流链接。 One camera as a GeoJSON Feature, with its stream link.",
        examples=ex.CAMERA_EXAMPLES,
        responses={200: CameraSerializer, **ex.camera_read_responses(list_view=False)},
    ),
)
class CameraViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Camera.objects.select_related("company", "pipeline").defer("pipeline__route").order_by("code")
    serializer_class = CameraSerializer
    pagination_class = examples.GeoJsonPagesWithExamples
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, SafeInBBoxFilter]
    filterset_class = CameraFilter
    bbox_filter_field = "location"

    def list(self, request, *args, **kwargs):
        query = SeesInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        place = query.validated_data.get("sees")
        if place is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        seeing = cameras_seeing_point(point=place, queryset=queryset) if place else []
        order = Case(*[When(pk=c.pk, then=Value(i)) for i, c in enumerate(seeing)], output_field=IntegerField())
        distances = {c.pk: c.distance_m for c in seeing}
        ordered = queryset.filter(pk__in=list(distances)).annotate(seen_order=order).order_by("seen_order")
        page = self.paginate_queryset(ordered)
        for camera in page:
            camera.distance_m = distances[camera.pk]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="心跳上报(批量) / Heartbeats (a batch)",
        request=HeartbeatInput,
        responses={200: HeartbeatResult, **ex.HEARTBEAT_RESPONSES},
        **ex.HEARTBEATS,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="heartbeats",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[JSONParser],  # a batch is JSON: a form cannot hold the list of objects
    )
    def heartbeats(self, request):
        actor = actor_of(request)
        if actor is not None and not actor.has_perm("video.change_camera"):
            return Response({"detail": _("You may not report heartbeats.")}, status=status.HTTP_403_FORBIDDEN)
        data = HeartbeatInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = heartbeats_record(beats=data.validated_data["beats"], cameras=scoped(Camera.objects.all(), request))
        return Response(result)


class VideoAlarmSerializer(serializers.ModelSerializer):
    camera = serializers.CharField(source="camera.code", read_only=True)
    pipelines = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    hazard = serializers.CharField(source="hazard.code", default=None, allow_null=True, read_only=True)
    incident = serializers.CharField(source="incident.code", default=None, allow_null=True, read_only=True)
    snapshot_attached = serializers.SerializerMethodField()

    class Meta:
        model = VideoAlarm
        fields = [
            "id", "camera", "company", "external_id", "occurred_at", "alarm_class", "confidence", "snapshot_attached",
            "pipelines", "first", "repeat_count", "handling", "handling_note", "hazard", "incident", "application_ref",
            "review", "reviewed_at", "received_at",
        ]  # fmt: skip

    def get_snapshot_attached(self, obj) -> bool:
        return bool(obj.snapshot)


class VideoAlarmInput(serializers.Serializer):
    camera = StrictCharField(
        required=False, max_length=40, help_text="摄像机编号(或给出 device_id 与 channel_id)/ camera code"
    )
    device_id = StrictCharField(required=False, validators=[GB28181])
    channel_id = StrictCharField(required=False, validators=[GB28181])
    occurred_at = serializers.DateTimeField(help_text="ISO 8601 with its offset, e.g. 2026-12-07T08:05:00+08:00.")
    alarm_class = serializers.ChoiceField(choices=AlarmClass.choices)
    confidence = serializers.FloatField(min_value=0, max_value=1)
    external_id = StrictCharField(required=False, allow_blank=True, default="", max_length=100)
    snapshot = UploadField(required=False, default=None, validators=[photo_file_validator], help_text="JPEG or PNG.")


class VideoAlarmJsonInput(VideoAlarmInput):
    """The JSON body: the same fields without the snapshot (a file travels only in multipart/form-data)."""

    snapshot = None


@extend_schema_view(
    list=extend_schema(
        summary="视频AI告警列表 / List video AI alarms",
        description="视频AI告警(企业只看到本企业摄像机的),最新在前,含处置结果。"
        " Video AI alarms (a company sees its own cameras'), newest first, with how each was handled.",
        responses={200: VideoAlarmSerializer(many=True), **ex.alarm_read_responses(list_view=True)},
        examples=ex.ALARM_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="一条视频AI告警 / One video AI alarm",
        description="一条视频AI告警及其处置。 One video AI alarm and how it was handled.",
        responses={200: VideoAlarmSerializer, **ex.alarm_read_responses(list_view=False)},
        examples=ex.ALARM_EXAMPLES,
    ),
)
class VideoAlarmViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        VideoAlarm.objects.select_related("camera", "hazard", "incident").prefetch_related("pipelines").order_by("-pk")
    )
    serializer_class = VideoAlarmSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="上报视频AI告警 / Report a video AI alarm",
        request={"application/json": VideoAlarmJsonInput, "multipart/form-data": VideoAlarmInput},
        parameters=[
            idempotency_key_parameter(
                "每条告警一个唯一值,重试时保持不变 / One value per alarm, the same on every retry"
            )
        ],
        responses={201: VideoAlarmSerializer, **ex.ALARM_REPORT_RESPONSES},
        **ex.ALARM_REPORT,
    )
    def create(self, request, *args, **kwargs):
        refusal = idempotency_key_refusal(request)
        if refusal is not None:
            return refusal
        actor = actor_of(request)
        if actor is not None and not actor.has_perm("video.add_videoalarm"):
            return Response({"detail": _("You may not report video alarms.")}, status=status.HTTP_403_FORBIDDEN)
        data = VideoAlarmInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        cameras = scoped(Camera.objects.all(), request)
        camera = None
        if values.get("camera"):
            camera = cameras.filter(code=values["camera"]).first()
        elif values.get("device_id") and values.get("channel_id"):
            camera = cameras.filter(device_id=values["device_id"], channel_id=values["channel_id"]).first()
        else:
            detail = _("Name the camera: its code, or its device_id and channel_id.")
            return Response({"detail": detail, "code": "refused"}, status=422)
        if camera is None:
            return Response(
                {"detail": _("No such camera in the register (that you may report for)."), "code": "refused"},
                status=422,
            )
        caller = _caller(request)
        fingerprint = request_fingerprint(
            method=request.method, path=request.path, caller=caller, body_digest=_body_digest(request)
        )

        def produce():
            alarm = video_alarm_receive(
                camera=camera,
                occurred_at=values["occurred_at"],
                alarm_class=values["alarm_class"],
                confidence=values["confidence"],
                snapshot=values.get("snapshot"),
                external_id=values["external_id"],
            )
            return 201, VideoAlarmSerializer(alarm).data

        try:
            result = idempotent(
                caller=caller, key=request.headers["Idempotency-Key"], fingerprint=fingerprint, produce=produce
            )
        except IdempotencyKeyReused as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=422)
        except (AlarmRefused, InvalidUpload) as exc:
            return Response({"detail": str(exc.message if hasattr(exc, "message") else exc), "code": "refused"}, 422)
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
