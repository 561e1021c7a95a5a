"""The hazard workflow forms: refusals shown under their own fields, only what
the user changed recorded, a new round prefilled from the previous one, and
a closed hazard's page read-only. The same in Chromium, with every date, is
in tests/test_browser_lifecycle.py."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from common.errors import DomainError
from hazards import services
from hazards.models import Hazard

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _workflow(hazard, action):
    return reverse("admin:hazards_hazard_workflow", args=[hazard.pk, action])


def _field_errors(page, field):
    """The error list inside the form row of ``field``."""
    html = page.content.decode()
    row = re.search(
        rf'<div class="form-row errors">\s*(<ul class="errorlist.*?</ul>)\s*<div[^>]*>.*?id="id_{field}"', html, re.S
    )
    return re.sub(r"<[^>]+>", " ", row.group(1)).split() if row else []


def _hazard(status):
    return Hazard.objects.filter(status=status).order_by("pk").first()


def _staff(hazard):
    return User.objects.get(company=hazard.company, username__startswith="company")


def test_an_extension_refused_says_so_under_the_field(inspector):
    hazard = _hazard("rectifying")
    page = _client(inspector).post(
        _workflow(hazard, "extend"),
        {
            "version": hazard.version,
            "new_deadline": hazard.deadline.isoformat(),
            "approver": User.objects.get(username="manager").pk,
            "comment": "需要更多时间",
        },
    )
    assert page.status_code == 200
    assert _field_errors(page, "new_deadline") == [f"新整改期限须晚于当前整改期限（{hazard.deadline.isoformat()}）。"]
    assert 'class="errornote"' not in page.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).deadline == hazard.deadline


def test_a_reopen_with_a_past_deadline_says_so_under_the_field(inspector):
    hazard = _hazard("closed")
    past = timezone.localdate() - timedelta(days=2)
    page = _client(inspector).post(
        _workflow(hazard, "reopen"),
        {"version": hazard.version, "deadline": past.isoformat(), "comment": "复查发现反弹"},
    )
    assert _field_errors(page, "deadline") == ["整改期限不得早于今天。"]
    assert f'value="{past.isoformat()}"' in page.content.decode()  # what was typed stays, as ISO
    assert Hazard.objects.get(pk=hazard.pk).status == "closed"


def test_progress_records_only_what_changed():
    hazard = _hazard("rectifying")
    staff = _staff(hazard)
    work = services.rectification_current(hazard=hazard)
    planned = timezone.localdate() + timedelta(days=20)
    services.rectification_update(
        rectification=work,
        actor=staff,
        changes={"planned_completion_on": planned, "progress_note": "已完成一半", "progress_percent": 50},
    )
    hazard.refresh_from_db()
    # The form as the browser posts it: everything shown, only the percentage changed, no note.
    post = {
        "version": hazard.version,
        "measures": work.measures,
        "responsible_person": work.responsible_person,
        "responsible_phone": work.responsible_phone,
        "progress_percent": 70,
        "planned_completion_on": planned.isoformat(),
        "comment": "",
    }
    page = _client(staff).post(_workflow(hazard, "progress"), post)
    assert page.status_code == 302
    work.refresh_from_db()
    assert (work.progress_percent, work.progress_note, work.planned_completion_on) == (70, "已完成一半", planned)
    assert hazard.history.filter(action="progress").latest("created_at").details["fields"] == ["progress_percent"]


def test_a_progress_record_with_nothing_changed_is_refused():
    hazard = _hazard("rectifying")
    with pytest.raises(DomainError, match=r"没有需要登记的内容|Nothing to record"):
        services.rectification_update(
            rectification=services.rectification_current(hazard=hazard), actor=_staff(hazard), changes={}
        )


def test_a_round_cannot_plan_to_finish_before_it_starts():
    hazard = _hazard("assigned")
    with pytest.raises(DomainError) as refused:
        services.hazard_start(
            hazard=hazard,
            actor=_staff(hazard),
            measures="清理",
            responsible_person="赵六",
            planned_completion_on=timezone.localdate() - timedelta(days=1),
        )
    assert refused.value.field == "planned_completion_on"
    assert not hazard.rectifications.exists()


def test_a_new_round_after_a_rejection_starts_from_the_previous_one():
    hazard = _hazard("rejected")
    previous = services.rectification_latest(hazard=hazard)
    page = _client(_staff(hazard)).get(_workflow(hazard, "start"))
    html = page.content.decode()
    assert previous.measures in html and f'value="{previous.responsible_person}"' in html
    if previous.planned_completion_on:
        assert f'value="{previous.planned_completion_on.isoformat()}"' in html


def test_a_closed_hazard_is_shown_read_only(inspector):
    hazard = _hazard("closed")
    client = _client(inspector)
    page = client.get(reverse("admin:hazards_hazard_change", args=[hazard.pk]))
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert 'data-action="reopen"' in html
    # A post to the page is refused and changes nothing.
    refused = client.post(reverse("admin:hazards_hazard_change", args=[hazard.pk]), {"description": "改写"})
    assert refused.status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).description == hazard.description
    # An open hazard still has its save buttons.
    page = client.get(reverse("admin:hazards_hazard_change", args=[_hazard("assigned").pk]))
    assert 'name="_save"' in page.content.decode()
