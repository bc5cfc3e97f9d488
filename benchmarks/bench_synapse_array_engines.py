"""The synapse-array reference chip (netlists/synapse_array.py) in both engines, side by
side in one run: ngspice (lithispice's B-source export) vs VACASK (the same subcircuits as
compiled Verilog-A), with the chip's own checks computed from each engine's result.

The chip is ``synapse_array.build(N, N, levels=3)`` (as in bench_synapse.py): N x N LISTA
synapses with access switches, their gates drawing Li from one on-chip LiPON|LiCoO2|Li
microbattery, programmed row by row with PWL pulses, then read (VMM). Per engine it prints
  * performance: wall time of ``Chip.run`` (VACASK twice: 1st with an empty compile cache,
    2nd with the on-disk cache warm; "compile" = time in ``osdi_for`` during the run), wall
    time and peak RSS of the simulator process itself (a wrapper reads its ``os.wait4``
    rusage, see benchmarks/_engine_meter.py), the simulator's own analysis time (ngspice
    ``Total analysis time``, VACASK ``NR solver time``), accepted time points, Newton
    iterations, analysis time per iteration, the raw output (vectors x points x 8 B), and
    the step-size profile (smallest and median step, steps shorter than 10 ns: the PWL
    edges are 1 us long);
  * physics, from ``synapse_array.analyse``: Li from the anode (dq_anode), Li into the
    channels (dq_channels), the cell's own leak (q_leak), the balance residual
    (dq_anode - dq_channels - q_leak) / |dq_channels|, the VMM error max |i_col / G^T v - 1|
    and the programmed G against the kernel's prediction max |G / G_pred - 1|;
  * VACASK vs ngspice: the ratios (wall, analysis), max |G_vacask / G_ngspice - 1| and the
    relative difference of dq_channels.
A run whose result is implausible (G off the kernel prediction by > 2 %, VMM error > 1e-3,
|Li residual| > 1e-4) is reported as WRONG and counts as a failure, as does a run that raises
(the error and the simulator's log tail are printed; the other engine still runs).

Targets of the issue: VACASK >= 10x faster than ngspice (wall, cached compile), the Li
balance unchanged (both residuals within 1e-4, dq_channels equal within 1e-3).

    python benchmarks/bench_synapse_array_engines.py [N]     default N = 16 (~1 min)
    options: --levels L (default 3), --timeout S (per run, default 3600), --check

Exit status: 0 every run completed with a plausible result, 1 a run failed or was WRONG,
2 with --check a target missed. The machine is shared (2 cores): the load average is
printed with the figures.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "netlists"))

from lithispice.engines.vacask import find_vacask  # noqa: E402

from _engine_meter import (ChildMeter, TimedOsdiFor, clear_osdi_memo,  # noqa: E402
                           fresh_osdi_cache, machine_line, progress)

TARGET_SPEEDUP = 10.0
MAX_G_ERR = 0.02
MAX_VMM_ERR = 1e-3
MAX_RESIDUAL = 1e-4
MAX_DQ_DIFF = 1e-3


def _fail_text(exc: BaseException) -> str:
    tail = (getattr(exc, "log_tail", "") or "").strip().splitlines()[-4:]
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" + (f" | {' | '.join(tail)}" if tail else "")


def measure(sa, arr, label: str, engine: str, meter: ChildMeter, timeout: float,
            osdi: TimedOsdiFor | None = None) -> dict:
    """Run the chip in one engine; a dict of figures, or {"error": text}."""
    progress(f"{arr.n}x{arr.m} synapse array: {label}")
    kw = {"vacask": meter.exe, "osdi_for": osdi} if engine == "vacask" else {"ngspice": meter.exe}
    try:
        res = arr.chip.run(engine=engine, timeout=timeout, stats=True, **kw)
    except Exception as exc:                 # noqa: BLE001 - reported, the other engine runs
        meter.take()
        progress(f"{label} FAILED: {_fail_text(exc)}")
        return {"label": label, "error": _fail_text(exc)}
    child = meter.take()
    s = res.stats
    try:
        a = sa.analyse(arr, res)
    except Exception as exc:                 # noqa: BLE001
        return {"label": label, "error": f"analyse() failed on the result: {_fail_text(exc)}"}
    vacask = engine == "vacask"
    analysis = s.get("nr_solver_time_s") if vacask else s.get("total_analysis_time_s")
    iters = s.get("nr_solver_iterations") if vacask else s.get("transient_iterations")
    dt = np.diff(res.time)
    out = {"label": label, "engine": engine, "wall": res.elapsed,
           "compile": osdi.seconds if osdi else None, "compiles": osdi.calls if osdi else None,
           "child": child.get("wall_s"), "rss": child.get("maxrss_mib"),
           "analysis": analysis, "iterations": iters,
           "tpoints": s.get("accepted_timepoints"), "rejected": s.get("rejected_timepoints"),
           "points": res.time.size, "vectors": len(res.names),
           "dt_min": float(dt.min()), "dt_med": float(np.median(dt)),
           "dt_short": int(np.sum(dt < 1e-8)),
           "dq_anode": a["dq_anode"], "dq_channels": a["dq_channels"], "q_leak": a["q_leak"],
           "g": a["g"], "unknowns": s.get("number_of_unknowns") or s.get("circuit_equations")}
    out["raw_mb"] = out["vectors"] * out["points"] * 8 / 1e6
    out["residual"] = (a["dq_anode"] - a["dq_channels"] - a["q_leak"]) / abs(a["dq_channels"]) \
        if a["dq_channels"] else float("inf")
    out["vmm"] = float(np.max(np.abs(a["i_col"] / a["i_expected"] - 1)))
    out["g_err"] = float(np.max(np.abs(a["g"] / arr.g_predicted - 1)))
    bad = []
    if not out["g_err"] <= MAX_G_ERR:
        bad.append(f"G vs kernel prediction {out['g_err']:.2%} > {MAX_G_ERR:.0%}")
    if not out["vmm"] <= MAX_VMM_ERR:
        bad.append(f"VMM error {out['vmm']:.1e} > {MAX_VMM_ERR:.0e}")
    if not abs(out["residual"]) <= MAX_RESIDUAL:
        bad.append(f"Li residual {out['residual']:.1e} beyond {MAX_RESIDUAL:.0e}")
    if bad:
        out["wrong"] = "; ".join(bad)
    progress(f"{label}: {res.elapsed:.1f} s" + (f" -- WRONG: {out['wrong']}" if bad else ""))
    return out


def _f(x, fmt_: str, width: int) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:{width}{fmt_}}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=16, help="N of the N x N array")
    ap.add_argument("--levels", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=3600.0, help="per run, s")
    ap.add_argument("--check", action="store_true", help="exit 2 if a target is missed")
    args = ap.parse_args(argv)
    import synapse_array as sa

    n = args.n
    print(f"synapse array {n}x{n} (netlists/synapse_array.py, levels={args.levels}) in ngspice "
          f"and VACASK")
    print(machine_line())
    t = time.perf_counter()
    arr = sa.build(n, n, levels=args.levels)
    t_build = time.perf_counter() - t
    print(f"chip built in {t_build:.2f} s (kernel prediction of every cell included): "
          f"{int(arr.pulses.max(axis=1).sum())} programming slots, {arr.t_stop * 1e3:.2f} ms "
          f"simulated")
    nmeter = ChildMeter("ngspice", "ngspice")
    vmeter = ChildMeter(find_vacask(), "vacask")
    print(f"simulator-child wrapper start-up (inside every wall time): "
          f"{ChildMeter.startup_s() * 1e3:.1f} ms")
    runs: list[dict] = []
    try:
        runs.append(measure(sa, arr, "ngspice", "ngspice", nmeter, args.timeout))
        with fresh_osdi_cache():
            for label in ("VACASK 1st (uncached)", "VACASK 2nd (cached)"):
                clear_osdi_memo()
                r = measure(sa, arr, label, "vacask", vmeter, args.timeout, TimedOsdiFor())
                runs.append(r)
                if "error" in r:
                    break
    finally:
        nmeter.close()
        vmeter.close()

    ok = [r for r in runs if "error" not in r]
    print(f"\n  {'engine':22s} {'wall s':>8s} {'compile':>8s} {'child s':>8s} {'analysis':>8s} "
          f"{'points':>7s} {'NR it':>7s} {'ms/it':>6s} {'RSS MiB':>8s} {'raw MB':>7s} "
          f"{'min dt':>8s} {'med dt':>8s} {'dt<10ns':>7s}")
    for r in ok:
        per_it = r["analysis"] / r["iterations"] * 1e3 if r["analysis"] and r["iterations"] else None
        print(f"  {r['label']:22s} {r['wall']:8.2f} {_f(r['compile'], '.3f', 8)} "
              f"{_f(r['child'], '.2f', 8)} {_f(r['analysis'], '.2f', 8)} "
              f"{_f(r['tpoints'], 'd', 7)} {_f(r['iterations'], 'd', 7)} {_f(per_it, '.3f', 6)} "
              f"{_f(r['rss'], '.0f', 8)} {r['raw_mb']:7.0f} {r['dt_min']:8.1e} "
              f"{r['dt_med']:8.1e} {r['dt_short']:7d}")
    print(f"\n  {'engine':22s} {'dq_anode C':>11s} {'dq_chan C':>11s} {'q_leak C':>10s} "
          f"{'residual':>9s} {'VMM err':>8s} {'G/Gpred':>8s}")
    for r in ok:
        print(f"  {r['label']:22s} {r['dq_anode']:11.4e} {r['dq_channels']:11.4e} "
              f"{r['q_leak']:10.2e} {r['residual']:9.1e} {r['vmm']:8.1e} {r['g_err']:8.2%}"
              + (f"   WRONG: {r['wrong']}" if "wrong" in r else ""))
    for r in ok:
        if r.get("compiles"):
            print(f"  {r['label']}: {r['compiles']} subcircuit(s) through osdi_for in "
                  f"{r['compile']:.3f} s; {r['unknowns']} unknowns; rest of the wall after "
                  f"the child (netlist, raw read, mapping, wrapper) "
                  f"{r['wall'] - r['compile'] - (r['child'] or 0):.2f} s")
    for r in runs:
        if "error" in r:
            print(f"  {r['label']}: FAILED -- {r['error']}")

    ng = next((r for r in ok if r["label"] == "ngspice"), None)
    v2 = next((r for r in ok if r["label"].startswith("VACASK 2nd")), None)
    checks = []
    if ng and v2:
        ratio = ng["wall"] / v2["wall"]
        g_diff = float(np.max(np.abs(v2["g"] / ng["g"] - 1)))
        dq_diff = abs(v2["dq_channels"] / ng["dq_channels"] - 1)
        print(f"\n  ngspice/VACASK: {ratio:.1f} x wall, {ng['analysis'] / v2['analysis']:.1f} x "
              f"analysis time, {ng['analysis'] / ng['iterations'] / (v2['analysis'] / v2['iterations']):.1f} x "
              f"per Newton iteration; VACASK takes {v2['tpoints'] / ng['tpoints']:.1f} x the time "
              f"points and {v2['iterations'] / ng['iterations']:.1f} x the iterations")
        print(f"  VACASK vs ngspice: max |G_vacask / G_ngspice - 1| {g_diff:.1e}; dq_channels "
              f"differ by {dq_diff:.1e} (relative); Li residual {v2['residual']:.1e} vs "
              f"{ng['residual']:.1e}")
        checks.append((f"{n}x{n} VACASK >= 10x faster than ngspice (wall, cached compile)",
                       ratio >= TARGET_SPEEDUP, f"{ratio:.1f}x"))
        same = (abs(v2["residual"]) <= MAX_RESIDUAL and abs(ng["residual"]) <= MAX_RESIDUAL
                and dq_diff <= MAX_DQ_DIFF)
        checks.append((f"{n}x{n} Li balance unchanged (residuals within {MAX_RESIDUAL:.0e}, "
                       f"dq_channels within {MAX_DQ_DIFF:.0e})", same,
                       f"residual {v2['residual']:.1e} (VACASK) vs {ng['residual']:.1e} "
                       f"(ngspice), dq_channels differ by {dq_diff:.1e}"))
    else:
        checks.append((f"{n}x{n} VACASK >= 10x faster than ngspice", None,
                       "not measured: a run failed"))
    print("\ntargets (issue):")
    for what, good, val in checks:
        tag = "met" if good else ("n/a" if good is None else "NOT met")
        print(f"  [{tag:7s}] {what}: {val}")
    print(machine_line())
    failed = [r["label"] for r in runs if "error" in r or "wrong" in r]
    if failed:
        print(f"FAILED or WRONG: {', '.join(failed)}")
        return 1
    if args.check and any(g is False for _, g, _ in checks):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
