"""Exports of pipelines and HCA segments (layers/exports.py), read back
with pyogrio: feature counts, CRS, attributes, geometry; scoped for company
staff; the command and the admin downloads."""

import io
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import COMPANY_STAFF
from hca.models import HcaSegment
from layers.exports import layers_export
from layers.importer import layers_import
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def segments():
    queryset = HcaSegment.objects.filter(rule_set="gb32167").select_related("pipeline")
    assert queryset.count() > 10  # the demo city's identification
    return queryset


@pytest.fixture
def staff():
    company = HcaSegment.objects.order_by("pk").first().pipeline.company
    user = User.objects.create_user("staff-export", password="x-Test-2026", is_staff=True, company=company)
    user.groups.add(Group.objects.get(name=COMPANY_STAFF))
    return user


def test_geopackage_holds_pipelines_and_segments(tmp_path, segments):
    (path,) = layers_export(path=tmp_path / "city.gpkg")

    assert dict(pyogrio.list_layers(path).tolist()) == {"pipelines": "MultiLineString", "hca_segments": "LineString"}
    for layer, count in (("pipelines", Pipeline.objects.count()), ("hca_segments", segments.count())):
        info = pyogrio.read_info(path, layer=layer)
        assert (info["features"], info["crs"]) == (count, "EPSG:4326")

    pipes = pyogrio.read_dataframe(path, layer="pipelines").set_index("code")
    assert {"name", "company", "medium", "outer_diameter_mm", "maop_mpa", "length_m"} <= set(pipes.columns)
    pipeline = Pipeline.objects.select_related("company").order_by("code").first()
    row = pipes.loc[pipeline.code]
    assert (row["name"], row["company"], row["medium"]) == (pipeline.name, pipeline.company.name, pipeline.medium)
    assert row["outer_diameter_mm"] == float(pipeline.outer_diameter_mm)
    assert row["maop_mpa"] == float(pipeline.maop_mpa)
    assert row["length_m"] == pytest.approx(pipeline.length_m, abs=0.1)
    assert shapely.equals_exact(row.geometry, shapely.from_wkb(bytes(pipeline.route.wkb)), tolerance=1e-9)

    rows = pyogrio.read_dataframe(path, layer="hca_segments")
    assert set(rows["grade"]) <= {"I", "II", "III"} and len(set(rows["grade"])) > 1
    segment = segments.order_by("pipeline__code", "start_m").first()
    first = rows.iloc[0]
    assert first["pipeline_code"] == segment.pipeline.code
    assert (first["start_m"], first["end_m"]) == pytest.approx((segment.start_m, segment.end_m), abs=0.05)
    assert first["grade"] == segment.get_grade_display()
    assert first["rules"] == ",".join(sorted(segment.rules))  # one text field in a GeoPackage
    assert (first["review_status"], bool(first["video_pilot"])) == (segment.review_status, segment.video_pilot)
    assert np.array(first.geometry.coords) == pytest.approx(np.array(segment.geom.coords), abs=1e-9)


def test_geojson_writes_one_file_per_layer(tmp_path, segments):
    written = layers_export(path=tmp_path / "out", fmt="geojson")
    assert [p.name for p in written] == ["pipelines.geojson", "hca_segments.geojson"]
    pipes = pyogrio.read_dataframe(written[0])
    rows = pyogrio.read_dataframe(written[1])
    assert len(pipes) == Pipeline.objects.count() and len(rows) == segments.count()
    assert pyogrio.read_info(written[1])["crs"] == "EPSG:4326"
    most_rules = max(segments, key=lambda s: (len(s.rules), -s.pk))
    match = rows[
        (rows["pipeline_code"] == most_rules.pipeline.code) & (abs(rows["start_m"] - most_rules.start_m) < 0.05)
    ]
    assert list(match.iloc[0]["rules"]) == sorted(most_rules.rules)  # a JSON array in GeoJSON


def test_one_geojson_layer_to_a_named_file_and_pipeline_filter(tmp_path, segments):
    code = segments.first().pipeline.code
    (path,) = layers_export(
        path=tmp_path / "segments.geojson", layers=("hca_segments",), fmt="geojson", pipeline_codes=[code]
    )
    rows = pyogrio.read_dataframe(path)
    assert set(rows["pipeline_code"]) == {code}
    assert len(rows) == segments.filter(pipeline__code=code).count()


def test_empty_export_is_still_a_valid_file(tmp_path):
    (path,) = layers_export(path=tmp_path / "none.gpkg", pipeline_codes=["NO-SUCH-PIPE"])
    assert [pyogrio.read_info(path, layer=name)["features"] for name in ("pipelines", "hca_segments")] == [0, 0]


def test_company_staff_export_only_their_company(tmp_path, staff, segments):
    (path,) = layers_export(path=tmp_path / "own.gpkg", user=staff)
    pipes = pyogrio.read_dataframe(path, layer="pipelines")
    rows = pyogrio.read_dataframe(path, layer="hca_segments")
    own = Pipeline.objects.filter(company=staff.company)
    assert sorted(pipes["code"]) == sorted(own.values_list("code", flat=True))
    assert set(pipes["company"]) == {staff.company.name}
    assert len(rows) == segments.filter(pipeline__company=staff.company).count() < segments.count()


def test_exported_pipelines_import_again_unchanged(tmp_path):
    before = {
        p.code: (p.name, p.company_id, p.outer_diameter_mm, p.wall_thickness_mm, p.maop_mpa, p.material)
        for p in Pipeline.objects.all()
    }
    (path,) = layers_export(path=tmp_path / "pipelines.gpkg", layers=("pipelines",))
    record = layers_import(path=path)
    assert record.details["pipelines"]["created"] == 0
    assert record.details["pipelines"]["updated"] == len(before)
    after = {
        p.code: (p.name, p.company_id, p.outer_diameter_mm, p.wall_thickness_mm, p.maop_mpa, p.material)
        for p in Pipeline.objects.all()
    }
    assert after == before


def test_command_writes_geopackage_and_geojson(tmp_path, segments):
    out = io.StringIO()
    call_command("export_layers", str(tmp_path / "city.gpkg"), stdout=out)
    assert "city.gpkg" in out.getvalue()
    assert pyogrio.read_info(tmp_path / "city.gpkg", layer="hca_segments")["features"] == segments.count()
    call_command(
        "export_layers", str(tmp_path / "json"), "--format", "geojson", "--layer", "pipelines", stdout=io.StringIO()
    )
    assert [p.name for p in (tmp_path / "json").iterdir()] == ["pipelines.geojson"]


# --- admin downloads ---------------------------------------------------------------------


def test_regulator_downloads_both_layers(client, inspector, tmp_path, segments):
    client.force_login(inspector)
    response = client.get(reverse("admin:layers_export", kwargs={"layer": "all", "fmt": "gpkg"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert response["Content-Disposition"].startswith('attachment; filename="all-')
    path = tmp_path / "download.gpkg"
    path.write_bytes(response.content)
    assert pyogrio.read_info(path, layer="pipelines")["features"] == Pipeline.objects.count()
    assert pyogrio.read_info(path, layer="hca_segments")["features"] == segments.count()

    zipped = client.get(reverse("admin:layers_export", kwargs={"layer": "all", "fmt": "geojson"}))
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert sorted(archive.namelist()) == ["hca_segments.geojson", "pipelines.geojson"]


def test_segment_download_for_company_staff_is_scoped(client, staff, tmp_path, segments):
    client.force_login(staff)
    response = client.get(reverse("admin:layers_export", kwargs={"layer": "hca_segments", "fmt": "geojson"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    path = tmp_path / "segments.geojson"
    path.write_bytes(response.content)
    rows = pyogrio.read_dataframe(path)
    own = set(Pipeline.objects.filter(company=staff.company).values_list("code", flat=True))
    assert len(rows) == segments.filter(pipeline__company=staff.company).count() > 0
    assert set(rows["pipeline_code"]) <= own


def test_download_needs_view_permission(client):
    nobody = User.objects.create_user("no-role", password="x-Test-2026", is_staff=True)
    client.force_login(nobody)
    for layer in ("pipelines", "hca_segments", "all"):
        assert client.get(reverse("admin:layers_export", kwargs={"layer": layer, "fmt": "gpkg"})).status_code == 403
    assert client.get("/admin/layers/layerimport/export/hazards.gpkg").status_code == 404


def test_download_buttons_on_the_pipeline_list(client, inspector):
    client.force_login(inspector)
    page = client.get(reverse("admin:pipelines_pipeline_changelist")).text
    assert reverse("admin:layers_export", kwargs={"layer": "pipelines", "fmt": "gpkg"}) in page
    assert reverse("admin:layers_export", kwargs={"layer": "pipelines", "fmt": "geojson"}) in page
    assert "下载 GeoPackage" in page


def test_download_buttons_on_the_hca_segment_list_follow_the_rule_set_filter(client, inspector, segments, tmp_path):
    client.force_login(inspector)
    url = reverse("admin:hca_hcasegment_changelist")
    gpkg = reverse("admin:layers_export", kwargs={"layer": "hca_segments", "fmt": "gpkg"})
    page = client.get(url).text
    assert f'href="{gpkg}"' in page and "下载 GeoJSON" in page
    page = client.get(url, {"rule_set__exact": "cfr192"}).text
    assert f'href="{gpkg}?rule_set=cfr192"' in page
    # The link works: a GeoPackage of the 49 CFR 192 segments, not the GB 32167 ones.
    response = client.get(gpkg, {"rule_set": "cfr192"})
    assert response.status_code == 200 and response["Content-Type"] == "application/geopackage+sqlite3"
    path = tmp_path / "cfr.gpkg"
    path.write_bytes(response.content)
    cfr = HcaSegment.objects.filter(rule_set="cfr192").count()
    assert pyogrio.read_info(path, layer="hca_segments")["features"] == cfr > 0
    assert cfr != HcaSegment.objects.filter(rule_set="gb32167").count()
