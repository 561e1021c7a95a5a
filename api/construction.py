"""The check before digging over the API (施工前管道查询, docs/construction.md).

``POST /api/v1/construction-checks/``: a work's GeoJSON geometry (WGS84 or
CGCS2000 longitude/latitude), its work type and optionally the day it starts
and the permit the city's planning or permit system is preparing; the answer
of docs/construction.md. Records nothing; a prohibited verdict for a permit
alerts the city platform (webhook ``construction.check_prohibited``). An
optional ``Idempotency-Key`` makes a retry replay the first answer without
alerting again.
For the office's and the companies' staff, and every API key.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from api import construction_examples as ex
from api.auth import platform_key
from api.emergency import free_text
from api.permissions import PlatformKeyOrUser
from construction.checks import PERMIT_REF_MAX, construction_check
from construction.choices import Band, Verdict, WorkType
from construction.geometry import STRUCTURE, geojson_structure_check
from integrations.services import IdempotencyKeyReused, idempotent, request_fingerprint
from integrations.views import (
    IDEMPOTENCY_KEY_MAX,
    IDEMPOTENCY_KEY_PATTERN,
    _body_digest,
    _caller,
    idempotency_key_refusal,
)

# Optional here: a check records nothing, but with a permit_ref a prohibited verdict alerts the city platform;
# a retry with the same key replays the answer and alerts nobody again.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX, "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description="可选:重试时保持不变,则重放首次结论且不再推送告警"
    " / Optional: the same on every retry replays the first answer and alerts nobody again",
)


class StaffOrKey(BasePermission):
    """Every API key (the city platform's and the companies'), and every person with staff access."""

    message = _("The check is for the office's and the companies' staff and for API keys.")

    def has_permission(self, request, view):
        user = request.user
        return platform_key(request) is not None or bool(user and user.is_authenticated and user.is_staff)


class _UnknownWorkType:
    """DRF's invalid-choice message, translated when it is sent, listing the valid codes."""

    def format(self, **kwargs) -> str:
        message = _('Unknown work type "{input}"; the work types are: {types}.')
        return str(message).format(types=", ".join(WorkType.values), **kwargs)


def _geometry_schema() -> dict:
    position = {
        "type": "array",
        "minItems": 2,
        "maxItems": 3,
        "items": {"type": "number", "minimum": -180, "maximum": 180},
        "description": "[longitude, latitude] (latitude within ±90)",
    }

    def nested(levels):
        node = position
        for fewest in reversed(levels):
            node = {"type": "array", "minItems": fewest, "items": node}
        return node

    return {
        "oneOf": [
            {
                "type": "object",
                "title": kind,
                "required": ["type", "coordinates"],
                "properties": {"type": {"type": "string", "enum": [kind]}, "coordinates": nested(levels)},
            }
            for kind, levels in STRUCTURE.items()
        ],
        "description": "GeoJSON geometry, longitude/latitude (WGS84 or CGCS2000).",
    }


@extend_schema_field(_geometry_schema())
class GeoJsonGeometryField(serializers.JSONField):
    """A GeoJSON geometry object; checked (and kept) as given."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        try:
            geojson_structure_check(data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return data


class ConstructionCheckInput(serializers.Serializer):
    geometry = GeoJsonGeometryField(
        help_text="GeoJSON geometry of the work (Point, LineString, Polygon or their Multi* forms), "
        "longitude/latitude in WGS84 or CGCS2000 (EPSG:4326 / EPSG:4490)."
    )
    work_type = serializers.ChoiceField(
        choices=WorkType.choices,
        help_text="The kind of work (docs/construction.md).",
        error_messages={"invalid_choice": _UnknownWorkType()},
    )
    start_on = serializers.DateField(required=False, help_text="The day work starts (YYYY-MM-DD).")
    permit_ref = free_text(PERMIT_REF_MAX)
    permit_ref.help_text = "A permit being prepared by the city's planning or permit system (optional)."


class PipelineConcernedOutput(serializers.Serializer):
    pipeline_code = serializers.CharField()
    company = serializers.CharField()
    distance_m = serializers.FloatField(help_text="Shortest distance from the work to the centreline, 0.1 m.")
    band = serializers.ChoiceField(choices=Band.choices)
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    articles = serializers.ListField(child=serializers.CharField(), help_text="Pipeline Protection Law articles.")


class ConstructionCheckOutput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    work_type = serializers.ChoiceField(choices=WorkType.choices)
    pipelines = PipelineConcernedOutput(many=True)
    notice_by = serializers.DateField(allow_null=True, help_text="start_on - 7 days (Art. 37); null without it.")


class ConstructionCheckView(APIView):
    """施工前管道查询:the verdict on a work, every pipeline and company concerned, the notice date."""

    permission_classes = [PlatformKeyOrUser, StaffOrKey]
    parser_classes = [JSONParser]  # a geometry is a JSON object: no form encoding

    @extend_schema(
        summary="施工前管道查询 / Check before digging",
        request=ConstructionCheckInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: ConstructionCheckOutput, **ex.CHECK_RESPONSES, 422: ex.REFUSED},
        **ex.CHECK,
    )
    def post(self, request):
        if "Idempotency-Key" in request.headers:
            refusal = idempotency_key_refusal(request)
            if refusal is not None:
                return refusal
        data = ConstructionCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def produce():
            answer = construction_check(
                geometry=values["geometry"],
                work_type=values["work_type"],
                start_on=values.get("start_on"),
                permit_ref=values["permit_ref"],
            )
            return 200, answer

        try:
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return Response(produce()[1])
            caller = _caller(request)
            fingerprint = request_fingerprint(
                method=request.method, path=request.path, caller=caller, body_digest=_body_digest(request)
            )
            result = idempotent(caller=caller, key=key, fingerprint=fingerprint, produce=produce)
        except ValidationError as exc:  # well-formed, but not a shape that can be checked (self-intersecting…)
            return Response({"detail": " ".join(exc.messages), "code": "refused"}, status=422)
        except IdempotencyKeyReused as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=422)
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
