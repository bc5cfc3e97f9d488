"""Intercalation electrodes and Li metal: capacity, density, diffusivity, kinetics, open-circuit voltage.

Conventions (DESIGN.md section 3, "intercalation electrode")
------------------------------------------------------------
* ``theta`` in [0, 1] is the lithiation of the electrode **within its usable range**: theta = 1 is the
  Li-rich end (discharged cathode, lithiated anode/channel), theta = 0 the Li-poor end. The Li
  stoichiometry of the formula as written is ``x = x_range[0] + (x_range[1] - x_range[0]) * theta``
  (e.g. LiCoO2: Li_xCoO2, x = 0.5 .. 1.0).
* ``c_max_mol_per_m3`` is the Li concentration of the **usable** range, derived from the usable
  specific capacity and the density, so that the film charge ``F * c_max * A * L`` equals its
  capacity. It is what the RC ladder of DESIGN.md uses (C_k = F*c_max*A*dz).
* Diffusivities are in m2/s (1 cm2/s = 1e-4 m2/s); exchange current densities in A/m2
  (1 mA/cm2 = 10 A/m2); capacities in mAh/g (1 mAh = 3.6 C).
* Densities are single-crystal X-ray densities unless stated: a sputtered film may be less dense;
  ``areal_capacity_uAh_per_cm2_per_um`` then overestimates a real film's capacity.

Fields listed in ``assumed`` are our choices, explained in ``notes``. Open-circuit-voltage fits are
given as plain float coefficients/tables so that they can be ported to C unchanged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Callable

import numpy as np

from lithispice.constants import C_PER_MAH, F, R
from lithispice.errors import ParameterError
from lithispice.materials.electrolytes import _lookup

__all__ = [
    "IntercalationMaterial",
    "LithiumMetal",
    "ELECTRODES",
    "LITHIUM_METAL",
    "electrode",
    "lico2_ocv_ramadass2004",
    "lnmo_ocv_mao2020",
    "RAMADASS2004_LICOO2_NUM",
    "RAMADASS2004_LICOO2_DEN",
    "RAMADASS2004_LICOO2_DOMAIN",
    "MAO2020_LNMO_X",
    "MAO2020_LNMO_U_V",
    "MAO2020_LNMO_DUDT_V_PER_K",
    "MAO2020_LNMO_T_REF_K",
]

_CM2_S = 1e-4  # 1 cm2/s in m2/s


def _as_array(x, name: str, lo: float, hi: float):
    arr = np.asarray(x, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
        raise ParameterError(name, x, f"[{lo}, {hi}]")
    return arr


def _out(arr):
    return float(arr) if np.ndim(arr) == 0 else arr


# ---------------------------------------------------------------------------------------------
# LiCoO2 OCV: Ramadass et al. 2004
# ---------------------------------------------------------------------------------------------

#: Numerator coefficients of y^0, y^2, y^4, y^6, y^8, y^10 (V), Ramadass et al. 2004.
RAMADASS2004_LICOO2_NUM = (-4.656, 88.669, -401.119, 342.909, -462.471, 433.434)
#: Denominator coefficients of y^0, y^2, ..., y^10 (dimensionless), Ramadass et al. 2004.
RAMADASS2004_LICOO2_DEN = (-1.0, 18.933, -79.532, 37.311, -73.083, 95.96)
#: Range of y (Li_yCoO2) accepted by :func:`lico2_ocv_ramadass2004`. The rational function has
#: poles at y = 0.4226 and y = 1.0043, so it must never be evaluated outside this interval.
RAMADASS2004_LICOO2_DOMAIN = (0.43, 1.0)


def lico2_ocv_ramadass2004(y, T_K=None):
    """Open-circuit potential of Li_yCoO2 vs Li/Li+ (V), Ramadass et al. 2004 rational fit.

    ``U(y) = sum_k a_k y^(2k) / sum_k b_k y^(2k)``, k = 0..5, with the coefficients in
    :data:`RAMADASS2004_LICOO2_NUM` / :data:`RAMADASS2004_LICOO2_DEN`.

    Source: P. Ramadass, B. Haran, P. M. Gomadam, R. White, B. N. Popov, "Development of first
    principles capacity fade model for Li-ion cells", J. Electrochem. Soc. 151(2), A196-A203 (2004),
    doi:10.1149/1.1634273. Coefficients as transcribed in PyBaMM
    (``pybamm/input/parameters/lithium_ion/Ramadass2004.py``, function ``lico2_ocp_Ramadass2004``).
    (The brief mentioned "J. Power Sources 126"; the paper with this fit is the JES 2004 one.)

    PyBaMM multiplies y by a cell-specific "stretch" of 1.13 (negative/positive overhang of the Sony
    18650 of Ramadass 2002). That is a property of that cell, not of LiCoO2, and with it the function
    has a pole inside the usable range (y = 0.889), so it is **not** applied here. Without it,
    U(0.5) = 4.235 V and U falls monotonically to 2.29 V at y = 1.0 (the end-of-discharge knee),
    consistent with 137 mAh/g to 4.2 V.

    ``y`` must lie in :data:`RAMADASS2004_LICOO2_DOMAIN` (ParameterError otherwise). ``T_K`` is
    accepted for a uniform signature and ignored: the fit is isothermal (25 C); no entropic term.
    """
    yy = _as_array(y, "y", *RAMADASS2004_LICOO2_DOMAIN)
    y2 = yy * yy
    num = np.zeros_like(yy)
    den = np.zeros_like(yy)
    p = np.ones_like(yy)
    for a, b in zip(RAMADASS2004_LICOO2_NUM, RAMADASS2004_LICOO2_DEN):
        num = num + a * p
        den = den + b * p
        p = p * y2
    return _out(num / den)


# ---------------------------------------------------------------------------------------------
# LiNi0.5Mn1.5O4 OCV: table, Mao et al. 2020
# ---------------------------------------------------------------------------------------------

#: Lithiation x of Li_xNi0.5Mn1.5O4 at the table points.
MAO2020_LNMO_X = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 1.0)
#: Equilibrium potential vs Li/Li+ (V) at MAO2020_LNMO_T_REF_K.
MAO2020_LNMO_U_V = (4.7336, 4.7309, 4.7251, 4.7248, 4.7184, 4.6806, 4.6742, 4.6681, 4.6589,
                    4.4763, 4.1264, 3.7273)
#: Entropic coefficient dU/dT (V/K).
MAO2020_LNMO_DUDT_V_PER_K = (-0.06e-3, -0.061e-3, -0.095e-3, -0.123e-3, -0.324e-3, -0.178e-3,
                             -0.168e-3, -0.191e-3, -0.249e-3, -2.788e-3, -1.297e-3, -0.954e-3)
#: Temperature of the table, K.
MAO2020_LNMO_T_REF_K = 293.15


def lnmo_ocv_mao2020(x, T_K=None):
    """Open-circuit potential of Li_xNi0.5Mn1.5O4 vs Li/Li+ (V), linear interpolation of a table.

    ``U(x, T) = U_ref(x) + (T - 293.15 K) * dU/dT(x)`` with U_ref and dU/dT interpolated linearly in
    :data:`MAO2020_LNMO_X`. ``T_K=None`` means 293.15 K (the table temperature).

    Source: J. Mao, P. Zhang, X. Liu, Y. Liu, G. Shao, K. Dai, "Entropy change characteristics of the
    LiNi0.5Mn1.5O4 cathode material for lithium-ion batteries", ACS Omega 5(8), 4109-4114 (2020),
    doi:10.1021/acsomega.9b03794; values as tabulated in BattMo (SINTEF,
    ``ParameterData/MaterialProperties/LNMO/computeOCP_LNMO_Mao.m``). DIGITISED/TABULATED by a third
    party and not re-checked against the paper here; 12 points, so the two Ni plateaus (~4.73/4.67 V)
    are resolved only coarsely and the 4 V Mn3+/4+ step (x > 0.85, disordered-spinel signature) is
    included.
    """
    xx = _as_array(x, "x", 0.0, 1.0)
    u = np.interp(xx, MAO2020_LNMO_X, MAO2020_LNMO_U_V)
    if T_K is not None:
        T = np.asarray(T_K, dtype=float)
        if not np.all(np.isfinite(T)) or np.any(T <= 0):
            raise ParameterError("T", T_K, "finite temperature > 0 K")
        u = u + (T - MAO2020_LNMO_T_REF_K) * np.interp(xx, MAO2020_LNMO_X, MAO2020_LNMO_DUDT_V_PER_K)
    return _out(u)


# ---------------------------------------------------------------------------------------------
# Dataclasses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntercalationMaterial:
    """An intercalation (insertion) electrode material for a thin film.

    Attributes
    ----------
    name, formula : str
        Registry key; chemical formula with the mobile-Li stoichiometry ``x`` it refers to.
    role : str
        "cathode", "anode", "channel" (synapse) or "reservoir" (synapse Li source).
    molar_mass_g_per_mol : float
        Molar mass of the formula unit at x = x_range[1], g/mol (IUPAC 2013 standard atomic weights).
    specific_capacity_mAh_per_g : float
        Usable (reversible) specific capacity, mAh/g.
    density_g_per_cm3 : float
        Density of the film material, g/cm3.
    x_range : (float, float)
        Li stoichiometry x at theta = 0 and theta = 1.
    D_m2_per_s : float
        Chosen Li chemical diffusivity in the film, m2/s.
    D_range_m2_per_s : (float, float)
        Reported range, m2/s.
    U_nominal_V : float
        Nominal (average) potential vs Li/Li+, V.
    voltage_window_V : (float, float)
        Operating window vs Li/Li+ (lower, upper), V.
    i0_A_per_m2 : float
        Exchange current density of the electrode/solid-electrolyte interface, A/m2.
    cycle_life : int | None
        Reported cycle life of the thin-film cell using it (review Table 2), or None.
    source : str
        Citations.
    notes : str
        Caveats and what ``assumed`` means for this entry.
    assumed : tuple[str, ...]
        Fields that are our assumptions.
    ocv : callable | None
        ``ocv(x, T_K=None) -> U`` in terms of the stoichiometry x; ``None`` = flat plateau at
        ``U_nominal_V`` (see :meth:`open_circuit_voltage`).
    """

    name: str
    formula: str
    role: str
    molar_mass_g_per_mol: float
    specific_capacity_mAh_per_g: float
    density_g_per_cm3: float
    x_range: tuple[float, float]
    D_m2_per_s: float
    D_range_m2_per_s: tuple[float, float]
    U_nominal_V: float
    voltage_window_V: tuple[float, float]
    i0_A_per_m2: float
    cycle_life: int | None
    source: str
    notes: str = ""
    assumed: tuple[str, ...] = ()
    ocv: Callable | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        for nm in ("molar_mass_g_per_mol", "specific_capacity_mAh_per_g", "density_g_per_cm3",
                   "D_m2_per_s", "i0_A_per_m2"):
            v = getattr(self, nm)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(nm, v, "> 0")
        lo, hi = self.D_range_m2_per_s
        if not (0 < lo <= self.D_m2_per_s <= hi):
            raise ParameterError("D_m2_per_s", self.D_m2_per_s, f"within D_range_m2_per_s {lo}..{hi}")
        vlo, vhi = self.voltage_window_V
        if not vlo < vhi:
            raise ParameterError("voltage_window_V", self.voltage_window_V, "(lower, upper), lower < upper")
        if self.x_range[0] == self.x_range[1]:
            raise ParameterError("x_range", self.x_range, "two different stoichiometries")
        if self.role not in ("cathode", "anode", "channel", "reservoir"):
            raise ParameterError("role", self.role, "cathode|anode|channel|reservoir")
        names = {f.name for f in fields(self)}
        bad = [a for a in self.assumed if a not in names]
        if bad:
            raise ParameterError("assumed", bad, f"field names of IntercalationMaterial: {sorted(names)}")

    # --- derived quantities ---------------------------------------------------------------
    @property
    def volumetric_capacity_C_per_m3(self) -> float:
        """Usable charge per film volume, C/m3 (= mAh/g * 3.6 C/mAh * g/cm3 * 1e6 cm3/m3)."""
        return self.specific_capacity_mAh_per_g * C_PER_MAH * self.density_g_per_cm3 * 1e6

    @property
    def areal_capacity_uAh_per_cm2_per_um(self) -> float:
        """Usable capacity per area per um of film, uAh cm-2 um-1 (= mAh/g * g/cm3 / 10)."""
        return self.specific_capacity_mAh_per_g * self.density_g_per_cm3 * 0.1

    @property
    def c_max_mol_per_m3(self) -> float:
        """Li concentration of the usable range, mol/m3 (volumetric capacity / F)."""
        return self.volumetric_capacity_C_per_m3 / F

    @property
    def theoretical_capacity_per_Li_mAh_per_g(self) -> float:
        """Capacity of one Li per formula unit, mAh/g (F / (3.6 * M))."""
        return F / (C_PER_MAH * self.molar_mass_g_per_mol)

    def x_of_theta(self, theta):
        """Stoichiometry x for usable-range lithiation theta (theta validated to [0, 1])."""
        th = _as_array(theta, "theta", 0.0, 1.0)
        return _out(self.x_range[0] + (self.x_range[1] - self.x_range[0]) * th)

    def open_circuit_voltage(self, theta, T_K=None):
        """Open-circuit potential vs Li/Li+ (V) at usable-range lithiation ``theta``.

        ``theta`` is **clipped** to [0, 1] (solvers overshoot slightly; the fits are not defined
        outside). NaN raises ParameterError. If ``ocv`` is None the material is modelled as a flat
        two-phase plateau at ``U_nominal_V`` (stated in its notes).
        """
        th = np.asarray(theta, dtype=float)
        if not np.all(np.isfinite(th)):
            raise ParameterError("theta", theta, "finite, clipped to [0, 1]")
        th = np.clip(th, 0.0, 1.0)
        if self.ocv is None:
            return _out(np.full_like(th, self.U_nominal_V))
        x = self.x_range[0] + (self.x_range[1] - self.x_range[0]) * th
        return self.ocv(x, T_K)


@dataclass(frozen=True)
class LithiumMetal:
    """Li-metal electrode: U = 0 V vs Li/Li+ by definition; its inventory is its thickness.

    Attributes: ``molar_mass_g_per_mol`` (6.94, IUPAC conventional), ``density_g_per_cm3``
    (0.534 at 20 C, CRC Handbook), ``U_V`` (0.0), ``i0_A_per_m2`` (Li/LiPON exchange current density,
    ASSUMED), ``source``, ``notes``, ``assumed``.
    """

    name: str = "Li"
    formula: str = "Li"
    role: str = "anode"
    molar_mass_g_per_mol: float = 6.94
    density_g_per_cm3: float = 0.534
    U_V: float = 0.0
    i0_A_per_m2: float = 10.0
    source: str = (
        "Density 0.534 g/cm3 (CRC Handbook of Chemistry and Physics); molar mass 6.94 g/mol (IUPAC "
        "conventional atomic weight). Specific capacity derived: F/(3.6*M) = 3862 mAh/g (the usual "
        "'3860 mAh/g'). U = 0 V vs Li/Li+ by definition."
    )
    notes: str = (
        "i0 = 10 A/m2 (1 mA/cm2, charge-transfer ASR RT/(F*i0) ~ 26 Ohm cm2) is ASSUMED: Li/LiPON "
        "interfaces are known to be low-resistance but no single cited value is used here. Running "
        "out of Li (thickness -> 0) must be flagged by the device model."
    )
    assumed: tuple[str, ...] = ("i0_A_per_m2",)

    @property
    def specific_capacity_mAh_per_g(self) -> float:
        """F / (3.6 * M), mAh/g (~3862)."""
        return F / (C_PER_MAH * self.molar_mass_g_per_mol)

    @property
    def volumetric_capacity_C_per_m3(self) -> float:
        """Charge per volume of Li metal, C/m3."""
        return self.specific_capacity_mAh_per_g * C_PER_MAH * self.density_g_per_cm3 * 1e6

    @property
    def areal_capacity_uAh_per_cm2_per_um(self) -> float:
        """uAh cm-2 per um of Li (~206)."""
        return self.specific_capacity_mAh_per_g * self.density_g_per_cm3 * 0.1

    @property
    def c_mol_per_m3(self) -> float:
        """Li atoms per volume, mol/m3 (~76,900)."""
        return self.density_g_per_cm3 * 1e6 / self.molar_mass_g_per_mol

    def open_circuit_voltage(self, theta=None, T_K=None) -> float:
        """0 V vs Li/Li+."""
        return self.U_V


# ---------------------------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------------------------

_REVIEW = ("Y. Zhu et al., 'Lithium-film ceramics for solid-state lithionic devices', "
           "Nat. Rev. Mater. 6, 313-331 (2021)")

LICOO2 = IntercalationMaterial(
    name="LiCoO2",
    formula="Li_xCoO2",
    role="cathode",
    molar_mass_g_per_mol=97.87,
    specific_capacity_mAh_per_g=137.0,
    density_g_per_cm3=5.05,
    x_range=(0.5, 1.0),
    D_m2_per_s=1e-12 * _CM2_S,
    D_range_m2_per_s=(1e-13 * _CM2_S, 1e-11 * _CM2_S),
    U_nominal_V=3.9,
    voltage_window_V=(3.0, 4.2),
    i0_A_per_m2=1.0,
    cycle_life=4000,
    source=(
        f"{_REVIEW}, Table 2 (LiPON | LiCoO2 | Li, RF sputtering / thermal evaporation: 137 mAh/g, "
        "4,000 cycles). Density: X-ray density of R-3m LiCoO2 (a = 2.816 A, c = 14.05 A, Z = 3 -> "
        "5.05 g/cm3). OCV: Ramadass et al., J. Electrochem. Soc. 151(2), A196 (2004) - see "
        "lico2_ocv_ramadass2004. Film diffusivity range 1e-13..1e-11 cm2/s: DESIGN.md 4.3."
    ),
    notes=(
        "137 mAh/g = half of the 273.8 mAh/g of one Li, i.e. x = 0.5..1.0 (to 4.2 V); "
        "areal capacity 137*5.05/10 = 69.2 uAh cm-2 um-1; c_max (usable) = 25,800 mol/m3 "
        "(the full-Li concentration is 51,600 mol/m3; Ramadass 2004 uses 51,555). "
        "D: range as given in DESIGN.md (original film measurements not re-checked here); the chosen "
        "1e-12 cm2/s (log-midpoint) is ASSUMED. U_nominal 3.9 V is ASSUMED (the Ramadass fit averages "
        "~3.94 V over x = 0.5..1; 3.9 V is the usual quoted nominal). Lower cutoff 3.0 V ASSUMED; "
        "upper 4.2 V per DESIGN.md. i0 = 1 A/m2 (0.1 mA/cm2; charge-transfer ASR ~260 Ohm cm2) "
        "ASSUMED for the LiPON/LiCoO2 interface (no cited value). Li_xCoO2 is insulating for "
        "x > 0.95 and metallic for x < 0.75 (see switching.py) - the electronic conductivity of the "
        "cathode itself is not modelled here."
    ),
    assumed=("D_m2_per_s", "U_nominal_V", "voltage_window_V", "i0_A_per_m2"),
    ocv=lico2_ocv_ramadass2004,
)

LNMO = IntercalationMaterial(
    name="LiNi0.5Mn1.5O4",
    formula="Li_xNi0.5Mn1.5O4",
    role="cathode",
    molar_mass_g_per_mol=182.69,
    specific_capacity_mAh_per_g=122.0,
    density_g_per_cm3=4.45,
    x_range=(0.0, 1.0),
    D_m2_per_s=1e-11 * _CM2_S,
    D_range_m2_per_s=(1e-12 * _CM2_S, 1e-10 * _CM2_S),
    U_nominal_V=4.7,
    voltage_window_V=(3.5, 5.1),
    i0_A_per_m2=1.0,
    cycle_life=10000,
    source=(
        f"{_REVIEW}, Table 2 (LiPON | LiNi0.5Mn1.5O4 | Li: 122 mAh/g, 10,000 cycles, LiPON 1-2 um, "
        "alumina substrate; see J. Li, C. Ma, M. Chi, C. Liang, N. J. Dudney, 'Solid electrolyte: the "
        "key for high-voltage lithium batteries', Adv. Energy Mater. 5, 1401408 (2015)). Nominal "
        "~4.7 V: review / DESIGN.md 4.3. Density: X-ray density of the spinel (a = 8.17 A, Z = 8 -> "
        "4.45 g/cm3). OCV: Mao et al., ACS Omega 5, 4109 (2020) - see lnmo_ocv_mao2020."
    ),
    notes=(
        "Theoretical capacity 146.7 mAh/g (one Li); the review's 122 mAh/g is used as usable. The OCV "
        "table's lithiation scale x = 0..1 is mapped onto the usable 122 mAh/g (ASSUMED: the "
        "shortfall vs 146.7 is spread over the whole curve rather than cut from one end). "
        "D range 1e-12..1e-10 cm2/s and chosen 1e-11 cm2/s are ASSUMED (typical reported film values, "
        "not from a single cited paper). Window 3.5-5.1 V ASSUMED (high-voltage LiPON cells). "
        "i0 = 1 A/m2 ASSUMED. cycle_life: the project's notes on the review's Table 2 read '10,000 "
        "cycles at C/10'."
    ),
    assumed=("D_m2_per_s", "D_range_m2_per_s", "voltage_window_V", "i0_A_per_m2"),
    ocv=lnmo_ocv_mao2020,
)

# ---------------------------------------------------------------------------------------------
# Li_xWO3 OCV: ASSUMED lattice-gas form
# ---------------------------------------------------------------------------------------------

#: x points of the tabulated Li_xWO3 OCV (the table ends clamp, as kernel and SPICE do).
WO3_LATTICE_GAS_X = tuple(float(v) for v in np.r_[0.005, np.linspace(0.02, 0.48, 24), 0.495])
#: U(x) vs Li/Li+ (V) at those points: ASSUMED lattice-gas (Nernst) form
#: U = 2.75 - 1.2 (x - 0.25) + (RT/F) ln((0.5 - x)/x) at 298.15 K: ~3.1 V at x = 0.01,
#: 2.36 V at x = 0.49, the span of the WO3 entry's notes (~3.2 -> ~2.3 V over x = 0..0.5).
WO3_LATTICE_GAS_U_V = tuple(float(2.75 - 1.2 * (x - 0.25) + R * 298.15 / F * math.log((0.5 - x) / x))
                            for x in WO3_LATTICE_GAS_X)


def wo3_ocv_lattice_gas(x, T_K=None):
    """Open-circuit potential of Li_xWO3 vs Li/Li+ (V): linear interpolation of
    :data:`WO3_LATTICE_GAS_U_V`, x clamped to the table. ASSUMED form (no measured curve is
    cited: see the WO3 entry's notes); tabulated so that the kernel (LSE_OCV_TABLE) and SPICE
    (pwl) interpolate the same points. ``T_K`` is accepted and ignored (no dU/dT)."""
    xa = np.clip(np.asarray(x, dtype=float), WO3_LATTICE_GAS_X[0], WO3_LATTICE_GAS_X[-1])
    return _out(np.interp(xa, WO3_LATTICE_GAS_X, WO3_LATTICE_GAS_U_V))


WO3 = IntercalationMaterial(
    name="WO3",
    formula="Li_xWO3",
    role="channel",
    molar_mass_g_per_mol=231.84,
    specific_capacity_mAh_per_g=57.8,
    density_g_per_cm3=7.16,
    x_range=(0.0, 0.5),
    D_m2_per_s=1e-11 * _CM2_S,
    D_range_m2_per_s=(1e-12 * _CM2_S, 1e-9 * _CM2_S),
    U_nominal_V=2.7,
    voltage_window_V=(2.0, 3.5),
    i0_A_per_m2=1.0,
    cycle_life=None,
    source=(
        "ECRAM channel: J. Tang et al. (IBM), 'ECRAM as scalable synaptic cell for high-speed, "
        "low-power neuromorphic computing', IEEE IEDM 2018, 13.1 (Li intercalation in WO3; up to 1000 "
        "symmetric states; pulses down to 5 ns; 300x300 nm devices; ~1 fJ projected at 100x100 nm). "
        "Density 7.16 g/cm3 and M = 231.84 g/mol: CRC Handbook (monoclinic WO3)."
    ),
    notes=(
        "Specific capacity 57.8 mAh/g corresponds to x = 0..0.5 in Li_xWO3 (one Li = 115.6 mAh/g); "
        "the usable x range 0..0.5 is ASSUMED (electrochromic LixWO3 range; ECRAM uses only a small "
        "part of it and Tang et al. do not give x). D range/choice ASSUMED (electrochromic WO3 film "
        "literature spans ~1e-12..1e-9 cm2/s). U_nominal 2.7 V vs Li and window 2.0-3.5 V ASSUMED "
        "(Li_xWO3 OCV falls from ~3.2 V to ~2.3 V over x = 0..0.5). OCV: wo3_ocv_lattice_gas, an "
        "ASSUMED lattice-gas (Nernst) form through that span (no measured curve cited). i0 ASSUMED. Tang et al.'s claims above checked against "
        "the paper's abstract."
    ),
    assumed=("specific_capacity_mAh_per_g", "x_range", "D_m2_per_s", "D_range_m2_per_s",
             "U_nominal_V", "voltage_window_V", "i0_A_per_m2", "ocv"),
    ocv=wo3_ocv_lattice_gas,
)

SI = IntercalationMaterial(
    name="Si",
    formula="Li_xSi",
    role="reservoir",
    molar_mass_g_per_mol=28.085,
    specific_capacity_mAh_per_g=3579.0,
    density_g_per_cm3=2.33,
    x_range=(0.0, 3.75),
    D_m2_per_s=1e-12 * _CM2_S,
    D_range_m2_per_s=(1e-13 * _CM2_S, 1e-10 * _CM2_S),
    U_nominal_V=0.4,
    voltage_window_V=(0.01, 1.0),
    i0_A_per_m2=1.0,
    cycle_life=None,
    source=(
        "LISTA Li reservoir: E. J. Fuller et al. (Sandia), 'Li-ion synaptic transistor "
        "for low power analog computing', Adv. Mater. 29, 1604310 (2017) (Li1-xCoO2 channel, LiPON "
        "electrolyte, Si reservoir). Capacity to Li15Si4 (x = 3.75): 3.75*F/(3.6*28.085) = 3579 mAh/g "
        "(M. N. Obrovac, L. Christensen, Electrochem. Solid-State Lett. 7, A93 (2004)). Density "
        "2.33 g/cm3 (crystalline Si, CRC Handbook)."
    ),
    notes=(
        "Density is that of unlithiated Si (thickness = as-deposited thickness; Si expands ~3x on full "
        "lithiation; sputtered a-Si is ~2.28 g/cm3). D range/choice ASSUMED (a-Si film values scatter "
        "over ~1e-13..1e-10 cm2/s). U_nominal 0.4 V (delithiation plateau region) and window ASSUMED. "
        "No OCV curve: flat plateau is an approximation (a-Si has a sloping ~0.1-0.5 V profile). "
        "i0 ASSUMED. The Si numbers are not from Fuller et al. (who use Si only as the Li source)."
    ),
    assumed=("D_m2_per_s", "D_range_m2_per_s", "U_nominal_V", "voltage_window_V", "i0_A_per_m2"),
)

LTO = IntercalationMaterial(
    name="Li4Ti5O12",
    formula="Li_(4+x)Ti5O12",
    role="anode",
    molar_mass_g_per_mol=459.08,
    specific_capacity_mAh_per_g=175.0,
    density_g_per_cm3=3.48,
    x_range=(0.0, 3.0),
    D_m2_per_s=1e-11 * _CM2_S,
    D_range_m2_per_s=(1e-13 * _CM2_S, 1e-9 * _CM2_S),
    U_nominal_V=1.55,
    voltage_window_V=(1.0, 2.5),
    i0_A_per_m2=1.0,
    cycle_life=None,
    source=(
        "T. Ohzuku, A. Ueda, N. Yamamoto, 'Zero-strain insertion material of Li[Li1/3Ti5/3]O4 for "
        "rechargeable lithium cells', J. Electrochem. Soc. 142, 1431-1435 (1995) (flat 1.55 V "
        "plateau, Li4Ti5O12 <-> Li7Ti5O12, a ~ 8.36 A). Capacity: 3 Li per formula, "
        "3*F/(3.6*459.08) = 175 mAh/g. Density: X-ray density of the spinel (a = 8.36 A, 8 "
        "Li4/3Ti5/3O4 per cell -> 3.48 g/cm3)."
    ),
    notes=(
        "Two-phase reaction, so the flat OCV plateau at 1.55 V (ocv=None) is physically appropriate "
        "over most of the range. D range/choice ASSUMED (reported values scatter widely). Window and "
        "i0 ASSUMED. Electronic: Li4Ti5O12 insulating (~1e-13 S/cm), Li7Ti5O12 metallic (see "
        "switching.py)."
    ),
    assumed=("D_m2_per_s", "D_range_m2_per_s", "voltage_window_V", "i0_A_per_m2"),
)

#: Li metal electrode.
LITHIUM_METAL = LithiumMetal()

#: Registry of intercalation electrode materials by name.
ELECTRODES: dict[str, IntercalationMaterial] = {
    m.name: m for m in (LICOO2, LNMO, WO3, SI, LTO)
}

_ALIASES = {
    "LCO": "LiCoO2",
    "LNMO": "LiNi0.5Mn1.5O4",
    "LTO": "Li4Ti5O12",
    "LixWO3": "WO3",
    "aSi": "Si",
}


def electrode(name: str) -> IntercalationMaterial | LithiumMetal:
    """Look up an electrode material by name or alias (case-insensitive); ``"Li"`` gives Li metal.

    Raises :class:`~lithispice.materials.electrolytes.UnknownMaterialError` listing the known names.
    """
    reg: dict = dict(ELECTRODES)
    reg["Li"] = LITHIUM_METAL
    return _lookup(reg, name, "electrode", _ALIASES)
