"""Unpacking a zipped layer file safely before GDAL reads it.

A zip may hold one shapefile (its .shp, .shx, .dbf, .prj…, in one folder)
or one data file of another format. Only those members are unpacked, under
names of our own making (no path from the zip is trusted), into a folder
the caller owns. The unpacked size is capped (settings.LAYER_UNPACKED_MAX_BYTES):
first from the zip's directory, then by counting the bytes actually
unpacked, so a header that lies about a member's size stops at the cap too.
"""

import re
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from layers.errors import LayerImportError

SINGLE_FILE_SUFFIXES = (".gpkg", ".geojson", ".json", ".fgb", ".shp", ".gml", ".kml", ".sqlite")
MAX_MEMBERS = 1000
CHUNK = 1024 * 1024


def unpacked_max_bytes() -> int:
    return settings.LAYER_UNPACKED_MAX_BYTES


def _too_big(name: str, size: int) -> LayerImportError:
    return LayerImportError(
        _("%(name)s unpacks to more than %(limit)s (it says %(size)s); at most %(limit)s (LAYER_UNPACKED_MAX_MB).")
        % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(unpacked_max_bytes())}
    )


def zip_directory_check(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip whose directory announces too many members or too many bytes."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise LayerImportError(
            _("%(name)s holds %(count)s files; a layer zip may hold at most %(max)s.")
            % {"name": name, "count": len(infos), "max": MAX_MEMBERS}
        )
    declared = sum(info.file_size for info in infos)
    if declared > unpacked_max_bytes():
        raise _too_big(name, declared)


def _members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The members that make the layer file: one shapefile's parts, or one data file."""
    infos = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith(".")
    ]
    shapefile_dirs = {str(PurePosixPath(i.filename).parent) for i in infos if i.filename.lower().endswith(".shp")}
    if len(shapefile_dirs) == 1:
        folder = shapefile_dirs.pop()
        return [i for i in infos if str(PurePosixPath(i.filename).parent) == folder]
    data_files = [i for i in infos if i.filename.lower().endswith(SINGLE_FILE_SUFFIXES)]
    if not shapefile_dirs and len(data_files) == 1:
        return data_files
    raise LayerImportError(
        _("%(name)s must hold one shapefile (its .shp, .shx, .dbf and .prj files) or one data file, in one folder.")
        % {"name": name}
    )


def _safe_name(member: str) -> str:
    """The member's own file name, cleaned: no folders, nothing but word characters, dots and dashes."""
    base = PurePosixPath(member.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^\w-]+", "_", stem if dot else base).strip("_")[:80] or "layer"
    return f"{stem}.{re.sub(r'[^A-Za-z0-9]+', '', suffix).lower()}" if dot else stem


def zip_extract(path: Path, folder: Path, name: str) -> Path:
    """Unpack the layer file of the zip at ``path`` into ``folder``; returns what GDAL should open.

    ``name`` is the zip's name as the user knows it (for messages: never a server path). On a
    refusal, what was unpacked stays in ``folder`` for its owner to remove (a temporary folder).
    """
    budget = unpacked_max_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            zip_directory_check(archive, name)
            members = _members(archive, name)
            written = 0
            targets = []
            for info in members:
                target = folder / _safe_name(info.filename)
                with archive.open(info) as source, target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        written += len(chunk)
                        if written > budget:
                            raise _too_big(name, written)
                        out.write(chunk)
                targets.append(target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise LayerImportError(
            _("%(name)s is not a readable zip file, or it is damaged (%(reason)s).")
            % {"name": name, "reason": type(exc).__name__ if isinstance(exc, OSError) else exc}
        ) from exc
    shapefiles = [t for t in targets if t.suffix == ".shp"]
    return folder if shapefiles else targets[0]
