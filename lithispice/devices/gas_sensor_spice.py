"""ngspice ``.subckt`` of the potentiometric gas sensor: the equations of csrc/gas_sensor.h.

Circuit (EMF = V(ref) - V(se) at open circuit)::

    se --[Bemf: V(m) - V(se) = v(x)]-- m --[Bser: R_film(T) + R_ct(T)]-- ref
    se ------------------[Rleak: L/(sigma_e A)]------------------------- ref

The lagged EMF is the state ``x`` on a 1 F capacitor (node ``x``, V(x) = EMF in volts),
charged by a B-source current (EMF_eq - v(x))/tau(T), i.e. dx/dt exactly as in the kernel. Its
``.ic`` comes from the instance parameter ``x0`` (use ``GasSensor.spice_params`` to start in
equilibrium); a 1e15 ohm leak keeps the operating point non-singular (time constant 1e15 s,
invisible over any simulated run). There is no ``idt`` in ngspice and ``ddt`` has no Jacobian,
so the capacitor is the integrator (DESIGN 8).

Control inputs, read against ground and drawing no current: ``v(lgp) = log10(p_gas/1 ppm)``
(so ln(p_gas/1 bar) = ln(10) (v(lgp) - 6)) and ``v(tk)`` = temperature in K (floored at
150 K as in the kernel). Gas profiles are therefore PWL sources, and a heater's thermal node
(lithispice.blocks.Heater) can drive ``tk`` directly. The background O2, humidity and cross-gas
partial pressures (bar) are instance parameters ``po2``, ``ph2o``, ``px``.
Temperature-dependent resistances are B-source currents v/R(T); nothing is discontinuous
(``max`` only at the 150 K floor), so the step control never meets a jump.
"""
from __future__ import annotations

import math

from ..constants import F, R, k_B_eV
from ..errors import ParameterError
from ..spice.names import fmt

T_MIN = 150.0   # K, LSG_T_MIN in csrc/gas_sensor.h
LEAK_STATE = 1e15  # ohm (with 1 F: 1e15 s), keeps the state node's DC solve regular


def _comment(text: str) -> str:
    """Text safe inside a SPICE comment line: one line, printable ASCII."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]


def gas_sensor_subckt(dev, dialect: str = "ngspice") -> str:
    """Return the ``.subckt`` text for GasSensor ``dev`` (pins se ref lgp tk)."""
    if dialect != "ngspice":
        raise ParameterError("dialect", dialect, "'ngspice'")
    kb = fmt(k_B_eV)
    tt = f"max(v(tk),{fmt(T_MIN)})"
    tref = fmt(dev.t_ref)
    e0 = f"({fmt(dev.e0)}+{fmt(dev.de0_dt)}*({tt}-{tref}))"
    # s R ln(10)/(n F): EMF change per kelvin per unit of v(lgp)
    a_gas = dev.ideality * R * math.log(10.0) / (dev.n_electrons * F)
    emf_eq = f"{e0}-{fmt(a_gas)}*{tt}*(v(lgp)-6)"
    if dev.o2_order != 0.0:
        emf_eq += f"-{fmt(dev.o2_order * R / F)}*{tt}*{{o2ln}}"
    if dev.k_h2o != 0.0 or dev.k_cross != 0.0:
        emf_eq += "-{offx}"
    itau = f"exp(-{fmt(dev.ea_tau)}/{kb}*(1/{tt}-1/{tref}))*{fmt(1.0 / dev.tau)}"
    r_film = (f"{fmt(dev.film_length / (dev.sigma_ref * dev.film_area))}"
              f"*exp({fmt(dev.ea_sigma)}/{kb}*(1/{tt}-1/{fmt(dev.sigma_t_ref)}))")
    r_ser = r_film
    if dev.asr_ct > 0.0:
        r_ser += (f"+{fmt(2.0 * dev.asr_ct / dev.electrode_area)}"
                  f"*exp({fmt(dev.ea_ct)}/{kb}*(1/{tt}-1/{tref}))")
    x0_default = dev.emf(400e-6, dev.t_op)
    name = dev.subckt_name
    lines = [
        f"* lithispice gas sensor '{_comment(dev.name)}': equations of csrc/gas_sensor.h",
        f"* {_comment(dev.gas)} | {_comment(dev.sensing_electrode)} | "
        f"{_comment(dev.electrolyte)} | {_comment(dev.reference_electrode)}: n={dev.n_electrons} "
        f"s={dev.ideality} tau={dev.tau} s at {dev.t_ref} K",
        "* EMF = V(ref) - V(se); v(lgp) = log10(p_gas/1 ppm); v(tk) = temperature in K",
        f"* source: {_comment(dev.source)}",
        f".subckt {name} se ref lgp tk params: x0={fmt(x0_default)} po2=0.2095 ph2o=0 px=0",
    ]
    if dev.o2_order != 0.0:
        lines.append(".param o2ln={ln(max(po2,1e-30))}")
    if dev.k_h2o != 0.0 or dev.k_cross != 0.0:
        lines.append(f".param offx={{{fmt(dev.k_h2o)}*log10(1+max(ph2o,0)/{fmt(dev.p_h2o_ref)})"
                     f"+{fmt(dev.k_cross)}*log10(1+max(px,0)/{fmt(dev.p_cross_ref)})}}")
    lines += [
        "Cx x 0 1",
        f"Rx x 0 {fmt(LEAK_STATE)}",
        f"Bx 0 x I=({emf_eq}-v(x))*{itau}",
        "Bemf m se V=v(x)",
        f"Bser m ref I=v(m,ref)/({r_ser})",
    ]
    if dev.sigma_e > 0.0:
        lines.append(f"Rleak se ref {fmt(dev.film_length / (dev.sigma_e * dev.film_area))}")
    lines += [".ic v(x)={x0}", f".ends {name}"]
    return "\n".join(lines) + "\n"
