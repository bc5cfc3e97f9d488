"""Measured data in: CSV files with named columns and units in the header, checked.

Header: one line of column names, each with its unit in brackets or parentheses,
``t [s], v [V], i [uA], T [degC], p_CO2 [ppm]`` (a ``#`` comment line before it is allowed).
:func:`read_csv` converts every column to the SI unit the fit asks for (``s``, ``V``, ``A``,
``K``, ``bar``, ``C``, ``ohm``, ``S``, ``1``) and refuses, naming the column:

* a unit that is not that quantity (``i [V]`` where A is asked), or no unit at all;
* NaN / empty / non-numeric cells (with the row);
* a time column that does not strictly increase;
* fewer rows than ``min_rows``;
* values that contradict their declared unit: a temperature column declared K with values
  below 150 (degrees Celsius written as K), a pressure declared bar above 10 bar (ppm or %
  written as bar) -- the same checks as the device API (:mod:`lithispice.devices.param_checks`).
"""
from __future__ import annotations

import csv
import math
import numbers
import re
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from ..errors import LithispiceError

__all__ = ["DataError", "read_csv", "check_series", "condition", "noise_level",
           "constant_column", "UNITS", "to_si"]


class DataError(LithispiceError, ValueError):
    """Measured data that cannot be fitted: names the file, column and row where it can."""

    def __init__(self, message: str, *, column: Optional[str] = None,
                 path: Optional[str] = None):
        self.column, self.path, self.message = column, path, message
        where = ", ".join(x for x in ((f"{path}" if path else ""),
                                      (f"column {column!r}" if column else "")) if x)
        super().__init__(f"{where}: {message}" if where else message)

    def at(self, path) -> "DataError":
        """The same error located in file ``path`` (a data class checked what a CSV gave it)."""
        return DataError(self.message, column=self.column, path=str(path))


#: unit text -> (SI unit, factor, offset): SI = value * factor + offset
UNITS = {
    # time
    "s": ("s", 1.0, 0.0), "ms": ("s", 1e-3, 0.0), "us": ("s", 1e-6, 0.0),
    "ns": ("s", 1e-9, 0.0), "min": ("s", 60.0, 0.0), "h": ("s", 3600.0, 0.0),
    # voltage
    "V": ("V", 1.0, 0.0), "mV": ("V", 1e-3, 0.0), "uV": ("V", 1e-6, 0.0),
    # current
    "A": ("A", 1.0, 0.0), "mA": ("A", 1e-3, 0.0), "uA": ("A", 1e-6, 0.0),
    "nA": ("A", 1e-9, 0.0), "pA": ("A", 1e-12, 0.0),
    # charge
    "C": ("C", 1.0, 0.0), "mC": ("C", 1e-3, 0.0), "uC": ("C", 1e-6, 0.0),
    "nC": ("C", 1e-9, 0.0), "pC": ("C", 1e-12, 0.0), "Ah": ("C", 3600.0, 0.0),
    "mAh": ("C", 3.6, 0.0), "uAh": ("C", 3.6e-3, 0.0),
    # temperature (degC needs the offset; "C" alone is the coulomb)
    "K": ("K", 1.0, 0.0), "degC": ("K", 1.0, 273.15), "°C": ("K", 1.0, 273.15),
    # pressure (bar inside; ppm and % are of 1 bar total, as the presets assume)
    "bar": ("bar", 1.0, 0.0), "mbar": ("bar", 1e-3, 0.0), "Pa": ("bar", 1e-5, 0.0),
    "kPa": ("bar", 1e-2, 0.0), "atm": ("bar", 1.01325, 0.0), "ppm": ("bar", 1e-6, 0.0),
    "%": ("bar", 1e-2, 0.0),
    # resistance, conductance, dimensionless
    "ohm": ("ohm", 1.0, 0.0), "kohm": ("ohm", 1e3, 0.0), "Mohm": ("ohm", 1e6, 0.0),
    "S": ("S", 1.0, 0.0), "mS": ("S", 1e-3, 0.0), "uS": ("S", 1e-6, 0.0),
    "nS": ("S", 1e-9, 0.0), "1": ("1", 1.0, 0.0), "-": ("1", 1.0, 0.0),
}
_QUANTITY = {"s": "time", "V": "voltage", "A": "current", "C": "charge", "K": "temperature",
             "bar": "pressure", "ohm": "resistance", "S": "conductance", "1": "dimensionless"}
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[\[(]\s*([^\])]*?)\s*[\])])?\s*$")


def to_si(values, unit: str, si: str, *, column: str = "", path: Optional[str] = None):
    """``values`` in ``unit`` converted to ``si`` (one of the SI units of :data:`UNITS`);
    DataError when ``unit`` is not that quantity."""
    if unit not in UNITS:
        raise DataError(f"unknown unit {unit!r} (known: {', '.join(UNITS)})",
                        column=column, path=path)
    base, factor, offset = UNITS[unit]
    if base != si:
        raise DataError(f"unit {unit!r} is a {_QUANTITY.get(base, base)}, but this column must "
                        f"be a {_QUANTITY.get(si, si)} (in {si} or a multiple)",
                        column=column, path=path)
    return np.asarray(values, dtype=float) * factor + offset


def check_series(name: str, values, si: str, *, time_like: bool = False, min_rows: int = 1,
                 path: Optional[str] = None) -> np.ndarray:
    """``values`` (already SI) as a finite float array; the checks of the module docstring
    (NaN, monotonic time, too few rows, Celsius-as-K, ppm-as-bar). Returns the array."""
    a = np.asarray(values, dtype=float).ravel()
    if a.size < min_rows:
        raise DataError(f"{a.size} rows; at least {min_rows} needed", column=name, path=path)
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise DataError(f"{bad.size} missing or non-finite value(s), first at row {bad[0]} "
                        f"({a[bad[0]]})", column=name, path=path)
    if time_like:
        d = np.diff(a)
        nb = np.flatnonzero(d <= 0)
        if nb.size:
            raise DataError(f"time must strictly increase: row {nb[0] + 1} ({a[nb[0] + 1]:g}) "
                            f"is not after row {nb[0]} ({a[nb[0]]:g})", column=name, path=path)
    if si == "K":
        from ..devices.param_checks import T_MIN, kelvin_hint
        low = np.flatnonzero(a < T_MIN)
        if low.size:
            raise DataError(f"{a[low[0]]:g} K at row {low[0]} is below {T_MIN:g} K: "
                            f"{kelvin_hint(a[low[0]])} (declare the column [degC] to convert)",
                            column=name, path=path)
    if si == "bar":
        from ..devices.param_checks import P_MAX, pressure_hint
        high = np.flatnonzero(a > P_MAX)
        if high.size:
            raise DataError(f"{a[high[0]]:g} bar at row {high[0]} is above {P_MAX:g} bar: "
                            f"{pressure_hint(a[high[0]])} (declare the column [ppm] or [%] "
                            "to convert)", column=name, path=path)
        neg = np.flatnonzero(a <= 0)
        if neg.size:
            raise DataError(f"partial pressure {a[neg[0]]:g} bar at row {neg[0]} must be > 0",
                            column=name, path=path)
    return a


def condition(name: str, value, si: str, path: Optional[str] = None) -> float:
    """One scalar condition of a data set (a temperature, a pressure, a time) in SI, checked
    as a column would be (:func:`check_series`: NaN, Celsius-as-K, ppm-as-bar)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"{value!r} is not a number in {si}", column=name, path=path)
    return float(check_series(name, [value], si, path=path)[0])


def noise_level(name: str, value, unit: str, path: Optional[str] = None) -> Optional[float]:
    """A data set's noise standard deviation in ``unit`` (a finite number > 0), or None: the
    fit estimates it."""
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not (math.isfinite(value) and value > 0)):
        raise DataError(f"noise level {value!r} must be a finite number > 0, {unit} (or None: "
                        "estimated)", column=name, path=path)
    return float(value)


def constant_column(cols: dict, name: str, path: Optional[str] = None, *, tol: float,
                    given: Optional[float] = None) -> Optional[float]:
    """A condition given as a column of a file (``T [K]``) that must be constant within
    ``tol`` over the data set: its mean. ``given``: the same condition passed as a keyword; it
    must agree with the column within ``tol``, and is returned when there is no column (None
    when neither)."""
    if name not in cols:
        return given
    a = np.asarray(cols[name], dtype=float)
    m = float(np.mean(a))
    if np.ptp(a) > tol:
        raise DataError(f"varies by {np.ptp(a):g} within one data set (at most {tol:g}); split "
                        "the file by this condition", column=name, path=path)
    if given is not None and abs(m - float(given)) > tol:
        raise DataError(f"the column's mean {m:g} contradicts {given:g} given as a keyword",
                        column=name, path=path)
    return m


def read_csv(path: Union[str, Path], columns: Mapping[str, str], *,
             time_column: Optional[str] = None, optional: Sequence[str] = (),
             min_rows: int = 5) -> dict:
    """Columns of a CSV file in SI: ``{name: array}``.

    ``columns``: ``{column name: SI unit}`` the fit needs (e.g. ``{"t": "s", "v": "V", "i":
    "A"}``); names in ``optional`` may be absent. ``time_column`` must strictly increase.
    Every needed column must declare a unit in the header (``i [uA]``). Raises
    :class:`DataError` naming the file and column."""
    path = Path(path)
    p = str(path)
    if not path.is_file():
        raise DataError("file not found", path=p)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise DataError("no header line", path=p)
    header, body = rows[0], rows[1:]
    found = {}
    for k, cell in enumerate(header):
        m = _HEADER.match(cell)
        if not m:
            raise DataError(f"header cell {cell!r} is not 'name [unit]'", path=p)
        name, unit = m.group(1), (m.group(2) or "").strip()
        if name in found:
            raise DataError("appears twice in the header", column=name, path=p)
        found[name] = (k, unit)
    out = {}
    for name, si in columns.items():
        if name not in found:
            if name in optional:
                continue
            raise DataError(f"missing (header has {', '.join(found)}; needed: "
                            f"{', '.join(f'{c} [{u}]' for c, u in columns.items())})",
                            column=name, path=p)
        k, unit = found[name]
        if not unit:
            raise DataError(f"no unit in the header: write '{name} [{si}]' (or a multiple)",
                            column=name, path=p)
        raw = []
        for r_i, r in enumerate(body):
            cell = r[k].strip() if k < len(r) else ""
            try:
                raw.append(float(cell) if cell else math.nan)
            except ValueError:
                raise DataError(f"row {r_i}: {cell!r} is not a number", column=name,
                                path=p) from None
        vals = to_si(raw, unit, si, column=name, path=p)
        out[name] = check_series(name, vals, si, time_like=(name == time_column),
                                 min_rows=min_rows, path=p)
    return out
