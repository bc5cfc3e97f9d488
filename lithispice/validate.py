"""Input validation shared by every device and block: one place for the range checks.

Each check returns the value as a float/int or raises :class:`ParameterError` naming the
parameter and the allowed range with its unit, so a user sees e.g.
``parameter 'v_set' = -1.0 is out of range: allowed a finite number in (0, 1000.0] V``.
"""
from __future__ import annotations

import math

from .errors import ParameterError


def check_number(name, value, lo=None, hi=None, *, lo_open=False, hi_open=False, unit=""):
    """A finite number in [lo, hi] (ends open as flagged, None = unbounded), else ParameterError."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
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
