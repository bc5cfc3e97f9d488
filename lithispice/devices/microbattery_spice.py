"""ngspice ``.subckt`` of the thin-film microbattery: the equations of csrc/microbattery.h, element
by element, in the electrochemical-element view of DESIGN 3.

Nodes (``v(x<inst>.<node>)`` from outside)::

    neg --Ba(anode: I = 2 i0 A v(ia))-- ion --Rion(T)-- ic --Bc(BV cathode) || Cdl-- cx
        --Bu(OCV)-- pos
    pos --Rleak-- neg                                     (electronic leak: self-discharge)
    ths --Rs-- t{n-1} --R-- ... --R-- t0,  Ck from every tk to ground   (cathode film ladder)
    Bf: the cathode's faradaic current (the Bc expression) injected into ths
    ia: the anode current in units of 2 i0 A (Bia: the node equation eta = f(I), see below)
    qa: Li out of the anode since t = 0, C (1 F capacitor fed by the anode's Li current)
    qc: Li through the cell's own electrolyte since t = 0, C (1 F, fed by the Rion current):
        the cell's self-discharge through its electronic leak and whatever charged its pos net
    li: Li-metal inventory, C: qli0 - v(qa) (a read-out)
    soc: 1 - mean lithiation of the ladder (a read-out, V = 1)

* Ladder: node voltage = lithiation theta_k; C_k = F c_max A dz_k soh (farads), R_k = 1/(F g_k)
  / (f_D(T) soh) (ohms), exactly the kernel's finite volumes (``Microbattery.n_volumes``, same grid).
* The cathode's Butler-Volmer element is a current source i = 2 i0 A sinh(eta / (2RT/F)) of the
  voltage across it. The anode's is the same law solved for eta, as the kernel writes it:
  eta = (2RT/F) asinh(I / (2 i0 A)) (see "Exhausted anode" for the full law), with the current
  I = 2 i0 A v(ia) a node variable: Ba injects it, Bia holds v(ia) where G (eta - f(I)) = 0.
  Like a voltage source driven by an ammeter (the synapse's interfaces) this keeps Newton on a
  log-like law, which an emptying anode needs, but without a branch current: with a 0 V
  ammeter the 1 cm2 cell's array chip stopped ngspice in 17 of 18 (size, seed) cases, with the
  node form and G = 1e-9 S in none of 30 (2 x 2 .. 8 x 8, seeds 1-6; 16 x 16 runs too; with
  G = 1 S or 1e-6 S: 7 and 14 of 18; the sinh current source of before: 9 of 18 and 8 of 12).
  G only scales the row, i.e. ngspice's pivot choice; it was chosen by that measurement.
  The OCV is a B voltage source of the surface lithiation (the Ramadass rational fit with its
  clamp x in [0.43, 1], or ``pwl()`` with the table ends clamped: ngspice's pwl() extrapolates).
* Temperature: instance parameter ``tk`` (K; 0, the default: the circuit temperature, through
  ``tke``, lithispice.spice.carddoc) -> Arrhenius factors of sigma, D and both i0, and the
  table OCV's dU/dT; evaluated once per instance.
* Initial state: ``soc0`` via ``.ic`` on every ladder node (the operating point then holds them
  there), Li inventory ``qli0`` (C; < 0: the full-charge inventory minus (1 - soc0) Q soh), ``soh``
  scales the active cathode (capacitances, ladder conductances, i0 A and C_dl), as in the kernel.
  ngspice's operating point puts the double layer at the steady state of the t = 0 current; the
  kernel starts it relaxed. Start stimuli at zero current (or run with ``uic``) for them to agree.
* Ladder nodes, ``ia``, ``qa`` and ``qc`` have a 1e15 ohm leak to ground so no node is
  DC-floating; it draws ~1e-15 A.
* Charge counters start at 0 (``.ic``), so a move of 1e-13 C is resolved to double precision
  whatever the inventory (2 C in a 1 cm2 cell, where ``li`` itself resolves only ~5e-16 C): a
  chip's Li balance reads ``v(qa)`` (Li out of the anode) and ``v(qc)`` (Li into the cell's own
  path), integrated by the simulator like every other state. qc, not an integral of the leak
  current pos-neg: that current reaches the anode through the cathode's double layer, and in
  ngspice the 1e-5 F of a 1 cm2 cell carries the Newton residue of its voltage into such a sum
  (4e-6 of a 3 x 3 array's channel charge; qc, fed at the ion node where KCL holds, 6e-8).
* Exhausted anode (issue 11, item 14). The kernel stops with ``anode_empty`` at li = 0; the
  SPICE form carries on past it, so the anode must stop delivering there. Butler-Volmer with the
  Li metal's activity a (stripping ~ a e^x, plating ~ e^-x, x = eta/(2RT/F)) plus a side
  reaction SIDE_REACTION_V above Li (current-collector dissolution, exchange current as Li's;
  ASSUMED) gives I = i0 A ((a + e^-es) e^x - e^-x), es = SIDE_REACTION_V / (2RT/F), i.e.
  eta = (2RT/F) (asinh(I e^(ax/2) / (2 i0 A)) + ax/2) with ax = ln(1/(a + e^-es)) (a soft
  minimum of ln(1/a) and es). a = 1/(1 + exp(300 tanh(z/300))), z = c - li/w (the tanh only
  bounds the exponent), w = EXHAUSTION_WIDTH x the capacity, c = EXHAUSTION_OFFSET: ax < 1e-26
  (the kernel's equation to double precision) while li > 2e-6 of the capacity; the anode then
  empties over li ~ 2e-6 .. 1e-7 of the capacity, its overpotential rises to ~SIDE_REACTION_V
  and the terminal voltage collapses (4 V -> 0.4 .. 0.9 V under load), 3e-6 of the discharge
  time before the kernel's ``anode_empty``. What a load still forces through the anode is then
  the side reaction's share, I - i0 A e^(x - es) is Li (``Bqa``), so ``li`` stays at ~0; at rest
  the emptied anode sits (RT/F) ln(1/a) ~ 1.75 V above Li. Plating is not scaled: an emptied
  anode can be recharged. Measured (1e-8 m2 LiPON | LiCoO2 | Li cell holding 0.2 of its
  capacity as Li, 0.2C, 1C and 5C past exhaustion, BatteryCycler or a resistor, both engines):
  li >= -2.1e-7 of the capacity; with the cycler the voltage falls below 2 V within 4.3e-6 of
  the kernel's anode_empty time. A CC load with a 50 mV compliance knee at 1 V stops ngspice at
  5C and lets its BDF2 step overshoot li to -5.4e-6 of the capacity at 0.2C (VACASK: -6e-8).
  Tried and dropped: the sinh current source with the exchange current scaled by a (Newton
  must climb ~65 units of x in one step: both engines stop at the collapse, with or without an
  anode double layer); a logistic activity with min/max in its softplus (ngspice stalled);
  ax as a node of its own (VACASK's homotopy: NaN).
* ``reservoir_pin``: the anode's ionic node ``ion`` is a third pin. A synapse (or anything) drawing
  ionic current from it takes Li from this anode: ``qa`` and ``li`` count every coulomb through
  Ba.
  Wiring for issue 4: the synapse electrolyte's far ionic node to ``ion``, its gate (electronic)
  to ``neg``; KCL then conserves Li (tests: the reservoir test in tests/test_microbattery.py).
* Lumped export: ``Microbattery.lumped()`` (one volume, surface resistance L/(3 D c_max A)), the
  same model in kernel and SPICE.
* Not in the subcircuit: the kernel's events (cut-offs, cathode saturated: watch ``v(x.ths)``
  or drive the cell with :class:`BatteryCycler`; an exhausted anode is modelled, see above, and
  shows as ``v(x.li)`` ~ 0), capacity fade (give the faded state as
  ``soh``) and the electrolyte's geometric capacitance (~nF; with R_ion a microsecond time
  constant, omitted in the kernel too).
"""
from __future__ import annotations

from ..constants import F, R, k_B_eV
from ..errors import ParameterError
from ..spice.carddoc import TEMPERATURE_PARAM, TKE, Pin, Probe
from ..spice.names import fmt

_LEAK = "1e15"    # ohm, node-to-ground leak of the state nodes (see module doc)
#: Exhausted anode (module doc): the Li metal's activity is a = 1/(1 + exp(c - li/w)) with
#: w = EXHAUSTION_WIDTH * capacity and c = EXHAUSTION_OFFSET; the anode's overpotential is
#: bounded by a side reaction SIDE_REACTION_V (V) above Li (current-collector dissolution).
EXHAUSTION_WIDTH = 2e-8
EXHAUSTION_OFFSET = 80.0
SIDE_REACTION_V = 3.5
#: S, scale of the node equation of ia, G (eta - f(I)) = 0 (module doc: measured choice)
_G_IA = 1e-9
#: Stands for the subcircuit name while the text is hashed into that name (Microbattery._spice).
NAME_PLACEHOLDER = "LSBNAMEPLACEHOLDER"

#: pin order and polarity, printed into every card's header (lithispice.spice.carddoc)
PINS = (
    Pin("pos", "cathode (+). Current into pos CHARGES the cell (Li back to the anode, soc "
        "rises); current out of pos through a load discharges it"),
    Pin("neg", "Li-metal anode (-); v(pos,neg) is the cell voltage"),
)
PIN_NOTE = ("ion  [reservoir-pin cards only] the anode's ionic node: current drawn from it "
            "(e.g. a synapse's electrolyte) takes Li from this anode")
#: internal nodes worth probing (v(x1.soc) for instance X1)
PROBES = (
    Probe("soc", "1", "state of charge 0..1 (1 = charged): 1 - mean cathode lithiation "
          "(read-out)"),
    Probe("li", "C", "Li-metal inventory left in the anode, coulombs (~0: anode exhausted)"),
    Probe("qa", "C", "Li charge that left the anode since t = 0 (counter, starts at 0)"),
    Probe("qc", "C", "Li charge through the cell's own electrolyte since t = 0 (counter)"),
    Probe("ths", "1", "cathode lithiation at the electrolyte surface (OCV is read there; "
          "near 1 = cathode saturated)"),
    Probe("t0", "1", "lithiation of cathode volume 0 (current-collector side; t1.. towards "
          "the surface)"),
    Probe("ion", "V", "ionic potential between the anode interface and the electrolyte film"),
)


def _arr(ea: float, tref: float) -> str:
    """Arrhenius factor exp(-Ea/kB (1/tke - 1/tref)) as an ngspice expression of tke (the
    temperature the card uses, K: carddoc.TEMPERATURE_PARAM)."""
    if ea == 0:
        return "1"
    return f"exp(-{fmt(ea)}/{fmt(k_B_eV)}*(1/{TKE}-1/{fmt(tref)}))"


def _ocv_lines(b) -> list[str]:
    """Nodes xs (stoichiometry, clamped) [y2] and the OCV source Bu pos cx."""
    from .microbattery import _ocv_spec
    kind, x0, x1, u0, xt, ut, dt, ttab = _ocv_spec(b.cathode)
    lin = f"{fmt(x0)}+{fmt(x1 - x0)}*v(ths)"
    if kind == "ramadass_licoo2":
        from .electrochem_spice import RAMADASS_DOMAIN, ramadass_licoo2_expr
        lo, hi = RAMADASS_DOMAIN
        return [
            "* cathode OCV: Ramadass et al. 2004 rational fit in x^2, x clamped to its pole-free domain",
            f"Bx xs 0 V=min(max({lin},{fmt(lo)}),{fmt(hi)})",
            "By y2 0 V=v(xs)*v(xs)",
            f"Bu pos cx V={ramadass_licoo2_expr('v(y2)')}",
        ]
    if kind == "table":
        tab_u = ",".join(f"{fmt(a)},{fmt(u)}" for a, u in zip(xt, ut))
        tab_d = ",".join(f"{fmt(a)},{fmt(d)}" for a, d in zip(xt, dt))
        return [
            "* cathode OCV: table, linear interpolation, x clamped to the table (pwl extrapolates)",
            f"Bx xs 0 V=min(max({lin},{fmt(xt[0])}),{fmt(xt[-1])})",
            # T - T_table as a .param, and first in the expression: ngspice 39 fails to
            # substitute a temper-dependent .param (tke, the circuit temperature) that
            # follows a pwl() in a B-source ("Undefined parameter [temper]")
            f".param dtk={{{TKE}-{fmt(ttab)}}}",
            f"Bu pos cx V={{dtk}}*pwl(v(xs),{tab_d})+pwl(v(xs),{tab_u})",
        ]
    return ["* cathode OCV: flat plateau", f"Bu pos cx V={fmt(u0)}"]


def _params_list(b) -> str:
    """``name=default`` of the instance parameters: names and order from the table
    (microbattery_params.PARAMS), defaults here (the card starts charged, at t_ref, unfaded,
    with the Li inventory derived: qli0 < 0)."""
    from .microbattery_params import PARAMS
    defaults = {"soc0": "1", "tk": "0", "soh": "1", "qli0": "-1"}   # tk 0: circuit's T
    return " ".join(f"{r.spice}={defaults[r.spice]}" for r in PARAMS.spice_rows())


def microbattery_subckt(b) -> str:
    """The ``.subckt`` text for Microbattery ``b`` (pins pos neg [ion]; params: the table's
    instance parameters), named NAME_PLACEHOLDER (``b.subckt()`` substitutes the hashed name)."""
    from .._kernels import battery_ladder
    C, Rk, Rs = battery_ladder(b._packed, b.t_ref)
    n = len(C)
    co = b.coefficients(b.t_ref)
    vt2 = 2.0 * R / F                      # 2RT/F per kelvin, as the kernel computes it
    name = NAME_PLACEHOLDER
    pins = " ".join(b.pins)
    fd = _arr(b.ea_D, b.t_ref)
    q0 = b.capacity_C
    anode = _anode(q0)
    lines = [
        f"* lithispice microbattery '{_comment(b.name)}': equations of csrc/microbattery.h",
        f"* cathode {_comment(b.cathode)} {b.cathode_thickness:g} m, electrolyte "
        f"{b.electrolyte_thickness:g} m, Li {b.anode_thickness:g} m, area {b.area:g} m2, "
        f"capacity {b.capacity_Ah:.6g} Ah, {n} volumes",
        f"* source: {_comment(b.source)}",
        f".subckt {name} {pins} params: {_params_list(b)}",
        TEMPERATURE_PARAM,
        f".param vt2={{{fmt(vt2)}*{TKE}}}",
        f".param fd={{{fd}}}",
        f".param rion={{{fmt(co['r_ion'])}/{_arr(b.ea_sigma, b.t_ref_sigma)}}}",
        f".param i2c={{{fmt(2.0 * b.i0_cathode * b.area)}*soh*{_arr(b.ea_i0_cathode, b.t_ref)}}}",
        f".param i2a={{{fmt(2.0 * b.i0_anode * b.area)}*{_arr(b.ea_i0_anode, b.t_ref)}}}",
        f".param qli={{qli0>=0 ? qli0 : {fmt(b.anode_inventory_C)}-(1-soc0)*{fmt(q0)}*soh}}",
        anode[2],
        "* anode: Li metal | electrolyte (Butler-Volmer; stripping scaled by the remaining Li),",
        "* electrolyte film, cathode interface",
        *anode[0],
        "Rion ion ic {rion}",
        f"Bc ic cx I={{i2c}}*{_sinh('v(ic,cx)')}",
    ]
    if b.c_dl > 0:
        lines.append(f"Cdl ic cx {{{fmt(b.c_dl * b.area)}*soh}}")
    lines += _ocv_lines(b)
    if b.sigma_e > 0:
        lines.append(f"Rleak pos neg {fmt(b.r_leak)}")
    lines += [
        "* cathode film: finite volumes as an RC ladder, node voltage = lithiation",
        f"Bf 0 ths I={{i2c}}*{_sinh('v(ic,cx)')}",
        f"Rs ths t{n - 1} {{{fmt(Rs)}/(fd*soh)}}",
    ]
    for k in range(n - 1):
        lines.append(f"R{k} t{k} t{k + 1} {{{fmt(Rk[k])}/(fd*soh)}}")
    for k in range(n):
        lines.append(f"C{k} t{k} 0 {{{fmt(C[k])}*soh}}")
        lines.append(f"Rg{k} t{k} 0 {_LEAK}")
    csum = float(sum(C))
    soc_terms = "+".join(f"{fmt(C[k] / csum)}*v(t{k})" for k in range(n))
    lines += [
        "* charge counters from t = 0 (C): Li out of the anode, Li through the cell's own",
        "* electrolyte; Li-metal inventory (C); state of charge",
        "Cqa qa 0 1",
        f"Rgqa qa 0 {_LEAK}",
        anode[1],
        "Cqc qc 0 1",
        f"Rgqc qc 0 {_LEAK}",
        "Bqc 0 qc I=v(ion,ic)/{rion}",
        "Bli li 0 V={qli}-v(qa)",
        f"Bsoc soc 0 V=1-({soc_terms})",
        ".ic " + " ".join(f"v(t{k})={{1-soc0}}" for k in range(n)) + " v(qa)=0 v(qc)=0",
        f".ends {name}",
    ]
    return "\n".join(_wrap(ln) for ln in lines) + "\n"


def _anode(q0: float) -> tuple[list[str], str, str]:
    """The Li-metal anode (module doc): (its elements: the current source Ba = 2 i0 A v(ia),
    the node equation Bia that makes v(ia) the current solving eta = f(I), the leak of ia; the
    Li counter Bqa; the .param line of es). ax = ln(1/(a + e^-es)) is written inline as a
    function of li that stays bounded for ANY li, so a wild Newton iterate meets finite
    values: the exponent is 300 tanh(z/300), hence ax in [-e^-es, es] (as a node of its own,
    ax was an unknown: VACASK's homotopy sent it where exp(-ax) overflows, NaN). Only smooth
    functions of li (with min/max/abs in a softplus, ngspice's Newton stalled on the 1C
    discharge of a 1 cm2 cell while ax was 0)."""
    z = f"{fmt(EXHAUSTION_OFFSET)}-v(li)/{fmt(EXHAUSTION_WIDTH * q0)}"
    ax = f"(-ln(1/(1+exp(300*tanh(({z})/300)))+exp(-{{es}})))"
    return ([
        "Ba neg ion I={i2a}*v(ia)",
        f"Bia 0 ia I={fmt(_G_IA)}*(v(neg,ion)-{{vt2}}*(asinh(v(ia)*exp(0.5*{ax}))+0.5*{ax}))",
        f"Ria ia 0 {_LEAK}",
    ], f"Bqa 0 qa I={{i2a}}*(v(ia)-0.5*exp({ax}-{{es}})*(v(ia)+sqrt(v(ia)*v(ia)+exp(-{ax}))))",
        f".param es={{{fmt(SIDE_REACTION_V)}/vt2}}")


def _sinh(eta: str) -> str:
    """sinh(eta/vt2) with the argument clamped to +-60 (3 V of overpotential at 300 K, far
    beyond any solution; the kernel never gets there): a wild Newton iterate of a large deck
    then meets a steep but finite element instead of a floating-point overflow."""
    return f"sinh(min(max({eta}/{{vt2}},-60),60))"


def _wrap(line: str, width: int = 200) -> str:
    """Long expression lines are split on '+' continuation lines at safe points (after a
    comma or an operator), so decks stay readable and under any line-length limit."""
    if len(line) <= width or line.startswith("*"):
        return line
    out, cur = [], ""
    for tok in _tokens(line):
        if len(cur) + len(tok) > width and cur:
            out.append(cur.rstrip())
            cur = "+ " + tok
        else:
            cur += tok
    out.append(cur)
    return "\n".join(out)


def _tokens(line: str):
    """Split after spaces and commas (safe break points in ngspice expressions)."""
    tok = ""
    for ch in line:
        tok += ch
        if ch in " ,":
            yield tok
            tok = ""
    if tok:
        yield tok


def _comment(text: str) -> str:
    """Text safe inside a SPICE comment line: one line, printable ASCII."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]


# ------------------------------------------------------------------------------------------
# A behavioural battery cycler (test-bench instrument) for SPICE decks
# ------------------------------------------------------------------------------------------

from dataclasses import dataclass  # noqa: E402


@dataclass(frozen=True)
class BatteryCycler:
    """A battery cycler as an ngspice subcircuit: CC discharge to ``v_lo``, rest ``t_rest``,
    CC-CV charge at ``i_chg`` to ``v_hi`` until the current tapers to ``i_taper``, then open
    circuit. Pins ``pos neg`` go to the battery's terminals; the cycler draws the current
    (> 0 discharges the battery).

    The switching is behavioural and smooth (no u() steps): each phase end sets a latch, a
    1 F capacitor charged by k (1 - latch) s(x), s = (1 + tanh(x/w))/2, so the latch rises within
    ~1/k seconds once its condition holds and then stays set. The CV phase is the charger's
    own loop: the charging current is min(i_chg, g_cv (v_hi - V)), so the voltage settles at
    v_hi - i/g_cv (g_cv = 1 S: 0.1 mV at 0.1 mA). Latch nodes ``d`` (discharge done), ``c``
    (charge done), rest timer ``tr`` (s since d) and charge enable ``e`` can be read as
    ``v(x<inst>.d)`` etc. Units: A, V, s, S; ``w_v`` V and ``w_i`` (relative) are the
    smoothing widths of the voltage and taper conditions, ``k`` 1/s the latch rate.
    """
    i_dis: float
    i_chg: float
    v_lo: float
    v_hi: float
    i_taper: float
    t_rest: float = 600.0
    g_cv: float = 1.0
    w_v: float = 2e-3
    w_i: float = 0.05
    k: float = 20.0
    k_taper: float = 0.01
    name: str = "cycler"

    def __post_init__(self):
        from .microbattery import _check
        _check("i_dis", self.i_dis, 0, lo_open=True, unit="A")
        _check("i_chg", self.i_chg, 0, lo_open=True, unit="A")
        _check("v_lo", self.v_lo, 0, 10, unit="V")
        _check("v_hi", self.v_hi, 0, 10, unit="V")
        if not self.v_hi > self.v_lo:
            raise ParameterError("v_hi", self.v_hi, f"> v_lo = {self.v_lo} V")
        _check("i_taper", self.i_taper, 0, self.i_chg, lo_open=True, unit="A")
        _check("t_rest", self.t_rest, 0, 1e9, unit="s")
        _check("g_cv", self.g_cv, 0, 1e6, lo_open=True, unit="S")
        _check("w_v", self.w_v, 0, 1, lo_open=True, unit="V")
        _check("w_i", self.w_i, 0, 1, lo_open=True)
        _check("k", self.k, 0, 1e9, lo_open=True, unit="1/s")
        _check("k_taper", self.k_taper, 0, 1e9, lo_open=True, unit="1/s")

    pins = ("pos", "neg")
    dc_paths: tuple = ()
    instance_params: tuple = ()

    @property
    def subckt_name(self) -> str:
        import hashlib
        h = hashlib.sha1(repr(tuple(getattr(self, f) for f in self.__dataclass_fields__)).encode())
        return f"lsbcyc_{h.hexdigest()[:8]}"

    def subckt(self) -> str:
        name = self.subckt_name
        vb = "v(pos,neg)"
        s = lambda x, w: f"0.5*(1+tanh(({x})/{w}))"   # noqa: E731
        # sharp switch of a latch at 0.5: the load changes only once a latch is past half way,
        # and from there the latch completes on its own (positive feedback), so the change of
        # current it causes (the voltage recovers) cannot stall it half-set
        sw = lambda x: s(f"v({x})-0.5", "0.02")        # noqa: E731
        hold = lambda x: s(f"v({x})-0.3", "0.02")      # noqa: E731
        ich = f"min({fmt(self.i_chg)},max({fmt(self.g_cv)}*({fmt(self.v_hi)}-{vb}),0))"

        def latch(x, cond, k):
            # sets while cond holds; past 0.3 it holds itself and completes (the load switches
            # at 0.5, later); below 0.3 it relaxes back while cond is false, so Newton
            # iterates that wrongly see cond leave no debris
            return (f"{fmt(k)}*((1-v({x}))*max({cond},{hold(x)})"
                    f"-v({x})*(1-({cond}))*(1-{hold(x)}))")

        lines = [
            f"* lithispice battery cycler: CC {self.i_dis} A to {self.v_lo} V, rest {self.t_rest} s, "
            f"CC-CV {self.i_chg} A to {self.v_hi} V until {self.i_taper} A",
            f".subckt {name} pos neg",
            "* latch d: discharge reached v_lo",
            "Cd d 0 1",
            "Rd d 0 1e12",
            f"Bd 0 d I={latch('d', s(f'{fmt(self.v_lo)}-{vb}', fmt(self.w_v)), self.k)}",
            "* rest timer (s since d) and charge enable e",
            "Ctr tr 0 1",
            "Rtr tr 0 1e12",
            f"Btr 0 tr I={sw('d')}",
            f"Be e 0 V={s(f'v(tr)-{fmt(self.t_rest)}', '1')}",
            "* latch c: the CV current tapered to i_taper",
            "Cc c 0 1",
            "Rc c 0 1e12",
            f"Bc 0 c I={latch('c', 'v(e)*' + s(f'{fmt(self.i_taper)}-{ich}', fmt(self.w_i * self.i_taper)), self.k_taper)}",
            "* the cycler's current (> 0 discharges the battery between pos and neg)",
            # the enable scales the charger's current limit, not its output: switching off then
            # moves the charger from CV into a shrinking CC limit, never back and forth
            f"Bload pos neg I={fmt(self.i_dis)}*(1-{sw('d')})-min(v(e)*(1-{sw('c')})*{fmt(self.i_chg)},"
            f"max({fmt(self.g_cv)}*({fmt(self.v_hi)}-{vb}),0))",
            ".ic v(d)=0 v(tr)=0 v(c)=0",
            f".ends {name}",
        ]
        return "\n".join(lines) + "\n"
