"""Reference study: how long does a microbattery keep the CO2 sensor node measuring?

    python netlists/sensor_lifetime.py [--engine {ngspice,vacask}] [--out DIR]
                                       [--period 600] [--t-on 5] [--days 365]
                                       [--sleep-current A] [--no-heater]
                                       [--cells on-chip,1cm2,node]

Every ``period`` seconds the node of ``netlists/sensor_node.py`` wakes up for one window:
1 s later the heater is on for ``t_on`` s, the ADC converts in its last second, the code is
read 1 s later (window = t_on + 3 s, simulated by the circuit engine from the battery's slow states). Between
windows the node draws the window's final current (buffer, ADC and LDO quiescent, ~45 uA) or,
with ``--sleep-current``, a power-gated sleep current; the C kernel advances the battery over
that remainder and over the skipped periods (:func:`lithispice.cosim.cosimulate`). The study
ends when the battery's terminal voltage in a window falls below the cell's v_min (3.0 V) or
the ADC code leaves +-1 LSB of the code the ideal readout gives at the heater's design
temperature (a sagging supply starves the buffer and the heater's LDO), or when the circuit
engine finds no solution for a window (event "no_convergence": the cell cannot carry the
heater at all), or at ``--days``.

Cells (LiPON | LiCoO2 | Li, preset "LiPON-LiCoO2-Li", 1 um cathode, from full charge):
  on-chip  (100 um)^2, the synapse array's on-chip cell (netlists/synapse_array.py)
  1cm2     1 cm2, the preset's footprint
  node     25 cm2, the sensor node's own battery (sensor_node.default_battery)

Writes ``DIR/sensor_lifetime.png`` (SOC, voltages and events against calendar time; the
window schedule) and one ``DIR/sensor_lifetime_<cell>.nc`` Dataset per cell, and prints a
table. ``lifetime(cell, ...)`` returns the Dataset for tests and benchmarks.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

import numpy as np

from lithispice.cosim import SlowBattery, cosimulate
from lithispice.devices.microbattery import Microbattery

HERE = os.path.dirname(os.path.abspath(__file__))
GAS = ((0.0, 400e-6),)          # bar CO2: ambient air, constant (the battery is the question)
#: s from a window's start to the heater's: the node wakes from sleep, so the circuit's
#: operating point is the sleeping node's (heater cold, battery's double layer at rest)
T_FIRST = 1.0


def _sensor_node():
    """netlists/sensor_node.py, loaded by path (netlists/ is not a package)."""
    name = "lithispice_netlist_sensor_node"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "sensor_node.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def cells() -> dict:
    """The three cells of the study, by name (module docstring)."""
    base = Microbattery.preset("LiPON-LiCoO2-Li")
    return {"on-chip": base.replace(name="onchip_100um", area=1e-8),
            "1cm2": base.replace(name="cell_1cm2", area=1e-4),
            "node": _sensor_node().default_battery()}


def window_builder(cell, *, period=600.0, t_on=5.0, heater=True):
    """``window(params)``: the sensor node for one duty cycle (T_FIRST + t_on + 2 s) with the battery
    instance ``bat`` given the slow states ``params``; returns the SensorNode."""
    sn = _sensor_node()

    def window(params):
        return sn.build_sensor_node(battery=cell, battery_params=params,
                                    t_stop=T_FIRST + t_on + 2.0, period=period, t_on=t_on,
                                    t_sample=1.0, gas_steps=GAS, heater_enabled=heater,
                                    tmax=1.0, t_first=T_FIRST)
    return window


def adc_in_tolerance(heater=True, lsb=1):
    """Predicate of the event "adc": the window's code differs from the ideal readout's code
    at the design temperature (t_op heated, else ambient) by more than ``lsb`` LSB."""
    def predicate(w):
        node = w.built
        tc, codes = node.codes(w.result)
        want = node.expected_codes(tc - 0.101, temperature=node.t_op if heater else node.t_amb)
        bad = np.abs(codes - want) > lsb
        return ("adc", float(tc[np.argmax(bad)])) if bad.any() else None
    return predicate


def lifetime(cell, *, engine="ngspice", period=600.0, t_on=5.0, days=365.0, heater=True,
             sleep_current=None, tol_v=5e-3, soc0=1.0, replay="mean", max_stride=1000,
             progress=False):
    """Co-simulated lifetime of the sensor node on ``cell`` (a Microbattery): Dataset of
    :func:`lithispice.cosim.cosimulate` (period, t_on s; days of calendar time at most;
    sleep_current A between windows, None: the window's final current; tol_v V, replay,
    max_stride: the driver's error control)."""
    return cosimulate(window_builder(cell, period=period, t_on=t_on, heater=heater),
                      SlowBattery("bat", cell, current="i(vmeter)"), period=period,
                      horizon=days * 86400.0, engine=engine, soc0=soc0,
                      idle_current="last" if sleep_current is None else sleep_current,
                      tol_v=tol_v, replay=replay, max_stride=max_stride,
                      predicate=adc_in_tolerance(heater), failure="event",
                      progress=progress)


def plot(results: dict, path: str) -> str:
    """SOC, voltages (OCV, window minimum) with the events, and the window schedule against
    calendar time (days), one colour per cell; writes ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(3, 1, figsize=(8, 8), sharex=True,
                           gridspec_kw={"height_ratios": [2, 2, 1]})
    for j, (name, ds) in enumerate(results.items()):
        col = f"C{j}"
        d = ds.time.values / 86400.0
        ax[0].plot(d, ds.soc.values, color=col, label=name)
        ax[1].plot(d, ds.ocv.values, color=col, lw=1, label=f"{name}: OCV")
        w = ds.kind.values == "window"
        ax[1].plot(d[w], ds.v_min.values[w], "v", color=col, ms=3, label=f"{name}: window min")
        runs = ds.run_time.values / 86400.0
        bis = ds.run_purpose.values == "bisect"
        ax[2].plot(runs[~bis], np.full((~bis).sum(), j), "|", color=col, ms=10)
        ax[2].plot(runs[bis], np.full(bis.sum(), j), "x", color="k", ms=5)
        if ds.attrs["event"]:
            te = ds.attrs["t_event"] / 86400.0
            for a in ax[:2]:
                a.axvline(te, color=col, ls="--", lw=0.8)
            ax[0].annotate(ds.attrs["event"], (te, 0.05), color=col, rotation=90, fontsize=8)
    ax[1].axhline(list(results.values())[0].attrs["v_min"], color="k", lw=0.6, ls=":")
    ax[0].set_ylabel("SOC")
    ax[1].set_ylabel("battery V")
    ax[2].set_ylabel("circuit runs")
    ax[2].set_yticks(range(len(results)), list(results))
    ax[2].set_xlabel("calendar time (days); | circuit window, x bisection rerun")
    ax[0].legend(fontsize=8)
    ax[1].legend(fontsize=7, ncol=2)
    fig.suptitle("CO2 sensor node on a thin-film microbattery (co-simulation)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", choices=("ngspice", "vacask"), default="ngspice")
    ap.add_argument("--out", default=".", help="folder for the PNG and the .nc files")
    ap.add_argument("--period", type=float, default=600.0, help="duty-cycle period, s")
    ap.add_argument("--t-on", type=float, default=5.0, help="heater on-time per window, s")
    ap.add_argument("--days", type=float, default=365.0, help="calendar time at most, days")
    ap.add_argument("--sleep-current", type=float, default=None,
                    help="A between windows (power-gated); default the window's final current")
    ap.add_argument("--no-heater", action="store_true", help="measure without heating")
    ap.add_argument("--tol-v", type=float, default=5e-3, help="OCV move that reruns the circuit, V")
    ap.add_argument("--cells", default="on-chip,1cm2,node")
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args(argv)
    all_cells = cells()
    names = [c.strip() for c in args.cells.split(",") if c.strip()]
    for c in names:
        if c not in all_cells:
            ap.error(f"--cells: unknown cell {c!r} (choose from {', '.join(all_cells)})")
    os.makedirs(args.out, exist_ok=True)
    results = {}
    print(f"{'cell':>8} {'capacity':>10} {'lifetime':>12} {'event':>8} {'periods':>8} "
          f"{'circuit runs':>12} {'wall s':>7}")
    for c in names:
        ds = lifetime(all_cells[c], engine=args.engine, period=args.period, t_on=args.t_on,
                      days=args.days, heater=not args.no_heater,
                      sleep_current=args.sleep_current, tol_v=args.tol_v,
                      progress=args.progress)
        results[c] = ds
        t_end = ds.attrs["t_event"] if ds.attrs["event"] else ds.time.values[-1]
        print(f"{c:>8} {all_cells[c].capacity_Ah * 1e6:8.3g}uAh {t_end / 86400:10.4g} d "
              f"{ds.attrs['event'] or '-':>8} {ds.attrs['n_periods']:8d} "
              f"{ds.attrs['n_circuit_runs']:12d} {ds.attrs['wall_s']:7.2f}")
        ds.to_netcdf(os.path.join(args.out, f"sensor_lifetime_{c}.nc"))
    print(plot(results, os.path.join(args.out, "sensor_lifetime.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
