"""POST /api/v1/construction-checks/: the check before digging over the API, on the demo city."""

import json

import pytest
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from api import construction_examples as ex
from api.models import ApiKeyCompany
from companies.models import OperatingCompany
from construction.choices import WorkType
from integrations.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
URL = "/api/v1/construction-checks/"


def _key(company=None):
    obj, key = APIKey.objects.create_key(name="system")
    if company is not None:
        ApiKeyCompany.objects.create(key=obj, company=company)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _person(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.fixture
def platform():
    return _key()


def test_the_documented_examples_are_the_answers(platform):
    for body, answer in ex.PAIRS:
        response = platform.post(URL, body, format="json")
        assert response.status_code == 200, response.json()
        assert response.json() == answer


def test_who_may_check():
    body = ex.PAIRS[0][0]
    company = OperatingCompany.objects.order_by("pk").first()
    callers = [_key(), _key(company), _person("inspector1"), _person("manager"), _person("company01")]
    for client in callers:
        assert client.post(URL, body, format="json").json() == ex.APPROVAL
    outsider = User.objects.create_user(username="walk-in", password="x")
    refused = _person("walk-in").post(URL, body, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "施工前管道查询仅供监管部门、管道企业人员和 API Key 使用。"}
    assert outsider.pk
    anonymous = APIClient().post(URL, body, format="json")
    assert anonymous.status_code == 401


def test_cgcs2000_coordinates_are_taken_as_they_are(platform):
    """CGCS2000 and WGS84 agree to well under a metre: the same numbers give the same answer."""
    body = {**ex.PAIRS[0][0]}
    assert platform.post(URL, body, format="json").json() == ex.APPROVAL


def _errors(platform, body):
    response = platform.post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    return response.json()


def test_bad_input_is_a_clear_400_or_422(platform):
    """400: not what the schema says (the API answers which field); 422: well-formed, not a shape to check."""
    point = {"type": "Point", "coordinates": [118.5, 37.5]}
    metres = _errors(
        platform, {"geometry": {"type": "Point", "coordinates": [610982.4, 4148649.9]}, "work_type": "road"}
    )
    assert metres == ex.CHECK_RESPONSES[400].examples[0].value
    swapped = platform.post(
        URL, {"geometry": {"type": "Point", "coordinates": [37.5, 118.5]}, "work_type": "road"}, format="json"
    )
    assert (swapped.status_code, swapped.json()) == (422, ex.REFUSED.examples[1].value)
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[118.5, 37.5], [118.51, 37.51], [118.51, 37.5], [118.5, 37.51], [118.5, 37.5]]],
    }
    crossed = platform.post(URL, {"geometry": bowtie, "work_type": "building"}, format="json")
    assert (crossed.status_code, crossed.json()) == (422, ex.REFUSED.examples[0].value)
    for shape in (
        {"type": "LineString", "coordinates": [[118.5, 37.5], [118.5, 37.5]]},
        {"type": "Polygon", "coordinates": [[[118.5, 37.5], [118.51, 37.5], [118.51, 37.51], [118.5, 37.52]]]},
        {"type": "Polygon", "coordinates": [[[118.5, 37.5], [118.51, 37.5], [118.5, 37.5], [118.5, 37.5]]]},
    ):
        refused = platform.post(URL, {"geometry": shape, "work_type": "road"}, format="json")
        assert refused.status_code == 422 and refused.json()["detail"], shape
    collection = {"type": "GeometryCollection", "geometries": [point]}
    assert _errors(platform, {"geometry": collection, "work_type": "road"}) == ex.CHECK_RESPONSES[400].examples[1].value
    unknown = _errors(platform, {"geometry": point, "work_type": "digging"})
    assert unknown == ex.CHECK_RESPONSES[400].examples[2].value
    assert all(code in unknown["work_type"][0] for code in WorkType.values)
    assert _errors(platform, {}) == ex.CHECK_RESPONSES[400].examples[4].value
    for geometry in (
        "POINT (118.5 37.5)",
        {"type": "Point"},
        {"type": "Point", "coordinates": ["118.5", "37.5"]},
        {"type": "Point", "coordinates": []},
        {"type": "LineString", "coordinates": [[118.5, 37.5]]},
        {"type": "Polygon", "coordinates": [[[118.5, 37.5], [118.51, 37.5], [118.5, 37.5]]]},
        {"type": "Point", "coordinates": [[118.5, 37.5]]},
        {"type": "MultiPolygon", "coordinates": [[[118.5, 37.5], [118.51, 37.5], [118.5, 37.51], [118.5, 37.5]]]},
        {"type": "Polygon", "coordinates": [[118.5, 37.5]]},
        {"type": "Point", "coordinates": [True, 37.5]},
        {"type": "Point", "coordinates": [118.5, 37.5, 3, 4]},
    ):
        errors = _errors(platform, {"geometry": geometry, "work_type": "road"})
        assert list(errors) == ["geometry"] and errors["geometry"][0], geometry
    assert list(_errors(platform, {"geometry": point, "work_type": "road", "start_on": "9 March"})) == ["start_on"]
    assert list(_errors(platform, {"geometry": point, "work_type": "road", "permit_ref": "x" * 101})) == ["permit_ref"]


def test_multi_geometries_are_checked(platform):
    far = [118.2831053 + 0.05, 37.4862544 + 0.05]
    body = {
        "geometry": {"type": "MultiPoint", "coordinates": [far, ex.ANCHORAGE["coordinates"]]},
        "work_type": "anchoring",
    }
    assert platform.post(URL, body, format="json").json()["verdict"] == "prohibited"


def test_a_prohibited_check_for_a_permit_alerts_the_city_platform(platform, django_capture_on_commit_callbacks):
    wants = WebhookSubscription.objects.create(
        name="规划许可系统", url="https://permits.example/hooks", event_types=["construction.check_prohibited"]
    )
    WebhookSubscription.objects.create(name="其他", url="https://other.example/hooks", event_types=["hazard.closed"])
    river, house = ex.PAIRS[2][0], ex.PAIRS[3][0]
    without_permit = {key: value for key, value in river.items() if key != "permit_ref"}
    for body in (without_permit, house):  # no permit, or not prohibited: no alert
        with django_capture_on_commit_callbacks(execute=True):
            assert platform.post(URL, body, format="json").status_code == 200
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert platform.post(URL, river, format="json").json() == ex.RIVER
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == wants and delivery.event_type == "construction.check_prohibited"
    assert delivery.payload["data"]["permit_ref"] == "东规许〔2027〕017号"
    assert delivery.payload["data"]["check"] == ex.RIVER
    assert delivery.payload["data"]["geometry"]["type"] == "Point"
    json.dumps(delivery.payload)


def test_an_idempotency_key_replays_the_answer_and_alerts_once(platform, django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(
        name="规划许可系统", url="https://permits.example/hooks", event_types=["construction.check_prohibited"]
    )
    river = ex.PAIRS[2][0]
    for attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = platform.post(URL, river, format="json", HTTP_IDEMPOTENCY_KEY="permit-017-check-1")
        assert response.status_code == 200 and response.json() == ex.RIVER
        assert response.has_header("Idempotent-Replayed") == (attempt == 1)
    assert WebhookDelivery.objects.count() == 1  # the retry alerted nobody again
    other = platform.post(URL, ex.PAIRS[3][0], format="json", HTTP_IDEMPOTENCY_KEY="permit-017-check-1")
    assert (other.status_code, other.json()) == (422, ex.REFUSED.examples[2].value)
    bad = platform.post(URL, river, format="json", HTTP_IDEMPOTENCY_KEY="two words")
    assert (bad.status_code, bad.json()) == (400, ex.CHECK_RESPONSES[400].examples[3].value)
