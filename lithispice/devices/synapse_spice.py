"""ngspice ``.subckt`` of the three-terminal synapse: the equations of csrc/synapse.h, element
by element (DESIGN 3, electrochemical-element view).

Nodes (``v(x<inst>.<node>)`` from outside), internal reservoir::

    g --Bi(I = i2c v(sh))-- ri --Vmi(0 V ammeter, I = i(vmi))-- cm --Vcm(0 V)-- 0
    sn: s = asinh(I/i2c), the gate stack's unknown; Bs (current into sn) is the gate's KVL
        v(g) - (v(s)+v(d))/2 = U_r - U_c + R_ion I + vt2 s + vt2 asinh(I/i2r)
    sh = sinh(s) (continued linearly beyond |s| = S_LIN), so I = i2c v(sh)
    Fs, Fd: the ionic current leaves through S and D, half each (the channel's
        electrochemical potential is (V_S + V_D)/2)
    s --Bch: G(thc) v(s,d)-- d
    g --Rl1 (2 R_leak)-- s,  g --Rl2 (2 R_leak)-- d     (electrolyte electronic leak)
    thc: channel lithiation (FILM_F farads, charged by I/q_c through Rsc from the surface ths,
         which has its own small capacitor Csc to ground: TAU_SURFACE below)
         n_volumes > 1: ladder tc0..tc{n-1} (C_k = FILM_F dz_k / L, R_k = q_c / (F g_k
         FILM_F) ohm, Rtcs from ths to the outermost volume; electrochem.h part 4 scaled),
         thc = their weighted mean (B source, read-out); reservoir tr0.. likewise; Bch sums
         the layers' conductances (dz_k / L) G(v(tc_k)), as the kernel
    thr: reservoir lithiation (discharged by I/q_r through Rsr from its surface thrs, Csr)
    uc, ur: open-circuit potentials U_c(ths), U_r(thrs) (B voltage sources)
  External reservoir (unchanged, 1 F films, no surface capacitors)::

    ion --Vmi-- ri2 --Rion(T)-- ic --Bc(I = i2c sinh((v(ic) - phi_ch + U_c)/vt2))-- cm
  ion is the pin (wire it to a microbattery's ``ion``, g to its ``neg``): the battery's
  Li-metal anode is the reservoir and KCL conserves Li.

* State scaling: the lithiations live on capacitors of FILM_F farads fed by I FILM_F / q
  (q = F c_max A L in C per unit lithiation), so node voltage = lithiation exactly as in the
  kernel; the surface resistors are Rs = q/(F g_s FILM_F) so v(ths) = thc + I/(F g_s)
  (electrochem.h part 4, one volume). The node leaks (1e15 / FILM_F ohm) drain a film in
  1e15 s. FILM_F = 1e-6 F rather than 1 F: VACASK carries each .ic node's switch-branch
  flow as an unknown whose value at tiny steps is rounding of the node's C/h terms; with
  1 F it sat above abstol = 1e-20 A and VACASK stopped ("NR solver failed" at the flow
  ic_thc) once the surface capacitors forced short steps.
* Currents of 1e-18..1e-9 A: run with ``abstol`` ~1e-20 (the default 1e-12 A hides them).
* The Ramadass LiCoO2 fit keeps its pole guard (x clamped to [0.43, 1]); tables use pwl()
  with the x clamped to the table ends, as the kernel does. Neither bounds the lithiation:
  a gate held away from its rest potential keeps moving Li past thc = 0..1 (G saturates),
  in the kernel and the card alike (drive_notes).
* Gate stack in the kernel's Newton variable s (issue 12, item 5). The earlier chain of
  current-controlled voltage sources (eta = vt2 asinh(I/(2 i0 A)) on a 0 V ammeter's
  current) made Newton iterate on I; asinh is log-like, so from a voltage-driven gate at
  small currents (ECRAM near its 0.71 V rest) a Newton step crossed I = 0 and cycled, and
  ngspice -- which retries a rejected step from the LAST iterate (dctran.c/niiter.c keep
  rhsOld), not the last converged point -- stopped with "timestep too small, trouble with
  node x.ri" on a PULSE from 0 V (both presets, trap and gear). In s the Butler-Volmer
  terms are linear and the ohmic one convex (the kernel's own choice, csrc/synapse.c). The
  reservoir's asinh(I/i2r) is written as a function of v(sn), never of v(sh): Newton on a
  log in the current would come back. The earlier current form I = 2 i0 A sinh(eta/vt2)
  with a +-60 clamp stopped on forced gate currents (the clamp's zero slope); sinh(s)
  continued linearly beyond |s| = S_LIN = 12 (exact below 2 i0 A sinh(12) ~ 6.5 nA for
  the presets) keeps Newton's steps bounded there.
* The lumped surfaces th + I/(F g_s) are algebraic in I with a large lever (ECRAM's
  reservoir: 1.7e11 per A, the whole OCV domain within a few pA) and kinks where they reach
  the ends of the OCV data (the Ramadass fit's poles sit 0.004 beyond x = 1 and 0.007 below
  0.43: steep then flat). Newton across such a kink cycles too (the earlier KNOWN LIMIT:
  ECRAM with 0.1..10 aF at the gate, or voltage-driven). Each surface node therefore has a
  capacitor of TAU_SURFACE / R_s to ground: the surface relaxes to the kernel's value in
  TAU_SURFACE = 1 ns (far below every pulse the presets use; the kernel's surface is
  instantaneous), and when ngspice cuts a failing step below ~1 ns the surfaces are held
  near their last converged values by C/h, so the kink leaves Newton. The operating point
  holds the surfaces at the bulk (.ic v(ths)={thc0} v(thrs)={thr0}: films at rest before the
  drive), so it needs no gmin stepping (PySpice's shared ngspice treats that stderr note as
  an error). Measured against the kernel (tests/test_synapse_gate_drive.py): lithiation
  within 1e-3 of its movement for gate PULSEs from 0 V to -4 V and +1 V, a DC 0 V gate, a
  1 Gohm series resistor and +-3x the presets' current pulses, in ngspice and VACASK.
* Physically the surface of a lumped film used far beyond its steady-profile validity (1 us
  << L^2/D, csrc/synapse.h LIMIT) is an artefact; ``n_volumes=8, film_grading=10`` resolves
  the films (RC ladders above, the kernel's TR-BDF2 grids) for pulse waveforms and energies.
* Left out (also in the kernel): the electrolyte's geometric capacitance and double layers.
"""
from __future__ import annotations

from ..constants import F, R, k_B_eV
from ..spice.carddoc import TEMPERATURE_PARAM, TKE, Pin, Probe
from ..spice.names import fmt

NAME_PLACEHOLDER = "LSSNAMEPLACEHOLDER"

#: pin order and polarity, printed into every card's header (lithispice.spice.carddoc)
PINS = (
    Pin("s", "source: channel terminal; the channel conducts G(thc) v(s,d) between s and d"),
    Pin("d", "drain: the other channel terminal (the channel's ionic potential is "
        "(v(s)+v(d))/2)"),
    Pin("g", "gate (reservoir electrode): a current INTO g moves Li+ into the channel "
        "(thc rises, lithiation); out of g, delithiation"),
)
PIN_NOTE = ("ion  [external-reservoir cards only] the electrolyte's far ionic node: wire it to "
            "a microbattery's ion pin, g to its neg")
#: internal nodes worth probing (v(x1.thc) for instance X1)
PROBES = (
    Probe("thc", "1", "channel lithiation 0..1 (mean over the film); sets the conductance; "
          "starts at thc0"),
    Probe("ths", "1", "lithiation at the channel's electrolyte surface"),
    Probe("thr", "1", "reservoir lithiation 0..1; starts at thr0", "internal reservoir"),
    Probe("thrs", "1", "lithiation at the reservoir's surface", "internal reservoir"),
    Probe("uc", "V", "open-circuit potential of the channel at its surface"),
    Probe("ur", "V", "open-circuit potential of the reservoir at its surface",
          "internal reservoir"),
    Probe("tc0", "1", "lithiation of channel volume 0 (collector side; tc1.. towards the "
          "electrolyte)", "n_volumes > 1"),
)
_LEAK = "1e15"
#: Capacitance of a whole film, F per unit lithiation (node voltage = lithiation; the
#: film's resistors and injections are scaled with it). Small, so that VACASK's .ic branch
#: flows on the state nodes stay near its abstol at tiny steps (see the module doc).
FILM_F = 1e-6


def _film_cap(name: str, node: str, weight: float, farads: float) -> list:
    """A film's (or film volume's) state capacitor (``weight`` of the film's ``farads``)
    and its 1e15 s leak to ground."""
    if farads == 1.0:       # the external-reservoir card keeps its 1 F films verbatim
        return [f"C{name} {node} 0 {'1' if weight == 1.0 else fmt(weight)}",
                f"Rg{name} {node} 0 {_LEAK}"]
    return [f"C{name} {node} 0 {fmt(weight * farads)}", f"Rg{name} {node} 0 {fmt(1e15 / farads)}"]
#: Relaxation time of the film surfaces' regularising capacitors, s (see the module doc).
TAU_SURFACE = 1e-9


def _surface_cap(name: str, node: str, r_scaled: float) -> str:
    """``C<name> node 0``: tau_s / R_s farads on a film's surface node (the film itself is
    FILM_F farads; R_s the scaled surface resistor), so the surface relaxes to the kernel's
    th + I/(F g_s) in tau_s and each Newton solve sees it pinned by C/h near its last
    converged value. The Li it holds meanwhile is tau_s / (R_s FILM_F) ~1e-8 of the film's
    per unit of surface excursion (to ground, not across R_s: an .ic node needs its own
    capacitor to ground in the Xyce / LTspice cards)."""
    return f"C{name} {node} 0 {fmt(TAU_SURFACE / r_scaled)}"


# channel interface in current form, kept for the external reservoir (see the module doc)
_BC_CURRENT = "Bc ic cm I={i2c}*sinh(min(max((v(ic)-0.5*(v(s)+v(d))+v(uc))/{vt2},-60),60))"


#: |s| beyond which the gate stack's sinh(s) continues linearly (C1): exact up to
#: 2 i0 A sinh(12) (~6.5 nA for the presets), bounded Newton steps beyond.
S_LIN = 12


def _gate_stack_lines() -> list:
    """Gate stack of an internal reservoir as ONE implicit equation in the kernel's Newton
    variable s = asinh(I/(2 i0 A_c)) (node sn; csrc/synapse.c solves for s too):
    v(g) - (v(s)+v(d))/2 = U_r - U_c + R_ion I + vt2 s + vt2 asinh(I/(2 i0 A_r)),
    I = i2c sinh(s) the ionic current (gate -> channel, through Vmi). In s the
    Butler-Volmer terms are linear and the ohmic one convex, so Newton converges from a
    voltage-driven gate (0 V, 4 V off the rest potential) where Newton on I (the
    asinh voltage form) cycles: asinh is log-like, its Newton step crosses I = 0."""
    w = fmt(S_LIN)
    sat = f"min(max(v(sn),-{w}),{w})"
    sinh_s = f"sinh({sat})+cosh({w})*(v(sn)-{sat})"
    # the reservoir's asinh(I/i2r) is written in s, not in v(sh): Newton must not
    # linearise a log in the current
    return [
        "* gate stack: ionic current I = i2c sinh(s), s = v(sn) solved from the gate's KVL",
        f"Bsh sh 0 V={sinh_s}",
        "Bi g ri I={i2c}*v(sh)",
        "Vmi ri cm 0",
        "Bs 0 sn I=v(g)-0.5*(v(s)+v(d))-v(ur)+v(uc)-{rion*i2c}*v(sh)-{vt2}*v(sn)"
        f"-{{vt2}}*asinh({{i2c/i2r}}*({sinh_s}))",
        f"Rgs sn 0 {_LEAK}",
    ]


# the operating point starts from films at rest (surface = bulk): its Newton then sees
# constant OCVs, and the surfaces relax to the kernel's offset within TAU_SURFACE after
_SURFACE_IC = " v(ths)={thc0} v(thrs)={thr0}"


def rest_note(dev) -> str:
    """One line (no comment prefix): the gate's rest potential at the card's default
    lithiations and where it comes from (reservoir vs channel OCV, each vs Li/Li+)."""
    v0 = dev.rest_potential(dev.t_ref)
    u_c = -dev.replace(reservoir="external").rest_potential(dev.t_ref) if not dev.external \
        else -v0
    res = "Li metal: external" if dev.external else f"{dev.reservoir}, thr0={dev.theta_r0:g}"
    return (f"rest potential {v0:.3f} V = U_r - U_c = {v0 + u_c:.3f} V ({res}) - {u_c:.3f} V "
            f"({dev.channel}, thc0={dev.theta_c0:g}) at {dev.t_ref:g} K; a gate held there "
            "moves no Li")


def drive_notes(dev) -> tuple:
    """Lines (no comment prefix) on how to drive the gate of ``dev``'s card: its rest
    potential and the drive modes, with the device's numbers (for the card header)."""
    co = dev.coefficients(dev.t_ref)
    v0 = dev.rest_potential(dev.t_ref)
    return (
        "Gate drive (V_G = v(g) - (v(s)+v(d))/2; numbers at t_ref and thc0/thr0):",
        f"  {rest_note(dev)}.",
        f"  voltage: any other V_G moves Li at about (V_G - V_rest)/R_ion (R_ion = "
        f"{co['r_ion']:.3g} ohm)",
        "    plus the Butler-Volmer drops: above rest Li goes INTO the channel (thc rises),",
        f"    below rest out of it. A source starting at 0 V is a {-v0:+.3f} V step from rest: "
        "PULSE(0 ...)",
        "    drives Li from t = 0 (thc leaves 0..1 if held long enough). To keep a state, "
        "hold the gate at",
        f"    the rest potential; to program it, pulse from there: PULSE({v0:.3f} "
        f"{v0 + 0.5:.3f} ...).",
        f"  current: an ideal source into g moves I_G t / q_c of lithiation (q_c = "
        f"{co['qc']:.4g} C per unit thc);",
        "    the gate voltage follows (volts). floating: the state holds (electronic leak "
        f"{dev.r_leak:.3g} ohm only).",
        "  The OCVs are held at the ends of their data: Li keeps moving past thc = 0..1 "
        "(G saturates), as in",
        "    the kernel. Run with .options abstol=1e-20 (ionic currents of 1e-18..1e-9 A).",
    )


def _arr(ea: float, tref: float) -> str:
    if ea == 0:
        return "1"
    return f"exp(-{fmt(ea)}/{fmt(k_B_eV)}*(1/{TKE}-1/{fmt(tref)}))"


def _ocv_expr(material: str, node: str, out: str, tag: str) -> list:
    """Lines defining node ``out`` = U(v(node)) for a channel/reservoir material."""
    from .synapse import electrode_ocv
    kind, x0, x1, u0, xt, ut = electrode_ocv(material)
    lin = f"{fmt(x0)}+{fmt(x1 - x0)}*v({node})"
    if kind == "ramadass_licoo2":
        from .electrochem_spice import RAMADASS_DOMAIN, ramadass_licoo2_expr
        lo, hi = RAMADASS_DOMAIN
        return [f"Bx{tag} x{tag} 0 V=min(max({lin},{fmt(lo)}),{fmt(hi)})",
                f"By{tag} y{tag} 0 V=v(x{tag})*v(x{tag})",
                f"Bu{tag} {out} 0 V={ramadass_licoo2_expr(f'v(y{tag})')}"]
    if kind == "table":
        tab = ",".join(f"{fmt(a)},{fmt(u)}" for a, u in zip(xt, ut))
        return [f"Bu{tag} {out} 0 V=pwl(min(max({lin},{fmt(xt[0])}),{fmt(xt[-1])}),{tab})"]
    return [f"Vu{tag} {out} 0 {fmt(u0)}"]


def conductance_expr(dev, node: str = "thc") -> str:
    """G(v(node)) in S as an ngspice expression (csrc/synapse.h conductance law)."""
    co = dev.coefficients(dev.t_ref)
    from .synapse import electrode_ocv
    _, x0, x1, *_ = electrode_ocv(dev.channel)
    f = (f"min(max(({fmt(x0)}+{fmt(x1 - x0)}*v({node})-{fmt(dev.x_a)})/{fmt(dev.x_b - dev.x_a)},0),1)")
    if dev.g_law == "log":
        import math
        return f"{fmt(co['g_a'])}*exp({f}*{fmt(math.log(dev.sigma_b / dev.sigma_a))})"
    return f"({fmt(co['g_a'])}+{fmt(co['g_b'] - co['g_a'])}*{f})"


def _ladder(film, q: float, surface: str, prefix: str, inject: str,
            farads: float = 1.0) -> tuple[list, list]:
    """A multi-volume film as the RC ladder of electrochem.h part 4, scaled so that node
    voltage = lithiation with the injected current I/q: C_k = m_k/m_tot (F), R = R_real q
    (ohm, / fd for temperature), from the surface node through R_s to the outermost volume.
    ``inject``: the F-source line feeding the surface. Returns (lines, weights m_k/m_tot)."""
    C, Rk, Rs = film
    n = len(C)
    w = C / C.sum()
    lines = [inject, f"R{prefix}s {surface} {prefix}{n - 1} {{{fmt(Rs * q)}/fd}}"]
    if farads != 1.0:       # internal reservoir (see _film_cap)
        lines.append(_surface_cap(f"{prefix}s", surface, Rs * q))
    for k in range(n - 1):
        lines.append(f"R{prefix}{k} {prefix}{k} {prefix}{k + 1} {{{fmt(Rk[k] * q)}/fd}}")
    for k in range(n):
        lines += _film_cap(f"{prefix}{k}", f"{prefix}{k}", w[k], farads)
    return lines, w


def _params_list(dev) -> str:
    """``name=default`` of the instance parameters: names and order from the table
    (synapse_params.PARAMS); a row with a field defaults to the device's value (thc0 =
    theta_c0), the temperature to 0 = the circuit temperature (carddoc.TEMPERATURE_PARAM)."""
    from .synapse_params import PARAMS
    out = []
    for r in PARAMS.spice_rows():
        out.append(f"{r.spice}={'0' if r.temperature else fmt(getattr(dev, r.field))}")
    return " ".join(out)


def synapse_subckt(dev) -> str:
    """``.subckt`` text of Synapse ``dev`` named NAME_PLACEHOLDER."""
    co = dev.coefficients(dev.t_ref)
    ext = dev.external
    fi = _arr(dev.ea_i0, dev.t_ref)
    fd = _arr(dev.ea_D, dev.t_ref)
    # film capacitors of FILM_F farads (1 F, as before, on external-reservoir cards: the
    # array chip's voltage-driven gates run there, and the surface capacitors slowed it)
    kf = 1.0 if ext else FILM_F
    qc = co["qc"] / kf          # C per unit lithiation per farad of the film capacitor
    lines = [
        f"* lithispice synapse '{_comment(dev.name)}': equations of csrc/synapse.h",
        f"* channel {dev.channel} {dev.w_ch:g} x {dev.l_ch:g} x {dev.t_ch:g} m, electrolyte "
        f"{dev.el_thickness:g} m, reservoir {dev.reservoir}; I_G > 0 into g lithiates the channel",
        f"* source: {_comment(dev.source)}",
        *(f"* {line}" for line in drive_notes(dev)),
        f".subckt {NAME_PLACEHOLDER} {' '.join(dev.pins)} params: {_params_list(dev)}",
        TEMPERATURE_PARAM,
        f".param vt2={{{fmt(2.0 * R / F)}*{TKE}}}",
        f".param rion={{{fmt(co['r_ion'])}/{_arr(dev.ea_sigma, dev.t_ref_sigma)}}}",
        f".param i2c={{{fmt(co['i2c'])}*{fi}}}",
        f".param fd={{{fd}}}",
    ]
    if ext:
        lines += [
            "* electrolyte film and the channel interface (Butler-Volmer, OCV U_c at the surface)",
            "* external reservoir: the ionic pin",
            "Vmi ion ri2 0",
            "Rion ri2 ic {rion}",
            _BC_CURRENT,
        ]
    else:
        lines += [f".param i2r={{{fmt(co['i2r'])}*{fi}}}"] + _gate_stack_lines()
    lines += [
        "Vcm cm 0 0",
        "Fs 0 s Vcm 0.5",
        "Fd 0 d Vcm 0.5",
        f"Bch s d I={conductance_expr(dev)}*v(s,d)",
    ]
    fv = dev.n_volumes > 1
    if fv:
        from .._kernels import synapse_films
        films = synapse_films(dev._packed, dev.t_ref)
        lad_c, wc = _ladder(films[0], qc, "ths", "tc", f"Fc 0 ths Vmi {fmt(1.0 / qc)}", kf)
        # the film's layers conduct in parallel: G = sum_k (dz_k / t_ch) G(theta_k)
        gsum = "+".join(f"{fmt(wk)}*{conductance_expr(dev, f'tc{k}')}" for k, wk in enumerate(wc))
        lines[-1] = f"Bch s d I=({gsum})*v(s,d)"
    if dev.sigma_e > 0:
        lines += [f"Rl1 g s {fmt(2.0 * dev.r_leak)}", f"Rl2 g d {fmt(2.0 * dev.r_leak)}"]
    if fv:
        lines += [f"* channel film: {dev.n_volumes} finite volumes (node voltage = lithiation), "
                  "surface ths, mean thc (read-out)"] + lad_c
        lines.append("Bthc thc 0 V=" + "+".join(f"{fmt(wk)}*v(tc{k})" for k, wk in enumerate(wc)))
    else:
        lines += [
            "* channel lithiation (1 F, node voltage = lithiation) and its surface",
            f"Fc 0 ths Vmi {fmt(1.0 / qc)}",
            f"Rsc ths thc {{{fmt(co['rsc'] * qc)}/fd}}",
        ] + ([] if ext else [_surface_cap("sc", "ths", co["rsc"] * qc)])
        lines += _film_cap("c", "thc", 1.0, kf)
    lines += _ocv_expr(dev.channel, "ths", "uc", "c")
    ic_c = " ".join(f"v(tc{k})={{thc0}}" for k in range(dev.n_volumes)) if fv else "v(thc)={thc0}"
    if ext:
        ic_line = f".ic {ic_c}"
    else:
        qr = co["qr"] / kf
        lines += ["* reservoir lithiation (1 F, node voltage = lithiation) and its surface"]
        if fv:
            lad_r, wr = _ladder(films[1], qr, "thrs", "tr", f"Fr thrs 0 Vmi {fmt(1.0 / qr)}", kf)
            lines += lad_r
            lines.append("Bthr thr 0 V=" + "+".join(f"{fmt(wk)}*v(tr{k})" for k, wk in enumerate(wr)))
            ic_line = f".ic {ic_c} " + " ".join(f"v(tr{k})={{thr0}}" for k in range(dev.n_volumes))
            ic_line += _SURFACE_IC
        else:
            lines += [
                f"Fr thrs 0 Vmi {fmt(1.0 / qr)}",
                f"Rsr thrs thr {{{fmt(co['rsr'] * qr)}/fd}}",
                _surface_cap("sr", "thrs", co["rsr"] * qr),
            ] + _film_cap("r", "thr", 1.0, kf)
            ic_line = f".ic {ic_c} v(thr)={{thr0}}" + _SURFACE_IC
        lines += _ocv_expr(dev.reservoir, "thrs", "ur", "r")
    lines += [ic_line, f".ends {NAME_PLACEHOLDER}"]
    from .microbattery_spice import _wrap
    return "\n".join(_wrap(ln) for ln in lines) + "\n"


def _comment(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]
