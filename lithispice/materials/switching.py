"""Switching layers of Li memristors, and the review's Table 3 of Li-based memristive devices.

Two things live here:

* :class:`SwitchingLayer` - one entry per switching-film material named in Table 3 (metal-insulator
  transition or not, insulating / metallic electronic conductivity where a source gives it, Li
  diffusivity range, mechanism).
* :func:`table3_rows` - the 15 rows of Table 3 of Y. Zhu et al., "Lithium-film ceramics for
  solid-state lithionic devices", Nat. Rev. Mater. 6, 313-331 (2021), parsed from
  ``data/table3_memristors.csv`` into numbers (thresholds, R_on/off ratios).

Threshold parsing rule (column ``v_threshold_V``)
-------------------------------------------------
The review lists threshold voltages by *polarity*, not by transition; so do we:
``v_set_V`` is the **positive-polarity** threshold (a magnitude), ``v_reset_V`` the
**negative-polarity** threshold (a negative number). Which one actually lowers the resistance
depends on the stack and must be read from the original paper (for Li_xCoO2 cells, extracting Li -
usually the negative top-electrode polarity here - makes the film metallic).

Each value is a ``float`` (single value), a ``(lo, hi)`` tuple with lo < hi (a reported range; for
the negative polarity both ends are negative, e.g. ``(-4.1, -3.0)``), an open range with an infinite
end for ``">x"`` (``(10.0, inf)`` or ``(-inf, -10.0)``), or ``None`` (not reported).

==================  ========================  =====================================================
entry               parsed (v_set, v_reset)   rule
==================  ========================  =====================================================
``-4``, ``-8``      (None, -4.0)              explicit sign -> that polarity only
``-3;+2.5``         (2.5, -3.0)               ';' separates the two polarities; signs explicit
``-0.5;1.5-2``      ((1.5, 2.0), -0.5)        an unsigned part next to a negative one is positive;
                                              ``a-b`` after the first digit is a range
``-4.1 to -3.0``    (None, (-4.1, -3.0))      ``to`` = range; both ends negative
``-2.6 to 7``       (7.0, -2.6)               a ``to`` range that spans 0 is split: negative end =
                                              negative-polarity threshold, positive end = positive
``>10;2``           (2.0, (-inf, -10.0))      unsigned pair: **first = negative polarity**
                                              (polarity_assumed=True)
``1;4``             (4.0, -1.0)               unsigned pair, same rule (polarity_assumed=True)
``2-4``, ``3``      ((2.0, 4.0), None), (3.0, None)  unsigned, single -> positive polarity
                                              (polarity_assumed=True)
==================  ========================  =====================================================

Why "first = negative polarity" for the two unsigned pairs: every *signed* pair in Table 3
(``-3;+2.5``, ``-0.5;1.5-2``, ``-2.4;1.5-2.2``, ``-2.8;2.4``, ``-8;8``, ``-35;11``) lists the negative
polarity first, so we apply the table's own ordering. We could not check the original papers
(refs 26 and 201); rows parsed with an assumed polarity carry ``polarity_assumed=True``. Use the
magnitudes with confidence, the signs of those rows with care.

R_on/off parsing rule (column ``ron_off``)
------------------------------------------
``""`` -> None; ``"180"`` / ``"1e2"`` -> (180.0, 180.0); ``"1e4-1e5"`` / ``"10-15"`` -> (lo, hi);
``"~100"`` -> (100.0, 100.0) with ``ron_off_approx=True``. A '-' directly after 'e'/'E' is an
exponent sign, not a range separator.
"""
from __future__ import annotations

import csv
import functools
import io
import math
import re
from dataclasses import dataclass, fields
from importlib import resources

from lithispice.errors import ParameterError
from lithispice.materials.electrolytes import _lookup

__all__ = [
    "SwitchingLayer",
    "SWITCHING_LAYERS",
    "switching_layer",
    "Table3Row",
    "table3_rows",
    "parse_threshold",
    "parse_ratio",
    "TABLE3_SOURCE",
    "TABLE3_CSV",
    "LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S",
]

#: Citation of Table 3.
TABLE3_SOURCE = ("Y. Zhu et al., 'Lithium-film ceramics for solid-state lithionic devices', "
                 "Nat. Rev. Mater. 6, 313-331 (2021), Table 3")
#: Package-relative name of the CSV copy of Table 3.
TABLE3_CSV = "data/table3_memristors.csv"

_S_CM = 100.0  # 1 S/cm in S/m

#: Li diffusivity in Li-intercalation switching oxides, m2/s: the review's 1e-11..1e-9 cm2/s
#: (vs ~1e-13 cm2/s for O vacancies in SrTiO3 and 1e-7..1e-4 cm2/s for Ag/Cu). Class-wide range.
LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S = (1e-11 * 1e-4, 1e-9 * 1e-4)

_REVIEW_D = ("Li diffusivity range: Zhu et al., Nat. Rev. Mater. 6, 313 (2021) (1e-9..1e-11 cm2/s for "
             "Li-intercalation switching oxides; a class-wide figure, not specific to this material)")


@dataclass(frozen=True)
class SwitchingLayer:
    """A memristor switching film.

    Attributes
    ----------
    name : str
        As written in Table 3 (registry key).
    formula : str
        Formula with its Li stoichiometry variable.
    metal_insulator_transition : bool
        As in Table 3's MIT column.
    insulating_composition, metallic_composition : str
        Which composition is the insulator / the metal ("" if no MIT).
    sigma_insulating_S_per_m, sigma_metallic_S_per_m : float | None
        Electronic conductivity of the insulating / metallic end member, S/m, or None if no cited
        number.
    conductivity_ratio_min : float | None
        Minimum metallic/insulating conductivity ratio stated by a source.
    x_metallic_below, x_insulating_above : float | None
        For Li_xCoO2-type MITs: metallic for x < x_metallic_below, insulating for x > x_insulating_above,
        two-phase coexistence between.
    D_range_m2_per_s : (float, float) | None
        Li diffusivity range, m2/s.
    mechanism : str
        Switching mechanism(s) as reported in Table 3.
    source, notes : str
    assumed : tuple[str, ...]
        Fields that are our assumptions.
    """

    name: str
    formula: str
    metal_insulator_transition: bool
    insulating_composition: str
    metallic_composition: str
    sigma_insulating_S_per_m: float | None
    sigma_metallic_S_per_m: float | None
    conductivity_ratio_min: float | None
    x_metallic_below: float | None
    x_insulating_above: float | None
    D_range_m2_per_s: tuple[float, float] | None
    mechanism: str
    source: str
    notes: str = ""
    assumed: tuple[str, ...] = ()

    def __post_init__(self):
        for nm in ("sigma_insulating_S_per_m", "sigma_metallic_S_per_m", "conductivity_ratio_min"):
            v = getattr(self, nm)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise ParameterError(nm, v, "> 0 or None")
        if self.D_range_m2_per_s is not None:
            lo, hi = self.D_range_m2_per_s
            if not 0 < lo <= hi:
                raise ParameterError("D_range_m2_per_s", self.D_range_m2_per_s, "0 < lo <= hi (m2/s)")
        names = {f.name for f in fields(self)}
        bad = [a for a in self.assumed if a not in names]
        if bad:
            raise ParameterError("assumed", bad, f"field names of SwitchingLayer: {sorted(names)}")

    @property
    def conductivity_ratio(self) -> float | None:
        """sigma_metallic / sigma_insulating when both are known, else None."""
        if self.sigma_insulating_S_per_m and self.sigma_metallic_S_per_m:
            return self.sigma_metallic_S_per_m / self.sigma_insulating_S_per_m
        return None


_LAYERS = (
    SwitchingLayer(
        name="LiCoO2",
        formula="Li_xCoO2",
        metal_insulator_transition=True,
        insulating_composition="Li_xCoO2, x > 0.95",
        metallic_composition="Li_xCoO2, x < 0.75",
        sigma_insulating_S_per_m=None,
        sigma_metallic_S_per_m=None,
        conductivity_ratio_min=100.0,
        x_metallic_below=0.75,
        x_insulating_above=0.95,
        D_range_m2_per_s=LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S,
        mechanism="Li migration and exchange with electrode (Table 3); MIT with two-phase coexistence",
        source=(
            "Zhu et al., Nat. Rev. Mater. 6, 313 (2021): Li_xCoO2 insulating for x > 0.95, metallic for "
            "x < 0.75, phase coexistence between; conductivity rises >= 2 orders (DESIGN.md 4.1). "
            "Original MIT study: M. Menetrier, I. Saadoune, S. Levasseur, C. Delmas, 'The insulator-"
            "metal transition upon lithium deintercalation from LiCoO2: electronic properties and 7Li "
            "NMR study', J. Mater. Chem. 9, 1135-1140 (1999). " + _REVIEW_D + "."
        ),
        notes=(
            "No absolute conductivities are given: reported values depend strongly on film "
            "microstructure (a sputtered LiCoO2 film stays metallic after the first delithiation, "
            "M. Nishizawa et al., Chem. Commun. 1998, 1631). Use the Table 3 R_on/off (1e2..1e5) or the "
            ">= 100 ratio with a device-level G_on/G_off. Menetrier 1999 bibliographic details quoted "
            "from the literature, not re-read here."
        ),
    ),
    SwitchingLayer(
        name="Li4+3xTi5O12",
        formula="Li_(4+3x)Ti5O12",
        metal_insulator_transition=True,
        insulating_composition="Li4Ti5O12 (x = 0)",
        metallic_composition="Li7Ti5O12 (x = 1)",
        sigma_insulating_S_per_m=1e-13 * _S_CM,
        sigma_metallic_S_per_m=2.46 * _S_CM,
        conductivity_ratio_min=None,
        x_metallic_below=None,
        x_insulating_above=None,
        D_range_m2_per_s=LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S,
        mechanism="electric-field-driven phase separation (Table 3)",
        source=(
            "Insulating Li4Ti5O12 ~1e-13 S/cm: review Zhu et al. 2021 / DESIGN.md 4.1 (the figure "
            "usually quoted for Li4Ti5O12; original measurement not re-read here). Metallic Li7Ti5O12 "
            "2.46 S/cm at 300 K, weakly activated: D. Young et al. (Y.-M. Chiang group), 'Electronic "
            "conductivity in the Li4/3Ti5/3O4-Li7/3Ti5/3O4 system and variation with state-of-charge "
            "as a Li battery anode', Adv. Energy Mater. 3, 1125 (2013). " + _REVIEW_D + "."
        ),
        notes=(
            "Miscibility gap between insulating Li4Ti5O12 and metallic Li7Ti5O12. Li7-rich films switch "
            "symmetrically and faster than Li4-rich ones (asymmetric); weight updates by 500-ms voltage "
            "pulses (review). Young et al. also find high electronic conductivity down to small "
            "lithiation (x ~ 0.04 in their notation), i.e. percolation sets in early."
        ),
    ),
    SwitchingLayer(
        name="LiNbOx",
        formula="LiNbO_x",
        metal_insulator_transition=False,
        insulating_composition="",
        metallic_composition="",
        sigma_insulating_S_per_m=None,
        sigma_metallic_S_per_m=None,
        conductivity_ratio_min=None,
        x_metallic_below=None,
        x_insulating_above=None,
        D_range_m2_per_s=LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S,
        mechanism="non-filamentary, spatially homogeneous (PLD films); filamentary (exfoliated crystal)",
        source=TABLE3_SOURCE + " (refs 126, 129, 200, 201). " + _REVIEW_D + ".",
        notes="Interfacial/homogeneous switching: the 'series' G(w) law fits better than the 'log' MIT law.",
    ),
    SwitchingLayer(
        name="LiFePO4",
        formula="Li_xFePO4",
        metal_insulator_transition=False,
        insulating_composition="",
        metallic_composition="",
        sigma_insulating_S_per_m=None,
        sigma_metallic_S_per_m=None,
        conductivity_ratio_min=None,
        x_metallic_below=None,
        x_insulating_above=None,
        D_range_m2_per_s=LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S,
        mechanism="Li migration and exchange with electrode (Table 3, 1D device)",
        source=TABLE3_SOURCE + " (ref 38); switching below 50 ns (review). " + _REVIEW_D + ".",
        notes="Undoped LiFePO4 is a poor electronic conductor (order 1e-9 S/cm is often quoted); not used.",
    ),
    SwitchingLayer(
        name="LiFe5O8",
        formula="LiFe5O8",
        metal_insulator_transition=True,
        insulating_composition="",
        metallic_composition="",
        sigma_insulating_S_per_m=None,
        sigma_metallic_S_per_m=None,
        conductivity_ratio_min=None,
        x_metallic_below=None,
        x_insulating_above=None,
        D_range_m2_per_s=LI_SWITCHING_OXIDE_D_RANGE_M2_PER_S,
        mechanism="filament formation (Table 3)",
        source=TABLE3_SOURCE + " (ref 131; MIT = yes). " + _REVIEW_D + ".",
        notes="Compositions of the insulating/metallic phases not given in the review: left empty.",
    ),
    SwitchingLayer(
        name="LLTO",
        formula="Li_3xLa_(2/3-x)TiO3",
        metal_insulator_transition=False,
        insulating_composition="",
        metallic_composition="",
        sigma_insulating_S_per_m=None,
        sigma_metallic_S_per_m=None,
        conductivity_ratio_min=None,
        x_metallic_below=None,
        x_insulating_above=None,
        D_range_m2_per_s=None,
        mechanism="Li migration and polaron hopping (Table 3)",
        source=TABLE3_SOURCE + " (ref 26, spin-coated, Pt/LLTO/Pt).",
        notes=(
            "An electrolyte used as a switching layer; its Li-ion conductivity is in electrolytes.py "
            "(LLTO, LLTO_amorphous_film). Amorphous LLTO switching is linked to Ti reduction. "
            "D not given (an electrolyte, not an intercalation oxide)."
        ),
    ),
    SwitchingLayer(
        name="LiPON",
        formula="Li_xPO_yN_z",
        metal_insulator_transition=False,
        insulating_composition="",
        metallic_composition="",
        sigma_insulating_S_per_m=None,
        sigma_metallic_S_per_m=None,
        conductivity_ratio_min=None,
        x_metallic_below=None,
        x_insulating_above=None,
        D_range_m2_per_s=None,
        mechanism="filament formation (Table 3)",
        source=TABLE3_SOURCE + " (ref 20, sputtered, Au/LiPON/TiN).",
        notes=(
            "Electrolyte as switching layer (Li filaments); ionic and electronic conductivity in "
            "electrolytes.py (LiPON). Large thresholds (-35 V; 11 V) in Table 3."
        ),
    ),
)

#: Registry of switching layers, keyed by the Table 3 material name.
SWITCHING_LAYERS: dict[str, SwitchingLayer] = {s.name: s for s in _LAYERS}

_ALIASES = {"LTO": "Li4+3xTi5O12", "Li4Ti5O12": "Li4+3xTi5O12", "LixCoO2": "LiCoO2",
            "LiNbO3": "LiNbOx"}


def switching_layer(name: str) -> SwitchingLayer:
    """Look up a switching layer by its Table 3 name or alias (case-insensitive)."""
    return _lookup(SWITCHING_LAYERS, name, "switching layer", _ALIASES)


# ---------------------------------------------------------------------------------------------
# Table 3
# ---------------------------------------------------------------------------------------------

_NUM = r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?"
_PART_RE = re.compile(rf"^(?P<sign>[+-]?)(?P<gt>>?)\s*(?P<a>{_NUM})(?:\s*-\s*(?P<b>{_NUM}))?$")
_TO_RE = re.compile(rf"^(?P<a>[+-]?{_NUM})\s+to\s+(?P<b>[+-]?{_NUM})$")


def _token(part: str):
    """One ';'-part -> list of (value, signed) where value is float or (lo, hi)."""
    part = part.strip()
    m = _TO_RE.match(part)
    if m:
        a, b = float(m["a"]), float(m["b"])
        lo, hi = min(a, b), max(a, b)
        if lo < 0 < hi:  # spans zero: two polarities
            return [(lo, True), (hi, True)]
        return [((lo, hi), True)]
    m = _PART_RE.match(part)
    if not m:
        raise ParameterError("v_threshold_V", part, "Table 3 threshold syntax, see module docstring")
    sign = -1.0 if m["sign"] == "-" else 1.0
    a = float(m["a"])
    if m["gt"]:
        val = (a, math.inf)
    elif m["b"] is not None:
        val = (a, float(m["b"]))
    else:
        val = a
    if sign < 0:
        val = -val if isinstance(val, float) else (-val[1], -val[0])
    return [(val, bool(m["sign"]))]


def _is_negative(v) -> bool:
    return (v < 0) if isinstance(v, float) else (v[1] < 0)


def _negate(v):
    return -v if isinstance(v, float) else (-v[1], -v[0])


def parse_threshold(text: str):
    """Parse Table 3's ``v_threshold_V`` -> ``(v_set_V, v_reset_V, polarity_assumed)``.

    See the module docstring for the rule. Raises ParameterError on unrecognised syntax.
    """
    text = (text or "").strip()
    if not text:
        return None, None, False
    toks = []
    for part in text.split(";"):
        toks.extend(_token(part))
    if len(toks) > 2:
        raise ParameterError("v_threshold_V", text, "at most two thresholds (two polarities)")
    any_signed = any(signed for _, signed in toks)
    pos, neg, assumed = None, None, False
    if len(toks) == 1:
        v, signed = toks[0]
        if signed and _is_negative(v):
            neg = v
        else:
            pos = v
            assumed = not signed
    else:
        (v1, s1), (v2, s2) = toks
        if any_signed:
            # explicit signs decide; an unsigned partner of a negative value is positive
            vals = [v1, v2]
            negs = [v for v in vals if _is_negative(v)]
            poss = [v for v in vals if not _is_negative(v)]
            if len(negs) != 1 or len(poss) != 1:
                raise ParameterError("v_threshold_V", text, "one negative and one positive threshold")
            neg, pos = negs[0], poss[0]
        else:
            # unsigned pair: the table lists the negative polarity first (see module docstring)
            neg, pos, assumed = _negate(v1), v2, True
    return pos, neg, assumed


def parse_ratio(text: str):
    """Parse Table 3's ``ron_off`` -> ``((lo, hi) | None, approx: bool)``; see module docstring."""
    text = (text or "").strip()
    if not text:
        return None, False
    approx = text.startswith("~")
    body = text.lstrip("~").strip()
    parts = re.split(r"(?<![eE])-", body)
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise ParameterError("ron_off", text, "N, ~N, or N-M (positive numbers)") from None
    if len(vals) == 1:
        vals = vals * 2
    if len(vals) != 2 or not (0 < vals[0] <= vals[1]):
        raise ParameterError("ron_off", text, "N, ~N, or N-M with 0 < N <= M")
    return (vals[0], vals[1]), approx


def _nominal(v) -> float | None:
    if v is None:
        return None
    if isinstance(v, float):
        return v
    lo, hi = v
    if math.isinf(lo):
        return hi
    if math.isinf(hi):
        return lo
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Table3Row:
    """One row of Table 3 (Zhu et al., Nat. Rev. Mater. 2021), parsed.

    Attributes
    ----------
    dimensionality : str
        "1D", "2D" or "3D" as in the review.
    material : str
        Switching material as written (key of :data:`SWITCHING_LAYERS`).
    metal_insulator_transition : bool
    top_electrode, bottom_electrode : str
    v_threshold_raw : str
        The table's text.
    v_set_V, v_reset_V : float | (lo, hi) | None
        Positive-polarity threshold (magnitude) and negative-polarity threshold (negative), V.
    polarity_assumed : bool
        True when the sign of a threshold was not in the table (see module docstring).
    ron_off : (lo, hi) | None
        Reported resistance ratio R_off/R_on (lo == hi for a single value).
    ron_off_approx : bool
        True for "~" entries.
    ron_off_raw : str
    mechanism : str | None
    process : str
        Film process (PLD, sputtering, ...).
    phase_evolution_probed : bool | None
    ref : int
        Reference number in the review.
    source : str
    """

    dimensionality: str
    material: str
    metal_insulator_transition: bool
    top_electrode: str
    bottom_electrode: str
    v_threshold_raw: str
    v_set_V: float | tuple[float, float] | None
    v_reset_V: float | tuple[float, float] | None
    polarity_assumed: bool
    ron_off: tuple[float, float] | None
    ron_off_approx: bool
    ron_off_raw: str
    mechanism: str | None
    process: str
    phase_evolution_probed: bool | None
    ref: int
    source: str = TABLE3_SOURCE

    @property
    def v_set_nominal_V(self) -> float | None:
        """Single representative positive threshold: the value, a range's midpoint, or the finite
        end of an open range."""
        return _nominal(self.v_set_V)

    @property
    def v_reset_nominal_V(self) -> float | None:
        """Same for the negative-polarity threshold (a negative number)."""
        return _nominal(self.v_reset_V)

    @property
    def ron_off_nominal(self) -> float | None:
        """Geometric mean of the reported ratio range (ratios are compared on a log scale)."""
        if self.ron_off is None:
            return None
        return math.sqrt(self.ron_off[0] * self.ron_off[1])

    @property
    def three_terminal(self) -> bool:
        """True for the three-terminal (transistor) row."""
        return "three-terminal" in (self.mechanism or "")

    @property
    def switching_layer(self) -> SwitchingLayer:
        """The :class:`SwitchingLayer` entry of this row's material."""
        return SWITCHING_LAYERS[self.material]


def _yes_no(text: str, column: str, allow_empty: bool):
    t = (text or "").strip().lower()
    if t == "yes":
        return True
    if t == "no":
        return False
    if t == "" and allow_empty:
        return None
    raise ParameterError(column, text, "yes/no" + (" or empty" if allow_empty else ""))


def _read_csv_text() -> str:
    return resources.files("lithispice.materials").joinpath(TABLE3_CSV).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _parsed_rows() -> tuple[Table3Row, ...]:
    lines = [ln for ln in _read_csv_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    rows = []
    for rec in csv.DictReader(io.StringIO("\n".join(lines))):
        v_set, v_reset, assumed = parse_threshold(rec["v_threshold_V"])
        ratio, approx = parse_ratio(rec["ron_off"])
        rows.append(Table3Row(
            dimensionality=rec["dimensionality"].strip(),
            material=rec["switching_material"].strip(),
            metal_insulator_transition=_yes_no(rec["metal_insulator_transition"],
                                               "metal_insulator_transition", False),
            top_electrode=rec["top_electrode"].strip(),
            bottom_electrode=rec["bottom_electrode"].strip(),
            v_threshold_raw=rec["v_threshold_V"].strip(),
            v_set_V=v_set,
            v_reset_V=v_reset,
            polarity_assumed=assumed,
            ron_off=ratio,
            ron_off_approx=approx,
            ron_off_raw=rec["ron_off"].strip(),
            mechanism=rec["switching_mechanism"].strip() or None,
            process=rec["film_process"].strip(),
            phase_evolution_probed=_yes_no(rec["phase_evolution_probed"], "phase_evolution_probed", True),
            ref=int(rec["ref"]),
        ))
    return tuple(rows)


def table3_rows(material: str | None = None) -> list[Table3Row]:
    """The rows of Table 3, in table order; optionally only those of one ``material``.

    ``material`` accepts the Table 3 name or an alias of :func:`switching_layer`.
    """
    rows = _parsed_rows()
    if material is None:
        return list(rows)
    name = switching_layer(material).name
    return [r for r in rows if r.material == name]
