"""The list maps load their features after the page, from the list's own URL
with the same filters (the page itself no longer carries them), in Chromium."""

import pytest

from hazards.models import Hazard
from tests.test_browser import ARTIFACTS, browser, city, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hazard_list_map_draws_every_filtered_hazard_after_the_page(page, live_server):  # noqa: F811
    fetched = []
    page.on("response", lambda response: fetched.append(response) if "_overview=1" in response.url else None)

    page.goto(f"{live_server.url}/admin/hazards/hazard/")
    page.wait_for_selector("#overview-map.map-ready")
    located = Hazard.objects.exclude(location=None)
    # Every hazard on the map, not only the 50 rows of the page.
    assert int(page.get_attribute("#overview-map", "data-feature-count")) == located.count() > 50
    assert page.locator("#result_list tbody tr").count() == 50
    assert "FeatureCollection" not in page.content()
    assert fetched[-1].status == 200 and fetched[-1].url.endswith("/admin/hazards/hazard/?_overview=1")

    page.goto(f"{live_server.url}/admin/hazards/hazard/?level__exact=major")
    page.wait_for_selector("#overview-map.map-ready")
    majors = located.filter(level="major").count()
    assert int(page.get_attribute("#overview-map", "data-feature-count")) == majors > 0
    assert fetched[-1].url.endswith("?level__exact=major&_overview=1")
    page.screenshot(path=ARTIFACTS / "hazard-list-map-major.png")
    assert page.foreign_requests == []
