"""manage.py patrol_coverage: a GPX track judged against a stretch, printed in Chinese, written as JSON."""

import datetime as dt
import json

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command

from hca.loading import to_wgs84
from patrols.judging import pipeline_centreline
from patrols.models import Checkpoint
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db


def gpx_text(points, times):
    rows = "\n".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
        for (lon, lat), t in zip(points, times, strict=True)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="t" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n{rows}\n</trkseg></trk></gpx>\n'
    )


@pytest.fixture
def track(tmp_path):
    pipeline = Pipeline.objects.order_by("code").first()
    line = pipeline_centreline(pipeline)
    s = np.arange(1000, 2000, 5.0)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, s))
    wgs = shapely.get_coordinates(to_wgs84(shapely.points(xy)))
    start = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
    times = [start + dt.timedelta(seconds=5 * i) for i in range(len(s))]
    path = tmp_path / "track.gpx"
    path.write_text(gpx_text(wgs, times))
    return pipeline, line, path


def test_judges_a_gpx_and_writes_the_json(track, tmp_path, capsys):
    pipeline, line, path = track
    out = tmp_path / "report.json"
    stored = Checkpoint.objects.filter(pipeline=pipeline, chainage_m__gte=1000, chainage_m__lte=3000)
    call_command(
        "patrol_coverage",
        str(path),
        "--pipeline",
        pipeline.code,
        "--from-m",
        "1000",
        "--to-m",
        "3000",
        "--json",
        str(out),
    )
    printed = capsys.readouterr().out
    assert "覆盖率" in printed and "到位率" in printed and "漏巡" in printed and pipeline.code in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["from_m"] == 1000 and report["to_m"] == 3000 and report["mode"] == "walk"
    assert report["uncovered"] == [[pytest.approx(2015.0, abs=0.2), 3000.0]]
    assert report["checkpoints_required"] == stored.count() > 0
    assert report["missed"] == [c.code for c in stored.order_by("chainage_m") if c.chainage_m > 2015 + c.radius_m]
    # The whole pipeline by default.
    call_command("patrol_coverage", str(path), "--pipeline", pipeline.code, "--json", str(out), "--mode", "vehicle")
    whole = json.loads(out.read_text(encoding="utf-8"))
    assert whole["from_m"] == 0 and whole["length_m"] == round(line.length, 1) and whole["mode"] == "vehicle"


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("not xml at all", [], "GPX"),
        ('<?xml version="1.0"?><gpx version="1.1"><wpt lat="37" lon="118"/></gpx>', [], "轨迹"),
        (
            '<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat="37" lon="118"/></trkseg></trk></gpx>',
            [],
            "时间",
        ),
        (None, ["--pipeline", "NOPE"], "未知管道"),
        (None, ["--from-m", "5000", "--to-m", "100"], "起点小于终点"),
        (None, ["--to-m", "99999999"], "之内"),
    ],
)
def test_bad_input_is_a_clear_message(track, tmp_path, content, args, message):
    pipeline, _line, path = track
    if content is not None:
        path = tmp_path / "bad.gpx"
        path.write_text(content)
    argv = [str(path), "--pipeline", pipeline.code, *args]
    if "--pipeline" in args:
        argv = [str(path), *args]
    with pytest.raises(CommandError, match=message):
        call_command("patrol_coverage", *argv)


def test_missing_file(track):
    pipeline, _line, _path = track
    with pytest.raises(CommandError, match="无法读取"):
        call_command("patrol_coverage", "/nonexistent/x.gpx", "--pipeline", pipeline.code)
