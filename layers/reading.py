"""Opening a layer file with GDAL (pyogrio): which layers of the contract it
holds, and each of them as a GeoDataFrame in EPSG:4326.

Any OGR format is read: GeoPackage (several layers), Shapefile, GeoJSON,
FlatGeobuf, or a zip holding a shapefile (or one file of another format). A
layer's name is its name in the file; a single-layer file whose layer has
another name counts under its file name (``buildings.shp``), or under the
one layer asked for.
"""

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from django.utils.translation import gettext as _
from pyproj import Transformer

from layers.choices import LayerName
from layers.errors import LayerImportError

LAYER_NAMES: tuple[str, ...] = tuple(LayerName.values)
WGS84 = 4326
SINGLE_FILE_SUFFIXES = (".gpkg", ".geojson", ".json", ".fgb", ".shp", ".gml", ".kml", ".sqlite")


@dataclass(frozen=True)
class Source:
    """A file GDAL can open: ``gdal_path`` may point inside a zip."""

    gdal_path: str
    file_name: str
    layers: tuple[str, ...]  # the layer names as they are in the file


@dataclass(frozen=True)
class LayerRead:
    frame: gpd.GeoDataFrame  # in EPSG:4326, index = the file's feature ids
    fid_column: str  # the file's own feature-id column ("fid" in a GeoPackage), "" if none
    source_srid: str  # the CRS the file gave, e.g. "EPSG:4490"


def _zip_target(path: Path) -> str:
    """The GDAL path of what a zip holds: its shapefiles' folder, or its one data file."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        raise LayerImportError(_("%(name)s is not a readable zip file.") % {"name": path.name}) from exc
    names = [n for n in names if not n.startswith("__MACOSX/") and not PurePosixPath(n).name.startswith(".")]
    shapefile_dirs = {str(PurePosixPath(n).parent) for n in names if n.lower().endswith(".shp")}
    if len(shapefile_dirs) == 1:
        folder = shapefile_dirs.pop()
        return f"/vsizip/{path}" if folder == "." else f"/vsizip/{path}/{folder}"
    data_files = [n for n in names if n.lower().endswith(SINGLE_FILE_SUFFIXES)]
    if not shapefile_dirs and len(data_files) == 1:
        return f"/vsizip/{path}/{data_files[0]}"
    raise LayerImportError(
        _("%(name)s must hold one shapefile (its .shp, .shx, .dbf and .prj files) or one data file, in one folder.")
        % {"name": path.name}
    )


def source_open(path: str | Path, file_name: str | None = None) -> Source:
    path = Path(path)
    file_name = file_name or path.name
    gdal_path = _zip_target(path) if path.suffix.lower() == ".zip" else str(path)
    try:
        listed = pyogrio.list_layers(gdal_path)
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise LayerImportError(
            _("%(name)s could not be read as a GIS file: %(reason)s") % {"name": file_name, "reason": exc}
        ) from exc
    return Source(gdal_path=gdal_path, file_name=file_name, layers=tuple(str(row[0]) for row in listed))


def layers_match(source: Source, wanted: list[str] | tuple[str, ...] | None) -> tuple[dict[str, str], list[str]]:
    """Which file layer holds each contract layer to import, and the file's unknown layers."""
    unknown_wanted = [name for name in wanted or () if name not in LAYER_NAMES]
    if unknown_wanted:
        raise LayerImportError(
            _("Unknown layer name: %(names)s. Known layers: %(known)s.")
            % {"names": ", ".join(unknown_wanted), "known": ", ".join(LAYER_NAMES)}
        )
    found: dict[str, str] = {}
    unknown: list[str] = []
    for layer in source.layers:
        key = layer.strip().lower()
        if key in LAYER_NAMES and key not in found:
            found[key] = layer
        else:
            unknown.append(layer)
    if len(source.layers) == 1 and not found:
        stem = Path(source.file_name).stem.strip().lower()
        if stem in LAYER_NAMES:
            found[stem] = source.layers[0]
            unknown = []
        elif wanted and len(wanted) == 1:
            found[wanted[0]] = source.layers[0]
            unknown = []
    if wanted:
        missing = [name for name in wanted if name not in found]
        if missing:
            raise LayerImportError(
                _("The file has no layer %(names)s (its layers: %(layers)s).")
                % {"names": ", ".join(missing), "layers": ", ".join(source.layers) or "—"}
            )
        found = {name: found[name] for name in LAYER_NAMES if name in wanted}
    elif not found:
        raise LayerImportError(
            _("The file holds no layer of the import format (its layers: %(layers)s; known layers: %(known)s).")
            % {"layers": ", ".join(source.layers) or "—", "known": ", ".join(LAYER_NAMES)}
        )
    else:
        found = {name: found[name] for name in LAYER_NAMES if name in found}
    return found, unknown


def _is_identity(frame: gpd.GeoDataFrame) -> bool:
    """Whether the transformation to EPSG:4326 leaves coordinates exactly as they are.

    PROJ has no datum shift between CGCS2000 (EPSG:4490) and WGS 84: the
    transformation is an identity, and skipping it saves seconds on big layers.
    """
    if not frame.crs.is_geographic:
        return False
    sample = shapely.get_coordinates(frame.geometry.array[:1000])
    if not len(sample):
        return True
    transformer = Transformer.from_crs(frame.crs, WGS84, always_xy=True)
    x, y = transformer.transform(sample[:, 0], sample[:, 1])
    return bool(np.array_equal(x, sample[:, 0]) and np.array_equal(y, sample[:, 1]))


def layer_read(source: Source, file_layer: str, name: str, fields: Iterable[str] | None = None) -> LayerRead:
    """One layer, reprojected to EPSG:4326; a layer without a CRS is refused.

    ``fields`` (lower case) limits the attributes read to those the import uses.
    """
    try:
        info = pyogrio.read_info(source.gdal_path, layer=file_layer)
        columns = None
        if fields is not None:
            wanted = set(fields)
            columns = [column for column in info["fields"] if str(column).strip().lower() in wanted]
        frame = pyogrio.read_dataframe(source.gdal_path, layer=file_layer, fid_as_index=True, columns=columns)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise LayerImportError(
            _("Layer %(layer)s could not be read: %(reason)s") % {"layer": name, "reason": exc}
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LayerImportError(_("Layer %(layer)s has no geometry.") % {"layer": name})
    if frame.crs is None:
        raise LayerImportError(
            _(
                "Layer %(layer)s has no coordinate reference system (CRS). Set it in the file "
                "(EPSG:4490 or EPSG:4326, for example) and import it again."
            )
            % {"layer": name}
        )
    source_crs = frame.crs.to_string()
    if frame.crs.to_epsg() != WGS84:
        try:
            frame = frame.set_crs(WGS84, allow_override=True) if _is_identity(frame) else frame.to_crs(WGS84)
        except Exception as exc:  # pyproj raises several types for an unusable CRS
            raise LayerImportError(
                _("Layer %(layer)s could not be transformed from %(crs)s to EPSG:4326: %(reason)s")
                % {"layer": name, "crs": source_crs, "reason": exc}
            ) from exc
    return LayerRead(frame=frame, fid_column=info.get("fid_column") or "", source_srid=source_crs)
