"""The one place that maps an electrode material's OCV law (lithispice.materials) to the forms
the C kernels evaluate (``lse_ocv`` in csrc/electrochem.h) and the SPICE exports transcribe:
the Ramadass LiCoO2 rational fit, a table (linear interpolation, ends clamped, optional dU/dT),
or a flat plateau. Used by the microbattery (cathode) and the synapse (channel, reservoir)."""
from __future__ import annotations

from ..errors import ParameterError


def ocv_spec(material_name: str, what: str = "electrode"):
    """(kind, x0, x1, u_const V, x table, U table V, dU/dT table V/K, table temperature K) of
    intercalation material ``material_name``; ``kind`` is "ramadass_licoo2", "table" or
    "const". ``what`` names the parameter in errors (e.g. "cathode", "channel")."""
    from ..materials import electrodes as el
    if not isinstance(material_name, str):
        raise ParameterError(what, material_name, f"a material name, one of {list(el.ELECTRODES)}")
    try:
        mat = el.electrode(material_name)
    except ParameterError as exc:           # UnknownMaterialError names 'electrode'
        raise ParameterError(what, material_name, exc.allowed) from None
    if isinstance(mat, el.LithiumMetal):
        raise ParameterError(what, material_name, "an intercalation material, not Li metal")
    x0, x1 = (float(v) for v in mat.x_range)
    if mat.ocv is el.lico2_ocv_ramadass2004:
        return ("ramadass_licoo2", x0, x1, 0.0, (), (), (), 298.15)
    if mat.ocv is el.lnmo_ocv_mao2020:
        return ("table", x0, x1, 0.0, tuple(el.MAO2020_LNMO_X), tuple(el.MAO2020_LNMO_U_V),
                tuple(el.MAO2020_LNMO_DUDT_V_PER_K), float(el.MAO2020_LNMO_T_REF_K))
    if mat.ocv is el.wo3_ocv_lattice_gas:
        xt = tuple(el.WO3_LATTICE_GAS_X)
        return ("table", x0, x1, 0.0, xt, tuple(el.WO3_LATTICE_GAS_U_V), (0.0,) * len(xt), 298.15)
    if mat.ocv is None:
        return ("const", x0, x1, float(mat.U_nominal_V), (), (), (), 298.15)
    raise ParameterError(what, material_name,
                         "a material whose OCV law the kernels know (Ramadass LiCoO2, a table: "
                         "Mao LNMO or the WO3 lattice-gas form, or a flat plateau)")
