"""Checks built on a family's :class:`~lithispice.spice.params.ParamTable` that the table's own
``check`` cannot do: integer fields, optional (None = derived) fields, and names given to
``replace``. The ranges still come from the table rows; only the kind of test is written here.
"""
from __future__ import annotations

import dataclasses
import difflib

import numpy as np

from ..errors import ParameterError
from ..spice.params import Param, ParamTable


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
