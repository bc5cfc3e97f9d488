"""Argument checks of the device API: one place for the kinds of test (a number, an array of
numbers, one of a set of names, a flag, a seed), each raising :class:`ParameterError` that names
the caller's argument and its allowed range. Ranges come from the families' parameter tables
where a row exists (``row`` arguments); this module only knows *how* to test.

Rule for every public device function: it returns finite, physical numbers or raises a typed
lithispice error naming the argument. Strings, bools, complex numbers, ``None`` (where it does
not mean "default"), ragged or wrongly shaped sequences are refused here, before numpy or a
compiled kernel turns them into ``TypeError``/``ValueError``/``FloatingPointError`` or NaN.
"""
from __future__ import annotations

import math
import numbers
from typing import Optional

import numpy as np

from ..errors import ParameterError
from ..spice.params import Param
from ..validate import as_real, check_number

__all__ = ["number", "row_number", "array", "row_array", "choice", "flag", "seed", "integer",
           "times", "range_text", "require_finite", "bisect_limit"]


def range_text(lo, hi, lo_open=False, hi_open=False, unit="") -> str:
    left = "(" if lo_open or lo is None else "["
    right = ")" if hi_open or hi is None else "]"
    lo_s = "-inf" if lo is None else f"{lo:g}"
    hi_s = "inf" if hi is None else f"{hi:g}"
    return f"{left}{lo_s}, {hi_s}{right} {unit}".rstrip()


def number(name, value, lo=None, hi=None, *, lo_open=False, hi_open=False, unit="") -> float:
    """A finite real number in the range (validate.check_number; "5" and True refused)."""
    return check_number(name, value, lo, hi, lo_open=lo_open, hi_open=hi_open, unit=unit)


def row_number(row: Param, value, name: Optional[str] = None) -> float:
    """A number in the range of a parameter-table row, the error naming ``name``."""
    return row.validate(value, name)


def _numeric_array(name, value, what: str) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        raise ParameterError(name, value, what)
    try:
        a = np.asarray(value)
    except (TypeError, ValueError, OverflowError):        # ragged nested sequences
        raise ParameterError(name, _short(value), what) from None
    if a.dtype.kind not in "iuf":
        if a.dtype.kind == "O" and a.size:
            # huge Python ints give an object array; anything else is not a number
            try:
                if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in a.flat):
                    return a.astype(np.float64)
            except (TypeError, ValueError, OverflowError):
                pass
        raise ParameterError(name, _short(value), what)
    return a.astype(np.float64)


def _short(value):
    """The value for an error message: arrays shortened to their shape."""
    if isinstance(value, np.ndarray) and value.size > 8:
        return f"array of shape {value.shape}"
    return value


def array(name, value, lo=None, hi=None, *, lo_open=False, hi_open=False, unit="",
          ndim=None, min_size=1, what: str = "") -> np.ndarray:
    """float64 array of finite real numbers in the range (scalars give 0-d arrays).
    ``ndim``: required number of dimensions (None: any); ``min_size``: fewest elements."""
    rng = range_text(lo, hi, lo_open, hi_open, unit)
    desc = what or f"finite real numbers in {rng}"
    a = _numeric_array(name, value, desc)
    if ndim is not None and a.ndim != ndim:
        raise ParameterError(name, f"shape {a.shape}", desc + f" ({ndim}-D)")
    if a.size < min_size:
        raise ParameterError(name, f"shape {a.shape}", desc + f" (at least {min_size})")
    ok = np.isfinite(a)
    if lo is not None:
        ok &= (a > lo) if lo_open else (a >= lo)
    if hi is not None:
        ok &= (a < hi) if hi_open else (a <= hi)
    if not np.all(ok):
        bad = a[~ok].ravel()[0] if a.ndim else float(a)
        raise ParameterError(name, _short(value), desc, detail=f"e.g. {bad!r}" if a.ndim else "")
    return a


def row_array(row: Param, value, name: Optional[str] = None, **kw) -> np.ndarray:
    """An array in the range of a parameter-table row."""
    unit = "" if row.unit in ("1", "") else row.unit
    return array(name or row.name, value, row.lo, row.hi, lo_open=row.lo_open,
                 hi_open=row.hi_open, unit=unit, **kw)


def text_fields(obj, names=("source", "notes")) -> None:
    """Each named attribute of ``obj`` is a str (citations, notes), else ParameterError."""
    for nm in names:
        if not isinstance(getattr(obj, nm), str):
            raise ParameterError(nm, getattr(obj, nm), "a string")


def field_names(name, value) -> tuple:
    """A tuple of str (e.g. a preset's ``assumed`` fields), else ParameterError."""
    if not isinstance(value, tuple) or not all(isinstance(a, str) for a in value):
        raise ParameterError(name, value, "a tuple of field names")
    return value


def choice(name, value, options):
    """``value`` if it is one of ``options`` (strings; unhashable values are simply not)."""
    opts = tuple(options)
    if not isinstance(value, str) or value not in opts:
        raise ParameterError(name, _short(value), f"one of {opts}")
    return value


def flag(name, value) -> bool:
    """True or False (numpy bools too); not 1, "yes" or an array."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ParameterError(name, _short(value), "True or False")


def integer(name, value, lo=None, hi=None) -> int:
    """An int (numpy ints too; not bool, not 2.0) within [lo, hi]."""
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))
    if ok and lo is not None:
        ok = value >= lo
    if ok and hi is not None:
        ok = value <= hi
    if not ok:
        lo_s = "-inf" if lo is None else f"{int(lo)}"
        hi_s = "inf" if hi is None else f"{int(hi)}"
        raise ParameterError(name, _short(value), f"an integer in [{lo_s}, {hi_s}]")
    return int(value)


def count(name, value, lo, hi) -> int:
    """A whole number in [lo, hi]: an int, or a float with no fraction (``1e3`` pulses)."""
    x = as_real(value)
    if not (math.isfinite(x) and x == int(x) and lo <= x <= hi):
        raise ParameterError(name, _short(value), f"a whole number in [{lo:g}, {hi:g}]")
    return int(x)


def seed(name, value):
    """A seed for numpy's generators: None or a non-negative int (not bool, not 2.5)."""
    if value is None:
        return None
    return integer(name, value, 0, None)


def times(name, value, min_size: int = 2, unit: str = "s") -> np.ndarray:
    """A 1-D array of at least ``min_size`` strictly increasing finite times."""
    what = f"a 1-D array of at least {min_size} strictly increasing finite times, {unit}"
    t = _numeric_array(name, value, what)
    if t.ndim != 1 or t.size < min_size:
        raise ParameterError(name, f"shape {t.shape}", what)
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ParameterError(name, "non-finite or non-increasing", what)
    return np.ascontiguousarray(t)


def require_finite(name, value, result, allowed: str, detail: str = ""):
    """``result`` if every number in it is finite, else ParameterError naming ``name``: the
    argument whose value made the model leave its numeric range."""
    a = np.asarray(result, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ParameterError(name, _short(value), allowed, detail)
    return result


def bisect_limit(ok, good: float, bad: float, steps: int = 80) -> float:
    """The boundary between ``good`` (ok(good) True) and ``bad`` (ok(bad) False), bisected
    geometrically when both have the same sign and are non-zero, else arithmetically. Returns
    the last good value (so ok(result) holds)."""
    for _ in range(steps):
        if good != 0 and bad != 0 and (good > 0) == (bad > 0):
            mid = math.copysign(math.sqrt(abs(good) * abs(bad)), good)
        else:
            mid = 0.5 * (good + bad)
        if mid in (good, bad):
            break
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good
