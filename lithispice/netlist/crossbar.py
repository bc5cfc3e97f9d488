"""A crossbar array for vector-matrix multiplication, with wire resistance and column readout.

Topology (rows i = 0..N-1 run horizontally, columns j = 0..M-1 vertically)::

    Vrow{i}: net row{i} driven against ground
    row wire i:    row{i} -Rrow{i}_s0- row{i}_c0 -Rrow{i}_s1- row{i}_c1 ... row{i}_c{M-1}
    cell (i, j):   Xr{i}c{j} between row{i}_c{j} (device pin 0) and col{j}_r{i} (pin 1)
    column wire j: col{j}_r0 -Rcol{j}_s0- col{j}_r1 ... col{j}_r{N-1} -Rcol{j}_s{N-1}- col{j}
    readout j at col{j}:
        "resistor": Rsense{j} col{j} -> 0            I_j = v(col{j}) / r_sense
        "ammeter":  Vsense{j} col{j} -> 0 (0 V)      I_j = i(vsense{j})   (ideal virtual ground)
        "tia":      Etia{j} (gain A) + Rf{j}: an inverting transimpedance amplifier holding
                    col{j} at virtual ground, v(tia{j}) = -I_j * r_f * A / (1 + A)

Each wire has one segment of ``r_line`` ohms per cell, so the cell farthest from the row
driver and the column readout (top right, i = 0, j = M-1) sees the largest IR drop. With
``r_line = 0`` the segments are left out (row{i}_c{j} is row{i}, col{j}_r{i} is col{j}),
because a 0-ohm resistor is not a valid SPICE element.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..devices.base import SpiceDevice
from ..devices.param_checks import check_instance_array, instance_name
from ..errors import NetlistError, ParameterError
from ..spice.names import check_title, fmt
from .chip import Chip

READOUTS = ("resistor", "ammeter", "tia")
_MAX_DIM = 4096
_SOURCE_KEYS = {"dc", "ac", "pwl", "sine", "pulse"}


@dataclass(frozen=True)
class Crossbar:
    """A built crossbar: the chip and the names needed to drive and read it.

    ``row_sources``: SPICE names of the row drivers (``Vrow{i}``); ``row_nets``: their nets;
    ``column_nets``: the bottom of each column wire (``col{j}``); ``output_nets``: the net
    holding each column's output voltage (``col{j}`` for "resistor", ``tia{j}`` for "tia",
    empty for "ammeter"); ``sense_elements``: ``Rsense{j}`` / ``Vsense{j}`` / ``Etia{j}``;
    ``cells[i][j]``: SPICE name of the device at row i, column j. Resistances in ohms.
    """

    chip: Chip
    rows: int
    cols: int
    readout: str
    row_sources: tuple[str, ...]
    row_nets: tuple[str, ...]
    column_nets: tuple[str, ...]
    output_nets: tuple[str, ...]
    sense_elements: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    r_line: float
    r_sense: float | None = None
    r_f: float | None = None
    tia_gain: float | None = None

    def column_currents(self, result) -> np.ndarray:
        """Current into each column readout in amperes, shape (cols, points).

        Exact for every readout (the TIA's finite gain included): resistor v/r_sense,
        ammeter the source current, TIA (v(col) - v(out)) / r_f.
        """
        out = []
        for j in range(self.cols):
            if self.readout == "resistor":
                out.append(_vec(result, f"v({self.column_nets[j]})") / self.r_sense)
            elif self.readout == "ammeter":
                out.append(_vec(result, f"i({self.sense_elements[j].lower()})"))
            else:
                out.append((_vec(result, f"v({self.column_nets[j]})")
                            - _vec(result, f"v({self.output_nets[j]})")) / self.r_f)
        return np.stack(out)

    def output_voltages(self, result) -> np.ndarray:
        """Readout output voltage of each column in volts, shape (cols, points)."""
        if self.readout == "ammeter":
            raise NetlistError("an 'ammeter' readout has no output voltage; use column_currents()")
        return np.stack([_vec(result, f"v({net})") for net in self.output_nets])


def _vec(result, key: str) -> np.ndarray:
    return np.atleast_1d(np.asarray(result[key], dtype=float))


def ideal_vmm(conductances, voltages) -> np.ndarray:
    """The ideal crossbar product I_j = sum_i G_ij V_i (amperes).

    ``conductances``: (rows, cols) in siemens; ``voltages``: (rows,) or (rows, k) in volts.
    Returns (cols,) or (cols, k).
    """
    g = np.asarray(conductances, dtype=float)
    v = np.asarray(voltages, dtype=float)
    if g.ndim != 2:
        raise ParameterError("conductances", g.shape, "a 2-D (rows, cols) array in S")
    if v.ndim not in (1, 2) or v.shape[0] != g.shape[0]:
        raise ParameterError("voltages", v.shape, f"shape ({g.shape[0]},) or ({g.shape[0]}, k) in V")
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(v))):
        raise ParameterError("conductances/voltages", "non-finite entries", "finite numbers")
    return g.T @ v


def _dim(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= _MAX_DIM:
        raise ParameterError(name, value, f"an integer in [1, {_MAX_DIM}]")
    return int(value)


def _nonneg(value, name: str, unit: str) -> float:
    fmt(value, name)
    if float(value) < 0:
        raise ParameterError(name, value, f">= 0 {unit}")
    return float(value)


def _positive(value, name: str, unit: str) -> float:
    fmt(value, name)
    if float(value) <= 0:
        raise ParameterError(name, value, f"> 0 {unit}")
    return float(value)


def _row_stimulus(spec, i: int) -> dict:
    """vsource keywords for row ``i`` from a number (DC volts) or a mapping of keywords."""
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - _SOURCE_KEYS)
        if unknown:
            raise ParameterError(f"row_sources[{i}]", dict(spec), f"keys among {sorted(_SOURCE_KEYS)}",
                                 f"unknown {unknown}")
        return dict(spec)
    if isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        return {"dc": spec}
    raise ParameterError(f"row_sources[{i}]", spec,
                         "a DC voltage (V) or a mapping of dc/ac/pwl/sine/pulse")


def build_crossbar(device: SpiceDevice | Callable[[int, int], SpiceDevice], rows: int,
                   cols: int, *, r_line: float = 0.0, readout: str = "resistor",
                   r_sense: float = 100.0, r_f: float = 1e4, tia_gain: float = 1e6,
                   row_sources=None, device_params: Mapping | None = None,
                   title: str | None = None) -> Crossbar:
    """Build a rows x cols crossbar (see the module docstring for the topology and names).

    ``device``: a two-pin SpiceDevice (pin 0 on the row, pin 1 on the column), or a
    callable ``(i, j) -> device`` for per-cell devices (each distinct subckt is emitted once).
    ``r_line``: wire resistance per cell segment (ohm, >= 0). ``readout``: "resistor"
    (``r_sense`` ohm to ground), "ammeter" (0 V source) or "tia" (E source of gain
    ``tia_gain`` with feedback ``r_f`` ohm). ``row_sources``: None (all rows 0 V DC), a
    sequence of ``rows`` stimuli or a callable ``i -> stimulus``; a stimulus is a DC
    voltage or a mapping of :meth:`Chip.vsource` keywords (dc, ac, pwl, sine, pulse).
    ``device_params``: per-instance parameters, name -> scalar or (rows, cols) array
    (e.g. ``{"w0": W0}``; SPICE names or their Python fields, checked element-wise against
    the device's parameter table: a ParameterError names the first bad cell). No analysis is set: call ``xb.chip.tran(...)`` etc.
    ``title``: the deck's first line (:func:`lithispice.spice.names.check_title`: a safe
    character set starting with a letter or digit), checked before anything is built.
    """
    rows, cols = _dim(rows, "rows"), _dim(cols, "cols")
    title = check_title(title) if title else f"crossbar {rows}x{cols} {readout} readout"
    r_line = _nonneg(r_line, "r_line", "ohm")
    if readout not in READOUTS:
        raise ParameterError("readout", readout, f"one of {READOUTS}")
    r_sense_v = _positive(r_sense, "r_sense", "ohm") if readout == "resistor" else None
    r_f_v = _positive(r_f, "r_f", "ohm") if readout == "tia" else None
    gain_v = _positive(tia_gain, "tia_gain", "V/V") if readout == "tia" else None

    if isinstance(device, SpiceDevice):
        def device_at(i, j, _d=device):
            return _d
    elif callable(device):
        device_at = device
    else:
        raise NetlistError(f"device: {type(device).__name__} is neither a SpiceDevice nor a "
                           "callable (i, j) -> SpiceDevice")

    params: dict[str, np.ndarray] = {}
    for pname, value in (device_params or {}).items():
        try:
            arr = np.broadcast_to(np.asarray(value, dtype=float), (rows, cols))
        except (ValueError, TypeError):
            raise ParameterError(f"device_params[{pname!r}]", np.shape(value),
                                 f"a scalar or a ({rows}, {cols}) array") from None
        params[pname] = arr
    if isinstance(device, SpiceDevice):
        # element-wise against the device's table, before 16384 adds: the error names the
        # cell ("element [i, j] is 1.5"); per-cell devices are checked by Chip.add per cell
        for pname, arr in params.items():
            canon = instance_name(device, pname)
            if canon is not None:
                check_instance_array(device, canon, arr, f"device_params[{pname!r}]")

    if row_sources is None:
        stimuli = [{"dc": 0.0}] * rows
    elif callable(row_sources):
        stimuli = [_row_stimulus(row_sources(i), i) for i in range(rows)]
    elif isinstance(row_sources, Sequence) or isinstance(row_sources, np.ndarray):
        if len(row_sources) != rows:
            raise ParameterError("row_sources", f"{len(row_sources)} entries", f"{rows} entries")
        stimuli = [_row_stimulus(s.item() if isinstance(s, np.generic) else s, i)
                   for i, s in enumerate(row_sources)]
    else:
        raise ParameterError("row_sources", row_sources, "None, a sequence or a callable")

    chip = Chip(title)
    row_src, row_nets = [], []
    for i in range(rows):
        row_src.append(chip.vsource(f"row{i}", f"row{i}", "0", **stimuli[i]))
        row_nets.append(f"row{i}")

    def row_node(i, j):
        return f"row{i}_c{j}" if r_line > 0 else f"row{i}"

    def col_node(i, j):
        return f"col{j}_r{i}" if r_line > 0 else f"col{j}"

    cells = []
    checked: dict[int, tuple[object, tuple[str, str]]] = {}   # id -> (device, its two pins)
    for i in range(rows):
        line = []
        for j in range(cols):
            dev = device_at(i, j)
            hit = checked.get(id(dev))
            if hit is None or hit[0] is not dev:
                if not isinstance(dev, SpiceDevice) or len(tuple(dev.pins)) != 2:
                    raise NetlistError(
                        f"cell ({i}, {j}): a crossbar needs a two-pin SpiceDevice, got "
                        f"{type(dev).__name__}"
                        + (f" with pins {list(dev.pins)}" if isinstance(dev, SpiceDevice) else ""))
                hit = checked[id(dev)] = (dev, tuple(dev.pins))
            p_row, p_col = hit[1]
            cell_params = {k: float(a[i, j]) for k, a in params.items()}
            line.append(chip.add(f"r{i}c{j}", dev, params=cell_params,
                                 nets={p_row: row_node(i, j), p_col: col_node(i, j)}))
        cells.append(tuple(line))

    if r_line > 0:
        for i in range(rows):
            for j in range(cols):
                prev = f"row{i}" if j == 0 else row_node(i, j - 1)
                chip.resistor(f"row{i}_s{j}", prev, row_node(i, j), r_line)
        for j in range(cols):
            for i in range(rows):
                nxt = col_node(i + 1, j) if i < rows - 1 else f"col{j}"
                chip.resistor(f"col{j}_s{i}", col_node(i, j), nxt, r_line)

    sense, outputs = [], []
    for j in range(cols):
        col = f"col{j}"
        if readout == "resistor":
            sense.append(chip.resistor(f"sense{j}", col, "0", r_sense_v))
            outputs.append(col)
        elif readout == "ammeter":
            sense.append(chip.vsource(f"sense{j}", col, "0", 0.0))
        else:
            # inverting amplifier: out = A * (0 - v(col)); Rf closes the loop, so the
            # column sits at -out/A ~ 0 V and all of the column current flows through Rf
            sense.append(chip.vcvs(f"tia{j}", f"tia{j}", "0", "0", col, gain_v))
            chip.resistor(f"f{j}", col, f"tia{j}", r_f_v)
            outputs.append(f"tia{j}")

    return Crossbar(chip=chip, rows=rows, cols=cols, readout=readout,
                    row_sources=tuple(row_src), row_nets=tuple(row_nets),
                    column_nets=tuple(f"col{j}" for j in range(cols)),
                    output_nets=tuple(outputs), sense_elements=tuple(sense),
                    cells=tuple(cells), r_line=r_line, r_sense=r_sense_v, r_f=r_f_v,
                    tia_gain=gain_v)
