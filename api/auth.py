"""Who is calling the API: a machine client with an API key, or a person."""

from rest_framework_api_key.models import APIKey
from rest_framework_api_key.permissions import KeyParser

_parser = KeyParser()
_MISSING = object()


def platform_key(request) -> APIKey | None:
    """The valid (not revoked, not expired) API key sent as ``Authorization: Api-Key <key>``, if any."""
    cached = getattr(request, "_platform_key", _MISSING)
    if cached is not _MISSING:
        return cached
    raw = _parser.get(request)
    key = None
    if raw:
        try:
            candidate = APIKey.objects.get_from_key(raw)
        except APIKey.DoesNotExist:
            candidate = None
        if candidate is not None and candidate.is_valid(raw) and not candidate.has_expired:
            key = candidate
    request._platform_key = key
    return key
