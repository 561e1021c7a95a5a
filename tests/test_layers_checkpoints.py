"""The checkpoints layer (docs/layers.md): placed on their pipelines at the nearest point, within 50 m,
radius 30 m by default, replacing every checkpoint; a bad row rejects the import with the row and field named,
nothing written (the same checks and atomicity as the other layers)."""

import pytest

from hca.models import HcaRun
from layers.errors import LayerImportError
from layers.importer import layers_import
from patrols.models import Checkpoint
from pipelines.models import Pipeline
from tests.test_layers_import import frame, zh
from tests.test_layers_valves import beside

pytestmark = pytest.mark.django_db
COLUMNS = ("code", "pipeline_code", "radius_m", "kind", "name")


def checkpoints_file(tmp_path, rows, name="checkpoints.geojson"):
    data = frame({k: [r.get(k) for r in rows] for k in COLUMNS}, [r["geometry"] for r in rows])
    path = tmp_path / name
    data.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def pipeline():
    return Pipeline.objects.order_by("code").first()


def test_checkpoints_are_placed_on_their_pipeline_and_replace_the_layer(tmp_path, pipeline, admin_user):
    runs = HcaRun.objects.count()
    rows = [
        {"code": "K-A", "pipeline_code": pipeline.code, "radius_m": 50, "kind": "valve_room", "name": "1 号阀室",
         "geometry": beside(pipeline, 1000.0, 12.0)},
        {"code": "K-B", "pipeline_code": pipeline.code, "radius_m": None, "kind": None, "name": None,
         "geometry": beside(pipeline, 2500.0, -49.0)},
    ]  # fmt: skip
    record = zh(layers_import, path=checkpoints_file(tmp_path, rows), actor=admin_user, replace_empty=True)
    assert record.counts == {"checkpoints": 2}
    points = {c.code: c for c in Checkpoint.objects.all()}
    assert set(points) == {"K-A", "K-B"}  # the demo's checkpoints replaced
    assert points["K-A"].chainage_m == pytest.approx(1000.0, abs=0.1)
    assert (points["K-A"].radius_m, points["K-A"].kind, points["K-A"].name) == (50.0, "valve_room", "1 号阀室")
    assert (points["K-B"].radius_m, points["K-B"].kind) == (30.0, "mile_marker")  # the defaults
    assert points["K-B"].layer_import == record
    assert HcaRun.objects.count() == runs  # checkpoints change no high-consequence area


def test_a_checkpoint_too_far_and_bad_values_reject_the_import_naming_the_rows(tmp_path, pipeline):
    """Checked by breaking the rule: with the limit at 60 m instead of 50, row 2 (55 m) is accepted and the
    test fails."""
    before = set(Checkpoint.objects.values_list("code", flat=True))
    rows = [
        {"code": "K-OK", "pipeline_code": pipeline.code, "geometry": beside(pipeline, 1000.0, 1.0)},
        {"code": "K-FAR", "pipeline_code": pipeline.code, "geometry": beside(pipeline, 2000.0, 55.0)},
        {"code": "K-NONE", "pipeline_code": "NO-SUCH", "geometry": beside(pipeline, 3000.0, 0.0)},
        {"code": "K-BAD", "pipeline_code": pipeline.code, "kind": "tower", "radius_m": -3,
         "geometry": beside(pipeline, 3500.0, 0.0)},
        {"code": "K-OK", "pipeline_code": pipeline.code, "geometry": beside(pipeline, 3900.0, 0.0)},
    ]  # fmt: skip
    with pytest.raises(LayerImportError) as refused:
        zh(layers_import, path=checkpoints_file(tmp_path, rows), replace_empty=True)
    text = str(refused.value.message)
    assert "第 2 行" in text and "55.0" in text and "50" in text
    assert "第 3 行" in text and "NO-SUCH" in text
    assert "第 4 行" in text and "tower" in text and "-3" in text
    assert "第 5 行" in text and "K-OK" in text  # the code appears twice
    assert set(Checkpoint.objects.values_list("code", flat=True)) == before
