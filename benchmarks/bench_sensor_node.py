"""Sensor-node chip (netlists/sensor_node.py) in ngspice: cost versus simulated time.

The node is duty-cycled (heater on 75 s of every 300 s, one conversion per window), so the
work is in the events -- heater edges with their 20 ms thermal transient, the 5 s sampling
window, the gas steps -- and the quiet stretches between them cost a few steps each. The
run time should therefore grow about linearly with the simulated time, at a rate set by the
number of windows, not by the 1 h length itself.

For each simulated time: ngspice's wall time (whole run as seen by Python, incl. deck writing
and reading the raw file), its own analysis time, time points and transient iterations
(``.options acct``), and a check that the ADC codes match the sensor model. Also the C kernel
of the sensor alone on the same gas profile (the EMF, no circuit), for scale.

    python benchmarks/bench_sensor_node.py [hours...]     (default: 0.25 0.5 1; the default battery is flat after ~1.7 h)
"""
import importlib.util
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_sensor_node():
    path = os.path.join(HERE, "..", "netlists", "sensor_node.py")
    spec = importlib.util.spec_from_file_location("lithispice_netlist_sensor_node", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def main(argv):
    hours = [float(a) for a in argv] or [0.25, 0.5, 1.0]
    sn = _load_sensor_node()
    print(f"{'sim time':>9} {'wall s':>8} {'ngspice s':>10} {'points':>7} {'iters':>7} "
          f"{'s per sim-h':>11} {'codes ok':>8} {'battery V':>16}")
    rows = []
    for h in hours:
        t_stop = 3600.0 * h
        node = sn.build_sensor_node(t_stop=t_stop)
        t0 = time.perf_counter()
        res = node.chip.run(timeout=600, stats=True)
        wall = time.perf_counter() - t0
        tc, codes = node.codes(res)
        ok = bool(np.all(np.abs(codes - node.expected_codes(tc - 0.101, res)) <= 1))
        vb = node.battery_voltage(res)
        an = res.analysis_time or float("nan")
        iters = res.stats.get("transient_iterations", float("nan"))
        rows.append((h, wall, an))
        print(f"{h:8.2f}h {wall:8.3f} {an:10.3f} {len(res.time):7d} {iters:7.0f} "
              f"{an / h:11.3f} {str(ok):>8} {vb[0]:7.4f}->{vb[-1]:7.4f}")
    if len(rows) > 1:
        h = np.array([r[0] for r in rows])
        an = np.array([r[2] for r in rows])
        slope, icpt = np.polyfit(h, an, 1)
        print(f"ngspice analysis time ~ {icpt:.3f} s + {slope:.3f} s per simulated hour")

    # the sensor kernel alone on the 1 h gas profile, at the operating temperature
    node = sn.build_sensor_node()
    t = np.linspace(0.0, 3600.0, 36001)
    p = node.p_gas(t)
    g = node.sensor
    t0 = time.perf_counter()
    for _ in range(20):
        g.simulate(t, p, g.t_op)
    dt = (time.perf_counter() - t0) / 20
    print(f"C kernel, sensor alone, 1 h at 0.1 s samples: {dt * 1e3:.2f} ms "
          f"({t.size / dt / 1e6:.1f} M samples/s)")


if __name__ == "__main__":
    main(sys.argv[1:])
