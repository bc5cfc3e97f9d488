"""Ready-made deck generators for sweeps (usable from Python and from ``lithispice sweep``).

* :class:`CrossbarProgramRead` -- a rows x cols crossbar of any two-pin device preset: row 0
  is written by a pulse (the other rows held at 0 V), then every row reads at a low voltage;
  columns are ammeters (``i(vsense<j>)``). Per-instance variability from the point's own
  random stream (``variation={"ron": Spread.lognormal(0.1), ...}``; the Python names,
  ``r_on``, work too), recorded in the sweep's Dataset (``r_on (point, row, col)``, ohm).
  Point parameters with the names of its fields override them (``r_line``, ``v_write``,
  ``preset``...).
* :class:`DeckTemplate` -- a deck text with ``{name}`` placeholders filled from the point's
  parameters (numbers through :func:`lithispice.spice.names.fmt`, strings only if they are
  identifiers), for netlists written by hand or by another tool.
"""
from __future__ import annotations

import dataclasses
import re
import string
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..spice.names import check_name, fmt
from .space import Spread, instance_variation
from .worker import final

__all__ = ["CrossbarProgramRead", "DeckTemplate", "family_by_name"]


def family_by_name(name: str):
    """A device family class of ``DEVICE_FAMILIES`` by its class name (case-insensitive)."""
    from ..devices import DEVICE_FAMILIES
    for fam in DEVICE_FAMILIES:
        if fam.__name__.lower() == str(name).lower():
            return fam
    raise ParameterError("family", name, f"one of {[f.__name__ for f in DEVICE_FAMILIES]}")


@dataclass(frozen=True)
class CrossbarProgramRead:
    """Deck generator: program row 0 of a crossbar, then read all rows (see module doc).

    Units: volts, seconds, ohms. ``variation``: instance parameter -> :class:`Spread`.
    """
    family: str = "Memristor"
    preset: str = "LiCoO2"
    rows: int = 4
    cols: int = 4
    r_line: float = 1.0            # ohm per wire segment
    v_write: float = 3.2           # V on row 0 during the write
    t_write: float = 1e-6          # s
    v_read: float = 0.2            # V on every row during the read
    t_read: float = 1e-6           # s
    w0: float = 0.0                # initial state of every cell
    variation: dict = field(default_factory=dict)

    def _with(self, point) -> "CrossbarProgramRead":
        names = {f.name for f in dataclasses.fields(self)} - {"variation"}
        over = {k: v for k, v in (point or {}).items() if k in names}
        return dataclasses.replace(self, **over) if over else self

    def __call__(self, point):
        from ..netlist import build_crossbar
        cfg = self._with(point)
        fam = family_by_name(cfg.family)
        dev = fam.preset(cfg.preset)
        rows, cols = int(cfg.rows), int(cfg.cols)
        params = {}
        if cfg.variation:
            params = instance_variation(dev, (rows, cols), point.rng(), **cfg.variation)
        if "w0" in dev.instance_params:
            params["w0"] = np.full((rows, cols), float(cfg.w0))
        edge = cfg.t_write / 100
        t1 = edge + cfg.t_write
        t_end = t1 + 2 * edge + cfg.t_read

        def stimulus(i):
            v = cfg.v_write if i == 0 else 0.0
            return {"pwl": [(0.0, 0.0), (edge, v), (t1, v), (t1 + edge, cfg.v_read),
                            (t_end, cfg.v_read)]}
        xb = build_crossbar(dev, rows, cols, r_line=cfg.r_line, readout="ammeter",
                            row_sources=stimulus, device_params=params,
                            title=f"crossbar {rows}x{cols} {fam.__name__} program and read")
        xb.chip.tran(t_end / 50, t_end)
        return xb.chip

    def extractor(self):
        """Column currents at the end of the read, A: variable ``i_col`` over dimension
        ``col`` (coordinates 0..cols-1; attribute ``vectors``: ``i(vsense0), ...``). The
        cells' drawn parameters (``variation``) appear beside it as ``r_on``, ``v_set``...
        over (``row``, ``col``), see :func:`~lithispice.batch.instance_variation`."""
        return final(i_col=[f"i(vsense{j})" for j in range(int(self.cols))],
                     dims={"i_col": "col"})

    @staticmethod
    def spreads(spec: dict) -> dict:
        """``{"ron": {"lognormal": 0.1}, "vset": {"normal": 0.05}}`` -> Spreads (for configs)."""
        out = {}
        for name, s in (spec or {}).items():
            if isinstance(s, Spread):
                out[name] = s
            elif isinstance(s, dict) and len(s) == 1:
                kind, sigma = next(iter(s.items()))
                out[name] = Spread(kind, float(sigma))
            else:
                raise ParameterError(f"variation.{name}", s,
                                     "{lognormal = sigma} or {normal = relative sigma}")
        return out


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class DeckTemplate:
    """Deck generator from a template text: ``{name}`` is replaced by the point's parameter
    ``name`` (a number as its exact repr, a string only if it is an identifier); ``{{`` and
    ``}}`` stand for literal braces (so ngspice's ``{expr}`` is written ``{{expr}}``)."""
    text: str

    def __post_init__(self):
        for _, name, _, _ in string.Formatter().parse(self.text):
            if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ParameterError("template field", name, "a plain {name} placeholder")

    def fields(self) -> list[str]:
        return sorted({n for _, n, _, _ in string.Formatter().parse(self.text) if n})

    def __call__(self, point):
        values = {}
        for name in self.fields():
            if name not in point:
                raise ParameterError(name, "missing", f"a sweep parameter (the template uses "
                                     f"{self.fields()})")
            v = point[name]
            values[name] = check_name(v, f"template value {name}") if isinstance(v, str) else fmt(v, name)
        return self.text.format(**values)
