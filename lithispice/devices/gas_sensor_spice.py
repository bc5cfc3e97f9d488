"""ngspice ``.subckt`` of the potentiometric gas sensor: the equations of csrc/gas_sensor.h.

Circuit (EMF = V(ref) - V(se) at open circuit)::

    se --[Bemf: V(m) - V(se) = v(x)]-- m --[Bser: R_film(T) + R_ct(T)]-- ref
    se ------------------[Bleak: sigma_e A / L]------------------------- ref

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
partial pressures (bar) are the instance parameters ``po2``, ``ph2o``, ``px``.

Every physical parameter is a subcircuit parameter with the device's value as default
(:data:`SPICE_PARAMS`), so a model-card user can override it per instance
(``X1 se ref lgp tk lsg_CO2_Li2CO3_Li3PO4_... tau0=5 ideal=0.9``); the parameter algebra is
done once per instance in ``.param`` lines. Temperature-dependent resistances are a B-source
current v/R(T), the leak a B-source conductance (it may be 0). Nothing is
discontinuous (``max`` only at the 150 K floor).
"""
from __future__ import annotations

import math

from ..constants import F, R, k_B_eV
from ..errors import ParameterError
from ..spice.carddoc import Pin, Probe
from ..spice.names import fmt
from .gas_sensor_params import PARAMS

T_MIN = 150.0   # K, LSG_T_MIN in csrc/gas_sensor.h
LEAK_STATE = 1e15  # ohm (with 1 F: 1e15 s), keeps the state node's DC solve regular

#: instance parameter -> GasSensor attribute (None: an operating condition, see spice_params),
#: in card order; units and ranges are the rows of gas_sensor_params.PARAMS
SPICE_PARAMS = PARAMS.spice_map()

#: pin order and polarity, printed into every card's header (lithispice.spice.carddoc)
PINS = (
    Pin("se", "sensing electrode. EMF = v(ref) - v(se) at open circuit; more gas LOWERS the "
        "EMF (v(se) rises towards v(ref)) by 2.303 R T s/(n F) per decade of p_gas"),
    Pin("ref", "reference electrode; the cell is a source of EMF v(x) behind R_film + R_ct "
        "between se and ref"),
    Pin("lgp", "control input (draws no current): v(lgp) = log10(p_gas / 1 ppm), e.g. "
        "2.602 V = 400 ppm"),
    Pin("tk", "control input (draws no current): v(tk) = sensor temperature in K (floored "
        "at 150 K); drive it from a source or a heater's thermal node"),
)
PIN_NOTE = ("The card has no tk parameter: the tk PIN sets its temperature. To follow the "
            "circuit temperature instead: Bt tk 0 V=temper+273.15")
#: internal nodes worth probing (v(x1.x) for instance X1)
PROBES = (
    Probe("x", "V", "the lagged EMF: relaxes to the equilibrium EMF with time constant tau(T); "
          "starts at x0"),
    Probe("m", "V", "node behind the EMF source, before the film and charge-transfer "
          "resistance"),
)


def _comment(text: str) -> str:
    """Text safe inside a SPICE comment line: one line, printable ASCII."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]


def _defaults(dev) -> dict:
    out = {}
    for name, attr in SPICE_PARAMS.items():
        if attr is not None:
            out[name] = float(getattr(dev, attr))
    out["x0"] = dev.emf(400e-6, dev.t_op)
    out["po2"], out["ph2o"], out["px"] = 0.2095, 0.0, 0.0
    return out


def gas_sensor_subckt(dev, dialect: str = "ngspice") -> str:
    """Return the ``.subckt`` text for GasSensor ``dev`` (pins se ref lgp tk; see SPICE_PARAMS)."""
    if dialect != "ngspice":
        raise ParameterError("dialect", dialect, "'ngspice'")
    kb = fmt(k_B_eV)
    tt = f"max(v(tk),{fmt(T_MIN)})"
    d = _defaults(dev)
    params = " ".join(f"{k}={fmt(d[k])}" for k in SPICE_PARAMS)
    emf_eq = f"{{e0}}+{{de0}}*({tt}-{{tref}})-{{agas}}*{tt}*(v(lgp)-6)-{{o2t}}*{tt}-{{offx}}"
    itau = f"exp(-{{btau}}*(1/{tt}-{{itref}}))*{{itau0}}"
    r_ser = (f"{{rf0}}*exp({{bsig}}*(1/{tt}-{{itsig}}))"
             f"+{{rct0}}*exp({{bct}}*(1/{tt}-{{itref}}))")
    name = dev.subckt_name
    lines = [
        f"* lithispice gas sensor '{_comment(dev.name)}': equations of csrc/gas_sensor.h",
        f"* {_comment(dev.gas)} | {_comment(dev.sensing_electrode)} | "
        f"{_comment(dev.electrolyte)} | {_comment(dev.reference_electrode)}; units V, s, K, "
        "S/m, m, ohm m2, eV, bar",
        "* EMF = V(ref) - V(se); v(lgp) = log10(p_gas/1 ppm); v(tk) = temperature in K",
        f"* source: {_comment(dev.source)}",
        f".subckt {name} se ref lgp tk params: {params}",
        # s R ln(10)/(n F): EMF change per kelvin per unit of v(lgp)
        f".param agas={{ideal*{fmt(R * math.log(10.0) / F)}/nel}}",
        f".param o2t={{nuo2*{fmt(R / F)}*ln(max(po2,1e-30))}}",
        ".param offx={kh2o*log10(1+max(ph2o,0)/ph2o0)+kx*log10(1+max(px,0)/px0)}",
        ".param itau0={1/tau0}",
        f".param btau={{ea_tau/{kb}}}",
        ".param itref={1/tref}",
        ".param rf0={lfilm/(sig0*afilm)}",
        f".param bsig={{ea_sig/{kb}}}",
        ".param itsig={1/tsig}",
        ".param rct0={2*asrct/ael}",
        f".param bct={{ea_ct/{kb}}}",
        ".param gleak={sige*afilm/lfilm}",
        "Cx x 0 1",
        f"Rx x 0 {fmt(LEAK_STATE)}",
        f"Bx 0 x I=({emf_eq}-v(x))*{itau}",
        "Bemf m se V=v(x)",
        f"Bser m ref I=v(m,ref)/({r_ser})",
        "Bleak se ref I=v(se,ref)*{gleak}",
        ".ic v(x)={x0}",
        f".ends {name}",
    ]
    return "\n".join(lines) + "\n"
