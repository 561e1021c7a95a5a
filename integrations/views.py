"""Event intake for the city platform: the view parses, the service decides (integrations/services.py)."""

import hashlib
import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import examples
from api.auth import platform_key
from api.permissions import NotACompanyKey, PlatformKeyOrUser
from api.serializers import UploadField, text
from hazards.choices import HazardCategory
from hazards.uploads import photo_file_validator
from integrations.services import (
    CITY_LATITUDE,
    CITY_LONGITUDE,
    IdempotencyKeyReused,
    NoPipelineNearby,
    event_intake,
    request_fingerprint,
)

IDEMPOTENCY_KEY_MAX = 255
# Visible ASCII, no spaces: what the schema declares is exactly what is accepted.
IDEMPOTENCY_KEY_PATTERN = f"^[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}$"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def idempotency_key_parameter(description: str) -> OpenApiParameter:
    """The ``Idempotency-Key`` header as the schema declares it (and ``idempotency_key_refusal`` enforces)."""
    schema = {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX, "pattern": IDEMPOTENCY_KEY_PATTERN}
    return OpenApiParameter("Idempotency-Key", schema, OpenApiParameter.HEADER, required=True, description=description)


def idempotency_key_refusal(request) -> Response | None:
    """A 400 when the request's ``Idempotency-Key`` is missing or malformed, else None."""
    if re.fullmatch(IDEMPOTENCY_KEY_PATTERN, request.headers.get("Idempotency-Key") or ""):
        return None
    return Response(
        {
            "detail": _("Send an Idempotency-Key header: 1 to %(max)d visible ASCII characters, no spaces.")
            % {"max": IDEMPOTENCY_KEY_MAX},
            "code": "idempotency_key_missing",
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class EventInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=HazardCategory.choices)
    description = text(max_length=4000)
    lat = serializers.FloatField(min_value=CITY_LATITUDE[0], max_value=CITY_LATITUDE[1], help_text="WGS84 latitude.")
    long = serializers.FloatField(
        min_value=CITY_LONGITUDE[0], max_value=CITY_LONGITUDE[1], help_text="WGS84 longitude."
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    reporter_ref = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="", help_text="The grid worker's reference."
    )
    photo = UploadField(
        required=False,
        default=None,
        validators=[photo_file_validator],  # checked here too, so a refusal names the field
        help_text="JPEG or PNG.",
    )


class EventJsonInput(EventInput):
    """The JSON body: the same fields without the photo (a file travels only in multipart/form-data)."""

    photo = None


class EventCreated(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.CharField()
    company = serializers.IntegerField()
    pipeline = serializers.IntegerField()
    photo_attached = serializers.BooleanField()


def _caller(request) -> str:
    key = platform_key(request)
    return f"api_key:{key.prefix}" if key is not None else f"user:{request.user.pk}"


def _body_digest(request) -> str:
    """sha256 of the raw body; for forms, of the fields and file contents (a multipart
    boundary changes from one retry to the next, and a raw multipart body may be too big to hold)."""
    if not (request.content_type or "").startswith(FORM_TYPES):
        return hashlib.sha256(request.body).hexdigest()
    digest = hashlib.sha256()
    for name in sorted(request.data.keys()):
        for value in request.data.getlist(name):
            digest.update(f"{len(name)}:{name}=".encode())
            if hasattr(value, "chunks"):
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(str(value).encode())
            digest.update(b"\0")
    return digest.hexdigest()


class EventIntakeView(APIView):
    """事件上报:a grid worker's report from the city platform becomes a hazard (state 已上报).

    Needs the header ``Idempotency-Key``: a retry with the same key and body
    answers the first response again (header ``Idempotent-Replayed: true``)
    without creating anything; the same key with another body answers 422.
    The hazard goes to the company of the nearest pipeline within 2,000 m;
    422 if there is none.
    """

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    permission_classes = [PlatformKeyOrUser, NotACompanyKey]  # a company's key reports no events

    @extend_schema(
        summary="事件上报 / Event intake",
        request={"application/json": EventJsonInput, "multipart/form-data": EventInput},
        parameters=[
            idempotency_key_parameter(
                "每个事件一个唯一值(如 UUID),重试时保持不变;1 至 255 个可见 ASCII 字符,不含空格"
                " / One unique value per event (e.g. a UUID), the same on every retry; 1 to 255 visible ASCII"
                " characters, no spaces"
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                str,
                OpenApiParameter.HEADER,
                response=[201],
                enum=["true"],
                description="重试返回的是第一次的应答 / This is the first response, replayed for a retry",
            ),
        ],
        responses={201: EventCreated, **examples.EVENT_ERRORS},
        **examples.EVENT,
    )
    def post(self, request):
        refusal = idempotency_key_refusal(request)
        if refusal is not None:
            return refusal
        key = request.headers["Idempotency-Key"]
        caller = _caller(request)
        fingerprint = request_fingerprint(
            method=request.method, path=request.path, caller=caller, body_digest=_body_digest(request)
        )
        data = EventInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = event_intake(
                data=data.validated_data,
                actor=None if platform_key(request) is not None else request.user,
                idempotency_key=key,
                request_fingerprint=fingerprint,
                caller=caller,
            )
        except (NoPipelineNearby, IdempotencyKeyReused) as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=422)
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
