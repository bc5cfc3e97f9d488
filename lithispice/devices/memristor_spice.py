"""ngspice ``.subckt`` of the Li memristor: the equations of csrc/memristor.h, term by term.

State w lives on a 1 F capacitor (node ``w``; V(w) = w) charged by a B-source current equal
to the switching part of dw/dt, with an ``.ic`` from the instance parameter ``w0``.
Every function is smooth or at worst has a continuous kink (``max(v,0)``): no u() steps, so
the simulator's step control never sees a discontinuity.

Why the subckt looks the way it does (measured in benchmarks/bench_crossbar_ngspice.py: the
B-source evaluations dominate ngspice's time in arrays, ~1-3 us each per Newton iteration):
  * the device voltage is copied to an internal node ``d`` by a linear VCCS into 1 ohm, so the
    B-sources depend on two unknowns (d, w) instead of three (p, n, w): ngspice builds and
    walks one derivative tree per controlling unknown;
  * retention, linear in w, is a resistor R = tau_ret(T) (ohm = s with C = 1 F): a free
    linear element instead of a B-source term; its source term w_eq/tau_ret is a constant
    added to Bw (no derivative work). Not a Norton current source: ngspice 39 cannot
    evaluate an I source whose value depends on ``temper`` (the circuit temperature, through
    ``tke``) -- "Undefined parameter [temper]" -- while R values and B-sources can. With
    retention off a 1e12 ohm leak keeps the operating point non-singular (1e12 s: beyond any
    simulation);
  * the parameter algebra (rate prefactors from V_th and t_switch, Arrhenius factors,
    conductances) is done once per instance in ``.param`` lines, not in every evaluation.

The physical parameters are subcircuit parameters with the preset's values as defaults, so a
model card user can override them per instance (``X1 a b lsm_LiCoO2_... ron=2e4 tk=350``).
They enter the B-source expressions through ``.param`` values that ngspice evaluates once per
instance, never per time step. Structural choices (conductance law, window exponent, ohmic or
sinh current) select the expression and are fixed per subckt.
"""
from __future__ import annotations

import math

from ..constants import k_B_eV
from ..errors import ParameterError
from ..spice.carddoc import TEMPERATURE_PARAM, TKE, Pin, Probe
from ..spice.names import fmt
from .memristor_params import PARAMS

_WC = "min(max(v(w),0),1)"  # clamped state, as ls_clamp in the kernel

#: instance parameter -> Memristor attribute (None: card-only, w0 and tk), in card order;
#: units and ranges are the rows of memristor_params.PARAMS
SPICE_PARAMS = PARAMS.spice_map()

#: pin order and polarity, printed into every card's header (lithispice.spice.carddoc)
PINS = (
    Pin("p", "positive terminal. v(p,n) > 0 SETs: above vset w rises towards 1 and R falls "
        "towards ron"),
    Pin("n", "negative terminal. v(p,n) < 0 RESETs: beyond -vreset w falls towards 0 and R "
        "rises towards roff"),
)
#: internal nodes worth probing (v(x1.w) for instance X1)
PROBES = (
    Probe("w", "1", "switching state, 0 (reset, R = roff) .. 1 (set, R = ron); starts at w0"),
    Probe("d", "V", "copy of v(p,n), the voltage the rate and the current are computed from"),
)


def _default(dev, name: str, attr) -> str:
    """Default of instance parameter ``name`` on ``dev``'s card, as written on the card."""
    if PARAMS.by_spice(name).temperature:
        return "0"              # 0: the circuit temperature (carddoc.TEMPERATURE_PARAM)
    if attr is None:
        return "0"              # the initial state w0: fully reset
    return fmt(getattr(dev, attr))


def _window(x: str, p: float) -> str:
    return f"({x})" if p == 1.0 else f"pow({x},{fmt(p)})"


def conductance_expr(law: str) -> str:
    """G(w) in siemens as an ngspice expression of v(w) and the .params goff, lnr, ron, roff."""
    if law == "log":
        return f"{{goff}}*exp({_WC}*{{lnr}})"
    if law == "series":
        return f"1/({_WC}*{{ron}}+(1-{_WC})*{{roff}})"
    s = f"max({_WC}-{{w_c}},0)/(1-{{w_c}})"
    return f"({{goff}}+({{gon}}-{{goff}})*pow({s},{{t_perc}}))"


def memristor_subckt(dev, dialect: str = "ngspice") -> str:
    """Return the ``.subckt`` text for Memristor ``dev`` (pins p n; see SPICE_PARAMS)."""
    from .memristor import _window_integral
    if dialect != "ngspice":
        raise ParameterError("dialect", dialect, "'ngspice' (other dialects: see models/)")
    kb, tref = fmt(k_B_eV), fmt(dev.t_ref)
    arr = f"exp(-ea/{kb}*(1/{TKE}-1/{tref}))"
    vpn = "v(d)"   # = v(p,n), see the module docstring
    # With p = 1 the rate is linear in w and pulls w back into [0, 1] by itself (the set term
    # changes sign above 1, the reset term below 0), so its clamp is dropped: it only cost
    # derivative-tree work. pow() of a negative base needs the clamp, so p != 1 keeps it.
    ws = "v(w)" if dev.window_p == 1.0 else _WC
    c2c = dev.sigma_vth_c2c > 0
    # cycle-to-cycle: the rates times exp(sig z), z held for tau_c2c (trrandom, ngspice's RNG)
    ms, mr = ("*exp({sigs}*v(zs))", "*exp({sigr}*v(zr))") if c2c else ("", "")
    rate = (f"{{ks}}{ms}*sinh(max({vpn},0)*{{iv0s}})*{_window('1-' + ws, dev.window_p)}"
            f"-{{kr}}{mr}*sinh(max(-{vpn},0)*{{iv0r}})*{_window(ws, dev.window_p)}")
    g = conductance_expr(dev.law)
    if dev.v_nonlinear == math.inf:
        current = f"{g}*{vpn}"
    else:
        vnl = fmt(dev.v_nonlinear)
        current = f"{g}*{vnl}*sinh({vpn}/{vnl})"
    defaults = " ".join(f"{k}={_default(dev, k, attr)}" for k, attr in SPICE_PARAMS.items())
    ip = fmt(_window_integral(dev.window_p))
    lines = [
        f"* lithispice Li memristor '{_comment(dev.name)}': equations of csrc/memristor.h",
        f"* law={dev.law} window_p={dev.window_p} v_nonlinear={dev.v_nonlinear}; "
        "units: V, s, ohm, K, eV; w0 = initial state (0..1), tk = temperature (K, 0: circuit's)",
        f"* source: {_comment(dev.source)}",
        f".subckt {dev.subckt_name} p n params: {defaults}",
        TEMPERATURE_PARAM,
        # rate prefactors from the threshold definition (memristor.py module docstring)
        f".param ks={{{ip}/(tsw_set*sinh(nl_set))*{arr}}}",
        f".param kr={{{ip}/(tsw_reset*sinh(nl_reset))*{arr}}}",
        ".param iv0s={nl_set/vset}",
        ".param iv0r={nl_reset/vreset}",
        ".param gon={1/ron}",
        ".param goff={1/roff}",
        ".param lnr={ln(roff/ron)}",
    ]
    if dev.tau_retention > 0:
        retention = [f".param tau_t={{tau_ret*exp(ea_ret/{kb}*(1/{TKE}-1/{tref}))}}",
                     "Rret w 0 {tau_t}"]
        rate += "+{w_eq/tau_t}"       # retention's source term (module doc: not an I source)
    else:
        retention = ["Rw w 0 1e12"]
    if c2c:
        tau = fmt(dev.tau_c2c)
        lines += [
            f"* cycle-to-cycle: sigma_Vth {fmt(dev.sigma_vth_c2c)} V, a draw every {tau} s "
            "(.options seed=N for a reproducible run)",
            f".param sigs={{{fmt(dev.sigma_vth_c2c)}*iv0s}}",
            f".param sigr={{{fmt(dev.sigma_vth_c2c)}*iv0r}}",
            f"Vzs zs 0 dc 0 trrandom(2 {tau} 0 1 0)",
            f"Vzr zr 0 dc 0 trrandom(2 {tau} 0 1 0)",
        ]
    lines += retention + [
        "Gd 0 d p n 1",
        "Rd d 0 1",
        "Cw w 0 1",
        f"Bw 0 w I={rate}",
        f"Bi p n I={current}",
        ".ic v(w)={w0}",
        f".ends {dev.subckt_name}",
    ]
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    """Text safe inside a SPICE comment line: one line, printable ASCII."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]
