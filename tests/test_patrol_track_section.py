"""PatrolTrack.section: set by the field page and the GPX upload (tests/test_patrol_tracks.py), used by the
field page's day figures, and filled from ``report["section_id"]`` for tracks stored before it existed."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from patrols.models import PatrolSection, PatrolTrack
from tests.test_field import _client, _ms, _post, _start, _walk, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_field_track_keeps_its_section_and_the_day_figures_count_tracks_by_it(world):  # noqa: F811
    client = _client(world.patroller)
    track_id = _start(client, world.section).json()["id"]
    assert PatrolTrack.objects.get(pk=track_id).section_id == world.section.pk
    now = timezone.now()
    # Two other ended tracks of today on the section, known only by their FK (no section_id in the report)…
    for device in ("other-phone", "fourth-phone"):
        PatrolTrack.objects.create(
            device_id=device, section=world.section, started_at=now - timedelta(hours=1), ended_at=now
        )
    # …and one whose report names the section but whose FK is another section: it does not count.
    other = PatrolSection.objects.exclude(pk=world.section.pk).first()
    PatrolTrack.objects.create(
        device_id="third-phone",
        section=other,
        started_at=now - timedelta(hours=1),
        ended_at=now,
        report={"section_id": world.section.pk},
    )
    _post(client, "fixes", {"device_id": "phone-test-0001", "fixes": _walk(world, _ms(now) - 60_000, to_m=180)})
    figures = _post(client, "track_end", {}, track_id).json()
    assert figures["tracks_today"] == 3 and figures["section"] == world.section.code  # by the report: 2
    track = PatrolTrack.objects.get(pk=track_id)
    assert track.section_id == world.section.pk and track.report["section_id"] == world.section.pk


def test_the_migration_fills_the_section_from_the_report():
    fill = importlib.import_module("patrols.migrations.0003_track_section").section_from_report
    section, gone = PatrolSection.objects.order_by("pk")[:2]
    now = timezone.now()
    rows = {
        "kept": {"section_id": section.pk, "section": section.code},
        "unknown": {"section_id": 10**9},
        "bool": {"section_id": True},
        "text": {"section_id": str(section.pk)},
        "none": {},
    }
    tracks = {
        name: PatrolTrack.objects.create(device_id=f"MIG-{name}", started_at=now, report=report)
        for name, report in rows.items()
    }
    already = PatrolTrack.objects.create(
        device_id="MIG-set", started_at=now, section=gone, report={"section_id": section.pk}
    )

    class Editor:  # what RunPython hands the function: only the connection is used
        pass

    editor = Editor()
    editor.connection = connection
    fill(apps, editor)
    fill(apps, editor)  # twice: the same result
    got = {name: PatrolTrack.objects.get(pk=t.pk).section_id for name, t in tracks.items()}
    assert got == {"kept": section.pk, "unknown": None, "bool": None, "text": None, "none": None}
    assert PatrolTrack.objects.get(pk=already.pk).section_id == gone.pk
