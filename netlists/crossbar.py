"""Reference chip: an 8 x 8 Li memristor crossbar (LiCoO2 preset) that is programmed with a
pattern by half-select row/column drivers and then performs one vector-matrix multiply.

    python netlists/crossbar.py            # writes netlists/crossbar.cir (the reference deck)
    python netlists/crossbar.py --check    # exit 1 if the checked-in .cir is out of date
    python netlists/crossbar.py --simulate [--engine vacask]   # also simulate and analyse

Topology (same names as ``lithispice.netlist.build_crossbar``, plus column drivers)::

    Vrow{i}: row{i} -Rrow{i}_s0- row{i}_c0 -...- row{i}_c{C-1}      row wire, r_line per cell
    Xr{i}c{j}: memristor, p on row{i}_c{j}, n on col{j}_r{i}
    col{j}_r0 -Rcol{j}_s0- col{j}_r1 -...- col{j}_r{R-1} -Rcol{j}_s{R-1}- col{j}: Vcol{j}

Phase 1, programming (one slot per row, all cells start at w = 0): in slot i the selected
row is driven to V_w and the columns of the cells to set to 0 V. With the V/2 scheme every
other row and column sits at V_w/2, so half-selected cells see V_w/2 and the rest 0 V; with
V/3, unselected rows sit at V_w/3 and unselected columns at 2V_w/3 (half-selected cells see
V_w/3, the others -V_w/3). V_w = 1.2 x v_set: a selected cell switches in ~0.1 us, a
half-selected one ~1000x slower (the rate's sinh nonlinearity), so disturb stays small.
Between slots every driver returns to 0 V.

Phase 2, read: the rows carry the input vector x (V, far below threshold), the column
drivers hold the columns at 0 V and act as ammeters: I_j = i(vcol{j}). Because each wire
segment has r_line, the cells far from the drivers see less than x_i: the measured currents
fall short of the ideal product G^T x (IR drop), the more the more cells are on.

Units: V, s, ohm, A.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lithispice import Chip, Memristor
from lithispice.errors import ParameterError
from lithispice.netlist import ideal_vmm

HERE = Path(__file__).resolve().parent
CIR = HERE / "crossbar.cir"

# the programmed weights: an 8 x 8 "L" over a diagonal (1 = set the cell)
PATTERN = np.array([
    [1, 0, 0, 0, 0, 0, 0, 1],
    [1, 1, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0, 0, 0],
    [1, 0, 0, 1, 0, 0, 0, 0],
    [1, 0, 0, 0, 1, 0, 0, 0],
    [1, 0, 0, 0, 0, 1, 0, 0],
    [1, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 1, 1, 1, 1, 1],
], dtype=int)
X_READ = np.array([1.0, 0.5, 1.0, 0.25, 0.75, 1.0, 0.5, 1.0])   # input vector (x v_read)


@dataclass(frozen=True)
class CrossbarDesign:
    """What the deck is made of (SI units); ``timeline`` gives the phase boundaries, s."""
    preset: str = "LiCoO2"
    scheme: str = "v/2"            # or "v/3"
    r_line: float = 20.0           # ohm per wire segment
    v_write_factor: float = 1.2    # V_w / v_set
    t_write: float = 1e-6          # s, per row slot
    t_gap: float = 0.2e-6          # s, all drivers at 0 V between slots
    t_edge: float = 20e-9          # s, driver rise/fall
    v_read: float = 0.2            # V, full-scale read input
    t_read: float = 2e-6           # s

    @property
    def device(self) -> Memristor:
        return Memristor.preset(self.preset)

    @property
    def v_write(self) -> float:
        return self.v_write_factor * self.device.v_set

    def slot(self, i: int) -> tuple[float, float]:
        start = i * (self.t_write + self.t_gap) + self.t_gap
        return start, start + self.t_write

    def read_window(self, rows: int) -> tuple[float, float]:
        start = rows * (self.t_write + self.t_gap) + self.t_gap
        return start, start + self.t_read


def _levels(design: CrossbarDesign, pattern: np.ndarray):
    """Driver voltage of every row and column in every programming slot, V."""
    vw = design.v_write
    rows, cols = pattern.shape
    if design.scheme == "v/2":
        r_un, c_un = vw / 2, vw / 2
    elif design.scheme == "v/3":
        r_un, c_un = vw / 3, 2 * vw / 3
    else:
        raise ParameterError("scheme", design.scheme, "'v/2' or 'v/3'")
    row_v = np.full((rows, rows), r_un)          # [slot, row]
    col_v = np.full((rows, cols), c_un)          # [slot, col]
    for s in range(rows):
        row_v[s, s] = vw
        col_v[s, pattern[s] == 1] = 0.0
    return row_v, col_v


def _pwl(design: CrossbarDesign, slot_levels: np.ndarray, read_level: float):
    """PWL points: each slot's level held for t_write, 0 V in the gaps, then the read level."""
    e = design.t_edge
    pts = [(0.0, 0.0)]
    for s, v in enumerate(slot_levels):
        a, b = design.slot(s)
        pts += [(a, 0.0), (a + e, float(v)), (b - e, float(v)), (b, 0.0)]
    a, b = design.read_window(len(slot_levels))
    pts += [(a, 0.0), (a + e, float(read_level)), (b, float(read_level))]
    return pts


def build(design: CrossbarDesign = CrossbarDesign(), pattern: np.ndarray = PATTERN,
          x_read: np.ndarray = X_READ) -> Chip:
    """The crossbar chip with its programming and read stimulus and a ``.tran``."""
    pattern = np.asarray(pattern, dtype=int)
    rows, cols = pattern.shape
    if x_read.shape != (rows,):
        raise ParameterError("x_read", x_read.shape, f"({rows},)")
    if design.r_line <= 0:
        raise ParameterError("r_line", design.r_line, "> 0 ohm (IR drop is the point)")
    m = design.device
    row_v, col_v = _levels(design, pattern)
    chip = Chip(f"{rows}x{cols} {design.preset} crossbar: {design.scheme} programming then VMM read")
    for i in range(rows):
        chip.vsource(f"row{i}", f"row{i}", "0", pwl=_pwl(design, row_v[:, i],
                                                           design.v_read * x_read[i]))
    for j in range(cols):
        chip.vsource(f"col{j}", f"col{j}", "0", pwl=_pwl(design, col_v[:, j], 0.0))
    for i in range(rows):
        for j in range(cols):
            chip.add(f"r{i}c{j}", m, params={"w0": 0.0}, p=f"row{i}_c{j}", n=f"col{j}_r{i}")
    for i in range(rows):
        for j in range(cols):
            prev = f"row{i}" if j == 0 else f"row{i}_c{j - 1}"
            chip.resistor(f"row{i}_s{j}", prev, f"row{i}_c{j}", design.r_line)
    for j in range(cols):
        for i in range(rows):
            nxt = f"col{j}_r{i + 1}" if i < rows - 1 else f"col{j}"
            chip.resistor(f"col{j}_s{i}", f"col{j}_r{i}", nxt, design.r_line)
    _, t_end = design.read_window(rows)
    chip.tran(design.t_edge / 2, t_end, tmax=design.t_edge)
    return chip


def analyze(result, design: CrossbarDesign = CrossbarDesign(), pattern: np.ndarray = PATTERN,
            x_read: np.ndarray = X_READ) -> dict:
    """Programmed states, read currents and the ideal product from a simulation result.

    Returns ``w`` (rows, cols) states at the end, ``g`` (S) their conductances, ``i_meas``
    and ``i_ideal`` (A, per column, averaged over the last half of the read) and
    ``rel_error`` = (i_meas - i_ideal) / max|i_ideal|.
    """
    rows, cols = pattern.shape
    t = result.time
    a, b = design.read_window(rows)
    sel = t >= (a + b) / 2
    w = np.array([[result[f"v(xr{i}c{j}.w)"][-1] for j in range(cols)] for i in range(rows)])
    g = design.device.conductance(w.ravel()).reshape(rows, cols)
    i_meas = np.array([result[f"i(vcol{j})"][sel].mean() for j in range(cols)])
    i_ideal = ideal_vmm(g, design.v_read * x_read)
    return {"w": w, "g": g, "i_meas": i_meas, "i_ideal": i_ideal,
            "rel_error": (i_meas - i_ideal) / np.abs(i_ideal).max()}


def simulate(design: CrossbarDesign = CrossbarDesign(), pattern: np.ndarray = PATTERN,
             x_read: np.ndarray = X_READ, *, engine: str = "ngspice", timeout: float = 600.0):
    """Build the chip and simulate it in ``engine`` ("ngspice" or "vacask"); the Result
    (same vector names in both engines) goes to :func:`analyze`."""
    return build(design, pattern, x_read).run(timeout=timeout, engine=engine)


def deck_text() -> str:
    return build().deck()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(CIR), help=f"deck file to write (default {CIR.name})")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the file differs from what the code generates")
    ap.add_argument("--simulate", action="store_true",
                    help="also simulate and print the programmed states and the read error")
    ap.add_argument("--engine", choices=("ngspice", "vacask"),
                    help="simulator for --simulate (default ngspice)")
    args = ap.parse_args(argv)
    if args.engine and not args.simulate:
        ap.error("--engine selects the simulator of --simulate")
    text = deck_text()
    out = Path(args.out)
    if args.check:
        same = out.exists() and out.read_text() == text
        print(f"{out}: {'up to date' if same else 'OUT OF DATE (run python netlists/crossbar.py)'}")
        return 0 if same else 1
    out.write_text(text)
    print(f"wrote {out} ({len(text.splitlines())} lines)")
    if args.simulate:
        engine = args.engine or "ngspice"
        res = simulate(engine=engine)
        a = analyze(res)
        print(f"{engine}: {res.elapsed:.2f} s")
        np.set_printoptions(precision=2, suppress=True)
        print("programmed states w:\n", a["w"])
        print("read I (uA):", a["i_meas"] * 1e6)
        print("ideal G.x (uA):", a["i_ideal"] * 1e6)
        print("IR-drop error (of full scale):", a["rel_error"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
