"""Synapse presets: the LISTA of Fuller et al. (2017) and the ECRAM of Tang et al. (IEDM 2018),
at the scaled 200 nm x 200 nm footprint the papers project to (``Synapse.scaled(w, l)`` gives
any other footprint with the same stack; the measured devices were larger: see each note).

What the papers give (and what each preset takes from them):
  * Fuller et al., "Li-ion synaptic transistor for low power analog computing", Adv. Mater.
    29, 1604310 (2017): Li1-xCoO2 channel, LiPON electrolyte, Si Li reservoir; "hundreds of
    distinct, non-volatile conductance states within a ~1 V range", low-voltage switching and
    "energy costs per write of < 10 aJ when scaled to 200 nm x 200 nm" (abstract; physics-based
    projection). Li_xCoO2: insulating for x > 0.95, metallic for x < 0.75, two-phase between,
    conductivity rising >= 2 orders (Zhu et al., Nat. Rev. Mater. 6, 313 (2021)).
  * Tang et al. (IBM), "ECRAM as scalable synaptic cell for high-speed, low-power neuromorphic
    computing", IEDM 2018, 13.1: Li intercalation in a WO3 channel through LiPON, up to 1000
    symmetric states, pulses down to 5 ns (abstract, via lithispice.materials 'WO3').
Everything else below is ASSUMED and listed by field name in ``assumed``.
"""
from __future__ import annotations

from ..materials import electrolyte
from .synapse import Synapse

_LIPON = electrolyte("LiPON")
FULLER2017 = ("E. J. Fuller et al., 'Li-ion synaptic transistor for low power analog computing', "
              "Adv. Mater. 29, 1604310 (2017)")
TANG2018 = ("J. Tang et al., 'ECRAM as scalable synaptic cell for high-speed, low-power "
            "neuromorphic computing', IEEE IEDM 2018, 13.1")
_LIPON_SRC = ("LiPON: lithispice.materials 'LiPON' (Yu et al., J. Electrochem. Soc. 144, 524 "
              "(1997): 2.3e-6 S/cm at 25 C, Ea 0.55 eV; electronic 1e-14 S/cm, ASSUMED there)")

PRESETS: dict[str, Synapse] = {
    "LISTA-LiCoO2": Synapse(
        name="LISTA-LiCoO2", channel="LiCoO2",
        w_ch=200e-9, l_ch=200e-9,        # Fuller 2017: the 200 nm x 200 nm projection
        t_ch=20e-9,                      # ASSUMED channel film thickness
        c_max_ch=None,                   # materials 'LiCoO2': 137 mAh/g, 5.05 g/cm3, x = 0.5..1
        D_ch=1e-11 * 1e-4,               # ASSUMED: top of the LiCoO2 film range (DESIGN 4.3)
        i0_ch=1.0,                       # materials 'LiCoO2' i0 (ASSUMED there)
        g_law="log", x_a=0.95, x_b=0.75,  # review: insulating x > 0.95, metallic x < 0.75
        sigma_a=0.1, sigma_b=100.0,      # ASSUMED 1e-3 and 1 S/cm: a 3-order rise (>= 2 orders)
        el_thickness=100e-9,             # ASSUMED LiPON thickness
        sigma_ref=_LIPON.sigma_ref_S_per_m, ea_sigma=_LIPON.Ea_eV, t_ref_sigma=_LIPON.T_ref_K,
        sigma_e=_LIPON.sigma_e_S_per_m,
        reservoir="Si", res_thickness=20e-9,   # Fuller 2017: Si reservoir; thickness ASSUMED
        D_res=1e-12 * 1e-4, i0_res=1.0,  # materials 'Si' (both ASSUMED there)
        theta_c0=0.9, theta_r0=0.1,      # x = 0.95: insulating end of the window; Si nearly empty
        pulse_drive="current", pulse_amplitude=2.6e-12, t_on=1e-3, t_off=1e-3, rest="floating",
        n_states=300,                    # ASSUMED programming pulse: 2.6 fC per write
        source=(f"{FULLER2017} (stack Li1-xCoO2 | LiPON | Si, hundreds of states, < 10 aJ per "
                f"write projected at 200 nm x 200 nm); Li_xCoO2 metal-insulator window: Zhu et al., "
                f"Nat. Rev. Mater. 6, 313 (2021); channel OCV: Ramadass et al., J. Electrochem. "
                f"Soc. 151, A196 (2004); {_LIPON_SRC}; Si: lithispice.materials 'Si'."),
        notes=("ASSUMED: 20 nm channel, 100 nm LiPON, 20 nm Si; channel conductivity 1e-3 S/cm "
               "(x >= 0.95) and 1 S/cm (x <= 0.75), log law (phase coexistence) between; D(LiCoO2) "
               "1e-11 cm2/s, i0 1 A/m2 at both interfaces, Ea(D) 0.3 eV, Ea(i0) 0.5 eV; Si OCV flat "
               "0.4 V (materials entry); programming by 2.6 pA x 1 ms gate-current pulses with the "
               "gate floating between them. Fuller et al.'s measured devices were far larger than "
               "200 nm (use .scaled()); their < 10 aJ is a projection: compare it with the "
               "dissipated part of the write energy (see the tests for what this stack gives)."),
        assumed=("t_ch", "D_ch", "i0_ch", "sigma_a", "sigma_b", "el_thickness", "res_thickness",
                 "D_res", "i0_res", "ea_D", "ea_i0", "pulse_amplitude", "t_on", "t_off",
                 "n_states", "sigma_e")),
    "ECRAM-WO3": Synapse(
        name="ECRAM-WO3", channel="WO3",
        w_ch=200e-9, l_ch=200e-9,        # scaled footprint (ASSUMED; Tang et al. project scaling)
        t_ch=10e-9,                      # ASSUMED WO3 channel thickness
        c_max_ch=None,                   # materials 'WO3': x = 0..0.5 (ASSUMED there)
        D_ch=1e-11 * 1e-4, i0_ch=1.0,    # materials 'WO3' (ASSUMED there)
        g_law="linear", x_a=0.01, x_b=0.11,   # ASSUMED: linear rise over x = 0.01..0.11
        sigma_a=10.0, sigma_b=100.0,     # ASSUMED 0.1 and 1 S/cm (10x window)
        el_thickness=100e-9,             # ASSUMED
        sigma_ref=_LIPON.sigma_ref_S_per_m, ea_sigma=_LIPON.Ea_eV, t_ref_sigma=_LIPON.T_ref_K,
        sigma_e=_LIPON.sigma_e_S_per_m,
        reservoir="LiCoO2", res_thickness=50e-9,   # ASSUMED Li source (a LiCoO2 gate film)
        D_res=1e-11 * 1e-4, i0_res=1.0,
        theta_c0=0.02, theta_r0=0.8,     # x(WO3) = 0.01: bottom of the window
        pulse_drive="current", pulse_amplitude=1.08e-10, t_on=1e-6, t_off=1e-6, rest="floating",
        n_states=1100,                   # ASSUMED pulse: 0.108 nA x 1 us crosses the window in ~1100
        source=(f"{TANG2018} (Li_xWO3 channel, LiPON, up to 1000 symmetric states, pulses down to "
                f"5 ns); {_LIPON_SRC}; WO3 and LiCoO2 entries of lithispice.materials."),
        notes=("ASSUMED: 10 nm WO3 channel, conductivity linear in x from 0.1 S/cm (x = 0.01) to "
               "1 S/cm (x = 0.11); Li_xWO3 OCV of lattice-gas form (materials.electrodes.wo3_ocv_lattice_gas); LiCoO2 "
               "reservoir 50 nm; 100 nm LiPON; i0 1 A/m2; programming by 0.108 nA x 1 us current "
               "pulses. With 100 nm LiPON at 200 nm the ionic resistance (~1e10 ohm) makes 5-ns "
               "pulses need ~100 V: Tang et al.'s 5 ns needs a thinner/faster electrolyte. The "
               "electrolyte's geometric capacitance (~5e-17 F, tau ~0.5 us with R_ion) is left out "
               "of kernel and SPICE alike. Lumped films (n_volumes = 1) overstate the surface "
               "excursion of 1-us pulses (L^2/D = 0.1-2.5 s): V_G during a pulse ~5.0 V instead "
               "of ~2.8 V; charge and G are unaffected. Use n_volumes=8, film_grading=10 (or "
               "finer) for pulse waveforms and write energies."),
        assumed=("w_ch", "l_ch", "t_ch", "x_a", "x_b", "sigma_a", "sigma_b", "el_thickness",
                 "reservoir", "res_thickness", "D_ch", "i0_ch", "D_res", "i0_res", "ea_D",
                 "ea_i0", "pulse_amplitude", "t_on", "t_off", "n_states", "sigma_e")),
}
