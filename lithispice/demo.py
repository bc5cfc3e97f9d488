"""Demo: a Li memristor crossbar doing vector-matrix multiplication in ngspice (or VACASK).

    python -m lithispice.demo --out demo_out [--size 16] [--preset LiCoO2] [--engine vacask]

1. One memristor under a sine above threshold: the pinched hysteresis loop.
2. A size x size crossbar whose cells hold a weight pattern (initial states w0), with row
   wire and column wire resistance, read by transimpedance amplifiers. The rows get a
   sequence of input vectors far below threshold (reads do not disturb the weights); the
   column currents are compared with the ideal G.V product.
Writes ``crossbar.csv`` (time, row voltages, column currents from the simulator, ideal G.V)
and ``crossbar.png`` (loop, weight map, column currents vs ideal), and prints a summary.
Both circuits are Chips, run in the engine given (``--engine``: ngspice, the default, or
VACASK with the devices compiled from their Verilog-A form).
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from .devices.memristor import Memristor
from .netlist import Chip, build_crossbar, ideal_vmm


def hysteresis_loop(m: Memristor, engine: str = "ngspice"):
    """One device, 2 periods of a sine at 1.3x threshold, in ``engine``."""
    f = 1.0 / (20.0 * m.t_switch_set)
    chip = Chip("memristor pinched hysteresis")
    chip.vsource("in", "a", "0", sine=(0.0, 1.3 * max(m.v_set, m.v_reset), f))
    chip.add("m1", m, p="a", n="0")
    chip.tran(1 / (f * 1000), 2 / f)
    res = chip.run(timeout=60, engine=engine)
    return res["v(a)"], -res["i(vin)"]


def weight_pattern(n: int) -> np.ndarray:
    """A readable pattern of states: a diagonal band over a gradient."""
    i, j = np.mgrid[0:n, 0:n]
    w = 0.15 + 0.5 * j / max(n - 1, 1)
    w[np.abs(i - j) <= max(1, n // 8)] = 0.95
    return np.clip(w, 0.0, 1.0)


def run_crossbar(m: Memristor, n: int, r_line: float, n_vectors: int = 6, seed: int = 0,
                 engine: str = "ngspice"):
    rng = np.random.default_rng(seed)
    w0 = weight_pattern(n)
    v_read = 0.1 * min(m.v_set, m.v_reset)          # far below threshold
    vectors = rng.uniform(0.0, v_read, size=(n_vectors, n))
    dwell, edge = 20e-6, 0.2e-6
    times = np.arange(n_vectors) * dwell

    def pwl(i):
        pts = [(0.0, vectors[0, i])]
        for k in range(1, n_vectors):
            pts += [(times[k], vectors[k - 1, i]), (times[k] + edge, vectors[k, i])]
        pts.append((n_vectors * dwell, vectors[-1, i]))
        return {"pwl": pts}

    xb = build_crossbar(m, n, n, r_line=r_line, readout="tia", r_f=1e3,
                        row_sources=pwl, device_params={"w0": w0})
    xb.chip.tran(dwell / 100, n_vectors * dwell)
    res = xb.chip.run(timeout=600, engine=engine)
    t = res.time
    i_cols = xb.column_currents(res)                        # A, (cols, points)
    g = m.conductance(w0.ravel()).reshape(n, n)             # S, programmed weights
    v_rows = np.stack([res[f"v({net})"] for net in xb.row_nets])
    ideal = ideal_vmm(g, v_rows)                            # A, (cols, points)
    return t, v_rows, i_cols, ideal, g, res


#: Largest demo crossbar side (a 128 x 128 array is 16384 devices: minutes in ngspice).
MAX_SIZE = 128


def _size(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        k = None
    if k is None or not 1 <= k <= MAX_SIZE:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer in [1, {MAX_SIZE}]")
    return k


def _ohms(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if not (0 <= x < float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a resistance in ohm >= 0")
    return x


def main(argv=None):
    from .cli import OneLineArgumentParser      # bad arguments: one line, exit status 2
    ap = OneLineArgumentParser(prog="lithispice demo", description=__doc__,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="demo_out", help="output folder (default demo_out)")
    ap.add_argument("--size", type=_size, default=16,
                    help=f"crossbar rows = columns, 1..{MAX_SIZE} (default 16)")
    ap.add_argument("--preset", default="LiCoO2", choices=Memristor.presets(),
                    metavar="PRESET", help="memristor preset (default LiCoO2; one of "
                    + ", ".join(Memristor.presets()) + ")")
    ap.add_argument("--r-line", type=_ohms, default=2.0, help="wire resistance per cell, ohm")
    ap.add_argument("--engine", choices=("ngspice", "vacask"), default="ngspice",
                    help="simulator (default ngspice)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    m = Memristor.preset(args.preset)

    v_loop, i_loop = hysteresis_loop(m, args.engine)
    t, v_rows, i_cols, ideal, g, res = run_crossbar(m, args.size, args.r_line,
                                                    engine=args.engine)

    from .fileio import atomic_open, atomic_path
    with atomic_open(out / "crossbar.csv", "w", newline="") as fh:   # whole or not at all
        wr = csv.writer(fh)
        wr.writerow(["time_s"] + [f"v_row{i}_V" for i in range(args.size)]
                    + [f"i_col{j}_A" for j in range(args.size)]
                    + [f"i_col{j}_ideal_A" for j in range(args.size)])
        for k in range(t.size):
            wr.writerow([t[k], *v_rows[:, k], *i_cols[:, k], *ideal[:, k]])

    settled = t > 5e-6
    err = np.abs(i_cols[:, settled] - ideal[:, settled]).max() / np.abs(ideal[:, settled]).max()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.5))
    ax[0].plot(v_loop, i_loop * 1e3)
    ax[0].set(xlabel="V (V)", ylabel="I (mA)", title=f"{m.name}: pinched hysteresis ({args.engine})")
    from matplotlib.colors import LogNorm
    im = ax[1].imshow(g * 1e6, cmap="viridis", norm=LogNorm())   # log law: G spans decades
    fig.colorbar(im, ax=ax[1], label="G (uS)")
    ax[1].set(title="programmed weights", xlabel="column", ylabel="row")
    for j in range(min(args.size, 4)):
        ax[2].plot(t * 1e6, i_cols[j] * 1e6, label=f"col {j} ({args.engine})")
        ax[2].plot(t * 1e6, ideal[j] * 1e6, "k--", lw=0.8)
    ax[2].set(xlabel="t (us)", ylabel="I (uA)", title=f"VMM read, r_line={args.r_line} ohm (dashed: ideal G.V)")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(out / "crossbar.png") as tmp:
        fig.savefig(tmp, dpi=120)
    print(f"{args.size}x{args.size} {m.name} crossbar: {t.size} time points, {args.engine} "
          f"{res.elapsed:.2f} s")
    print(f"max |I - G.V| / max|G.V| after settling: {err:.3%} (IR drop of r_line={args.r_line} ohm)")
    print(f"wrote {out / 'crossbar.csv'} and {out / 'crossbar.png'}")


if __name__ == "__main__":
    main()
