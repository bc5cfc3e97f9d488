"""Li-ion conducting solid electrolytes: Arrhenius ionic conductivity, electronic leak, permittivity.

One frozen :class:`Electrolyte` per material. Conductivities are stored in **S/m** (1 S/cm = 100 S/m);
the docstring of each entry also quotes the paper's own S/cm figure so it can be checked by eye.

Ionic conductivity (DESIGN.md section 3)::

    sigma(T) = sigma_ref * exp(-Ea/k_B * (1/T - 1/T_ref))            [S/m]

with ``Ea`` in eV and ``k_B`` in eV/K. (The alternative ``sigma*T = s0*exp(-Ea/kT)`` form differs by
the weak 1/T prefactor; the papers cited below fit plain ``ln(sigma)`` vs ``1/T`` or do not say, so we
use the plain form throughout.)

Every number carries its source. Fields named in ``assumed`` are *our* choices, not a paper's
measurement; the ``notes`` say why. Nothing is silently invented.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np

from lithispice.constants import T_ref as _T_REF
from lithispice.constants import celsius_to_kelvin, k_B_eV
from lithispice.errors import ParameterError

__all__ = [
    "Electrolyte",
    "ELECTROLYTES",
    "electrolyte",
    "UnknownMaterialError",
    "S_PER_M_PER_S_PER_CM",
]

#: 1 S/cm expressed in S/m.
S_PER_M_PER_S_PER_CM = 100.0


class UnknownMaterialError(ParameterError, KeyError):
    """A material name is not in the registry. ``known`` lists the valid names.

    Subclass of :class:`~lithispice.errors.ParameterError` (hence ``LithispiceError`` and
    ``ValueError``) and of ``KeyError``, so ``except KeyError`` written against a plain dict also
    catches it.
    """

    def __init__(self, kind: str, name, known):
        self.kind = kind
        self.known = tuple(known)
        super().__init__(kind, name, "one of " + ", ".join(repr(k) for k in self.known),
                         detail=f"unknown {kind} name")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0] if self.args else ""


def _lookup(registry: Mapping[str, object], name: str, kind: str, aliases: Mapping[str, str] = None):
    """Registry lookup: exact name, then alias, then case-insensitive match; else UnknownMaterialError."""
    if not isinstance(name, str):
        raise UnknownMaterialError(kind, name, registry.keys())
    if name in registry:
        return registry[name]
    aliases = aliases or {}
    if name in aliases:
        return registry[aliases[name]]
    folded = name.casefold()
    for key in list(registry) + list(aliases):
        if key.casefold() == folded:
            return registry[aliases.get(key, key)]
    raise UnknownMaterialError(kind, name, list(registry.keys()) + list(aliases.keys()))


def _check_temperature(T):
    """Validate temperature(s) in K: finite and > 0. Returns a float or float ndarray."""
    arr = np.asarray(T, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or not np.all(arr > 0.0):
        raise ParameterError("T", T, "finite temperature > 0 K",
                             detail="temperature must be in kelvin")
    return arr


@dataclass(frozen=True)
class Electrolyte:
    """A Li-ion conducting solid electrolyte film or pellet.

    Attributes
    ----------
    name : str
        Registry key.
    sigma_ref_S_per_m : float
        Li-ion conductivity at ``T_ref_K``, S/m.
    Ea_eV : float
        Arrhenius activation energy of the ionic conductivity, eV.
    T_ref_K : float
        Temperature at which ``sigma_ref_S_per_m`` was measured, K.
    sigma_e_S_per_m : float | None
        Electronic (leak) conductivity, S/m, taken as temperature independent; ``None`` = not known
        (no leak element should be emitted, and the caller should say so).
    eps_r : float | None
        Relative permittivity for the geometric capacitance ``eps0*eps_r*A/L``; ``None`` = not known.
    form : str
        ``"film"`` or ``"pellet"`` (and how made), because film and pellet values differ by orders.
    source : str
        Citation(s): paper, journal, year, table/figure.
    notes : str
        Caveats, ranges, verification status.
    assumed : tuple[str, ...]
        Names of fields whose values are our assumptions rather than a cited measurement.
    """

    name: str
    sigma_ref_S_per_m: float
    Ea_eV: float
    T_ref_K: float
    sigma_e_S_per_m: float | None
    eps_r: float | None
    form: str
    source: str
    notes: str = ""
    assumed: tuple[str, ...] = ()

    def __post_init__(self):
        if not (math.isfinite(self.sigma_ref_S_per_m) and self.sigma_ref_S_per_m > 0):
            raise ParameterError("sigma_ref_S_per_m", self.sigma_ref_S_per_m, "> 0 S/m")
        if not (math.isfinite(self.Ea_eV) and 0 <= self.Ea_eV < 5):
            raise ParameterError("Ea_eV", self.Ea_eV, "0 <= Ea < 5 eV")
        if not (math.isfinite(self.T_ref_K) and self.T_ref_K > 0):
            raise ParameterError("T_ref_K", self.T_ref_K, "> 0 K")
        if self.sigma_e_S_per_m is not None and not (
                math.isfinite(self.sigma_e_S_per_m) and self.sigma_e_S_per_m >= 0):
            raise ParameterError("sigma_e_S_per_m", self.sigma_e_S_per_m, ">= 0 S/m or None")
        if self.eps_r is not None and not (math.isfinite(self.eps_r) and self.eps_r >= 1):
            raise ParameterError("eps_r", self.eps_r, ">= 1 or None")
        names = {f.name for f in fields(self)}
        bad = [a for a in self.assumed if a not in names]
        if bad:
            raise ParameterError("assumed", bad, f"field names of Electrolyte: {sorted(names)}")

    def sigma(self, T):
        """Li-ion conductivity at temperature ``T`` (K), in S/m. Accepts a float or an array.

        ``sigma_ref * exp(-Ea/k_B * (1/T - 1/T_ref))``. Raises
        :class:`~lithispice.errors.ParameterError` (name ``'T'``) unless every ``T`` is finite and > 0.
        """
        arr = _check_temperature(T)
        out = self.sigma_ref_S_per_m * np.exp(-self.Ea_eV / k_B_eV * (1.0 / arr - 1.0 / self.T_ref_K))
        return float(out) if out.ndim == 0 else out

    def sigma_S_per_cm(self, T):
        """Same as :meth:`sigma` in S/cm (for comparison with papers)."""
        return self.sigma(T) / S_PER_M_PER_S_PER_CM


def _S_cm(x: float) -> float:
    """S/cm -> S/m."""
    return x * S_PER_M_PER_S_PER_CM


# ---------------------------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------------------------

LIPON = Electrolyte(
    name="LiPON",
    # 2.3 (+/- 0.7) e-6 S/cm at 25 degC, average Ea = 0.55 +/- 0.02 eV (impedance, -26..140 degC)
    sigma_ref_S_per_m=_S_cm(2.3e-6),
    Ea_eV=0.55,
    T_ref_K=_T_REF,
    # 1e-14 S/cm
    sigma_e_S_per_m=_S_cm(1e-14),
    eps_r=15.0,
    form="film (RF-sputtered Li3PO4 target in N2, amorphous Li2.9PO3.3N0.46)",
    source=(
        "X. Yu, J. B. Bates, G. E. Jellison Jr., F. X. Hart, 'A stable thin-film lithium electrolyte: "
        "lithium phosphorus oxynitride', J. Electrochem. Soc. 144(2), 524-532 (1997), "
        "doi:10.1149/1.1837443 (abstract: 2.3(+/-0.7)e-6 S/cm at 25 C, Ea = 0.55 +/- 0.02 eV, stable "
        "0-5.5 V vs Li). Electronic leak: B. Put, P. M. Vereecken, J. Meersschaut, A. Sepulveda, "
        "A. Stesmans, 'Electrical characterization of ultrathin RF-sputtered LiPON layers for nanoscale "
        "batteries', ACS Appl. Mater. Interfaces 8, 7060 (2016) (electronic resistivity ~1e15 Ohm cm "
        "for 15-nm films)."
    ),
    notes=(
        "DESIGN.md 4.3 range: 2-3e-6 S/cm, 0.5-0.6 eV; the review (Zhu et al. 2021) quotes ~2e-6 S/cm. "
        "sigma_e: published values span ~1e-15 S/cm (Put et al. 2016, 15-nm films) to ~2e-12 S/cm "
        "(high-N sputtered films); we take 1e-14 S/cm, the order most often quoted, as the nominal "
        "leak (ASSUMED choice within the reported span; raise it for worst-case retention). "
        "eps_r: no verified measurement found; 15 is an ASSUMED order-of-magnitude value for a Li "
        "phosphate glass; the geometric capacitance it sets (~0.13 nF/mm2 for 1 um) matters only at "
        "high frequency."
    ),
    assumed=("sigma_e_S_per_m", "eps_r"),
)

LI3PO4 = Electrolyte(
    name="Li3PO4",
    # 2.15e-6 S/cm at 500 degC, Ea = 0.97 eV
    sigma_ref_S_per_m=_S_cm(2.15e-6),
    Ea_eV=0.97,
    T_ref_K=celsius_to_kelvin(500.0),
    sigma_e_S_per_m=None,
    eps_r=None,
    form="film (RF magnetron sputtered, dense, crystalline, on Al2O3; CO2-sensor electrolyte)",
    source=(
        "'Potentiometric carbon dioxide sensor based on thin Li3PO4 electrolyte and Li2CO3 sensing "
        "electrode', Ionics 20(4), 563-569 (2014), doi:10.1007/s11581-013-1013-z (abstract: thin-film "
        "Li3PO4 2.15e-6 S/cm at 500 C, Ea = 0.97 eV; Li2CO3 sensing / Li2TiO3+TiO2 reference "
        "electrodes; 78.2 mV/decade for 5-20 % CO2 at 500 C)."
    ),
    notes=(
        "This is the sensor-operating-temperature value that DESIGN.md 4.4 quotes (~2e-6 S/cm at "
        "500 C, 0.97 eV); T_ref_K is therefore 773.15 K, not 298.15 K. Extrapolated to 25 C it gives "
        "~2e-16 S/cm: crystalline Li3PO4 is useless at room temperature, unlike amorphous sputtered "
        "Li3PO4/LiPON. Electronic conductivity and permittivity not reported there: None."
    ),
    assumed=(),
)

LLZO = Electrolyte(
    name="LLZO",
    # 1.0e-3 S/cm at 25 degC (total, pellet)
    sigma_ref_S_per_m=_S_cm(1.0e-3),
    Ea_eV=0.35,
    T_ref_K=_T_REF,
    # ~1e-8 S/cm
    sigma_e_S_per_m=_S_cm(1e-8),
    eps_r=None,
    form="pellet (sintered cubic garnet Li6.4La3Zr1.4Ta0.6O12)",
    source=(
        "Y. Li et al. (J. B. Goodenough group), 'Optimizing Li+ conductivity in a "
        "garnet framework', J. Mater. Chem. 22, 15357-15361 (2012) (Li6.4La3Zr1.4Ta0.6O12, "
        "~1.0e-3 S/cm at 25 C). Electronic conductivity order: F. Han et al., 'High electronic "
        "conductivity as the origin of lithium dendrite formation within solid electrolytes', "
        "Nat. Energy 4, 187-196 (2019). Sensor use: M. Struzik et al. (J. L. M. Rupp group), "
        "Adv. Mater. 30, 1804098 (2018) (Ta-LLZO pellet CO2 sensor, < 60 s at ~320 C; "
        "review Zhu et al. 2021)."
    ),
    notes=(
        "PELLET value (bulk ~ total for dense Ta-LLZO); LLZO thin films are typically 1e-7..1e-5 S/cm "
        "(e.g. amorphous sputtered Li-La-Zr-O 4e-7 S/cm, Kalita et al., Solid State Ionics 229, 14 "
        "(2012)) - do not use this entry for a sputtered film. Ea: reported 0.3-0.45 eV for Ta-doped "
        "cubic LLZO; 0.35 eV is an ASSUMED mid value (not re-read from the cited paper). sigma_e "
        "~1e-8 S/cm is the order reported by Han et al. 2019; ASSUMED as a nominal value. The "
        "1.0e-3 S/cm figure is quoted from the paper as commonly cited; full text not re-checked here."
    ),
    assumed=("Ea_eV", "sigma_e_S_per_m"),
)

LLTO = Electrolyte(
    name="LLTO",
    # total (grain boundary limited) ~2e-5 S/cm at room temperature
    sigma_ref_S_per_m=_S_cm(2e-5),
    Ea_eV=0.40,
    T_ref_K=_T_REF,
    sigma_e_S_per_m=None,
    eps_r=None,
    form="pellet (crystalline perovskite La0.51Li0.34TiO2.94, total = bulk + grain boundary)",
    source=(
        "Y. Inaguma et al., 'High ionic "
        "conductivity in lithium lanthanum titanate', Solid State Commun. 86, 689-693 (1993) (bulk "
        "~1e-3 S/cm, total ~2e-5 S/cm at RT). Ea: S. Stramare, V. Thangadurai, W. Weppner, 'Lithium "
        "lanthanum titanates: a review', Chem. Mater. 15, 3974-3990 (2003) (x ~ 0.1: 1e-3 S/cm, 0.40 eV)."
    ),
    notes=(
        "Total pellet conductivity, grain-boundary limited. Ea 0.40 eV is the BULK activation energy "
        "(Stramare 2003); grain-boundary Ea is usually somewhat higher, so using 0.40 eV for the total "
        "is ASSUMED. LLTO is reduced by Li metal (Ti4+ -> Ti3+): not stable against a Li anode. "
        "See LLTO_bulk and LLTO_amorphous_film."
    ),
    assumed=("Ea_eV",),
)

LLTO_BULK = Electrolyte(
    name="LLTO_bulk",
    sigma_ref_S_per_m=_S_cm(1e-3),
    Ea_eV=0.40,
    T_ref_K=_T_REF,
    sigma_e_S_per_m=None,
    eps_r=None,
    form="grain interior of crystalline perovskite Li3xLa2/3-xTiO3, x ~ 0.1 (pellet, impedance bulk arc)",
    source=(
        "Inaguma et al., Solid State Commun. 86, 689-693 (1993) (bulk ~1e-3 S/cm at RT); "
        "Stramare, Thangadurai, Weppner, Chem. Mater. 15, 3974-3990 (2003) (1e-3 S/cm, Ea 0.40 eV)."
    ),
    notes="Upper bound for LLTO (single grain / epitaxial film without boundaries). Unstable vs Li metal.",
    assumed=(),
)

LLTO_AMORPHOUS_FILM = Electrolyte(
    name="LLTO_amorphous_film",
    sigma_ref_S_per_m=_S_cm(1e-5),
    Ea_eV=0.36,
    T_ref_K=_T_REF,
    sigma_e_S_per_m=None,
    eps_r=None,
    form="film (amorphous LLTO; PLD / sputtered / e-beam / sol-gel)",
    source=(
        "Range 1e-6..1e-5 S/cm for amorphous LLTO films (project brief / DESIGN.md; review Zhu et al. "
        "2021 Table 2 uses amorphous LLTO in a LiNi0.5Mn1.5O4 half cell). Reported examples: "
        "e-beam amorphous films 3.5e-5 S/cm at RT (N. N. Dinh, L. D. Trong, P. D. Long, ASEAN J. Sci. "
        "Technol. Dev. 25(2), 243-250); Ea = 0.36 eV for sol-gel amorphous LLTO films, 30-90 C "
        "(Z. Zheng, Y. Zhang, S. Song, Y. Wang, RSC Adv. 7, 2017, doi:10.1039/c7ra04609j)."
    ),
    notes=(
        "sigma_ref = 1e-5 S/cm is an ASSUMED representative value (top of the 1e-6..1e-5 S/cm range; "
        "films vary by > 1 order with process). Ea from a sol-gel film (Zheng et al. 2017). Amorphous "
        "LLTO can switch resistively (Ti reduction) - see switching.py."
    ),
    assumed=("sigma_ref_S_per_m",),
)

#: Registry of electrolytes by name.
ELECTROLYTES: dict[str, Electrolyte] = {
    e.name: e for e in (LIPON, LI3PO4, LLZO, LLTO, LLTO_BULK, LLTO_AMORPHOUS_FILM)
}

_ALIASES = {
    "LLZO_Ta": "LLZO",
    "Ta-LLZO": "LLZO",
    "a-LLTO": "LLTO_amorphous_film",
}


def electrolyte(name: str) -> Electrolyte:
    """Look up an electrolyte by name (exact, alias, or case-insensitive).

    Raises :class:`UnknownMaterialError` (a ``ParameterError`` and a ``KeyError``) listing the known
    names.
    """
    return _lookup(ELECTROLYTES, name, "electrolyte", _ALIASES)
