"""GPS fixes in: patrols/ingest.py and POST /api/v1/patrol-fixes/ (idempotent on device and time)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from api.models import ApiKeyCompany
from companies.models import OperatingCompany
from patrols.ingest import MAX_FIXES, FixError, fixes_ingest
from patrols.models import Device, PatrolFix, Team

pytestmark = pytest.mark.django_db
URL = "/api/v1/patrol-fixes/"
T0 = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _fixes(n, start=T0, step=5):
    return [
        {"time": (start + dt.timedelta(seconds=step * i)).isoformat(), "lon": 118.5 + i * 1e-5, "lat": 37.4}
        for i in range(n)
    ]


@pytest.fixture
def device():
    company = User.objects.get(username="company01").company
    team = Team.objects.create(name="测试巡护队", kind="full_time", county="河口区", company=company)
    return Device.objects.create(device_id="GT-T-01", team=team)


def _client(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_a_batch_sent_twice_adds_nothing(device):
    first = fixes_ingest(device_id=device.device_id, fixes=_fixes(100))
    assert first == {"received": 100, "added": 100, "duplicates": 0}
    again = fixes_ingest(device_id=device.device_id, fixes=_fixes(150))
    assert again == {"received": 150, "added": 50, "duplicates": 100}
    assert PatrolFix.objects.filter(device_id=device.device_id).count() == 150
    # The same instant written with another offset is the same fix.
    utc = [{**fix, "time": dt.datetime.fromisoformat(fix["time"]).astimezone(dt.UTC).isoformat()} for fix in _fixes(3)]
    assert fixes_ingest(device_id=device.device_id, fixes=utc)["added"] == 0
    # Repeated inside one batch: once.
    assert fixes_ingest(device_id="other", fixes=_fixes(2) * 2) == {"received": 4, "added": 2, "duplicates": 2}


def test_orm_rows_and_raw_rows_are_one_key(device):
    """A fix saved through the ORM is seen as a duplicate by the bulk insert (same time encoding)."""
    PatrolFix.objects.create(device_id=device.device_id, time=T0 + dt.timedelta(microseconds=250), lon=1, lat=1)
    fix = {"time": (T0 + dt.timedelta(microseconds=250)).isoformat(), "lon": 1, "lat": 1}
    assert fixes_ingest(device_id=device.device_id, fixes=[fix])["added"] == 0


@pytest.mark.parametrize(
    ("fix", "field"),
    [
        ({"time": "2026-11-21T08:00:00", "lon": 118.5, "lat": 37.4}, "time"),  # no offset
        ({"time": "yesterday", "lon": 118.5, "lat": 37.4}, "time"),
        ({"time": "2099-01-01T00:00:00Z", "lon": 118.5, "lat": 37.4}, "time"),  # the future
        ({"time": "1999-12-31T00:00:00Z", "lon": 118.5, "lat": 37.4}, "time"),
        ({"time": "2026-11-21T08:00:00Z", "lon": 180.01, "lat": 37.4}, "lon"),
        ({"time": "2026-11-21T08:00:00Z", "lon": 118.5, "lat": -90.5}, "lat"),
        ({"time": "2026-11-21T08:00:00Z", "lon": "118.5", "lat": 37.4}, "lon"),
        ({"time": "2026-11-21T08:00:00Z", "lon": True, "lat": 37.4}, "lon"),
        ({"time": "2026-11-21T08:00:00Z", "lon": 10**400, "lat": 37.4}, "lon"),
        ({"time": "2026-11-21T08:00:00Z", "lon": 118.5, "lat": 37.4, "accuracy_m": -1}, "accuracy_m"),
    ],
)
def test_a_bad_fix_is_named_and_nothing_is_written(device, fix, field):
    batch = [*_fixes(3), fix]
    with pytest.raises(FixError) as caught:
        fixes_ingest(device_id=device.device_id, fixes=batch)
    assert caught.value.index == 3 and caught.value.field == field
    assert not PatrolFix.objects.filter(device_id=device.device_id).exists()
    answer = _client("admin").post(URL, {"device_id": device.device_id, "fixes": batch}, format="json")
    assert answer.status_code == (422 if caught.value.refused else 400)
    assert answer.json()["index"] == 3 and answer.json()["field"] == field and "3" in answer.json()["detail"]
    assert not PatrolFix.objects.filter(device_id=device.device_id).exists()


def test_limits_of_the_rules(device):
    near_future = (timezone.now() + dt.timedelta(minutes=4)).isoformat()
    edge = [
        {"time": near_future, "lon": -180, "lat": 90, "accuracy_m": 0},
        {"time": T0.isoformat(), "lon": 180, "lat": -90, "accuracy_m": None},
    ]
    assert fixes_ingest(device_id=device.device_id, fixes=edge)["added"] == 2


def test_api_stores_counts_and_is_idempotent(device):
    client = _client("company01")
    body = {"device_id": device.device_id, "fixes": _fixes(1000)}
    assert client.post(URL, body, format="json").json() == {"received": 1000, "added": 1000, "duplicates": 0}
    assert client.post(URL, body, format="json").json() == {"received": 1000, "added": 0, "duplicates": 1000}


def test_api_several_devices_all_or_nothing(device):
    other = Device.objects.create(device_id="GT-T-02", team=device.team)
    client = _client("admin")
    good = {
        "batches": [
            {"device_id": device.device_id, "fixes": _fixes(5)},
            {"device_id": other.device_id, "fixes": _fixes(3)},
        ]
    }
    assert client.post(URL, good, format="json").json() == {"received": 8, "added": 8, "duplicates": 0}
    bad = {
        "batches": [{"device_id": device.device_id, "fixes": _fixes(9)}, {"device_id": other.device_id, "fixes": [{}]}]
    }
    answer = client.post(URL, bad, format="json")
    assert answer.status_code == 400 and answer.json()["batch"] == 1 and answer.json()["index"] == 0
    assert PatrolFix.objects.filter(device_id=device.device_id).count() == 5


def test_api_over_ten_thousand_is_413(device):
    body = {"device_id": device.device_id, "fixes": _fixes(MAX_FIXES + 1, step=1)}
    answer = _client("admin").post(URL, body, format="json")
    assert answer.status_code == 413 and answer.json()["code"] == "too_many_fixes"
    assert not PatrolFix.objects.filter(device_id=device.device_id).exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ([], 400),
        ("x", 400),
        ({"fixes": "x"}, 400),
        ({"fixes": []}, 422),  # well-formed, but neither form: the schema cannot say so
        ({"device_id": "GT-T-01"}, 422),
        ({"batches": []}, 422),
        ({"batches": [1]}, 422),
        ({"device_id": "GT\x00-1", "fixes": []}, 422),
        ({"device_id": " ", "fixes": []}, 422),
        ({"device_id": 12, "fixes": []}, 400),
        ({"batches": [{"device_id": "GT-T-01", "fixes": []}, {"device_id": "x" * 65, "fixes": []}]}, 400),
        ({"device_id": "GT-T-01", "fixes": [], "batches": []}, 422),
    ],
)
def test_api_bad_shapes(device, body, status):
    answer = _client("admin").post(URL, body, format="json")
    assert answer.status_code == status and answer.json()["detail"]


def test_api_takes_json_only(device):
    answer = _client("admin").post(URL, {"device_id": device.device_id, "fixes": "[]"})  # a form
    assert answer.status_code == 415 and answer.json()["detail"]


def test_api_refuses_times_out_of_range_with_422(device):
    body = {"device_id": device.device_id, "fixes": [{"time": "2099-01-01T00:00:00Z", "lon": 118.5, "lat": 37.4}]}
    answer = _client("admin").post(URL, body, format="json")
    assert answer.status_code == 422 and answer.json()["code"] == "refused_fix" and answer.json()["index"] == 0


def test_who_may_send(device):
    body = {"device_id": device.device_id, "fixes": _fixes(2)}
    # Owner: the company's staff and the company's key; the office; the city platform's key.
    assert _client("company01").post(URL, body, format="json").status_code == 200
    assert _client("inspector1").post(URL, body, format="json").status_code == 200
    _key_object, key = APIKey.objects.create_key(name="平台")
    platform = APIClient()
    platform.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert platform.post(URL, body, format="json").status_code == 200
    company_key, raw = APIKey.objects.create_key(name="企业")
    ApiKeyCompany.objects.create(key=company_key, company=device.team.company)
    own = APIClient()
    own.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert own.post(URL, body, format="json").status_code == 200
    # Outsider: another company's staff or key.
    outsider = User.objects.filter(company__isnull=False).exclude(company=device.team.company).first()
    refused = _client(outsider.username).post(URL, body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    foreign_key, raw = APIKey.objects.create_key(name="别家")
    ApiKeyCompany.objects.create(
        key=foreign_key, company=OperatingCompany.objects.exclude(pk=device.team.company_id).first()
    )
    foreign = APIClient()
    foreign.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert foreign.post(URL, body, format="json").status_code == 403
    # Unknown device: 422; nobody: 401/403.
    unknown = _client("admin").post(URL, {**body, "device_id": "NOPE"}, format="json")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_device"
    assert APIClient().post(URL, body, format="json").status_code in (401, 403)
