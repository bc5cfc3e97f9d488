"""Checks built on a family's :class:`~lithispice.spice.params.ParamTable` that the table's own
``check`` cannot do: integer fields, optional (None = derived) fields, and names given to
``replace`` or a constructor (:class:`KnownFields`). The ranges still come from the table rows;
only the kind of test is written here.

Also the one place of the unit-trap checks every device API and :meth:`Chip.add` use:
temperatures in K (:func:`temperature`: at least ``T_MIN``, with a Celsius hint), partial
pressures in bar (:func:`pressure_array`: at most ``P_MAX``, with a ppm / % hint), and
per-instance parameters (:func:`check_instance_param`, names resolved by
:func:`instance_name`: SPICE names or their Python fields).
"""
from __future__ import annotations

import dataclasses
import difflib
import math

import numpy as np

from ..errors import ParameterError
from ..spice.params import Param, ParamTable
from ..validate import as_real
from . import _args


def check_integer(row: Param, value) -> int:
    """An int (not bool; numpy ints too) within the row's closed range, else ParameterError.
    (Param.validate converts to float and would accept 2.5 volumes.)"""
    ok = not isinstance(value, bool) and isinstance(value, (int, np.integer))
    if ok and row.lo is not None:
        ok = value >= row.lo
    if ok and row.hi is not None:
        ok = value <= row.hi
    if not ok:
        lo = "-inf" if row.lo is None else f"{int(row.lo)}"
        hi = "inf" if row.hi is None else f"{int(row.hi)}"
        raise ParameterError(row.name, value, f"an integer in [{lo}, {hi}]")
    return int(value)


def check_optional(row: Param, value):
    """None (the value is derived elsewhere, e.g. from the material), else the row's range."""
    return None if value is None else row.validate(value)


def replace_checked(obj, table: ParamTable, changes: dict):
    """``dataclasses.replace(obj, **changes)`` that answers a name which is not a settable
    field with a TypeError carrying a hint from the table (``socc`` -> ``soc0``'s family,
    ``thc0`` -> ``theta_c0``), instead of dataclasses' bare "unexpected keyword"."""
    fields = [f.name for f in dataclasses.fields(obj) if f.init]
    for name in changes:
        if name not in fields:
            raise TypeError(_unknown(type(obj).__name__, table, fields, name))
    return dataclasses.replace(obj, **changes)


def _unknown(cls: str, table: ParamTable, fields: list, name: str) -> str:
    card_only = {r.spice: r for r in table.spice_rows() if r.field is None}
    exact = {k.lower(): r for k, r in card_only.items()}.get(name.lower())
    if exact is not None:
        # an initial state or the temperature: set per instance, not on the parameter set
        return (f"unknown parameter {name!r} of {cls}: {exact.spice!r} is an instance parameter "
                f"[{exact.doc}], given on the instance line or as a run argument, not a field")
    hint = table.suggest(name)          # the field of a SPICE spelling (thc0), or a close one
    if hint is None or table.by_field(hint).spice is None \
            or table.by_field(hint).spice.lower() != name.lower():
        # suggest() sees only the table's fields: a closer name may be a non-numeric field
        # (cathode, name, ...), a misspelt SPICE name of a field (thr -> thr0 = theta_r0) or
        # a card-only instance parameter (soc0)
        spelt = {r.spice: r.field for r in table.spice_rows() if r.field}
        others = [f for f in fields if f != hint] + list(spelt) + list(card_only)
        close = difflib.get_close_matches(name, others, n=1)
        if close and (hint is None or _ratio(name, close[0]) > _ratio(name, hint)):
            hint = spelt.get(close[0], close[0])
    if hint is None:
        return f"unknown parameter {name!r} of {cls}; known: {', '.join(fields)}"
    if hint in card_only:
        return (f"unknown parameter {name!r}; did you mean {hint!r}? (an instance parameter "
                f"of {cls}, not a field: {card_only[hint].doc})")
    return f"unknown parameter {name!r}; did you mean {hint!r}? ({cls})"


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def blame_field(obj, table: ParamTable, ok, prefer=()) -> str | None:
    """The numeric field of ``obj`` (a device dataclass that failed a whole-set test ``ok``,
    called with ``(device, packed parameter vector)``; the trial device is not validated)
    whose value, set back to the class default alone, makes ``ok`` pass: the parameter to
    name in the error. ``prefer``: fields tried first.
    None when no single field explains it."""
    defaults = {f.name: f.default for f in dataclasses.fields(obj)
                if f.init and f.default is not dataclasses.MISSING}
    rows = [r.field for r in table if r.field and r.field in defaults]
    order = [f for f in prefer if f in rows] + [f for f in rows if f not in prefer]
    for name in order:
        if getattr(obj, name) == defaults[name]:
            continue
        trial = object.__new__(type(obj))
        trial.__dict__.update(obj.__dict__)
        trial.__dict__.pop("_spice_cache", None)
        trial.__dict__[name] = defaults[name]
        try:
            if ok(trial, trial._pack()):
                return name
        except (ValueError, ArithmeticError):
            continue
    return None


# --------------------------------------------------------------------------- physical ranges
# Unit traps: a temperature given in degrees Celsius, a partial pressure given in ppm or %.
# The tables' rows bound what the equations accept ((0, 2000] K); these bound what a device
# can physically be at, and say which unit the user probably meant.

#: Lowest device temperature the API accepts, K (-123 C). Every value below it that a user
#: types is far likelier degrees Celsius (25, 85, -40) than a cryogenic run, for which no
#: model here is calibrated (Li-ion conduction is frozen out; cells are rated to -40 C).
T_MIN = 150.0
#: Highest partial pressure of a gas the API accepts, bar: the sensors work in (moderately
#: pressurised) air; a larger number is a ppm or % value given as bar.
P_MAX = 10.0
_C_TO_K = 273.15


def _is_temperature(row: Param) -> bool:
    return row.temperature or row.unit == "K"


def _follow_zero(row: Param) -> bool:
    """The row's range holds 0 for a temperature: 0 = follow the circuit temperature."""
    return _is_temperature(row) and row.lo == 0 and not row.lo_open


def kelvin_hint(x: float) -> str:
    """Why a temperature below T_MIN is probably in the wrong unit ('' when it is not low)."""
    if not (math.isfinite(x) and x < T_MIN):
        return ""
    if x > -_C_TO_K and x + _C_TO_K >= T_MIN:
        return f"{x:g} K looks like degrees Celsius: did you mean {x + _C_TO_K:g} K?"
    return f"temperatures are absolute, in K (T/K = T/C + 273.15; at least {T_MIN:g} K)"


def _t_range(row: Param) -> tuple[float, float]:
    hi = row.hi if row.hi is not None else math.inf
    return T_MIN, hi


def temperature(row: Param, value, name: str = "temperature") -> float:
    """A device temperature in K: finite, in [T_MIN, row.hi] (``row``: the family's tk or
    t_ref row), else ParameterError naming ``name`` with a Celsius hint for low values."""
    lo, hi = _t_range(row)
    x = as_real(value)
    if math.isfinite(x) and lo <= x <= hi:
        return x
    raise ParameterError(name, value, f"a finite temperature in [{lo:g}, {hi:g}] K",
                         detail=kelvin_hint(x))


def _element_error(name, value, a: np.ndarray, ok: np.ndarray, what: str, hint):
    """ParameterError naming ``name`` for the first element of ``a`` where ``ok`` is False:
    its index and value in the detail, with ``hint(value)``."""
    idx = tuple(int(k) for k in np.argwhere(~ok)[0]) if a.ndim else ()
    x = float(a[idx])
    why = hint(x)
    if idx:
        at = f"element [{', '.join(map(str, idx))}] is {x:g}"
        why = f"{at}: {why}" if why else at
    return ParameterError(name, _args._short(value), what, detail=why)


def temperature_array(row: Param, value, name: str = "temperature") -> np.ndarray:
    """Like :func:`temperature` for a scalar or array (float64; 0-d for a scalar); the
    error names the first bad element by its index."""
    lo, hi = _t_range(row)
    what = f"finite temperatures in [{lo:g}, {hi:g}] K"
    a = _args.array(name, value, what=what)
    ok = np.isfinite(a) & (a >= lo) & (a <= hi)
    if not np.all(ok):
        raise _element_error(name, value, a, ok, what, kelvin_hint)
    return a


def check_temperature_fields(obj, table: ParamTable) -> None:
    """The temperature fields of a device dataclass (rows in K: t_ref, t_op, ...) are
    physical temperatures (see :func:`temperature`)."""
    for r in table:
        if r.field and r.check and _is_temperature(r):
            temperature(r, getattr(obj, r.field), r.field)


def pressure_hint(x: float) -> str:
    """Which unit a partial pressure above P_MAX bar was probably given in."""
    if not (math.isfinite(x) and x > P_MAX):
        return ""
    out = f"{x:g} bar: did you mean {x:g} ppm = {x * 1e-6:g} bar"
    if x <= 100:
        out += f" or {x:g} % = {x / 100:g} bar"
    return out + "? Partial pressures are in bar"


def pressure_array(value, name: str = "p_gas", lo: float = 0.0, lo_open: bool = True,
                   hi: float | None = None) -> np.ndarray:
    """Partial pressures in bar: finite, in (lo, min(hi, P_MAX)] (``lo_open``), float64
    array (0-d for a scalar); ParameterError naming ``name`` (and the first bad element's
    index) with a ppm / % hint for large values."""
    top = P_MAX if hi is None else min(hi, P_MAX)
    left = "(" if lo_open else "["
    what = f"finite partial pressures in {left}{lo:g}, {top:g}] bar"
    a = _args.array(name, value, what=what)
    ok = np.isfinite(a) & ((a > lo) if lo_open else (a >= lo)) & (a <= top)
    if not np.all(ok):
        raise _element_error(name, value, a, ok, what, pressure_hint)
    return a


def pressure(value, name: str = "p_gas", lo: float = 0.0, lo_open: bool = True,
             hi: float | None = None) -> float:
    """A scalar partial pressure in bar (see :func:`pressure_array`)."""
    if isinstance(value, np.ndarray) and value.ndim:
        raise ParameterError(name, _args._short(value), "a number, bar")
    x = as_real(value)
    if math.isnan(x):
        raise ParameterError(name, value, "a finite partial pressure, bar")
    return float(pressure_array(x, name, lo, lo_open, hi))


# --------------------------------------------------------------------------- instance params
def _table(device) -> ParamTable | None:
    t = getattr(type(device), "PARAMS", None)
    return t if isinstance(t, ParamTable) else None


def instance_name(device, name) -> str | None:
    """The SPICE instance-parameter name ``name`` stands for on ``device``: itself (any
    case) or the Python field of the same row (``r_on`` -> ``ron``, ``theta_c0`` -> ``thc0``).
    None when it is neither."""
    allowed = {p.lower(): p for p in device.instance_params}
    key = str(name)
    if key.lower() in allowed:
        return allowed[key.lower()]
    table = _table(device)
    if table is not None:
        for r in table.spice_rows():
            if r.field == key and r.spice.lower() in allowed:
                return allowed[r.spice.lower()]
    return None


def instance_hint(device, name) -> str:
    """'did you mean ...' for a name that is not an instance parameter of ``device``: the
    closest SPICE name or field, or why a field cannot be set per instance."""
    key = str(name)
    table = _table(device)
    if table is not None:
        for r in table:
            if r.field == key and not r.spice:
                return (f"{key!r} is fixed per parameter set (no instance parameter): use "
                        f"device.replace({key}=...)")
    names = list(device.instance_params)
    if table is not None:
        names += [r.field for r in table.spice_rows() if r.field]
    low = {n.lower(): n for n in names}
    close = difflib.get_close_matches(key.lower(), list(low), n=1)
    if not close:
        return ""
    hit = low[close[0]]
    canon = instance_name(device, hit)
    return f"did you mean {canon!r}?" if canon == hit else f"did you mean {canon!r} ({hit})?"


def _instance_row(device, canon: str) -> Param | None:
    table = _table(device)
    if table is None:
        return None
    try:
        return table.by_spice(canon)
    except KeyError:
        return None


def check_instance_param(device, name: str, value, label: str | None = None) -> float:
    """``value`` of the instance parameter ``name`` (a SPICE name of ``device``) as float,
    checked against the device's parameter table: the row's range; temperatures
    (:func:`temperature`, 0 kept where the row allows it: follow the circuit temperature);
    partial pressures (:func:`pressure_array`). ParameterError naming ``label`` (default
    ``name``). Devices without a table: any finite number."""
    label = label or name
    row = _instance_row(device, name)
    x = as_real(value)
    if row is None or not row.check:
        if not math.isfinite(x):
            raise ParameterError(label, value, "a finite real number")
        return x
    if _is_temperature(row):
        if x == 0 and _follow_zero(row):
            return 0.0
        try:
            return temperature(row, value, label)
        except ParameterError as e:
            if _follow_zero(row):
                raise ParameterError(label, value, e.allowed + ", or 0 (follow the circuit "
                                     "temperature)", detail=kelvin_hint(x)) from None
            raise
    if row.unit == "bar":
        return float(pressure_array(x if math.isfinite(x) else value, label, row.lo or 0.0,
                                    row.lo_open, row.hi))
    return row.validate(value, label)


def check_instance_array(device, name: str, values, label: str) -> np.ndarray:
    """Element-wise :func:`check_instance_param` of an array: the error names the first bad
    element as ``label[i, j]``."""
    a = _args.array(label, values, what="finite real numbers")
    row = _instance_row(device, name)
    if row is not None and row.check:
        if _is_temperature(row):
            lo, hi = _t_range(row)
            ok = (a >= lo) & (a <= hi)
            if _follow_zero(row):
                ok |= a == 0
        elif row.unit == "bar":
            ok = (a > (row.lo or 0.0)) if row.lo_open else (a >= (row.lo or 0.0))
            ok &= a <= (P_MAX if row.hi is None else min(row.hi, P_MAX))
        else:
            ok = np.ones(a.shape, bool)
            if row.lo is not None:
                ok &= (a > row.lo) if row.lo_open else (a >= row.lo)
            if row.hi is not None:
                ok &= (a < row.hi) if row.hi_open else (a <= row.hi)
        bad = np.argwhere(~ok)
        if bad.size:
            idx = tuple(int(k) for k in bad[0])
            try:
                check_instance_param(device, name, float(a[idx]), label)
            except ParameterError as e:          # the range and hint, and where it is
                at = f"element [{', '.join(map(str, idx))}] is {float(a[idx]):g}"
                why = e.detail
                raise ParameterError(label, _args._short(values), e.allowed,
                                     detail=f"{at}: {why}" if why else at) from None
    return a


# --------------------------------------------------------------------------- constructors
class KnownFields:
    """Mixin of the device dataclasses: a constructor keyword that is not a field raises the
    same TypeError with a hint as ``replace`` (``Memristor(ron=...)`` -> did you mean
    'r_on'?), instead of dataclasses' bare "unexpected keyword argument"."""
    __slots__ = ()
    _FIELD_CACHE: dict = {}

    def __new__(cls, *args, **kwargs):
        if kwargs:
            names = KnownFields._FIELD_CACHE.get(cls)
            if names is None:
                names = KnownFields._FIELD_CACHE[cls] = tuple(
                    f.name for f in dataclasses.fields(cls) if f.init)
            for k in kwargs:
                if k not in names:
                    raise TypeError(_unknown(cls.__name__, cls.PARAMS, list(names), k))
        return super().__new__(cls)
