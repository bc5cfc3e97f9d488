"""Materials database of lithispice: every number with its unit and its citation.

Modelled on PyBaMM's parameter sets: one frozen dataclass per material, SI units named in the field
(``sigma_ref_S_per_m``, ``D_m2_per_s``, ``i0_A_per_m2``), the source in a ``source`` field, and our
own assumptions listed by field name in ``assumed`` and explained in ``notes``.

* :mod:`~lithispice.materials.electrolytes` - :class:`Electrolyte` (Arrhenius Li-ion conductivity,
  electronic leak, permittivity): LiPON, Li3PO4, LLZO, LLTO (+ bulk, amorphous film).
* :mod:`~lithispice.materials.electrodes` - :class:`IntercalationMaterial` (LiCoO2, LiNi0.5Mn1.5O4,
  WO3, Si, Li4Ti5O12) and :class:`LithiumMetal`; OCV fits.
* :mod:`~lithispice.materials.switching` - :class:`SwitchingLayer` (Table 3 switching films) and
  :func:`table3_rows` (Zhu et al., Nat. Rev. Mater. 6, 313 (2021), Table 3, parsed).

Lookups (``electrolyte``, ``electrode``, ``switching_layer``) accept the registry name, an alias or
a case-insensitive spelling and raise :class:`UnknownMaterialError` (a ``ParameterError`` and a
``KeyError``) listing the known names.
"""
from lithispice.materials.electrodes import (ELECTRODES, LITHIUM_METAL, IntercalationMaterial,
                                             LithiumMetal, electrode, lico2_ocv_ramadass2004,
                                             lnmo_ocv_mao2020)
from lithispice.materials.electrolytes import (ELECTROLYTES, Electrolyte, UnknownMaterialError,
                                               electrolyte)
from lithispice.materials.switching import (SWITCHING_LAYERS, TABLE3_SOURCE, SwitchingLayer,
                                            Table3Row, parse_ratio, parse_threshold,
                                            switching_layer, table3_rows)

#: Citation of the review the project is built on.
REVIEW_CITATION = ("Y. Zhu et al., 'Lithium-film ceramics for solid-state lithionic devices', "
                   "Nat. Rev. Mater. 6, 313-331 (2021)")

__all__ = [
    "Electrolyte", "ELECTROLYTES", "electrolyte",
    "IntercalationMaterial", "LithiumMetal", "ELECTRODES", "LITHIUM_METAL", "electrode",
    "lico2_ocv_ramadass2004", "lnmo_ocv_mao2020",
    "SwitchingLayer", "SWITCHING_LAYERS", "switching_layer",
    "Table3Row", "table3_rows", "parse_threshold", "parse_ratio", "TABLE3_SOURCE",
    "UnknownMaterialError", "REVIEW_CITATION",
]
