"""ngspice ``.subckt`` of the Li memristor: the equations of csrc/memristor.h, term by term.

State w lives on a 1 F capacitor (node ``w``; V(w) = w) charged by a B-source current equal
to dw/dt, with an ``.ic`` from the instance parameter ``w0`` and a 1e12 ohm leak so the
operating point is never singular (its 1e12 s time constant is far below anything simulated).
Every function is smooth or at worst has a continuous kink (``max(v,0)``): no u() steps, so
the simulator's step control never sees a discontinuity. Temperature enters as the instance
parameter ``tk`` (K) through ``.param`` Arrhenius factors, evaluated once per instance.
"""
from __future__ import annotations

import math

from ..constants import k_B_eV
from ..spice.names import fmt

_WC = "min(max(v(w),0),1)"  # clamped state, as ls_clamp in the kernel


def _window(x: str, p: float) -> str:
    return f"({x})" if p == 1.0 else f"pow({x},{fmt(p)})"


def conductance_expr(dev) -> str:
    """G(w) in siemens as an ngspice expression of v(w)."""
    g_on, g_off = 1.0 / dev.r_on, 1.0 / dev.r_off
    if dev.law == "log":
        return f"{fmt(g_off)}*exp({_WC}*{fmt(math.log(g_on / g_off))})"
    if dev.law == "series":
        return f"1/({_WC}*{fmt(dev.r_on)}+(1-{_WC})*{fmt(dev.r_off)})"
    # percolation
    s = f"max({_WC}-{fmt(dev.w_c)},0)/{fmt(1.0 - dev.w_c)}"
    return f"({fmt(g_off)}+{fmt(g_on - g_off)}*pow({s},{fmt(dev.t_perc)}))"


def memristor_subckt(dev, dialect: str = "ngspice") -> str:
    """Return the ``.subckt`` text for Memristor ``dev`` (pins p n; params w0, tk)."""
    if dialect != "ngspice":
        from ..errors import ParameterError
        raise ParameterError("dialect", dialect, "'ngspice' (other dialects: see models/)")
    kb = fmt(k_B_eV)
    tref = fmt(dev.t_ref)
    vpn = "v(p,n)"
    set_term = (f"{{ks}}*sinh(max({vpn},0)*{fmt(1.0 / dev.v0_set)})"
                f"*{_window('1-' + _WC, dev.window_p)}")
    reset_term = (f"{{kr}}*sinh(max(-{vpn},0)*{fmt(1.0 / dev.v0_reset)})"
                  f"*{_window(_WC, dev.window_p)}")
    rate = f"{set_term}-{reset_term}"
    if dev.tau_retention > 0:
        rate += f"-(v(w)-{fmt(dev.w_eq)})*{{itau}}"
    g = conductance_expr(dev)
    if dev.v_nonlinear == math.inf:
        current = f"{g}*{vpn}"
    else:
        vnl = fmt(dev.v_nonlinear)
        current = f"{g}*{vnl}*sinh({vpn}/{vnl})"
    lines = [
        f"* lithispice Li memristor '{_comment(dev.name)}': equations of csrc/memristor.h",
        f"* v_set={dev.v_set} V v_reset={dev.v_reset} V t_switch={dev.t_switch_set}/{dev.t_switch_reset} s "
        f"r_on={dev.r_on} ohm r_off={dev.r_off} ohm law={dev.law}",
        f"* source: {_comment(dev.source)}",
        f".subckt {dev.subckt_name} p n params: w0=0 tk={tref}",
        f".param ks={{{fmt(dev.k_set)}*exp(-{fmt(dev.ea_switch)}/{kb}*(1/tk-1/{tref}))}}",
        f".param kr={{{fmt(dev.k_reset)}*exp(-{fmt(dev.ea_switch)}/{kb}*(1/tk-1/{tref}))}}",
    ]
    if dev.tau_retention > 0:
        lines.append(f".param itau={{exp(-{fmt(dev.ea_retention)}/{kb}*(1/tk-1/{tref}))"
                     f"/{fmt(dev.tau_retention)}}}")
    lines += [
        "Cw w 0 1",
        "Rw w 0 1e12",
        f"Bw 0 w I={rate}",
        f"Bi p n I={current}",
        ".ic v(w)={w0}",
        f".ends {dev.subckt_name}",
    ]
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    """Text safe inside a SPICE comment line: one line, printable ASCII."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]
