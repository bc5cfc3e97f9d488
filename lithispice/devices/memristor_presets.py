"""Memristor presets: one per switching material of Zhu et al., Nat. Rev. Mater. 6, 313 (2021),
Table 3 (rows in lithispice/materials/data/table3_memristors.csv; ``table3_ref`` is the
review's reference number of the row a preset reproduces).

What the table gives: threshold voltage(s) and the Ron/Roff ratio. What it does not give, and
we therefore ASSUME for every preset (said again in each ``notes``):
  * r_on = 10 kohm (absolute resistance; the table reports only ratios);
  * t_switch = 1 us at the threshold, unless a switching time is cited;
  * nonlinearity V_th/V0 = 12: at half the threshold the rate is ~400x slower, at a tenth
    ~1e5x slower -- the usual "threshold" behaviour of field-driven ion hopping;
  * Ea = 0.45 eV for the switching rate (Li migration barriers in oxides 0.3-0.6 eV),
    retention time 1e7 s at 298 K with Ea_ret = 1.0 eV, relaxing to w_eq = 0.
Threshold pairs "a;b" are read as in lithispice.materials.switching: every signed pair of
Table 3 lists the negative (reset) polarity first, so the unsigned LLTO "1;4" is read the same
way: reset 1 V, set 4 V (polarity ASSUMED).
Ratios given as a range use the geometric mean of its ends.
Each preset lists these fields by name in ``assumed`` (a fit to measured data removes the
fields it fitted: lithispice.fit.memristor).
"""
from __future__ import annotations

import math

from .memristor import Memristor

REVIEW = "Zhu et al., Nat. Rev. Mater. 6, 313-331 (2021), Table 3"
_ASSUMED = ("ASSUMED (not in Table 3): r_on = 10 kohm, nonlinearity 12, Ea 0.45 eV, "
            "retention 1e7 s / 1.0 eV")


def _gm(lo: float, hi: float) -> float:
    return math.sqrt(lo * hi)


#: fields every preset assumes (module docstring): not in Table 3. window_p and v_nonlinear
#: are the model's defaults (F = 1-w, ohmic current), not measured either.
_ASSUMED_FIELDS = ("r_on", "nonlinearity_set", "nonlinearity_reset", "ea_switch",
                   "tau_retention", "ea_retention", "w_eq", "window_p", "v_nonlinear")


def _p(name, ref, *, v_set, v_reset, ratio, law, t_set=1e-6, t_reset=None, note="",
       assumed=(), **kw):
    t_reset = t_set if t_reset is None else t_reset
    cited_t = t_set != 1e-6 or "t_switch" in note
    extra = "" if cited_t else "; t_switch = 1 us assumed"
    fields = _ASSUMED_FIELDS + (() if cited_t else ("t_switch_set", "t_switch_reset"))
    if law == "percolation":            # threshold and exponent: the model's defaults
        fields += ("w_c", "t_perc")
    return Memristor(
        name=name, v_set=v_set, v_reset=v_reset, t_switch_set=t_set, t_switch_reset=t_reset,
        r_on=1e4, r_off=1e4 * ratio, law=law, table3_ref=ref,
        source=f"{REVIEW}, row ref. {ref}", notes=f"{_ASSUMED}{extra}. {note}".strip(),
        assumed=fields + tuple(assumed), **kw)


PRESETS: dict[str, Memristor] = {
    # 1D LiFePO4 (ref 38): V_th 3 V, ratio ~100; "switching below 50 ns" (review text).
    "LiFePO4": _p("LiFePO4", 38, v_set=3.0, v_reset=3.0, ratio=100.0, law="log",
                  t_set=50e-9, assumed=("v_reset",),
                  note="Single threshold used for both polarities (assumed symmetric); "
                  "t_switch = 50 ns from the review's 'switching below 50 ns'."),
    # LiCoO2 (ref 43): -3 V / +2.5 V, ratio 1e4-1e5; metal-insulator transition -> log law.
    "LiCoO2": _p("LiCoO2", 43, v_set=2.5, v_reset=3.0, ratio=_gm(1e4, 1e5), law="log",
                 note="LixCoO2 insulating x > 0.95, metallic x < 0.75: log (phase-fraction) law."),
    # LiNbOx (ref 200): -2.4 V / +1.5..2.2 V, ratio 180; homogeneous interfacial -> series law.
    "LiNbOx": _p("LiNbOx", 200, v_set=_gm(1.5, 2.2), v_reset=2.4, ratio=180.0, law="series",
                 note="Set threshold: geometric mean of the reported 1.5-2.2 V."),
    # LLTO (ref 26): "1;4" V, ratio 10-15; polaron hopping, no MIT -> series law.
    "LLTO": _p("LLTO", 26, v_set=4.0, v_reset=1.0, ratio=_gm(10.0, 15.0), law="series",
               assumed=("v_set", "v_reset"),
               note="Unsigned '1;4' read as reset 1 V, set 4 V (polarity assumed, as the "
               "table's signed pairs list the negative polarity first)."),
    # LiPON (ref 20): -35 V / +11 V, ratio not reported; filament formation -> percolation law.
    "LiPON": _p("LiPON", 20, v_set=11.0, v_reset=35.0, ratio=10.0, law="percolation",
                assumed=("r_off",),
                note="Ron/Roff not reported in Table 3: ratio 10 ASSUMED."),
    # LiFe5O8 (ref 131): 3 V, ratio 150; filament formation -> percolation law.
    "LiFe5O8": _p("LiFe5O8", 131, v_set=3.0, v_reset=3.0, ratio=150.0, law="percolation",
                  assumed=("v_reset",),
                  note="Single threshold used for both polarities (assumed symmetric)."),
    # Li4+3xTi5O12 (ref 44): 2-4 V, ratio 1e2-1e4; weight updates by 500 ms pulses (review text);
    # field-driven phase separation Li4Ti5O12 (insulating) / Li7Ti5O12 (metallic) -> log law.
    "Li4+3xTi5O12": _p("Li4+3xTi5O12", 44, v_set=_gm(2.0, 4.0), v_reset=_gm(2.0, 4.0),
                       ratio=1e3, law="log", t_set=0.5,
                       note="Threshold: geometric mean of 2-4 V; t_switch = 500 ms (review: weight "
                       "updates by 500-ms pulses). Li7-rich film: symmetric."),
}
