"""Resistive heater with a thermal RC: electrical power in, a temperature node out.

Pins p n (the resistor), tk (temperature node), tgnd (its reference). Model::

    R(T)  = r_heater (1 + tcr (T - t_r0))           electrical resistance, ohm
    P     = v(p,n)^2 / R(T)                          dissipated power, W
    c_th dDT/dt = P - DT / r_th                      temperature rise DT over ambient, K
    v(tk) - v(tgnd) = tamb + DT                      temperature in K (a voltage: 1 V = 1 K)

The thermal RC lives on an internal node whose voltage is DT (1 V = 1 K, c_th in J/K as
farads, r_th in K/W as ohms): an exact electrical analogue. ``tamb`` (K) is an instance
parameter. The tk node can drive the ``tk`` pin of a gas sensor directly. Defaults describe
a well-isolated MEMS micro-hotplate (ASSUMED values of the order such membranes reach:
r_th 50 kK/W -> 9.5 mW for +475 K, i.e. ~8 mW at 400 C; thermal time constant
r_th c_th = 20 ms); set them from the hotplate you model.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import ParameterError
from ..spice.names import fmt
from ..devices.base import SpiceExport
from ._common import check, comment, unique_name


@dataclass(frozen=True)
class Heater(SpiceExport):
    """Heater parameters. Units: ohm, 1/K, K, K/W, J/K.

    r_heater  electrical resistance at t_r0, ohm
    tcr       temperature coefficient of resistance, 1/K (Pt ~3.9e-3; 0 = constant R)
    t_r0      temperature at which r_heater is given, K
    r_th      thermal resistance to ambient, K/W
    c_th      heat capacity of the heated part, J/K
    """
    name: str = "heater"
    r_heater: float = 500.0
    tcr: float = 0.0
    t_r0: float = 298.15
    r_th: float = 50e3
    c_th: float = 4e-7

    def __post_init__(self):
        check("r_heater", self.r_heater, 0.0, 1e9, lo_open=True, unit="ohm")
        check("tcr", self.tcr, -0.1, 0.1, unit="1/K")
        check("t_r0", self.t_r0, 0.0, 3000.0, lo_open=True, unit="K")
        check("r_th", self.r_th, 0.0, 1e9, lo_open=True, unit="K/W")
        check("c_th", self.c_th, 0.0, 1e6, lo_open=True, unit="J/K")

    def replace(self, **changes) -> "Heater":
        return dataclasses.replace(self, **changes)

    @property
    def time_constant(self) -> float:
        """Thermal time constant r_th c_th, s."""
        return self.r_th * self.c_th

    def resistance(self, temperature: float) -> float:
        """Electrical resistance at ``temperature`` (K), ohm."""
        t = check("temperature", temperature, 0.0, None, lo_open=True, unit="K")
        return self.r_heater * (1.0 + self.tcr * (t - self.t_r0))

    def steady_temperature(self, voltage: float, t_amb: float = 298.15) -> float:
        """Steady-state temperature (K) with ``voltage`` (V) across the heater, solving
        T = t_amb + r_th V^2 / R(T) (a quadratic when tcr != 0)."""
        v = check("voltage", voltage, unit="V")
        ta = check("t_amb", t_amb, 0.0, None, lo_open=True, unit="K")
        if self.tcr == 0.0:
            return ta + self.r_th * v * v / self.r_heater
        # (T - ta) * R0 (1 + a (T - t0)) = r_th v^2  ->  a R0 x^2 + R0 (1 + a (ta - t0)) x - r_th v^2 = 0
        a2 = self.tcr * self.r_heater
        a1 = self.r_heater * (1.0 + self.tcr * (ta - self.t_r0))
        c = -self.r_th * v * v
        d2 = a1 * a1 - 4.0 * a2 * c
        if d2 < 0.0 or a1 <= 0.0:
            raise ParameterError("voltage", voltage, "a drive with a steady state (this one "
                                 "runs away thermally with the negative tcr)")
        # the root that grows from 0 with the drive (the smaller one when tcr < 0)
        return ta + (-a1 + d2 ** 0.5) / (2.0 * a2)

    def resistance_for(self, temperature: float, voltage: float, t_amb: float = 298.15) -> float:
        """The r_heater (ohm, at t_r0) that reaches ``temperature`` (K) in steady state with
        ``voltage`` (V) across the heater at ambient ``t_amb`` (K)."""
        t = check("temperature", temperature, 0.0, None, lo_open=True, unit="K")
        v = check("voltage", voltage, 0.0, None, lo_open=True, unit="V")
        ta = check("t_amb", t_amb, 0.0, t, hi_open=True, unit="K (below temperature)")
        r_hot = v * v * self.r_th / (t - ta)
        return r_hot / (1.0 + self.tcr * (t - self.t_r0))

    pins = ("p", "n", "tk", "tgnd")
    dc_paths = (("p", "n"), ("tk", "tgnd"))
    instance_params = ("tamb",)

    @property
    def subckt_name(self) -> str:
        vals = tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name")
        return unique_name("blk_heater", self.name, vals)

    def subckt(self) -> str:
        # R(T) floored at 1 % of r_heater so a large negative tcr cannot divide by zero
        r_t = (f"max({fmt(self.r_heater)}*(1+{fmt(self.tcr)}*(tamb+v(dt,tgnd)-{fmt(self.t_r0)})),"
               f"{fmt(0.01 * self.r_heater)})")
        lines = [
            f"* lithispice heater '{comment(self.name)}': R={self.r_heater} ohm tcr={self.tcr}/K "
            f"r_th={self.r_th} K/W c_th={self.c_th} J/K; v(tk,tgnd) = temperature in K",
            f".subckt {self.subckt_name} p n tk tgnd params: tamb=298.15",
            f"Bh p n I=v(p,n)/{r_t}",
            f"Bp tgnd dt I=v(p,n)*v(p,n)/{r_t}",
            f"Cth dt tgnd {fmt(self.c_th)}",
            f"Rth dt tgnd {fmt(self.r_th)}",
            "Bt tk tgnd V=tamb+v(dt,tgnd)",
            f".ends {self.subckt_name}",
        ]
        return "\n".join(lines) + "\n"
