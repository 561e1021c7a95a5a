"""The API's contract at its edges: every 4xx under /api/ is JSON with a detail
(also those Django answers itself), a wrong key is a 401 that says how to
authenticate, and the schema says what the code enforces."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from hazards.models import Hazard

pytestmark = pytest.mark.django_db


def _key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def city():
    _obj, key = APIKey.objects.create_key(name="city")
    return _key_client(key)


@pytest.fixture
def openapi(city):
    return city.get("/api/schema/", {"format": "json"}).json()


# --- JSON errors, also where Django answers -------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/hazards/0.5/accept/", "/api/nothing", "/api/v1/hazards/x/"])
def test_an_unknown_api_path_is_a_json_404(city, path):
    response = city.get(path) if not path.endswith("accept/") else city.post(path, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_pages_outside_the_api_keep_their_html_404(admin_client):
    response = admin_client.get("/dashboard/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_an_oversized_body_is_a_json_400(settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(User.objects.get(username="inspector1"))
    body = '{"description": "' + "x" * 5000 + '"}' if content_type == "application/json" else "a=" + "x" * 5000
    response = client.post("/api/v1/events/", body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="big-1")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_an_oversized_body_outside_the_api_keeps_its_html_page(settings, admin_client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin_client.post(
        "/i18n/setlang/", "language=" + "x" * 5000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- 401 for wrong keys, 403 for keys on a person's actions -----------------------------------------


def test_a_wrong_revoked_or_expired_key_is_a_401_with_www_authenticate():
    revoked, revoked_key = APIKey.objects.create_key(name="revoked")
    revoked.revoked = True
    revoked.save()
    _obj, expired_key = APIKey.objects.create_key(name="old", expiry_date=timezone.now() - timezone.timedelta(days=1))
    _obj, good = APIKey.objects.create_key(name="good")
    for key in (revoked_key, expired_key, good[:-1] + ("A" if good[-1] != "A" else "B"), "nonsense"):
        response = _key_client(key).get("/api/v1/hazards/")
        assert response.status_code == 401, key
        assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
        assert response.json()["detail"] != "Authentication credentials were not provided."
    for other in ("Bearer abc", "Basic YTpi", "Api-Key", ""):  # the API knows no other scheme
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=other)
        response = client.get("/api/v1/hazards/")
        assert response.status_code == 401 and response["WWW-Authenticate"] == 'Api-Key realm="api"', other
    anonymous = APIClient().get("/api/v1/hazards/")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_a_key_on_a_persons_action_is_a_403_saying_so(city):
    hazard = Hazard.objects.filter(status="submitted").first()
    response = city.post(f"/api/v1/hazards/{hazard.pk}/accept/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "此操作须由人员登录执行,API Key 不能执行。"  # needs a person's login
    assert Hazard.objects.get(pk=hazard.pk).status == "submitted"


# --- what the schema says is what the code does ---------------------------------------------------


def test_the_schema_declares_the_api_key_scheme_and_applies_it(openapi):
    scheme = openapi["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert {"ApiKeyAuth": []} in operation["security"], (method, path)


def _parameter(openapi, path, name):
    return next(p for p in openapi["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_the_hca_grade_filter_is_a_string_enum(openapi, city):
    grade = _parameter(openapi, "/api/v1/hca-segments/", "grade")["schema"]
    assert grade == {"type": "string", "enum": ["I", "II", "III"]}
    assert city.get("/api/v1/hca-segments/", {"grade": "II"}).status_code == 200
    assert city.get("/api/v1/hca-segments/", {"grade": "2"}).status_code == 400


@pytest.mark.parametrize(
    "path,name",
    [
        ("/api/v1/hazards/", "company"),
        ("/api/v1/hazards/", "pipeline"),
        ("/api/v1/hazards/", "campaign"),
        ("/api/v1/pipelines/", "company"),
        ("/api/v1/inspections/", "campaign"),
        ("/api/v1/hca-segments/", "pipeline"),
        ("/api/v1/stats/", "company"),
    ],
)
def test_id_filters_take_any_integer_and_an_unknown_id_matches_nothing(openapi, city, path, name):
    schema = _parameter(openapi, path, name)["schema"]
    assert schema["type"] == "integer" and schema["maximum"] == 2**63 - 1
    answer = city.get(path, {name: 0})
    assert answer.status_code == 200
    assert answer.json().get("count", answer.json().get("total")) == 0
    for wrong in ("x", "0.5", "1.0", " 1", str(2**63)):
        refused = city.get(path, {name: wrong})
        assert refused.status_code == 400 and name in refused.json(), wrong


@pytest.mark.parametrize("value", ["null", "abc", "0", "-3", "2.5", ""])
def test_page_size_must_be_a_whole_number_of_at_least_one(openapi, city, value):
    assert _parameter(openapi, "/api/v1/companies/", "page_size")["schema"] == {"type": "integer", "minimum": 1}
    for path in ("/api/v1/companies/", "/api/v1/hazards/", "/api/v1/norms/"):
        response = city.get(path, {"page_size": value})
        assert response.status_code == 400, (path, value)
        assert "page_size" in response.json()
    assert len(city.get("/api/v1/companies/", {"page_size": "3"}).json()["results"]) == 3
    assert city.get("/api/v1/hazards/", {"page_size": "9" * 40}).status_code == 200  # capped, not refused


def test_the_idempotency_key_limits_are_declared_and_enforced(openapi, city):
    parameter = next(
        p for p in openapi["paths"]["/api/v1/events/"]["post"]["parameters"] if p["name"] == "Idempotency-Key"
    )
    assert parameter["schema"]["maxLength"] == 255 and parameter["schema"]["pattern"] == "^[!-~]{1,255}$"
    for key in ("x" * 256, "has space", "é-key", " lead"):
        response = city.post("/api/v1/events/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400 and response.json()["code"] == "idempotency_key_missing", key


def test_a_company_key_actor_is_never_a_regulator():
    from accounts.principals import CompanyKeyActor
    from accounts.scoping import can_see_company, is_regulator

    actor = CompanyKeyActor(company_id=3, key_prefix="abc")
    assert not is_regulator(actor) and can_see_company(actor, 3) and not can_see_company(actor, 4)
    assert actor.has_perm("hazards.rectify_hazard") and not actor.has_perm("hazards.review_hazard")
    assert not is_regulator(AnonymousUser())


def test_a_bbox_is_two_corners_in_any_order_within_the_declared_range(openapi, city):
    schema = _parameter(openapi, "/api/v1/hazards/", "in_bbox")["schema"]
    assert schema["items"] == {"type": "number", "minimum": -180, "maximum": 180}
    count = city.get("/api/v1/hazards/", {"in_bbox": "118.5,37.3,118.8,37.6"}).json()["count"]
    assert count > 0
    for corners in ("118.8,37.6,118.5,37.3", "118.5,37.6,118.8,37.3"):
        assert city.get("/api/v1/hazards/", {"in_bbox": corners}).json()["count"] == count
    # Latitudes past a pole reach the pole; a box of no width is a line: no error, no crash.
    assert city.get("/api/v1/hazards/", {"in_bbox": "118,37,119,150"}).status_code == 200
    assert city.get("/api/v1/pipelines/", {"in_bbox": "118.6,37.4,118.6,37.4"}).status_code == 200


def test_required_text_must_say_something_and_the_schema_says_so(openapi):
    from accounts.models import User

    start = openapi["components"]["schemas"]["StartInput"]["properties"]["measures"]
    assert start["minLength"] == 1 and start["pattern"] == "\\S"
    client = APIClient()
    client.force_authenticate(User.objects.get(username="inspector1"))
    hazard = Hazard.objects.filter(status="submitted").first()
    response = client.post(f"/api/v1/hazards/{hazard.pk}/reject/", {"comment": "   "}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    assert Hazard.objects.get(pk=hazard.pk).status == "submitted"
