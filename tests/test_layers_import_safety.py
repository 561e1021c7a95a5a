"""Layer imports that would lose or move data are refused: an empty or much
smaller layer (unless confirmed), features outside the city (a wrong CRS),
NaN coordinates, zip bombs and oversized layers. Refusals write nothing
but a failed import record, queue nothing, and show no server paths."""

import io
import struct
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

from companies.models import OperatingCompany
from layers.errors import LayerImportError
from layers.importer import layers_import
from layers.models import Building, LayerImport, Site
from pipelines.models import Pipeline
from tests.test_layers_import import LAT, LON, _upload, buildings, frame, pipelines, zh

pytestmark = pytest.mark.django_db

EMPTY_GEOJSON = b'{"type":"FeatureCollection","features":[]}'
TMP = "/tmp"  # noqa: S108 - what no message may show


@pytest.fixture
def company():
    return OperatingCompany.objects.order_by("pk").first()


def _succeeded() -> int:
    return LayerImport.objects.filter(status=LayerImport.Status.SUCCEEDED).count()


# --- an empty or much smaller layer -------------------------------------------------------


def test_an_empty_layer_file_is_refused_by_the_command_and_changes_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "buildings.geojson"
    path.write_bytes(EMPTY_GEOJSON)
    before = Building.objects.count()
    assert before > 100  # the demo city's
    succeeded = _succeeded()

    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(CommandError) as caught:
        zh(call_command, "import_layers", str(path), stdout=io.StringIO())

    assert f"建筑物图层现有 {before:,} 个要素，新文件仅 0 个" in str(caught.value)
    assert "--replace-empty" in str(caught.value)
    assert Building.objects.count() == before
    assert callbacks == []  # no re-identification queued
    assert _succeeded() == succeeded  # no record claiming success
    assert LayerImport.objects.latest("pk").status == LayerImport.Status.FAILED

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("import_layers", str(path), "--replace-empty", stdout=io.StringIO())
    assert Building.objects.count() == 0
    assert len(callbacks) == 2  # confirmed: imported, identification queued (one run per rule set)


def test_a_layer_with_under_half_the_features_needs_confirmation(tmp_path):
    buildings(10).to_file(tmp_path / "ten.gpkg", layer="buildings")
    layers_import(path=tmp_path / "ten.gpkg", replace_empty=True)
    assert Building.objects.count() == 10

    buildings(4).to_file(tmp_path / "four.gpkg", layer="buildings")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "four.gpkg")
    assert caught.value.errors[0].startswith("建筑物图层现有 10 个要素，新文件仅 4 个")
    assert caught.value.shrinking == [("buildings", 10, 4)]
    assert Building.objects.count() == 10

    buildings(5).to_file(tmp_path / "five.gpkg", layer="buildings")  # half: an ordinary update
    assert layers_import(path=tmp_path / "five.gpkg").counts == {"buildings": 5}
    assert layers_import(path=tmp_path / "four.gpkg", replace_empty=True).counts == {"buildings": 4}


def test_admin_upload_of_an_empty_layer_shows_the_counts_and_needs_the_box_ticked(
    client, inspector, django_capture_on_commit_callbacks
):
    before = Building.objects.count()
    client.force_login(inspector)
    url = reverse("admin:layers_layerimport_upload")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"file": _upload("buildings.geojson", EMPTY_GEOJSON)})
    assert response.status_code == 200
    errors = response.context["form"].errors["replace_empty"]
    assert errors == [f"建筑物图层现有 {before:,} 个要素，新文件仅 0 个。"]
    assert errors[0] in response.text
    assert Building.objects.count() == before and callbacks == []

    response = client.post(url, {"file": _upload("buildings.geojson", EMPTY_GEOJSON), "replace_empty": "on"})
    assert response.status_code == 302
    assert Building.objects.count() == 0
    assert LayerImport.objects.latest("pk").counts == {"buildings": 0}


# --- the city's extent ---------------------------------------------------------------------


def test_degrees_in_a_file_tagged_web_mercator_are_refused_with_the_rows_named(tmp_path):
    """The file's numbers are degrees but it says EPSG:3857: read as metres they land at 0°, 0°."""
    layer = buildings(3)
    layer = layer.set_crs(3857, allow_override=True)
    layer.to_file(tmp_path / "buildings.gpkg", layer="buildings")
    before = Building.objects.count()

    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "buildings.gpkg", replace_empty=True)

    (error,) = caught.value.errors
    assert error.startswith("建筑物（buildings）图层有 3 个要素在本市范围之外")
    assert "第 1、2、3 行" in error and "EPSG:3857" in error
    assert Building.objects.count() == before


def test_a_mislabelled_pipelines_layer_is_refused(tmp_path, company):
    pipelines(company.name).set_crs(3857, allow_override=True).to_file(tmp_path / "p.gpkg", layer="pipelines")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "p.gpkg")
    assert "管道（pipelines）图层有 1 个要素在本市范围之外" in caught.value.errors[0]
    assert not Pipeline.objects.filter(code="GIS-001").exists()


def test_the_extent_is_the_pipelines_plus_a_margin_or_the_setting(tmp_path, settings):
    # 10 km beyond the demo pipelines' extent: inside the 20 km margin. 60 km: outside.
    east = max(Pipeline.objects.values_list("route", flat=True), key=lambda g: g.extent[2]).extent[2]
    to_4548 = Transformer.from_crs(4326, 4548, always_xy=True)
    back = Transformer.from_crs(4548, 4326, always_xy=True)
    x, y = to_4548.transform(east, LAT)
    near, far = back.transform(x + 10_000, y), back.transform(x + 60_000, y)
    frame({"site_type": ["market", "market"]}, [Point(*near), Point(*far)]).to_file(
        tmp_path / "sites.gpkg", layer="sites"
    )
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "sites.gpkg", replace_empty=True)
    assert "特定场所（sites）图层有 1 个要素在本市范围之外" in caught.value.errors[0]
    assert "第 2 行" in caught.value.errors[0]

    settings.CITY_EXTENT = f"{LON - 1},{LAT - 1},{far[0] + 0.1},{LAT + 1}"
    assert layers_import(path=tmp_path / "sites.gpkg", replace_empty=True).counts == {"sites": 2}
    settings.CITY_EXTENT = f"{LON - 0.1},{LAT - 0.1},{LON + 0.1},{LAT + 0.1}"
    with pytest.raises(LayerImportError) as caught:
        layers_import(path=tmp_path / "sites.gpkg", replace_empty=True)
    assert "1, 2" in caught.value.errors[0] or "1、2" in caught.value.errors[0]
    assert Site.objects.count() == 2


# --- NaN -----------------------------------------------------------------------------------


def test_a_polygon_with_a_nan_corner_is_refused(tmp_path):
    corner = float("nan")
    square = Polygon([(LON, LAT), (LON + 0.001, LAT), (LON + 0.001, corner), (LON, LAT + 0.001), (LON, LAT)])
    frame({"floors": [1, 2]}, [Point(LON, LAT), square]).to_file(tmp_path / "buildings.gpkg", layer="buildings")
    before = Building.objects.count()
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "buildings.gpkg", replace_empty=True)
    (error,) = caught.value.errors
    assert error.startswith("建筑物（buildings）图层第 2 行 geometry：") and "NaN" in error
    assert Building.objects.count() == before


# --- zips and sizes --------------------------------------------------------------------------


def _zipped(tmp_path, name: str, members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    (tmp_path / name).write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _geojson(n: int, padding: int = 0) -> bytes:
    features = ",".join(
        f'{{"type":"Feature","properties":{{"id":"Z{i}"}},"geometry":{{"type":"Point","coordinates":[{LON},{LAT}]}}}}'
        for i in range(n)
    )
    return (f'{{"type":"FeatureCollection","features":[{features}]}}' + " " * padding).encode()


def test_a_zip_that_unpacks_too_big_is_refused_from_its_directory(tmp_path, settings, client, inspector):
    settings.LAYER_UNPACKED_MAX_BYTES = 1024 * 1024
    content = _zipped(tmp_path, "bomb.zip", {"buildings.geojson": _geojson(3, padding=3 * 1024 * 1024)})
    assert len(content) < 20_000
    before = Building.objects.count()
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "bomb.zip", replace_empty=True)
    assert "解压后" in caught.value.message and "1.0\xa0MB" in caught.value.message
    assert TMP not in caught.value.message

    client.force_login(inspector)
    response = client.post(reverse("admin:layers_layerimport_upload"), {"file": _upload("bomb.zip", content)})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert Building.objects.count() == before


def _lying(content: bytes, member: str, claimed: int) -> bytes:
    """The zip with ``member``'s uncompressed size in both headers set to ``claimed``."""
    data = bytearray(content)
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, claimed)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, claimed)
    assert member.encode() in data
    return bytes(data)


def test_a_zip_whose_header_lies_about_its_size_is_refused(tmp_path, settings, client, inspector):
    settings.LAYER_UNPACKED_MAX_BYTES = 1024 * 1024
    honest = _zipped(tmp_path, "honest.zip", {"buildings.geojson": _geojson(3, padding=3 * 1024 * 1024)})
    (tmp_path / "lying.zip").write_bytes(_lying(honest, "buildings.geojson", 1000))
    before = Building.objects.count()
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "lying.zip", replace_empty=True)
    assert TMP not in caught.value.message and str(tmp_path) not in caught.value.message
    assert Building.objects.count() == before


def test_too_many_features_are_refused(tmp_path, settings):
    settings.LAYER_MAX_FEATURES = 5
    (tmp_path / "buildings.geojson").write_bytes(_geojson(6))
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "buildings.geojson", replace_empty=True)
    assert caught.value.errors == ["建筑物（buildings）图层有 6 个要素，一次最多导入 5 个（LAYER_MAX_FEATURES）。"]


def test_no_message_shows_a_server_path(tmp_path, client, inspector):
    # A zip holding a damaged FlatGeobuf: GDAL's own message names the file it opened (unpacked in a temp dir).
    content = _zipped(tmp_path, "city.zip", {"city.fgb": b"not a FlatGeobuf"})
    with pytest.raises(LayerImportError) as caught:
        layers_import(path=tmp_path / "city.zip")
    assert TMP not in caught.value.message and str(tmp_path) not in caught.value.message
    assert "city.fgb" in caught.value.message

    client.force_login(inspector)
    response = client.post(reverse("admin:layers_layerimport_upload"), {"file": _upload("city.zip", content)})
    assert response.status_code == 200 and response.context["import_errors"]
    for text in (response.text, *response.context["import_errors"], LayerImport.objects.latest("pk").message):
        assert TMP not in text and "layer-upload-" not in text


# --- a year alone ------------------------------------------------------------------------------


def test_a_commissioning_year_alone_is_the_first_of_january(tmp_path, company):
    layer = pipelines(company.name, codes=("GIS-Y1", "GIS-Y2"), commissioned=["2010", "2012-05-06"])
    layer.to_file(tmp_path / "pipelines.gpkg", layer="pipelines")
    layers_import(path=tmp_path / "pipelines.gpkg")
    assert str(Pipeline.objects.get(code="GIS-Y1").commissioned_on) == "2010-01-01"
    assert str(Pipeline.objects.get(code="GIS-Y2").commissioned_on) == "2012-05-06"

    as_numbers = pipelines(company.name, codes=("GIS-Y3",), commissioned=[2011])
    as_numbers.to_file(tmp_path / "numbers.geojson", driver="GeoJSON")
    layers_import(path=tmp_path / "numbers.geojson", layer_names=["pipelines"])
    assert str(Pipeline.objects.get(code="GIS-Y3").commissioned_on) == "2011-01-01"

    pipelines(company.name, codes=("GIS-Y4",), commissioned=["10"]).to_file(tmp_path / "bad.gpkg", layer="pipelines")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=tmp_path / "bad.gpkg")
    assert "commissioned" in caught.value.errors[0] and "YYYY" in caught.value.errors[0]


# --- Chinese layer names ---------------------------------------------------------------------


def test_layer_names_are_shown_in_chinese(tmp_path, client, inspector):
    buildings(4).to_file(tmp_path / "city.gpkg", layer="buildings")
    frame({"road_class": ["expressway", "county"]}, [LineString([(LON, LAT), (LON, LAT + 0.01)])] * 2).to_file(
        tmp_path / "city.gpkg", layer="roads"
    )
    record = zh(layers_import, path=tmp_path / "city.gpkg", replace_empty=True)
    assert "道路：跳过 1 个其他等级的要素" in record.message
    client.force_login(inspector)
    listing = client.get(reverse("admin:layers_layerimport_changelist"))
    assert "建筑物 4、道路 1" in listing.text
    assert "buildings 4" not in listing.text
    detail = client.get(reverse("admin:layers_layerimport_change", args=[record.pk]))
    assert "建筑物 4、道路 1" in detail.text
    assert "<tr><td>道路</td>" in detail.text and "<td>1</td>" in detail.text  # the details, by layer: 1 skipped
    form = client.get(reverse("admin:layers_layerimport_upload"))
    for label in ("管道", "建筑物", "特定场所", "村镇", "水体", "自然保护地", "道路"):
        assert f" {label}（" in form.text, label
    assert 'class="module aligned' in form.text and 'class="form-row' in form.text


@pytest.mark.parametrize("value", ["118,37,119", "118,37,117,38", "a,b,c,d", "118,37,119,95"])
def test_a_junk_city_extent_fails_the_start_up_checks(settings, value):
    from layers.checks import city_extent_check

    settings.CITY_EXTENT = value
    (error,) = city_extent_check()
    assert error.id == "layers.E001" and "CITY_EXTENT" in error.msg
    settings.CITY_EXTENT = "118.1,36.9,119.2,38.1"
    assert city_extent_check() == []


@pytest.mark.django_db(transaction=True)
def test_with_no_pipeline_stored_the_file_s_pipelines_set_the_extent(tmp_path):
    from tests.factories import CompanyFactory

    # A city with no pipeline yet: an empty database (transactional tests run last and rebuild
    # the demo city when they need it).
    call_command("flush", interactive=False, verbosity=0)
    company = CompanyFactory()
    mislabelled = tmp_path / "mislabelled.gpkg"
    pipelines(company.name).set_crs(3857, allow_override=True).to_file(mislabelled, layer="pipelines")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=mislabelled)
    assert "管道（pipelines）图层有 1 个要素在本市范围之外" in caught.value.errors[0]
    assert "中国境内" in caught.value.errors[0]

    # Pipelines and buildings in one file: the buildings must lie within 20 km of the file's pipelines.
    city = tmp_path / "city.gpkg"
    pipelines(company.name).to_file(city, layer="pipelines")
    frame({"floors": [1, 1]}, [Point(LON + 0.01, LAT), Point(LON + 0.6, LAT)]).to_file(city, layer="buildings")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, path=city)
    (error,) = caught.value.errors
    assert error.startswith("建筑物（buildings）图层有 1 个要素在本市范围之外") and "第 2 行" in error
    assert "管道范围外扩 20 公里" in error
    assert not Pipeline.objects.exists()

    frame({"floors": [1]}, [Point(LON + 0.01, LAT)]).to_file(city, layer="buildings", mode="w")
    record = layers_import(path=city)
    assert record.counts == {"pipelines": 1, "buildings": 1}
