"""Input validation shared by every device and block: one place for the range checks.

Each check returns the value as a float/int or raises :class:`ParameterError` naming the
parameter and the allowed range with its unit, so a user sees e.g.
``parameter 'v_set' = -1.0 is out of range: allowed a finite number in (0, 1000.0] V``.
"""
from __future__ import annotations

import math
import numbers

from .errors import ParameterError


def as_real(value) -> float:
    """``value`` as a float if it is a real number (int, float, numpy scalar or 0-d array),
    else NaN. Strings ("5"), bools, complex numbers, None and sequences are not numbers: a
    caller that converted them with ``float()`` would accept ``"5"`` as 5.0 and ``True`` as 1.0,
    and crash with an untyped error on the rest."""
    if isinstance(value, (bool, str, bytes)) or type(value).__name__ == "bool_":
        return math.nan
    if not isinstance(value, numbers.Real):
        if getattr(value, "ndim", None) != 0 or getattr(value, "dtype", None) is None \
                or value.dtype.kind not in "iuf":
            return math.nan                      # not a 0-d numeric array either
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def check_number(name, value, lo=None, hi=None, *, lo_open=False, hi_open=False, unit=""):
    """A finite number in [lo, hi] (ends open as flagged, None = unbounded), else ParameterError.
    Only real numbers count (see :func:`as_real`): ``"5"`` and ``True`` are refused."""
    x = as_real(value)
    ok = math.isfinite(x)
    if ok and lo is not None:
        ok = x > lo if lo_open else x >= lo
    if ok and hi is not None:
        ok = x < hi if hi_open else x <= hi
    if not ok:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        rng = f"{left}{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}{right}"
        raise ParameterError(name, value, f"a finite number in {rng} {unit}".rstrip())
    return x


def check_int(name, value, lo, hi):
    """An int (not bool) in [lo, hi], else ParameterError."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(name, value, f"an integer in [{lo}, {hi}]")
    return value
