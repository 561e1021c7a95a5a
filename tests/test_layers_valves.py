"""The valves layer (docs/emergency.md): placed on their pipelines at the nearest point, within 5 m,
replacing every valve; a bad row rejects the import with the row and field named, nothing written."""

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from emergency.models import Valve
from hca.loading import single_line, to_metric, to_wgs84
from hca.models import HcaRun
from layers.errors import LayerImportError
from layers.importer import layers_import
from pipelines.models import Pipeline
from tests.test_layers_import import frame, pipelines, zh

pytestmark = pytest.mark.django_db


def _line(pipeline):
    return single_line(to_metric(np.array([shapely.from_wkb(bytes(pipeline.route.wkb))], dtype=object))[0])


def beside(pipeline, chainage, offset):
    """A WGS84 point ``offset`` m to the side of ``chainage`` along the pipeline."""
    line = _line(pipeline)
    p, q = line.interpolate(chainage), line.interpolate(chainage + 1.0)
    dx, dy = q.x - p.x, q.y - p.y
    norm = (dx * dx + dy * dy) ** 0.5
    return to_wgs84(np.array([Point(p.x - dy / norm * offset, p.y + dx / norm * offset)], dtype=object))[0]


def valves_file(tmp_path, rows, name="valves.geojson"):
    data = frame(
        {k: [r.get(k) for r in rows] for k in ("code", "pipeline_code", "kind", "operable", "name")},
        [r["geometry"] for r in rows],
    )
    path = tmp_path / name
    data.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def pipeline():
    return Pipeline.objects.order_by("code").first()


def test_valves_are_placed_on_their_pipeline_and_replace_the_layer(tmp_path, pipeline, admin_user):
    runs = HcaRun.objects.count()
    rows = [
        {"code": "V-A", "pipeline_code": pipeline.code, "kind": "remote", "operable": "yes", "name": "首站阀",
         "geometry": beside(pipeline, 1000.0, 3.0)},
        {"code": "V-B", "pipeline_code": pipeline.code, "kind": "manual", "operable": "否", "name": None,
         "geometry": beside(pipeline, 2500.0, -4.5)},
        {"code": "V-C", "pipeline_code": pipeline.code, "kind": "CHECK", "operable": None, "name": None,
         "geometry": beside(pipeline, 4000.0, 0.0)},
    ]  # fmt: skip
    record = zh(layers_import, path=valves_file(tmp_path, rows), actor=admin_user, replace_empty=True)
    assert record.counts == {"valves": 3}
    valves = {v.code: v for v in Valve.objects.all()}
    assert set(valves) == {"V-A", "V-B", "V-C"}  # the demo's valves replaced
    assert valves["V-A"].chainage_m == pytest.approx(1000.0, abs=0.05)
    assert valves["V-A"].offset_m == pytest.approx(3.0, abs=0.05)
    assert (valves["V-A"].kind, valves["V-A"].operable, valves["V-A"].name) == ("remote", True, "首站阀")
    assert (valves["V-B"].operable, valves["V-C"].kind, valves["V-C"].operable) == (False, "check", True)
    assert valves["V-B"].layer_import == record
    assert HcaRun.objects.count() == runs  # valves change no high-consequence area


def test_a_valve_too_far_an_unknown_pipeline_and_bad_values_reject_the_import_naming_the_rows(tmp_path, pipeline):
    before = set(Valve.objects.values_list("code", flat=True))
    rows = [
        {"code": "V-OK", "pipeline_code": pipeline.code, "kind": "remote", "operable": "yes",
         "geometry": beside(pipeline, 1000.0, 1.0)},
        {"code": "V-FAR", "pipeline_code": pipeline.code, "kind": "remote", "operable": "yes",
         "geometry": beside(pipeline, 2000.0, 8.0)},
        {"code": "V-NONE", "pipeline_code": "NO-SUCH", "kind": "manual", "operable": "yes",
         "geometry": beside(pipeline, 3000.0, 0.0)},
        {"code": "V-KIND", "pipeline_code": pipeline.code, "kind": "gate", "operable": "maybe",
         "geometry": beside(pipeline, 3500.0, 0.0)},
        {"code": "V-OK", "pipeline_code": pipeline.code, "kind": "manual", "operable": "no",
         "geometry": beside(pipeline, 3900.0, 0.0)},
    ]  # fmt: skip
    with pytest.raises(LayerImportError) as refused:
        zh(layers_import, path=valves_file(tmp_path, rows), replace_empty=True)
    text = str(refused.value.message)
    assert "第 2 行" in text and "8.0" in text and "5" in text
    assert "第 3 行" in text and "NO-SUCH" in text
    assert "第 4 行" in text and "gate" in text and "maybe" in text
    assert "第 5 行" in text and "V-OK" in text  # the code appears twice
    assert set(Valve.objects.values_list("code", flat=True)) == before


def test_valves_on_a_pipeline_of_the_same_file(tmp_path, admin_user):
    from companies.models import OperatingCompany

    company = OperatingCompany.objects.order_by("pk").first()
    lines = pipelines(company.name, codes=("GIS-V01",))
    route = lines.geometry.iloc[0]
    metric = to_metric(np.array([route], dtype=object))[0]
    on_it = to_wgs84(np.array([metric.interpolate(500.0)], dtype=object))[0]
    path = tmp_path / "network.gpkg"
    lines.to_file(path, layer="pipelines", driver="GPKG")
    frame(
        {"code": ["V-NEW"], "pipeline_code": ["GIS-V01"], "kind": ["automatic"], "operable": ["yes"]}, [on_it]
    ).to_file(path, layer="valves", driver="GPKG")
    zh(layers_import, path=path, actor=admin_user, replace_empty=True)
    valve = Valve.objects.get(code="V-NEW")
    assert valve.pipeline.code == "GIS-V01"
    assert valve.chainage_m == pytest.approx(500.0, abs=0.1)


def test_an_empty_valves_file_needs_confirming(tmp_path):
    path = tmp_path / "valves.geojson"
    path.write_bytes(b'{"type":"FeatureCollection","features":[]}')
    before = Valve.objects.count()
    with pytest.raises(LayerImportError) as refused:
        zh(layers_import, path=path)
    assert "阀门" in str(refused.value.message)
    assert Valve.objects.count() == before
