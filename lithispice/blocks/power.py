"""Power-path blocks: a low-dropout regulator with enable and a controlled switch.

:class:`LDO` (pins vin out en gnd): out = min(v_out, v(vin) - dropout) while enabled (smooth
minimum), ~0 V when disabled, behind ``rout``. The input draws the output current plus
``iq`` -- a linear regulator's efficiency v(out)/v(vin). A heater fed from an LDO keeps its
power, hence its temperature, while the battery voltage sags.

:class:`Switch` (pins a b ctl vss): conductance 1/r_off + (1/r_on - 1/r_off) * logistic
((v(ctl,vss) - v_threshold)/v_width).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import ParameterError
from ..spice.names import fmt
from ..devices.base import SpiceExport
from ._common import check, comment, sigmoid, softplus, supply_on, unique_name


def _values(obj):
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name != "name")


@dataclass(frozen=True)
class LDO(SpiceExport):
    """Linear regulator with enable. Units: V, A, ohm.

    v_out        regulated output, V above gnd
    dropout      minimum v(vin) - v(out), V
    iq           quiescent current, A
    rout         output resistance, ohm
    v_threshold  enable threshold (v(en) - v(gnd)), V;  v_width: logistic width, V
    soft         width of the smooth min / floor, V
    """
    name: str = "ldo"
    v_out: float = 3.3
    dropout: float = 0.15
    iq: float = 5e-6
    rout: float = 0.5
    v_threshold: float = 1.0
    v_width: float = 0.02
    soft: float = 0.02

    def __post_init__(self):
        check("v_out", self.v_out, 0.0, 100.0, lo_open=True, unit="V")
        check("dropout", self.dropout, 0.0, 10.0, unit="V")
        check("iq", self.iq, 0.0, 1.0, unit="A")
        check("rout", self.rout, 0.0, 1e6, lo_open=True, unit="ohm")
        check("v_threshold", self.v_threshold, -100.0, 100.0, unit="V")
        check("v_width", self.v_width, 1e-6, 10.0, unit="V")
        check("soft", self.soft, 1e-6, 1.0, unit="V")

    def replace(self, **changes) -> "LDO":
        return dataclasses.replace(self, **changes)

    pins = ("vin", "out", "en", "gnd")
    dc_paths = (("out", "gnd"),)
    instance_params = ()

    @property
    def subckt_name(self) -> str:
        return unique_name("blk_ldo", self.name, _values(self))

    def subckt(self) -> str:
        head = f"v(vin,gnd)-{fmt(self.dropout)}"
        # smooth min(v_out, head), then a smooth floor at 0, gated by the enable
        smin = f"({fmt(self.v_out)}-{softplus(f'{fmt(self.v_out)}-({head})', self.soft)})"
        target = f"{sigmoid(f'v(en,gnd)-{fmt(self.v_threshold)}', self.v_width)}*{softplus(smin, self.soft)}"
        lines = [
            f"* lithispice LDO '{comment(self.name)}': {self.v_out} V, dropout {self.dropout} V, "
            f"Iq {self.iq} A",
            f".subckt {self.subckt_name} vin out en gnd",
            f"Bo o gnd V={target}",
            f"Ro o out {fmt(self.rout)}",
            f"Bin vin gnd I={fmt(self.iq)}*{supply_on('v(vin,gnd)')}+max(v(o,out),0)/{fmt(self.rout)}",
            f".ends {self.subckt_name}",
        ]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Switch(SpiceExport):
    """Voltage-controlled switch. Units: ohm, V."""
    name: str = "switch"
    r_on: float = 1.0
    r_off: float = 1e12
    v_threshold: float = 1.0
    v_width: float = 0.02

    def __post_init__(self):
        check("r_on", self.r_on, 0.0, 1e12, lo_open=True, unit="ohm")
        check("r_off", self.r_off, 0.0, 1e20, lo_open=True, unit="ohm")
        if not self.r_off > self.r_on:
            raise ParameterError("r_off", self.r_off, f"> r_on = {self.r_on} ohm")
        check("v_threshold", self.v_threshold, -100.0, 100.0, unit="V")
        check("v_width", self.v_width, 1e-6, 10.0, unit="V")

    def replace(self, **changes) -> "Switch":
        return dataclasses.replace(self, **changes)

    pins = ("a", "b", "ctl", "vss")
    dc_paths = (("a", "b"),)
    instance_params = ()

    @property
    def subckt_name(self) -> str:
        return unique_name("blk_sw", self.name, _values(self))

    def subckt(self) -> str:
        g_on, g_off = 1.0 / self.r_on, 1.0 / self.r_off
        sw = sigmoid(f"v(ctl,vss)-{fmt(self.v_threshold)}", self.v_width)
        lines = [
            f"* lithispice switch '{comment(self.name)}': r_on={self.r_on} r_off={self.r_off} ohm",
            f".subckt {self.subckt_name} a b ctl vss",
            f"Bs a b I=v(a,b)*({fmt(g_off)}+{fmt(g_on - g_off)}*{sw})",
            f".ends {self.subckt_name}",
        ]
        return "\n".join(lines) + "\n"
