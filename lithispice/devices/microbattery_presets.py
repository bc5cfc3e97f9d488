"""Microbattery presets: the thin-film cells of Zhu et al., Nat. Rev. Mater. 6, 313 (2021),
Table 2, built from the cited entries of :mod:`lithispice.materials`.

What Table 2 gives (shared/reference/seed_facts.md): the chemistry, the cathode's specific
capacity (LiCoO2 137 mAh/g; LiNi0.5Mn1.5O4 122 mAh/g), the cycle life (4,000 and 10,000 cycles,
the latter at C/10, with a LiPON film 1-2 um thick) and, for the amorphous-LLTO | LNMO half cell,
98 % capacity retention over 50 cycles up to 4.8 V. Everything else a cell model needs -- area,
thicknesses, exchange currents, activation energies, double layer -- the table does not give;
each such number below is marked ASSUMED (and listed by field name in ``assumed``).

Common ASSUMPTIONS (all presets):
  * area 1 cm2 and cathode thickness 1 um (a typical laboratory thin-film cell; capacity then
    follows from the material: 69.2 uAh for LiCoO2, 54.3 uAh for LNMO);
  * Li-metal anode 3 um thick at full charge (ample excess over the cathode's 0.34 um / 0.26 um
    of Li equivalent), exchange current 10 A/m2 (lithispice.materials LithiumMetal, itself ASSUMED);
  * cathode/electrolyte exchange current 1 A/m2 (materials entry, ASSUMED) with Ea 0.5 eV, anode
    Ea 0.5 eV: interfacial Li+ transfer assumed about as activated as LiPON's own conduction
    (0.55 eV); diffusivity Ea 0.3 eV;
  * double layer 10 uF/cm2 at the cathode interface (order of solid-state interfaces);
  * "cycle life" read as cycles to 80 % of the initial capacity at 100 % depth of discharge
    (the table gives cycle counts, not the end-of-life criterion).
"""
from __future__ import annotations

import math

from ..materials import LITHIUM_METAL, electrode, electrolyte
from .microbattery import Microbattery

REVIEW = "Zhu et al., Nat. Rev. Mater. 6, 313-331 (2021), Table 2"
_COMMON_ASSUMED = ("area", "cathode_thickness", "anode_thickness", "i0_cathode", "ea_i0_cathode",
                   "i0_anode", "ea_i0_anode", "ea_D", "c_dl")


def _cell(name, cathode_name, electrolyte_name, *, electrolyte_thickness, D, v_min, v_max,
          cycle_life, source, notes, assumed):
    cat = electrode(cathode_name)
    ele = electrolyte(electrolyte_name)
    return Microbattery(
        name=name, cathode=cat.name,
        area=1e-4,                       # ASSUMED 1 cm2
        cathode_thickness=1e-6,          # ASSUMED 1 um
        electrolyte_thickness=electrolyte_thickness,
        anode_thickness=3e-6,            # ASSUMED 3 um Li at full charge
        c_max=cat.c_max_mol_per_m3,      # capacity (Table 2) x density / F
        D=D,
        ea_D=0.3,                        # ASSUMED
        i0_cathode=cat.i0_A_per_m2,      # materials entry (ASSUMED there)
        ea_i0_cathode=0.5,               # ASSUMED
        c_dl=0.1,                        # ASSUMED 10 uF/cm2
        sigma_ref=ele.sigma_ref_S_per_m, ea_sigma=ele.Ea_eV, t_ref_sigma=ele.T_ref_K,
        sigma_e=ele.sigma_e_S_per_m if ele.sigma_e_S_per_m is not None else 0.0,
        eps_r=ele.eps_r if ele.eps_r is not None else 10.0,
        c_li=LITHIUM_METAL.c_mol_per_m3,
        i0_anode=LITHIUM_METAL.i0_A_per_m2,   # materials entry (ASSUMED there)
        ea_i0_anode=0.5,                 # ASSUMED
        v_min=v_min, v_max=v_max, cycle_life=cycle_life,
        source=source, notes=notes, assumed=tuple(_COMMON_ASSUMED) + tuple(assumed))


_LCO = electrode("LiCoO2")
_LNMO = electrode("LiNi0.5Mn1.5O4")
_LIPON = electrolyte("LiPON")

PRESETS: dict[str, Microbattery] = {
    "LiPON-LiCoO2-Li": _cell(
        "LiPON-LiCoO2-Li", "LiCoO2", "LiPON",
        electrolyte_thickness=1.5e-6,    # ASSUMED (Table 2 gives 1-2 um for the LNMO cell)
        # ASSUMED: the top of DESIGN 4.3's film range 1e-13..1e-11 cm2/s. The materials entry
        # picks the log-midpoint 1e-12 cm2/s; with it a 1-um film is diffusion-limited even at
        # C/10 (surface-to-mean offset ~ L^2 C-rate/(3 D 3600 s) = 0.09), which contradicts the
        # cells of Table 2 that cycle thousands of times at useful rates and the review's
        # power densities (up to 30 mW/cm2).
        D=1e-11 * 1e-4,
        v_min=_LCO.voltage_window_V[0],  # 3.0 V (materials entry, ASSUMED there)
        v_max=_LCO.voltage_window_V[1],  # 4.2 V: 137 mAh/g "to 4.2 V" (DESIGN 4.3)
        cycle_life=4000.0,               # Table 2
        source=(f"{REVIEW} (LiPON | LiCoO2 | Li metal, RF sputtering / thermal evaporation: 137 "
                "mAh/g, 4,000 cycles). Cathode: lithispice.materials 'LiCoO2' (137 mAh/g, 5.05 "
                "g/cm3 -> 69.2 uAh cm-2 um-1; OCV Ramadass et al., J. Electrochem. Soc. 151, A196 "
                "(2004) with its pole guard). Electrolyte: 'LiPON' (Yu et al., J. Electrochem. "
                "Soc. 144, 524 (1997): 2.3e-6 S/cm at 25 C, Ea 0.55 eV; electronic 1e-14 S/cm "
                "ASSUMED there). Li metal: 'Li' (0.534 g/cm3, 6.94 g/mol)."),
        notes=("ASSUMED: 1 cm2, 1 um LiCoO2, 1.5 um LiPON, 3 um Li at full charge; D = 1e-11 cm2/s "
               "(top of the DESIGN range, see the preset source code); Ea(D) 0.3 eV; i0 1 A/m2 "
               "(cathode) and 10 A/m2 (Li), both Ea 0.5 eV; double layer 10 uF/cm2; cut-off 3.0 V; "
               "cycle life = cycles to 80 % at 100 % DOD."),
        assumed=("electrolyte_thickness", "D", "v_min", "sigma_e", "eps_r")),
    "LiPON-LNMO-Li": _cell(
        "LiPON-LNMO-Li", "LiNi0.5Mn1.5O4", "LiPON",
        electrolyte_thickness=1.5e-6,    # Table 2: LiPON 1-2 um -> mid value
        D=_LNMO.D_m2_per_s,              # 1e-11 cm2/s (materials entry, ASSUMED there)
        v_min=_LNMO.voltage_window_V[0],  # 3.5 V (materials entry, ASSUMED there)
        v_max=_LNMO.voltage_window_V[1],  # 5.1 V (materials entry, ASSUMED there)
        cycle_life=10000.0,              # Table 2, at C/10
        source=(f"{REVIEW} (LiPON | LiNi0.5Mn1.5O4 | Li metal: 122 mAh/g, 10,000 cycles at C/10, "
                "LiPON 1-2 um, alumina substrate; J. Li, C. Ma, M. Chi, C. Liang, N. J. Dudney, "
                "Adv. Energy Mater. 5, 1401408 (2015)). Cathode: lithispice.materials "
                "'LiNi0.5Mn1.5O4' (122 mAh/g, 4.45 g/cm3 -> 54.3 uAh cm-2 um-1; OCV table of Mao "
                "et al., ACS Omega 5, 4109 (2020), with dU/dT). Electrolyte: 'LiPON' (Yu et al. "
                "1997)."),
        notes=("LiPON thickness 1.5 um = middle of Table 2's 1-2 um. ASSUMED: 1 cm2, 1 um LNMO, "
               "3 um Li at full charge; D 1e-11 cm2/s and window 3.5-5.1 V from the materials "
               "entry (ASSUMED there); Ea(D) 0.3 eV; i0 and Ea as for the LiCoO2 cell; double "
               "layer 10 uF/cm2; cycle life = cycles to 80 % at 100 % DOD. The OCV table ends at "
               "x = 1 (3.73 V) above the 3.5 V cut-off: a slow discharge ends when the cathode "
               "surface is full ('cathode_full'), not at the voltage cut-off."),
        assumed=("D", "v_min", "v_max", "sigma_e", "eps_r")),
    "aLLTO-LNMO": _cell(
        "aLLTO-LNMO", "LiNi0.5Mn1.5O4", "LLTO_amorphous_film",
        electrolyte_thickness=1.0e-6,    # ASSUMED (not given in Table 2)
        D=_LNMO.D_m2_per_s,
        v_min=_LNMO.voltage_window_V[0],  # 3.5 V (ASSUMED)
        v_max=4.8,                       # Table 2: cycled up to 4.8 V
        # Table 2: 98 % retention over 50 cycles -> soh = 0.98 after 50 cycles; expressed as the
        # cycles to 80 % of the same exponential law: 50 ln(0.8)/ln(0.98) = 552 (an extrapolation)
        cycle_life=50.0 * math.log(0.8) / math.log(0.98),
        source=(f"{REVIEW} (amorphous LLTO | LiNi0.5Mn1.5O4 half cell by PLD: 98 % capacity "
                "retention over 50 cycles up to 4.8 V). Cathode: lithispice.materials "
                "'LiNi0.5Mn1.5O4' (122 mAh/g from Table 2's LiPON cell). Electrolyte: "
                "'LLTO_amorphous_film' (1e-5 S/cm ASSUMED there, Ea 0.36 eV from Zheng et al., "
                "RSC Adv. 7 (2017))."),
        notes=("HALF CELL: modelled with a Li-metal counter electrode behind the amorphous LLTO. "
               "That is the model's idealisation, not the experiment: LLTO is reduced by Li metal "
               "(Ti4+ -> Ti3+), so a real half cell needs a protective interlayer or a liquid "
               "counter-electrode compartment; use this preset for the cathode side only. "
               "Fade calibrated to the cited 98 % after 50 cycles (cycle_life = 552 cycles to "
               "80 % is that law extrapolated). ASSUMED: 1 um aLLTO, no electronic leak (not "
               "reported: sigma_e = 0), eps_r 10, everything in the module's common list."),
        assumed=("electrolyte_thickness", "D", "v_min", "sigma_e", "eps_r", "sigma_ref")),
}
