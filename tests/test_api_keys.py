"""API keys are remembered for a few seconds (api/auth.py); revocation, deletion and expiry still hold."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/"


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _key_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return sum("rest_framework_api_key_apikey" in q["sql"] for q in queries)


def test_a_valid_key_is_looked_up_once_within_the_lifetime(settings):
    settings.API_KEY_CACHE_SECONDS = 60
    _obj, key = APIKey.objects.create_key(name="city")
    client = _client(key)
    assert _key_queries(client) == 1
    assert _key_queries(client) == 0


def test_no_remembering_with_a_lifetime_of_zero(settings):
    settings.API_KEY_CACHE_SECONDS = 0
    _obj, key = APIKey.objects.create_key(name="city")
    client = _client(key)
    assert _key_queries(client) == 1
    assert _key_queries(client) == 1


def test_revoking_or_deleting_through_the_orm_refuses_at_once(settings):
    settings.API_KEY_CACHE_SECONDS = 60
    revoked, key = APIKey.objects.create_key(name="city")
    client = _client(key)
    assert client.get(URL).status_code == 200
    revoked.revoked = True
    revoked.save()
    assert client.get(URL).status_code == 401

    deleted, other = APIKey.objects.create_key(name="city 2")
    client = _client(other)
    assert client.get(URL).status_code == 200
    deleted.delete()
    assert client.get(URL).status_code == 401


def test_revoking_behind_the_orm_refuses_within_the_lifetime(settings):
    """A change no signal reports (QuerySet.update, SQL, another process) is seen within the lifetime."""
    settings.API_KEY_CACHE_SECONDS = 1
    obj, key = APIKey.objects.create_key(name="city")
    client = _client(key)
    assert client.get(URL).status_code == 200
    APIKey.objects.filter(pk=obj.pk).update(revoked=True)
    assert client.get(URL).status_code == 200  # still remembered: the documented window
    time.sleep(1.05)
    assert client.get(URL).status_code == 401
    assert client.get(URL).status_code == 401  # and a refused key is not remembered


def test_expiry_is_checked_on_every_request(settings):
    settings.API_KEY_CACHE_SECONDS = 60
    _obj, key = APIKey.objects.create_key(name="city", expiry_date=timezone.now() + timedelta(seconds=1))
    client = _client(key)
    assert client.get(URL).status_code == 200
    time.sleep(1.05)
    assert client.get(URL).status_code == 401

    _obj, expired = APIKey.objects.create_key(name="old", expiry_date=timezone.now() - timedelta(days=1))
    assert _client(expired).get(URL).status_code == 401


def test_a_wrong_secret_is_refused_even_when_the_right_one_is_remembered(settings):
    settings.API_KEY_CACHE_SECONDS = 60
    _obj, key = APIKey.objects.create_key(name="city")
    assert _client(key).get(URL).status_code == 200
    prefix, _dot, secret = key.partition(".")
    wrong = f"{prefix}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    assert _client(wrong).get(URL).status_code == 401
    assert _client(prefix).get(URL).status_code == 401
    assert _client(key).get(URL).status_code == 200


def test_a_key_revoked_during_its_lookup_is_not_remembered(settings, monkeypatch):
    settings.API_KEY_CACHE_SECONDS = 60
    revoked_meanwhile, raw = APIKey.objects.create_key(name="race")
    read = APIKey.objects.get_from_key

    def read_then_revoked_elsewhere(text):
        found = read(text)  # this request read the key while it was valid …
        revoked_meanwhile.revoked = True  # … then the admin revoked it, before the answer was stored
        revoked_meanwhile.save()
        return found

    monkeypatch.setattr(APIKey.objects, "get_from_key", read_then_revoked_elsewhere)
    assert _client(raw).get(URL).status_code == 200  # that request was already under way
    monkeypatch.undo()
    assert _client(raw).get(URL).status_code == 401  # the next one is refused, not served from memory


def test_the_lifetime_is_capped(settings):
    from api.auth import MAX_CACHE_SECONDS, _lifetime

    settings.API_KEY_CACHE_SECONDS = 86_400
    assert _lifetime() == MAX_CACHE_SECONDS == 60
