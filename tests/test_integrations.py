"""The city platform integration: idempotent event intake and signed webhooks to a real HTTP receiver."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey
from standardwebhooks import Webhook

from accounts.models import User
from common.gis import to_metric
from hazards.choices import HazardSource, HazardStatus
from hazards.models import Hazard, HazardPhoto
from integrations.alerts import alert_emit, webhook_sign
from integrations.models import DeliveryStatus, IdempotentRequest, WebhookDelivery, WebhookSubscription
from integrations.services import idempotent_requests_purge, webhook_deliveries_purge
from integrations.tasks import MAX_RETRIES, integrations_purge_task, webhook_deliver_task
from pipelines.models import Pipeline
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
FAR_FROM_PIPELINES = {"lat": 37.0, "long": 118.15}  # inside the city's box, > 10 km from any pipeline


@pytest.fixture
def platform():
    key_object, key = APIKey.objects.create_key(name="市一体化综合指挥平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.key_object = key_object
    return client


def _near_a_pipeline():
    """A point ~50 m off a vertex of a demo pipeline, and the pipeline nearest to it (measured here in metres)."""
    pipeline = Pipeline.objects.order_by("code")[10]
    lon, lat = pipeline.route[0].coords[len(pipeline.route[0].coords) // 2]
    point = {"lat": round(lat + 0.00045, 6), "long": round(lon, 6)}
    from django.contrib.gis.geos import Point

    metric = to_metric(Point(point["long"], point["lat"], srid=4326))
    nearest = min(Pipeline.objects.all(), key=lambda p: (to_metric(p.route).distance(metric), p.pk))
    assert to_metric(nearest.route).distance(metric) < 2000
    return point, nearest


def _event(point, **extra):
    return {
        "category": "third_party_construction",
        "description": "管道上方有挖掘机施工",
        "address": "东营区黄河路与西四路交叉口",
        "reporter_ref": "WG-0071",
        **point,
        **extra,
    }


def _post(client, body, key="evt-0001", **kwargs):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, body, format=kwargs.pop("format", "json"), **headers, **kwargs)


# --- event intake --------------------------------------------------------


def test_event_becomes_a_reported_hazard_of_the_nearest_pipelines_company(platform):
    point, nearest = _near_a_pipeline()
    before = Hazard.objects.count()
    response = _post(platform, _event(point))
    assert response.status_code == 201, response.content
    body = response.json()
    hazard = Hazard.objects.get(pk=body["id"])
    assert body["code"] == hazard.code and body["status"] == "reported"
    assert Hazard.objects.count() == before + 1
    assert hazard.status == HazardStatus.REPORTED
    assert hazard.source == HazardSource.CITY_PLATFORM
    assert hazard.level == "general" and hazard.deadline is None
    assert hazard.pipeline == nearest and hazard.company_id == nearest.company_id
    assert hazard.place == "东营区黄河路与西四路交叉口"
    assert (round(hazard.location.y, 6), round(hazard.location.x, 6)) == (point["lat"], point["long"])
    assert hazard.reported_by is None
    assert "WG-0071" in hazard.history.get().comment
    assert "Idempotent-Replayed" not in response


def test_retry_with_the_same_key_replays_the_first_response(platform):
    point, _nearest = _near_a_pipeline()
    first = _post(platform, _event(point))
    count = Hazard.objects.count()
    again = _post(platform, _event(point))
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Hazard.objects.count() == count


def test_same_key_with_another_payload_is_refused(platform):
    point, _nearest = _near_a_pipeline()
    assert _post(platform, _event(point)).status_code == 201
    count = Hazard.objects.count()
    response = _post(platform, _event(point, description="另一件事"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Hazard.objects.count() == count


def test_keys_belong_to_their_caller(platform, inspector):
    point, _nearest = _near_a_pipeline()
    assert _post(platform, _event(point), key="shared").status_code == 201
    person = APIClient()
    person.force_authenticate(inspector)
    response = _post(person, _event(point), key="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Hazard.objects.get(pk=response.json()["id"]).reported_by == inspector


def test_missing_idempotency_key(platform):
    point, _nearest = _near_a_pipeline()
    count = Hazard.objects.count()
    response = _post(platform, _event(point), key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert Hazard.objects.count() == count


@pytest.mark.parametrize(
    ("field", "value"),
    [("lat", 36.5), ("lat", 91), ("long", 120.0), ("lat", "north"), ("long", "NaN")],
)
def test_bad_coordinates_name_the_field(platform, field, value):
    point, _nearest = _near_a_pipeline()
    count = Hazard.objects.count()
    response = _post(platform, _event(point, **{field: value}), key=f"bad-{field}-{value}")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Hazard.objects.count() == count
    assert not IdempotentRequest.objects.exists()


def test_bad_category_names_the_field(platform):
    point, _nearest = _near_a_pipeline()
    response = _post(platform, _event(point, category="ufo"))
    assert response.status_code == 400 and "category" in response.json()


def test_far_from_every_pipeline_is_unprocessable(platform):
    count = Hazard.objects.count()
    response = _post(platform, _event(FAR_FROM_PIPELINES))
    assert response.status_code == 422
    assert response.json()["code"] == "no_pipeline_nearby"
    assert "2,000" in response.json()["detail"] or "2000" in response.json()["detail"]
    assert Hazard.objects.count() == count
    assert not IdempotentRequest.objects.exists()  # a retry after the fix is not blocked


def test_no_credentials_no_intake():
    point, _nearest = _near_a_pipeline()
    response = _post(APIClient(), _event(point))
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_company_staff_may_not_report():
    point, _nearest = _near_a_pipeline()
    client = APIClient()
    client.force_authenticate(User.objects.get(username="company01"))
    count = Hazard.objects.count()
    assert _post(client, _event(point)).status_code == 403
    assert Hazard.objects.count() == count


def test_multipart_with_photo_from_an_inspector(inspector):
    point, _nearest = _near_a_pipeline()
    client = APIClient()
    client.force_authenticate(inspector)

    def photo():
        return SimpleUploadedFile("现场.jpg", jpeg_bytes(), content_type="image/jpeg")

    response = _post(client, _event(point, photo=photo()), format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["photo_attached"] is True
    hazard = Hazard.objects.get(pk=response.json()["id"])
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 1
    # A retry of the same form (a new multipart boundary) is still the same request.
    again = _post(client, _event(point, photo=photo()), format="multipart")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 1


def test_platform_photo_must_be_an_image(platform):
    point, _nearest = _near_a_pipeline()
    count = Hazard.objects.count()
    fake = SimpleUploadedFile("x.jpg", b"MZ not an image at all", content_type="image/jpeg")
    response = _post(platform, _event(point, photo=fake), format="multipart")
    assert response.status_code == 400
    assert Hazard.objects.count() == count


# --- webhooks ------------------------------------------------------------


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it receives and answers the given statuses."""

    def __init__(self):
        self.requests = []
        self.statuses = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.requests.append({"path": self.path, "headers": headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b'{"ok": true}' if status < 300 else b"busy"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/pipeline"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscription(receiver):
    return WebhookSubscription.objects.create(
        name="城市运行管理平台", url=receiver.url, event_types=["hazard.major_reported", "hazard.overdue"]
    )


def _hazard_ids(n):
    return list(Hazard.objects.order_by("pk").values_list("pk", flat=True)[:n])


def test_signature_matches_the_standard_webhooks_test_vector():
    signature = webhook_sign(
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=datetime.fromtimestamp(1614265330, tz=UTC),
        body=b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_subscriptions_get_a_standard_secret():
    secret = WebhookSubscription.objects.create(name="a", url="https://example.org/h", event_types=[]).secret
    other = WebhookSubscription.objects.create(name="b", url="https://example.org/h", event_types=[]).secret
    assert secret.startswith("whsec_") and secret != other
    assert len(Webhook(secret)._whsecret) >= 24


def test_alert_is_signed_and_delivered_after_commit(receiver, subscription, django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(name="别的", url=receiver.url, event_types=["hazard.closed"])
    WebhookSubscription.objects.create(name="停用", url=receiver.url, event_types=["hazard.overdue"], active=False)
    hazard = Hazard.objects.select_related("company").get(pk=_hazard_ids(1)[0])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deliveries = alert_emit(event_type="hazard.overdue", hazard_ids=[hazard.pk])
        assert receiver.requests == []  # nothing is sent before the commit
    assert len(callbacks) == len(deliveries) == 1
    assert len(receiver.requests) == 1
    received = receiver.requests[0]
    headers = received["headers"]
    assert received["path"] == "/hooks/pipeline"
    delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == delivery.message_id and delivery.message_id.startswith("msg_")
    assert abs(int(headers["webhook-timestamp"]) - datetime.now(tz=UTC).timestamp()) < 60
    assert headers["webhook-signature"].startswith("v1,")
    payload = Webhook(subscription.secret).verify(received["body"], headers)
    assert payload["type"] == "hazard.overdue"
    assert datetime.fromisoformat(payload["timestamp"])
    data = payload["data"]["hazard"]
    assert data["id"] == hazard.pk and data["code"] == hazard.code and data["company"] == hazard.company_id
    assert (data["category"], data["level"], data["status"]) == (hazard.category, hazard.level, hazard.status)
    assert data["deadline"] == (hazard.deadline.isoformat() if hazard.deadline else None)
    assert (data["lat"], data["long"]) == (hazard.location.y, hazard.location.x)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.delivered_at is not None

    # A duplicated task message does not send it again.
    webhook_deliver_task.delay(delivery.pk)
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_a_forged_signature_does_not_verify(receiver, subscription, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    received = receiver.requests[0]
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received["body"], received["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(received["body"].replace(b"overdue", b"closed!"), received["headers"])


def test_a_failing_receiver_is_retried_then_given_up(receiver, subscription, django_capture_on_commit_callbacks):
    receiver.statuses = [500] * 20
    with django_capture_on_commit_callbacks(execute=True):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    delivery = WebhookDelivery.objects.get()
    # Eager tasks retry at once: the first attempt and MAX_RETRIES retries, all recorded.
    assert len(receiver.requests) == delivery.attempts == MAX_RETRIES + 1
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 500 and delivery.last_response_body == "busy"
    assert delivery.delivered_at is None
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1  # same id on every attempt


def test_a_busy_receiver_gets_the_message_on_retry(receiver, subscription, django_capture_on_commit_callbacks):
    receiver.statuses = [503, 429]
    with django_capture_on_commit_callbacks(execute=True):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == (DeliveryStatus.DELIVERED, 3, 3)


def test_a_client_error_is_not_retried(receiver, subscription, django_capture_on_commit_callbacks):
    receiver.statuses = [410]
    with django_capture_on_commit_callbacks(execute=True):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 1, 410)
    assert len(receiver.requests) == 1


def test_an_unreachable_receiver_records_the_error(subscription, receiver, django_capture_on_commit_callbacks):
    receiver.close()
    with django_capture_on_commit_callbacks(execute=True):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_RETRIES + 1
    assert delivery.last_status_code is None and delivery.last_error
    receiver.server = type("Closed", (), {"shutdown": lambda self: None, "server_close": lambda self: None})()


def test_resend_action_delivers_again(receiver, subscription, admin_client, django_capture_on_commit_callbacks):
    receiver.statuses = [410]
    with django_capture_on_commit_callbacks(execute=True):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    changelist = reverse("admin:integrations_webhookdelivery_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(changelist, {"action": "resend", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]


def test_alert_emit_query_count_is_constant(subscription, django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(name="第二", url=subscription.url, event_types=["hazard.overdue"])

    def queries(n):
        with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as captured:
            deliveries = alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(n))
        assert len(deliveries) == 2 * n
        return len(captured)

    assert queries(1) == queries(20)
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 42


def test_no_subscription_no_delivery(subscription, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert alert_emit(event_type="hazard.closed", hazard_ids=_hazard_ids(3)) == []
    assert callbacks == [] and not WebhookDelivery.objects.exists()


# --- admin ---------------------------------------------------------------


def test_admin_pages_for_regulators(admin_client, subscription, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        alert_emit(event_type="hazard.overdue", hazard_ids=_hazard_ids(1))
    page = admin_client.get(reverse("admin:integrations_webhooksubscription_change", args=[subscription.pk]))
    assert page.status_code == 200 and subscription.secret in page.content.decode()
    log = admin_client.get(reverse("admin:integrations_webhookdelivery_changelist"), {"status": "pending"})
    assert log.status_code == 200 and WebhookDelivery.objects.get().message_id in log.content.decode()
    added = admin_client.post(
        reverse("admin:integrations_webhooksubscription_add"),
        {
            "name": "应急平台",
            "url": "https://yj.example.gov.cn/hooks",
            "event_types": ["hazard.closed"],
            "active": "on",
        },
    )
    assert added.status_code == 302
    assert WebhookSubscription.objects.get(name="应急平台").secret.startswith("whsec_")
    refused = admin_client.post(
        reverse("admin:integrations_webhooksubscription_add"),
        {"name": "ftp", "url": "ftp://example.org/x", "event_types": ["hazard.closed"]},
    )
    assert refused.status_code == 200 and not WebhookSubscription.objects.filter(name="ftp").exists()


def test_company_staff_never_see_integration_rows(subscription):
    user = User.objects.get(username="company01")
    # Even if someone gave them the permission by mistake.
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="integrations", codename__startswith="view_")
    )
    user = User.objects.get(pk=user.pk)
    request = RequestFactory().get("/")
    request.user = user
    for model in (WebhookSubscription, WebhookDelivery):
        model_admin = admin_site._registry[model]
        assert not model_admin.get_queryset(request).exists()
        assert not model_admin.has_view_permission(request)
    WebhookDelivery.objects.create(subscription=subscription, event_type="hazard.overdue", payload={})
    assert not admin_site._registry[WebhookDelivery].get_queryset(request).exists()
    assert json.dumps(WebhookDelivery.objects.get().payload) == "{}"


# --- retention: idempotency keys and the delivery log ------------------------


def _age(queryset, **delta):
    queryset.update(created_at=timezone.now() - timedelta(**delta))


def _stored(caller, key, **age):
    row = IdempotentRequest.objects.create(
        caller=caller, key=key, fingerprint="0" * 64, response_status=201, response_body={"id": 1}
    )
    _age(IdempotentRequest.objects.filter(pk=row.pk), **age)
    return row


def test_keys_older_than_the_ttl_are_purged_newer_ones_stay():
    old = _stored("api_key:abc", "old", hours=25)
    recent = _stored("api_key:abc", "recent", hours=23)
    fresh = _stored("user:7", "fresh", minutes=1)
    assert idempotent_requests_purge(older_than=timedelta(hours=24)) == 1
    assert set(IdempotentRequest.objects.values_list("pk", flat=True)) == {recent.pk, fresh.pk}
    assert not IdempotentRequest.objects.filter(pk=old.pk).exists()
    assert idempotent_requests_purge(older_than=timedelta(hours=24)) == 0  # running again changes nothing


def test_purge_refuses_a_non_positive_age():
    _stored("api_key:abc", "k", hours=1)
    for age in (timedelta(0), timedelta(hours=-1)):
        with pytest.raises(ValueError, match="older_than"):
            idempotent_requests_purge(older_than=age)
        with pytest.raises(ValueError, match="older_than"):
            webhook_deliveries_purge(older_than=age)
    assert IdempotentRequest.objects.count() == 1


def test_a_replay_after_the_purge_is_a_new_request(platform, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    point, _nearest = _near_a_pipeline()
    first = _post(platform, _event(point), key="evt-purge")
    assert first.status_code == 201
    replay = _post(platform, _event(point), key="evt-purge")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert _post(platform, _event(point, description="另一件事"), key="evt-purge").status_code == 422

    _age(IdempotentRequest.objects.filter(key="evt-purge"), hours=24, minutes=1)
    assert integrations_purge_task.delay().get()["idempotent_requests"] == 1

    count = Hazard.objects.count()
    again = _post(platform, _event(point), key="evt-purge")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert Hazard.objects.count() == count + 1
    # The key is claimed again, by the new request: a retry of it replays it.
    assert _post(platform, _event(point), key="evt-purge").json() == again.json()


def test_an_expired_key_is_free_before_the_purge_comes(platform, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    point, _nearest = _near_a_pipeline()
    first = _post(platform, _event(point), key="evt-expired")
    _age(IdempotentRequest.objects.filter(key="evt-expired"), hours=24, minutes=1)
    # Not purged yet: past its time to live, the key no longer replays nor refuses another payload.
    again = _post(platform, _event(point, description="另一件事"), key="evt-expired")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert IdempotentRequest.objects.filter(key="evt-expired").count() == 1
    assert _post(platform, _event(point, description="另一件事"), key="evt-expired").json() == again.json()


def test_purge_task_follows_the_ttl_setting(settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 2
    _stored("api_key:abc", "three-hours", hours=3)
    kept = _stored("api_key:abc", "one-hour", hours=1)
    assert integrations_purge_task.delay().get()["idempotent_requests"] == 1
    assert list(IdempotentRequest.objects.values_list("pk", flat=True)) == [kept.pk]


def _delivery(subscription, status, days):
    delivered_at = timezone.now() if status == DeliveryStatus.DELIVERED else None
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_type="hazard.closed",
        payload={"type": "hazard.closed"},
        status=status,
        delivered_at=delivered_at,
    )
    _age(WebhookDelivery.objects.filter(pk=delivery.pk), days=days)
    return delivery


def test_finished_deliveries_older_than_the_retention_are_purged(settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 90
    hook = WebhookSubscription.objects.create(
        name="城市运行管理平台", url="https://platform.example/hooks", event_types=["hazard.closed"]
    )
    old_delivered = _delivery(hook, DeliveryStatus.DELIVERED, 91)
    old_failed = _delivery(hook, DeliveryStatus.FAILED, 91)
    old_pending = _delivery(hook, DeliveryStatus.PENDING, 91)  # still being retried: kept
    recent = _delivery(hook, DeliveryStatus.FAILED, 89)

    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 0  # keep forever
    assert integrations_purge_task.delay().get()["webhook_deliveries"] == 0
    assert WebhookDelivery.objects.count() == 4

    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 90
    assert integrations_purge_task.delay().get()["webhook_deliveries"] == 2
    remaining = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert remaining == {old_pending.pk, recent.pk}
    assert not ({old_delivered.pk, old_failed.pk} & remaining)
    assert WebhookSubscription.objects.filter(pk=hook.pk).exists()


def test_the_daily_purge_is_scheduled_and_kept_as_the_office_changed_it():
    from django_celery_beat.models import PeriodicTask

    from integrations.schedule import JOBS, schedule_install
    from pipeline_safety.celery import app

    job = PeriodicTask.objects.select_related("crontab").get(name="daily-integrations-purge")  # created by migrate
    assert job.task == "integrations.tasks.integrations_purge_task" == JOBS[0]["task"]
    assert job.task in app.tasks
    assert (job.crontab.hour, job.crontab.minute, str(job.crontab.timezone)) == ("3", "15", "Asia/Shanghai")
    assert job.enabled
    PeriodicTask.objects.filter(pk=job.pk).update(enabled=False)
    schedule_install()
    assert PeriodicTask.objects.filter(name="daily-integrations-purge").count() == 1
    assert PeriodicTask.objects.get(pk=job.pk).enabled is False
