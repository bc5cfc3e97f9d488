"""Behavioral operational amplifier, unity-gain buffer and instrumentation amplifier.

All three are SpiceDevices for :meth:`lithispice.Chip.add`. Model of :class:`OpAmp`
(pins inp inn out vdd vss)::

    inputs   Rin between inp and inn, Rcm from each input to vss, bias current ibias drawn
             into each input (returned to vss), offset vos added to v(inp, inn)
    gain     internal node g (deviation of the output from mid-supply, referred to ground):
             C dg/dt = (vlim/rp) tanh(A (vd + vos)/vlim) - g/rp
             -> DC gain A, one pole at f_p = GBW/A (so GBW = A f_p), slew rate SR = vlim 2 pi f_p
             (the tanh bounds the current charging the pole capacitor). An anti-windup clamp
             keeps g within the rails +- 0.5 V, so recovery from saturation takes < 1 V / SR.
    output   mid-supply + g, limited smoothly (softplus clamp, width ``soft``) to
             [v(vss) + headroom, v(vdd) - headroom] -- the rails are read from the supply pins --
             behind an output resistance rout.
    supply   quiescent current iq from vdd to vss (vanishing as the supply collapses) plus the
             current the output sources, which is taken from vdd; sunk current returns to vss.

Why behavioral: the sensor node runs for simulated hours; a transistor-level op-amp would
spend nanosecond steps on nothing. Parameter defaults are a generic micropower CMOS op-amp
(ASSUMED values of datasheet order, no particular part).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ..errors import ParameterError
from ..spice.names import fmt
from ..devices.base import SpiceExport
from ._common import check, comment, softclamp, softplus, supply_on, unique_name

_RP = 1e6          # ohm: pole resistor of the internal gain node (any value; sets the scale)
_WINDUP = 0.5      # V: how far beyond the rails the internal node may go


def _output_stage(out_target: str, nodes: dict, headroom: float, soft: float, rout: float,
                  iq: float) -> list[str]:
    vdd, vss, out = nodes["vdd"], nodes["vss"], nodes["out"]
    lo = f"v({vss})+{fmt(headroom)}"
    hi = f"v({vdd})-{fmt(headroom)}"
    return [
        f"Bo o {vss} V={softclamp(out_target, lo, hi, soft)}-v({vss})",
        f"Ro o {out} {fmt(rout)}",
        # quiescent current + sourced load current from vdd; the output source itself
        # returns through vss, so a sunk load current ends up in vss and a sourced one
        # comes from vdd (KCL through the two supply pins).
        f"Bq {vdd} {vss} I={fmt(iq)}*{supply_on(f'v({vdd},{vss})')}+max(v(o,{out}),0)/{fmt(rout)}",
    ]


def _inputs(nodes: dict, rin: float, rcm: float, ibias: float) -> list[str]:
    inp, inn, vss = nodes["inp"], nodes["inn"], nodes["vss"]
    lines = [f"Rin {inp} {inn} {fmt(rin)}", f"Rcmp {inp} {vss} {fmt(rcm)}"]
    if inn != nodes["out"]:
        lines.append(f"Rcmn {inn} {vss} {fmt(rcm)}")
    if ibias != 0.0:
        lines.append(f"Bibp {inp} {vss} I={fmt(ibias)}")
        lines.append(f"Bibn {inn} {vss} I={fmt(ibias)}")
    return lines


def _windup(target_hi: str, target_lo: str, gc: float, soft: float) -> str:
    """Current out of node g pulling it back inside [target_lo, target_hi]."""
    return (f"Bw g 0 I={fmt(gc)}*({softplus(f'v(g)-({target_hi})', soft)}"
            f"-{softplus(f'({target_lo})-v(g)', soft)})")


def _check_amplifier(a) -> None:
    """Range checks of the fields every amplifier block shares (OpAmp, InstrumentationAmp)."""
    check("gbw", a.gbw, 0.0, 1e12, lo_open=True, unit="Hz")
    check("slew_rate", a.slew_rate, 0.0, 1e12, lo_open=True, unit="V/s")
    check("rin", a.rin, 0.0, 1e18, lo_open=True, unit="ohm")
    check("rcm", a.rcm, 0.0, 1e18, lo_open=True, unit="ohm")
    check("ibias", a.ibias, -1e-3, 1e-3, unit="A")
    check("vos", a.vos, -1.0, 1.0, unit="V")
    check("iq", a.iq, 0.0, 1.0, unit="A")
    check("rout", a.rout, 0.0, 1e9, lo_open=True, unit="ohm")
    check("headroom", a.headroom, 0.0, 10.0, unit="V")
    check("soft", a.soft, 1e-6, 1.0, unit="V")


@dataclass(frozen=True)
class OpAmp(SpiceExport):
    """Behavioral op-amp (see module docstring). Units: V, A, ohm, Hz, V/s.

    gain       open-loop DC gain A (V/V)
    gbw        gain-bandwidth product, Hz (single pole at gbw/gain)
    slew_rate  output slew rate, V/s
    rin        differential input resistance, ohm
    rcm        common-mode input resistance from each input to vss, ohm
    ibias      input bias current drawn into each input, A
    vos        input offset voltage, V (added to v(inp) - v(inn))
    iq         quiescent supply current, A
    rout       output resistance, ohm
    headroom   output swing limit from each rail, V
    soft       width of the smooth rail clamp, V
    """
    name: str = "opamp"
    gain: float = 1e5
    gbw: float = 1e6
    slew_rate: float = 1e6
    rin: float = 1e13
    rcm: float = 1e13
    ibias: float = 1e-12
    vos: float = 0.0
    iq: float = 50e-6
    rout: float = 100.0
    headroom: float = 0.02
    soft: float = 0.01

    def __post_init__(self):
        check("gain", self.gain, 1.0, 1e9, unit="V/V")
        _check_amplifier(self)
        if self.gbw / self.gain > 1e11:
            raise ParameterError("gbw", self.gbw, "<= 1e11 * gain Hz (pole frequency gbw/gain)")

    def replace(self, **changes) -> "OpAmp":
        return dataclasses.replace(self, **changes)

    @property
    def pole_frequency(self) -> float:
        """Open-loop -3 dB frequency gbw/gain, Hz."""
        return self.gbw / self.gain

    def _values(self):
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name")

    def _body(self, nodes: dict) -> list[str]:
        fp = self.pole_frequency
        cp = 1.0 / (2.0 * math.pi * fp * _RP)
        vlim = self.slew_rate / (2.0 * math.pi * fp)
        imax = vlim / _RP
        gc = 1e3 * max(imax, 1.0 / _RP)          # 1 mV of overshoot beats the full drive
        vdd, vss, inp, inn = nodes["vdd"], nodes["vss"], nodes["inp"], nodes["inn"]
        half = f"0.5*v({vdd},{vss})"
        vd = f"(v({inp},{inn})+{fmt(self.vos)})"
        lines = _inputs(nodes, self.rin, self.rcm, self.ibias)
        lines += [
            f"Bg 0 g I={fmt(imax)}*tanh({vd}*{fmt(self.gain / vlim)})",
            f"Rg g 0 {fmt(_RP)}",
            f"Cg g 0 {fmt(cp)}",
            _windup(f"{half}+{fmt(_WINDUP)}", f"-{half}-{fmt(_WINDUP)}", gc, self.soft),
        ]
        lines += _output_stage(f"0.5*(v({vdd})+v({vss}))+v(g)", nodes, self.headroom, self.soft,
                               self.rout, self.iq)
        return lines

    # --- SpiceDevice ------------------------------------------------------------------
    pins = ("inp", "inn", "out", "vdd", "vss")
    dc_paths = (("inp", "inn"), ("inp", "vss"), ("inn", "vss"), ("out", "vss"))
    instance_params = ()

    @property
    def subckt_name(self) -> str:
        return unique_name("blk_opamp", self.name, self._values())

    def subckt(self) -> str:
        nodes = dict(inp="inp", inn="inn", out="out", vdd="vdd", vss="vss")
        head = [f"* lithispice behavioral op-amp '{comment(self.name)}': A={self.gain} "
                f"GBW={self.gbw} Hz SR={self.slew_rate} V/s Iq={self.iq} A",
                f".subckt {self.subckt_name} inp inn out vdd vss"]
        return "\n".join(head + self._body(nodes) + [f".ends {self.subckt_name}"]) + "\n"

    def follower(self) -> "Buffer":
        """This op-amp wired as a unity-gain buffer (inn tied to out inside)."""
        return Buffer(self)


@dataclass(frozen=True)
class Buffer(SpiceExport):
    """Unity-gain buffer: ``opamp`` with its inverting input tied to its output.

    Pins inp out vdd vss. Closed-loop gain A/(1+A), bandwidth ~GBW; the differential input
    resistance is bootstrapped by the loop, so the source sees rcm (to vss) in parallel with
    the bias current: that is the loading a high-impedance sensor feels.
    """
    opamp: OpAmp = OpAmp()

    pins = ("inp", "out", "vdd", "vss")
    dc_paths = (("inp", "vss"), ("inp", "out"), ("out", "vss"))
    instance_params = ()

    @property
    def subckt_name(self) -> str:
        return unique_name("blk_buf", self.opamp.name, self.opamp._values())

    def subckt(self) -> str:
        a = self.opamp
        nodes = dict(inp="inp", inn="out", out="out", vdd="vdd", vss="vss")
        head = [f"* lithispice unity-gain buffer from op-amp '{comment(a.name)}': A={a.gain} "
                f"GBW={a.gbw} Hz Iq={a.iq} A",
                f".subckt {self.subckt_name} inp out vdd vss"]
        return "\n".join(head + a._body(nodes) + [f".ends {self.subckt_name}"]) + "\n"


@dataclass(frozen=True)
class InstrumentationAmp(SpiceExport):
    """Behavioral instrumentation amplifier: v(out) = v(ref) + G_cl (v(inp) - v(inn) + vos).

    Pins inp inn ref out vdd vss. G_cl = gain/(1 + gain/open_loop_gain) (finite-loop-gain
    error), one pole at gbw/gain, slew limit, output clamped smoothly to the rails, supply
    current as :class:`OpAmp`. ``ref`` sets the output level and draws no current (drive it
    from a source). Units: V, A, ohm, Hz, V/s.

    gain             closed-loop differential gain G (V/V)
    open_loop_gain   loop gain of the internal amplifiers (V/V)
    gbw              gain-bandwidth product, Hz (closed-loop bandwidth gbw/gain)
    rin, rcm         differential / common-mode (each input to vss) input resistance, ohm
    """
    name: str = "ina"
    gain: float = 10.0
    open_loop_gain: float = 1e5
    gbw: float = 1e6
    slew_rate: float = 1e6
    rin: float = 1e13
    rcm: float = 1e13
    ibias: float = 1e-12
    vos: float = 0.0
    iq: float = 100e-6
    rout: float = 100.0
    headroom: float = 0.02
    soft: float = 0.01

    def __post_init__(self):
        check("gain", self.gain, 1.0, 1e5, unit="V/V")
        check("open_loop_gain", self.open_loop_gain, 1.0, 1e9, unit="V/V")
        _check_amplifier(self)

    def replace(self, **changes) -> "InstrumentationAmp":
        return dataclasses.replace(self, **changes)

    @property
    def closed_loop_gain(self) -> float:
        """Differential gain including the finite loop-gain error, V/V."""
        return self.gain / (1.0 + self.gain / self.open_loop_gain)

    @property
    def bandwidth(self) -> float:
        """Closed-loop -3 dB frequency gbw/gain, Hz."""
        return self.gbw / self.gain

    pins = ("inp", "inn", "ref", "out", "vdd", "vss")
    dc_paths = (("inp", "inn"), ("inp", "vss"), ("inn", "vss"), ("out", "vss"))
    instance_params = ()

    @property
    def subckt_name(self) -> str:
        vals = tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name")
        return unique_name("blk_ina", self.name, vals)

    def subckt(self) -> str:
        fc = self.bandwidth
        cp = 1.0 / (2.0 * math.pi * fc * _RP)
        vlim = max(self.slew_rate / (2.0 * math.pi * fc), 1e-3)
        imax = vlim / _RP
        gc = 1e3 * max(imax, 1.0 / _RP)
        nodes = dict(inp="inp", inn="inn", out="out", vdd="vdd", vss="vss")
        target = f"{fmt(self.closed_loop_gain)}*(v(inp,inn)+{fmt(self.vos)})"
        lines = [f"* lithispice behavioral instrumentation amp '{comment(self.name)}': "
                 f"G={self.gain} GBW={self.gbw} Hz Iq={self.iq} A",
                 f".subckt {self.subckt_name} inp inn ref out vdd vss"]
        lines += _inputs(nodes, self.rin, self.rcm, self.ibias)
        lines += [
            # g = output deviation from v(ref): first-order lag towards the target, slew limited
            f"Bg 0 g I={fmt(imax)}*tanh(({target}-v(g))/{fmt(vlim)})",
            f"Cg g 0 {fmt(cp)}",
            "Rg g 0 1e15",
            _windup(f"v(vdd)-v(ref)+{fmt(_WINDUP)}", f"v(vss)-v(ref)-{fmt(_WINDUP)}", gc,
                    self.soft),
        ]
        lines += _output_stage("v(ref)+v(g)", nodes, self.headroom, self.soft, self.rout, self.iq)
        lines.append(f".ends {self.subckt_name}")
        return "\n".join(lines) + "\n"
