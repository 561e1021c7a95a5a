"""Emergency response over the API: the isolation answer for a point, and incidents.

- ``GET /api/v1/isolation/?lon=&lat=[&failed=CODE,CODE]``: the answer of
  docs/emergency.md, recording nothing. It shows the whole network, so it is
  for the office and the city platform (not for a company's key or staff).
- ``/api/v1/incidents/``: list and read (company-scoped), report (POST, with
  an ``Idempotency-Key`` like event intake), and the time line:
  ``{id}/steps/`` and ``{id}/failed-valve/``.
"""

from django.contrib.gis.geos import Point
from django.core.validators import RegexValidator
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.scoping import is_regulator
from api import emergency_examples as ex
from api.auth import company_key_actor, platform_key
from api.permissions import PlatformKeyOrUser
from api.scoping import ScopedQuerysetMixin, actor_of
from emergency.choices import NEXT_STEPS, IncidentKind, IncidentLevel, IncidentSource
from emergency.models import Incident, IncidentStep
from emergency.services import EmergencyError, incident_report, incident_step_record, incident_valve_failed
from emergency.services import isolation_answer as isolation_answer_service
from integrations.services import IdempotencyKeyReused, idempotent, request_fingerprint
from integrations.views import _body_digest, _caller, idempotency_key_parameter, idempotency_key_refusal

ISOLATION_ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}
REFUSED = OpenApiResponse(
    ISOLATION_ERROR,
    description="格式正确但规则拒绝(未知阀门编号、时间在将来或太早等),detail 说明原因"
    " / Well-formed but refused by a rule (an unknown valve code, a time in the future or too long ago…)",
    examples=ex.REFUSED_EXAMPLES,
)


class StrictCharField(serializers.CharField):
    """Text, as the schema says: a number or a list is refused, not turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def free_text(max_length: int) -> serializers.CharField:
    """Optional text; the schema says it holds no NUL character, which DRF refuses."""
    return StrictCharField(
        required=False, allow_blank=True, max_length=max_length, default="", validators=[RegexValidator(r"^[^\x00]*$")]
    )


def _refusal(exc) -> Response:
    return Response({"detail": str(exc), "code": "refused"}, status=422)


class OfficeOrPlatform(BasePermission):
    """The office's staff or the city platform's key: the answer shows every company's network."""

    message = _("The isolation answer shows the whole network: it is for the office and the city platform.")

    def has_permission(self, request, view):
        if company_key_actor(request) is not None:
            return False
        return platform_key(request) is not None or is_regulator(request.user)


class IsolationInput(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="WGS84 / CGCS2000 longitude.")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="WGS84 / CGCS2000 latitude.")
    failed = serializers.RegexField(
        r"^[^,\s]+(,[^,\s]+)*$",
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Valves that could not be closed, comma-separated codes.",
    )


class IsolationView(APIView):
    """截断分析:the valves to close for an incident at a point, the isolated stretches and their volume,
    valves passed, open ends, what lies within reach and the contacts (docs/emergency.md). Records nothing."""

    permission_classes = [PlatformKeyOrUser, OfficeOrPlatform]

    @extend_schema(
        summary="截断分析 / Isolation answer for a point",
        parameters=[IsolationInput],
        responses={200: {"type": "object"}, **ex.ISOLATION_RESPONSES, 422: REFUSED},
        **ex.ISOLATION,
    )
    def get(self, request):
        data = IsolationInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        failed = [c for c in data.validated_data.get("failed", "").split(",") if c]
        point = Point(data.validated_data["lon"], data.validated_data["lat"], srid=4326)
        try:
            return Response(isolation_answer_service(location=point, failed_codes=failed))
        except EmergencyError as exc:
            return _refusal(exc)


class IncidentSerializer(serializers.ModelSerializer):
    pipeline_code = serializers.CharField(source="pipeline.code", default=None, allow_null=True, read_only=True)
    company_name = serializers.CharField(source="company.name", default=None, allow_null=True, read_only=True)
    lon = serializers.FloatField(source="location.x", read_only=True)
    lat = serializers.FloatField(source="location.y", read_only=True)
    steps = serializers.SerializerMethodField()
    hazards = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "code",
            "kind",
            "level",
            "source",
            "status",
            "occurred_at",
            "description",
            "reporter",
            "lon",
            "lat",
            "pipeline_code",
            "company_name",
            "chainage_m",
            "is_drill",
            "failed_valves",
            "trace",
            "hazards",
            "steps",
        ]

    def get_steps(self, incident) -> list[dict]:
        return [
            {"kind": step.kind, "at": step.at.isoformat(), "comment": step.comment}
            for step in incident.steps.all()  # prefetched in order (one query for a page)
        ]


class IncidentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    level = serializers.ChoiceField(choices=IncidentLevel.choices)
    occurred_at = serializers.DateTimeField(help_text="ISO 8601 with its offset, e.g. 2026-12-07T08:05:00+08:00.")
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    description = free_text(4000)
    reporter = free_text(100)


class StepInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NEXT_STEPS)
    at = serializers.DateTimeField(required=False, help_text="When it happened (default: now).")
    comment = free_text(1000)

    def validate(self, attrs):
        if "at" in self.initial_data and self.initial_data["at"] in ("", None):
            raise serializers.ValidationError({"at": [_("Give a date and time, or leave the field out.")]})
        return attrs


class FailedValveInput(serializers.Serializer):
    valve = StrictCharField(min_length=1, max_length=40, validators=[RegexValidator(r"\S")])
    comment = free_text(1000)


def _refused(exc) -> Response:
    return Response({"detail": str(exc), "code": "refused"}, status=status.HTTP_409_CONFLICT)


@extend_schema_view(
    list=extend_schema(
        summary="突发事件列表 / List incidents",
        description="突发事件(企业只看到本企业的),最新在前。 Incidents (a company sees its own), newest first.",
        responses={200: IncidentSerializer(many=True), **ex.read_responses(list_view=True)},
        examples=ex.INCIDENT_EXAMPLE,
    ),
    retrieve=extend_schema(
        summary="一起突发事件 / One incident",
        description="一起突发事件及其时间线与截断结果。 One incident with its time line and isolation answer.",
        responses={200: IncidentSerializer, **ex.read_responses(list_view=False)},
        examples=ex.INCIDENT_EXAMPLE,
    ),
)
class IncidentViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """突发事件:incidents with the isolation answer kept as computed when reported, and their time line."""

    queryset = (
        Incident.objects.select_related("pipeline", "company")
        .prefetch_related("hazards", Prefetch("steps", queryset=IncidentStep.objects.order_by("at", "pk")))
        .order_by("-pk")
    )
    serializer_class = IncidentSerializer
    permission_classes = [PlatformKeyOrUser]

    def _source(self) -> str:
        if platform_key(self.request) is not None:
            return IncidentSource.COMPANY if company_key_actor(self.request) is not None else IncidentSource.PLATFORM
        return IncidentSource.INSPECTOR if is_regulator(self.request.user) else IncidentSource.COMPANY

    @extend_schema(
        summary="报告突发事件 / Report an incident",
        request=IncidentInput,
        parameters=[
            idempotency_key_parameter(
                "每个事件一个唯一值,重试时保持不变 / One value per incident, the same on every retry"
            )
        ],
        responses={201: IncidentSerializer, **ex.REPORT_RESPONSES, 422: REFUSED},
        **ex.REPORT,
    )
    def create(self, request, *args, **kwargs):
        refusal = idempotency_key_refusal(request)
        if refusal is not None:
            return refusal
        key = request.headers["Idempotency-Key"]
        actor = actor_of(request)
        if actor is not None and not actor.has_perm("emergency.add_incident"):
            return Response({"detail": _("You may not report incidents.")}, status=status.HTTP_403_FORBIDDEN)
        data = IncidentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        caller = _caller(request)
        fingerprint = request_fingerprint(
            method=request.method, path=request.path, caller=caller, body_digest=_body_digest(request)
        )
        person = actor if isinstance(actor, User) else None  # a key acts with no person

        def produce():
            incident = incident_report(
                kind=values["kind"],
                level=values["level"],
                source=self._source(),
                location=Point(values["lon"], values["lat"], srid=4326),
                occurred_at=values["occurred_at"],
                description=values["description"],
                reporter=values["reporter"],
                actor=person,
            )
            return 201, IncidentSerializer(incident).data

        try:
            result = idempotent(caller=caller, key=key, fingerprint=fingerprint, produce=produce)
        except IdempotencyKeyReused as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=422)
        except EmergencyError as exc:
            return _refusal(exc)
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _act(self, request, act):
        incident = self.get_object()
        actor = actor_of(request)
        if actor is not None and not actor.has_perm("emergency.add_incident"):
            return Response({"detail": _("You may not act on incidents.")}, status=status.HTTP_403_FORBIDDEN)
        person = actor if isinstance(actor, User) else None  # a key acts with no person
        try:
            incident = act(incident, person)
        except EmergencyError as exc:
            return _refused(exc)
        return Response(IncidentSerializer(incident).data)

    @extend_schema(
        summary="处置步骤 / Record the next step",
        request=StepInput,
        responses={200: IncidentSerializer, **ex.action_responses("kind")},
        **ex.STEP,
    )
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        data = StepInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return self._act(
            request,
            lambda incident, actor: incident_step_record(
                incident=incident, kind=values["kind"], at=values.get("at"), comment=values["comment"], actor=actor
            ),
        )

    @extend_schema(
        summary="阀门无法关闭 / A valve could not be closed",
        request=FailedValveInput,
        responses={200: IncidentSerializer, **ex.action_responses("valve")},
        **ex.FAILED,
    )
    @action(detail=True, methods=["post"], url_path="failed-valve")
    def failed_valve(self, request, pk=None):
        data = FailedValveInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return self._act(
            request,
            lambda incident, actor: incident_valve_failed(
                incident=incident, valve_code=values["valve"], comment=values["comment"], actor=actor
            ),
        )
