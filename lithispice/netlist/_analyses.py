"""Simulator options (a whitelist) and analysis lines (.tran, .op, .dc, .ac).

ngspice silently ignores an ``.options`` name it does not know, so a typo (``reltoll``)
would run with the default tolerance and nobody would notice: only names listed here are
accepted, each with its type and range. Values are emitted through :func:`fmt`, never as
free text.
"""
from __future__ import annotations

import math
import numbers

from ..errors import ParameterError
from ..spice.names import fmt


def _float(name, value, lo=-math.inf, hi=math.inf, lo_open=True, hi_open=True, unit=""):
    fmt(value, name)
    x = float(value)
    bad_lo = x <= lo if lo_open else x < lo
    bad_hi = x >= hi if hi_open else x > hi
    if bad_lo or bad_hi:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ParameterError(name, value, f"in {left}{lo!r}, {hi!r}{right}{unit}")
    return fmt(x)


def _int(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise ParameterError(name, value, f"an integer in [{lo}, {hi}]")
    return str(int(value))


def _pos(unit):
    return lambda n, v: _float(n, v, 0.0, unit=unit)


def _nonneg(unit):
    return lambda n, v: _float(n, v, 0.0, lo_open=False, unit=unit)


def _temp(n, v):
    # ngspice takes temperatures in degrees Celsius; below absolute zero is meaningless
    return _float(n, v, -273.15, unit=" degC")


def _method(n, v):
    if not isinstance(v, str) or v.lower() not in ("trap", "gear"):
        raise ParameterError(n, v, "'trap' or 'gear'")
    return v.lower()


def _flag(n, v):
    if not isinstance(v, bool):
        raise ParameterError(n, v, "True or False")
    return v


# name -> validator returning the emitted text (or a bool for flag options)
OPTIONS = {
    "reltol": lambda n, v: _float(n, v, 0.0, 1.0),
    "abstol": _pos(" A"),
    "vntol": _pos(" V"),
    "chgtol": _pos(" C"),
    "trtol": _pos(""),
    "pivtol": _pos(""),
    "pivrel": lambda n, v: _float(n, v, 0.0, 1.0),
    "gmin": _nonneg(" S"),
    "gshunt": _nonneg(" S"),    # conductance from every node to ground
    "rshunt": _pos(" ohm"),     # resistor from every node to ground
    "cshunt": _pos(" F"),       # capacitor from every node to ground (ngspice: must be > 0)
    "temp": _temp,
    "tnom": _temp,
    "method": _method,
    "maxord": lambda n, v: _int(n, v, 1, 6),
    "itl1": lambda n, v: _int(n, v, 1, 10**7),
    "itl2": lambda n, v: _int(n, v, 1, 10**7),
    "itl4": lambda n, v: _int(n, v, 1, 10**7),
    "gminsteps": lambda n, v: _int(n, v, 0, 10**4),
    "srcsteps": lambda n, v: _int(n, v, 0, 10**4),
    "noopiter": _flag,          # skip the plain Newton op, go straight to gmin stepping
    "interp": _flag,            # interpolate transient output onto the TSTEP grid
    "seed": lambda n, v: _int(n, v, 1, 2**31 - 1),   # RNG of trrandom/trnoise sources
}


def validate_options(current: dict, kw: dict) -> dict:
    """Return a new options dict: ``current`` updated with validated ``kw``."""
    out = dict(current)
    for key, value in kw.items():
        name = key.lower()
        if name not in OPTIONS:
            raise ParameterError(f"options.{key}", value,
                                 f"an option among {sorted(OPTIONS)}",
                                 "unknown option (ngspice would silently ignore it)")
        out[name] = OPTIONS[name](f"options.{name}", value)
    method = out.get("method", "trap")
    if method == "trap" and "maxord" in out and int(out["maxord"]) > 2:
        raise ParameterError("options.maxord", out["maxord"], "1 or 2 with method='trap'")
    return out


def options_line(opts: dict) -> str | None:
    """``.options a=1 b=2 flag`` in sorted order (deterministic); None if empty."""
    items = []
    for name in sorted(opts):
        val = opts[name]
        if val is True:
            items.append(name)
        elif val is False:
            continue
        else:
            items.append(f"{name}={val}")
    return ".options " + " ".join(items) if items else None


def tran_line(tstep, tstop, tstart=0.0, tmax=None, uic=False) -> str:
    """``.tran TSTEP TSTOP [TSTART [TMAX]] [uic]`` (seconds)."""
    step = _float("tran.tstep", tstep, 0.0, unit=" s")
    stop = _float("tran.tstop", tstop, 0.0, unit=" s")
    start = _float("tran.tstart", tstart, 0.0, float(tstop), lo_open=False, unit=" s")
    if float(tstep) > float(tstop) - float(tstart):
        raise ParameterError("tran.tstep", tstep, f"<= tstop - tstart = {float(tstop) - float(tstart)!r} s")
    words = [".tran", step, stop]
    if tmax is not None:
        words += [start, _float("tran.tmax", tmax, 0.0, unit=" s")]
    elif float(tstart) != 0.0:
        words.append(start)
    if not isinstance(uic, bool):
        raise ParameterError("tran.uic", uic, "True or False")
    if uic:
        words.append("uic")
    return " ".join(words)


def dc_values(start, stop, step) -> tuple[str, str, str]:
    """Validated ``.dc`` sweep numbers (units of the swept source)."""
    a = _float("dc.start", start)
    b = _float("dc.stop", stop)
    s = _float("dc.step", step)
    x0, x1, dx = float(start), float(stop), float(step)
    if dx == 0.0 or (x1 - x0) * dx < 0:
        raise ParameterError("dc.step", step, f"non-zero, with the sign of stop - start = {x1 - x0!r}")
    if abs(x1 - x0) / abs(dx) > 1e7:
        raise ParameterError("dc.step", step, "at most 1e7 points in the sweep")
    return a, b, s


def ac_line(variation, points, fstart, fstop) -> str:
    """``.ac dec|oct|lin N FSTART FSTOP`` (hertz)."""
    if not isinstance(variation, str) or variation.lower() not in ("dec", "oct", "lin"):
        raise ParameterError("ac.variation", variation, "'dec', 'oct' or 'lin'")
    n = _int("ac.points", points, 1, 10**7)
    f0 = _float("ac.fstart", fstart, 0.0, unit=" Hz")
    f1 = _float("ac.fstop", fstop, 0.0, unit=" Hz")
    if float(fstop) < float(fstart):
        raise ParameterError("ac.fstop", fstop, f">= fstart = {float(fstart)!r} Hz")
    return f".ac {variation.lower()} {n} {f0} {f1}"
