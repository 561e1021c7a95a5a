"""Opening a layer file with GDAL (pyogrio): which layers of the contract it
holds, and each of them as a GeoDataFrame in EPSG:4326.

Any OGR format is read: GeoPackage (several layers), Shapefile, GeoJSON,
FlatGeobuf, or a zip holding a shapefile (or one file of another format). A
layer's name is its name in the file; a single-layer file whose layer has
another name counts under its file name (``buildings.shp``), or under the
one layer asked for.
"""

import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pyproj import Transformer

from layers.archive import zip_extract
from layers.choices import LayerName, layer_named
from layers.errors import LayerImportError

LAYER_NAMES: tuple[str, ...] = tuple(LayerName.values)
WGS84 = 4326
# An absolute path (optionally behind GDAL's /vsizip/ and the like): group "name" is its last part.
PATH_RE = re.compile(r"(?:/vsi\w+)?(?:/[^/\s'\"():;,]+)*/(?P<name>[^/\s'\"():;,]+)")


@dataclass(frozen=True)
class Source:
    """A file GDAL can open: ``gdal_path`` is the file, or what a zip held, unpacked."""

    gdal_path: str
    file_name: str
    layers: tuple[str, ...]  # the layer names as they are in the file


@dataclass(frozen=True)
class LayerRead:
    frame: gpd.GeoDataFrame  # in EPSG:4326, index = the file's feature ids
    fid_column: str  # the file's own feature-id column ("fid" in a GeoPackage), "" if none
    source_srid: str  # the CRS the file gave, e.g. "EPSG:4490"


def without_paths(text: object, file_name: str) -> str:
    """A message (GDAL's, for one) with any file path in it cut to the file's own name: the server's
    folders (temporary ones above all) are nobody's business."""
    return PATH_RE.sub(lambda match: match.group("name") or file_name, str(text))


@contextmanager
def source_opened(path: str | Path, file_name: str | None = None) -> Iterator[Source]:
    """The file at ``path`` opened for reading its layers; a zip is unpacked first (layers/archive.py),
    into a temporary folder removed afterwards."""
    path = Path(path)
    file_name = file_name or path.name
    with tempfile.TemporaryDirectory(prefix="layer-zip-") as folder:
        gdal_path = zip_extract(path, Path(folder), file_name) if path.suffix.lower() == ".zip" else path
        try:
            listed = pyogrio.list_layers(gdal_path)
        except (pyogrio.errors.DataSourceError, OSError) as exc:
            raise LayerImportError(
                _("%(name)s could not be read as a GIS file: %(reason)s")
                % {"name": file_name, "reason": without_paths(exc, file_name)}
            ) from exc
        yield Source(gdal_path=str(gdal_path), file_name=file_name, layers=tuple(str(row[0]) for row in listed))


def _known() -> str:
    return pgettext("list separator", ", ").join(layer_named(name) for name in LAYER_NAMES)


def layers_match(source: Source, wanted: list[str] | tuple[str, ...] | None) -> tuple[dict[str, str], list[str]]:
    """Which file layer holds each contract layer to import, and the file's unknown layers."""
    unknown_wanted = [name for name in wanted or () if name not in LAYER_NAMES]
    if unknown_wanted:
        raise LayerImportError(
            _("Unknown layer name: %(names)s. Known layers: %(known)s.")
            % {"names": ", ".join(unknown_wanted), "known": _known()}
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
                % {"names": ", ".join(layer_named(name) for name in missing), "layers": ", ".join(source.layers) or "—"}
            )
        found = {name: found[name] for name in LAYER_NAMES if name in wanted}
    elif not found:
        raise LayerImportError(
            _("The file holds no layer of the import format (its layers: %(layers)s; known layers: %(known)s).")
            % {"layers": ", ".join(source.layers) or "—", "known": _known()}
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


def _too_many(name: str, count: int) -> LayerImportError:
    return LayerImportError(
        _("Layer %(layer)s has %(count)s features; at most %(max)s can be imported at once (LAYER_MAX_FEATURES).")
        % {"layer": layer_named(name), "count": count, "max": settings.LAYER_MAX_FEATURES}
    )


def layer_read(source: Source, file_layer: str, name: str, fields: Iterable[str] | None = None) -> LayerRead:
    """One layer, reprojected to EPSG:4326; a layer without a CRS, or with more than
    settings.LAYER_MAX_FEATURES features, is refused.

    ``fields`` (lower case) limits the attributes read to those the import uses.
    """
    label = layer_named(name)
    try:
        info = pyogrio.read_info(source.gdal_path, layer=file_layer, force_feature_count=True)
        if info["features"] > settings.LAYER_MAX_FEATURES:
            raise _too_many(name, info["features"])
        columns = None
        if fields is not None:
            wanted = set(fields)
            columns = [column for column in info["fields"] if str(column).strip().lower() in wanted]
        frame = pyogrio.read_dataframe(source.gdal_path, layer=file_layer, fid_as_index=True, columns=columns)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise LayerImportError(
            _("Layer %(layer)s could not be read: %(reason)s")
            % {"layer": label, "reason": without_paths(exc, source.file_name)}
        ) from exc
    if len(frame) > settings.LAYER_MAX_FEATURES:
        raise _too_many(name, len(frame))
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LayerImportError(_("Layer %(layer)s has no geometry.") % {"layer": label})
    if frame.crs is None:
        raise LayerImportError(
            _(
                "Layer %(layer)s has no coordinate reference system (CRS). Set it in the file "
                "(EPSG:4490 or EPSG:4326, for example) and import it again."
            )
            % {"layer": label}
        )
    source_crs = frame.crs.to_string()
    if frame.crs.to_epsg() != WGS84:
        try:
            frame = frame.set_crs(WGS84, allow_override=True) if _is_identity(frame) else frame.to_crs(WGS84)
        except Exception as exc:  # pyproj raises several types for an unusable CRS
            raise LayerImportError(
                _("Layer %(layer)s could not be transformed from %(crs)s to EPSG:4326: %(reason)s")
                % {"layer": label, "crs": source_crs, "reason": without_paths(exc, source.file_name)}
            ) from exc
    return LayerRead(frame=frame, fid_column=info.get("fid_column") or "", source_srid=source_crs)
