"""Valves on the demo city's pipelines, the isolation answer from the database, the
command, and an incident's time line (emergency.md)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import shapely
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from common.gis import to_metric
from emergency.choices import IncidentKind, IncidentStepKind, ValveKind
from emergency.loading import network_current, wgs84_point
from emergency.models import Valve
from emergency.services import (
    EmergencyError,
    incident_report,
    incident_step_record,
    incident_valve_failed,
    isolation_answer,
    valve_save,
)
from hca.loading import single_line
from tests.factories import PipelineFactory

pytestmark = pytest.mark.django_db


def _line(pipeline):
    return single_line(shapely.from_wkb(bytes(to_metric(pipeline.route).wkb)))


def at(pipeline, chainage, offset=0.0):
    """The WGS84 point ``offset`` metres to the left of ``chainage`` along the pipeline."""
    line = _line(pipeline)
    p = line.interpolate(chainage)
    q = line.interpolate(min(chainage + 1, line.length)) if chainage + 1 <= line.length else p
    r = line.interpolate(max(chainage - 1, 0))
    dx, dy = q.x - r.x, q.y - r.y
    norm = (dx * dx + dy * dy) ** 0.5 or 1
    return wgs84_point(p.x - dy / norm * offset, p.y + dx / norm * offset)


@pytest.fixture
def pipeline():
    """A 10 km pipeline of its own, north of the demo city's network (so nothing joins it)."""
    line = LineString((118.40, 38.30), (118.515, 38.30), srid=4326)
    return PipelineFactory(code="T-ISO", route=MultiLineString(line, srid=4326), outer_diameter_mm=508, maop_mpa=6.3)


def valve(pipeline, code, chainage, kind=ValveKind.MANUAL, operable=True):
    return valve_save(
        valve=Valve(code=code, pipeline=pipeline, kind=kind, operable=operable, location=at(pipeline, chainage, 2.0))
    )


def test_a_valve_is_placed_at_its_chainage_and_one_too_far_is_refused(pipeline):
    placed = valve(pipeline, "V-T-1", 1500.0)
    assert placed.chainage_m == pytest.approx(1500.0, abs=0.05)
    assert placed.offset_m == pytest.approx(2.0, abs=0.05)
    with pytest.raises(ValidationError) as refused:
        valve_save(valve=Valve(code="V-T-2", pipeline=pipeline, kind="manual", location=at(pipeline, 2000.0, 8.0)))
    assert pipeline.code in str(refused.value) and "5" in str(refused.value)
    assert not Valve.objects.filter(code="V-T-2").exists()


def test_the_answer_from_the_database_and_the_network_rebuilt_after_a_change(pipeline):
    valve(pipeline, "V-A", 1000.0, ValveKind.MANUAL)
    valve(pipeline, "V-B", 5000.0, ValveKind.REMOTE)
    answer = isolation_answer(location=at(pipeline, 3000.0, 20.0))
    assert answer["pipeline_code"] == pipeline.code
    assert answer["chainage_m"] == pytest.approx(3000.0, abs=0.5)
    assert [v["code"] for v in answer["valves_to_close"]] == ["V-B", "V-A"]  # remote first
    assert answer["isolated"] == [{"pipeline_code": pipeline.code, "from_m": 1000.0, "to_m": 5000.0}]
    inner = (float(pipeline.outer_diameter_mm) - 2 * float(pipeline.wall_thickness_mm)) / 1000
    assert answer["volume_m3"] == pytest.approx(3.14159265 / 4 * inner**2 * 4000.0, abs=0.1)
    assert answer["contacts"]["company"]["name"] == pipeline.company.name
    assert set(answer["reach"]) >= {"radius_m", "hca_segments", "sites", "settlements", "buildings", "water", "roads"}

    before = network_current()
    valve(pipeline, "V-C", 2000.0, ValveKind.AUTOMATIC)
    after = network_current()
    assert after is not before
    answer = isolation_answer(location=at(pipeline, 3000.0))
    assert [v["code"] for v in answer["valves_to_close"]] == ["V-C", "V-B"]
    assert network_current() is after  # nothing changed: the same network


def test_unknown_failed_valve_codes_are_named(pipeline):
    with pytest.raises(EmergencyError, match="NOPE"):
        isolation_answer(location=at(pipeline, 3000.0), failed_codes=["NOPE"])


def test_the_command_writes_the_json_and_a_point_far_from_pipelines_exits_non_zero(pipeline, tmp_path):
    valve(pipeline, "V-A", 1000.0)
    point = at(pipeline, 3000.0)
    out = tmp_path / "answer.json"
    call_command("isolate", "--lon", str(point.x), "--lat", str(point.y), "--json", str(out), verbosity=0)
    answer = json.loads(out.read_text(encoding="utf-8"))
    assert answer["pipeline_code"] == pipeline.code
    assert [v["code"] for v in answer["valves_to_close"]] == ["V-A"]

    far = tmp_path / "far.json"
    with pytest.raises(SystemExit) as exit_:
        call_command("isolate", "--lon", "100.0", "--lat", "30.0", "--json", str(far), verbosity=0)
    assert exit_.value.code == 1
    assert json.loads(far.read_text(encoding="utf-8"))["pipeline_code"] is None
    with pytest.raises(CommandError, match="not a longitude"):
        call_command("isolate", "--lon", "300", "--lat", "30")


def test_an_incident_keeps_its_answer_a_failed_valve_brings_the_next_ring_and_steps_go_forward(pipeline, inspector):
    for code, chainage in (("V-1", 1000.0), ("V-2", 2500.0), ("V-3", 4000.0), ("V-4", 5500.0)):
        valve(pipeline, code, chainage)
    occurred = timezone.now() - timedelta(minutes=20)
    incident = incident_report(
        kind=IncidentKind.LEAK, level="III", location=at(pipeline, 3000.0, 10.0), occurred_at=occurred, actor=inspector
    )
    assert incident.pipeline == pipeline and incident.company == pipeline.company
    assert [v["code"] for v in incident.trace["valves_to_close"]] == ["V-2", "V-3"]
    first = incident.trace

    incident = incident_valve_failed(incident=incident, valve_code="V-3", actor=inspector)
    assert [v["code"] for v in incident.trace["valves_to_close"]] == ["V-2", "V-4"]
    steps = list(incident.steps.order_by("pk"))
    assert [s.kind for s in steps] == [IncidentStepKind.REPORTED, IncidentStepKind.VALVE_FAILED]
    assert steps[0].details["trace"] == first  # the first answer is kept as computed then

    # A valve added afterwards does not change what was recorded.
    valve(pipeline, "V-LATE", 3500.0)
    incident.refresh_from_db()
    assert [v["code"] for v in incident.trace["valves_to_close"]] == ["V-2", "V-4"]

    incident = incident_step_record(incident=incident, kind=IncidentStepKind.VALVES_CLOSED, actor=inspector)
    with pytest.raises(EmergencyError):
        incident_valve_failed(incident=incident, valve_code="V-2", actor=inspector)
    incident = incident_step_record(incident=incident, kind=IncidentStepKind.AREA_CLEARED, actor=inspector)
    with pytest.raises(EmergencyError):
        incident_step_record(incident=incident, kind=IncidentStepKind.LEAK_STOPPED, actor=inspector)
    with pytest.raises(EmergencyError):
        incident_step_record(
            incident=incident, kind=IncidentStepKind.CLOSED, at=occurred - timedelta(hours=1), actor=inspector
        )
    incident = incident_step_record(incident=incident, kind=IncidentStepKind.CLOSED, actor=inspector)
    assert not incident.is_open
    assert incident.code.startswith("SJ-")


def test_an_incident_far_from_pipelines_is_recorded_without_a_pipeline(inspector):
    incident = incident_report(
        kind=IncidentKind.FIRE,
        level="IV",
        location=Point(100.0, 30.0, srid=4326),
        occurred_at=timezone.now(),
        actor=inspector,
    )
    assert incident.pipeline is None and incident.trace["pipeline_code"] is None
    with pytest.raises(EmergencyError):
        incident_valve_failed(incident=incident, valve_code="V-1", actor=inspector)


def test_each_step_of_an_incident_is_a_cap_1_2_document(pipeline, inspector):
    import xml.etree.ElementTree as ET

    from emergency.cap import CAP_NS, incident_cap

    valve(pipeline, "V-1", 1000.0, ValveKind.REMOTE)
    occurred = timezone.now() - timedelta(minutes=30)
    incident = incident_report(
        kind=IncidentKind.LEAK, level="II", location=at(pipeline, 3000.0), occurred_at=occurred, actor=inspector
    )
    incident = incident_step_record(incident=incident, kind=IncidentStepKind.CLOSED, actor=inspector)
    first, last = incident.steps.order_by("pk")
    ns = {"cap": CAP_NS}

    alert = ET.fromstring(incident_cap(incident, first))  # noqa: S314 - our own document
    assert alert.tag == f"{{{CAP_NS}}}alert"
    for tag in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        assert alert.find(f"cap:{tag}", ns).text
    assert alert.find("cap:msgType", ns).text == "Alert"
    assert alert.find("cap:status", ns).text == "Actual"
    info = alert.find("cap:info", ns)
    assert info.find("cap:severity", ns).text == "Severe"
    assert info.find("cap:urgency", ns).text == "Immediate"
    assert "V-1" in info.find("cap:description", ns).text
    lat, rest = info.find("cap:area/cap:circle", ns).text.split(",")
    assert float(lat) == pytest.approx(incident.location.y, abs=1e-6)
    assert float(rest.split()[1]) == pytest.approx(incident.trace["reach"]["radius_m"] / 1000, abs=1e-3)
    assert alert.find("cap:sent", ns).text.endswith("+08:00")

    closing = ET.fromstring(incident_cap(incident, last, first_step=first))  # noqa: S314
    assert closing.find("cap:msgType", ns).text == "Update"
    assert closing.find("cap:info/cap:responseType", ns).text == "AllClear"
    assert closing.find("cap:references", ns).text.split(",")[1] == alert.find("cap:identifier", ns).text


def test_every_step_is_announced_after_commit(pipeline, inspector, django_capture_on_commit_callbacks):
    from emergency.events import incident_step_recorded

    heard = []

    def listener(sender, incident_id, step_id, kind, **kwargs):
        heard.append((incident_id, step_id, kind))

    incident_step_recorded.connect(listener)
    try:
        valve(pipeline, "V-1", 1000.0)
        valve(pipeline, "V-2", 5000.0)
        with django_capture_on_commit_callbacks(execute=False) as pending:
            incident = incident_report(
                kind=IncidentKind.LEAK, level="IV", location=at(pipeline, 3000.0), occurred_at=timezone.now()
            )
        assert heard == []  # nothing before the commit
        for callback in pending:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            incident_valve_failed(incident=incident, valve_code="V-1")
            incident_step_record(incident=incident, kind=IncidentStepKind.CLOSED)
    finally:
        incident_step_recorded.disconnect(listener)
    steps = list(incident.steps.order_by("pk").values_list("incident_id", "pk", "kind"))
    assert heard == steps
    assert [kind for _i, _s, kind in heard] == ["reported", "valve_failed", "closed"]


def test_the_dashboard_shows_open_incidents_first_and_its_link_opens_exactly_them(client, inspector):
    import re

    from accounts.models import User
    from emergency.models import Incident

    open_ = Incident.objects.exclude(status=IncidentStepKind.CLOSED)
    assert open_.exists()  # the demo has one in progress
    client.force_login(inspector)
    page = client.get("/dashboard/").content.decode()
    panel = page.index('id="open-incidents"')
    assert panel < page.index('class="kpis"')  # before the hazard figures
    shown = re.findall(r'class="open-incident"><a href="/admin/emergency/incident/(\d+)/change/"', page)
    assert sorted(map(int, shown)) == sorted(open_.values_list("pk", flat=True))
    listing = client.get("/admin/emergency/incident/?open=1")
    assert listing.context["cl"].result_count == open_.count()

    incident = open_.first()
    staff = User.objects.get(company=incident.company, username__startswith="company")
    client.force_login(staff)
    assert incident.code in client.get("/dashboard/").content.decode()
    outsider = User.objects.filter(company__isnull=False).exclude(company=incident.company).first()
    client.force_login(outsider)
    assert incident.code not in client.get("/dashboard/").content.decode()
    assert client.get(f"/admin/emergency/incident/{incident.pk}/change/").status_code in (302, 404)


def test_an_inspector_links_a_hazard_to_an_incident_by_its_number(client, inspector):
    from emergency.models import Incident
    from hazards.models import Hazard

    incident = Incident.objects.exclude(status=IncidentStepKind.CLOSED).first()
    hazard = Hazard.objects.filter(pipeline=incident.pipeline).first() or Hazard.objects.first()
    client.force_login(inspector)
    url = f"/admin/emergency/incident/{incident.pk}/link-hazard/"
    page = client.post(url, {"hazard": hazard.code}, follow=True)
    assert page.status_code == 200
    assert list(incident.hazards.all()) == [hazard]
    assert incident.steps.filter(kind=IncidentStepKind.HAZARD_LINKED, details__code=hazard.code).exists()
    assert hazard.code in page.content.decode()
    again = client.post(url, {"hazard": hazard.code}, follow=True)
    assert incident.hazards.count() == 1
    assert hazard.code in again.content.decode()  # the message says it is linked already
    unknown = client.post(url, {"hazard": "YH-0000-0000"}, follow=True)
    assert "YH-0000-0000" in unknown.content.decode() and incident.hazards.count() == 1
    assert client.get(url).status_code == 405


def test_each_step_goes_to_the_city_platform_as_json_or_as_cap(pipeline, inspector, django_capture_on_commit_callbacks):
    import json
    import xml.etree.ElementTree as ET

    from standardwebhooks import Webhook

    from integrations.alerts import webhook_request
    from integrations.models import WebhookDelivery, WebhookSubscription

    as_json = WebhookSubscription.objects.create(
        name="平台", url="https://platform.example/hooks", event_types=["incident.reported", "incident.closed"]
    )
    as_cap = WebhookSubscription.objects.create(
        name="预警", url="https://alerts.example/cap", payload_format="cap",
        event_types=["incident.reported", "incident.updated", "incident.closed"],
    )  # fmt: skip
    valve(pipeline, "V-1", 1000.0)
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_report(
            kind=IncidentKind.LEAK, level="III", location=at(pipeline, 3000.0), occurred_at=timezone.now()
        )
    with django_capture_on_commit_callbacks(execute=True):
        incident_step_record(incident=incident, kind=IncidentStepKind.VALVES_CLOSED, actor=inspector)
    with django_capture_on_commit_callbacks(execute=True):
        incident_step_record(incident=incident, kind=IncidentStepKind.CLOSED, actor=inspector)

    to_json = WebhookDelivery.objects.filter(subscription=as_json).order_by("pk")
    assert [d.event_type for d in to_json] == ["incident.reported", "incident.closed"]  # not the update
    assert to_json[0].payload["data"]["incident"]["code"] == incident.code
    assert to_json[0].payload["data"]["incident"]["valves_to_close"] == ["V-1"]
    request = webhook_request(to_json[1])
    assert json.loads(request.data)["data"]["step"]["kind"] == "closed"

    to_cap = WebhookDelivery.objects.filter(subscription=as_cap).order_by("pk")
    assert [d.event_type for d in to_cap] == ["incident.reported", "incident.updated", "incident.closed"]
    request = webhook_request(to_cap[2])
    assert request.get_header("Content-type").startswith("application/cap+xml")
    alert = ET.fromstring(request.data)  # noqa: S314 - our own document
    assert alert.find("{urn:oasis:names:tc:emergency:cap:1.2}msgType").text == "Update"
    headers = {k.lower(): v for k, v in request.header_items()}
    # The receiver checks the signature over the XML as sent (Standard Webhooks' scheme, any body).
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    signed = Webhook(as_cap.secret).sign(msg_id=headers["webhook-id"], timestamp=sent_at, data=request.data.decode())
    assert headers["webhook-signature"] == signed


def test_the_answer_names_the_county_whose_area_holds_the_place(pipeline):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from emergency.models import CountyContact

    point = at(pipeline, 3000.0)
    assert isolation_answer(location=point)["contacts"]["county"] == []  # north of every demo county
    box = Polygon.from_bbox((point.x - 0.05, point.y - 0.05, point.x + 0.05, point.y + 0.05))
    CountyContact.objects.create(
        county="测试县",
        name="张值班",
        role="县应急管理局值班室",
        phone="0546-1234567",
        area=MultiPolygon(box, srid=4326),
    )
    contacts = isolation_answer(location=point)["contacts"]
    assert contacts["county"] == [
        {"county": "测试县", "name": "张值班", "role": "县应急管理局值班室", "phone": "0546-1234567"}
    ]
    assert contacts["company"]["name"] == pipeline.company.name
