"""Importing the city's GIS layers (layers/importer.py): real files written
with geopandas in every supported format and CRS, read back through GDAL
into the test database; refusals name the layer, row and field and leave
the database as it was."""

import io
import re
import sqlite3
import zipfile
from decimal import Decimal

import geopandas as gpd
import numpy as np
import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point as GeosPoint
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from accounts.models import User
from accounts.roles import COMPANY_STAFF
from companies.models import OperatingCompany
from companies.validators import validate_credit_code
from hca.models import HcaAssessment, HcaRun
from layers.errors import LayerImportError
from layers.importer import layers_import
from layers.models import Building, LayerImport, ProtectedArea, Road, Settlement, Site, WaterBody
from layers.pipelines_layer import DEFAULT_MATERIAL, default_wall_thickness
from layers.validation import MAX_ERRORS
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db

LON, LAT = 118.52, 37.41


def frame(rows: dict, geoms: list, crs=4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def square(lon, lat, size=0.0002):
    return box(lon, lat, lon + size, lat + size)


def buildings(n=3, points_only=False, **columns):
    """Points and squares (a shapefile holds one type: ``points_only``)."""
    rows = {"id": [f"B{i}" for i in range(n)], "households": [2] * n, "floors": [1] * n, **columns}
    geoms = [Point(LON + i * 0.001, LAT) if i % 2 or points_only else square(LON + i * 0.001, LAT) for i in range(n)]
    return frame(rows, geoms)


def pipelines(company, codes=("GIS-001",), **columns):
    n = len(codes)
    rows = {
        "code": list(codes),
        "name": [f"测试输油管道{i}" for i in range(n)],
        "company": [company] * n,
        "medium": ["crude_oil"] * n,
        "outer_diameter_mm": [273.1] * n,
        "maop_mpa": [6.3] * n,
        **columns,
    }
    geoms = [LineString([(LON, LAT + i * 0.01), (LON + 0.05, LAT + i * 0.01 + 0.01)]) for i in range(n)]
    return frame(rows, geoms)


def all_layers(company) -> dict[str, gpd.GeoDataFrame]:
    return {
        "pipelines": pipelines(company, codes=("GIS-001", "GIS-002")),
        "buildings": buildings(4),
        "sites": frame(
            {"site_type": ["school", "fuel_station"], "name": ["第一中学", "中石化加油站"]},
            [square(LON, LAT + 0.002), Point(LON + 0.01, LAT + 0.002)],
        ),
        "settlements": frame(
            {"name": ["王家庄"], "households": [80], "residents": [None]}, [square(LON, LAT + 0.004, 0.005)]
        ),
        "water": frame(
            {"water_type": ["river", "reservoir_large"], "name": ["小清河", "水库"]},
            [LineString([(LON, LAT - 0.01), (LON, LAT + 0.01)]), square(LON + 0.02, LAT, 0.01)],
        ),
        "protected_areas": frame({"area_type": ["wetland"]}, [square(LON + 0.03, LAT, 0.01)]),
        "roads": frame(
            {"road_class": ["expressway", "county", "RAILWAY", None], "name": ["荣乌高速", "县道", "铁路", ""]},
            [LineString([(LON + i * 0.001, LAT - 0.01), (LON + i * 0.001, LAT + 0.01)]) for i in range(4)],
        ),
    }


def write_gpkg(path, layers: dict[str, gpd.GeoDataFrame]):
    for name, layer in layers.items():
        layer.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.fixture
def company():
    return OperatingCompany.objects.order_by("pk").first()


@pytest.fixture
def city_gpkg(tmp_path, company):
    layers = all_layers(company.name)
    layers["pipelines"] = layers["pipelines"].to_crs(4490)
    layers["buildings"] = layers["buildings"].to_crs(4490)
    layers["unknown_layer"] = frame({"x": [1]}, [Point(LON, LAT)])
    return write_gpkg(tmp_path / "city.gpkg", layers)


def zh(callable_, *args, **kwargs):
    with translation.override("zh-hans"):
        return callable_(*args, **kwargs)


# --- formats, CRS, counts ---------------------------------------------------------------


def test_geopackage_with_every_layer(city_gpkg, company, admin_user):
    pipelines_before = Pipeline.objects.count()
    record = zh(layers_import, replace_empty=True, path=city_gpkg, actor=admin_user)

    assert record.status == LayerImport.Status.SUCCEEDED
    assert record.imported_by == admin_user
    assert record.counts == {
        "pipelines": 2,
        "buildings": 4,
        "sites": 2,
        "settlements": 1,
        "water": 2,
        "protected_areas": 1,
        "roads": 2,
    }
    assert record.layers == list(record.counts)
    assert record.details["roads"]["skipped"] == 2
    assert record.details["pipelines"]["created"] == 2
    assert all(isinstance(detail["seconds"], float) for detail in record.details.values())
    assert "unknown_layer" in record.message  # ignored, and said so
    assert "道路：跳过 2 个其他等级的要素" in record.message
    # Every other layer was replaced as a whole by the file's features.
    assert Building.objects.count() == 4
    assert sorted(Building.objects.values_list("source_id", flat=True)) == ["B0", "B1", "B2", "B3"]
    assert set(Building.objects.values_list("layer_import", flat=True)) == {record.pk}
    assert Site.objects.count() == 2 and Settlement.objects.count() == 1
    assert WaterBody.objects.count() == 2 and ProtectedArea.objects.count() == 1
    assert sorted(Road.objects.values_list("road_class", flat=True)) == ["expressway", "railway"]
    assert Site.objects.get(site_type="school").name == "第一中学"
    settlement = Settlement.objects.get()
    assert (settlement.households, settlement.residents) == (80, 0)
    # Pipelines are added to the ones already there.
    assert Pipeline.objects.count() == pipelines_before + 2
    pipeline = Pipeline.objects.get(code="GIS-001")
    assert pipeline.company == company
    assert pipeline.outer_diameter_mm == Decimal("273.1") and pipeline.maop_mpa == Decimal("6.30")
    assert pipeline.route.geom_type == "MultiLineString"
    assert pipeline.length_m == pytest.approx(4_640, rel=0.02)
    # EPSG:4490 (CGCS2000) needs no shift against WGS 84: coordinates as in the file.
    assert pipeline.route.coords[0][0] == pytest.approx((LON, LAT), abs=1e-9)


@pytest.mark.parametrize(
    ("file_name", "driver"),
    [("buildings.shp", "ESRI Shapefile"), ("buildings.geojson", "GeoJSON"), ("buildings.fgb", "FlatGeobuf")],
)
def test_single_layer_files_take_their_layer_name_from_the_file(tmp_path, file_name, driver):
    path = tmp_path / file_name
    layer = buildings(
        5, points_only=driver == "ESRI Shapefile", floors=[1, 2, 3, 4, 5], name=["甲", "乙", "丙", "丁", "戊"]
    )
    layer.to_file(path, driver=driver)
    record = layers_import(replace_empty=True, path=path)
    assert record.counts == {"buildings": 5}
    rows = sorted(Building.objects.values_list("source_id", "name", "floors", "households"))  # any order in the file
    assert rows == [("B0", "甲", 1, 2), ("B1", "乙", 2, 2), ("B2", "丙", 3, 2), ("B3", "丁", 4, 2), ("B4", "戊", 5, 2)]
    point = Building.objects.get(source_id="B1").geom
    assert (point.geom_type, point.srid) == ("Point", 4326)
    assert point.coords == pytest.approx((LON + 0.001, LAT), abs=1e-9)


@pytest.mark.filterwarnings("ignore:Column names longer than 10 characters", "ignore:Normalized/laundered field name")
def test_zipped_shapefile_and_shapefile_field_names(tmp_path, company):
    folder = tmp_path / "shp"
    folder.mkdir()
    # Shapefiles cut field names to 10 characters (outer_diameter_mm -> outer_diam).
    pipelines(company.short_name, wall_thickness_mm=[7.1], commissioned=["2015-06-30"]).to_file(
        folder / "pipelines.shp"
    )
    archive = tmp_path / "pipelines.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, arcname=f"export/{part.name}")
    record = layers_import(replace_empty=True, path=archive)
    assert record.counts == {"pipelines": 1}
    pipeline = Pipeline.objects.get(code="GIS-001")
    assert pipeline.company == company  # matched by the short name
    assert pipeline.outer_diameter_mm == Decimal("273.1")
    assert pipeline.wall_thickness_mm == Decimal("7.1")
    assert str(pipeline.commissioned_on) == "2015-06-30"


def test_projected_input_is_transformed_to_wgs84(tmp_path):
    to_4548 = Transformer.from_crs(4326, 4548, always_xy=True)
    x, y = to_4548.transform(LON, LAT)
    footprint = box(x, y, x + 50, y + 30)
    layer = frame({"site_type": ["hospital"], "name": ["人民医院"]}, [footprint], crs=4548)
    layer.to_file(tmp_path / "sites.gpkg", layer="sites")
    layers_import(replace_empty=True, path=tmp_path / "sites.gpkg")
    site = Site.objects.get()
    assert site.geom.srid == 4326
    back = Transformer.from_crs(4548, 4326, always_xy=True)
    expected = [back.transform(px, py) for px, py in footprint.exterior.coords]
    assert np.array(site.geom.coords[0]) == pytest.approx(np.array(expected), abs=1e-9)
    assert np.array(site.geom.coords[0][3]) == pytest.approx(np.array([LON, LAT]), abs=1e-9)
    width = Geod(ellps="GRS80").inv(*expected[3], *expected[0])[2]  # the south edge, (x, y) to (x + 50, y)
    assert width == pytest.approx(50, rel=0.001)


def test_only_the_named_layers_are_imported(city_gpkg):
    record = layers_import(replace_empty=True, path=city_gpkg, layer_names=["sites", "roads"])
    assert record.counts == {"sites": 2, "roads": 2}
    assert not Pipeline.objects.filter(code__startswith="GIS-").exists()
    assert Building.objects.exclude(layer_import=None).count() == 0  # the demo's buildings stay


def test_a_named_layer_missing_from_the_file_is_an_error(tmp_path):
    buildings().to_file(tmp_path / "city.gpkg", layer="buildings")
    with pytest.raises(LayerImportError) as caught:
        layers_import(replace_empty=True, path=tmp_path / "city.gpkg", layer_names=["buildings", "water"])
    assert "water" in caught.value.message
    failed = LayerImport.objects.latest("pk")
    assert failed.status == LayerImport.Status.FAILED and "water" in failed.message


def test_single_layer_file_with_another_name_imports_as_the_requested_layer(tmp_path):
    buildings(2).to_file(tmp_path / "jianzhu_2026.geojson", driver="GeoJSON")
    with pytest.raises(LayerImportError):
        layers_import(replace_empty=True, path=tmp_path / "jianzhu_2026.geojson")  # no known layer in it
    record = layers_import(replace_empty=True, path=tmp_path / "jianzhu_2026.geojson", layer_names=["buildings"])
    assert record.counts == {"buildings": 2}


def test_feature_ids_from_id_columns_or_the_file(tmp_path):
    points = [Point(LON + i * 0.001, LAT) for i in range(3)]
    frame({"fid_text": ["x", "y", "z"], "source_id": ["S-9", "S-8", "S-7"]}, points).to_file(
        tmp_path / "a.gpkg", layer="buildings"
    )
    layers_import(replace_empty=True, path=tmp_path / "a.gpkg")
    assert sorted(Building.objects.values_list("source_id", flat=True)) == ["S-7", "S-8", "S-9"]
    frame({"floors": [1, 2, 3]}, points).to_file(tmp_path / "b.shp")  # no id column, no FID column
    layers_import(replace_empty=True, path=tmp_path / "b.shp", layer_names=["buildings"])
    assert dict(Building.objects.values_list("source_id", "floors")) == {"1": 1, "2": 2, "3": 3}


def test_defaults_for_buildings(tmp_path):
    frame({"households": [None, 3]}, [Point(LON, LAT), Point(LON + 0.001, LAT)]).to_file(
        tmp_path / "buildings.geojson", driver="GeoJSON"
    )
    layers_import(replace_empty=True, path=tmp_path / "buildings.geojson")
    assert sorted(Building.objects.values_list("households", "floors", "residents")) == [(1, 1, None), (3, 1, None)]


def test_values_are_read_as_the_contract_means_them(tmp_path):
    """Upper-case field names, numbers written as text or as whole floats, 3-D points."""
    layer = frame(
        {"ID": [101.0, 102.0], "FLOORS": ["4", " 2 "], "Households": [12.0, None], "NAME": ["  一号楼 ", None]},
        [Point(LON, LAT, 5.0), Point(LON + 0.001, LAT, 7.5)],
    )
    layer.to_file(tmp_path / "buildings.geojson", driver="GeoJSON")
    layers_import(replace_empty=True, path=tmp_path / "buildings.geojson")
    rows = sorted(Building.objects.values_list("source_id", "name", "floors", "households"))
    assert rows == [("101", "一号楼", 4, 12), ("102", "", 2, 1)]
    assert not Building.objects.get(source_id="101").geom.hasz


def test_geopackage_feature_ids_survive_deleted_rows(tmp_path):
    path = tmp_path / "sites.gpkg"
    frame({"site_type": ["market"] * 3}, [Point(LON + i * 0.001, LAT) for i in range(3)]).to_file(path, layer="sites")
    with sqlite3.connect(path) as db:  # a feature deleted in QGIS: the others keep their fid
        db.execute("DELETE FROM sites WHERE fid = 2")
    layers_import(replace_empty=True, path=path)
    assert sorted(Site.objects.values_list("source_id", flat=True)) == ["1", "3"]


# --- pipelines ---------------------------------------------------------------------------


def test_reimporting_a_pipeline_code_updates_it(tmp_path, company):
    existing = Pipeline.objects.exclude(company=company).order_by("code").first()
    wall, material, commissioned = existing.wall_thickness_mm, existing.material, existing.commissioned_on
    count = Pipeline.objects.count()
    layer = pipelines(company.credit_code, codes=(existing.code, "GIS-NEW"))
    layer.to_file(tmp_path / "pipelines.gpkg", layer="pipelines")

    record = layers_import(replace_empty=True, path=tmp_path / "pipelines.gpkg")

    assert record.details["pipelines"] | {"seconds": 0} == {
        "created": 1,
        "updated": 1,
        "companies_created": [],
        "defaults": {"wall_thickness_mm": 1, "material": 1, "status": 1},
        "repaired": 0,
        "seconds": 0,
    }
    assert Pipeline.objects.count() == count + 1
    existing.refresh_from_db()
    assert existing.company == company  # matched by the credit code
    assert existing.name == "测试输油管道0" and existing.outer_diameter_mm == Decimal("273.1")
    assert existing.length_m == pytest.approx(4_640, rel=0.02)  # follows the new route
    # Left empty in the file: what was stored stays.
    assert (existing.wall_thickness_mm, existing.material, existing.commissioned_on) == (
        wall,
        material,
        commissioned,
    )
    new = Pipeline.objects.get(code="GIS-NEW")
    assert new.wall_thickness_mm == default_wall_thickness(Decimal("273.1")) == Decimal("5.5")
    assert new.material == DEFAULT_MATERIAL and new.status == "in_service"

    # The same code again: updated, not duplicated.
    layer.assign(maop_mpa=[4.0, 2.5], material=["X52", "L245"]).to_file(tmp_path / "again.gpkg", layer="pipelines")
    layers_import(replace_empty=True, path=tmp_path / "again.gpkg")
    assert Pipeline.objects.count() == count + 1
    assert Pipeline.objects.get(code="GIS-NEW").maop_mpa == Decimal("2.50")
    assert Pipeline.objects.get(code=existing.code).material == "X52"


def test_unknown_companies_are_listed_in_one_error_and_nothing_is_written(tmp_path, company):
    layer = pipelines(company.name, codes=("GIS-1", "GIS-2", "GIS-3", "GIS-4"))
    layer["company"] = [company.name, "新兴燃气有限公司", "远方石化公司", "新兴燃气有限公司"]
    write_gpkg(tmp_path / "city.gpkg", {"pipelines": layer, "buildings": buildings(2)})
    buildings_before = sorted(Building.objects.values_list("source_id", flat=True))

    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "city.gpkg")

    assert len(caught.value.errors) == 1
    message = caught.value.errors[0]
    assert message.startswith("管道（pipelines）图层：company")
    assert "新兴燃气有限公司、远方石化公司" in message
    assert not Pipeline.objects.filter(code__startswith="GIS-").exists()
    assert sorted(Building.objects.values_list("source_id", flat=True)) == buildings_before


def test_create_companies_adds_them_with_valid_credit_codes(tmp_path, company):
    layer = pipelines(company.name, codes=("GIS-1", "GIS-2", "GIS-3"))
    layer["company"] = ["新兴燃气有限公司", "远方石化公司", "新兴燃气有限公司"]
    layer.to_file(tmp_path / "pipelines.geojson", driver="GeoJSON")
    companies_before = OperatingCompany.objects.count()

    record = layers_import(replace_empty=True, path=tmp_path / "pipelines.geojson", create_companies=True)

    assert record.details["pipelines"]["companies_created"] == ["新兴燃气有限公司", "远方石化公司"]
    assert OperatingCompany.objects.count() == companies_before + 2
    created = OperatingCompany.objects.get(name="新兴燃气有限公司")
    validate_credit_code(created.credit_code)
    created.full_clean()
    assert created.credit_code.startswith("91370500Y")
    assert sorted(created.pipelines.values_list("code", flat=True)) == ["GIS-1", "GIS-3"]
    assert "新兴燃气有限公司" in record.message


def test_pipeline_attributes_are_checked(tmp_path, company):
    layer = pipelines(company.name, codes=("GIS-1", "GIS-2", "GIS-3", "GIS-1"))
    layer["medium"] = ["crude_oil", "water", "natural_gas", "crude_oil"]
    layer["wall_thickness_mm"] = [7.1, 7.1, 200.0, 7.1]
    layer.to_file(tmp_path / "pipelines.gpkg", layer="pipelines")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "pipelines.gpkg")
    errors = caught.value.errors
    assert any(e.startswith("管道（pipelines）图层第 2 行 medium：“water”") for e in errors), errors
    assert any(e.startswith("管道（pipelines）图层第 3 行 wall_thickness_mm：") for e in errors), errors
    assert any(e.startswith("管道（pipelines）图层第 4 行 code：GIS-1") and "第 1 行" in e for e in errors), errors


# --- refusals ----------------------------------------------------------------------------


def test_a_bad_attribute_names_layer_row_and_field_and_changes_nothing(tmp_path, admin_user):
    first = buildings(3)
    first.to_file(tmp_path / "buildings.gpkg", layer="buildings")
    layers_import(replace_empty=True, path=tmp_path / "buildings.gpkg")
    before = sorted(Building.objects.values_list("source_id", "floors"))
    imports_before = LayerImport.objects.count()

    bad = buildings(14)
    bad.loc[11, "floors"] = 0  # row 12 of the file
    bad.to_file(tmp_path / "bad.gpkg", layer="buildings")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "bad.gpkg", actor=admin_user)

    assert caught.value.errors == ["建筑物（buildings）图层第 12 行 floors：必须是 ≥ 1 的整数（不是“0”）"]
    assert sorted(Building.objects.values_list("source_id", "floors")) == before
    assert LayerImport.objects.count() == imports_before + 1
    failed = LayerImport.objects.latest("pk")
    assert (failed.status, failed.file_name, failed.imported_by) == ("failed", "bad.gpkg", admin_user)
    assert failed.message == caught.value.errors[0]
    assert failed.counts == {}


def test_problems_are_collected_up_to_the_limit(tmp_path):
    bad = buildings(40)
    bad["households"] = ["many"] * 40
    bad.to_file(tmp_path / "buildings.geojson", driver="GeoJSON")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "buildings.geojson")
    errors = caught.value.errors
    assert len(errors) == MAX_ERRORS + 1
    assert errors[0] == "建筑物（buildings）图层第 1 行 households：必须是 ≥ 0 的整数（不是“many”）"
    assert "20" in errors[-1]


def test_enumerations_are_checked(tmp_path):
    frame({"site_type": ["school", "church"]}, [Point(LON, LAT), Point(LON, LAT + 0.001)]).to_file(
        tmp_path / "sites.geojson", driver="GeoJSON"
    )
    with pytest.raises(LayerImportError) as caught:
        layers_import(replace_empty=True, path=tmp_path / "sites.geojson")
    (error,) = caught.value.errors
    assert "sites" in error and "2" in error and "site_type" in error and "church" in error
    assert "kindergarten" in error  # says what is allowed


def test_a_layer_without_crs_is_refused(tmp_path):
    buildings(2, points_only=True).to_file(tmp_path / "buildings.shp")
    (tmp_path / "buildings.prj").unlink()
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "buildings.shp")
    assert caught.value.errors == [
        "建筑物（buildings）图层没有坐标参考系（CRS）。请在文件中设定（例如 EPSG:4490 或 EPSG:4326）后重新导入。"
    ]


def test_invalid_geometry_is_repaired_when_it_keeps_its_type(tmp_path):
    bowtie = Polygon([(LON, LAT), (LON + 0.001, LAT + 0.001), (LON + 0.001, LAT), (LON, LAT + 0.001)])
    assert not bowtie.is_valid
    frame({"area_type": ["wetland"]}, [bowtie]).to_file(tmp_path / "protected_areas.geojson", driver="GeoJSON")
    record = layers_import(replace_empty=True, path=tmp_path / "protected_areas.geojson")
    assert record.details["protected_areas"]["repaired"] == 1
    area = ProtectedArea.objects.get()
    assert area.geom.valid and area.geom.geom_type == "MultiPolygon"
    assert area.geom.area == pytest.approx(0.001**2 / 2, rel=1e-6)


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        (Polygon([(LON, LAT), (LON + 0.001, LAT), (LON + 0.002, LAT), (LON, LAT)]), "无效"),  # no area left
        (LineString([(LON, LAT), (LON + 0.001, LAT)]), "LineString"),  # a line is no building
        (Polygon(), "为空"),
    ],
)
def test_geometry_that_cannot_be_used_is_refused(tmp_path, geometry, problem):
    layer = frame({"floors": [1, 2]}, [Point(LON, LAT), geometry])
    layer.to_file(tmp_path / "buildings.gpkg", layer="buildings")
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "buildings.gpkg")
    (error,) = caught.value.errors
    assert error.startswith("建筑物（buildings）图层第 2 行 geometry：") and problem in error


def test_duplicate_ids_in_a_layer_are_refused(tmp_path):
    layer = buildings(4)
    layer["id"] = ["B1", "B2", "B3", "B2"]
    layer.to_file(tmp_path / "buildings.geojson", driver="GeoJSON")  # keeps the rows in order (FlatGeobuf sorts)
    with pytest.raises(LayerImportError) as caught:
        zh(layers_import, replace_empty=True, path=tmp_path / "buildings.geojson")
    (error,) = caught.value.errors
    assert error.startswith("建筑物（buildings）图层第 4 行 id：B2") and "第 2 行" in error


def test_a_file_gdal_cannot_read_is_refused(tmp_path):
    path = tmp_path / "buildings.gpkg"
    path.write_bytes(b"not a geopackage")
    with pytest.raises(LayerImportError):
        layers_import(replace_empty=True, path=path)
    assert LayerImport.objects.latest("pk").status == "failed"


# --- after the import --------------------------------------------------------------------


def test_a_successful_import_starts_hca_identification_after_commit(
    tmp_path, inspector, django_capture_on_commit_callbacks
):
    buildings(2).to_file(tmp_path / "buildings.gpkg", layer="buildings")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        layers_import(replace_empty=True, path=tmp_path / "buildings.gpkg", actor=inspector)
    # One run per rule set in use: the demo city is assessed under GB 32167 and, for comparison, 49 CFR 192.
    assert len(callbacks) == 2
    runs_before = HcaRun.objects.count()
    for callback in callbacks:
        callback()  # the Celery task, eager in tests
    runs = HcaRun.objects.order_by("-started_at")[:2]
    assert HcaRun.objects.count() == runs_before + 2
    assert sorted((r.trigger, r.rule_set, r.started_by) for r in runs) == [
        ("import", "cfr192", inspector),
        ("import", "gb32167", inspector),
    ]


def test_a_refused_import_starts_nothing(tmp_path, django_capture_on_commit_callbacks):
    bad = buildings(2)
    bad["floors"] = [1, -1]
    bad.to_file(tmp_path / "buildings.gpkg", layer="buildings")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(LayerImportError):
        layers_import(replace_empty=True, path=tmp_path / "buildings.gpkg")
    assert callbacks == []


# --- the command -------------------------------------------------------------------------


def test_command_prints_counts_and_seconds(city_gpkg):
    out = io.StringIO()
    call_command(
        "import_layers", str(city_gpkg), "--layer", "buildings", "--layer", "roads", "--replace-empty", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert any(line.startswith("建筑物：4 个要素，") and line.endswith(" s") for line in lines), lines
    assert any(line.startswith("道路：2 个要素，") for line in lines), lines
    assert Building.objects.count() == 4


def test_command_create_companies_option(tmp_path):
    pipelines("全新管道公司").to_file(tmp_path / "pipelines.gpkg", layer="pipelines")
    with pytest.raises(CommandError):
        call_command("import_layers", str(tmp_path / "pipelines.gpkg"), stdout=io.StringIO())
    call_command("import_layers", str(tmp_path / "pipelines.gpkg"), "--create-companies", stdout=io.StringIO())
    assert Pipeline.objects.get(code="GIS-001").company.name == "全新管道公司"


def test_command_refusal_exits_non_zero_with_the_message_on_stderr(tmp_path, capsys):
    from layers.management.commands.import_layers import Command

    bad = buildings(3)
    bad["floors"] = [1, 2, "x"]
    bad.to_file(tmp_path / "buildings.geojson", driver="GeoJSON")
    with translation.override("zh-hans"), pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "import_layers", str(tmp_path / "buildings.geojson")])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "建筑物（buildings）图层第 3 行 floors" in captured.err
    assert captured.out == ""


# --- the admin upload page ---------------------------------------------------------------


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_regulator_imports_through_the_admin(client, inspector, city_gpkg):
    client.force_login(inspector)
    listing = client.get(reverse("admin:layers_layerimport_changelist"))
    assert reverse("admin:layers_layerimport_upload") in listing.text
    page = client.get(reverse("admin:layers_layerimport_upload"))
    assert page.status_code == 200 and "导入图层" in page.text
    response = client.post(
        reverse("admin:layers_layerimport_upload"),
        {"file": _upload("city.gpkg", city_gpkg.read_bytes()), "layers": ["buildings", "sites"], "replace_empty": "on"},
        follow=True,
    )
    assert response.status_code == 200
    record = LayerImport.objects.latest("pk")
    assert response.redirect_chain[-1][0] == reverse("admin:layers_layerimport_change", args=[record.pk])
    assert (record.status, record.file_name, record.imported_by) == ("succeeded", "city.gpkg", inspector)
    assert record.counts == {"buildings": 4, "sites": 2}
    assert "建筑物 4、特定场所 2" in response.text  # the success message


def test_upload_page_shows_every_problem(client, inspector, tmp_path):
    bad = buildings(3)
    bad["floors"] = [0, 1, 0]
    bad.to_file(tmp_path / "buildings.geojson", driver="GeoJSON")
    before = Building.objects.count()
    client.force_login(inspector)
    response = client.post(
        reverse("admin:layers_layerimport_upload"),
        {"file": _upload("buildings.geojson", (tmp_path / "buildings.geojson").read_bytes())},
    )
    assert response.status_code == 200
    assert response.context["import_errors"] == [
        "建筑物（buildings）图层第 1 行 floors：必须是 ≥ 1 的整数（不是“0”）",
        "建筑物（buildings）图层第 3 行 floors：必须是 ≥ 1 的整数（不是“0”）",
    ]
    assert "第 3 行 floors" in response.text and "errornote" in response.text
    assert Building.objects.count() == before


def test_upload_checks_the_file_content(client, inspector):
    client.force_login(inspector)
    response = client.post(
        reverse("admin:layers_layerimport_upload"), {"file": _upload("city.gpkg", b"\x89PNG\r\n\x1a\n" + b"0" * 64)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    response = client.post(reverse("admin:layers_layerimport_upload"), {"file": _upload("city.exe", b"MZ")})
    assert response.context["form"].errors["file"]


def test_zip_upload_through_the_admin(client, inspector, tmp_path):
    buildings(3, points_only=True).to_file(tmp_path / "buildings.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for part in tmp_path.glob("buildings.*"):
            zipped.write(part, arcname=part.name)
    client.force_login(inspector)
    response = client.post(
        reverse("admin:layers_layerimport_upload"),
        {"file": _upload("楼房.zip", buffer.getvalue()), "replace_empty": "on"},
    )
    assert response.status_code == 302
    assert LayerImport.objects.latest("pk").counts == {"buildings": 3}


def test_company_staff_and_managers_cannot_import(client, manager, company):
    staff = User.objects.create_user("staff-gis", password="x-Test-2026", is_staff=True, company=company)
    staff.groups.add(Group.objects.get(name=COMPANY_STAFF))
    for user in (staff, manager):
        client.force_login(user)
        assert client.get(reverse("admin:layers_layerimport_upload")).status_code == 403
        assert client.post(reverse("admin:layers_layerimport_upload"), {}).status_code == 403


def test_import_records_are_read_only(client, inspector, city_gpkg):
    record = layers_import(replace_empty=True, path=city_gpkg)
    client.force_login(inspector)
    page = client.get(reverse("admin:layers_layerimport_change", args=[record.pk]))
    assert page.status_code == 200 and "city.gpkg" in page.text
    assert 'name="_save"' not in page.text
    assert client.get(reverse("admin:layers_layerimport_add")).status_code == 403
    assert client.post(reverse("admin:layers_layerimport_delete", args=[record.pk])).status_code == 403


# --- feature admins ----------------------------------------------------------------------

FEATURE_ADMINS = [
    ("layers_building", Building, "storeys", "high"),
    ("layers_site", Site, "site_type__exact", "school"),
    ("layers_settlement", Settlement, None, None),
    ("layers_waterbody", WaterBody, "water_type__exact", "river"),
    ("layers_protectedarea", ProtectedArea, "area_type__exact", "wetland"),
    ("layers_road", Road, "road_class__exact", "railway"),
]


@pytest.mark.parametrize(("prefix", "model", "filter_name", "value"), FEATURE_ADMINS)
def test_feature_lists_search_filter_and_map(client, inspector, prefix, model, filter_name, value):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(inspector)
    url = reverse(f"admin:{prefix}_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    rows = len(response.context["cl"].result_list)
    assert rows == min(model.objects.count(), 100)
    assert len(queries) <= 14, [q["sql"] for q in queries.captured_queries]  # not one per row
    features = client.get(url, {"_overview": "1"}).json()["features"]
    assert 0 < len(features) <= 2000
    feature = model.objects.order_by("pk").first()
    found = client.get(url, {"q": feature.source_id})
    assert feature in found.context["cl"].result_list
    if filter_name:
        filtered = client.get(url, {filter_name: value})
        assert filtered.status_code == 200
        assert filtered.context["cl"].result_count > 0
        assert all(
            (getattr(row, "floors", 4) >= 4) if filter_name == "storeys" else getattr(row, filter_name[:-7]) == value
            for row in filtered.context["cl"].result_list
        )


def test_building_map_is_capped(client, inspector, tmp_path):
    many = frame(
        {"id": [f"N{i}" for i in range(2500)]},
        [Point(LON + (i % 50) * 1e-4, LAT + (i // 50) * 1e-4) for i in range(2500)],
    )
    many.to_file(tmp_path / "buildings.fgb", driver="FlatGeobuf")
    layers_import(replace_empty=True, path=tmp_path / "buildings.fgb")
    client.force_login(inspector)
    response = client.get(reverse("admin:layers_building_changelist"))
    assert len(client.get(response.context["overview_url"]).json()["features"]) == 2000
    assert response.context["overview_count"] == 2000
    assert response.context["cl"].result_count == 2500


def test_feature_pages_show_a_map_to_editors_and_viewers(client, inspector, manager):
    building = Building.objects.order_by("pk").first()
    url = reverse("admin:layers_building_change", args=[building.pk])
    for user, editable in ((inspector, True), (manager, False)):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert "new MapWidget(options)" in page.text and "/static/vendor/ol/ol.js" in page.text
        assert ('name="_save"' in page.text) is editable
        assert ("SRID=4326;POLYGON" in page.text) is False  # never the geometry as text


def test_correcting_a_feature_reidentifies_nearby_pipelines(client, inspector, django_capture_on_commit_callbacks):
    site = Site.objects.order_by("pk").first()
    on_the_line = Pipeline.objects.exclude(status="abandoned").order_by("code").first().route.coords[0][0]
    client.force_login(inspector)
    url = reverse("admin:layers_site_change", args=[site.pk])
    data = {
        "source_id": site.source_id,
        "name": "改名后的场所",
        "site_type": "hospital",
        "geom": f"SRID=4326;POINT ({on_the_line[0]} {on_the_line[1]})",
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, data)
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.site_type) == ("改名后的场所", "hospital")
    assert site.geom.coords == pytest.approx(on_the_line, abs=1e-9)
    # After commit: identification of the pipelines near the old and the new place (eager in tests).
    assert callbacks
    for callback in callbacks:
        callback()
    run = HcaRun.objects.filter(trigger="change", rule_set="gb32167").latest("started_at")
    pipeline = Pipeline.objects.exclude(status="abandoned").order_by("code").first()
    assert HcaAssessment.objects.get(pipeline=pipeline, rule_set="gb32167").run == run
    assert run.pipeline_count >= 1 and run.started_by == inspector


def test_company_staff_do_not_see_layers(client, company):
    staff = User.objects.create_user("staff-gis2", password="x-Test-2026", is_staff=True, company=company)
    staff.groups.add(Group.objects.get(name=COMPANY_STAFF))
    client.force_login(staff)
    assert client.get(reverse("admin:layers_building_changelist")).status_code == 403
    assert client.get(reverse("admin:layers_layerimport_changelist")).status_code == 403


def test_multipolygon_buildings_are_accepted(tmp_path):
    two = MultiPolygon([square(LON, LAT), square(LON + 0.001, LAT)])
    frame({"floors": [6]}, [two]).to_file(tmp_path / "buildings.gpkg", layer="buildings")
    layers_import(replace_empty=True, path=tmp_path / "buildings.gpkg")
    assert Building.objects.get().geom.geom_type == "MultiPolygon"


# --- the bulk load keeps the tables whole ------------------------------------------------


def _table_upkeep(table: str) -> dict:
    """Triggers, indexes and foreign keys of a table (what the bulk load sets aside)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
            indexes = sorted(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
                [table],
            )
            return {"indexes": indexes, "constraints": sorted(cursor.fetchall())}
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s OR name LIKE %s", [table, f"idx_{table}_%"]
        )
        return {"schema": sorted(cursor.fetchall(), key=lambda row: row[1])}


def _in_box(model, xmin, ymin, xmax, ymax) -> set[str]:
    """Feature ids found through the spatial index (SpatiaLite's R*Tree, PostGIS's GiST with &&)."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT source_id FROM {table} WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",  # noqa: S608
                [xmin, ymin, xmax, ymax],
            )
        else:
            cursor.execute(
                f"SELECT source_id FROM {table} WHERE id IN (SELECT pkid FROM idx_{table}_geom "  # noqa: S608
                "WHERE xmax >= %s AND xmin <= %s AND ymax >= %s AND ymin <= %s)",
                [xmin, xmax, ymin, ymax],
            )
        return {row[0] for row in cursor.fetchall()}


def test_bulk_load_keeps_indexes_constraints_and_triggers(tmp_path):
    before = _table_upkeep("layers_building")
    buildings(6).to_file(tmp_path / "buildings.gpkg", layer="buildings")
    record = layers_import(replace_empty=True, path=tmp_path / "buildings.gpkg")
    assert _table_upkeep("layers_building") == before
    # The spatial index knows every new feature, and only those.
    assert _in_box(Building, LON - 0.0001, LAT - 0.0001, LON + 0.0021, LAT + 0.001) == {"B0", "B1", "B2"}
    assert _in_box(Building, 100, 20, 130, 50) == {f"B{i}" for i in range(6)}
    # The table's own upkeep works again for a feature added afterwards.
    Building.objects.create(source_id="later", geom=GeosPoint(LON + 0.01, LAT, srid=4326), layer_import=record)
    assert _in_box(Building, LON + 0.009, LAT - 0.001, LON + 0.011, LAT + 0.001) == {"later"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(source_id="B0", geom=GeosPoint(LON, LAT, srid=4326))  # unique per layer


def test_layers_catalogue_is_complete_and_compiled():
    from pathlib import Path

    import layers

    catalogue = Path(layers.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    text = catalogue.read_text(encoding="utf-8")
    blocks = [block for block in text.split("\n\n") if "msgid" in block and 'msgid ""\nmsgstr ""\n"' not in block]
    assert len(blocks) > 100
    assert not [b for b in blocks if "#, fuzzy" in b or re.search(r'^msgstr(\[0\])? ""(?!\n")', b + "\n", re.M)]
    assert catalogue.with_suffix(".mo").exists()
    with translation.override("zh-hans"):
        assert str(Building._meta.verbose_name) == "建筑物"
        assert str(LayerImport._meta.verbose_name_plural) == "图层导入记录"


def test_deleting_features_far_apart_reidentifies_the_pipelines_near_each_not_between(
    inspector, django_capture_on_commit_callbacks
):
    from django.contrib.gis.geos import Polygon as GeosPolygon

    from layers.services import features_delete

    routes = list(Pipeline.objects.exclude(status="abandoned").order_by("code"))
    first, last = routes[0].route.coords[0][0], routes[-1].route.coords[0][0]
    sites = [
        Site.objects.create(source_id=f"DEL-{i}", name="待删除", site_type="hospital", geom=GeosPoint(*xy, srid=4326))
        for i, xy in enumerate((first, last))
    ]
    with django_capture_on_commit_callbacks(execute=True):
        features_delete(queryset=Site.objects.filter(pk__in=[s.pk for s in sites]), actor=inspector)
    assert not Site.objects.filter(source_id__startswith="DEL-").exists()
    run = HcaRun.objects.filter(trigger="change", rule_set="gb32167").latest("started_at")
    box = GeosPolygon.from_bbox((*map(min, zip(first, last, strict=True)), *map(max, zip(first, last, strict=True))))
    box.srid = 4326
    in_the_box = Pipeline.objects.exclude(status="abandoned").filter(route__intersects=box).count()
    assert 2 <= run.pipeline_count < in_the_box
