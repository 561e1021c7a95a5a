"""The layer upload page in Debian's Chromium: an empty layer file is refused
with the counts shown under the confirmation box; ticked, the file is
imported. The page is styled like the rest of the admin, and format names
keep their case."""

import pytest
from django.urls import reverse

from layers.models import Building, LayerImport
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMPTY = {
    "name": "buildings.geojson",
    "mimeType": "application/geo+json",
    "buffer": b'{"type":"FeatureCollection","features":[]}',
}


def test_an_empty_layer_needs_the_box_ticked_then_is_imported(page, live_server):  # noqa: F811
    before = Building.objects.count()
    assert before > 1000
    page.goto(live_server.url + reverse("admin:layers_layerimport_upload"))
    # The admin's form rows: labels in their column, help under the field.
    assert page.evaluate("getComputedStyle(document.querySelector('.aligned label')).width") == "160px"
    assert page.is_visible(".form-row.field-file .help")
    assert page.inner_text("label[for=id_layers_1]").strip() == "建筑物（buildings）"

    page.set_input_files("#id_file", files=[EMPTY])
    page.click("input[type=submit]")
    error = page.locator(".form-row.field-replace_empty .errorlist")
    error.wait_for()
    assert error.inner_text().strip() == f"建筑物图层现有 {before:,} 个要素，新文件仅 0 个。"
    assert page.is_visible(".errornote")
    page.screenshot(path=ARTIFACTS / "layer-upload-refused.png", full_page=True)
    assert Building.objects.count() == before
    assert not LayerImport.objects.filter(status="succeeded").exists()

    page.check("#id_replace_empty")
    page.set_input_files("#id_file", files=[EMPTY])
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "建筑物 0" in page.inner_text(".messagelist .success")
    assert Building.objects.count() == 0
    record = LayerImport.objects.get(status="succeeded")
    assert page.url.endswith(reverse("admin:layers_layerimport_change", args=[record.pk]))

    # The import list: layer names in Chinese, download buttons with the format names as written.
    page.goto(live_server.url + reverse("admin:layers_layerimport_changelist"))
    assert "建筑物 0" in page.inner_text("#result_list")
    assert page.inner_text("a.export-layer >> nth=0").strip() == "下载 GeoPackage"
    assert page.inner_text("a.export-layer >> nth=1").strip() == "下载 GeoJSON"
    page.screenshot(path=ARTIFACTS / "layer-imports.png")
    assert page.foreign_requests == []
