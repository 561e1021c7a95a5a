"""The cameras layer (docs/layers.md): GB/T 28181 ids checked as 20 digits with the row named, every
attribute checked, the register replaced by code; a bad row rejects the import, nothing written."""

import pytest
from django.utils import translation
from shapely.geometry import Point

from layers.errors import LayerImportError
from layers.importer import layers_import
from pipelines.models import Pipeline
from tests.test_layers_import import frame
from tests.video_helpers import cameras_clear
from video.models import Camera

pytestmark = pytest.mark.django_db

COLUMNS = (
    "code", "device_id", "channel_id", "kind", "azimuth_deg", "fov_deg", "range_m", "height_m", "company",
    "pipeline_code", "stream_url", "name",
)  # fmt: skip


def row(pipeline, i=1, **values):
    centre = pipeline.route.centroid
    data = {
        "code": f"CAM-L{i:02d}",
        "device_id": f"3702000000132{i:07d}",
        "channel_id": f"3702000000131{i:07d}",
        "kind": "fixed",
        "azimuth_deg": 45.0,
        "fov_deg": 60.0,
        "range_m": 150.0,
        "height_m": 8.0,
        "company": pipeline.company.name,
        "pipeline_code": pipeline.code,
        "stream_url": f"https://video.example/play/{i}",
        "name": "测试摄像机",
        "geometry": Point(centre.x + i * 0.0005, centre.y),
    }
    data.update(values)
    return data


def cameras_file(tmp_path, rows, name="cameras.geojson"):
    data = frame({k: [r.get(k) for r in rows] for k in COLUMNS}, [r["geometry"] for r in rows])
    path = tmp_path / name
    data.to_file(path, driver="GeoJSON")
    return path


def imported(tmp_path, rows):
    with translation.override("zh-hans"):
        return layers_import(path=cameras_file(tmp_path, rows), replace_empty=True)


@pytest.fixture
def pipeline():
    return Pipeline.objects.select_related("company").order_by("code").first()


def test_cameras_with_alarms_are_kept_others_replaced(tmp_path, pipeline):
    kept = set(Camera.objects.filter(alarms__isnull=False).values_list("code", flat=True))
    assert kept  # the demo's cameras have alarms
    record = imported(tmp_path, [row(pipeline, 1)])
    assert record.details["cameras"]["kept_with_alarms"] == len(kept)
    assert set(Camera.objects.values_list("code", flat=True)) == kept | {"CAM-L01"}


def test_cameras_are_imported_and_replace_the_register(tmp_path, pipeline):
    cameras_clear()
    record = imported(tmp_path, [row(pipeline, 1), row(pipeline, 2, kind="PTZ", fov_deg=360, pipeline_code=None)])
    assert record.counts == {"cameras": 2}
    cameras = {c.code: c for c in Camera.objects.all()}
    assert set(cameras) == {"CAM-L01", "CAM-L02"}
    first = cameras["CAM-L01"]
    assert first.device_id == "37020000001320000001" and first.channel_id == "37020000001310000001"
    assert (first.azimuth_deg, first.fov_deg, first.range_m, first.height_m) == (45.0, 60.0, 150.0, 8.0)
    assert first.company_id == pipeline.company_id and first.pipeline_id == pipeline.pk
    assert cameras["CAM-L02"].kind == "ptz" and cameras["CAM-L02"].pipeline_id is None
    # again, with one camera turned: updated in place, the other gone
    imported(tmp_path, [row(pipeline, 1, azimuth_deg=200.0)])
    assert list(Camera.objects.values_list("code", "azimuth_deg")) == [("CAM-L01", 200.0)]
    assert Camera.objects.get().pk == first.pk


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"device_id": "3702000000132000001"}, "device_id", "20"),  # 19 digits
        ({"channel_id": "3702000000131000000A"}, "channel_id", "20"),
        ({"kind": "bullet"}, "kind", "bullet"),
        ({"azimuth_deg": 361}, "azimuth_deg", "361"),
        ({"fov_deg": 0}, "fov_deg", "0"),
        ({"range_m": -5}, "range_m", "-5"),
        ({"height_m": None}, "height_m", ""),
        ({"company": "不存在的公司"}, "company", "不存在的公司"),
        ({"pipeline_code": "NO-SUCH"}, "pipeline_code", "NO-SUCH"),
        ({"stream_url": "rtsp://10.0.0.1/live"}, "stream_url", "rtsp"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(tmp_path, pipeline, values, field, words):
    before = Camera.objects.count()
    with pytest.raises(LayerImportError) as refused:
        imported(tmp_path, [row(pipeline, 1), row(pipeline, 2, **values)])
    message = str(refused.value.message)
    assert "第 2 行" in message or "row 2" in message, message
    assert field in message and words in message, message
    assert Camera.objects.count() == before


def test_numeric_ids_are_refused_as_they_lose_digits(tmp_path, pipeline):
    # a GeoJSON with the id as a JSON number is read as 3.702000000132e+19: a float column
    rows = [row(pipeline, 1, device_id=3.702000000132e19)]
    with pytest.raises(LayerImportError, match="device_id"):
        imported(tmp_path, rows)


def test_a_repeated_code_is_refused(tmp_path, pipeline):
    with pytest.raises(LayerImportError, match="CAM-L01"):
        imported(tmp_path, [row(pipeline, 1), row(pipeline, 2, code="CAM-L01")])
