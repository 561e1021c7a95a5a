import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from common.errors import DomainError, NotPermitted
from escalations.models import Escalation, EscalationKind, EscalationNumberSequence
from escalations.services import escalation_issue, escalation_issue_if_missing
from hazards.choices import HazardStatus
from hazards.models import Hazard, HazardTransition, TransitionAction
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db

ORDER = EscalationKind.SUPERVISION_ORDER
INTERVIEW = EscalationKind.INTERVIEW


@pytest.fixture(autouse=True)
def no_demo_escalations(db):
    """The demo city comes with escalations of its overdue hazards; these tests start without."""
    Escalation.objects.all().delete()
    EscalationNumberSequence.objects.all().delete()


@pytest.fixture
def inspector():
    return User.objects.get(username="inspector1")


@pytest.fixture
def overdue():
    return Hazard.objects.filter(is_overdue=True).order_by("pk").first()


def _overdue_of_other_companies(hazard, count):
    """Overdue hazards of ``count`` other companies, one each."""
    found = {}
    for other in Hazard.objects.filter(is_overdue=True).exclude(company=hazard.company).order_by("pk"):
        found.setdefault(other.company_id, other)
    assert len(found) >= count
    return list(found.values())[:count]


def _staff_of(company):
    user = User.objects.create_user("company-clerk", password="pw-Test-2026", is_staff=True, company=company)
    user.groups.add(Group.objects.get(name="company_staff"))
    return user


def _order(hazard, **kwargs):
    return escalation_issue(hazard=hazard, kind=ORDER, today=DEMO_TODAY, **kwargs)


# --- services ------------------------------------------------------------


def test_supervision_order_is_numbered_and_recorded_in_the_history(overdue, inspector):
    order = _order(overdue, actor=inspector)

    assert re.fullmatch(r"DB-2026-\d{3}", order.number)
    assert order.company == overdue.company
    assert order.deadline_at_issue == overdue.deadline
    assert order.issued_on == DEMO_TODAY
    assert order.issued_by == inspector
    assert order.reply_by == DEMO_TODAY + timedelta(days=15)
    for words in (overdue.company.name, overdue.code, "挂牌督办", "2026年12月6日"):
        assert words in order.text
    entry = HazardTransition.objects.filter(hazard=overdue).latest("id")
    assert entry.action == TransitionAction.ESCALATE == "escalate"
    assert entry.actor == inspector
    assert order.number in entry.comment
    assert entry.details == {"escalation": order.pk, "kind": ORDER}


def test_numbers_are_sequential_per_kind(overdue):
    first, second = _overdue_of_other_companies(overdue, 2)
    numbers = [_order(hazard).number for hazard in (overdue, first, second)]
    counters = [int(number[-3:]) for number in numbers]
    assert counters == [counters[0], counters[0] + 1, counters[0] + 2]
    interview = escalation_issue(hazard=overdue, kind=INTERVIEW, today=DEMO_TODAY)
    assert re.fullmatch(r"YT-2026-\d{3}", interview.number)


def test_issue_and_history_share_one_transaction(overdue):
    """If the history row cannot be written, no escalation (and no number) is kept."""

    def refuse_history(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "hazards_hazardtransition"'):
            raise IntegrityError("history refused")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_history), pytest.raises(IntegrityError):
        _order(overdue)
    assert not overdue.escalations.exists()
    assert _order(overdue).number.endswith("-001")  # the number was not used up


def test_the_same_step_is_issued_once_per_deadline(overdue):
    order = _order(overdue)
    history = HazardTransition.objects.filter(hazard=overdue).count()

    with pytest.raises(DomainError) as excinfo:
        _order(overdue)
    assert order.number in str(excinfo.value)
    assert escalation_issue_if_missing(hazard=overdue, kind=ORDER, today=DEMO_TODAY) is None
    assert overdue.escalations.count() == 1
    assert HazardTransition.objects.filter(hazard=overdue).count() == history


def test_a_new_deadline_is_a_new_step(overdue):
    _order(overdue)
    Hazard.objects.filter(pk=overdue.pk).update(deadline=DEMO_TODAY + timedelta(days=10))
    assert escalation_issue_if_missing(hazard=overdue, kind=ORDER, today=DEMO_TODAY) is not None
    assert overdue.escalations.count() == 2


def test_the_job_variant_issues_when_missing(overdue):
    order = escalation_issue_if_missing(hazard=overdue, kind=ORDER, today=DEMO_TODAY)
    assert order is not None
    assert order.issued_by is None  # the system
    assert escalation_issue_if_missing(hazard=overdue, kind=ORDER, today=DEMO_TODAY) is None


def test_database_refuses_a_second_escalation_of_the_same_step(overdue):
    order = _order(overdue)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            kind=ORDER,
            number="DB-2026-999",
            hazard=overdue,
            company=overdue.company,
            deadline_at_issue=order.deadline_at_issue,
            issued_on=DEMO_TODAY,
            text="重复",
        )


@pytest.mark.parametrize(
    "fields", [{"kind": "warning"}, {"number": "X-1"}, {"reply_by": DEMO_TODAY - timedelta(days=1)}]
)
def test_database_refuses_malformed_escalations(overdue, fields):
    values = {
        "kind": ORDER,
        "number": "DB-2026-998",
        "hazard": overdue,
        "company": overdue.company,
        "deadline_at_issue": overdue.deadline,
        "issued_on": DEMO_TODAY,
        "text": "正文",
        **fields,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(**values)


def test_an_interview_needs_a_supervision_order_first(overdue):
    with pytest.raises(DomainError):
        escalation_issue(hazard=overdue, kind=INTERVIEW, today=DEMO_TODAY)
    assert not overdue.escalations.exists()

    order = _order(overdue)
    interview = escalation_issue(hazard=overdue, kind=INTERVIEW, today=DEMO_TODAY, place="市应急管理局三楼会议室")
    assert interview.reply_by == DEMO_TODAY + timedelta(days=7)
    for words in (order.number, "约谈", "主要负责人", "市应急管理局三楼会议室"):
        assert words in interview.text


@pytest.mark.parametrize("status", [HazardStatus.CLOSED, HazardStatus.REPORTED])
def test_closed_and_reported_hazards_are_not_escalated(status):
    hazard = Hazard.objects.filter(status=status).first()
    with pytest.raises(DomainError) as excinfo:
        _order(hazard)
    assert hazard.code in str(excinfo.value)
    assert not hazard.escalations.exists()
    with pytest.raises(DomainError):  # the job variant only skips steps already taken
        escalation_issue_if_missing(hazard=hazard, kind=ORDER, today=DEMO_TODAY)


def test_company_staff_cannot_issue(overdue):
    staff = _staff_of(overdue.company)
    with pytest.raises(NotPermitted):
        _order(overdue, actor=staff)
    assert not overdue.escalations.exists()


def test_an_inspector_cannot_backdate_the_reply(overdue, inspector):
    with pytest.raises(DomainError):
        _order(overdue, actor=inspector, reply_by=DEMO_TODAY - timedelta(days=1))
    assert not overdue.escalations.exists()


# --- admin ---------------------------------------------------------------


def test_company_staff_see_only_their_company(client, overdue):
    other = _overdue_of_other_companies(overdue, 1)[0]
    own, foreign = _order(overdue), _order(other)
    client.force_login(_staff_of(overdue.company))

    listing = client.get(reverse("admin:escalations_escalation_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [own]
    assert client.get(reverse("admin:escalations_escalation_print", args=[own.pk])).status_code == 200
    assert client.get(reverse("admin:escalations_escalation_print", args=[foreign.pk])).status_code == 404
    change = client.get(reverse("admin:escalations_escalation_change", args=[foreign.pk]), follow=True)
    assert change.redirect_chain[-1][0] == reverse("admin:index")
    assert "doesn’t exist" in change.text or "不存在" in change.text
    assert client.get(reverse("admin:escalations_escalation_add")).status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_print_page_is_a_chinese_document(admin_client, overdue, language):
    order = _order(overdue)
    interview = escalation_issue(hazard=overdue, kind=INTERVIEW, today=DEMO_TODAY, place="会议室")
    admin_client.cookies["django_language"] = language

    page = admin_client.get(reverse("admin:escalations_escalation_print", args=[order.pk])).text
    for words in ("油气管道安全隐患整改督办单", order.number, overdue.company.name, overdue.code):
        assert words in page
    assert "东营市油气管道保护工作主管部门" in page
    assert "2026年11月21日" in page
    assert "@page" in page and "window.print()" in page
    assert 'id="header"' not in page  # no admin chrome
    with translation.override("zh-hans"):
        assert overdue.get_category_display() in page
    with translation.override("en"):
        assert overdue.get_category_display() not in page

    page = admin_client.get(reverse("admin:escalations_escalation_print", args=[interview.pk])).text
    assert "油气管道安全生产约谈通知书" in page
    assert "会议室" in page


def test_change_page_is_read_only_and_links_to_print(admin_client, overdue):
    order = _order(overdue)
    page = admin_client.get(reverse("admin:escalations_escalation_change", args=[order.pk]))
    assert page.status_code == 200
    assert reverse("admin:escalations_escalation_print", args=[order.pk]) in page.text
    assert 'name="_save"' not in page.text
    assert admin_client.post(reverse("admin:escalations_escalation_change", args=[order.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:escalations_escalation_delete", args=[order.pk])).status_code == 403


def test_admin_add_form_issues_and_reports_refusals(client, overdue, inspector):
    client.force_login(inspector)
    url = reverse("admin:escalations_escalation_add")
    assert client.get(url).status_code == 200
    search = {"app_label": "escalations", "model_name": "escalation", "field_name": "hazard", "term": overdue.code}
    found = client.get(reverse("admin:autocomplete"), search).json()["results"]
    assert str(overdue.pk) in [row["id"] for row in found]
    data = {"hazard": overdue.pk, "kind": ORDER, "reply_by": "", "place": "", "text": ""}
    escalated = HazardTransition.objects.filter(hazard=overdue, action=TransitionAction.ESCALATE)
    before = escalated.count()

    response = client.post(url, data)
    assert response.status_code == 302
    order = overdue.escalations.get()
    assert order.issued_by == inspector
    assert overdue.code in order.text
    assert escalated.count() == before + 1

    response = client.post(url, data)
    assert response.status_code == 200
    assert order.number in str(response.context["adminform"].form.non_field_errors())
    assert order.number in response.text
    assert overdue.escalations.count() == 1

    interview = {**data, "kind": INTERVIEW, "text": "请你单位主要负责人按时参加约谈。"}
    assert client.post(url, interview).status_code == 302
    assert overdue.escalations.get(kind=INTERVIEW).text == interview["text"]


def test_list_makes_no_query_per_row(admin_client, overdue, inspector):
    url = reverse("admin:escalations_escalation_changelist")
    hazards = [overdue, *_overdue_of_other_companies(overdue, 4)]
    orders = [_order(hazard, actor=inspector if n % 2 else None) for n, hazard in enumerate(hazards)]
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as full:
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == len(orders)
    with CaptureQueriesContext(connection) as narrow:
        response = admin_client.get(url, {"q": orders[0].number})
    assert len(response.context["cl"].result_list) == 1
    assert len(full) <= len(narrow) <= len(full) + 1, [q["sql"] for q in full.captured_queries]


def test_a_notice_states_the_dates_and_days_of_what_happened(overdue):
    from escalations.documents import chinese_date

    ordered_on = DEMO_TODAY - timedelta(days=20)
    order = escalation_issue(hazard=overdue, kind=ORDER, today=ordered_on)
    interview = escalation_issue(hazard=overdue, kind=INTERVIEW, today=DEMO_TODAY)
    late = (DEMO_TODAY - overdue.deadline).days
    for words in (
        f"于{chinese_date(ordered_on)}被挂牌督办(督办单编号{order.number},要求于{chinese_date(order.reply_by)}前完成整改)",
        "督办已20日",
        f"截至{chinese_date(DEMO_TODAY)}仍未完成整改,已超过规定整改期限({chinese_date(overdue.deadline)}){late}日",
    ):
        assert words in interview.text
    # An interview the inspector issues on the day of the order does not count days that did not pass.
    other = _overdue_of_other_companies(overdue, 1)[0]
    _order(other)
    same_day = escalation_issue(hazard=other, kind=INTERVIEW, today=DEMO_TODAY)
    assert "督办已" not in same_day.text and f"于{chinese_date(DEMO_TODAY)}被挂牌督办" in same_day.text
