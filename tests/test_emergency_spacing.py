"""The valve spacing audit: the rules on hand-made pipelines, then the demo city."""

from io import BytesIO

import pytest

from emergency.engine.spacing import SpacingPipe, audit, highest_class


def gas(valves, regions=(), length=100_000.0):
    return SpacingPipe("G", "gas", length, tuple(valves), class_regions=tuple(regions))


def test_gas_limits_follow_the_highest_location_class_of_the_stretch():
    # Class 1 everywhere: 32 km allowed.
    assert audit([gas([("A", 0.0), ("B", 32_000.0)])]) == []
    findings = audit([gas([("A", 0.0), ("B", 32_000.0), ("C", 64_000.5)])])
    assert [(f.from_valve, f.to_valve, f.limit_m, f.location_class) for f in findings] == [("B", "C", 32_000.0, 1)]
    # A class-3 region anywhere inside a 20 km stretch: 16 km allowed.
    findings = audit([gas([("A", 0.0), ("B", 20_000.0)], regions=[(5_000.0, 6_000.0, 3), (1_000.0, 2_000.0, 2)])])
    assert [(f.location_class, f.limit_m, round(f.excess_m)) for f in findings] == [(3, 16_000.0, 4_000)]
    # Class 4 touching the stretch: 8 km; a region that only touches its end does not count.
    assert audit([gas([("A", 0.0), ("B", 8_000.0)], regions=[(8_000.0, 9_000.0, 4)])]) == []
    assert [f.limit_m for f in audit([gas([("A", 0.0), ("B", 8_001.0)], regions=[(7_000.0, 9_000.0, 4)])])] == [8_000.0]
    assert highest_class([(0, 10, 2)], 20, 30) == 1


def test_valves_are_compared_in_chainage_order_whatever_order_they_come_in():
    findings = audit([gas([("C", 70_000.0), ("A", 0.0), ("B", 30_000.0)])])
    assert [(f.from_valve, f.to_valve) for f in findings] == [("B", "C")]


def test_oil_lines_allow_32_km_and_need_a_valve_on_both_sides_of_a_river_crossing():
    pipe = SpacingPipe(
        "O",
        "oil",
        60_000.0,
        (("A", 0.0), ("B", 9_500.0), ("C", 40_000.0), ("D", 41_000.0)),
        class_regions=((0.0, 60_000.0, 4),),  # location class does not matter for oil
        crossings=((10_000.0, 10_300.0, "黄河"), (40_500.0, 40_600.0, "小清河")),
    )
    findings = audit([pipe])
    kinds = [(f.kind, f.from_valve, f.to_valve, f.side, f.river) for f in findings]
    # B stands 500 m before the Yellow River, but nothing within 1 km after it (C is 29.7 km on); B to C,
    # 30.5 km, is within 32 km; the Xiaoqing River has C before it and D after it, both within 1 km.
    assert kinds == [("crossing", "", "C", "after", "黄河")]
    longer = SpacingPipe("O", "oil", 60_000.0, (("A", 0.0), ("B", 32_000.1)))
    assert [(f.kind, f.limit_m) for f in audit([longer])] == [("spacing", 32_000.0)]


def test_other_media_and_single_valves_give_nothing():
    assert audit([SpacingPipe("W", "", 50_000.0, (("A", 0.0), ("B", 50_000.0)))]) == []
    assert audit([gas([("A", 0.0)])]) == []


@pytest.mark.django_db
def test_the_demo_city_has_a_few_stretches_over_their_limit_and_most_within():
    from emergency.models import Valve
    from emergency.spacing import spacing_audit, spacing_workbook

    findings = spacing_audit()
    spacing = [f for f in findings if f.kind == "spacing"]
    stretches = Valve.objects.exclude(kind="check").values("pipeline").distinct().count()
    assert 0 < len({f.pipeline_code for f in spacing}) < stretches / 4
    for f in spacing:
        assert f.length_m > f.limit_m
    book = spacing_workbook(findings)
    assert book[:2] == b"PK"


@pytest.mark.django_db
def test_the_audit_page_lists_and_maps_the_findings_and_exports_them_scoped_to_the_company(client, inspector):
    from openpyxl import load_workbook

    from accounts.models import User
    from emergency.spacing import spacing_audit

    everything = spacing_audit()
    client.force_login(inspector)
    page = client.get("/admin/emergency/valve/spacing/")
    assert page.status_code == 200
    assert page.content.decode().count('class="finding ') == len(everything)
    assert len(page.context["spacing_geojson"]["features"]) == len(everything)
    export = client.get("/admin/emergency/valve/spacing.xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == len(everything) + 1

    owner = next(f.pipeline_code for f in everything)
    staff = User.objects.get(company__pipelines__code=owner, username__startswith="company")
    client.force_login(staff)
    mine = client.get("/admin/emergency/valve/spacing/").context["findings"]
    assert mine and all(
        f.pipeline_code in set(staff.company.pipelines.values_list("code", flat=True)) for f, _t in mine
    )
    assert len(mine) < len(everything)
    outsider = User.objects.filter(company__isnull=False).exclude(company=staff.company).first()
    client.force_login(outsider)
    theirs = client.get("/admin/emergency/valve/spacing/").context["findings"]
    assert owner not in {f.pipeline_code for f, _t in theirs}
