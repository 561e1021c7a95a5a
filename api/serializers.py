import json

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from companies.models import OperatingCompany
from hazards.models import Hazard, HazardTransition, Rectification
from inspections.models import ChecklistResult, InspectionCampaign, InspectionRecord
from pipelines.models import Pipeline
from standards.models import NormClause, WorkNorm


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON geometry in EPSG:4326 / GeoJSON 几何(WGS84)",
        "properties": {"type": {"type": "string"}, "coordinates": {"type": "array", "items": {}}},
    }
)
class PrecomputedGeometryField(serializers.Field):
    """A geometry the database already turned into GeoJSON (an ``AsGeoJSON``
    annotation): parsing that text is much cheaper than GEOS serialising each
    geometry in Python. Falls back to the geometry when the annotation is absent."""

    def __init__(self, *, geometry: str, annotation: str, **kwargs):
        self.geometry, self.annotation = geometry, annotation
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        raw = getattr(instance, self.annotation, None)
        if raw is None:
            value = getattr(instance, self.geometry)
            raw = value.json if value is not None else None
        return json.loads(raw) if raw else None


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = OperatingCompany
        fields = ["id", "name", "short_name", "credit_code", "contact_person", "contact_phone", "address"]


class PipelineSerializer(GeoFeatureModelSerializer):
    route = PrecomputedGeometryField(geometry="route", annotation="route_geojson")
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Pipeline
        geo_field = "route"
        fields = [
            "id", "code", "name", "company", "company_name", "medium", "outer_diameter_mm", "wall_thickness_mm",
            "material", "maop_mpa", "commissioned_on", "status", "length_m",
        ]  # fmt: skip


class NormClauseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = NormClause
        fields = ["id", "number", "reference", "text", "check_method"]


class WorkNormSerializer(serializers.ModelSerializer):
    clauses = NormClauseSerializer(many=True, read_only=True)

    class Meta:
        model = WorkNorm
        fields = ["id", "number", "code", "title", "scope", "description", "clauses"]


class CampaignSerializer(serializers.ModelSerializer):
    lead_inspector = serializers.CharField(source="lead_inspector.__str__", read_only=True)

    class Meta:
        model = InspectionCampaign
        fields = ["id", "name", "kind", "status", "start_date", "end_date", "lead_inspector", "description"]


class ChecklistResultSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(source="clause.reference", read_only=True)

    class Meta:
        model = ChecklistResult
        fields = ["clause", "result", "note"]


class InspectionSerializer(serializers.ModelSerializer):
    results = ChecklistResultSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionRecord
        fields = ["id", "campaign", "company", "pipeline", "inspected_on", "summary", "results"]


class HazardSerializer(GeoFeatureModelSerializer):
    location = PrecomputedGeometryField(geometry="location", annotation="location_geojson")
    company_name = serializers.CharField(source="company.name", read_only=True)
    pipeline_code = serializers.CharField(source="pipeline.code", read_only=True, default=None, allow_null=True)
    clause = serializers.CharField(source="clause.reference", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Hazard
        geo_field = "location"
        fields = [
            "id", "code", "source", "company", "company_name", "pipeline", "pipeline_code", "campaign", "place",
            "chainage_m", "category", "level", "clause", "description", "found_on", "deadline", "status",
            "is_overdue", "closed_at", "version",
        ]  # fmt: skip


class RectificationSerializer(serializers.ModelSerializer):
    evidence_count = serializers.IntegerField(source="evidence.count", read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id", "measures", "responsible_person", "progress_percent", "progress_note", "started_on",
            "planned_completion_on", "completed_on", "submitted_at", "outcome", "reviewed_at", "review_comment",
            "evidence_count",
        ]  # fmt: skip


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = HazardTransition
        fields = ["action", "from_status", "to_status", "actor", "comment", "details", "created_at"]

    def get_actor(self, obj) -> str | None:
        if obj.actor_id:
            return str(obj.actor)
        key = (obj.details or {}).get("api_key")
        return f"API key {key}" if key else None  # a company's system; None: the system itself


class HazardDetailSerializer(HazardSerializer):
    rectifications = RectificationSerializer(many=True, read_only=True)
    history = HistorySerializer(many=True, read_only=True)

    class Meta(HazardSerializer.Meta):
        fields = [*HazardSerializer.Meta.fields, "rectifications", "history"]


# --- errors (documentation only: the bodies api/errors.py answers) ---------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="错误说明 / What was wrong")
    code = serializers.CharField(
        required=False,
        help_text="机器可读的原因(如有):illegal_transition, concurrent_change, not_permitted, refused,"
        " no_pipeline_nearby, idempotency_key_missing, idempotency_key_reused"
        " / Machine-readable reason, when there is one",
    )


# --- action inputs ---------------------------------------------------------


def text(**kwargs) -> serializers.CharField:
    """Text that must say something: the schema says so (minLength 1, a non-space character), as DRF
    refuses a blank or all-space value."""
    return serializers.CharField(min_length=1, validators=[RegexValidator(r"\S")], **kwargs)


class ActionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text=_("The hazard version you saw (409 if it changed)."))
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AssignInput(ActionInput):
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class StartInput(ActionInput):
    measures = text()
    responsible_person = text(max_length=50)
    responsible_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    planned_completion_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReasonInput(ActionInput):
    comment = text(help_text=_("The reason (required)."))


class ReopenInput(ReasonInput):
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class ExtendInput(ReasonInput):
    new_deadline = serializers.DateField()
    approver = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text=_("Id of the user who approved the extension."),
    )


class ProgressInput(serializers.Serializer):
    """Progress on the current round; only the fields sent change."""

    version = serializers.IntegerField(required=False, help_text=_("The hazard version you saw (409 if it changed)."))
    measures = text(required=False)
    responsible_person = text(required=False, max_length=50)
    responsible_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    progress_percent = serializers.IntegerField(required=False, min_value=0, max_value=100)
    progress_note = serializers.CharField(required=False, allow_blank=True)
    planned_completion_on = serializers.DateField(required=False, allow_null=True)
    completed_on = serializers.DateField(required=False, allow_null=True)


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """An uploaded file: binary content in the request's schema (not the URL a stored file is read as)."""


class EvidenceInput(serializers.Serializer):
    file = UploadField(help_text=_("A photo (JPEG or PNG) or a PDF."))
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
