"""Crossbar in ngspice: lithispice's memristor subckt vs a naive formulation, same run.

The naive subckt is what a first attempt at the same physics looks like: two B-sources,
polarity and state bounds selected by hard u() steps, and the Arrhenius factor, the rate
prefactor derived from (V_th, t_switch) and G(w) computed from the raw parameters inside the
B expressions at every evaluation. lithispice's subckt evaluates the parameter algebra once
per instance (.param), keeps only smooth terms (max/min clamps, no steps) in the per-step
expressions and shares the same equations as the C kernel.

For each size: ngspice wall time, its own analysis time, load vs solve split (`.options
acct`), transient iterations and time points, and the agreement of the column currents.

    python benchmarks/bench_crossbar_ngspice.py [sizes...]     (default: 32 64)
"""
import sys

import numpy as np

import lithispice as ls
from lithispice.constants import k_B_eV
from lithispice.spice.names import fmt


class NaiveMemristor:
    """The same equations written naively (SpiceDevice protocol, for the benchmark only)."""
    pins = ("p", "n")
    dc_paths = (("p", "n"),)
    instance_params = ("w0", "tk")

    def __init__(self, m: ls.Memristor):
        self.m = m
        self.subckt_name = "naive_mem"

    def subckt(self):
        m = self.m
        ip = -np.log(0.1)
        arr = f"exp(-{fmt(m.ea_switch)}/{fmt(k_B_eV)}*(1/tk-1/{fmt(m.t_ref)}))"
        ks = f"({fmt(ip)}/({fmt(m.t_switch_set)}*sinh({fmt(m.nonlinearity_set)}))*{arr})"
        kr = f"({fmt(ip)}/({fmt(m.t_switch_reset)}*sinh({fmt(m.nonlinearity_reset)}))*{arr})"
        itau = (f"(exp(-{fmt(m.ea_retention)}/{fmt(k_B_eV)}*(1/tk-1/{fmt(m.t_ref)}))"
                f"/{fmt(m.tau_retention)})")
        v = "v(p,n)"
        rate = (f"u({v})*u(1-v(w))*{ks}*sinh({v}*{fmt(m.nonlinearity_set)}/{fmt(m.v_set)})*(1-v(w))"
                f"-u(-{v})*u(v(w))*{kr}*sinh(-{v}*{fmt(m.nonlinearity_reset)}/{fmt(m.v_reset)})*v(w)"
                f"-(v(w)-{fmt(m.w_eq)})*{itau}")
        g = f"(1/{fmt(m.r_off)})*exp(v(w)*ln({fmt(m.r_off)}/{fmt(m.r_on)}))"
        return "\n".join([
            f".subckt naive_mem p n params: w0=0 tk={fmt(m.t_ref)}",
            "Cw w 0 1", "Rw w 0 1e12",
            f"Bw 0 w I={rate}",
            f"Bi p n I={g}*{v}",
            ".ic v(w)={w0}",
            ".ends naive_mem"]) + "\n"


def crossbar(device, n, m: ls.Memristor, w0):
    f = 1e3                                      # 2 periods in 2 ms
    amp = 1.2 * max(m.v_set, m.v_reset)

    def row(i):                                  # a phase per row so columns differ
        return {"sine": {"offset": 0.0, "amplitude": amp, "freq": f, "phase": 360.0 * i / n}}

    xb = ls.build_crossbar(device, n, n, r_line=0.0, readout="ammeter",
                                   row_sources=row, device_params={"w0": w0})
    xb.chip.tran(10e-6, 2e-3)
    return xb


def run(device, n, m, w0):
    xb = crossbar(device, n, m, w0)
    res = xb.chip.run(timeout=1800, stats=True)
    return res, xb.column_currents(res)


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [32, 64]
    m = ls.Memristor.preset("LiCoO2")
    print("crossbar of LiCoO2 memristors, sine rows 1.2 x V_th at 1 kHz, .tran 10u 2m, ideal wires (as DESIGN 7)")
    for n in sizes:
        w0 = np.random.default_rng(0).uniform(0.1, 0.9, (n, n))
        rows = {}
        for label, dev in (("lithispice", m), ("naive", NaiveMemristor(m))):
            res, i_cols = run(dev, n, m, w0)
            s = res.stats
            rows[label] = (res, i_cols)
            print(f"  {n}x{n} {label:10s}: wall {res.elapsed:7.2f} s  analysis "
                  f"{s.get('total_analysis_time_s', float('nan')):7.2f} s  load "
                  f"{s.get('matrix_load_time_s', float('nan')):6.2f} s  solve "
                  f"{s.get('matrix_solve_time_s', float('nan')):6.2f} s  iterations "
                  f"{s.get('transient_iterations', 'n/a')}  points {s.get('transient_timepoints', res.time.size)}")
        (ra, ia), (rb, ib) = rows["lithispice"], rows["naive"]
        ib_on_a = np.stack([np.interp(ra.time, rb.time, c) for c in ib])
        err = np.sqrt(np.mean((ia - ib_on_a) ** 2)) / np.abs(ia).max()
        print(f"  {n}x{n} speed-up naive/lithispice: {rb.elapsed / ra.elapsed:5.2f} x wall, "
              f"{rb.stats['total_analysis_time_s'] / ra.stats['total_analysis_time_s']:5.2f} x analysis; "
              f"column-current RMS difference {err:.2%} of peak")


if __name__ == "__main__":
    main()
