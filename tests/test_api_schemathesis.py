"""Schemathesis drives every documented endpoint with generated input: no
input may cause a server error, and every 4xx answer is JSON saying what was
wrong. (Run programmatically: its pytest plugin does not support pytest 9.)"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework_api_key.models import APIKey

from pipeline_safety.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_input_causes_a_server_error(keep_test_connection):
    _obj, key = APIKey.objects.create_key(name="schemathesis")
    headers = {"Authorization": f"Api-Key {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        _exercise(operation, headers, failures)
    assert failures == []


def _exercise(operation, headers, failures):
    @given(case=operation.as_strategy())
    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{operation.label}: {response.status_code} for {case.path_parameters} {case.query}")
        elif response.status_code >= 400:
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                failures.append(f"{operation.label}: {response.status_code} without a JSON body")
                return
            if not body:
                failures.append(f"{operation.label}: {response.status_code} with an empty body")

    check()
