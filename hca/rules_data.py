"""The default rule tables, installed by a data migration and by
``hca_rules_install``. After installation they are data: the office
corrects grades, distances and thresholds in the admin (HCA rules).

GB 32167-2015 §6.1 as reconstructed in docs/hca-rules.md; 49 CFR
192.903 (gas only) as the comparison rule set.
"""

from layers.choices import FLAMMABLE_SITE_TYPES, IDENTIFIED_SITE_TYPES

_SITES = sorted(IDENTIFIED_SITE_TYPES)
_FLAMMABLE = sorted(FLAMMABLE_SITE_TYPES)
_GB_CLASS = {"window_m": 2000, "corridor_m": 200, "extend_m": 200, "count": "households", "class3_min": 100}
_GB_CLASS4 = {**_GB_CLASS, "floors_min": 4}
# 49 CFR 192.5: a class location unit is 660 ft either side of the pipe over
# one mile; class 3 = 46 or more buildings; a class ends 220 yards from the
# nearest building.
_CFR_CLASS = {"window_m": 1609.344, "corridor_m": 201.168, "extend_m": 201.168, "count": "buildings", "class3_min": 46}
_CFR_CLASS4 = {**_CFR_CLASS, "floors_min": 4}

DEFAULT_RULES = [
    # rule set, code, applies to, kind, grade, distance (m), params, description
    ("gb32167", "O-a", "oil", "class_4", 3, None, _GB_CLASS4, "管道经过四级地区"),
    ("gb32167", "O-b", "oil", "class_3", 2, None, _GB_CLASS, "管道经过三级地区"),
    (
        "gb32167",
        "O-c",
        "oil",
        "settlement",
        2,
        200,
        {"households_min": 50, "residents_min": 200},
        "管道两侧各200 m内有聚居户数在50户或以上的村庄、乡镇等(或居民200人以上)",
    ),
    (
        "gb32167",
        "O-d",
        "oil",
        "road_or_flammable",
        1,
        50,
        {"road_classes": ["expressway", "national", "provincial", "railway"], "site_types": _FLAMMABLE},
        "管道两侧各50 m内有高速公路、国道、省道、铁路及易燃易爆场所",
    ),
    (
        "gb32167",
        "O-e",
        "oil",
        "protected_area",
        2,
        200,
        {"area_types": ["wetland", "forest", "estuary", "nature_reserve"]},
        "管道两侧各200 m内有湿地、森林、河口等国家自然保护地区",
    ),
    (
        "gb32167",
        "O-f",
        "oil",
        "water",
        3,
        200,
        {"water_types": ["water_source", "river", "reservoir_large", "reservoir_medium"]},
        "管道两侧各200 m内有水源、河流、大中型水库",
    ),
    ("gb32167", "G-a", "gas", "class_4", 3, None, _GB_CLASS4, "管道经过四级地区"),
    ("gb32167", "G-b", "gas", "class_3", 2, None, _GB_CLASS, "管道经过三级地区"),
    (
        "gb32167",
        "G-c",
        "gas",
        "site_in_radius",
        2,
        None,
        {"radius": "gb32167", "diameter_gt_mm": 762, "pressure_gt_mpa": 6.9, "site_types": _SITES},
        "管径大于762 mm且最大允许操作压力大于6.9 MPa,潜在影响区域内有特定场所",
    ),
    (
        "gb32167",
        "G-d",
        "gas",
        "site_in_radius",
        1,
        None,
        {"radius": "gb32167", "diameter_lt_mm": 273, "pressure_lt_mpa": 1.6, "site_types": _SITES},
        "管径小于273 mm且最大允许操作压力小于1.6 MPa,潜在影响区域内有特定场所",
    ),
    (
        "gb32167",
        "G-e",
        "gas",
        "site_within",
        1,
        200,
        {"otherwise_than": ["G-c", "G-d"], "site_types": _SITES},
        "其他管道两侧各200 m内有特定场所",
    ),
    (
        "gb32167",
        "G-f",
        "gas",
        "flammable_outside_class",
        2,
        200,
        {"site_types": _FLAMMABLE, "outside_rules": ["G-a", "G-b"]},
        "除三级、四级地区外,管道两侧各200 m内有加油站、油库等易燃易爆场所",
    ),
    ("cfr192", "C-1", "gas", "class_3", 2, None, _CFR_CLASS, "Method 1: class 3 location (49 CFR 192.5)"),
    ("cfr192", "C-2", "gas", "class_4", 3, None, _CFR_CLASS4, "Method 1: class 4 location (49 CFR 192.5)"),
    (
        "cfr192",
        "C-3",
        "gas",
        "pic_buildings",
        2,
        None,
        {"radius": "cfr192", "buildings_min": 20},
        "Method 2: potential impact circle containing 20 or more buildings intended for human occupancy",
    ),
    (
        "cfr192",
        "C-4",
        "gas",
        "site_in_radius",
        2,
        None,
        {"radius": "cfr192", "site_types": _SITES},
        "Method 2: potential impact circle containing an identified site",
    ),
]


def hca_rules_install(HcaRule) -> int:
    """Create the rules that are missing; leave edited ones alone."""
    created = 0
    for rule_set, code, applies_to, kind, grade, distance, params, description in DEFAULT_RULES:
        _rule, was_created = HcaRule.objects.get_or_create(
            rule_set=rule_set,
            code=code,
            defaults={
                "applies_to": applies_to,
                "kind": kind,
                "grade": grade,
                "distance_m": distance,
                "params": params,
                "description": description,
            },
        )
        created += was_created
    return created
