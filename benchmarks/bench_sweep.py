"""Sweep throughput: a 1000-point Monte Carlo of a small chip (a 4x4 Li memristor crossbar:
program row 0, read all rows; per-cell r_on/r_off/v_set variability), run by
``lithispice.batch.run_sweep`` with 1 and with 2 local worker processes, against the same
decks run one by one through PySpice's shared mode (libngspice in this process).

Reported:
* throughput (runs/s) with 1 and 2 workers and their ratio (target >= 1.8x on 2 cores);
* per-run overhead beyond ngspice's own analysis time (target <= 20 ms), two ways:
  in the worker (ngspice process start + deck write + raw read + extraction + packing:
  the stored ``elapsed_s`` minus ngspice's ``Total analysis time``), and end to end
  (wall time x workers / runs - analysis time: adds deck generation, IPC and the store);
* PySpice shared mode, same decks, one process: runs/s and its per-run overhead.

    python benchmarks/bench_sweep.py [n_points]

The machine is shared: the load average is printed with the figures; rerun when it is high.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import numpy as np

from lithispice.batch import CrossbarProgramRead, MonteCarlo, Spread, Store, run_sweep

GEN = CrossbarProgramRead(rows=4, cols=4, variation={
    "ron": Spread.lognormal(0.1), "roff": Spread.lognormal(0.2), "vset": Spread.normal(0.05)})


def sweep(n: int, workers: int, root: str):
    store = os.path.join(root, f"w{workers}")
    t0 = time.perf_counter()
    res = run_sweep(GEN, MonteCarlo(n, seed=1), store=store, extract=GEN.extractor(),
                    workers=workers, progress=False)
    wall = time.perf_counter() - t0
    assert res.n_ok == n, res
    st = Store(store)
    metas = [st.get(k, meta_only=True).meta for k in st.keys()]
    elapsed = np.array([m["elapsed_s"] for m in metas])
    analysis = np.array([m["analysis_time_s"] for m in metas])
    ng_total = np.array([m["ngspice_elapsed_s"] for m in metas])
    return res, wall, elapsed, analysis, ng_total


def shared_mode(decks: list[str]):
    """Run decks one by one in this process through PySpice's NgSpiceShared."""
    import logging
    import warnings
    logging.getLogger("PySpice").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi

    class Quiet(NgSpiceShared):
        # PySpice raises on any stderr line that is not "Warning:" (engines/shared.py):
        # record instead of judging, as lithispice's shared engine does
        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            return 0

    ng = Quiet(ngspice_id=0, send_data=False)
    lib = ng._ngspice_shared
    out = np.empty((len(decks), 4))
    t_analysis = 0.0
    t0 = time.perf_counter()
    for k, deck in enumerate(decks):
        ng.load_circuit(deck)
        ta = time.perf_counter()
        ng.run()
        t_analysis += time.perf_counter() - ta
        for j in range(4):
            info = lib.ngGet_Vec_Info(f"vsense{j}#branch".encode())
            n = int(info.v_length)
            out[k, j] = ffi.cast("double *", info.v_realdata)[n - 1]
        ng.remove_circuit()
        ng.destroy()                     # drop the plots: no growth per run
    return time.perf_counter() - t0, t_analysis, out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 1000
    root = tempfile.mkdtemp(prefix="bench-sweep-")
    try:
        print(f"{n}-point Monte Carlo of a 4x4 LiCoO2 crossbar (program + read), "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        r1, wall1, el1, an1, tot1 = sweep(n, 1, root)
        print(f"1 worker : {wall1:6.2f} s  {n / wall1:6.1f} runs/s   (load {os.getloadavg()[0]:.2f})")
        r2, wall2, el2, an2, _ = sweep(n, 2, root)
        print(f"2 workers: {wall2:6.2f} s  {n / wall2:6.1f} runs/s   (load {os.getloadavg()[0]:.2f})")
        ratio = wall1 / wall2
        print(f"speed-up 2 vs 1 worker: {ratio:.2f}x (target >= 1.8x)")
        assert np.array_equal(r1.dataset["i_col"].values, r2.dataset["i_col"].values)
        analysis = an1.mean()
        in_worker = (el1 - an1).mean()
        end_to_end = wall1 / n - analysis
        print(f"ngspice analysis time per run (its own figure, 1 ms resolution): "
              f"{analysis * 1e3:.1f} ms; ngspice's total elapsed (parse + setup + analysis): "
              f"{tot1.mean() * 1e3:.1f} ms")
        print(f"overhead per run in the worker: {in_worker * 1e3:.1f} ms; end to end (1 worker): "
              f"{end_to_end * 1e3:.1f} ms (target <= 20 ms)")

        space = MonteCarlo(n, seed=1)
        t0 = time.perf_counter()
        decks = [GEN(p).deck() for p in space]
        t_gen = time.perf_counter() - t0
        wall_s, an_s, out = shared_mode(decks)
        print(f"PySpice shared, one process: {wall_s:6.2f} s  {n / wall_s:6.1f} runs/s; "
              f"overhead per run beyond ngspice's run(): {(wall_s - an_s) / n * 1e3:.1f} ms "
              f"(deck generation, not included: {t_gen / n * 1e3:.1f} ms/run)")
        same = np.allclose(out, r1.dataset["i_col"].values, rtol=1e-9, atol=0)
        print(f"shared-mode column currents equal the batch results: {same}")
        print(f"batch with 2 workers vs shared mode: {wall_s / wall2:.2f}x the throughput")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
