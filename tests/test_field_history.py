"""The hazard's field-change history reads as people wrote it (Chinese labels, readable values),
and the history button shows the hazard's own history, not Django's admin log."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from auditlog.context import set_actor
from django.test import Client
from django.urls import reverse

from hazards import services
from hazards.models import Hazard
from inspections.models import InspectionCampaign
from tests.factories import HazardFactory

pytestmark = pytest.mark.django_db

INTERNALS = ("None", "False", "True", "escalations", "webhook", "Escalation", "ID", "version", "updated")


class _Text(HTMLParser):
    """The text inside the element with the given id."""

    def __init__(self, element_id):
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def _text(html, element_id):
    parser = _Text(element_id)
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).replace(" :", ":").strip()


@pytest.fixture
def worked_on(inspector):
    """A hazard reported, corrected and assigned by the inspector, as the admin's requests would."""
    campaign = InspectionCampaign.objects.order_by("pk").first()
    with set_actor(inspector):
        hazard = services.hazard_report(hazard=HazardFactory.build(pipeline=_pipeline(), place=""), actor=inspector)
        services.hazard_update_findings(
            hazard=hazard,
            actor=inspector,
            changes={"level": "major", "place": "河口区孤岛镇", "campaign": campaign, "found_on": date(2026, 11, 18)},
        )
        services.hazard_assign(hazard=Hazard.objects.get(pk=hazard.pk), actor=inspector, deadline=date(2026, 12, 20))
    return Hazard.objects.get(pk=hazard.pk), campaign


def _pipeline():
    from pipelines.models import Pipeline

    return Pipeline.objects.order_by("pk").first()


def test_field_changes_show_labels_and_readable_values(worked_on, inspector):
    hazard, campaign = worked_on
    client = Client()
    client.force_login(inspector)
    page = client.get(reverse("admin:hazards_hazard_change", args=[hazard.pk]))
    assert page.status_code == 200
    panel = _text(page.content.decode(), "hazard-field-changes")
    assert panel, "the field changes panel is missing"
    for internal in INTERNALS:
        assert internal not in panel, (internal, panel)
    assert "隐患等级: 一般隐患 → 重大隐患" in panel
    assert "地点: — → 河口区孤岛镇" in panel
    assert f"排查行动: — → {campaign}" in panel
    assert "发现日期: 2026-05-01 → 2026-11-18" in panel
    assert "整改期限: — → 2026-12-20" in panel
    assert str(inspector) in panel and re.search(r"[\u4e00-\u9fff]{2,4}", str(inspector))


def test_history_button_shows_the_hazards_own_history(worked_on, inspector):
    hazard, _ = worked_on
    client = Client()
    client.force_login(inspector)
    page = client.get(reverse("admin:hazards_hazard_history", args=[hazard.pk])).content.decode()
    lifecycle = _text(page, "hazard-history")
    assert "上报" in lifecycle and "交办" in lifecycle
    changes = _text(page, "hazard-field-changes")
    assert "隐患等级: 一般隐患 → 重大隐患" in changes
    for internal in INTERNALS:
        assert internal not in changes
    # Not Django's own admin log (which knows nothing of the services' changes).
    assert "change-history" not in page


def test_history_page_is_scoped_to_the_company(worked_on):
    from accounts.models import User

    hazard, _ = worked_on
    other = User.objects.filter(username__startswith="company").exclude(company=hazard.company).first()
    client = Client()
    client.force_login(other)
    response = client.get(reverse("admin:hazards_hazard_history", args=[hazard.pk]))
    assert response.status_code in (302, 403, 404)
    assert "重大隐患" not in response.content.decode()


def test_chinese_names_family_name_first(inspector):
    inspector.last_name, inspector.first_name = "张", "建国"
    assert inspector.get_full_name() == "张建国"
    assert str(inspector) == "张建国"
    assert inspector.get_short_name() == "张建国"


def test_field_change_log_in_the_admin_is_readable(worked_on, admin_client):
    from auditlog.models import LogEntry

    from tests.test_admin_chinese import english_words

    hazard, _ = worked_on
    listing = admin_client.get(reverse("admin:auditlog_logentry_changelist")).content.decode()
    assert english_words(listing) == set()
    assert "escalations" not in listing and "webhook" not in listing
    assert "隐患等级、地点" in listing or "地点、隐患等级" in listing or "隐患等级" in listing
    entry = LogEntry.objects.filter(object_pk=str(hazard.pk), action=LogEntry.Action.UPDATE).order_by("pk").first()
    page = admin_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()
    assert english_words(page) == set()
    text = _text(page, "content-main")
    assert "隐患等级: 一般隐患 → 重大隐患" in text
    for internal in INTERNALS:
        assert internal not in text, internal
