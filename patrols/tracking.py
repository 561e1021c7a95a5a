"""Tracks recorded on the field page: 开始巡检 opens one, 结束巡检 closes it, builds its line and judges it.

A track belongs to one phone (its device id) and one person. Its fixes are the device's fixes between its
start and its end (the phone's clock may be off the server's by up to ``CLOCK_SKEW``; fixes of the device's
previous track never count twice). The judgement is pat-judge's (``patrols.judging``): the track's own
stretch report, and when the track belongs to today's task of its section, the task judged again from all of
its tracks; the figures returned are the day's (the task's) when there is a task, else the track's.
"""

import re
from datetime import timedelta

import numpy as np
import shapely
from django.contrib.gis.geos import LineString
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import is_regulator
from common.errors import DomainError, NotPermitted
from patrols.choices import FixSource, Mode, TaskStatus
from patrols.models import Device, PatrolFix, PatrolSection, PatrolTask, PatrolTaskEvent, PatrolTrack

# The phone's clock against the server's: fixes this much before the start or after the end still count.
CLOCK_SKEW = timedelta(minutes=2)
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


class TrackRefused(DomainError):
    """A track that cannot be started or ended; the message says why."""


# --- who patrols what --------------------------------------------------------


def may_record_tracks(user) -> bool:
    """Patrollers (巡护员) and inspectors record tracks (the right to add tracks, accounts/roles.py)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("patrols.add_patroltrack"))


def is_field_inspector(user) -> bool:
    """Office staff who record tracks (inspectors, superusers) may patrol any section."""
    return may_record_tracks(user) and is_regulator(user)


def sections_patrolled_by(*, user):
    """The active sections ``user`` may patrol: an inspector's are all of them, a patroller's are their teams'."""
    sections = PatrolSection.objects.filter(active=True)
    if is_field_inspector(user):
        return sections
    if not may_record_tracks(user):
        return sections.none()
    return sections.filter(team__active=True, team__members=user).distinct()


def section_may_patrol(*, user, section: PatrolSection) -> bool:
    return sections_patrolled_by(user=user).filter(pk=section.pk).exists()


def task_today(*, section: PatrolSection):
    """Today's task of the section a new track counts for: not yet done first, then by window, kind and round."""
    pending_first = Case(When(status=TaskStatus.DONE, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        PatrolTask.objects.filter(section=section, date=timezone.localdate())
        .order_by(pending_first, "time_window", "kind", "seq")
        .first()
    )


# --- start ------------------------------------------------------------------


def device_id_check(device_id) -> str:
    device_id = (device_id or "").strip() if isinstance(device_id, str) else ""
    if not DEVICE_ID_RE.match(device_id):
        raise TrackRefused(
            _("The device id must be 8 to 64 letters, digits or the signs _ . : - (the page makes one itself)."),
            field="device_id",
        )
    return device_id


@transaction.atomic
def track_start(*, user, section: PatrolSection, device_id: str, mode: str | None = None) -> PatrolTrack:
    """Open a track of ``user``'s phone on ``section``, linked to today's task of the section if any.

    The phone is registered as a device of the user, and of the section's team when the user is one of its
    members (a phone handed to another person follows its new user). A track the phone left open is ended
    (and judged) first.
    """
    device_id = device_id_check(device_id)
    if not section_may_patrol(user=user, section=section):
        raise NotPermitted(_("Section %(code)s is not one of your team's sections.") % {"code": section.code})
    mode = mode or section.mode
    if mode not in Mode.values:
        raise TrackRefused(_("Choose the mode from the list."), field="mode")
    # A patroller's phone joins their team's devices (the nightly judgement reads the team's devices); an
    # inspector's phone stays out of the teams.
    team = section.team if section.team_id and section.team.members.filter(pk=user.pk).exists() else None
    device, _created = Device.objects.select_for_update().get_or_create(
        device_id=device_id, defaults={"team": team, "user": user, "mode": mode}
    )
    if device.user_id not in (None, user.pk):
        others_open = PatrolTrack.objects.filter(device_id=device_id, ended_at__isnull=True).exclude(user=user)
        if others_open.exists():
            raise TrackRefused(_("This phone has a patrol of another user still open; end it first."))
    if device.user_id != user.pk or (device.team_id is None and team is not None):
        device.user = user
        device.team = device.team or team
        device.save(update_fields=["user", "team"])
    for left_open in PatrolTrack.objects.filter(device_id=device_id, ended_at__isnull=True):
        track_end(track=left_open)
    task = task_today(section=section)
    now = timezone.now()
    track = PatrolTrack.objects.create(
        device_id=device_id,
        task=task,
        section=section,
        team=section.team,
        user=user,
        started_at=now,
        mode=mode,
        source=FixSource.PHONE,
        report={"section_id": section.pk, "section": section.code},
    )
    if task is not None:
        PatrolTaskEvent.objects.create(
            task=task, at=now, kind="track_started", actor=user, details={"track": track.pk, "device_id": device_id}
        )
    return track


# --- end --------------------------------------------------------------------


def track_of(*, user, pk) -> PatrolTrack | None:
    """The field track ``pk`` if it is ``user``'s (a superuser may end anyone's), else None."""
    tracks = PatrolTrack.objects.filter(pk=pk)
    return (tracks if user.is_superuser else tracks.filter(user=user)).first()


def track_fixes(*, track: PatrolTrack, until) -> list[PatrolFix]:
    """The device's fixes of this track, in time order."""
    previous_end = (
        PatrolTrack.objects.filter(device_id=track.device_id, started_at__lt=track.started_at, ended_at__isnull=False)
        .order_by("-started_at")
        .values_list("ended_at", flat=True)
        .first()
    )
    window = Q(time__gte=track.started_at - CLOCK_SKEW, time__lte=until + CLOCK_SKEW)
    if previous_end is not None:
        window &= Q(time__gt=previous_end)
    return list(PatrolFix.objects.filter(window, device_id=track.device_id).order_by("time"))


def _line_and_length(fixes: list[PatrolFix]) -> tuple[LineString | None, float]:
    """The track's line (WGS84) and its length in metres (METRIC_SRID)."""
    from hca.loading import to_metric

    coords = [(fix.lon, fix.lat) for fix in fixes]
    if len(coords) < 2:
        return None, 0.0
    metric = to_metric(np.array([shapely.LineString(coords)], dtype=object))[0]
    return LineString(coords, srid=4326), float(metric.length)


def track_section(track: PatrolTrack) -> PatrolSection | None:
    if track.task_id:
        return track.task.section
    if track.section_id:
        return PatrolSection.objects.select_related("pipeline").filter(pk=track.section_id).first()
    return None


def _as_arrays(groups: list[list[PatrolFix]]):
    """Fixes of several devices as the judge's arrays (``patrols.judging.Fixes``), each device its own code."""
    from patrols.judging import Fixes

    codes: dict[str, int] = {}
    rows = [(fix, codes.setdefault(fix.device_id, len(codes))) for group in groups for fix in group]
    if not rows:
        return Fixes.empty()
    return Fixes(
        np.array([fix.time.timestamp() for fix, _code in rows]),
        np.array([fix.lon for fix, _code in rows], dtype=float),
        np.array([fix.lat for fix, _code in rows], dtype=float),
        np.array([np.nan if fix.accuracy_m is None else fix.accuracy_m for fix, _code in rows], dtype=float),
        np.array([code for _fix, code in rows], dtype=np.int64),
    )


def _stretch(section: PatrolSection, groups: list[list[PatrolFix]], mode: str) -> dict:
    """pat-judge's report of the section for these fixes (patrols.md's format)."""
    from patrols.judging import JudgeError, stretch_report

    try:
        return stretch_report(
            pipeline=section.pipeline,
            mode=mode,
            from_m=section.from_m,
            to_m=section.to_m,
            fixes=_as_arrays(groups),
            coverage_width_m=section.coverage_width_m,
        )
    except JudgeError as exc:
        raise TrackRefused(str(exc)) from exc


@transaction.atomic
def track_end(*, track: PatrolTrack) -> dict:
    """Close the track: its line and length from its fixes, its own stretch judged (``track.report``), its
    task judged again; returns the day's figures (``day_figures``). Ending a track already ended changes
    nothing and returns the day's figures again."""
    from patrols.judging import task_judge

    track = (
        PatrolTrack.objects.select_for_update(of=("self",)).select_related("task__section__pipeline").get(pk=track.pk)
    )
    section = track_section(track)
    if track.ended_at is not None:
        return day_figures(track=track, section=section)
    now = timezone.now()
    fixes = track_fixes(track=track, until=now)
    track.ended_at = now
    track.line, track.length_m = _line_and_length(fixes)
    track.fix_count = len(fixes)
    report = {"section_id": track.section_id, "section": section.code if section is not None else None}
    if section is not None:
        report.update(_stretch(section, [fixes], track.mode))
    track.report = report
    track.save(update_fields=["ended_at", "line", "length_m", "fix_count", "report"])
    if track.task_id:
        PatrolTaskEvent.objects.create(
            task=track.task,
            at=now,
            kind="track_ended",
            actor=track.user,
            details={"track": track.pk, "fixes": track.fix_count, "length_m": round(track.length_m, 1)},
        )
        track.task = task_judge(task=track.task)
    return day_figures(track=track, section=section)


FIGURE_KEYS = (
    "length_m",
    "covered_m",
    "coverage",
    "uncovered",
    "checkpoints_required",
    "checkpoints_visited",
    "missed",
    "gaps",
    "overspeed_legs",
)


def day_figures(*, track: PatrolTrack, section: PatrolSection | None) -> dict:
    """What the page shows after 结束巡检: the section judged from all of today's ended field tracks on it
    (this one and those of others, each phone's fixes its own legs), the task's status as the nightly
    judgement sees it (its time window only), and this track's fixes and length."""
    figures = dict.fromkeys(FIGURE_KEYS)
    tracks = []
    if section is not None:
        day = timezone.localtime(track.started_at).date()
        today = PatrolTrack.objects.filter(section=section, ended_at__isnull=False, started_at__date=day)
        tracks = list(today.order_by("started_at"))
        if tracks:
            report = _stretch(section, [track_fixes(track=t, until=t.ended_at) for t in tracks], track.mode)
            figures.update({key: report.get(key) for key in FIGURE_KEYS})
    required, visited = figures["checkpoints_required"], figures["checkpoints_visited"]
    task = track.task if track.task_id else None
    figures.update(
        {
            "track": track.pk,
            "section": section.code if section is not None else None,
            "tracks_today": len(tracks),
            "arrival": (visited / required) if required else None,
            "fix_count": track.fix_count,
            "track_length_m": round(track.length_m, 1),
            "task": None
            if task is None
            else {
                "id": task.pk,
                "date": task.date.isoformat(),
                "status": task.status,
                "status_label": str(task.get_status_display()),
                "coverage": task.coverage,
                "arrival": task.arrival,
            },
        }
    )
    return figures
