"""Checking a layer against the layer contract (docs/layers.md),
column by column with numpy/pandas/shapely, before anything is written.

Every problem names the layer, the row (1 = the file's first feature) and the
field. Problems are collected across all layers; at ``MAX_ERRORS`` the check
stops and the import is refused with what was found so far.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from layers.choices import layer_named
from layers.errors import LayerImportError
from layers.extent import CityExtent
from layers.geometries import geometries_check

MAX_ERRORS = 20
MAX_SOURCE_ID = 64
MAX_NAME = 200
# Sanity limits above the contract's lower bounds (and inside the columns' types).
MAX_FLOORS = 200
MAX_BUILDING_HOUSEHOLDS = 100_000
MAX_SETTLEMENT_COUNT = 10_000_000

ID_COLUMNS = ("id", "fid", "source_id")  # the first present is the feature id


class _Stop(Exception):
    """Enough problems found: stop checking."""


class Problems:
    """The problems found so far, across all layers of one import."""

    def __init__(self, limit: int = MAX_ERRORS):
        self.limit = limit
        self.errors: list[str] = []
        self.rows: set[tuple[str, int]] = set()  # (layer, row) with a problem

    def add(self, message: str) -> None:
        self.errors.append(str(message))
        if len(self.errors) >= self.limit:
            raise _Stop

    def at_row(self, layer: str, row: int, field_name: str, problem: str) -> None:
        self.rows.add((layer, row))
        self.add(
            _("Layer %(layer)s row %(row)s %(field)s: %(problem)s")
            % {"layer": layer_named(layer), "row": row, "field": field_name, "problem": problem}
        )

    def in_layer(self, layer: str, problem: str) -> None:
        self.add(_("Layer %(layer)s: %(problem)s") % {"layer": layer_named(layer), "problem": problem})

    def raise_if_any(self, stopped: bool = False) -> None:
        if not self.errors:
            return
        errors = list(self.errors)
        if stopped:
            errors.append(
                _("Checking stopped after %(count)s problems; fix these and import again.") % {"count": len(errors)}
            )
        raise LayerImportError(errors)

    def run(self, check, *args, **kwargs):
        """Call ``check``; when the problem limit is reached, refuse the import at once."""
        try:
            return check(*args, **kwargs)
        except _Stop:
            self.raise_if_any(stopped=True)
            raise  # unreachable: errors is not empty


def as_text(series: pd.Series) -> np.ndarray:
    """Values as stripped strings (integral floats without ".0"), None where missing or blank.

    Plain loops over Python objects: several times faster than pandas' string methods.
    """
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return np.array([str(v) for v in series.tolist()], dtype=object)
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        finite = values[~np.isnan(values)]
        integral = bool((finite == np.round(finite)).all())
        return np.array(
            [None if v != v else str(int(v)) if integral else repr(v) for v in values.tolist()], dtype=object
        )
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = series.dt.strftime("%Y-%m-%d")
    if not series.hasnans and pd.api.types.infer_dtype(series, skipna=False) == "string":  # only str
        return np.array([v.strip() or None for v in series.tolist()], dtype=object)
    return np.array([None if _is_missing(v) else str(v).strip() or None for v in series.tolist()], dtype=object)


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _missing(values: np.ndarray) -> np.ndarray:
    return pd.isna(values)


def _numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray | pd.Series]:
    """(missing mask, values as float with NaN where unreadable, the values as shown to the user)."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        number = series.to_numpy(dtype=float, na_value=np.nan)
        return np.isnan(number), number, series
    text = as_text(series)
    number = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return _missing(text), number, text


def _year(value) -> int | None:
    """A year alone, 1000–9999: 2010, 2010.0 or "2010"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return int(value) if value == value and float(value).is_integer() and 1000 <= value <= 9999 else None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if len(text) == 4 and text.isdigit() and text[0] != "0" else None


def shown(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass
class Table:
    """One layer's rows being checked; ``rows`` are the file's row numbers (from 1)."""

    layer: str
    frame: pd.DataFrame
    rows: np.ndarray
    problems: Problems
    _columns: dict[str, str] = field(init=False)

    def __post_init__(self):
        self._columns = {}
        for column in self.frame.columns:
            if column != self.frame.geometry.name:
                self._columns.setdefault(str(column).strip().lower(), column)

    def __len__(self):
        return len(self.frame)

    def column(self, name: str, aliases: Iterable[str] = ()) -> pd.Series | None:
        for key in (name, *aliases):
            if key in self._columns:
                return self.frame[self._columns[key]]
        return None

    def report(self, mask, field_name: str, problem, values=None) -> None:
        """A problem for each row where ``mask`` holds; ``problem(value)`` words it."""
        mask = np.asarray(mask, dtype=bool)
        for index in np.flatnonzero(mask):
            value = None if values is None else values.iloc[index] if isinstance(values, pd.Series) else values[index]
            self.problems.at_row(self.layer, int(self.rows[index]), field_name, problem(value))

    def missing_column(self, name: str) -> None:
        self.problems.in_layer(self.layer, _("the field %(field)s is missing.") % {"field": name})

    # --- typed columns ---------------------------------------------------------

    def integer(self, name, *, minimum, maximum, default=None, required=False, aliases=()):
        """Whole numbers in [minimum, maximum]; missing -> ``default`` (or None, or a problem if required)."""
        series = self.column(name, aliases)
        count = len(self)
        if series is None:
            if required:
                self.missing_column(name)
            return [default] * count
        missing, number, text = _numbers(series)
        with np.errstate(invalid="ignore"):
            not_whole = ~missing & (np.isnan(number) | (np.mod(number, 1) != 0) | (number < minimum))
            too_big = ~missing & ~not_whole & (number > maximum)
        self.report(
            not_whole,
            name,
            lambda v: (
                _("must be a whole number ≥ %(minimum)s (not “%(value)s”)") % {"minimum": minimum, "value": shown(v)}
            ),
            text,
        )
        self.report(
            too_big,
            name,
            lambda v: _("must be at most %(maximum)s (not %(value)s)") % {"maximum": maximum, "value": shown(v)},
            text,
        )
        if required and default is None:
            self.report(missing, name, lambda _v: _("a value is required"))
        filled = np.where(missing | not_whole | too_big, 0, np.nan_to_num(number)).astype(np.int64).tolist()
        return [default if gone else value for gone, value in zip(missing.tolist(), filled, strict=True)]

    def decimal(self, name, *, above, maximum, places, required=True, aliases=()):
        """Numbers in (above, maximum], rounded to ``places`` decimals, as Decimal; missing -> None."""
        series = self.column(name, aliases)
        count = len(self)
        if series is None:
            if required:
                self.missing_column(name)
            return [None] * count
        missing, number, text = _numbers(series)
        rounded = np.round(number, places)
        with np.errstate(invalid="ignore"):
            bad = ~missing & (np.isnan(number) | ~np.isfinite(number) | (rounded <= above) | (rounded > maximum))
        self.report(
            bad,
            name,
            lambda v: (
                _("must be a number greater than %(above)s and at most %(maximum)s (not “%(value)s”)")
                % {"above": above, "maximum": maximum, "value": shown(v)}
            ),
            text,
        )
        if required:
            self.report(missing, name, lambda _v: _("a value is required"))
        return [
            None if (gone or wrong) else Decimal(f"{value:.{places}f}")
            for gone, wrong, value in zip(missing.tolist(), bad.tolist(), rounded.tolist(), strict=True)
        ]

    def choice(self, name, choices, *, required=True, skip_others=False):
        """A code from ``choices`` (case-insensitive). With ``skip_others``, returns (values, keep mask)."""
        series = self.column(name)
        count = len(self)
        if series is None:
            if required or skip_others:
                self.missing_column(name)
            return ([None] * count, np.zeros(count, dtype=bool)) if skip_others else [None] * count
        text = np.array([None if v is None else v.lower() for v in as_text(series).tolist()], dtype=object)
        missing = _missing(text)
        known = pd.Series(text, dtype=object).isin(list(choices)).to_numpy(dtype=bool)
        values = text.tolist()
        if skip_others:
            return values, known
        allowed = ", ".join(choices)
        self.report(
            ~missing & ~known,
            name,
            lambda v: _("“%(value)s” is not one of: %(allowed)s") % {"value": shown(v), "allowed": allowed},
            text,
        )
        if required:
            self.report(missing, name, lambda _v: _("a value is required (one of: %(allowed)s)") % {"allowed": allowed})
        return values

    def text(self, name, max_length, *, required=False, aliases=()):
        series = self.column(name, aliases)
        count = len(self)
        if series is None:
            if required:
                self.missing_column(name)
            return [""] * count
        text = as_text(series)
        missing = _missing(text)
        too_long = np.array([v is not None and len(v) > max_length for v in text.tolist()], dtype=bool)
        self.report(
            too_long,
            name,
            lambda v: _("at most %(max)s characters (this one has %(length)s)") % {"max": max_length, "length": len(v)},
            text,
        )
        if required:
            self.report(missing, name, lambda _v: _("a value is required"))
        return ["" if v is None else v for v in text.tolist()]

    def date(self, name, *, aliases=()):
        """Dates (a date column, or text YYYY-MM-DD); a year alone (2010, as text or a number)
        is 1 January of that year, as ledgers often hold only the year; missing -> None."""
        series = self.column(name, aliases)
        if series is None:
            return [None] * len(self)
        values = []
        for index, value in enumerate(series.tolist()):
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT or value == "":
                values.append(None)
            elif isinstance(value, datetime | pd.Timestamp):
                values.append(value.date())
            elif isinstance(value, date):
                values.append(value)
            elif (year := _year(value)) is not None:
                values.append(date(year, 1, 1))
            else:
                try:
                    values.append(date.fromisoformat(str(value).strip()[:10]))
                except ValueError:
                    self.problems.at_row(
                        self.layer,
                        int(self.rows[index]),
                        name,
                        _("“%(value)s” is not a date (YYYY-MM-DD, or a year alone: YYYY)") % {"value": shown(value)},
                    )
                    values.append(None)
        return values

    def unique(self, name, values: list[str]) -> None:
        """Each non-empty value at most once in the layer."""
        series = pd.Series(values, dtype=object)
        repeated = (series.duplicated(keep="first") & series.notna() & (series != "")).to_numpy(dtype=bool)
        if not repeated.any():
            return
        first_rows: dict[str, int] = {}
        for value, row in zip(values, self.rows.tolist(), strict=True):
            first_rows.setdefault(value, row)
        self.report(
            repeated,
            name,
            lambda v: (
                _("%(value)s appears twice (first at row %(first)s); ids must be unique in a layer")
                % {"value": shown(v), "first": first_rows[v]}
            ),
            series,
        )

    def feature_ids(self, fid_column: str = "") -> list[str]:
        """Column id, fid or source_id; else the file's own feature ids; else the row number."""
        for name in ID_COLUMNS:
            if self.column(name) is not None:
                ids = self.text(name, MAX_SOURCE_ID, required=True)
                self.unique(name, ids)
                return ids
        if fid_column:
            ids = [str(fid) for fid in self.frame.index.tolist()]
            self.unique(fid_column, ids)
            return ids
        return [str(row) for row in self.rows.tolist()]

    # --- geometry --------------------------------------------------------------

    def geometries(
        self, allowed: Iterable[str], *, extent: CityExtent | None = None, crs: str = ""
    ) -> tuple[np.ndarray, int]:
        """Checked geometries and how many were repaired (layers/geometries.py)."""
        return geometries_check(self, allowed, extent=extent, crs=crs)
