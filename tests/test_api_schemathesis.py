"""Schemathesis drives every documented endpoint with every check it has
(``--checks all``: server errors, status codes, content types, response
schemas and headers, positive and negative data, missing headers, unsupported
methods, ignored auth...), through all its phases (examples, coverage,
fuzzing, stateful), once as the city platform's API key and once as a
company's staff member logged in, and must report nothing.

Run programmatically through its engine, the code behind ``st run`` (its
pytest plugin does not support pytest 9), against the app served over HTTP on
127.0.0.1 by a server thread. That thread is handed the test's database
connection, as Django's live server does, so it sees the demo city and the
test's rollback undoes whatever the run did.
"""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.test import Client
from rest_framework_api_key.models import APIKey
from schemathesis.engine import Status, events, from_schema

from accounts.models import User
from pipeline_safety.wsgi import application
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 4


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    """The app served on 127.0.0.1, answering on the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    connection = connections["default"]
    connection.inc_thread_sharing()

    def app(environ, start_response):
        connections["default"] = connection
        return application(environ, start_response)

    httpd = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()
    connection.dec_thread_sharing()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _failures(base_url, headers, *, generated_credentials=True) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json")
    assert len(list(schema.get_all_operations())) >= 15

    @schema.hook("map_body")
    def real_photos(context, body):
        """ "JPEG or PNG" is more than a JSON schema can say: a generated binary photo (an event's photo, a
        video alarm's snapshot) becomes a real JPEG (tests/test_integrations.py, test_uploads.py and
        test_api_video.py cover files that are not)."""
        if not isinstance(body, dict):
            return body
        for name in ("photo", "snapshot"):
            value = body.get(name)
            if isinstance(value, bytes | bytearray) or isinstance(getattr(value, "data", None), bytes):
                body = {**body, name: jpeg_bytes()}
        return body

    config = schema.config
    config.update(headers=headers, workers=1)
    # The session run sends the person's cookie and no made-up API key beside it.
    config.generation.update(with_security_parameters=generated_credentials)
    config.checks.update(included_check_names=["all"])
    # Well-formed data is accepted, or refused by a documented rule: besides schemathesis's defaults,
    # 422 is the event intake's answer to a well-formed event it must refuse (no pipeline within
    # 2 km; an Idempotency-Key reused with another body, as the IETF Idempotency-Key draft says).
    accepted = config.checks.positive_data_acceptance
    accepted.expected_statuses = [*accepted.expected_statuses, "422"]
    config.generation.update(max_examples=MAX_EXAMPLES)
    config.seed = 20261121
    found = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        failure = check.failure_info.failure
                        found.append(f"{check.name}: {case.method} {case.formatted_path} {failure.message}")
                        found.append(f"    sent {case.query} {case.headers} {str(case.body)[:300]}")
                        interaction = event.recorder.interactions.get(case_id)
                        if interaction is not None and interaction.response is not None:
                            answer = interaction.response
                            found.append(f"    got {answer.status_code} {answer.content[:300]!r}")
        elif isinstance(event, events.NonFatalError):
            found.append(f"error: {event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            found.append(f"fatal: {event.exception!r}")
    print("\n".join(found))
    return found


def test_every_check_passes_with_an_api_key(server):
    _obj, key = APIKey.objects.create_key(name="schemathesis")
    assert _failures(server, {"Authorization": f"Api-Key {key}"}) == []


def test_every_check_passes_for_company_staff(server):
    client = Client()
    client.force_login(User.objects.get(username="company01"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    assert _failures(server, {"Cookie": cookie}, generated_credentials=False) == []
