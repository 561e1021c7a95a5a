"""Who is calling the API: a machine client with an API key, or a person.

A key is the city platform's (every company, read only) or, tied to one
company in the admin (api.models.ApiKeyCompany), that company's own system,
acting as its staff (accounts.principals.CompanyKeyActor). A key that is sent
but wrong, revoked or expired is answered 401 with ``WWW-Authenticate``.

A key found valid is remembered in this process for ``API_KEY_CACHE_SECONDS``
(default 5), by the SHA-256 of the exact text presented, so the city
platform's steady stream of requests does not look its key up on each one.
Revoking, changing or deleting a key through the ORM (the admin does) forgets
every remembered key of this process at once; other processes notice within
those seconds, as they do a change made behind the ORM's back
(``QuerySet.update``, SQL). Expiry is checked on every request. A key not
found valid is never remembered.
"""

import hashlib
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_api_key.models import APIKey
from rest_framework_api_key.permissions import KeyParser

from accounts.principals import CompanyKeyActor
from api.models import ApiKeyCompany

_parser = KeyParser()
_MISSING = object()
_MAX_REMEMBERED = 256

# sha256(presented key) -> (monotonic time until which it is trusted, the APIKey)
_remembered: dict[bytes, tuple[float, APIKey]] = {}
# Bumped by every forget: a lookup stores its answer only if no key changed meanwhile.
_generation = 0
# However the setting is made, a revocation reaches every process within this.
MAX_CACHE_SECONDS = 60.0


def _lifetime() -> float:
    return min(float(settings.API_KEY_CACHE_SECONDS), MAX_CACHE_SECONDS)


@receiver(post_save, sender=APIKey, dispatch_uid="api.auth.forget_keys.save")
@receiver(post_delete, sender=APIKey, dispatch_uid="api.auth.forget_keys.delete")
@receiver(post_save, sender=ApiKeyCompany, dispatch_uid="api.auth.forget_keys.company_save")
@receiver(post_delete, sender=ApiKeyCompany, dispatch_uid="api.auth.forget_keys.company_delete")
def forget_keys(**kwargs) -> None:
    """Forget every remembered key (a key was revoked, changed or deleted)."""
    global _generation
    _generation += 1  # a lookup that began before this does not store its (maybe stale) answer
    _remembered.clear()


def _valid_key(raw: str) -> APIKey | None:
    digest = hashlib.sha256(raw.encode()).digest()
    now = time.monotonic()
    entry = _remembered.get(digest)
    if entry is not None and entry[0] > now:
        return entry[1]
    generation = _generation
    try:
        key = APIKey.objects.get_from_key(raw)  # not revoked, and the secret verified
    except APIKey.DoesNotExist:
        key = None
    if key is not None:
        key.limited_to_company = ApiKeyCompany.objects.filter(key=key).values_list("company_id", flat=True).first()
    lifetime = _lifetime()
    if key is None or lifetime <= 0 or generation != _generation:
        _remembered.pop(digest, None)
        return key
    if len(_remembered) >= _MAX_REMEMBERED:
        _remembered.clear()
    _remembered[digest] = (now + lifetime, key)
    return key


def platform_key(request) -> APIKey | None:
    """The valid (not revoked, not expired) API key sent as ``Authorization: Api-Key <key>``, if any."""
    cached = getattr(request, "_platform_key", _MISSING)
    if cached is not _MISSING:
        return cached
    raw = _parser.get(request)
    key = _valid_key(raw) if raw else None
    if key is not None and key.has_expired:
        key = None
    request._platform_key = key
    return key


def key_actor(key: APIKey) -> CompanyKeyActor | None:
    """The company a key is limited to, as an actor; None for the city platform's (unlimited) key."""
    company_id = getattr(key, "limited_to_company", None)
    if company_id is None:
        return None
    return CompanyKeyActor(company_id=company_id, key_prefix=key.prefix, key_name=key.name)


def company_key_actor(request) -> CompanyKeyActor | None:
    """The company key's actor if the request came with a company-limited key."""
    key = platform_key(request)
    return key_actor(key) if key is not None else None


REALM = 'Api-Key realm="api"'


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``: a valid key authenticates the request (``request.auth``
    is the key, ``request.user`` anonymous); an Authorization header that is not a valid key (wrong,
    revoked, expired, or another scheme: the API knows no other) is a 401."""

    def authenticate(self, request):
        if "HTTP_AUTHORIZATION" not in request.META and not _parser.get(request):
            return None  # no credentials of this kind: a person's session may follow
        key = platform_key(request)
        if key is None:  # wrong, revoked, expired, or not "Api-Key <key>" at all
            raise AuthenticationFailed(_("The API key is wrong, revoked or expired."))
        return AnonymousUser(), key

    def authenticate_header(self, request):
        return REALM
