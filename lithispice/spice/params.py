"""Parameter tables: one row per model parameter, the single place its unit, range and meaning
are written.

A device family declares a :class:`ParamTable` of :class:`Param` rows. From it come

* the dataclass's range checks (``TABLE.check(self)`` in ``__post_init__``; the error names the
  parameter, its allowed range and unit),
* the per-instance parameters of every card form (``Param.spice``: the ngspice / Xyce /
  LTspice / Verilog-A name; ``None`` when the parameter is structural and fixed per card),
* the card documentation (ngspice header comments, Verilog-A ``desc``/``units`` attributes
  and ``from [lo:hi]`` ranges),

so no parameter's unit or range is written twice. Instance parameters that are not fields of
the dataclass (initial states such as ``w0``, ``soc0``; the temperature override ``tk``) are
rows with ``field=None``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional

from ..errors import ParameterError
from ..validate import check_number


@dataclass(frozen=True)
class Param:
    """One model parameter.

    ``field``: attribute of the device dataclass (None: a card-only instance parameter such
    as an initial state). ``spice``: name on cards and instance lines (None: not overridable
    per instance). ``unit``: SI unit text ("1" for dimensionless). ``lo``/``hi`` and
    ``lo_open``/``hi_open``: allowed range (None: unbounded). ``doc``: one-line meaning.
    ``check``: False when the range is enforced elsewhere (e.g. a relation between fields).
    ``temperature``: this instance parameter is the device temperature in K (Verilog-A cards
    read ``$temperature`` when it is not given).
    """
    field: Optional[str]
    spice: Optional[str]
    unit: str
    doc: str
    lo: Optional[float] = None
    hi: Optional[float] = None
    lo_open: bool = False
    hi_open: bool = False
    check: bool = True
    temperature: bool = False

    @property
    def name(self) -> str:
        return self.field or self.spice

    def range_text(self) -> str:
        left = "(" if self.lo_open or self.lo is None else "["
        right = ")" if self.hi_open or self.hi is None else "]"
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        return f"{left}{lo}, {hi}{right}"

    def validate(self, value, name: Optional[str] = None):
        """The value as float, or ParameterError naming the parameter, range and unit."""
        unit = "" if self.unit in ("1", "") else self.unit
        return check_number(name or self.name, value, self.lo, self.hi, lo_open=self.lo_open,
                            hi_open=self.hi_open, unit=unit)

    def va_range(self) -> str:
        """Verilog-A ``from`` clause, e.g. ``from (0:inf)``; empty when unbounded."""
        if self.lo is None and self.hi is None:
            return ""
        left = "(" if self.lo_open or self.lo is None else "["
        right = ")" if self.hi_open or self.hi is None else "]"
        lo = "-inf" if self.lo is None else repr(float(self.lo))
        hi = "inf" if self.hi is None else repr(float(self.hi))
        return f"from {left}{lo}:{hi}{right}"


class ParamTable:
    """An ordered table of :class:`Param` rows of one device family."""

    def __init__(self, family: str, rows: Iterable[Param]):
        self.family = family
        self.rows: tuple[Param, ...] = tuple(rows)
        seen_f, seen_s = set(), set()
        for r in self.rows:
            if r.field is None and r.spice is None:
                raise ValueError(f"{family}: a row needs a field or a spice name")
            if r.field and r.field in seen_f:
                raise ValueError(f"{family}: field {r.field!r} twice")
            if r.spice and r.spice.lower() in seen_s:
                raise ValueError(f"{family}: spice name {r.spice!r} twice")
            seen_f.add(r.field)
            seen_s.add((r.spice or "").lower())

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def by_field(self, field: str) -> Param:
        for r in self.rows:
            if r.field == field:
                return r
        raise KeyError(field)

    def by_spice(self, name: str) -> Param:
        low = name.lower()
        for r in self.rows:
            if r.spice and r.spice.lower() == low:
                return r
        raise KeyError(name)

    def spice_rows(self) -> tuple[Param, ...]:
        """Rows that are per-instance parameters, in table order."""
        return tuple(r for r in self.rows if r.spice)

    def spice_map(self) -> dict:
        """``{spice name: field or None}`` of the per-instance parameters, table order."""
        return {r.spice: r.field for r in self.rows if r.spice}

    def check(self, obj) -> None:
        """Range-check every field row on ``obj`` (a device dataclass)."""
        for r in self.rows:
            if r.field and r.check:
                r.validate(getattr(obj, r.field))

    def suggest(self, name: str) -> Optional[str]:
        """The field a misspelt or SPICE-spelt ``name`` probably means (``ron`` -> ``r_on``)."""
        low = name.lower()
        for r in self.rows:
            if r.field and r.spice and r.spice.lower() == low:
                return r.field
        import difflib
        fields = [r.field for r in self.rows if r.field]
        hit = difflib.get_close_matches(name, fields, n=1)
        return hit[0] if hit else None

    def doc_lines(self) -> list[str]:
        """``name  unit  range  meaning`` lines of the instance parameters (card headers)."""
        out = []
        for r in self.spice_rows():
            out.append(f"{r.spice:<10} {r.unit:<8} {r.range_text():<22} {r.doc}")
        return out


def finite_or_inf(name: str, value, unit: str = "") -> float:
    """A positive finite number or +inf (e.g. an ohmic limit), else ParameterError."""
    if not (value == math.inf or (isinstance(value, (int, float)) and math.isfinite(value)
                                  and value > 0)):
        raise ParameterError(name, value, f"> 0 {unit}, or inf".replace("  ", " "))
    return float(value)
