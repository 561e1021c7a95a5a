"""The REST API for the city command platform and for people with a login."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from accounts.models import User
from hazards.models import Hazard
from pipelines.models import Pipeline
from tests.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform():
    _key_object, key = APIKey.objects.create_key(name="市一体化综合指挥平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.key_object = _key_object
    return client


def _person(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_no_credentials_no_data():
    response = APIClient().get("/api/v1/hazards/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_revoked_key_is_refused(platform):
    assert platform.get("/api/v1/companies/").status_code == 200
    # Revoked as the admin does it (a save): refused at once, though the key was just used
    # (api/auth.py remembers valid keys; tests/test_api_keys.py covers revocation behind the ORM).
    key = APIKey.objects.get(pk=platform.key_object.pk)
    key.revoked = True
    key.save()
    assert platform.get("/api/v1/companies/").status_code in (401, 403)


def test_pipelines_as_geojson_with_bbox(platform):
    data = platform.get("/api/v1/pipelines/", {"page_size": 1000}).json()
    assert data["type"] == "FeatureCollection" and data["count"] == Pipeline.objects.count() == 161
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "MultiLineString" and feature["properties"]["code"]
    box = (118.5, 37.3, 118.8, 37.6)
    inside = platform.get("/api/v1/pipelines/", {"in_bbox": ",".join(map(str, box)), "page_size": 1000}).json()
    from django.contrib.gis.geos import Polygon

    expected = Pipeline.objects.filter(route__bboverlaps=Polygon.from_bbox(box)).count()
    assert 0 < inside["count"] == expected < 161


def test_hazard_filters(platform):
    response = platform.get("/api/v1/hazards/", {"status": "rectifying", "level": "major", "is_overdue": "true"})
    assert response.status_code == 200
    expected = Hazard.objects.filter(status="rectifying", level="major", is_overdue=True).count()
    assert response.json()["count"] == expected
    ranged = platform.get("/api/v1/hazards/", {"found_after": "2026-10-01", "found_before": "2026-10-31"}).json()
    assert ranged["count"] == Hazard.objects.filter(found_on__range=("2026-10-01", "2026-10-31")).count()
    bad = platform.get("/api/v1/hazards/", {"found_after": "yesterday"})
    assert bad.status_code == 400 and "found_after" in bad.json()


def test_hazard_detail_has_rectifications_and_history(platform):
    hazard = Hazard.objects.filter(status="closed").first()
    data = platform.get(f"/api/v1/hazards/{hazard.pk}/").json()
    assert data["properties"]["code"] == hazard.code
    assert [h["action"] for h in data["properties"]["history"]][:2] == ["report", "assign"]
    assert data["properties"]["rectifications"][-1]["outcome"] == "accepted"


def test_company_staff_see_only_their_company():
    staff = User.objects.get(username="company01")
    client = _person("company01")
    data = client.get("/api/v1/hazards/", {"page_size": 1000}).json()
    assert data["count"] == Hazard.objects.filter(company=staff.company).count()
    assert {f["properties"]["company"] for f in data["features"]} == {staff.company_id}
    foreign = Hazard.objects.exclude(company=staff.company).first()
    assert client.get(f"/api/v1/hazards/{foreign.pk}/").status_code == 404
    assert client.get("/api/v1/hazards/", {"company": foreign.company_id}).json()["count"] == 0
    assert client.get("/api/v1/companies/").json()["count"] == 1
    stats = client.get("/api/v1/stats/").json()
    assert stats["total"] == Hazard.objects.filter(company=staff.company).count()


def test_actions_call_the_services_and_refuse_with_409():
    inspector = _person("inspector1")
    hazard = Hazard.objects.filter(status="reported").first()
    response = inspector.post(f"/api/v1/hazards/{hazard.pk}/assign/", {"version": hazard.version, "comment": "限期"})
    assert response.status_code == 200, response.json()
    assert response.json()["properties"]["status"] == "assigned"
    again = inspector.post(f"/api/v1/hazards/{hazard.pk}/assign/", {"comment": "再交办"})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition" and again.json()["detail"]
    stale = inspector.post(f"/api/v1/hazards/{hazard.pk}/reopen/", {"version": hazard.version, "comment": "x"})
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_change"
    company = _person(User.objects.filter(company=hazard.company, username__startswith="company").first().username)
    refused = company.post(f"/api/v1/hazards/{hazard.pk}/accept/", {})
    assert refused.status_code in (403, 409)
    assert refused.json()["detail"]


def test_platform_keys_cannot_take_actions(platform):
    hazard = Hazard.objects.filter(status="reported").first()
    response = platform.post(f"/api/v1/hazards/{hazard.pk}/assign/", {})
    assert response.status_code in (401, 403) and response.json()["detail"]
    assert Hazard.objects.get(pk=hazard.pk).status == "reported"


def test_stats(platform):
    stats = platform.get("/api/v1/stats/").json()
    assert stats["total"] == Hazard.objects.count()
    assert stats["by_status"]["closed"] == Hazard.objects.filter(status="closed").count()
    assert sum(stats["by_category"].values()) == stats["total"]
    assert stats["overdue"] == Hazard.objects.exclude(status="closed").filter(is_overdue=True).count()
    assert stats["median_days_to_close"] > 0
    ranged = platform.get("/api/v1/stats/", {"found_after": "2026-11-01"}).json()
    assert ranged["total"] == Hazard.objects.filter(found_on__gte="2026-11-01").count()


@pytest.mark.parametrize("path", ["/api/v1/hazards/", "/api/v1/pipelines/", "/api/v1/inspections/"])
def test_list_queries_do_not_grow_with_rows(platform, path):
    platform.get(path, {"page_size": 5})
    with CaptureQueriesContext(connection) as few:
        platform.get(path, {"page_size": 5})
    with CaptureQueriesContext(connection) as many:
        platform.get(path, {"page_size": 200})
    assert len(few) == len(many)


def test_schema_and_docs_are_served_locally(platform):
    client = _person("inspector1")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/hazards/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    import re

    assets = re.findall(rb'(?:src|href)="([^"]+)"', docs.content)
    assert assets and not [a for a in assets if a.startswith((b"http:", b"https:", b"//"))]


@pytest.mark.parametrize(
    "bbox", ["1e309,37,119,38", "nan,37,119,38", "inf,37,119,38", "118,37,119", "181,37,118,38", "a,b,c,d", "1_0,1,2,3"]
)
def test_bad_bbox_is_a_400_not_a_crash(platform, bbox):
    # Found by schemathesis: GEOS aborted the whole process on an infinite coordinate.
    response = platform.get("/api/v1/hazards/", {"in_bbox": bbox})
    assert response.status_code == 400 and "in_bbox" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "model", "serializer"),
    [("/api/v1/hazards/", Hazard, "HazardSerializer"), ("/api/v1/pipelines/", Pipeline, "PipelineSerializer")],
)
def test_list_pages_say_what_the_serializers_say(platform, path, model, serializer):
    """The list pages take a fast path (api/fast.py); their features equal the serializer's."""
    import json as _json

    from api import serializers

    page = platform.get(path, {"page_size": 20}).json()["features"]
    objects = model.objects.in_bulk([f["id"] for f in page])
    for feature in page:
        expected = _json.loads(_json.dumps(getattr(serializers, serializer)(objects[feature["id"]]).data, default=str))
        assert feature["properties"] == expected["properties"], feature["id"]
        assert feature["geometry"]["type"] == expected["geometry"]["type"]
        assert _flat(feature["geometry"]["coordinates"]) == pytest.approx(
            _flat(expected["geometry"]["coordinates"]), abs=1e-6
        )


def _flat(coordinates):
    if isinstance(coordinates, (int, float)):
        return [coordinates]
    return [value for item in coordinates for value in _flat(item)]


def test_extend_through_the_api_needs_an_approver_who_may_approve():
    inspector = _person("inspector1")
    hazard = Hazard.objects.filter(status="rectifying").first()
    later = hazard.deadline.toordinal() + 30
    from datetime import date

    new_deadline = date.fromordinal(later).isoformat()
    own = User.objects.get(username="inspector1")
    refused = inspector.post(
        f"/api/v1/hazards/{hazard.pk}/extend/", {"new_deadline": new_deadline, "comment": "汛期", "approver": own.pk}
    )
    assert refused.status_code == 409 and refused.json()["detail"]
    manager = User.objects.get(username="manager")
    done = inspector.post(
        f"/api/v1/hazards/{hazard.pk}/extend/",
        {"new_deadline": new_deadline, "comment": "汛期", "approver": manager.pk},
    )
    assert done.status_code == 200 and done.json()["properties"]["deadline"] == new_deadline
    unknown = inspector.post(
        f"/api/v1/hazards/{hazard.pk}/extend/", {"new_deadline": new_deadline, "comment": "x", "approver": 999999}
    )
    assert unknown.status_code == 400 and "approver" in unknown.json()


# --- the OpenAPI documentation: bilingual, with examples that are true ---------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}[ ,][ ]?[A-Za-z]{2,} [A-Za-z]{2,}")
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def openapi():
    client = _person("inspector1")
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    """(method, path, operation) of every operation under /api/v1/: whatever endpoints exist."""
    found = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(found) >= 21
    return found


def _examples(operation):
    """(where, media type, example) of every request and response example of an operation."""
    found = []
    for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
        found += [("request", media_type, example) for example in content.get("examples", {}).values()]
    for status, answer in operation["responses"].items():
        for media_type, content in answer.get("content", {}).items():
            found += [(status, media_type, example) for example in content.get("examples", {}).values()]
    return found


def _strings(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _text_fields(schema, operation) -> list[str]:
    """Free-text fields of the JSON request body (strings without enum or format)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return []
    properties = _resolve(schema, content["schema"]).get("properties", {})
    return [
        name
        for name, field in properties.items()
        if field.get("type") == "string" and "enum" not in field and "format" not in field
    ]


def test_every_operation_is_described_in_chinese_then_english(openapi):
    problems = []
    for method, path, operation in _operations(openapi):
        label = f"{method.upper()} {path}"
        summary, description = operation.get("summary", ""), operation.get("description", "")
        # "中文 / English": Chinese before the slash, English after.
        chinese, _slash, english = summary.partition(" / ")
        if not (CJK.search(chinese) and LATIN.search(english) and not CJK.search(english)):
            problems.append(f"{label}: summary {summary!r}")
        first_cjk, first_english = CJK.search(description), ENGLISH_PHRASE.search(description)
        if not (first_cjk and first_english and first_cjk.start() < first_english.start()):
            problems.append(f"{label}: description {description[:60]!r}")
    assert not problems, "\n".join(problems)


def test_every_operation_has_bilingual_examples_of_success_and_errors(openapi):
    problems = []
    for method, path, operation in _operations(openapi):
        label = f"{method.upper()} {path}"
        examples = _examples(operation)
        if not examples:
            problems.append(f"{label}: no example")
        for where, _media_type, example in examples:
            summary = example.get("summary", "")
            if not (CJK.search(summary) and LATIN.search(summary)):
                problems.append(f"{label} {where}: example summary {summary!r}")
        statuses = set(operation["responses"])
        if "403" not in statuses:
            problems.append(f"{label}: 403 (no credentials) not documented")
        for status in statuses:
            answered = {where for where, _m, _e in examples}
            if status not in answered:
                problems.append(f"{label}: no example of the {status} answer")
        if method == "post" and not any(where == "request" for where, _m, _e in examples):
            problems.append(f"{label}: no request example")
        if _text_fields(openapi, operation):
            requests = [
                e["value"] for where, media, e in examples if where == "request" and media == "application/json"
            ]
            texts = [_strings(value) for value in requests]
            if not any(any(CJK.search(text) for text in strings) for strings in texts):
                problems.append(f"{label}: no request example in Chinese")
            if not any(strings and not any(CJK.search(text) for text in strings) for strings in texts):
                problems.append(f"{label}: no request example in English")
    assert not problems, "\n".join(problems)


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def test_examples_agree_with_the_schema_and_the_serializers(openapi):
    import jsonschema

    from api import construction as api_construction
    from api import emergency as api_emergency
    from api import patrols as api_patrols
    from api import serializers as api_serializers
    from api import video as api_video
    from integrations import views as integration_views

    components = _json_schema(openapi["components"])
    problems, checked = [], 0
    for method, path, operation in _operations(openapi):
        for where, media_type, example in _examples(operation):
            if where == "request":
                media_schema = operation["requestBody"]["content"][media_type]["schema"]
            else:
                media_schema = operation["responses"][where]["content"][media_type]["schema"]
            validator = jsonschema.Draft202012Validator(
                {**_json_schema(media_schema), "components": components},
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
            for error in validator.iter_errors(example["value"]):
                problems.append(f"{method.upper()} {path} {where} {example['summary']}: {error.message}")
            checked += 1
            if where == "request":
                # The input serializer itself accepts the example (ids must exist, dates parse, …).
                name = media_schema["$ref"].rsplit("/", 1)[1]
                modules = (api_serializers, api_emergency, integration_views, api_patrols, api_construction, api_video)
                serializer_class = next(getattr(m, name) for m in modules if hasattr(m, name))
                serializer = serializer_class(data=_with_files(components, media_schema, example["value"]))
                if not serializer.is_valid():
                    problems.append(f"{method.upper()} {path} {example['summary']}: {serializer.errors}")
    assert not problems, "\n".join(problems)
    assert checked > 60


def _with_files(components, media_schema, value):
    """A multipart example with its binary fields (shown as text) replaced by a real file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = media_schema["$ref"].rsplit("/", 1)[1]
    properties = components["schemas"][name].get("properties", {})
    binary = {key for key, field in properties.items() if field.get("format") == "binary"}
    return {key: SimpleUploadedFile("e.pdf", PDF_BYTES) if key in binary else item for key, item in value.items()}


def test_the_event_examples_really_create_hazards(platform, openapi):
    operation = openapi["paths"]["/api/v1/events/"]["post"]
    created = operation["responses"]["201"]["content"]["application/json"]["examples"]
    documented_keys = {frozenset(example["value"]) for example in created.values()}
    requests = [
        (media_type, example["value"])
        for media_type, content in operation["requestBody"]["content"].items()
        for example in content.get("examples", {}).values()
    ]
    assert {media for media, _value in requests} == {"application/json", "multipart/form-data"}
    for number, (media_type, value) in enumerate(requests):
        response = platform.post(
            "/api/v1/events/",
            value,
            format="json" if media_type == "application/json" else "multipart",
            HTTP_IDEMPOTENCY_KEY=f"example-{number}",
        )
        assert response.status_code == 201, (value, response.json())
        assert frozenset(response.json()) in documented_keys
        hazard = Hazard.objects.get(pk=response.json()["id"])
        assert (hazard.description, hazard.place, hazard.category) == (
            value["description"],
            value["address"],
            value["category"],
        )


def _documented_bodies(operation, status):
    content = operation["responses"].get(str(status), {}).get("content", {}).get("application/json", {})
    return [example["value"] for example in content.get("examples", {}).values()]


def test_documented_errors_are_the_answers_the_api_gives(platform, openapi):
    """Every operation answers a caller without credentials, a missing object and a missing page
    with a status it documents and exactly a body it shows."""
    anonymous, problems = APIClient(), []
    hazard = Hazard.objects.order_by("pk").first()
    for method, path, operation in _operations(openapi):
        label = f"{method.upper()} {path}"
        url = path.replace("{id}", str(hazard.pk))
        answer = getattr(anonymous, method)(url, {}, format="json") if method == "post" else anonymous.get(url)
        if answer.json() not in _documented_bodies(operation, answer.status_code):
            problems.append(f"{label} anonymous: {answer.status_code} {answer.json()}")
        if method == "post" and "{id}" in path:
            by_key = platform.post(url, {}, format="json")  # actions are for people, not API keys
            if by_key.json() not in _documented_bodies(operation, by_key.status_code):
                problems.append(f"{label} API key: {by_key.status_code} {by_key.json()}")
        if method != "get":
            continue
        if "{id}" in path:
            missing = platform.get(path.replace("{id}", "999999999"))
        elif any(p["name"] == "page" for p in operation.get("parameters", [])):
            missing = platform.get(url, {"page": 999999})
        else:
            continue
        if missing.status_code != 404 or missing.json() not in _documented_bodies(operation, 404):
            problems.append(f"{label} not found: {missing.status_code} {missing.json()}")
    assert not problems, "\n".join(problems)


def test_documented_conflict_codes_exist(openapi):
    from api.errors import STATUS

    codes = {code for _status, code in STATUS.values()}
    checked = 0
    for method, path, operation in _operations(openapi):
        for body in _documented_bodies(operation, 409):
            assert body["code"] in codes, f"{method} {path}: {body}"
            checked += 1
    assert checked >= len({code for status, code in STATUS.values() if status == 409})


def test_schema_is_valid_openapi_and_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.stat().st_size > 10_000


# Values for the query parameters an operation requires (the isolation answer's point: on a demo pipeline).
REQUIRED_QUERY = {"lon": "118.5199315", "lat": "37.0786707"}


def test_real_answers_match_the_documented_schemas(platform, openapi):
    """What the examples promise, the API does: each GET answer validates against its 200 schema."""
    import jsonschema

    components = _json_schema(openapi["components"])
    first_ids, problems, checked = {}, [], 0
    operations = sorted(_operations(openapi), key=lambda op: "{id}" in op[1])  # lists before details
    for method, path, operation in operations:
        if method != "get":
            continue
        if "{id}" in path:
            if path.split("{id}")[0] not in first_ids:
                continue
            response = platform.get(path.replace("{id}", str(first_ids[path.split("{id}")[0]])))
        elif required := [
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")
        ]:
            response = platform.get(path, {name: REQUIRED_QUERY[name] for name in required})
        else:
            response = platform.get(path, {"page_size": 3})
            body = response.json()
            items = body.get("results", body.get("features")) if isinstance(body, dict) else None
            if items:
                first_ids[path] = items[0]["id"]
        assert response.status_code == 200, (path, response.json())
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        validator = jsonschema.Draft202012Validator({**_json_schema(schema), "components": components})
        problems += [f"GET {path}: {error.message[:200]}" for error in validator.iter_errors(response.json())]
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked >= 13


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/hazards/", {"found_after": "x"}),
        ("/api/v1/hazards/", {"in_bbox": "1,2"}),
        ("/api/v1/pipelines/", {"medium": "xx"}),
        ("/api/v1/pipelines/", {"in_bbox": "1,2"}),
        ("/api/v1/inspections/", {"campaign": "x"}),
        ("/api/v1/stats/", {"found_after": "x"}),
    ],
)
def test_documented_filter_errors_are_real(platform, openapi, path, query):
    response = platform.get(path, query)
    assert response.status_code == 400
    assert response.json() in _documented_bodies(openapi["paths"][path]["get"], 400)


# --- HCA segments --------------------------------------------------------------------------------


def test_hca_segments_layer_is_geojson_filterable_and_scoped(client, db):
    from django.contrib.auth.models import Group
    from rest_framework_api_key.models import APIKey

    from hca.models import HcaSegment
    from tests.factories import UserFactory

    _, key = APIKey.objects.create_key(name="city-hca")
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    total = HcaSegment.objects.filter(rule_set="gb32167").count()
    assert total > 0
    body = client.get("/api/v1/hca-segments/", {"rule_set": "gb32167", "page_size": 500}, **headers).json()
    assert body["type"] == "FeatureCollection" and body["count"] == total
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["grade"] in {"I", "II", "III"}
    assert {"pipeline_code", "start_m", "end_m", "rules", "reasons"} <= set(feature["properties"])
    grade3 = client.get("/api/v1/hca-segments/", {"grade": "III", "page_size": 500}, **headers).json()
    assert grade3["count"] == HcaSegment.objects.filter(grade=3).count() > 0
    assert {f["properties"]["grade"] for f in grade3["features"]} == {"III"}
    bad = client.get("/api/v1/hca-segments/", {"grade": "IV"}, **headers)
    assert bad.status_code == 400 and "grade" in bad.json()
    company = HcaSegment.objects.values_list("pipeline__company", flat=True).first()
    by_company = client.get("/api/v1/hca-segments/", {"company": company, "page_size": 500}, **headers).json()
    assert by_company["count"] == HcaSegment.objects.filter(pipeline__company=company).count() > 0
    # A company id beyond any database integer is a 400 naming the filter, not a server error;
    # an integer that is no company's id matches nothing.
    refused = client.get("/api/v1/hca-segments/", {"company": 2**64}, **headers)
    assert refused.status_code == 400 and "company" in refused.json()
    assert client.get("/api/v1/hca-segments/", {"company": 10**9}, **headers).json()["count"] == 0
    # Company staff see only their company's segments.
    segment = HcaSegment.objects.select_related("pipeline").first()
    staff = UserFactory(username="hca-api-staff", company=segment.pipeline.company)
    staff.groups.add(Group.objects.get(name="company_staff"))
    client.force_login(staff)
    own = client.get("/api/v1/hca-segments/", {"page_size": 500}).json()
    assert own["count"] == HcaSegment.objects.filter(pipeline__company=segment.pipeline.company).count()
    other = HcaSegment.objects.exclude(pipeline__company=segment.pipeline.company).first()
    assert client.get(f"/api/v1/hca-segments/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/hca-segments/{segment.pk}/").json()["id"] == segment.pk
