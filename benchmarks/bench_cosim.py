"""Co-simulation (lithispice.cosim) vs brute-force ngspice: simulated time per wall-clock second
for the sensor-node lifetime (netlists/sensor_lifetime.py), and the accuracy it keeps.

    python benchmarks/bench_cosim.py [--engine ngspice|vacask] [--quick]

1. Heated node (heater 5 s every 10 min, blocks always on) on its 25 cm2 cell, from full
   charge to the end of life (~1 day): the brute-force ngspice run of the whole life is
   affordable, so SOC, Li and the event time are compared against it directly.
2. A year of 10-minute duty cycles: the node measuring without heating, power-gated to 20 nA
   between 8 s windows (ASSUMED sleep current), on the node's cell with a 3 um cathode (3x
   the capacity, so that it lasts the year). Brute force is extrapolated from a 1 h ngspice run
   of the same node; the accuracy is checked against a co-simulation with 4x tighter error
   control and at most 50 periods per circuit window (a converged reference).
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
YEAR = 365 * 86400.0


def _load(name):
    path = os.path.join(HERE, "..", "netlists", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"lithispice_netlist_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def brute_force(sl, cell, t_stop, heater, engine="ngspice"):
    """One ngspice run of the node over t_stop s (every period a window, blocks always on)."""
    sn = sl._sensor_node()
    node = sn.build_sensor_node(battery=cell, battery_params={"soc0": 1.0, "tk": 298.15},
                                t_stop=t_stop, period=600.0, t_on=5.0, t_sample=1.0,
                                gas_steps=sl.GAS, heater_enabled=heater, tmax=1.0,
                                t_first=sl.T_FIRST)
    t0 = time.perf_counter()
    res = node.run(engine=engine, timeout=3600)
    return res, time.perf_counter() - t0


def rel(a, b):
    return abs(a / b - 1.0)


def heated_life(sl, engine):
    cell = sl.cells()["node"]
    ds = sl.lifetime(cell, engine=engine, days=3.0)
    t_life = ds.attrs["t_event"]
    res, wall_bf = brute_force(sl, cell, 600.0 * (ds.attrs["period_event"] + 2), True, engine)
    t = res.time
    # brute force's events: the first window whose minimum falls below v_min, or whose code
    # leaves +-1 LSB of the ideal readout at the design temperature
    node = sl._sensor_node().build_sensor_node(battery=cell, t_stop=t[-1], period=600.0,
                                               t_on=5.0, t_sample=1.0, gas_steps=sl.GAS,
                                               t_first=sl.T_FIRST)
    tc, codes = node.codes(res)
    bad = np.abs(codes - node.expected_codes(tc - 0.101, temperature=node.t_op)) > 1
    t_adc = tc[np.argmax(bad)] if bad.any() else np.inf
    v = res["v(vbat)"]
    t_v = t[np.argmax(v < cell.v_min)] if (v < cell.v_min).any() else np.inf
    t_bf = min(t_adc, t_v)
    ev_bf = "adc" if t_adc <= t_v else "v_min"
    rows = ds.time.values < min(t_bf, t_life) - 600.0
    e_soc = max(rel(s, np.interp(tt, t, res["v(xbat.soc)"]))
                for s, tt in zip(ds.soc.values[rows], ds.time.values[rows]))
    e_li = max(rel(s, np.interp(tt, t, res["v(xbat.li)"]))
               for s, tt in zip(ds.li.values[rows], ds.time.values[rows]))
    print(f"1. heated node, whole life ({engine}):")
    print(f"   co-simulation: {ds.attrs['event']} at {t_life / 3600:.3f} h, "
          f"{ds.attrs['n_circuit_runs']} circuit runs for {ds.attrs['n_periods']} periods, "
          f"wall {ds.attrs['wall_s']:.2f} s -> {t_life / ds.attrs['wall_s']:.3g} sim-s/s")
    print(f"   brute force:   {ev_bf} at {t_bf / 3600:.3f} h, wall {wall_bf:.2f} s for "
          f"{t[-1] / 3600:.2f} h -> {t[-1] / wall_bf:.3g} sim-s/s")
    print(f"   speed-up {t_life / ds.attrs['wall_s'] / (t[-1] / wall_bf):.3g}x; event time "
          f"differs by {abs(t_life - t_bf):.0f} s (period 600 s); max rel. error SOC "
          f"{e_soc:.2e}, Li {e_li:.2e}")


def year(sl, engine, quick):
    cell = sl.cells()["node"].replace(name="node_3um", cathode_thickness=3e-6)
    kw = dict(engine=engine, heater=False, sleep_current=20e-9, days=365.0)
    res, wall_bf = brute_force(sl, cell, 3600.0, False, engine)
    rate_bf = 3600.0 / wall_bf
    print(f"2. a year of 10-minute duty cycles ({engine}; heater off, 20 nA sleep, 3 um cathode):")
    print(f"   brute force: 1 h in {wall_bf:.3f} s -> {rate_bf:.3g} sim-s/s; a year would take "
          f"{YEAR / rate_bf / 3600:.2f} h")
    ref = None if quick else sl.lifetime(cell, tol_v=1.25e-3, max_stride=50, **kw)
    for tol in (5e-3, 2e-2):
        ds = sl.lifetime(cell, tol_v=tol, **kw)
        t_end = ds.attrs["t_event"] if ds.attrs["event"] else ds.time.values[-1]
        rate = t_end / ds.attrs["wall_s"]
        line = (f"   tol_v {tol * 1e3:4.1f} mV: {t_end / 86400:6.1f} d in {ds.attrs['wall_s']:5.2f} s "
                f"({ds.attrs['n_circuit_runs']} circuit runs, engine {ds.attrs['engine_s']:.2f} s)"
                f" -> {rate:.3g} sim-s/s = {rate / rate_bf:.0f}x brute force; SOC end "
                f"{ds.soc.values[-1]:.5f}")
        if ref is not None:
            line += (f"; vs reference ({ref.attrs['n_circuit_runs']} runs): SOC "
                     f"{rel(ds.soc.values[-1], ref.soc.values[-1]):.1e}, Li "
                     f"{rel(ds.li.values[-1], ref.li.values[-1]):.1e}")
        print(line)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", choices=("ngspice", "vacask"), default="ngspice")
    ap.add_argument("--quick", action="store_true", help="skip the converged reference run")
    args = ap.parse_args(argv)
    sl = _load("sensor_lifetime")
    heated_life(sl, args.engine)
    year(sl, args.engine, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
