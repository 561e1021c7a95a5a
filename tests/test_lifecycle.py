"""The closed loop, walked through the services as the admin and API use them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from common.errors import ConcurrentChange, DomainError, IllegalTransition, NotPermitted
from hazards import services
from hazards.choices import HazardStatus
from hazards.lifecycle import STEPS, allowed_pairs
from hazards.models import DeadlinePolicy, Hazard, HazardTransition
from tests.conftest import PDF_BYTES, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def hazard(inspector):
    """A freshly reported hazard of the first demo company."""
    template = Hazard.objects.filter(pipeline__isnull=False).order_by("pk").first()
    new = Hazard(
        source="inspection",
        company=template.company,
        pipeline=template.pipeline,
        location=template.location,
        category="encroachment",
        level="general",
        description="管道上方新建彩钢房",
        found_on=timezone.localdate(),
    )
    return services.hazard_report(hazard=new, actor=inspector)


@pytest.fixture
def staff(hazard):
    return User.objects.get(company=hazard.company, username__startswith="company")


def _evidence(name="after.jpg", content=None):
    return SimpleUploadedFile(name, content or jpeg_bytes(), content_type="image/jpeg")


def _walk_to_submitted(hazard, inspector, staff):
    hazard = services.hazard_assign(hazard=hazard, actor=inspector, comment="请按期整改")
    work = services.hazard_start(hazard=hazard, actor=staff, measures="拆除彩钢房", responsible_person="王五")
    services.rectification_update(
        rectification=work, actor=staff, changes={"progress_percent": 60, "progress_note": "已拆除一半"}
    )
    services.evidence_add(rectification=work, actor=staff, file=_evidence(), description="拆除后照片")
    return services.hazard_submit(hazard=hazard, actor=staff, comment="已完成整改")


def test_the_whole_loop_with_a_rejection_round(hazard, inspector, staff):
    hazard = _walk_to_submitted(hazard, inspector, staff)
    hazard = services.hazard_reject(hazard=hazard, actor=inspector, reason="现场仍有地基未清除")
    assert hazard.status == HazardStatus.REJECTED
    second = services.hazard_start(hazard=hazard, actor=staff, measures="清除地基", responsible_person="王五")
    services.evidence_add(rectification=second, actor=staff, file=_evidence("base.pdf", PDF_BYTES))
    hazard = services.hazard_submit(hazard=hazard, actor=staff)
    hazard = services.hazard_accept(hazard=hazard, actor=inspector, comment="整改到位,同意销号")

    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED and hazard.closed_at is not None and not hazard.is_overdue
    rounds = list(hazard.rectifications.order_by("created_at", "id"))
    assert [r.outcome for r in rounds] == ["rejected", "accepted"]
    assert rounds[0].review_comment == "现场仍有地基未清除" and rounds[0].reviewed_by == inspector
    assert rounds[1].evidence.get().content_type == "application/pdf"

    history = list(hazard.history.order_by("created_at", "id"))
    assert [(h.action, h.from_status, h.to_status) for h in history] == [
        ("report", "", "reported"),
        ("assign", "reported", "assigned"),
        ("start", "assigned", "rectifying"),
        ("progress", "rectifying", "rectifying"),
        ("evidence", "rectifying", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("reject", "submitted", "rejected"),
        ("start", "rejected", "rectifying"),
        ("evidence", "rectifying", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("accept", "submitted", "closed"),
    ]
    assert [h.actor for h in history if h.action in ("assign", "reject", "accept")] == [inspector] * 3
    assert {h.actor for h in history if h.action in ("start", "submit", "evidence", "progress")} == {staff}
    assert history[6].comment == "现场仍有地基未清除"
    assert history[1].details["deadline"] == str(hazard.deadline)
    # Every state change of the loop is one the database also allows.
    assert {(h.from_status, h.to_status) for h in history if h.from_status != h.to_status} - {("", "reported")} <= (
        allowed_pairs()
    )


def test_deadline_comes_from_the_table(hazard, inspector):
    DeadlinePolicy.objects.update_or_create(level="general", category="encroachment", defaults={"days": 12})
    hazard = services.hazard_assign(hazard=hazard, actor=inspector)
    assert hazard.deadline == timezone.localdate() + timedelta(days=12)


def test_every_illegal_transition_is_refused(hazard, inspector, staff):
    runners = {
        "assign": lambda h: services.hazard_assign(hazard=h, actor=inspector),
        "start": lambda h: services.hazard_start(hazard=h, actor=staff, measures="x", responsible_person="y"),
        "submit": lambda h: services.hazard_submit(hazard=h, actor=staff),
        "accept": lambda h: services.hazard_accept(hazard=h, actor=inspector),
        "reject": lambda h: services.hazard_reject(hazard=h, actor=inspector, reason="r"),
        "reopen": lambda h: services.hazard_reopen(hazard=h, actor=inspector, reason="r"),
    }
    demo = {status: Hazard.objects.filter(status=status).first() for status in HazardStatus.values}
    demo[HazardStatus.REPORTED] = hazard
    tried = 0
    for status, sample in demo.items():
        for action, run in runners.items():
            if status in STEPS[action].sources:
                continue
            before = (sample.status, sample.version, sample.history.count())
            with pytest.raises((IllegalTransition, NotPermitted)):
                run(sample)
            sample.refresh_from_db()
            assert (sample.status, sample.version, sample.history.count()) == before
            tried += 1
    assert tried == 6 * 6 - sum(len(STEPS[a].sources) for a in runners)


def test_database_guards_follow_the_life_cycle_table():
    from hazards.lifecycle_pairs import ALLOWED_STATUS_PAIRS

    assert allowed_pairs() == set(ALLOWED_STATUS_PAIRS)


def test_database_refuses_a_status_jump_whoever_writes_it(hazard):
    with pytest.raises(IntegrityError), transaction.atomic():
        Hazard.objects.filter(pk=hazard.pk).update(status="closed", closed_at=timezone.now())


def test_history_is_append_only(hazard):
    entry = hazard.history.get()
    entry.comment = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        HazardTransition.objects.filter(pk=entry.pk).update(comment="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        # Even below the ORM's guards, the database refuses.
        HazardTransition._base_manager.filter(pk=entry.pk).update(comment="rewritten")
    assert HazardTransition.objects.get(pk=entry.pk).comment == ""


def test_company_staff_cannot_assign_accept_or_edit_findings(hazard, inspector, staff):
    with pytest.raises(NotPermitted):
        services.hazard_assign(hazard=hazard, actor=staff)
    with pytest.raises(NotPermitted):
        services.hazard_update_findings(hazard=hazard, actor=staff, changes={"description": "改写"})
    hazard = _walk_to_submitted(hazard, inspector, staff)
    with pytest.raises(NotPermitted):
        services.hazard_accept(hazard=hazard, actor=staff)


def test_staff_of_another_company_cannot_touch_the_hazard(hazard, inspector):
    outsider = User.objects.filter(username__startswith="company").exclude(company=hazard.company).first()
    hazard = services.hazard_assign(hazard=hazard, actor=inspector)
    with pytest.raises(NotPermitted):
        services.hazard_start(hazard=hazard, actor=outsider, measures="x", responsible_person="y")


def test_submit_needs_evidence(hazard, inspector, staff):
    hazard = services.hazard_assign(hazard=hazard, actor=inspector)
    services.hazard_start(hazard=hazard, actor=staff, measures="拆除", responsible_person="王五")
    with pytest.raises(DomainError, match=r"evidence|证明|材料|整改"):
        services.hazard_submit(hazard=hazard, actor=staff)
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.RECTIFYING


def test_reject_and_reopen_need_a_reason(hazard, inspector, staff):
    hazard = _walk_to_submitted(hazard, inspector, staff)
    with pytest.raises(DomainError):
        services.hazard_reject(hazard=hazard, actor=inspector, reason="  ")
    hazard = services.hazard_accept(hazard=hazard, actor=inspector)
    with pytest.raises(DomainError):
        services.hazard_reopen(hazard=hazard, actor=inspector, reason="")
    hazard = services.hazard_reopen(hazard=hazard, actor=inspector, reason="复查发现复建")
    assert hazard.status == HazardStatus.ASSIGNED and hazard.closed_at is None and hazard.deadline


def test_extension_needs_reason_later_date_and_an_approver(hazard, inspector, manager):
    hazard = services.hazard_assign(hazard=hazard, actor=inspector)
    later = hazard.deadline + timedelta(days=20)
    with pytest.raises(DomainError):
        services.hazard_extend_deadline(hazard=hazard, actor=inspector, new_deadline=later, reason="", approver=manager)
    with pytest.raises(DomainError):  # an inspector cannot approve
        services.hazard_extend_deadline(
            hazard=hazard, actor=inspector, new_deadline=later, reason="汛期", approver=inspector
        )
    with pytest.raises(DomainError):
        services.hazard_extend_deadline(
            hazard=hazard, actor=inspector, new_deadline=hazard.deadline, reason="汛期", approver=manager
        )
    hazard = services.hazard_extend_deadline(
        hazard=hazard, actor=inspector, new_deadline=later, reason="汛期无法施工", approver=manager
    )
    entry = hazard.history.get(action="extend")
    assert entry.details["new_deadline"] == str(later) and entry.details["approver"] == manager.pk
    assert entry.comment == "汛期无法施工"


def test_concurrent_change_is_detected_not_overwritten(hazard, inspector):
    seen = hazard.version
    services.hazard_update_findings(hazard=hazard, actor=inspector, changes={"place": "甲村"}, expected_version=seen)
    with pytest.raises(ConcurrentChange):
        services.hazard_assign(hazard=hazard, actor=inspector, expected_version=seen)
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED and hazard.place == "甲村"


def test_closed_hazard_findings_are_frozen(inspector):
    closed = Hazard.objects.filter(status=HazardStatus.CLOSED).first()
    with pytest.raises(IllegalTransition):
        services.hazard_update_findings(hazard=closed, actor=inspector, changes={"description": "改"})


def test_company_cannot_be_changed_once_assigned(hazard, inspector):
    other = Hazard.objects.exclude(company=hazard.company).first().company
    hazard = services.hazard_assign(hazard=hazard, actor=inspector)
    with pytest.raises(DomainError):
        services.hazard_update_findings(hazard=hazard, actor=inspector, changes={"company": other})
