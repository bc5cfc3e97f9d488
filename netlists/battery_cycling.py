"""Reference deck: one cycle of the LiPON | LiCoO2 | Li microbattery on a behavioural cycler.

CC discharge at 1C to 3.0 V, 10 min rest, CC-CV charge at 1C to 4.2 V until the current tapers
to C/20, then open circuit. The cycler switches phases itself (latches driven by the battery
voltage and current; see lithispice.devices.microbattery_spice.BatteryCycler), so the deck needs
no knowledge of when the cut-offs happen. The battery is the preset "LiPON-LiCoO2-Li"
(lithispice.devices.microbattery_presets) exported as its finite-volume subcircuit.

Regenerate with ``python netlists/battery_cycling.py`` (writes battery_cycling.cir next to this
file); a test checks that the committed deck is what this script produces and simulates it.
``python netlists/battery_cycling.py --simulate [--engine vacask]`` also simulates the cycle and
prints its phase times (:func:`analyze`).

Nodes: ``p`` battery + terminal (V), ``i(vsense)`` battery current (A, > 0 discharge),
``xb1.soc`` state of charge, ``xb1.li`` Li-metal inventory (C), ``xcyc.d``/``xcyc.e``/``xcyc.c``
the cycler's latches (discharge done / charge enabled / charge done).
"""
from __future__ import annotations

import argparse
import os
import sys

T_STOP = 9000.0   # s: 1C discharge (~3240 s) + rest (600 s) + CC-CV charge (~4400 s) + margin


def bench():
    """(battery, cycler) of the deck: the preset cell and its 1C cycler."""
    from lithispice.devices.microbattery import Microbattery
    from lithispice.devices.microbattery_spice import BatteryCycler

    bat = Microbattery.preset("LiPON-LiCoO2-Li")
    i1c = bat.capacity_Ah                      # A: 1C
    cyc = BatteryCycler(i_dis=i1c, i_chg=i1c, v_lo=bat.v_min, v_hi=bat.v_max,
                        i_taper=i1c / 20.0, t_rest=600.0)
    return bat, cyc


def build_chip(t_stop: float = T_STOP):
    """The cycling bench as a lithispice Chip (``t_stop``: simulated time, s)."""
    from lithispice.netlist import Chip

    bat, cyc = bench()
    chip = Chip("LiPON LiCoO2 Li microbattery: CC discharge, rest, CC-CV charge")
    chip.add("b1", bat, params={"soc0": 1.0, "tk": 298.15}, pos="pb", neg="0")
    chip.vsource("sense", "pb", "p", dc=0.0)    # i(vsense): current out of the battery's + pin
    chip.add("cyc", cyc, pos="p", neg="0")
    chip.options(reltol=1e-5, method="gear")
    chip.tran(5.0, t_stop, tmax=5.0)
    return chip


def simulate(*, engine: str = "ngspice", t_stop: float = T_STOP, timeout: float = 600.0):
    """Simulate the bench in ``engine`` ("ngspice" or "vacask"); the Result (same vector names
    in both engines) goes to :func:`analyze`."""
    return build_chip(t_stop).run(timeout=timeout, engine=engine)


def _crossing(t, y, level, after=0.0, falling=False):
    """First time after ``after`` at which y crosses ``level`` (linear interpolation), s;
    nan if it never does."""
    import numpy as np
    s = (level - y) if falling else (y - level)
    k = np.flatnonzero((s[1:] >= 0) & (s[:-1] < 0) & (t[1:] > after))
    if not len(k):
        return float("nan")
    k = k[0]
    return float(t[k] + (t[k + 1] - t[k]) * (0 - s[k]) / (s[k + 1] - s[k]))


def analyze(res) -> dict:
    """Phase times and charges of a cycling run. Times (s) are interpolated crossings:
    ``t_discharge_end`` (latch d at 0.5), ``t_charge_start`` (enable e at 0.5), ``t_cc_end``
    (charging current falls below 0.99 i_chg: CV begins), ``t_charge_end`` (latch c at 0.5);
    ``q_discharge`` / ``q_charge`` (Ah, delivered before t_discharge_end / taken in after
    t_charge_start), ``v_min`` (V, lowest terminal voltage), ``soc_end`` (state of charge at
    the end), ``i_end`` (A, battery current at the end)."""
    import numpy as np
    _, cyc = bench()
    t, i = res.time, res["i(vsense)"]
    t_d = _crossing(t, res["v(xcyc.d)"], 0.5)
    t_e = _crossing(t, res["v(xcyc.e)"], 0.5, after=t_d)
    t_cc = _crossing(t, -i, 0.99 * cyc.i_chg, after=t_e, falling=True)
    t_c = _crossing(t, res["v(xcyc.c)"], 0.5, after=t_e)
    dis = np.where(t <= t_d, np.clip(i, 0, None), 0.0)
    chg = np.where(t >= t_e, np.clip(-i, 0, None), 0.0)
    return {"t_discharge_end": t_d, "t_charge_start": t_e, "t_cc_end": t_cc,
            "t_charge_end": t_c, "q_discharge": float(np.trapezoid(dis, t)) / 3600,
            "q_charge": float(np.trapezoid(chg, t)) / 3600, "v_min": float(res["v(p)"].min()),
            "soc_end": float(res["v(xb1.soc)"][-1]), "i_end": float(i[-1])}


def deck_text() -> str:
    return build_chip().deck()


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "battery_cycling.cir"),
                    help="deck file to write (default battery_cycling.cir next to this script)")
    ap.add_argument("--simulate", action="store_true",
                    help="also simulate the cycle and print its phase times")
    ap.add_argument("--engine", choices=("ngspice", "vacask"),
                    help="simulator for --simulate (default ngspice)")
    args = ap.parse_args(argv)
    if args.engine and not args.simulate:
        ap.error("--engine selects the simulator of --simulate")
    with open(args.out, "w", encoding="ascii", newline="\n") as fh:
        fh.write(deck_text())
    print(f"wrote {args.out}")
    if args.simulate:
        engine = args.engine or "ngspice"
        res = simulate(engine=engine)
        a = analyze(res)
        print(f"{engine}: {res.elapsed:.2f} s; discharge ends {a['t_discharge_end']:.1f} s "
              f"({a['q_discharge'] * 1e6:.2f} uAh, v_min {a['v_min']:.3f} V), charge starts "
              f"{a['t_charge_start']:.1f} s, CV from {a['t_cc_end']:.1f} s, charge ends "
              f"{a['t_charge_end']:.1f} s ({a['q_charge'] * 1e6:.2f} uAh); final SOC "
              f"{a['soc_end']:.5f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
