"""Gas sensor presets: "<gas>-<sensing electrode>-<electrolyte>".

Sources (read as abstracts through the project's search tool unless said otherwise):

[ZHU21]  Y. Zhu et al., "Lithium-film ceramics for solid-state lithionic devices", Nat. Rev.
         Mater. 6, 313-331 (2021): type-III sensors on LiPON / Li3PO4 below 500 C; Ta-LLZO
         pellet CO2 sensor responding in < 60 s at ~320 C; NOx sensors ~200 C
         (shared/reference/seed_facts.md).
[ION14]  "Potentiometric carbon dioxide sensor based on thin Li3PO4 electrolyte and Li2CO3
         sensing electrode", Ionics 20, 563-569 (2014), doi:10.1007/s11581-013-1013-z:
         sputtered Li3PO4 film 2.15e-6 S/cm at 500 C, Ea 0.97 eV (lithispice.materials
         "Li3PO4"); Li2TiO3+TiO2 reference; 78.2 mV/decade for 5-20 % CO2 at 500 C (theory 76.6).
[NOH05]  W. S. Noh, L. Satyanarayana, J. S. Park, "Potentiometric CO2 sensor using Li-ion
         conducting Li3PO4 thin film electrolyte", Sensors 5, 465-472 (2005),
         doi:10.3390/s5110465: Li2TiO3-TiO2 | Li3PO4 (0.3-1.2 um) | Li2CO3, 3 x 3 mm sensor with
         1 x 1.5 mm electrodes; -61 mV/decade for 250-5000 ppm at 500 C, ~80 % of theory.
[WAN12]  H. Wang, J. Ren, H. Zhang, G. Sun, Z. Jiang, "Solid potentiometric CO2 sensor using
         Li3PO4 film as the electrolyte", IEEE Sens. J. 12(6) (2012), doi:10.1109/JSEN.2011.2182041:
         22 / 45 / 78 mV/decade at 300 / 400 / 500 C; response 30 s, recovery 40 s at 500 C.
[LEE01]  C. Lee, S. A. Akbar, C. O. Park, "Potentiometric CO2 gas sensor with lithium
         phosphorous oxynitride electrolyte", Sens. Actuators B 80, 234 (2001): Au/LiCoO2-Co3O4 |
         Li2.88PO3.73N0.14 | Li2CO3/Au, Nernstian 400-500 C, 200-3000 ppm, fast and reversible;
         humidity and CO lower the EMF "slightly" (no number).
[YOO13]  J. Yoon, G. Hunter, S. Akbar, P. K. Dutta, "Interface reaction and its effect on the
         performance of a CO2 gas sensor based on Li0.35La0.55TiO3 electrolyte and Li2CO3
         sensing electrode", Sens. Actuators B (2013): near-Nernstian 300-450 C, degrades above.
[STR18]  M. Struzik et al. (J. L. M. Rupp group), Adv. Mater. 30, 1804098 (2018): Ta-LLZO pellet
         CO2 sensor, < 60 s at ~320 C (quoted through [ZHU21] and lithispice.materials "LLZO").
[BAL21]  M. Balaish, J. L. M. Rupp, "Design of triple and quadruple phase boundaries and
         chemistries for environmental SO2 electrochemical sensing", J. Mater. Chem. A (2021),
         doi:10.1039/d1ta02399c: LLZO electrolyte, Li2SO4-CaSO4 sensing electrode, 480 C,
         recovery down to ~5 min.
[YAN92]  Y. Yan, Y. Shimizu, N. Miura, N. Yamazoe, "Solid-state sensor for sulfur oxides based on
         stabilized zirconia and metal sulphate", Chem. Lett. (1992): Li2SO4 sensing electrodes
         follow the Nernst law of a 2-electron reduction of SO2 (n = 2).
[LNO]    NO2 sensor on the Li-ion conductors LiNdSiO4 / LiSmSiO4 with a LiNO3 auxiliary electrode:
         Nernstian with a one-electron slope at ~150 C, 90 % response within 12 min at 150 C
         (abstract indexed by researcher.life; authors not shown there -- cite with care).
[SHA21]  U. N. Sharifova, "Thermodynamic functions of formation of lithium titanates", Azerb.
         Chem. J. 2021(4), 60-66, doi:10.32737/0005-2531-2021-4-60-66 (EMF method):
         Li2TiO3 dH_f = -1662 kJ/mol, S = 84 J/(mol K).
[CRC]    CRC Handbook of Chemistry and Physics, "Standard thermodynamic properties of chemical
         substances" (298.15 K): dH_f (kJ/mol), S (J/(mol K)) of Li2CO3 (-1216.0, 90.4),
         TiO2 rutile (-944.0, 50.6), CO2 (-393.5, 213.8), Li2SO4 (-1436.5, 115.1),
         SO2 (-296.8, 248.2), LiNO2 (-372.4, 96.0), NO2 (33.2, 240.1), O2 (0, 205.2). Values as
         we remember the tables -- not re-read here (flagged in ``assumed``).

E0(T) is DERIVED, not measured on a sensor: with the Li2TiO3+TiO2 reference
(Li2TiO3 = 2 Li+ + TiO2 + 1/2 O2 + 2 e-) the EMF V(ref) - V(se) is (mu_Li(se) - mu_Li(ref))/F per
Li, i.e. E0 = -dG_r/(nF) of the overall cell reaction, dG_r = dH - T dS from the tables above
with dCp = 0 (linear E0(T)). Real sensors show offsets of tens of mV from such values (electrode
microstructure, non-equilibrium): calibrate (gas_calibration.py). The same reference is used for
every preset so that E0 is computable (ASSUMED where the paper used another reference; said so).
Numbers that no source gives and that we therefore chose are listed in each preset's
``assumed`` and explained in its ``notes``. Humidity / cross-gas coefficients are 0 everywhere:
no source gives a number.
"""
from __future__ import annotations

from ..constants import F, T_0C
from .gas_sensor import GasSensor

# --- thermodynamic tables: (dH_f kJ/mol, S J/(mol K)) at 298.15 K ---------------------------
_THERMO = {
    "Li2TiO3": (-1662.0, 84.0),    # [SHA21]
    "Li2CO3": (-1216.0, 90.4),     # [CRC]
    "TiO2": (-944.0, 50.6),        # [CRC] rutile
    "CO2": (-393.5, 213.8),        # [CRC]
    "Li2SO4": (-1436.5, 115.1),    # [CRC]
    "SO2": (-296.8, 248.2),        # [CRC]
    "LiNO2": (-372.4, 96.0),       # [CRC]
    "NO2": (33.2, 240.1),          # [CRC]
    "O2": (0.0, 205.2),            # [CRC]
}


def _e0_line(terms: dict, n_li: float, t_ref: float) -> tuple[float, float]:
    """E0 at t_ref (V) and dE0/dT (V/K) of EMF = (1/F) sum_i c_i G_i per n_li Li.

    ``terms``: species -> coefficient c_i in (mu_Li(se) - mu_Li(ref)) * n_li, standard
    states (gases at 1 bar); G_i = dH_f,i - T S_i (dCp = 0)."""
    dh = sum(c * _THERMO[s][0] * 1e3 for s, c in terms.items())
    ds = sum(c * _THERMO[s][1] for s, c in terms.items())
    return (dh - t_ref * ds) / (n_li * F), -ds / (n_li * F)


# mu_Li(se) per Li minus mu_Li(ref) per Li, times the number of Li (reference Li2TiO3+TiO2):
#   CO2:  2 Li -> Li2CO3 - CO2 - 1/2 O2  vs  Li2TiO3 - TiO2 - 1/2 O2         (O2 cancels, nu = 0)
#   SO2:  2 Li -> Li2SO4 - SO2 - O2      vs  Li2TiO3 - TiO2 - 1/2 O2         (nu_O2 = +1/4)
#   NO2:  1 Li -> LiNO2 - NO2            vs  1/2 (Li2TiO3 - TiO2 - 1/2 O2)   (nu_O2 = -1/4)
_CO2_TERMS = {"Li2CO3": 1, "CO2": -1, "Li2TiO3": -1, "TiO2": 1}
_SO2_TERMS = {"Li2SO4": 1, "SO2": -1, "O2": -1 + 0.5, "Li2TiO3": -1, "TiO2": 1}
_NO2_TERMS = {"LiNO2": 1, "NO2": -1, "Li2TiO3": -0.5, "TiO2": 0.5, "O2": 0.25}

_REF = "Li2TiO3+TiO2"
_THERMO_ASSUMED = ("e0", "de0_dt")
_CT_NOTE = ("asr_ct = 100 ohm cm2 per electrode at t_ref with Ea 1.0 eV is ASSUMED (no source "
            "gives the charge-transfer resistance of these electrodes); ea_tau = 1.0 eV is "
            "ASSUMED (no source gives tau at two temperatures). ")
_E0_NOTE = ("E0(T) DERIVED from tabulated dH_f and S ([SHA21], [CRC]; dCp = 0) for the "
            "Li2TiO3+TiO2 reference, not measured on a sensor: real electrodes sit tens of mV "
            "away. Fit it to your EMF-vs-concentration data (lithispice.fit.gas_sensor.fit: "
            "E0(T), ideality, tau with 95 % intervals); for a one-temperature readout line, "
            "gas_calibration.fit. ")
_ASR_CT = 100.0 * 1e-4     # 100 ohm cm2 in ohm m2
_EA_KIN = 1.0              # eV


def _co2(name, electrolyte, *, t_op, tau, ideality, length, area, el_area, source, notes,
         assumed, sigma_e=None):
    e0, de0 = _e0_line(_CO2_TERMS, 2, t_op)
    kw = dict(sigma_e=sigma_e) if sigma_e is not None else {}
    return GasSensor.with_electrolyte(
        electrolyte, name=name, gas="CO2", sensing_electrode="Li2CO3", reference_electrode=_REF,
        n_electrons=2, ideality=ideality, e0=e0, de0_dt=de0, o2_order=0.0, tau=tau,
        ea_tau=_EA_KIN, t_ref=t_op, film_length=length, film_area=area, asr_ct=_ASR_CT,
        ea_ct=_EA_KIN, electrode_area=el_area, t_op=t_op, source=source,
        notes=_E0_NOTE + _CT_NOTE + notes,
        assumed=_THERMO_ASSUMED + ("asr_ct", "ea_ct", "ea_tau") + assumed, **kw)


_LN10 = 2.302585092994046

PRESETS: dict[str, GasSensor] = {}

# CO2 | Li2CO3 | Li3PO4 thin film | Li2TiO3+TiO2 -- the DESIGN 4.4 reference device.
PRESETS["CO2-Li2CO3-Li3PO4"] = _co2(
    "CO2-Li2CO3-Li3PO4", "Li3PO4", t_op=T_0C + 500.0,
    tau=30.0 / _LN10,                   # [WAN12]: response 30 s at 500 C, read as t90
    ideality=61.0 / 76.7,               # [NOH05]: 61 mV/dec at 500 C for 250-5000 ppm (~0.80)
    length=0.5e-3, area=1.2e-6 * 1.5e-3, el_area=1.0e-3 * 1.5e-3,
    sigma_e=1e-12,
    source="[ION14] film conductivity and cell; [NOH05] slope and geometry; [WAN12] response "
           "time; E0 from [SHA21]/[CRC] (see module docstring of gas_sensor_presets).",
    notes="Coplanar film as in [NOH05]: 1.2 um thick, 1.5 mm wide electrodes 1 x 1.5 mm; the "
          "0.5 mm electrode gap is ASSUMED (3 x 3 mm chip). Ideality 0.80 is the ppm-range "
          "value [NOH05]; [ION14] found 1.02 for 5-20 %. Response time 30 s [WAN12] read as "
          "t90. sigma_e = 1e-14 S/cm ASSUMED (not reported; LiPON's nominal order). Output "
          "resistance ~1.3 GOhm at 500 C: a high-impedance source.",
    assumed=("film_length", "sigma_e"))

# CO2 | Li2CO3 | LiPON film.
PRESETS["CO2-Li2CO3-LiPON"] = _co2(
    "CO2-Li2CO3-LiPON", "LiPON", t_op=T_0C + 500.0, tau=30.0 / _LN10, ideality=1.0,
    length=1.0e-6, area=1.0e-6, el_area=1.0e-6,
    source="[LEE01] cell and Nernstian range 400-500 C; film numbers lithispice.materials "
           "'LiPON' (Yu et al. 1997); E0 from [SHA21]/[CRC].",
    notes="[LEE01] used a LiCoO2-Co3O4 solid reference (its nu_O2 would be -1/12 with an E0 we "
          "cannot compute); this preset uses the Li2TiO3+TiO2 reference instead (ASSUMED). "
          "Ideality 1 ('Nernstian' [LEE01]); tau = 30 s / 2.303 at 500 C ASSUMED equal to the "
          "Li3PO4 film sensor [WAN12] ([LEE01]: 'fast response', no number). Vertical stack "
          "1 um x 1 mm2 ASSUMED. LiPON at 500 C is an Arrhenius extrapolation of room-"
          "temperature data.",
    assumed=("reference_electrode", "ideality", "tau", "film_length", "film_area",
             "electrode_area"))

# CO2 | Li2CO3 | Ta-LLZO pellet (Rupp group).
PRESETS["CO2-Li2CO3-LLZO"] = _co2(
    "CO2-Li2CO3-LLZO", "LLZO", t_op=T_0C + 320.0, tau=60.0 / _LN10, ideality=1.0,
    length=1.0e-3, area=1.0e-4, el_area=0.25e-4,
    source="[STR18] via [ZHU21]: Ta-LLZO pellet CO2 sensor, < 60 s at ~320 C; pellet "
           "conductivity lithispice.materials 'LLZO'; E0 from [SHA21]/[CRC].",
    notes="t90 = 60 s (the reported upper bound) at 320 C. Ideality 1 and the Li2TiO3+TiO2 "
          "reference ASSUMED (not in the sources read). Pellet 1 mm x 1 cm2, electrodes "
          "0.25 cm2 ASSUMED.",
    assumed=("ideality", "reference_electrode", "film_length", "film_area", "electrode_area"))

# CO2 | Li2CO3 | LLTO pellet | Li2TiO3+TiO2 (Yoon et al. 2013 used this reference).
PRESETS["CO2-Li2CO3-LLTO"] = _co2(
    "CO2-Li2CO3-LLTO", "LLTO", t_op=T_0C + 450.0, tau=60.0 / _LN10, ideality=1.0,
    length=1.0e-3, area=1.0e-4, el_area=0.25e-4, sigma_e=1e-12,
    source="[YOO13] cell (Li0.35La0.55TiO3, Li2CO3, Li2TiO3+TiO2), near-Nernstian 300-450 C; "
           "conductivity lithispice.materials 'LLTO'; E0 from [SHA21]/[CRC].",
    notes="Operated at 450 C, the top of the stable window [YOO13] (Li2CO3 reacts with LLTO "
          "above it). tau (t90 = 60 s) ASSUMED. Ideality 1 ('near-Nernstian'). Pellet "
          "1 mm x 1 cm2 ASSUMED; sigma_e 1e-14 S/cm ASSUMED.",
    assumed=("tau", "film_length", "film_area", "electrode_area", "sigma_e"))

# NO2 | LiNO2 (nitrite) | LiPON film, n = 1.
_e0_no2, _de0_no2 = _e0_line(_NO2_TERMS, 1, T_0C + 150.0)
PRESETS["NO2-nitrite-LiPON"] = GasSensor.with_electrolyte(
    "LiPON", name="NO2-nitrite-LiPON", gas="NO2", sensing_electrode="LiNO2",
    reference_electrode=_REF, n_electrons=1, ideality=1.0, e0=_e0_no2, de0_dt=_de0_no2,
    o2_order=-0.25, tau=720.0 / _LN10, ea_tau=_EA_KIN, t_ref=T_0C + 150.0,
    film_length=1.0e-6, film_area=1.0e-6, asr_ct=_ASR_CT, ea_ct=_EA_KIN, electrode_area=1.0e-6,
    t_op=T_0C + 150.0,
    source="[LNO] one-electron Nernst slope and t90 <= 12 min at 150 C on a Li-ion conductor; "
           "n = 1 for NO2 on nitrite (DESIGN 4.4; LiNO2 = Li+ + NO2 + e-); NOx sensors ~200 C "
           "[ZHU21]; E0 from [CRC]/[SHA21].",
    notes=_E0_NOTE + _CT_NOTE + "No Li-nitrite | LiPON sensor paper was found: the cell is "
          "ASSUMED (LiNO2 sensing electrode, LiPON film, Li2TiO3+TiO2 reference, hence "
          "nu_O2 = -1/4). t90 = 12 min at 150 C from [LNO] (a LiNO3 electrode on LiNdSiO4). "
          "Ideality 1 ASSUMED. Vertical stack 1 um x 1 mm2 ASSUMED.",
    assumed=_THERMO_ASSUMED + ("sensing_electrode", "reference_electrode", "ideality",
                               "film_length", "film_area", "electrode_area", "asr_ct", "ea_ct",
                               "ea_tau"))

# SO2 | Li2SO4 | LLZO pellet, n = 2.
_e0_so2, _de0_so2 = _e0_line(_SO2_TERMS, 2, T_0C + 480.0)
PRESETS["SO2-Li2SO4-LLZO"] = GasSensor.with_electrolyte(
    "LLZO", name="SO2-Li2SO4-LLZO", gas="SO2", sensing_electrode="Li2SO4",
    reference_electrode=_REF, n_electrons=2, ideality=1.0, e0=_e0_so2, de0_dt=_de0_so2,
    o2_order=0.25, tau=300.0 / _LN10, ea_tau=_EA_KIN, t_ref=T_0C + 480.0,
    film_length=1.0e-3, film_area=1.0e-4, asr_ct=_ASR_CT, ea_ct=_EA_KIN, electrode_area=0.25e-4,
    t_op=T_0C + 480.0,
    source="[BAL21] LLZO | Li2SO4-CaSO4 SO2 sensor at 480 C, recovery ~5 min; [YAN92] n = 2 "
           "for SO2 on Li2SO4; pellet conductivity lithispice.materials 'LLZO'; E0 from "
           "[CRC]/[SHA21].",
    notes=_E0_NOTE + _CT_NOTE + "t90 = 5 min ASSUMED from the ~5 min recovery time of [BAL21]. "
          "Pure Li2SO4 (not the Li2SO4-CaSO4 composite) in the E0; Li2TiO3+TiO2 reference "
          "ASSUMED, hence nu_O2 = +1/4. Ideality 1 ASSUMED. Pellet 1 mm x 1 cm2 ASSUMED.",
    assumed=_THERMO_ASSUMED + ("reference_electrode", "ideality", "tau", "film_length",
                               "film_area", "electrode_area", "asr_ct", "ea_ct", "ea_tau"))
