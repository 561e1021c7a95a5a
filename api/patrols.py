"""Patrols over the API: GPS fixes in (``POST /api/v1/patrol-fixes/``) and patrol tracks out (GeoJSON).

Fixes come in batches of up to 10,000, idempotent on (device, time) (patrols/ingest.py). The view parses and
checks the body itself, without a serializer per fix: the serializers below describe the body in the
OpenAPI schema; a batch of 1,000 fixes is stored in a few milliseconds.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api import patrols_examples as ex
from api.auth import key_actor, platform_key
from api.scoping import actor_of
from patrols.choices import FixSource
from patrols.ingest import MAX_FIXES, FixError, SenderRefused, fixes_ingest_many, fixes_sender_check


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
        key = platform_key(request)
        try:
            fixes_sender_check(
                actor=actor_of(request),
                device_ids=[d for d, _f in batches if isinstance(d, str)],
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
