"""The check before digging in the admin (施工前管道查询): the map page, for inspectors and company staff."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from api import construction_examples as ex
from pipelines.models import Pipeline, PipelineStatus
from tests.test_admin_chinese import english_words

pytestmark = pytest.mark.django_db
URL = "/admin/construction/check/"


@pytest.fixture
def as_user(client):
    def login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return login


def _answer_rows(html: str) -> list[str]:
    start = html.index('id="check-pipelines"')
    return [row.split("</tr>")[0] for row in html[start:].split('<tr class="pipeline')[1:]]


@pytest.mark.parametrize("username", ["inspector1", "company01"])
def test_the_page_answers_a_drawn_work_in_chinese(as_user, username):
    client = as_user(username)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "施工前管道查询" in html and "施工类型" in html and 'type="date"' in html
    assert all(f">{tool}</button>" in html for tool in ("点", "线", "区域", "清除"))
    assert english_words(html) == set()
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            URL, {"geometry": json.dumps(ex.POWER_LINE), "work_type": "power_line", "start_on": "2027-03-09"}
        )
    assert answer.status_code == 200 and len(answer.content) < 100_000 and len(queries) < 25
    html = answer.content.decode()
    assert english_words(html) == set()
    assert 'data-verdict="approval_required">须经批准</span>' in html
    assert "书面告知须于 2027-03-02 前送达管道企业（第三十七条）。" in html
    rows = _answer_rows(html)
    assert len(rows) == 1
    assert all(
        text in rows[0]
        for text in ("DY-CP-011", "黄河口众诚石油管道有限公司", "32.4", "距管道中心线 5 至 50 米", "第35(2)条")
    )
    # The pipeline concerned and its 5, 50 and 200 m bands are drawn around the work.
    result = json.loads(html.split('<script id="check-result" type="application/json">')[1].split("</script>")[0])
    bands = sorted(f["properties"]["band"] for f in result["features"] if "band" in f["properties"])
    assert bands == [5, 50, 200]
    assert [f["properties"].get("work") for f in result["features"]][-1] is True


def test_an_uploaded_geojson_file_is_checked(as_user):
    client = as_user("inspector1")
    feature = {"type": "Feature", "properties": {"name": "锚地"}, "geometry": ex.ANCHORAGE}
    for content in (ex.ANCHORAGE, feature, {"type": "FeatureCollection", "features": [feature]}):
        upload = SimpleUploadedFile("work.geojson", json.dumps(content).encode(), content_type="application/geo+json")
        html = client.post(URL, {"upload": upload, "work_type": "anchoring"}).content.decode()
        assert 'data-verdict="prohibited">禁止</span>' in html
        assert "距管道穿越河流处 500 米以内" in html and "第32条" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"work_type": "road"}, "请在地图上绘制作业区域，或上传 GeoJSON 文件。"),
        ({"geometry": "{not json", "work_type": "road"}, "几何图形不是有效的 JSON。"),
        ({"geometry": json.dumps({"type": "Point", "coordinates": [610982.4, 4148649.9]}), "work_type": "road"},
         "坐标 (610982.4, 4148649.9) 不是经纬度"),
        ({"geometry": json.dumps({"type": "Polygon", "coordinates": [[[118.5, 37.5], [118.51, 37.51], [118.51, 37.5],
                                                                       [118.5, 37.51], [118.5, 37.5]]]}),
          "work_type": "building"}, "作业区域的边界自相交"),
        ({"geometry": json.dumps(ex.HOUSE), "work_type": "digging"}, "选择一个有效的选项"),
        ({"geometry": json.dumps(ex.HOUSE), "work_type": "road", "start_on": "明天"}, "输入一个有效的日期"),
    ],
)  # fmt: skip
def test_bad_input_is_named_on_the_page(as_user, data, message):
    response = as_user("company01").post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'id="check-answer"' not in html


def test_bad_uploads_are_named_on_the_page(as_user):
    client = as_user("inspector1")
    two = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": ex.HOUSE}] * 2}
    for content, message in (
        (b"\x89PNG not text", "文件不是 GeoJSON 文件（不是 JSON 文本）。"),
        (json.dumps(two).encode(), "文件包含 2 个要素；请每次上传一项作业"),
        (b"x" * (2 * 1024 * 1024 + 1), "文件超过 2 MB。"),
    ):
        upload = SimpleUploadedFile("work.geojson", content)
        html = client.post(URL, {"upload": upload, "work_type": "road"}).content.decode()
        assert message in html and 'id="check-answer"' not in html


def test_the_background_map_shows_the_pipelines_the_user_may_see(as_user):
    staff = User.objects.get(username="company01")
    mine = Pipeline.objects.filter(company=staff.company).exclude(status=PipelineStatus.ABANDONED).count()
    features = as_user("company01").get(f"{URL}pipelines.geojson").json()["features"]
    assert 0 < len(features) == mine
    every = Pipeline.objects.exclude(status=PipelineStatus.ABANDONED).count()
    assert len(as_user("inspector1").get(f"{URL}pipelines.geojson").json()["features"]) == every


def test_the_index_links_the_page_for_every_staff_user(as_user, client):
    for username in ("inspector1", "manager", "company01"):
        html = as_user(username).get("/admin/").content.decode()
        assert '<a href="/admin/construction/check/">施工前管道查询</a>' in html
    client.logout()
    assert client.get(URL).status_code == 302  # to the log-in page
    User.objects.create_user(username="walk-in", password="x")
    login = as_user("walk-in").get(URL)
    assert login.status_code == 302 and "/login/" in login["Location"]
    assert client.get(f"{URL}pipelines.geojson").status_code == 302
