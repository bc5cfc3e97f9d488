"""Reference chip: a battery-powered CO2 sensor node (DESIGN 1 and 4.4).

    python netlists/sensor_node.py [--out netlists/sensor_node.cir] [--t-stop 3600]
                                   [--simulate [--engine {ngspice,vacask}]]

writes the ngspice deck (and with ``--simulate`` runs it and prints the ADC codes);
``build_sensor_node()`` returns the :class:`SensorNode` (the Chip plus the names needed to
read it) for tests and benchmarks; ``SensorNode.run(engine=...)`` simulates it in ngspice
or VACASK (same vector names).

Schematic (nets in quotes)::

    battery (LiPON | LiCoO2 | Li) "bat" --Vmeter (0 V ammeter)-- "vbat"   (supply of all blocks)
    "vbat" -> LDO (3.3 V, enable "en") -> "vh" -> Heater -> thermal node "tk" (V = K)
    CO2 sensor: se = "se", ref = "vmid" (1.25 V bias), lgp = "lgp" (gas PWL), tk = "tk"
    "se" -> unity-gain Buffer (OpAmp, supply "vbat") -> "vbuf"
    "vbuf" -> ADC (12 bit, vref = "vref" 2.5 V, clock "clk") -> "code" (V = code)

Operation (a duty-cycled measurement, as a battery-powered potentiometric sensor must be:
its heater dominates the budget): every ``period`` seconds the heater is enabled for
``t_on`` seconds; the ADC samples during the last ``t_sample`` seconds of the heating window
and converts at the falling edge of ``clk``; the code is then held until the next conversion.
Between windows the sensor cools to ambient and its EMF freezes (tau(T) grows by orders of
magnitude), so each window only has to relax the EMF to the new gas level. ``en``, ``clk``,
the gas profile and the two reference voltages are ideal sources (the MCU, the gas and an
on-chip bandgap, whose current is ASSUMED folded into the ADC's supply current).

The code tracks log10(p_CO2) at operating temperature: ADC input = v(vmid) - EMF_terminal,
EMF falling 2.303 s R T/(2F) per decade, so the code RISES with CO2 by that slope / LSB.

BATTERY: the LiPON | LiCoO2 | Li microbattery of issue 3 (``lithispice.devices.microbattery``,
preset "LiPON-LiCoO2-Li" scaled to 25 cm2: 1 um LiCoO2 gives 1.73 mAh, ~45 % of which one hour
of this duty cycle uses; a thicker cathode would hold more but its solid diffusion, D = 1e-11
cm2/s, cannot deliver the heater's ~3 mA pulses). When that module cannot be imported,
:class:`PlaceholderBattery` -- a clearly-named Thevenin stand-in -- is used instead.

Power budget (defaults): heater 9.5 mW for +475 K on a 50 kK/W micro-hotplate, fed by a 3.3 V
LDO, on 25 % of the time; buffer 20 uA, ADC 20 uA, LDO 5 uA quiescent.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass

import numpy as np

import lithispice as ls
from lithispice.blocks import ADC, LDO, Heater, OpAmp
from lithispice.blocks._common import check
from lithispice.devices.gas_sensor import GasSensor
from lithispice.devices.microbattery import Microbattery

#: Default gas profile: (time s, CO2 partial pressure bar); steps take 1 s. Steps fall in the
#: heater-off part of the duty cycle so that each one is seen at the start of a window.
DEFAULT_GAS_STEPS = ((0.0, 400e-6), (750.0, 1000e-6), (1650.0, 2500e-6), (2550.0, 600e-6),
                     (3150.0, 5000e-6))


def default_battery():
    """The node's battery: the issue-3 microbattery preset "LiPON-LiCoO2-Li" with a 25 cm2
    footprint (its 1 um cathode, 1.5 um LiPON and 3 um Li kept)."""
    return Microbattery.preset("LiPON-LiCoO2-Li").replace(name="node_battery", area=25e-4)


def chip_sensor(base: GasSensor | None = None) -> GasSensor:
    """The node's sensor: the CO2 | Li2CO3 | Li3PO4 preset as an integrated vertical stack
    (1.2 um film between 1 mm2 electrodes) instead of the preset's coplanar 0.5 mm gap: the
    thin-film chip's choice, which brings the output resistance from ~1 GOhm to ~kOhm at
    500 C (the coplanar preset still works, with a ~1 mV bias-current error)."""
    g = base or GasSensor.preset("CO2-Li2CO3-Li3PO4")
    return g.replace(name="CO2_node_stack", film_length=1.2e-6, film_area=1e-6,
                     electrode_area=1e-6)


def _windows(t_stop, period, t_on):
    k = np.arange(int(math.ceil(t_stop / period)) + 1)
    starts = k * period
    return starts[starts < t_stop]


def _pulse_pwl(intervals, high, t_stop, edge=1e-3):
    """PWL of a 0/high logic signal that is high on each (t_a, t_b) interval."""
    pts = [(0.0, high if intervals and intervals[0][0] <= 0.0 else 0.0)]
    for a, b in intervals:
        if a > 0.0:
            pts += [(a, 0.0), (a + edge, high)]
        pts += [(b, high), (b + edge, 0.0)]
    pts.append((max(t_stop, pts[-1][0] + edge), 0.0))
    return pts


def _gas_pwl(steps, t_stop, ramp=1.0):
    t, p = [steps[0][0]], [steps[0][1]]
    for ts, ps in steps[1:]:
        t += [ts, ts + ramp]
        p += [p[-1], ps]
    if t[-1] < t_stop:
        t.append(t_stop)
        p.append(p[-1])
    return np.array(t), np.array(p)


@dataclass(frozen=True)
class SensorNode:
    """A built sensor node: the chip and what is needed to drive and read it.

    Times in s, pressures in bar, voltages in V, temperatures in K.
    """
    chip: ls.Chip
    sensor: GasSensor
    battery: object
    heater: Heater
    ldo: LDO
    opamp: OpAmp
    adc: ADC
    v_ref: float
    v_mid: float
    t_stop: float
    t_op: float
    t_amb: float
    gas_t: np.ndarray
    gas_p: np.ndarray
    conversions: np.ndarray      # times of the falling clk edges (end of each conversion)

    def run(self, *, engine: str = "ngspice", timeout: float = 600.0, progress="auto"):
        """Simulate the node in ``engine`` ("ngspice" or "vacask"); returns the Result.
        ``progress``: simulated time against the stop time ("auto": on a terminal only)."""
        return self.chip.run(timeout=timeout, engine=engine, progress=progress)

    def p_gas(self, t):
        """CO2 partial pressure (bar) at times t (geometric interpolation, as the PWL)."""
        return np.exp(np.interp(t, self.gas_t, np.log(self.gas_p)))

    def codes(self, res) -> tuple[np.ndarray, np.ndarray]:
        """(conversion times, ADC codes read 1 s after each conversion)."""
        t = res.time
        tc = self.conversions[self.conversions + 1.0 < t[-1]]
        return tc, np.interp(tc + 1.0, t, res["v(code)"])

    def battery_voltage(self, res) -> np.ndarray:
        """Battery terminal voltage v(vbat), V."""
        return res["v(vbat)"]

    def battery_charge(self, res) -> np.ndarray:
        """Charge delivered by the battery since t = 0 (C): the integral of i(vmeter)."""
        t, i = res.time, res["i(vmeter)"]
        return np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))])

    def expected_codes(self, times, res=None, temperature=None) -> np.ndarray:
        """The codes an ideal readout of the sensor's *equilibrium* EMF gives at ``times``:
        at ``temperature`` (K) if given, else at the temperature the chip's thermal node has
        in result ``res``. Loading by the buffer's common-mode input resistance, its bias
        current and offset are included; the lag of the EMF is not."""
        if temperature is None:
            T = np.interp(times, res.time, res["v(tk)"])
        else:
            T = np.broadcast_to(np.asarray(temperature, dtype=float), np.shape(times))
        emf = self.sensor.emf(self.p_gas(times), T)
        r_out = np.asarray(self.sensor.output_resistance(T))
        v_term = self.sensor.terminal_voltage(emf, T)
        # se sits between vmid (through the sensor's Thevenin source) and the buffer input
        # (rcm to ground, bias current drawn in): superposition at the se node
        rcm = self.opamp.rcm
        v_se = ((self.v_mid - v_term) * rcm / (rcm + r_out)
                - self.opamp.ibias * r_out * rcm / (rcm + r_out))
        v_in = (v_se + self.opamp.vos) * self.opamp.gain / (1.0 + self.opamp.gain)
        return self.adc.ideal_code(v_in, self.v_ref)


def build_sensor_node(*, sensor: GasSensor | None = None, battery=None,
                      battery_params: dict | None = None, t_stop: float = 3600.0,
                      gas_steps=DEFAULT_GAS_STEPS, t_op: float | None = None,
                      heater_enabled: bool = True, period: float = 300.0, t_on: float = 75.0,
                      t_sample: float = 5.0, t_amb: float = 298.15, bits: int = 12,
                      v_ref: float = 2.5, v_mid: float = 1.25, opamp: OpAmp | None = None,
                      ldo: LDO | None = None, heater: Heater | None = None,
                      tmax: float = 5.0, t_first: float = 0.0) -> SensorNode:
    """Build the sensor node chip (see module docstring).

    sensor: GasSensor (default :func:`chip_sensor`); battery: a SpiceDevice whose first two
    pins are + and - (default :func:`default_battery`), started at ``soc0`` 0.95 unless
    ``battery_params`` says otherwise; t_stop: simulated time, s; gas_steps: (time s, p_CO2
    bar) steps, 1 s ramps; t_op: heater design temperature, K (default the sensor's operating
    temperature); heater_enabled=False never heats; period / t_on / t_sample: duty cycle, s;
    t_amb: ambient, K; bits, v_ref: the ADC; v_mid: the sensor's reference-electrode bias, V;
    opamp, ldo, heater: block parameter sets; tmax: largest time step, s; t_first: start of
    the first window, s (> 0: the operating point is taken with the heater off, as a window
    that wakes a sleeping node starts).
    """
    sensor = sensor or chip_sensor()
    battery = battery or default_battery()
    t_stop = check("t_stop", t_stop, 0.0, 1e7, lo_open=True, unit="s")
    t_op = sensor.t_op if t_op is None else check("t_op", t_op, t_amb, 2000.0, lo_open=True,
                                                  unit="K")
    period = check("period", period, 0.0, None, lo_open=True, unit="s")
    t_on = check("t_on", t_on, 0.0, period, lo_open=True, unit="s")
    t_sample = check("t_sample", t_sample, 0.0, t_on, lo_open=True, unit="s")
    ldo = ldo or LDO()
    opamp = opamp or OpAmp(name="buffer", iq=20e-6, gbw=1e5, slew_rate=1e5, vos=0.2e-3)
    adc = ADC(bits=bits, iq=20e-6)
    base_heater = heater or Heater()
    # design the heater for t_op at the LDO's output (minus its small rout drop, neglected)
    heater = base_heater.replace(r_heater=base_heater.resistance_for(t_op, ldo.v_out, t_amb))

    chip = ls.Chip("lithispice CO2 sensor node")
    bparams = {"soc0": 0.95}
    bparams.update(battery_params or {})
    pos, neg = battery.pins[:2]            # any two-terminal battery; the microbattery's ("pos", "neg")
    chip.add("bat", battery, params=bparams, nets={pos: "bat", neg: "0"})
    chip.vsource("meter", "bat", "vbat", dc=0.0)
    chip.vsource("mid", "vmid", "0", dc=v_mid)
    chip.vsource("ref", "vref", "0", dc=v_ref)

    t_first = check("t_first", t_first, 0.0, t_stop, hi_open=True, unit="s")
    starts = _windows(t_stop, period, t_on) + t_first
    starts = starts[starts < t_stop]
    heat = [(a, a + t_on) for a in starts] if heater_enabled else []
    chip.vsource("en", "en", "0", pwl=_pulse_pwl(heat, 2.0, t_stop) if heat
                 else [(0.0, 0.0), (t_stop, 0.0)])
    samples = [(a + t_on - t_sample, a + t_on - 0.1) for a in starts]
    chip.vsource("clk", "clk", "0", pwl=_pulse_pwl(samples, 2.0, t_stop))
    gas_t, gas_p = _gas_pwl(gas_steps, t_stop)
    chip.vsource("gas", "lgp", "0", pwl=GasSensor.gas_pwl(gas_t, gas_p))

    chip.add("ldo", ldo, vin="vbat", out="vh", en="en", gnd="0")
    chip.add("heat", heater, params={"tamb": t_amb}, p="vh", n="0", tk="tk", tgnd="0")
    # the sensor's EMF "remembers" the last equilibrium at its operating temperature
    chip.add("co2", sensor, params=sensor.spice_params(gas_p[0], t_op), se="se", ref="vmid",
             lgp="lgp", tk="tk")
    buf = opamp.follower()
    chip.add("buf", buf, inp="se", out="vbuf", vdd="vbat", vss="0")
    chip.add("adc", adc, vin="vbuf", clk="clk", vref="vref", code="code", vdd="vbat", vss="0")
    chip.resistor("code", "code", "0", 1e9)        # reader of the code: keeps the net loaded
    # gear: L-stable for the stiff sample-and-hold (ns) next to the thermal RC (ms) and the
    # sensor (s); reltol 1e-4 keeps the heater's warm-up free of integrator overshoot
    chip.options(method="gear", reltol=1e-4)
    chip.tran(min(1.0, t_stop / 100.0), t_stop, tmax=tmax)
    conversions = np.array([b + 0.001 for _, b in samples])
    return SensorNode(chip=chip, sensor=sensor, battery=battery, heater=heater, ldo=ldo,
                      opamp=opamp, adc=adc, v_ref=v_ref, v_mid=v_mid, t_stop=t_stop,
                      t_op=t_op, t_amb=t_amb, gas_t=gas_t, gas_p=gas_p,
                      conversions=conversions)


def write_deck(path: str = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "sensor_node.cir"), **kw) -> str:
    """Write the deck of ``build_sensor_node(**kw)`` to ``path``; returns the path."""
    node = build_sensor_node(**kw)
    with open(path, "w", encoding="ascii") as fh:
        fh.write(node.chip.deck())
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "sensor_node.cir"))
    ap.add_argument("--t-stop", type=float, default=3600.0, help="simulated time, s")
    ap.add_argument("--simulate", action="store_true",
                    help="also simulate and print the ADC codes and the battery's charge")
    ap.add_argument("--engine", choices=("ngspice", "vacask"),
                    help="simulator for --simulate (default ngspice)")
    args = ap.parse_args(argv)
    if args.engine and not args.simulate:
        ap.error("--engine selects the simulator of --simulate")
    print(write_deck(args.out, t_stop=args.t_stop))
    if args.simulate:
        engine = args.engine or "ngspice"
        node = build_sensor_node(t_stop=args.t_stop)
        res = node.run(engine=engine)
        tc, codes = node.codes(res)
        print(f"{engine}: {res.elapsed:.2f} s; conversions at {np.round(tc, 1).tolist()} s")
        print(f"ADC codes:      {codes.astype(int).tolist()}")
        print(f"expected codes: {node.expected_codes(tc - 0.101, res).tolist()}")
        print(f"battery: {node.battery_charge(res)[-1]:.4f} C delivered, "
              f"{node.battery_voltage(res)[0]:.4f} -> {node.battery_voltage(res)[-1]:.4f} V")
    return 0


if __name__ == "__main__":
    sys.exit(main())
