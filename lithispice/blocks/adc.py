"""Sample-and-hold and N-bit ADC quantizer (behavioral SpiceDevices).

:class:`SampleHold` (pins vin clk out vss): a switch of conductance g_on (clk high) or g_off
(clk low) charges a hold capacitor; a leak across it gives the droop; the output is an ideal
copy of the hold voltage. "High" = v(clk) - v(vss) above ``v_threshold``; the switch turns on
along a logistic curve of width ``v_width`` (smooth, no step for the step control).

:class:`ADC` (pins vin clk vref code vdd vss, or b0..b{N-1} instead of code): the same
sample-and-hold, a quantizer and an output register:

    code = min(max(floor(v_hold / LSB), 0), 2^N - 1),   LSB = v(vref, vss) / 2^N

The register follows the quantizer while clk is high and keeps the last code while clk is
low (a conversion completes at the falling edge of clk), so the output does not drift with
the analog droop during long holds -- as in a real converter, whose result is digital.
Output ``code`` is a voltage equal to the code (1 V per count: code 2048 -> 2048 V, referred
to vss); with ``output="bits"`` the pins b0 (LSB) .. b{N-1} carry ``v_logic`` for a 1 and 0 V
for a 0. For a free-running converter tie clk high. The supply pins draw ``iq``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import ParameterError
from ..spice.names import fmt
from ..devices.base import SpiceExport
from ._common import check, check_int, comment, sigmoid, supply_on, unique_name

_C_REG = 1e-9      # F: output register capacitor (g_on 1e-3 S: 1 us to load a new code)
_G_REG = 1e-3      # S
_G_REG_OFF = 1e-18  # S: register hold leak (1e9 s time constant: a digital latch)


def _values(obj):
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name != "name")


def _sh_lines(c_hold, r_on, r_off, r_leak, vth, vw) -> list[str]:
    g_on, g_off = 1.0 / r_on, 1.0 / r_off
    sw = sigmoid(f"v(clk,vss)-{fmt(vth)}", vw)
    return [
        f"Bsw vin h I=v(vin,h)*({fmt(g_off)}+{fmt(g_on - g_off)}*{sw})",
        f"Ch h vss {fmt(c_hold)}",
        f"Rl h vss {fmt(r_leak)}",
    ]


def _check_sh(obj):
    check("c_hold", obj.c_hold, 0.0, 1.0, lo_open=True, unit="F")
    check("r_on", obj.r_on, 0.0, 1e12, lo_open=True, unit="ohm")
    check("r_off", obj.r_off, 0.0, 1e20, lo_open=True, unit="ohm")
    if not obj.r_off > obj.r_on:
        raise ParameterError("r_off", obj.r_off, f"> r_on = {obj.r_on} ohm")
    check("r_leak", obj.r_leak, 0.0, 1e20, lo_open=True, unit="ohm")
    check("v_threshold", obj.v_threshold, -100.0, 100.0, unit="V")
    check("v_width", obj.v_width, 1e-6, 10.0, unit="V")


@dataclass(frozen=True)
class SampleHold(SpiceExport):
    """Sample-and-hold. Units: F, ohm, V.

    c_hold       hold capacitor, F
    r_on, r_off  switch resistance with clk high / low, ohm (tracking time constant r_on c_hold)
    r_leak       leak across the hold capacitor, ohm (droop v / (r_leak c_hold) V/s towards vss;
                 the open switch adds (v_in - v) / (r_off c_hold): see drift_rate)
    v_threshold  clk level (above vss) at which the switch is half on, V
    v_width      width of the switch's logistic turn-on, V
    """
    name: str = "sh"
    c_hold: float = 10e-12
    r_on: float = 1e3
    r_off: float = 1e15
    r_leak: float = 1e15
    v_threshold: float = 1.0
    v_width: float = 0.02

    def __post_init__(self):
        _check_sh(self)

    def replace(self, **changes) -> "SampleHold":
        return dataclasses.replace(self, **changes)

    def drift_rate(self, v_hold: float, v_in: float) -> float:
        """dv/dt of the held voltage (V/s) while holding ``v_hold`` with ``v_in`` at the
        input: the leak pulls towards vss, the open switch towards the input."""
        return (-v_hold / self.r_leak + (v_in - v_hold) / self.r_off) / self.c_hold

    pins = ("vin", "clk", "out", "vss")
    dc_paths = (("vin", "vss"), ("out", "vss"))
    instance_params = ()

    @property
    def subckt_name(self) -> str:
        return unique_name("blk_sh", self.name, _values(self))

    def subckt(self) -> str:
        lines = [f"* lithispice sample-and-hold '{comment(self.name)}': C={self.c_hold} F "
                 f"Ron={self.r_on} ohm",
                 f".subckt {self.subckt_name} vin clk out vss"]
        lines += _sh_lines(self.c_hold, self.r_on, self.r_off, self.r_leak, self.v_threshold,
                           self.v_width)
        lines += ["Bo out vss V=v(h,vss)", f".ends {self.subckt_name}"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ADC(SpiceExport):
    """N-bit ADC with sample-and-hold and output register (see module docstring).

    bits          resolution N (1..24)
    iq            supply current drawn from vdd to vss, A
    output        "code" (pin ``code``: volts = code) or "bits" (pins b0..b{N-1})
    v_logic       voltage of a 1 in "bits" mode, V above vss
    c_hold, r_on, r_off, r_leak, v_threshold, v_width   the sample-and-hold, as SampleHold
    """
    name: str = "adc"
    bits: int = 12
    iq: float = 20e-6
    output: str = "code"
    v_logic: float = 1.0
    c_hold: float = 10e-12
    r_on: float = 1e3
    r_off: float = 1e15
    r_leak: float = 1e15
    v_threshold: float = 1.0
    v_width: float = 0.02

    def __post_init__(self):
        check_int("bits", self.bits, 1, 24)
        check("iq", self.iq, 0.0, 1.0, unit="A")
        if self.output not in ("code", "bits"):
            raise ParameterError("output", self.output, "'code' or 'bits'")
        check("v_logic", self.v_logic, 0.0, 100.0, lo_open=True, unit="V")
        _check_sh(self)

    def replace(self, **changes) -> "ADC":
        return dataclasses.replace(self, **changes)

    @property
    def levels(self) -> int:
        return 2 ** self.bits

    def lsb(self, vref: float) -> float:
        """Code width for reference voltage ``vref`` (V above vss), V."""
        return check("vref", vref, 0.0, None, lo_open=True, unit="V") / self.levels

    def ideal_code(self, v, vref: float):
        """The quantizer's code for input ``v`` (V above vss): floor(v/LSB) clipped."""
        import numpy as np
        c = np.clip(np.floor(np.asarray(v, dtype=float) / self.lsb(vref)), 0, self.levels - 1)
        return c.astype(np.int64) if c.ndim else int(c)

    @property
    def pins(self) -> tuple[str, ...]:
        outs = ("code",) if self.output == "code" else tuple(f"b{k}" for k in range(self.bits))
        return ("vin", "clk", "vref") + outs + ("vdd", "vss")

    @property
    def dc_paths(self) -> tuple[tuple[str, str], ...]:
        outs = ("code",) if self.output == "code" else tuple(f"b{k}" for k in range(self.bits))
        return (("vin", "vss"),) + tuple((o, "vss") for o in outs)

    instance_params = ()

    @property
    def subckt_name(self) -> str:
        return unique_name("blk_adc", self.name, _values(self))

    def subckt(self) -> str:
        n = self.levels
        sw = sigmoid(f"v(clk,vss)-{fmt(self.v_threshold)}", self.v_width)
        quant = (f"min(max(floor(v(h,vss)/max(v(vref,vss),1e-12)*{n}),0),{n - 1})")
        lines = [f"* lithispice {self.bits}-bit ADC '{comment(self.name)}' with sample-and-hold "
                 f"and output register; code = floor(v/LSB) clipped, LSB = v(vref)/{n}",
                 f".subckt {self.subckt_name} {' '.join(self.pins)}"]
        lines += _sh_lines(self.c_hold, self.r_on, self.r_off, self.r_leak, self.v_threshold,
                           self.v_width)
        lines += [
            # register: loads the quantizer output while clk is high, latches when low. The
            # quantizer is evaluated inside the register's current, not as a node of its
            # own: a voltage-defined node would carry a branch current that jumps at every
            # code step, and VACASK's step control checks every unknown (it stops with
            # "Timestep too small"); the circuit is the same
            f"Bre vss r I=({quant}-v(r,vss))*({fmt(_G_REG_OFF)}+{fmt(_G_REG - _G_REG_OFF)}*{sw})",
            f"Cre r vss {fmt(_C_REG)}",
            f"Bq vdd vss I={fmt(self.iq)}*{supply_on('v(vdd,vss)')}",
        ]
        code = "floor(v(r,vss)+0.5)"      # the register settles to within 1e-6 of an integer
        if self.output == "code":
            lines.append(f"Bco code vss V={code}")
        else:
            for k in range(self.bits):
                bit = f"(floor({code}/{2 ** k})-2*floor({code}/{2 ** (k + 1)}))"
                lines.append(f"Bb{k} b{k} vss V={fmt(self.v_logic)}*{bit}")
        lines.append(f".ends {self.subckt_name}")
        return "\n".join(lines) + "\n"
