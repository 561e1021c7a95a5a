"""The closed loop in the admin: buttons per role and state, forms that call
the services, concurrent edits reported instead of lost, history shown."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from common.errors import ConcurrentChange
from hazards.models import Hazard
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def _change(hazard):
    return reverse("admin:hazards_hazard_change", args=[hazard.pk])


def _workflow(hazard, action):
    return reverse("admin:hazards_hazard_workflow", args=[hazard.pk, action])


def _buttons(page):
    return set(re.findall(r'class="workflow-action" data-action="([a-z_]+)"', page.text))


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reported():
    return Hazard.objects.filter(status="reported").order_by("pk").first()


@pytest.fixture
def staff_of():
    return lambda hazard: User.objects.get(company=hazard.company, username__startswith="company")


def test_buttons_follow_role_and_state(inspector, manager, staff_of):
    cases = {
        "reported": ({"assign", "photo"}, set()),
        "assigned": ({"extend", "photo"}, {"start"}),
        "rectifying": ({"extend", "photo"}, {"progress", "evidence", "submit"}),
        "submitted": ({"accept", "reject", "extend", "photo"}, set()),
        "rejected": ({"extend", "photo"}, {"start"}),
        "closed": ({"reopen"}, set()),
    }
    for status, (for_inspector, for_company) in cases.items():
        hazard = Hazard.objects.filter(status=status).order_by("pk").first()
        assert _buttons(_client(inspector).get(_change(hazard))) == for_inspector, status
        assert _buttons(_client(staff_of(hazard)).get(_change(hazard))) == for_company, status
        assert _buttons(_client(manager).get(_change(hazard))) == set(), status


def test_inspector_assigns_with_the_default_deadline(inspector, reported):
    client = _client(inspector)
    form = client.get(_workflow(reported, "assign"))
    assert form.status_code == 200
    default = form.context["form"].initial["deadline"]
    response = client.post(
        _workflow(reported, "assign"), {"version": reported.version, "deadline": default, "comment": "限期整改"}
    )
    assert response.status_code == 302 and response.url == _change(reported)
    reported.refresh_from_db()
    assert reported.status == "assigned" and reported.deadline == default
    page = client.get(_change(reported))
    assert page.text.count('class="history-row"') == reported.history.count() == 2
    assert "限期整改" in page.text


def test_two_inspectors_at_once_one_wins_the_other_is_told(inspector, reported):
    other = User.objects.get(username="inspector2")
    first, second = _client(inspector), _client(other)
    seen = reported.version
    response = first.post(_workflow(reported, "assign"), {"version": seen, "deadline": "", "comment": ""})
    assert response.status_code == 302
    response = second.post(_workflow(reported, "assign"), {"version": seen, "deadline": "", "comment": "我来交办"})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert str(ConcurrentChange.default_message) in response.text
    reported.refresh_from_db()
    assert reported.history.filter(action="assign").count() == 1
    # On the edit form, the second save of the same version is refused with a clear message.
    data = _form_data(first.get(_change(reported)))
    data["description"] = "第一位监管人员的修改"
    assert first.post(_change(reported), data).status_code == 302
    data["description"] = "第二位监管人员的修改"
    response = second.post(_change(reported), data)
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert str(ConcurrentChange.default_message) in response.text
    reported.refresh_from_db()
    assert reported.description == "第一位监管人员的修改"


def test_stale_workflow_form_is_refused(inspector, manager):
    hazard = Hazard.objects.filter(status="submitted").order_by("pk").first()
    client = _client(inspector)
    seen = hazard.version
    client.post(
        _workflow(hazard, "extend"),
        {"version": seen, "new_deadline": "2030-01-01", "approver": manager.pk, "comment": "汛期"},
    )
    response = client.post(_workflow(hazard, "accept"), {"version": seen, "comment": "同意"})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert str(ConcurrentChange.default_message) in response.text
    hazard.refresh_from_db()
    assert hazard.status == "submitted"


def test_company_staff_rectify_and_submit_from_the_hazard_page(staff_of, inspector):
    hazard = Hazard.objects.filter(status="assigned").order_by("pk").first()
    client = _client(staff_of(hazard))
    page = client.get(_change(hazard))
    assert 'name="_save"' not in page.text  # findings are read-only for the company
    client.post(
        _workflow(hazard, "start"),
        {"version": hazard.version, "measures": "加设警示桩", "responsible_person": "赵六", "comment": ""},
    )
    hazard.refresh_from_db()
    assert hazard.status == "rectifying"
    client.post(
        reverse("admin:hazards_hazard_evidence_add", args=[hazard.pk]),
        {"file": SimpleUploadedFile("桩.jpg", jpeg_bytes()), "description": "新设警示桩"},
    )
    hazard.refresh_from_db()
    response = client.post(_workflow(hazard, "submit"), {"version": hazard.version, "comment": "请验收"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "submitted"
    # The company cannot accept its own work: no button, and a forged POST is refused.
    assert client.get(_workflow(hazard, "accept")).status_code == 302
    response = client.post(_workflow(hazard, "accept"), {"version": hazard.version, "comment": ""})
    assert response.status_code == 200
    assert Hazard.objects.get(pk=hazard.pk).status == "submitted"
    # The inspector closes it.
    response = _client(inspector).post(_workflow(hazard, "accept"), {"version": hazard.version, "comment": "同意销号"})
    assert response.status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).status == "closed"


def test_bulk_assign_from_the_list(inspector):
    hazards = list(Hazard.objects.filter(status="reported").order_by("pk")[:3])
    extra = Hazard.objects.filter(status="closed").first()
    response = _client(inspector).post(
        reverse("admin:hazards_hazard_changelist"),
        {"action": "assign_with_default_deadlines", "_selected_action": [h.pk for h in [*hazards, extra]]},
        follow=True,
    )
    assert response.status_code == 200
    assert Hazard.objects.filter(pk__in=[h.pk for h in hazards], status="assigned").count() == 3
    assert extra.code in response.text  # the closed one is named in a warning, not changed
    assert Hazard.objects.get(pk=extra.pk).status == "closed"


def _form_data(page):
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.json if hasattr(value, "json") else value
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data
