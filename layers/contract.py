"""The reference layers of the layer contract (docs/layers.md): their
geometry types and attributes, checked into plain columns ready to write.

Defaults: buildings without ``households`` or ``floors`` count 1 household
and 1 floor; ``residents`` may be left empty. A settlement needs
``households`` or ``residents`` (the other counts 0). Roads of any other
``road_class`` are skipped.
"""

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from layers.choices import AreaType, LayerName, RoadClass, SiteType, WaterType
from layers.extent import CityExtent
from layers.models import FEATURE_MODELS
from layers.reading import LayerRead
from layers.validation import (
    ID_COLUMNS,
    MAX_BUILDING_HOUSEHOLDS,
    MAX_FLOORS,
    MAX_NAME,
    MAX_SETTLEMENT_COUNT,
    Problems,
    Table,
)

POINTS_OR_POLYGONS = ("Point", "Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")

GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    LayerName.PIPELINES: LINES,
    LayerName.BUILDINGS: POINTS_OR_POLYGONS,
    LayerName.SITES: POINTS_OR_POLYGONS,
    LayerName.SETTLEMENTS: ("Point", "MultiPoint", "Polygon", "MultiPolygon"),
    LayerName.WATER: ("Polygon", "MultiPolygon", *LINES),
    LayerName.PROTECTED_AREAS: ("Polygon", "MultiPolygon"),
    LayerName.ROADS: LINES,
    LayerName.VALVES: ("Point",),
    LayerName.CHECKPOINTS: ("Point",),
    LayerName.CAMERAS: ("Point",),
}

# Other names a field may have: a shapefile cuts field names to 10 characters.
ALIASES = {
    "outer_diameter_mm": ("outer_diam",),
    "wall_thickness_mm": ("wall_thick",),
    "commissioned": ("commissioned_on", "commission"),
    "pipeline_code": ("pipeline_c", "pipeline"),
    "radius_m": ("radius",),
    "azimuth_deg": ("azimuth_de", "azimuth"),
}
ID_FIELDS = ID_COLUMNS
# The attributes each layer's import reads (others in the file are not read at all).
FIELDS: dict[str, tuple[str, ...]] = {
    LayerName.PIPELINES: (
        "code",
        "name",
        "company",
        "medium",
        "outer_diameter_mm",
        "maop_mpa",
        "wall_thickness_mm",
        "material",
        "status",
        "commissioned",
    ),
    LayerName.BUILDINGS: ("name", "households", "floors", "residents"),
    LayerName.SITES: ("name", "site_type"),
    LayerName.SETTLEMENTS: ("name", "households", "residents"),
    LayerName.WATER: ("name", "water_type"),
    LayerName.PROTECTED_AREAS: ("name", "area_type"),
    LayerName.ROADS: ("name", "road_class"),
    LayerName.VALVES: ("code", "pipeline_code", "kind", "operable", "name"),
    LayerName.CHECKPOINTS: ("code", "pipeline_code", "radius_m", "kind", "name"),
    LayerName.CAMERAS: (
        "code",
        "device_id",
        "channel_id",
        "kind",
        "azimuth_deg",
        "fov_deg",
        "range_m",
        "height_m",
        "company",
        "pipeline_code",
        "stream_url",
        "name",
    ),
}


def fields_read(name: str) -> set[str]:
    """Lower-case names of the columns to read for layer ``name``."""
    fields = {*FIELDS[name], *ID_FIELDS}
    for field_name in FIELDS[name]:
        fields.update(ALIASES.get(field_name, ()))
    return fields


@dataclass
class CleanLayer:
    """A checked reference layer: one value per kept row for each model field."""

    name: str
    values: dict[str, list]
    geoms: np.ndarray
    skipped: int = 0
    repaired: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def model(self):
        return FEATURE_MODELS[self.name]

    @property
    def count(self) -> int:
        return len(self.geoms)


def _buildings(table: Table) -> dict[str, list]:
    return {
        "households": table.integer("households", minimum=0, maximum=MAX_BUILDING_HOUSEHOLDS, default=1),
        "floors": table.integer("floors", minimum=1, maximum=MAX_FLOORS, default=1),
        "residents": table.integer("residents", minimum=0, maximum=MAX_SETTLEMENT_COUNT),
    }


def _sites(table: Table) -> dict[str, list]:
    return {"site_type": table.choice("site_type", SiteType.values)}


def _settlements(table: Table) -> dict[str, list]:
    households = table.integer("households", minimum=0, maximum=MAX_SETTLEMENT_COUNT)
    residents = table.integer("residents", minimum=0, maximum=MAX_SETTLEMENT_COUNT)
    neither = np.array([h is None and r is None for h, r in zip(households, residents, strict=True)], dtype=bool)
    table.report(neither, "households", lambda _v: _("give households or residents (or both)"))
    return {
        "households": [h or 0 for h in households],
        "residents": [r or 0 for r in residents],
    }


def _water(table: Table) -> dict[str, list]:
    return {"water_type": table.choice("water_type", WaterType.values)}


def _protected_areas(table: Table) -> dict[str, list]:
    return {"area_type": table.choice("area_type", AreaType.values)}


ATTRIBUTES = {
    LayerName.BUILDINGS: _buildings,
    LayerName.SITES: _sites,
    LayerName.SETTLEMENTS: _settlements,
    LayerName.WATER: _water,
    LayerName.PROTECTED_AREAS: _protected_areas,
    # roads: road_class is read first, to skip the other classes (feature_layer_clean)
}


def feature_layer_clean(name: str, read: LayerRead, problems: Problems, extent: CityExtent | None = None) -> CleanLayer:
    """Check one reference layer; problems go to ``problems`` (nothing is raised here but the stop)."""
    frame = read.frame
    rows = np.arange(1, len(frame) + 1)
    skipped = 0
    if name == LayerName.ROADS:
        classes, keep = Table(name, frame, rows, problems).choice("road_class", RoadClass.values, skip_others=True)
        skipped = int((~keep).sum())
        frame, rows = frame[keep], rows[keep]
        attributes = {"road_class": [value for value, kept in zip(classes, keep.tolist(), strict=True) if kept]}
    table = Table(name, frame, rows, problems)
    ids = table.feature_ids(read.fid_column)
    names = table.text("name", MAX_NAME)
    if name != LayerName.ROADS:
        attributes = ATTRIBUTES[name](table)
    geoms, repaired = table.geometries(GEOMETRY_TYPES[name], extent=extent, crs=read.source_srid)
    return CleanLayer(
        name=name,
        values={"source_id": ids, "name": names, **attributes},
        geoms=geoms,
        skipped=skipped,
        repaired=repaired,
    )
