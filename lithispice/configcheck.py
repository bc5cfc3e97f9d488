"""Checks shared by every config file (sweep, fit, lifetime): :class:`ConfigError` naming the
offending key by its dotted path, and the value checks that answer a wrong type, range or a
misspelt name ("did you mean") in one line. The schemas live with their commands
(:mod:`lithispice.batch.config`, :mod:`lithispice.fit.config`, :mod:`lithispice.cosim.config`).
"""
from __future__ import annotations

import difflib
import math
import numbers

from .errors import LithispiceError

__all__ = ["ConfigError", "hint", "unknown", "listing", "join", "check_keys", "table", "kind",
           "number", "looks_numeric", "integer", "boolean", "text", "choice", "function_spec"]

_YAML_HINT = " (in YAML write 1.0e-6, not 1e-6, which YAML reads as text)"


class ConfigError(LithispiceError, ValueError):
    """A config (sweep, fit, lifetime) is invalid. ``key``: the dotted path of the offending key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"'{key}': {message}" if key else message)

    def __reduce__(self):
        return (type(self), (self.key, str(self).partition("': ")[2] if self.key else str(self)))


def hint(name: str, allowed) -> str:
    allowed = [str(a) for a in allowed]
    hit = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
    if not hit:
        low = {a.lower(): a for a in allowed}
        if str(name).lower() in low:
            hit = [low[str(name).lower()]]
    return f"; did you mean {hit[0]!r}?" if hit else ""


def unknown(path: str, key, allowed, what: str = "key") -> ConfigError:
    allowed = list(allowed)
    return ConfigError(join(path, key), f"unknown {what}{hint(key, allowed)} "
                       f"(allowed: {listing(allowed)})")


def listing(allowed) -> str:
    return ", ".join(repr(str(a)) for a in allowed)


def join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def check_keys(path: str, table: dict, allowed, what: str = "key") -> None:
    for key in table:
        if not isinstance(key, str):
            raise ConfigError(join(path, key), f"a {what} must be a name (text)")
        if key not in allowed:
            raise unknown(path, key, allowed, what)


def table(path: str, value, required: bool = False) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, f"a table of settings, not {kind(value)}")
    return value


def kind(value) -> str:
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"{value!r}"


def number(path: str, value, lo=None, hi=None, *, lo_open=False, what="a number") -> float:
    x = math.nan
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = float(value)
        except ValueError:
            x = math.nan
    ok = math.isfinite(x)
    if ok and lo is not None:
        ok = x > lo if lo_open else x >= lo
    if ok and hi is not None:
        ok = x <= hi
    if not ok:
        rng = ""
        if lo is not None or hi is not None:
            left = "(" if lo_open else "["
            rng = (f" in {left}{'-inf' if lo is None else f'{lo:g}'}, "
                   f"{'inf' if hi is None else f'{hi:g}'}]")
        yaml = _YAML_HINT if isinstance(value, str) and looks_numeric(value) else ""
        raise ConfigError(path, f"{kind(value)} is not {what}{rng}{yaml}")
    return x


def looks_numeric(s: str) -> bool:
    return any(c.isdigit() for c in s)


def integer(path: str, value, lo=None, hi=None, what="an integer") -> int:
    k = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        k = int(value)
    elif isinstance(value, float) and math.isfinite(value) and value == int(value):
        k = int(value)
    elif isinstance(value, str):
        try:
            k = int(value.strip())
        except ValueError:
            k = None
    if k is None or (lo is not None and k < lo) or (hi is not None and k > hi):
        rng = ""
        if lo is not None or hi is not None:
            rng = f" in [{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ConfigError(path, f"{kind(value)} is not {what}{rng}")
    return k


def boolean(path: str, value) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(path, f"{kind(value)} is not true or false")


def text(path: str, value, what="text") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, f"{kind(value)} is not {what}")
    return value


def choice(path: str, value, options, what="value") -> str:
    if not isinstance(value, str):
        raise ConfigError(path, f"{kind(value)} is not one of {listing(options)}")
    low = value.strip().lower()
    if low not in options:
        raise ConfigError(path, f"unknown {what} {value!r}{hint(low, options)} "
                          f"(allowed: {listing(options)})")
    return low


def function_spec(path: str, value) -> str:
    spec = text(path, value, "'file.py:function' or 'package.module:function'")
    mod, _, attr = spec.partition(":")
    if not mod.strip() or not attr.strip():
        raise ConfigError(path, f"{spec!r}: write it as 'file.py:function' or "
                          "'package.module:function'")
    return spec
