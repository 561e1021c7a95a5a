"""Patrol organisation (patrols.md): rounds spread over the period, tasks generated each day (idempotent,
night patrols on the sections a theft hotspot touches until it cools), the nightly judgement, agreements
flagged when expired, checkpoints within 50 m of their pipeline, company and team scoping."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import PATROLLER, roles_sync
from accounts.scoping import scope_queryset
from patrols import plans, services
from patrols.choices import Period, TaskKind, TaskStatus, TimeWindow
from patrols.models import Checkpoint, PatrolSection, PatrolTask, PatrolTaskEvent, ProtectionAgreement, Team
from patrols.plans import rounds_on
from pipelines.chainage import pipeline_point_at
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.django_db


# --- rounds over the period ---------------------------------------------------------------


def test_rounds_spread_evenly_over_the_period():
    monday = date(2026, 11, 16)
    week = [rounds_on(frequency=3, period=Period.WEEK, on=monday + timedelta(days=d)) for d in range(7)]
    assert week == [1, 0, 1, 0, 1, 0, 0]  # Monday, Wednesday, Friday
    assert rounds_on(frequency=2, period=Period.DAY, on=monday) == 2
    november = [rounds_on(frequency=1, period=Period.MONTH, on=date(2026, 11, d)) for d in range(1, 31)]
    assert november[0] == 1 and sum(november) == 1
    assert sum(rounds_on(frequency=10, period=Period.WEEK, on=monday + timedelta(days=d)) for d in range(7)) == 10


def test_rounds_rule_checked_by_breaking_it(monkeypatch):
    """Spreading by ``floor(i * days / n)``: with ``ceil`` instead, 3 a week would start on Tuesday."""
    import math

    monday = date(2026, 11, 16)
    broken = lambda *, frequency, period, on: sum(  # noqa: E731
        1
        for i in range(frequency)
        if math.ceil(i * plans.period_position(period, on)[0] / frequency) == plans.period_position(period, on)[1]
    )
    week = [broken(frequency=3, period=Period.WEEK, on=monday + timedelta(days=d)) for d in range(7)]
    assert week != [1, 0, 1, 0, 1, 0, 0]


# --- task generation ------------------------------------------------------------------------


def test_tasks_generated_from_the_sections_and_idempotent():
    """Checked by breaking the rule: with the 'generated' events written for every task of the day instead
    of the ones the run made, the second run reports them created again and the event count doubles."""
    day = DEMO_TODAY + timedelta(days=3)
    first = services.tasks_generate(on=day)
    count = PatrolTask.objects.filter(date=day).count()  # the planned rounds, and night patrols on hotspots
    expected = sum(
        rounds_on(frequency=s.frequency, period=s.period, on=day) for s in PatrolSection.objects.filter(active=True)
    )
    assert PatrolTask.objects.filter(date=day, kind=TaskKind.REGULAR).count() == expected > 0
    assert first["created"] == count
    second = services.tasks_generate(on=day)
    assert second["created"] == 0
    assert PatrolTask.objects.filter(date=day).count() == count
    # Each task once in the history as generated, with the section's team and window.
    assert PatrolTaskEvent.objects.filter(task__date=day, kind="generated").count() == count
    task = PatrolTask.objects.filter(date=day).select_related("section").first()
    assert task.team_id == task.section.team_id and task.time_window == task.section.time_window
    assert task.status == TaskStatus.PLANNED


def test_an_inactive_section_gets_no_task():
    day = DEMO_TODAY + timedelta(days=4)
    section = PatrolSection.objects.filter(period=Period.DAY).first()
    section.active = False
    section.save()
    services.tasks_generate(on=day)
    assert not PatrolTask.objects.filter(date=day, section=section).exists()


def _hotspot(pipeline, day, chainage):
    from security.choices import FoundHow, TapKind
    from security.services import theft_record

    for i, shift in enumerate((0, 200)):
        theft_record(
            pipeline=pipeline,
            location=pipeline_point_at(pipeline=pipeline, chainage_m=chainage + shift),
            found_on=day - timedelta(days=10 - i * 5),
            found_how=FoundHow.choices[0][0],
            tap_kind=TapKind.choices[0][0],
            today=day,
        )


def test_a_theft_hotspot_adds_night_patrols_to_the_sections_it_touches_until_it_cools():
    """Checked by breaking the rule: with the overlap test dropped (every section of the pipeline), the
    sections beyond the hotspot get night patrols and the ``<= touched`` assertion fails; with the hotspot
    ranges read on a fixed day instead of ``on``, the cooled day still has them and the last one fails."""
    from security.hotspots import active_hotspot_ranges

    day = DEMO_TODAY + timedelta(days=5)
    hot_pipelines = {pipeline_id for pipeline_id, _a, _b in active_hotspot_ranges(on=day)}  # the demo's own
    quiet = PatrolSection.objects.exclude(pipeline__in=hot_pipelines).filter(from_m__gt=0).order_by("pk")
    section = quiet.first()
    other = quiet.exclude(pipeline=section.pipeline).first()
    _hotspot(section.pipeline, day, section.from_m + 1000)
    services.tasks_generate(on=day)
    hot = PatrolTask.objects.filter(
        date=day, kind=TaskKind.HOTSPOT, section__pipeline__in=[section.pipeline, other.pipeline]
    )
    assert hot.filter(section=section, time_window=TimeWindow.NIGHT).count() == 1
    assert not hot.filter(section=other).exists()
    touched = {s.pk for s in section.pipeline.patrol_sections.all() if s.from_m < section.from_m + 1700}
    assert set(hot.values_list("section_id", flat=True)) <= touched | {section.pk}
    services.tasks_generate(on=day)  # idempotent with the hotspot too
    assert hot.count() == len(set(hot.values_list("section_id", flat=True)))
    # 90 days after the last incident, the hotspot has cooled: no night patrol any more.
    cooled = day + timedelta(days=100)
    services.tasks_generate(on=cooled)
    assert not PatrolTask.objects.filter(
        date=cooled, kind=TaskKind.HOTSPOT, section__pipeline=section.pipeline
    ).exists()


def test_the_nightly_judgement_marks_tasks_without_fixes_missed():
    day = DEMO_TODAY + timedelta(days=6)
    services.tasks_generate(on=day)
    services.tasks_judge_day(on=day)
    statuses = set(PatrolTask.objects.filter(date=day).values_list("status", flat=True))
    assert statuses == {TaskStatus.MISSED}
    assert PatrolTaskEvent.objects.filter(task__date=day, kind="judged").count() == (
        PatrolTask.objects.filter(date=day).count()
    )


def test_the_demo_yesterday_judged_again_changes_nothing():
    yesterday = DEMO_TODAY - timedelta(days=1)
    before = list(PatrolTask.objects.filter(date=yesterday).order_by("pk").values_list("status", "coverage"))
    events = PatrolTaskEvent.objects.count()
    services.tasks_judge_day(on=yesterday)
    after = list(PatrolTask.objects.filter(date=yesterday).order_by("pk").values_list("status", "coverage"))
    assert before == after and PatrolTaskEvent.objects.count() == events
    assert {s for s, _c in after} == {TaskStatus.DONE, TaskStatus.PARTLY_DONE, TaskStatus.MISSED}


def test_schedule_installed_after_migrate():
    from django_celery_beat.models import PeriodicTask

    from patrols.schedule import schedule_install

    schedule_install()
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"patrols.tasks.tasks_generate_task", "patrols.tasks.tasks_judge_task"} <= names


# --- agreements -------------------------------------------------------------------------------


def test_expired_agreements_are_flagged_in_the_list(client, inspector):
    expired = services.agreements_expired()
    assert expired.exists() and ProtectionAgreement.objects.exclude(pk__in=expired.values("pk")).exists()
    assert all(a.ends_on < timezone.localdate() for a in expired)
    client.force_login(inspector)
    url = reverse("admin:patrols_protectionagreement_changelist")
    page = client.get(url, {"expired": "1"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == expired.count()
    assert page.text.count('class="overdue-badge agreement-expired"') == min(expired.count(), 50)
    in_force = client.get(url, {"expired": "0"})
    assert 'agreement-expired"' not in in_force.text


def test_agreement_expiry_rule_checked_on_its_end_date():
    """Checked by breaking the rule: with ``<=`` instead of ``<`` in agreement_is_expired (an agreement
    expired on its last day), the first assertion fails."""
    agreement = ProtectionAgreement.objects.first()
    assert not services.agreement_is_expired(agreement, on=agreement.ends_on)
    assert services.agreement_is_expired(agreement, on=agreement.ends_on + timedelta(days=1))


# --- sections and checkpoints --------------------------------------------------------------------


def test_a_checkpoint_farther_than_50_m_from_its_pipeline_is_refused():
    """Checked by breaking the rule: with CHECKPOINT_MAX_OFFSET_M at 200, the ~110 m checkpoint is saved."""
    checkpoint = Checkpoint.objects.select_related("pipeline").first()
    point = checkpoint.location.clone()
    checkpoint.location = point
    services.checkpoint_save(checkpoint=checkpoint)  # on the line: fine
    from django.contrib.gis.geos import Point

    far = Point(point.x + 0.0008, point.y + 0.0008, srid=4326)  # ~ 110 m away
    checkpoint.location = far
    with pytest.raises(services.PatrolError, match="50"):
        services.checkpoint_save(checkpoint=checkpoint)
    assert services.CHECKPOINT_MAX_OFFSET_M == 50.0


def test_a_section_past_the_end_of_its_pipeline_is_refused():
    section = PatrolSection.objects.select_related("pipeline").first()
    section.to_m = float(section.pipeline.length_m) + 500
    with pytest.raises(services.PatrolError):
        services.section_save(section=section)


def test_checkpoint_admin_form_names_the_distance(client, inspector):
    checkpoint = Checkpoint.objects.select_related("pipeline").first()
    client.force_login(inspector)
    url = reverse("admin:patrols_checkpoint_change", args=[checkpoint.pk])
    far = f"SRID=4326;POINT({checkpoint.location.x + 0.0008} {checkpoint.location.y + 0.0008})"
    answer = client.post(
        url,
        {
            "code": checkpoint.code,
            "name": checkpoint.name,
            "pipeline": checkpoint.pipeline_id,
            "kind": checkpoint.kind,
            "location": far,
            "radius_m": "30",
        },
    )
    assert answer.status_code == 200
    assert "50" in answer.text and checkpoint.pipeline.code in answer.text


# --- scoping -------------------------------------------------------------------------------------


def _rows(model, user):
    return scope_queryset(model.objects.all(), user)


def test_company_staff_see_their_company_teams_sections_and_tasks_only():
    owner = User.objects.get(username="company01")
    theirs = _rows(PatrolSection, owner)
    assert theirs.exists() and all(s.pipeline.company_id == owner.company_id for s in theirs)
    outsider = User.objects.exclude(company=owner.company).filter(company__isnull=False).first()
    section = theirs.first()
    assert not _rows(PatrolSection, outsider).filter(pk=section.pk).exists()
    assert not _rows(PatrolTask, outsider).filter(section=section).exists()
    assert _rows(PatrolTask, owner).filter(section=section).exists()
    assert all(t.company_id == owner.company_id for t in _rows(Team, owner))
    regulator = User.objects.get(username="inspector1")
    assert _rows(PatrolTask, regulator).count() == PatrolTask.objects.count()


def test_a_patroller_sees_their_own_team_sections_and_tasks(client):
    roles_sync()
    team = Team.objects.filter(sections__isnull=False).first()
    patroller = User.objects.create_user("patroller1", password="x", is_staff=True)
    patroller.groups.add(Group.objects.get(name=PATROLLER))
    team.members.add(patroller)
    assert set(_rows(PatrolSection, patroller)) == set(team.sections.all())
    assert set(_rows(PatrolTask, patroller).values_list("team_id", flat=True)) == {team.pk}
    assert list(_rows(Team, patroller)) == [team]
    client.force_login(patroller)
    assert client.get(reverse("admin:patrols_patrolsection_changelist")).status_code == 200
    assert client.get(reverse("admin:patrols_protectionagreement_changelist")).status_code == 403


def test_the_nightly_judgement_reads_the_fixes_once_whatever_the_number_of_tasks(django_assert_max_num_queries):
    """tasks_judge_day is patrols.judging.day_judge: one query for the fixes of all the day's tasks (here the
    demo's yesterday, some 300 tasks), not one per task."""
    yesterday = DEMO_TODAY - timedelta(days=1)
    assert PatrolTask.objects.filter(date=yesterday).count() > 100
    with django_assert_max_num_queries(12) as queries:
        counts = services.tasks_judge_day(on=yesterday)
    assert counts["judged"] == PatrolTask.objects.filter(date=yesterday).count()
    assert sum("patrols_patrolfix" in q["sql"] for q in queries.captured_queries) == 1
