"""Maps and locations in the admin without a browser: reading typed
coordinates, chainage both ways (company-scoped), the simplified pipelines
layer, read-only geometries drawn as maps, the hazard form's location part,
and rule names beside their codes."""

import numpy as np
import pytest
import shapely
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from common.coordinates import coordinates_parse
from hazards.models import Hazard
from hca.loading import to_metric
from hca.models import HcaSegment
from layers.models import Building
from pipelines.chainage import pipeline_chainage_at, pipeline_point_at
from pipelines.models import Pipeline
from tests.test_admin import _empty_inlines

CITY = ((118.1, 119.2), (36.9, 38.1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("118.5, 37.4", (118.5, 37.4)),
        ("37.4,118.5", (118.5, 37.4)),
        ("118.5 37.4", (118.5, 37.4)),
        ("37.4 118.5", (118.5, 37.4)),
        ("37.4N, 118.5E", (118.5, 37.4)),
        ("N37.4 E118.5", (118.5, 37.4)),
        ("E118.5 N37.4", (118.5, 37.4)),
        ("37.4°N 118.5°E", (118.5, 37.4)),
        ("37°26'24\"N 118°30'E", (118.5, 37.44)),
        ("37°26′24″N，118°30′0″E", (118.5, 37.44)),
        ("北纬37°26'24\" 东经118°30'", (118.5, 37.44)),
        ("北纬37度26分24秒 东经118度30分", (118.5, 37.44)),
        ("纬度 37.44 经度 118.5", (118.5, 37.44)),
        ("lat: 37.44, lng: 118.5", (118.5, 37.44)),
        ("37°26.4'N 118°30'E", (118.5, 37.44)),
        ("37°26'24\" 118°30'", (118.5, 37.44)),
        ("  118.500000,37.440000  ", (118.5, 37.44)),
        # Both under 90: the order that falls in the city wins.
        ("37.4, 38.0", None),
    ],
)
def test_coordinates_are_read_in_the_forms_people_type(text, expected):
    if expected is None:
        with pytest.raises(ValidationError):
            coordinates_parse(text, extent=CITY)
        return
    lon, lat = coordinates_parse(text, extent=CITY)
    assert (lon, lat) == (pytest.approx(expected[0], abs=1e-9), pytest.approx(expected[1], abs=1e-9))


def test_unlabelled_pair_takes_the_order_inside_the_city():
    extent = ((30.0, 40.0), (50.0, 60.0))  # a city where both numbers are under 90
    assert coordinates_parse("55.1, 35.2", extent=extent) == (35.2, 55.1)
    assert coordinates_parse("35.2, 55.1", extent=extent) == (35.2, 55.1)


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("", "empty", "118.5, 37.4"),
        ("东经118度", "unreadable", "found 1"),
        ("abc", "unreadable", "abc"),
        ("118.5", "unreadable", "found 1"),
        ("118.5, 37.4, 12", "unreadable", "found 3"),
        ("N118.5 E37.4", "out_of_range", "118.5"),  # latitude and longitude swapped by their letters
        ("37.4N 38.1N", "unreadable", "same axis"),
        ("37°61'N 118°30'E", "unreadable", "61"),
        ("116.4, 39.9", "outside", "swapped"),  # Beijing: a real place, but not this city
        ("-118.5, 37.4", "outside", "-118.5"),
    ],
)
def test_unreadable_or_misplaced_coordinates_are_refused_clearly(text, code, says):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        coordinates_parse(text, extent=CITY)
    assert caught.value.code == code
    with translation.override("en"):
        assert says in " ".join(caught.value.messages)


@pytest.fixture
def pipeline(db):
    return Pipeline.objects.filter(status="in_service", length_m__gt=3000).order_by("code").first()


def test_chainage_of_a_point_and_point_of_a_chainage_agree(pipeline):
    point = pipeline_point_at(pipeline=pipeline, chainage_m=1234.5)
    chainage, distance = pipeline_chainage_at(pipeline=pipeline, point=point)
    assert chainage == pytest.approx(1234.5, abs=0.01) and distance < 0.01
    end = pipeline_point_at(pipeline=pipeline, chainage_m=pipeline.length_m)
    assert pipeline_chainage_at(pipeline=pipeline, point=end)[0] == pytest.approx(pipeline.length_m, abs=0.5)
    with pytest.raises(ValidationError):
        pipeline_point_at(pipeline=pipeline, chainage_m=pipeline.length_m + 10)
    with pytest.raises(ValidationError):
        pipeline_point_at(pipeline=pipeline, chainage_m=-1)


def test_chainage_endpoint_both_ways_and_bad_input(client, inspector, pipeline):
    client.force_login(inspector)
    url = reverse("admin:pipelines_pipeline_chainage")
    spot = pipeline_point_at(pipeline=pipeline, chainage_m=800)
    answer = client.get(url, {"pipeline": pipeline.pk, "lon": spot.x, "lat": spot.y}).json()
    assert answer["chainage_m"] == pytest.approx(800, abs=0.1) and answer["distance_m"] < 0.1
    assert "K0+800.0" in answer["message"]
    answer = client.get(url, {"pipeline": pipeline.pk, "chainage": "800"}).json()
    assert (answer["lon"], answer["lat"]) == (pytest.approx(spot.x, abs=1e-9), pytest.approx(spot.y, abs=1e-9))
    for bad in ({"chainage": "abc"}, {"chainage": "nan"}, {"chainage": "-5"}, {"lon": "x", "lat": "37"}, {}):
        response = client.get(url, {"pipeline": pipeline.pk, **bad})
        assert response.status_code == 400 and response.json()["detail"]
    assert client.get(url, {"pipeline": "x", "chainage": "1"}).status_code == 404


def test_chainage_endpoint_is_company_scoped(client, pipeline):
    outsider = User.objects.filter(username__startswith="company").exclude(company=pipeline.company).first()
    own = User.objects.filter(username__startswith="company", company=pipeline.company).first()
    url = reverse("admin:pipelines_pipeline_chainage")
    client.force_login(outsider)
    response = client.get(url, {"pipeline": pipeline.pk, "chainage": "100"})
    assert response.status_code == 404 and "lon" not in response.json()
    client.force_login(own)
    assert client.get(url, {"pipeline": pipeline.pk, "chainage": "100"}).status_code == 200


def test_coordinates_endpoint(client, inspector):
    client.force_login(inspector)
    url = reverse("admin:hazards_hazard_coordinates")
    assert client.get(url, {"text": "37.44N 118.5E"}).json() == {
        "lon": 118.5,
        "lat": 37.44,
        "text": "118.500000, 37.440000",
    }
    response = client.get(url, {"text": "N118.5 E37.4"})
    assert response.status_code == 400 and "118.5" in response.json()["detail"]


def test_pipelines_layer_is_simplified_by_metres_and_revalidated(client, inspector):
    client.force_login(inspector)
    url = reverse("admin:pipelines_pipeline_routes")
    response = client.get(url)
    features = {f["id"]: f for f in response.json()["features"]}
    assert len(features) == 161
    for pipeline in Pipeline.objects.order_by("pk")[:40]:
        original = to_metric(np.array([shapely.from_wkb(bytes(pipeline.route.wkb))], dtype=object))[0]
        simple = to_metric(np.array([shapely.geometry.shape(features[pipeline.pk]["geometry"])], dtype=object))[0]
        assert shapely.get_num_coordinates(simple) <= shapely.get_num_coordinates(original)
        assert shapely.hausdorff_distance(original, simple) < 5.1  # metres
    # The browser keeps its copy while the pipelines do not change.
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    pipeline.name = "改名"
    pipeline.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_pipelines_layer_answers_differ_by_company(client, db):
    first, second = User.objects.filter(username__in=["company01", "company02"]).order_by("username")
    url = reverse("admin:pipelines_pipeline_routes")
    client.force_login(first)
    tag = client.get(url)["ETag"]
    client.force_login(second)
    response = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 200
    assert {f["id"] for f in response.json()["features"]} == set(second.company.pipelines.values_list("pk", flat=True))


def test_read_only_geometries_are_maps_not_text(client, manager):
    hazard = Hazard.objects.filter(pipeline__isnull=False).order_by("pk").first()
    staff = User.objects.filter(username__startswith="company", company=hazard.company).first()
    building = Building.objects.order_by("pk").first()
    pages = [
        (manager, reverse("admin:hazards_hazard_change", args=[hazard.pk]), "geodjango_location_readonly"),
        (staff, reverse("admin:hazards_hazard_change", args=[hazard.pk]), "geodjango_location_readonly"),
        (staff, reverse("admin:pipelines_pipeline_change", args=[hazard.pipeline_id]), "geodjango_route_readonly"),
        (manager, reverse("admin:layers_building_change", args=[building.pk]), "geodjango_geom_readonly"),
    ]
    for user, url, module in pages:
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert "SRID=4326;" not in page.text
        assert f"var {module} = new MapWidget(options)" in page.text
        assert "/static/common/js/map-widget.js" in page.text
    # The hazard's pipeline is drawn under its point, and its coordinates are written out.
    client.force_login(manager)
    page = client.get(reverse("admin:hazards_hazard_change", args=[hazard.pk]))
    assert f'"id": {hazard.pipeline_id}' in page.text
    assert f"{hazard.location.x:.6f}, {hazard.location.y:.6f}" in page.text


def _hazard_post(pipeline, **extra):
    return {
        "level": "general",
        "category": "oil_theft",
        "source": "patrol",
        "company": pipeline.company_id,
        "pipeline": pipeline.pk,
        "location": "",
        "description": "坐标录入",
        "found_on": "2026-11-20",
        **_empty_inlines(),
        **extra,
    }


def test_typed_coordinates_place_the_hazard_and_its_page_opens(admin_client, pipeline):
    response = admin_client.post(
        reverse("admin:hazards_hazard_add"), _hazard_post(pipeline, coordinates="37.44N 118.5E")
    )
    hazard = Hazard.objects.get(description="坐标录入")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:hazards_hazard_change", args=[hazard.pk])
    assert (hazard.location.x, hazard.location.y) == (pytest.approx(118.5), pytest.approx(37.44))


def test_unreadable_coordinates_are_a_form_error(admin_client, pipeline):
    before = Hazard.objects.count()
    response = admin_client.post(
        reverse("admin:hazards_hazard_add"), _hazard_post(pipeline, coordinates="N118.5 E37.4")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "118.5" in " ".join(errors["coordinates"])
    assert Hazard.objects.count() == before


def test_correcting_coordinates_moves_the_point(admin_client):
    hazard = Hazard.objects.filter(status="reported").order_by("pk").first()
    page = admin_client.get(reverse("admin:hazards_hazard_change", args=[hazard.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(_empty_inlines(), coordinates="118.6, 37.5", _save="1")
    data["location"] = hazard.location.transform(3857, clone=True).json
    response = admin_client.post(reverse("admin:hazards_hazard_change", args=[hazard.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    hazard.refresh_from_db()
    assert (hazard.location.x, hazard.location.y) == (pytest.approx(118.6), pytest.approx(37.5))


def test_pipeline_choices_name_their_company(admin_client):
    page = admin_client.get(reverse("admin:hazards_hazard_add"))
    pipeline = Pipeline.objects.order_by("pk").first()
    assert f'value="{pipeline.pk}" data-company="{pipeline.company_id}"' in page.text
    assert "/static/common/js/location-form.js" in page.text


def test_rule_names_stand_beside_their_codes(admin_client):
    segment = next(s for s in HcaSegment.objects.order_by("pk") if "O-f" in s.rules)
    code = segment.rules[0]
    page = admin_client.get(reverse("admin:hca_hcasegment_changelist"), {"q": segment.pipeline.code})
    assert f'<span class="hca-rule" title="{code} ' in page.text
    page = admin_client.get(reverse("admin:hca_hcasegment_change", args=[segment.pk]))
    from hca.models import HcaRule

    description = HcaRule.objects.get(rule_set=segment.rule_set, code=code).description
    assert f"{code} {description}" in page.text
    assert page.context["segment_causes"]["features"]
