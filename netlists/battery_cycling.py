"""Reference deck: one cycle of the LiPON | LiCoO2 | Li microbattery on a behavioural cycler.

CC discharge at 1C to 3.0 V, 10 min rest, CC-CV charge at 1C to 4.2 V until the current tapers
to C/20, then open circuit. The cycler switches phases itself (latches driven by the battery
voltage and current; see lithispice.devices.microbattery_spice.BatteryCycler), so the deck needs
no knowledge of when the cut-offs happen. The battery is the preset "LiPON-LiCoO2-Li"
(lithispice.devices.microbattery_presets) exported as its finite-volume subcircuit.

Regenerate with ``python netlists/battery_cycling.py`` (writes battery_cycling.cir next to this
file); a test checks that the committed deck is what this script produces and simulates it.

Nodes: ``p`` battery + terminal (V), ``i(vsense)`` battery current (A, > 0 discharge),
``xb1.soc`` state of charge, ``xb1.li`` Li-metal inventory (C), ``xcyc.d``/``xcyc.e``/``xcyc.c``
the cycler's latches (discharge done / charge enabled / charge done).
"""
from __future__ import annotations

import os
import sys

T_STOP = 9000.0   # s: 1C discharge (~3240 s) + rest (600 s) + CC-CV charge (~4400 s) + margin


def build_chip():
    """The cycling bench as a lithispice Chip."""
    from lithispice.devices.microbattery import Microbattery
    from lithispice.devices.microbattery_spice import BatteryCycler
    from lithispice.netlist import Chip

    bat = Microbattery.preset("LiPON-LiCoO2-Li")
    i1c = bat.capacity_Ah                      # A: 1C
    cyc = BatteryCycler(i_dis=i1c, i_chg=i1c, v_lo=bat.v_min, v_hi=bat.v_max,
                        i_taper=i1c / 20.0, t_rest=600.0)
    chip = Chip("LiPON LiCoO2 Li microbattery: CC discharge, rest, CC-CV charge")
    chip.add("b1", bat, params={"soc0": 1.0, "tk": 298.15}, pos="pb", neg="0")
    chip.vsource("sense", "pb", "p", dc=0.0)    # i(vsense): current out of the battery's + pin
    chip.add("cyc", cyc, pos="p", neg="0")
    chip.options(reltol=1e-5, method="gear")
    chip.tran(5.0, T_STOP, tmax=5.0)
    return chip


def deck_text() -> str:
    return build_chip().deck()


def main(argv=None) -> int:
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "battery_cycling.cir")
    with open(out, "w", encoding="ascii", newline="\n") as fh:
        fh.write(deck_text())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
