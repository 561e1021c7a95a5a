"""The check before digging on the demo city: the service, the process's index kept current, the command."""

import json
from datetime import date

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from api import construction_examples as ex
from companies.models import OperatingCompany
from construction.checks import construction_check, construction_check_answer
from construction.loading import index_current
from emergency.models import Valve
from hca.loading import to_metric, to_wgs84
from layers.models import WaterBody
from pipelines.models import Pipeline, PipelineStatus

pytestmark = pytest.mark.django_db


def wgs84(x, y):
    spot = to_wgs84(np.array([shapely.Point(x, y)], dtype=object))[0]
    return Point(spot.x, spot.y, srid=4326)


def metric(point):
    return to_metric(np.array([shapely.Point(point.x, point.y)], dtype=object))[0]


def test_the_service_answers_as_the_doc_says():
    for body, answer in ex.PAIRS:
        start_on = date.fromisoformat(body["start_on"]) if "start_on" in body else None
        assert construction_check(geometry=body["geometry"], work_type=body["work_type"], start_on=start_on) == answer


def test_the_answer_names_the_companies_to_ask():
    answer = construction_check_answer(geometry=ex.POWER_LINE, work_type="power_line")
    pipeline = Pipeline.objects.get(code="DY-CP-011")
    assert [(p.pipeline_id, p.company_id) for p in answer.pipelines] == [(pipeline.pk, pipeline.company_id)]
    assert answer.company_ids == [pipeline.company_id]


def test_a_stored_geometry_in_any_srid_is_checked():
    """The applications hand over a GEOS geometry: EPSG:4326, or another SRID (reprojected first)."""
    line = LineString(ex.POWER_LINE["coordinates"], srid=4326)
    assert construction_check(geometry=line, work_type="power_line")["pipelines"] == ex.APPROVAL["pipelines"]
    line.transform(4548)
    assert construction_check(geometry=line, work_type="power_line")["pipelines"] == ex.APPROVAL["pipelines"]
    with pytest.raises(ValidationError, match="施工类型"):
        construction_check(geometry=line, work_type="digging")


def test_the_index_follows_pipelines_valves_rivers_and_companies():
    start = index_current()
    assert start.index.size == Pipeline.objects.exclude(status=PipelineStatus.ABANDONED).count()
    assert index_current() is start  # nothing changed: the same arrays

    # A new pipeline near nothing else: a building 3 m from it is prohibited at once.
    company = OperatingCompany.objects.order_by("pk").first()
    a, b = wgs84(700_000, 4_300_000), wgs84(701_000, 4_300_000)
    route = MultiLineString(LineString((a.x, a.y), (b.x, b.y), srid=4326), srid=4326)
    new = Pipeline.objects.create(
        code="DY-TEST-1", name="试验管道", company=company, medium="natural_gas", outer_diameter_mm=219,
        wall_thickness_mm=6, maop_mpa=4, status=PipelineStatus.IN_SERVICE, route=route, length_m=1000,
    )  # fmt: skip
    house = wgs84(700_500, 4_300_003)
    answer = construction_check(geometry=house, work_type="building")
    assert [(p["pipeline_code"], p["band"], p["company"]) for p in answer["pipelines"]] == [
        ("DY-TEST-1", "<5", company.name)
    ]

    # A valve at its end: a seismic survey 400 m beyond the end needs approval (Art. 35(3), f <= 500).
    beyond = wgs84(701_400, 4_300_000)
    assert construction_check(geometry=beyond, work_type="seismic_survey")["verdict"] == "allowed"
    Valve.objects.create(code="V-TEST-1", pipeline=new, kind="manual", location=b, chainage_m=1000)
    answer = construction_check(geometry=beyond, work_type="seismic_survey")
    assert [(p["band"], p["articles"]) for p in answer["pipelines"]] == [("facility-500", ["35(3)"])]

    # A river across it: anchoring 450 m up the river is prohibited (Art. 32).
    up_river = wgs84(700_200, 4_300_450)
    assert construction_check(geometry=up_river, work_type="anchoring")["verdict"] == "allowed"
    river = LineString(wgs84(700_200, 4_299_000).coords, wgs84(700_200, 4_301_000).coords, srid=4326)
    WaterBody.objects.create(source_id="W-TEST", name="试验河", water_type="river", geom=river)
    assert construction_check(geometry=up_river, work_type="anchoring")["pipelines"][0]["band"] == "river-500"

    # The company's new name travels with the answer; an abandoned pipeline is left out.
    company.name = "改名后的管道公司"
    company.save()
    assert construction_check(geometry=house, work_type="building")["pipelines"][0]["company"] == "改名后的管道公司"
    new.status = PipelineStatus.ABANDONED
    new.save()
    assert construction_check(geometry=house, work_type="building") == {
        "verdict": "allowed", "work_type": "building", "pipelines": [], "notice_by": None,
    }  # fmt: skip


def _works(tmp_path, features):
    path = tmp_path / "works.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def _feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_the_command_answers_each_work_in_order(tmp_path, capsys):
    path = _works(
        tmp_path,
        [
            _feature(ex.POWER_LINE, id="W-01", work_type="power_line", start_on="2027-03-09"),
            _feature(ex.ANCHORAGE, work_type="anchoring", start_on="2027-05-01"),
            _feature(ex.HOUSE, id=3, work_type="building"),
        ],
    )
    out = tmp_path / "answers.json"
    call_command("construction_check", str(path), "--json", str(out))
    answers = json.loads(out.read_text(encoding="utf-8"))
    assert answers == [{"id": "W-01", **ex.APPROVAL}, {"id": None, **ex.RIVER}, {"id": 3, **ex.ALLOWED}]
    printed = capsys.readouterr().out
    assert "#W-01 架设电力线路：须经批准" in printed
    assert "书面告知须于 2027-03-02 前送达管道企业（第三十七条）。" in printed
    assert "DY-CP-011    黄河口众诚石油管道有限公司  32.4 米  距管道中心线 5 至 50 米  须经批准  第35(2)条" in printed
    assert "第 2 个要素 抛锚、拖锚：禁止" in printed
    call_command("construction_check", str(path), "--json", "-")
    assert json.loads(capsys.readouterr().out)[0]["id"] == "W-01"


def test_the_command_names_the_bad_file_or_feature(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("construction_check", str(tmp_path / "missing.geojson"))
    (tmp_path / "text.geojson").write_text("not json")
    with pytest.raises(CommandError, match="不是 GeoJSON 文件"):
        call_command("construction_check", str(tmp_path / "text.geojson"))
    (tmp_path / "point.geojson").write_text(json.dumps(ex.HOUSE))
    with pytest.raises(CommandError, match="不是 GeoJSON 要素集合"):
        call_command("construction_check", str(tmp_path / "point.geojson"))
    with pytest.raises(CommandError, match="没有要素"):
        call_command("construction_check", str(_works(tmp_path, [])))
    path = _works(
        tmp_path,
        [
            _feature(ex.HOUSE, id="W-01", work_type="digging"),
            _feature({"type": "Point", "coordinates": [610982.4, 4148649.9]}, work_type="road"),
            _feature(ex.HOUSE, id=3, work_type="road", start_on="tomorrow"),
            _feature(ex.HOUSE, work_type="road"),
        ],
    )
    out = tmp_path / "answers.json"
    with pytest.raises(CommandError) as raised:
        call_command("construction_check", str(path), "--json", str(out))
    lines = str(raised.value).splitlines()
    assert lines[0].startswith('第 1 个要素（id W-01）：未知的施工类型 "digging"')
    assert lines[1].startswith("第 2 个要素：坐标 (610982.4, 4148649.9) 不是经纬度")
    assert lines[2] == '第 3 个要素（id 3）：开工日期 start_on "tomorrow" 不是日期（YYYY-MM-DD）。'
    assert len(lines) == 3 and not out.exists()  # the good feature is not answered alone: nothing written
