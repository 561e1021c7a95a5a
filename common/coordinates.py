"""Reading a WGS84 point typed or pasted by a person.

Accepted: decimal degrees in either order ("118.5, 37.4", "37.4,118.5"),
with hemisphere letters before or after ("37.4N 118.5E", "N37.4 E118.5"),
Chinese labels (北纬37.4 东经118.5, 纬度/经度), and degrees-minutes(-seconds)
("37°26'24\"N 118°30'E", 37度26分24秒). Without letters, a number above 90
is the longitude; otherwise the order that falls in the city wins. What
cannot be read, an out-of-range latitude and a point outside the city are
refused with a message that says which.
"""

import math
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_REPLACEMENTS = (
    ("北纬", "N"),
    ("南纬", "S"),
    ("东经", "E"),
    ("西经", "W"),
    ("纬度", "N"),
    ("经度", "E"),
    ("度", "°"),
    ("分", "'"),
    ("秒", '"'),
    ("º", "°"),
    ("˚", "°"),
    ("′", "'"),
    ("’", "'"),
    ("‘", "'"),
    ("″", '"'),
    ("“", '"'),
    ("”", '"'),
    ("''", '"'),
)
_LABELS = (
    (re.compile(r"\b(?:LATITUDE|LAT)\b\s*[:=]?"), "N"),
    (re.compile(r"\b(?:LONGITUDE|LONG|LNG|LON)\b\s*[:=]?"), "E"),
)
_TOKEN = re.compile(r"\s*(?:(?P<num>[-+]?\d+(?:\.\d+)?)|(?P<unit>[°'\"])|(?P<hemi>[NSEW])|(?P<sep>[,;/:]))\s*")
_UNIT_INDEX = {"°": 0, "'": 1, '"': 2}


def _normalized(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    text = text.upper()
    for pattern, new in _LABELS:
        text = pattern.sub(new, text)
    return text


def _tokens(text: str, original: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValidationError(
                _("Cannot read “%(text)s” from “%(part)s”. Type longitude and latitude, e.g. 118.5, 37.4.")
                % {"text": original.strip(), "part": text[pos:].strip()[:10]},
                code="unreadable",
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _parts(tokens) -> list[dict]:
    """Split the tokens into coordinates: {"numbers": [(value, unit)], "hemi": letter}."""
    letters = [i for i, (kind, _v) in enumerate(tokens) if kind == "hemi"]
    prefix = bool(letters) and letters[0] == 0
    parts, current = [], {"numbers": [], "hemi": None}

    def close():
        nonlocal current
        if current["numbers"] or current["hemi"]:
            parts.append(current)
        current = {"numbers": [], "hemi": None}

    for index, (kind, value) in enumerate(tokens):
        if kind == "hemi":
            if prefix:
                close()
                current["hemi"] = value
            else:
                current["hemi"] = value
                close()
        elif kind == "sep":
            if not letters:
                close()
        elif kind == "unit":
            if not current["numbers"] or current["numbers"][-1][1] is not None:
                raise ValidationError(_("A “%(unit)s” must follow a number.") % {"unit": value}, code="unreadable")
            number, _unit = current["numbers"][-1]
            current["numbers"][-1] = (number, _UNIT_INDEX[value])
        else:
            previous = current["numbers"][-1] if current["numbers"] else None
            starts_new = not letters and previous is not None and previous[1] is not None
            # "37°26'24\" 118°30'": a new degree value after seconds or minutes starts the next coordinate.
            if starts_new and _next_unit(tokens, index) == 0:
                close()
            current["numbers"].append((value, None))
    close()
    if not letters and len(parts) == 1 and all(unit is None for _v, unit in parts[0]["numbers"]):
        numbers = parts[0]["numbers"]
        if len(numbers) == 2:  # "118.5 37.4"
            parts = [{"numbers": [n], "hemi": None} for n in numbers]
    return parts


def _next_unit(tokens, index):
    if index + 1 < len(tokens) and tokens[index + 1][0] == "unit":
        return _UNIT_INDEX[tokens[index + 1][1]]
    return None


def _degrees(part) -> float:
    numbers = part["numbers"]
    if not numbers or len(numbers) > 3:
        raise ValidationError(_("Each coordinate is degrees, or degrees, minutes and seconds."), code="unreadable")
    slots = [None, None, None]
    for position, (value, unit) in enumerate(numbers):
        slot = position if unit is None else unit
        if slots[slot] is not None:
            raise ValidationError(_("A coordinate has two values for the same unit."), code="unreadable")
        slots[slot] = value
    degrees_text, minutes, seconds = slots
    if degrees_text is None:
        raise ValidationError(_("A coordinate is missing its degrees."), code="unreadable")
    sign = -1.0 if degrees_text.startswith("-") else 1.0
    value = abs(float(degrees_text))
    for extra, divisor in ((minutes, 60), (seconds, 3600)):
        if extra is None:
            continue
        if extra.startswith(("-", "+")) or float(extra) >= 60:
            raise ValidationError(
                _("Minutes and seconds must be from 0 to under 60, not %(value)s.") % {"value": extra},
                code="unreadable",
            )
        value += float(extra) / divisor
    if part["hemi"] in ("S", "W"):
        sign = -sign
    return sign * value


def _inside(lon, lat, extent) -> bool:
    (lon_low, lon_high), (lat_low, lat_high) = extent
    return lon_low <= lon <= lon_high and lat_low <= lat <= lat_high


def coordinates_parse(text: str, *, extent) -> tuple[float, float]:
    """(longitude, latitude) in WGS84 degrees read from ``text``.

    ``extent`` is ((lon_low, lon_high), (lat_low, lat_high)): the area the
    point must lie in. Raises ValidationError with a message for a person.
    """
    normalized = _normalized(text)
    if not normalized:
        raise ValidationError(_("Type longitude and latitude, e.g. 118.5, 37.4."), code="empty")
    parts = _parts(_tokens(normalized, text))
    if len(parts) != 2:
        raise ValidationError(
            _("Give two coordinates, longitude and latitude (found %(count)d in “%(text)s”).")
            % {"count": len(parts), "text": text.strip()},
            code="unreadable",
        )
    first, second = (_degrees(part) for part in parts)
    axes = [{"N": "lat", "S": "lat", "E": "lon", "W": "lon"}.get(part["hemi"]) for part in parts]
    if axes[0] and axes[1] and axes[0] == axes[1]:
        raise ValidationError(_("Both coordinates are marked as the same axis (N/S or E/W)."), code="unreadable")
    if axes[0] == "lat" or axes[1] == "lon":
        lon, lat = second, first
    elif axes[0] == "lon" or axes[1] == "lat" or abs(first) > 90 >= abs(second):
        lon, lat = first, second
    elif abs(second) > 90 >= abs(first):
        lon, lat = second, first
    else:
        lon, lat = (
            (second, first)
            if _inside(second, first, extent) and not _inside(first, second, extent)
            else (
                first,
                second,
            )
        )
    if not (math.isfinite(lat) and abs(lat) <= 90):
        raise ValidationError(
            _("%(value)s is not a latitude (at most 90°): are latitude and longitude swapped?") % {"value": lat},
            code="out_of_range",
        )
    if not (math.isfinite(lon) and abs(lon) <= 180):
        raise ValidationError(_("%(value)s is not a longitude (at most 180°).") % {"value": lon}, code="out_of_range")
    if not _inside(lon, lat, extent):
        (lon_low, lon_high), (lat_low, lat_high) = extent
        raise ValidationError(
            _(
                "Longitude %(lon)s, latitude %(lat)s is outside the city (longitude %(lon_low)s–%(lon_high)s, "
                "latitude %(lat_low)s–%(lat_high)s): are latitude and longitude swapped?"
            )
            % {
                "lon": f"{lon:.6f}",
                "lat": f"{lat:.6f}",
                "lon_low": lon_low,
                "lon_high": lon_high,
                "lat_low": lat_low,
                "lat_high": lat_high,
            },
            code="outside",
        )
    return lon, lat


def coordinates_format(lon: float, lat: float) -> str:
    """The text the form shows for a point: longitude, latitude (6 decimals, ~0.1 m)."""
    return f"{lon:.6f}, {lat:.6f}"
