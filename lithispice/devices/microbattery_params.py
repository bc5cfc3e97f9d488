"""Parameter table of the thin-film microbattery: the one place each parameter's unit, allowed
range and meaning are written (lithispice.spice.params).

From it come ``Microbattery.__post_init__``'s range checks, the kernel-run checks of the
initial state (soc0, soh) and temperature, and the ``params:`` list of the ``.subckt`` line
(names and order; microbattery_spice.py supplies the defaults). Ranges are those the model
has always enforced; the numbers are written as before (``1.0``, ``1e3``) so the error texts
read the same.
"""
from __future__ import annotations

from ..spice.params import Param, ParamTable

#: Most finite volumes of the cathode film: BATTERY_FILM_MAXN of the compiled kernel
#: (LSE_FILM_MAXN in csrc/electrochem.h). Written out so that importing the table does not load
#: the extension; tests/test_param_tables_electrochem.py checks that the two agree.
FILM_MAXN = 128

PARAMS = ParamTable("microbattery", [
    # --- geometry
    Param("area", None, "m2", "footprint of the stack", 0, 1.0, lo_open=True),
    Param("cathode_thickness", None, "m", "cathode film thickness", 0, 1e-3, lo_open=True),
    Param("electrolyte_thickness", None, "m", "electrolyte film thickness", 0, 1e-3, lo_open=True),
    Param("anode_thickness", None, "m", "Li-metal thickness at full charge (soc = 1)", 0, 1e-3),
    # --- cathode
    Param("c_max", None, "mol/m3", "cathode Li concentration of the usable range "
          "(capacity / volume / F)", 0, 1e6, lo_open=True),
    Param("D", None, "m2/s", "cathode Li chemical diffusivity at t_ref", 0, 1e-6, lo_open=True),
    Param("ea_D", None, "eV", "activation energy of D", 0, 3),
    Param("i0_cathode", None, "A/m2", "exchange current density cathode/electrolyte at t_ref",
          0, 1e6, lo_open=True),
    Param("ea_i0_cathode", None, "eV", "activation energy of i0_cathode", 0, 3),
    Param("c_dl", None, "F/m2", "double-layer capacitance of the cathode interface (0: none)",
          0, 1e3),
    # --- electrolyte
    Param("sigma_ref", None, "S/m", "electrolyte Li-ion conductivity at t_ref_sigma",
          0, 1e4, lo_open=True),
    Param("ea_sigma", None, "eV", "activation energy of sigma", 0, 3),
    Param("t_ref_sigma", None, "K", "temperature of sigma_ref", 0, 2000, lo_open=True),
    Param("sigma_e", None, "S/m", "electrolyte electronic conductivity, the self-discharge leak "
          "(0: none)", 0, 1e4),
    Param("eps_r", None, "1", "electrolyte relative permittivity (documentation only)", 1, 1e5),
    # --- anode (Li metal)
    Param("c_li", None, "mol/m3", "Li atoms per volume of the metal", 0, 1e6, lo_open=True),
    Param("i0_anode", None, "A/m2", "exchange current density Li/electrolyte at t_ref",
          0, 1e6, lo_open=True),
    Param("ea_i0_anode", None, "eV", "activation energy of i0_anode", 0, 3),
    # --- operation and numerics
    Param("v_min", None, "V", "discharge cut-off voltage", 0, 10),
    Param("v_max", None, "V", "charge cut-off voltage (> v_min)", 0, 10),
    # inf (no fade) is allowed, which Param.validate (finite numbers) refuses: checked in code
    Param("cycle_life", None, "1", "cycles at 100 % DOD to 80 % capacity (inf: no fade)",
          1, None, check=False),
    Param("t_ref", None, "K", "reference temperature of D and the i0", 0, 2000, lo_open=True),
    # an integer: checked in code (param_checks.check_integer) against this range
    Param("n_volumes", None, "1", "finite volumes of the cathode film (same in C and SPICE)",
          1, FILM_MAXN, check=False),
    Param("grading", None, "1", "dz(collector)/dz(surface) of the cathode grid", 1, 1e3),
    Param("tol", None, "1", "integrator local error tolerance per step (lithiation; V on eta_c)",
          1e-12, 1e-2),
    # --- per-instance parameters of the .subckt (initial state and temperature), in the order
    # of its params: list
    Param(None, "soc0", "1", "initial state of charge (1 = charged)", 0, 1),
    # 0 = follow the circuit temperature (lithispice.spice.carddoc); kernel runs take
    # physical temperatures only (param_checks.temperature refuses 0)
    Param(None, "tk", "K", "instance temperature override; 0 (default) = the circuit "
          "temperature", 0, 2000, temperature=True),
    Param(None, "soh", "1", "state of health: active cathode fraction (give a faded state here)",
          0, 1, lo_open=True),
    Param(None, "qli0", "C", "initial Li-metal inventory; -1 (any value < 0): derived, the "
          "full-charge inventory minus (1 - soc0) Q soh", -1, None),
])
