"""Maps in the admin, in Debian's Chromium: read-only geometry drawn on a
map for every role, placing a hazard (pipeline highlighted, coordinates
typed or pasted, chainage both ways, pipelines of the chosen company only),
pipelines under the list maps, and an HCA segment's causes on its map."""

import pytest
from django.contrib.gis.geos import GEOSGeometry

from accounts.models import User
from hazards.models import Hazard
from hca.models import HcaSegment
from hca.services import hca_identify
from layers.models import WaterBody
from pipelines.chainage import pipeline_chainage_at, pipeline_point_at
from pipelines.models import Pipeline
from tests.factories import river_across
from tests.test_browser import ARTIFACTS, _login_as, browser, city, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reference_count(tab, module):
    return tab.evaluate(f"{module}.referenceLayer.getSource().getFeatures().length")


def test_every_role_sees_a_read_only_location_on_a_map(browser, live_server, city):  # noqa: F811
    hazard = Hazard.objects.filter(pipeline__isnull=False).order_by("pk").first()
    staff = User.objects.filter(company=hazard.company, username__startswith="company").order_by("pk").first()
    url = f"{live_server.url}/admin/hazards/hazard/{hazard.pk}/change/"
    for username in ("manager", staff.username):
        tab = _login_as(browser, live_server, username)
        tab.goto(url)
        tab.wait_for_selector("#id_location_readonly_map canvas")
        assert "SRID=4326" not in tab.text_content("#content-main")
        # The point, with its pipeline drawn under it.
        assert tab.evaluate("geodjango_location_readonly.featureOverlay.getSource().getFeatures().length") == 1
        assert _reference_count(tab, "geodjango_location_readonly") == 1
        # Clicking the map does not move or add a point.
        before = tab.evaluate(
            "geodjango_location_readonly.featureOverlay.getSource().getFeatures()[0].getGeometry().getCoordinates()"
        )
        box = tab.locator("#id_location_readonly_map").bounding_box()
        tab.mouse.click(box["x"] + 20, box["y"] + 20)
        after = tab.evaluate(
            "geodjango_location_readonly.featureOverlay.getSource().getFeatures()"
            ".map(f => f.getGeometry().getCoordinates())"
        )
        assert after == [before]
        tab.screenshot(path=ARTIFACTS / f"hazard-readonly-map-{username}.png", full_page=True)
    # Company staff see their pipeline's route on a map too.
    tab.goto(f"{live_server.url}/admin/pipelines/pipeline/{hazard.pipeline_id}/change/")
    tab.wait_for_selector("#id_route_readonly_map canvas")
    assert "SRID=4326" not in tab.text_content("#content-main")
    assert tab.evaluate("geodjango_route_readonly.featureOverlay.getSource().getFeatures().length") == 1


def _set_company(tab, company):
    tab.evaluate(
        "([id, name]) => django.jQuery('#id_company').append(new Option(name, id, true, true)).trigger('change')",
        [company.pk, str(company)],
    )


def _point_on_map(tab, lon, lat):
    # Pixels map to the view last drawn: let any pending view change reach the screen first.
    tab.evaluate(
        "new Promise(done => { geodjango_location.map.once('rendercomplete', done); geodjango_location.map.render(); })"
    )
    pixel = tab.evaluate(
        "([lon, lat]) => geodjango_location.map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))", [lon, lat]
    )
    box = tab.locator("#id_location_map").bounding_box()
    tab.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])


def _serialized_point(tab):
    point = GEOSGeometry(tab.input_value("#id_location"))  # GeoJSON in the map's EPSG:3857
    point.srid = 3857
    return point.transform(4326, clone=True)


def test_inspector_places_a_hazard_by_pipeline_coordinates_and_chainage(page, live_server):  # noqa: F811
    pipeline = Pipeline.objects.filter(status="in_service", length_m__gt=3000).order_by("code").first()
    company = pipeline.company
    page.goto(f"{live_server.url}/admin/hazards/hazard/add/")
    page.wait_for_selector("#id_location_map canvas")
    page.wait_for_function("geodjango_location.referenceLayer.getSource().getFeatures().length === 161")

    # The pipeline list offers only the chosen company's pipelines.
    _set_company(page, company)
    offered = page.eval_on_selector_all("#id_pipeline option", "options => options.map(o => o.value)")
    assert sorted(v for v in offered if v) == sorted(str(pk) for pk in company.pipelines.values_list("pk", flat=True))

    # Choosing the pipeline highlights it and zooms to it.
    page.select_option("#id_pipeline", str(pipeline.pk))
    page.wait_for_function(f"geodjango_location.highlightedPipeline === {pipeline.pk}")
    page.wait_for_selector(f'#id_location_map[data-highlighted="{pipeline.pk}"]')
    inside = page.evaluate(
        """(id) => {
            const feature = geodjango_location.referenceLayer.getSource().getFeatureById(id);
            const view = geodjango_location.map.getView().calculateExtent(geodjango_location.map.getSize());
            const line = feature.getGeometry().getExtent();
            // The whole pipeline in view, and it fills the view along one side at least.
            return ol.extent.containsExtent(view, line) && (
                ol.extent.getWidth(line) > 0.5 * ol.extent.getWidth(view)
                || ol.extent.getHeight(line) > 0.5 * ol.extent.getHeight(view));
        }""",
        pipeline.pk,
    )
    assert inside
    page.screenshot(path=ARTIFACTS / "hazard-add-pipeline-highlighted.png")

    # Coordinates pasted from a phone, degrees-minutes-seconds.
    page.fill("#id_coordinates", "37°26'24\"N 118°30'E")
    page.press("#id_coordinates", "Enter")
    page.wait_for_function("document.getElementById('id_location').value !== ''")
    point = _serialized_point(page)
    assert (point.x, point.y) == (pytest.approx(118.5, abs=1e-6), pytest.approx(37.44, abs=1e-6))
    assert page.url.endswith("/add/")  # Enter did not submit the form

    # What cannot be read is refused clearly; a swapped pair outside the city too.
    page.fill("#id_coordinates", "东经118度")
    page.press("#id_coordinates", "Enter")
    page.wait_for_selector("#coordinates-feedback.errornote")
    page.fill("#id_coordinates", "N118.5 E37.4")
    page.press("#id_coordinates", "Enter")
    page.wait_for_function("document.getElementById('coordinates-feedback').textContent.includes('118.5')")
    assert "errornote" in page.get_attribute("#coordinates-feedback", "class")

    # A typed chainage puts the point on the pipeline.
    page.fill("#id_chainage_m", "1000")
    page.press("#id_chainage_m", "Tab")
    expected = pipeline_point_at(pipeline=pipeline, chainage_m=1000)
    page.wait_for_function(
        "([x, y]) => { const v = document.getElementById('id_location').value; if (!v) return false;"
        " const c = ol.proj.toLonLat(JSON.parse(v).coordinates);"
        " return Math.abs(c[0] - x) < 1e-6 && Math.abs(c[1] - y) < 1e-6; }",
        arg=[expected.x, expected.y],
    )

    # A clicked point fills in the chainage (projected on the pipeline, server-side).
    target = pipeline_point_at(pipeline=pipeline, chainage_m=2000)
    page.click("#id_location_div_map .clear_features a")
    _point_on_map(page, target.x, target.y)
    page.wait_for_function("document.getElementById('id_chainage_m').value !== '1000'")
    clicked = _serialized_point(page)
    chainage, _distance = pipeline_chainage_at(pipeline=pipeline, point=clicked)
    assert float(page.input_value("#id_chainage_m")) == pytest.approx(chainage, abs=0.1)
    assert chainage == pytest.approx(2000, abs=60)
    assert page.input_value("#id_coordinates") == f"{clicked.x:.6f}, {clicked.y:.6f}"

    page.select_option("#id_level", "general")
    page.select_option("#id_category", "third_party_construction")
    page.select_option("#id_source", "patrol")
    page.fill("#id_description", "地图选点测试")
    page.fill("#id_found_on", "2026-11-20")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    hazard = Hazard.objects.get(description="地图选点测试")
    # The new hazard's page opens, not the list.
    assert page.url.endswith(f"/admin/hazards/hazard/{hazard.pk}/change/")
    assert hazard.pipeline == pipeline and hazard.chainage_m == pytest.approx(chainage, abs=0.1)
    assert page.foreign_requests == []


def test_list_maps_draw_the_pipelines_under_the_records(browser, live_server, city):  # noqa: F811
    staff = User.objects.get(username="company02")
    for username, pipelines in (("inspector1", 161), (staff.username, staff.company.pipelines.count())):
        tab = _login_as(browser, live_server, username)
        for url in ("/admin/hazards/hazard/", "/admin/hca/hcasegment/"):
            tab.goto(f"{live_server.url}{url}")
            tab.wait_for_selector("#overview-map.map-ready")
            tab.wait_for_function(f"document.getElementById('overview-map').dataset.referenceCount === '{pipelines}'")
        tab.screenshot(path=ARTIFACTS / f"hca-segments-with-pipelines-{username}.png")


def test_segment_page_draws_the_features_behind_the_reasons(page, live_server):  # noqa: F811
    pipeline = (
        Pipeline.objects.filter(medium="crude_oil", status="in_service", hca_segments__isnull=True)
        .order_by("code")
        .first()
    )
    river = GEOSGeometry(river_across(pipeline, 2000).wkt, srid=4326)
    WaterBody.objects.create(source_id="browser-river", name="溢洪河", water_type="river", geom=river)
    hca_identify(pipeline_ids=[pipeline.pk], detect_encroachment=False)
    (segment,) = HcaSegment.objects.filter(pipeline=pipeline)

    page.goto(f"{live_server.url}/admin/hca/hcasegment/?q={pipeline.code}")
    page.wait_for_selector("#overview-map.map-ready")
    assert "O-f 水源、河流、大中型水库" in page.text_content("#result_list tbody tr")

    page.goto(f"{live_server.url}/admin/hca/hcasegment/{segment.pk}/change/")
    page.wait_for_selector("#overview-map.map-ready")
    assert page.get_attribute("#overview-map", "data-overlay-count") == "1"
    labels = page.evaluate("document.getElementById('overview-map').overlayLabels")
    assert labels == ["O-f 溢洪河"]
    assert "O-f 管道两侧各200 m内有水源、河流、大中型水库" in page.text_content("#hca-reasons")
    page.screenshot(path=ARTIFACTS / "hca-segment-causes.png", full_page=True)
    assert page.foreign_requests == []
