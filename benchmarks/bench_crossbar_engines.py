"""Crossbar in both engines, side by side in one run: VACASK (lithispice's Verilog-A card,
compiled by openvaf-r) vs ngspice (lithispice's B-source export) vs ngspice (the naive
B-source memristor of bench_crossbar_ngspice.py), all checked against the C kernel.

The crossbar is bench_crossbar_ngspice.py's (its ``crossbar()`` builds the chip here too):
N x N LiCoO2 memristors, row i driven by a sine of 1.2 x max(V_set, V_reset) at 1 kHz with
phase 360 i / N degrees, ideal wires, 0 V ammeter per column, w0 uniform in [0.1, 0.9]
(seed 0), ``.tran 10u 2m``.

Per size it prints one table row per run:
  * VACASK twice: the 1st run with an empty compile cache ($LITHISPICE_CACHE set to a new
    directory, the in-process memo cleared: openvaf-r compiles the card), the 2nd with the
    on-disk cache warm (memo cleared again, as in a new process); a 3rd run (cached) saves
    only the column currents (``Chip.save``) instead of every vector (the default, as in the
    two ngspice runs): the cost of the output in the engine path. Columns: wall time of
    ``Chip.run(engine="vacask")``; "netlist" = VACASK netlist emission from the Chip, timed
    separately with the model already compiled; "compile" = time in ``osdi_for`` during the
    run (openvaf-r, or the cache look-up); "child" = wall time of the simulator process
    itself; "analysis" = the simulator's own analysis time (VACASK ``NR solver time``,
    ngspice ``Total analysis time``); time points, Newton iterations, peak RSS of the
    simulator child; "RMS/pk", "max/pk" = column-current error, below.
  * ngspice with lithispice's export, and ngspice with the naive subckt (same columns; no
    netlist/compile split: the deck text is part of the wall time).
  * per VACASK run: vectors saved, VACASK's split of its analysis (model eval + load, LU
    refactorisation, solve), matrix size, and the rest of the wall time (raw-file read and
    name mapping in Python, wrapper start);
  * ratios ngspice/VACASK and naive/VACASK (wall; VACASK's 2nd run, saving every vector as
    ngspice does, and in brackets its uncached 1st run; analysis time).
Column-current agreement: every device simulated by the C kernel with its own row voltage
(``ls.simulate_array``, one call per row, stimulus sampled every 0.1 us: the kernel integrates
the piecewise-linear stimulus exactly); the exact column current is the sum over rows. Each
engine's i(vsense_j) is interpolated linearly onto a uniform 1 us grid (2001 points); the
error is reported as RMS over all columns and grid points and as the max, both relative to
the peak |column current| of the kernel sum.

Child figures come from a wrapper executable (benchmarks/_engine_meter.py) passed as
``vacask=`` / ``ngspice=``: it forks and execs the simulator and reads that child's
``os.wait4`` rusage (ru_maxrss = peak resident set of the simulator process alone; the same
number resource.getrusage(RUSAGE_CHILDREN) gives in a process whose only child it is). The
wrapper's start-up (printed, a few ms) is inside the engines' wall times.

Targets of the issue (checked at 64 x 64 when it is run; the accuracy one at every size):
VACASK >= 30x faster than the ngspice export (wall), VACASK's 64x64 transient <= 3 s (wall
of the cached run), VACASK's column currents within 0.5 % (RMS/peak) of the kernel sum.

    python benchmarks/bench_crossbar_engines.py [sizes...]        default sizes: 32 64
    python benchmarks/bench_crossbar_engines.py --vacask-only 128  VACASK (+ kernel) alone
    options: --no-naive, --no-ngspice, --timeout S (per ngspice run, default 1800),
             --check (exit 2 if a target is missed)

Exit status: 0 all runs completed, 1 a run failed (reported, the others still run), 2 with
--check a target missed. 64 x 64 in ngspice takes ~6 minutes (x2 with the naive subckt).
The machine is shared (2 cores): the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lithispice as ls  # noqa: E402
from lithispice.engines.vacask import find_vacask, vacask_netlist  # noqa: E402

from _engine_meter import (ChildMeter, TimedOsdiFor, clear_osdi_memo,  # noqa: E402
                           fresh_osdi_cache, machine_line, progress)
from bench_crossbar_ngspice import NaiveMemristor, crossbar  # noqa: E402

FREQ = 1e3              # as bench_crossbar_ngspice.crossbar
T_STOP = 2e-3
KERNEL_DT = 0.1e-6      # kernel stimulus sampling, s
GRID_DT = 1e-6          # comparison grid, s
TARGET_SPEEDUP = 30.0
TARGET_WALL_64 = 3.0
TARGET_ERR = 0.005


def kernel_columns(m: ls.Memristor, n: int, w0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Exact column currents (n, t.size): sum over rows of each device's kernel current,
    device (i, j) driven by row i's sine (the same amplitude/phase formula as crossbar())."""
    amp = 1.2 * max(m.v_set, m.v_reset)
    cols = np.zeros((n, t.size))
    for i in range(n):
        v = amp * np.sin(2 * np.pi * FREQ * t + np.deg2rad(360.0 * i / n))
        tr = ls.simulate_array([m] * n, t, v, w0=w0[i])
        cols += tr.i                      # row i's devices, one per column
    return cols


def agreement(t_eng, i_eng, k_every: int, ref_fine) -> tuple[float, float]:
    """(RMS, max) of engine - kernel on the uniform grid, relative to the kernel's peak."""
    grid = np.arange(0, ref_fine.shape[1], k_every)
    tg = grid * KERNEL_DT
    ref = ref_fine[:, grid]
    if t_eng[0] > tg[0] + 1e-12 or t_eng[-1] < tg[-1] * (1 - 1e-9):
        raise RuntimeError(f"engine time axis [{t_eng[0]:g}, {t_eng[-1]:g}] s does not cover "
                           f"[0, {tg[-1]:g}] s")
    got = np.stack([np.interp(tg, t_eng, c) for c in i_eng])
    d = got - ref
    peak = np.abs(ref).max()
    return float(np.sqrt(np.mean(d ** 2)) / peak), float(np.abs(d).max() / peak)


def _fail_text(exc: BaseException) -> str:
    tail = (getattr(exc, "log_tail", "") or "").strip().splitlines()[-3:]
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" + (f" | {' | '.join(tail)}" if tail else "")


class Case:
    """One size: builds the chip and the kernel reference, runs the engines, keeps rows."""

    def __init__(self, n: int, m: ls.Memristor, vmeter: ChildMeter, nmeter: ChildMeter | None):
        self.n, self.m = n, m
        self.vmeter, self.nmeter = vmeter, nmeter
        self.w0 = np.random.default_rng(0).uniform(0.1, 0.9, (n, n))
        self.rows: list[dict] = []
        self.failures: list[str] = []
        self.ref = None
        self.k_every = int(round(GRID_DT / KERNEL_DT))

    def reference(self):
        progress(f"{self.n}x{self.n}: kernel reference ({self.n * self.n} devices, "
                 f"{int(round(T_STOP / KERNEL_DT)) + 1} samples each)")
        t = time.perf_counter()
        tk = np.linspace(0.0, T_STOP, int(round(T_STOP / KERNEL_DT)) + 1)
        self.ref = kernel_columns(self.m, self.n, self.w0, tk)
        self.t_kernel = time.perf_counter() - t

    def vacask(self, timeout: float):
        n = self.n
        t = time.perf_counter()
        xb = crossbar(self.m, n, self.m, self.w0)
        self.t_chip = time.perf_counter() - t
        labels = ("VACASK 1st (uncached)", "VACASK 2nd (cached)", "VACASK 3rd (save I_col)")
        with fresh_osdi_cache() as compiled:
            for label in labels:
                if label.startswith("VACASK 3rd"):
                    # netlist emission alone (model compiled and memoised by now), then the
                    # same run saving only the column currents (default: every vector)
                    reps = []
                    for _ in range(3):       # min of 3: the machine is shared
                        t = time.perf_counter()
                        text, _ = vacask_netlist(xb.chip, TimedOsdiFor())
                        reps.append(time.perf_counter() - t)
                    self.t_netlist = min(reps)
                    self.netlist_chars = len(text)
                    xb.chip.save(*[f"i({e})" for e in xb.sense_elements])
                clear_osdi_memo()
                osdi = TimedOsdiFor()
                progress(f"{n}x{n}: {label}")
                try:
                    res = xb.chip.run(engine="vacask", timeout=timeout, stats=True,
                                      osdi_for=osdi, vacask=self.vmeter.exe)
                except Exception as exc:     # noqa: BLE001 - reported, the others still run
                    self.vmeter.take()
                    self.failures.append(f"{n}x{n} {label}: {_fail_text(exc)}")
                    progress(f"{n}x{n}: {label} FAILED: {_fail_text(exc)}")
                    return
                child = self.vmeter.take()
                s = res.stats
                row = {"engine": label, "wall": res.elapsed, "compile": osdi.seconds,
                       "child": child.get("wall_s"), "rss": child.get("maxrss_mib"),
                       "analysis": s.get("nr_solver_time_s"),
                       "iterations": s.get("nr_solver_iterations"),
                       "tpoints": s.get("accepted_timepoints"), "res": res, "xb": xb,
                       "vectors": len(res.names), "stats": s}
                if label.startswith("VACASK 1st"):
                    row["compiled"] = compiled()
                self.rows.append(row)
        for row in self.rows:
            row["netlist"] = getattr(self, "t_netlist", None)

    def ngspice(self, label: str, device, timeout: float):
        n = self.n
        progress(f"{n}x{n}: {label} (ngspice; 64x64 takes minutes)")
        xb = crossbar(device, n, self.m, self.w0)
        kw = {"ngspice": self.nmeter.exe} if self.nmeter else {}
        try:
            res = xb.chip.run(timeout=timeout, stats=True, **kw)
        except Exception as exc:             # noqa: BLE001
            if self.nmeter:
                self.nmeter.take()
            self.failures.append(f"{n}x{n} {label}: {_fail_text(exc)}")
            progress(f"{n}x{n}: {label} FAILED: {_fail_text(exc)}")
            return
        child = self.nmeter.take() if self.nmeter else {}
        s = res.stats
        row = {"engine": label, "wall": res.elapsed, "child": child.get("wall_s"),
               "rss": child.get("maxrss_mib"), "analysis": s.get("total_analysis_time_s"),
               "iterations": s.get("transient_iterations"),
               "tpoints": s.get("transient_timepoints"), "res": res, "xb": xb}
        self.rows.append(row)
        progress(f"{n}x{n}: {label} done in {res.elapsed:.1f} s")

    def finish(self):
        for row in self.rows:
            res, xb = row.pop("res", None), row.pop("xb", None)
            if res is None:
                continue
            try:
                self._finish_row(row, res, xb)
            except Exception as exc:          # noqa: BLE001 - a result we cannot compare
                self.failures.append(f"{self.n}x{self.n} {row['engine']}: comparison with "
                                     f"the kernel failed: {_fail_text(exc)}")

    def _finish_row(self, row, res, xb):
        i_cols = xb.column_currents(res)
        row["points"] = res.time.size
        if self.ref is not None:
            row["rms"], row["max"] = agreement(res.time, i_cols, self.k_every, self.ref)

    def get(self, prefix: str):
        for row in self.rows:
            if row["engine"].startswith(prefix):
                return row
        return None


def _f(x, fmt_: str, width: int) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:{width}{fmt_}}"


def print_case(c: Case):
    n = c.n
    print(f"\n{n}x{n} crossbar ({n * n} LiCoO2 memristors), .tran 10u 2m: chip built in "
          f"{getattr(c, 't_chip', float('nan')):.2f} s, VACASK netlist "
          f"{getattr(c, 'netlist_chars', 0) / 1e3:.0f} kB; kernel reference "
          f"{getattr(c, 't_kernel', float('nan')):.2f} s")
    print(f"  {'engine':24s} {'wall s':>8s} {'netlist':>8s} {'compile':>8s} {'child s':>8s} "
          f"{'analysis':>8s} {'points':>7s} {'NR it':>7s} {'RSS MiB':>8s} {'RMS/pk':>7s} "
          f"{'max/pk':>7s}")
    for r in c.rows:
        extra = f"  ({r['compiled']} model compiled)" if "compiled" in r else ""
        print(f"  {r['engine']:24s} {r['wall']:8.3f} {_f(r.get('netlist'), '.3f', 8)} "
              f"{_f(r.get('compile'), '.3f', 8)} {_f(r.get('child'), '.3f', 8)} "
              f"{_f(r.get('analysis'), '.3f', 8)} {_f(r.get('tpoints'), 'd', 7)} "
              f"{_f(r.get('iterations'), 'd', 7)} {_f(r.get('rss'), '.0f', 8)} "
              f"{_f(r.get('rms'), '.3%', 7)} {_f(r.get('max'), '.2%', 7)}{extra}")
    for r in c.rows:
        st = r.get("stats")
        if st:
            other = r["wall"] - (r.get("netlist") or 0) - r["compile"] - (r.get("child") or 0)
            print(f"  {r['engine']}: {r['vectors']} vectors saved; VACASK eval+load "
                  f"{st.get('eval_and_load_time_s', 0):.3f} s, LU refactor "
                  f"{st.get('real_refactorization_time_s', 0):.3f} s, solve "
                  f"{st.get('real_solve_time_s', 0):.3f} s; {st.get('number_of_unknowns')} "
                  f"unknowns, {st.get('initial_number_of_nonzeros')} nonzeros; rest of the "
                  f"wall (raw read, name mapping, wrapper start) {other:.3f} s")
    v1, v2 = c.get("VACASK 1st"), c.get("VACASK 2nd")
    for lab in ("ngspice export", "ngspice naive"):
        r = c.get(lab)
        if r and v2:
            print(f"  {lab}/VACASK: {r['wall'] / v2['wall']:6.1f} x wall "
                  f"({r['wall'] / v1['wall']:.1f} x the uncached VACASK run), "
                  f"{r['analysis'] / v2['analysis']:6.1f} x analysis time")
    for f in c.failures:
        print(f"  FAILED {f}")


def targets(cases: list[Case]) -> list[tuple[str, bool | None, str]]:
    out = []
    c64 = next((c for c in cases if c.n == 64), None)
    if c64:
        v2, ng = c64.get("VACASK 2nd"), c64.get("ngspice export")
        if v2 and ng:
            r = ng["wall"] / v2["wall"]
            out.append(("64x64 VACASK >= 30x faster than the ngspice export", r >= TARGET_SPEEDUP,
                        f"{r:.1f}x"))
        if v2:
            out.append(("64x64 VACASK transient <= 3 s (wall, cached compile)",
                        v2["wall"] <= TARGET_WALL_64, f"{v2['wall']:.2f} s"))
    for c in cases:
        vr = [r for r in c.rows if r["engine"].startswith("VACASK") and "rms" in r]
        if vr:
            worst = max(vr, key=lambda r: r["rms"])
            out.append((f"{c.n}x{c.n} VACASK column currents within 0.5 % of the kernel sum "
                        f"(RMS/peak, worst of its {len(vr)} runs)", worst["rms"] <= TARGET_ERR,
                        f"{worst['rms']:.3%} (max {max(r['max'] for r in vr):.2%})"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, help="N of the N x N crossbars (default 32 64)")
    ap.add_argument("--vacask-only", type=int, nargs="+", default=[], metavar="N",
                    help="sizes run in VACASK (and the kernel) only")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive ngspice subckt")
    ap.add_argument("--no-ngspice", action="store_true", help="skip both ngspice runs")
    ap.add_argument("--timeout", type=float, default=1800.0, help="per ngspice run, s")
    ap.add_argument("--check", action="store_true", help="exit 2 if a target is missed")
    args = ap.parse_args(argv)
    sizes = args.sizes or ([] if args.vacask_only else [32, 64])
    m = ls.Memristor.preset("LiCoO2")
    print("crossbar engines: LiCoO2, sine rows 1.2 x V_th at 1 kHz (phase per row), "
          ".tran 10u 2m, ideal wires, ammeter readout, w0 ~ U(0.1, 0.9) seed 0")
    print(machine_line())
    vmeter = ChildMeter(find_vacask(), "vacask")
    nmeter = None if args.no_ngspice else ChildMeter("ngspice", "ngspice")
    print(f"simulator-child wrapper start-up (inside every wall time): "
          f"{ChildMeter.startup_s() * 1e3:.1f} ms")
    cases: list[Case] = []
    plan = [(n, False) for n in sizes] + [(n, True) for n in args.vacask_only]
    try:
        for n, only in plan:
            c = Case(n, m, vmeter, nmeter)
            cases.append(c)
            c.reference()
            c.vacask(timeout=max(600.0, args.timeout / 3))
            if not only and not args.no_ngspice:
                c.ngspice("ngspice export", m, args.timeout)
                if not args.no_naive:
                    c.ngspice("ngspice naive", NaiveMemristor(m), args.timeout)
            c.finish()
            print_case(c)
            sys.stdout.flush()
    finally:
        vmeter.close()
        if nmeter:
            nmeter.close()
    checks = targets(cases)
    if checks:
        print("\ntargets (issue):")
        for what, ok, val in checks:
            print(f"  [{'met' if ok else 'NOT met':7s}] {what}: {val}")
    print(machine_line())
    failed = [f for c in cases for f in c.failures]
    if failed:
        print(f"\n{len(failed)} run(s) FAILED:", *failed, sep="\n  ")
        return 1
    if args.check and any(ok is False for _, ok, _ in checks):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
