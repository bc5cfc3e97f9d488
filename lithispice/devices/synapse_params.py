"""Parameter table of the three-terminal Li-ion synapse: the one place each parameter's unit,
allowed range and meaning are written (lithispice.spice.params).

From it come ``Synapse.__post_init__``'s range checks, the kernel-run checks of the state and
temperature, and the ``params:`` list of the ``.subckt`` line (names and order;
synapse_spice.py supplies the defaults). The initial lithiations are dataclass fields and
instance parameters at once (``theta_c0`` / ``thc0``). Ranges are those the model has always
enforced, the numbers written as before so the error texts read the same.
"""
from __future__ import annotations

from ..spice.params import Param, ParamTable

#: Most finite volumes per film the synapse accepts (n_volumes).
FILM_MAXN = 32

PARAMS = ParamTable("synapse", [
    # --- channel
    Param("w_ch", None, "m", "channel width (gate area w_ch l_ch)", 0, 1e-2, lo_open=True),
    Param("l_ch", None, "m", "channel length, source to drain", 0, 1e-2, lo_open=True),
    Param("t_ch", None, "m", "channel film thickness", 0, 1e-4, lo_open=True),
    # None (the material's value) is allowed: checked in code against this range
    Param("c_max_ch", None, "mol/m3", "channel Li concentration of the usable range "
          "(None: from the material)", 0, 1e6, lo_open=True, check=False),
    Param("D_ch", None, "m2/s", "channel Li diffusivity at t_ref", 0, 1e-6, lo_open=True),
    Param("i0_ch", None, "A/m2", "exchange current density channel/electrolyte at t_ref",
          0, 1e6, lo_open=True),
    Param("x_a", None, "1", "channel stoichiometry where the conductivity is sigma_a", 0, 10),
    Param("x_b", None, "1", "channel stoichiometry where the conductivity is sigma_b (!= x_a)",
          0, 10),
    Param("sigma_a", None, "S/m", "channel conductivity at x_a", 0, 1e8, lo_open=True),
    Param("sigma_b", None, "S/m", "channel conductivity at x_b", 0, 1e8, lo_open=True),
    # --- electrolyte
    Param("el_thickness", None, "m", "electrolyte film thickness", 0, 1e-3, lo_open=True),
    Param("sigma_ref", None, "S/m", "electrolyte Li-ion conductivity at t_ref_sigma",
          0, 1e4, lo_open=True),
    Param("ea_sigma", None, "eV", "activation energy of sigma", 0, 3),
    Param("t_ref_sigma", None, "K", "temperature of sigma_ref", 0, 2000, lo_open=True),
    Param("sigma_e", None, "S/m", "electrolyte electronic conductivity, the retention leak "
          "(0: none)", 0, 1e4),
    # --- reservoir
    Param("res_area", None, "m2", "reservoir area (0: the gate area)", 0, 1.0),
    Param("res_thickness", None, "m", "reservoir film thickness", 0, 1e-3, lo_open=True),
    Param("c_max_res", None, "mol/m3", "reservoir Li concentration of the usable range "
          "(None: from the material)", 0, 1e7, lo_open=True, check=False),
    Param("D_res", None, "m2/s", "reservoir Li diffusivity at t_ref", 0, 1e-6, lo_open=True),
    Param("i0_res", None, "A/m2", "exchange current density reservoir/electrolyte at t_ref",
          0, 1e6, lo_open=True),
    # --- temperature and initial state
    Param("ea_D", None, "eV", "activation energy of both diffusivities", 0, 3),
    Param("ea_i0", None, "eV", "activation energy of both exchange currents", 0, 3),
    Param("t_ref", None, "K", "reference temperature of the D and i0", 0, 2000, lo_open=True),
    Param("theta_c0", "thc0", "1", "initial channel lithiation", 0, 1),
    Param("theta_r0", "thr0", "1", "initial reservoir lithiation (internal reservoir)", 0, 1),
    # --- programming defaults
    Param("pulse_amplitude", None, "A or V", "programming pulse: current magnitude (current "
          "drive) or overdrive above the open-circuit potential (voltage drive)",
          0, 1e3, lo_open=True),
    Param("t_on", None, "s", "programming pulse width", 0, 1e6, lo_open=True),
    Param("t_off", None, "s", "rest after each programming pulse", 0, 1e6),
    # integers: checked in code (param_checks.check_integer) against these ranges
    Param("n_states", None, "1", "pulses the preset's train spends to cross the conductance "
          "window", 1, 1e7, check=False),
    Param("n_volumes", None, "1", "finite volumes per film (1: lumped films)", 1, FILM_MAXN,
          check=False),
    Param("film_grading", None, "1", "dz_0 / dz_(n-1) of the film grids (finer at the "
          "electrolyte side)", 1, 1000),
    Param("film_tol", None, "1", "local error tolerance on lithiation per step "
          "(n_volumes > 1)", 0, 1e-2, lo_open=True),
    # --- per-instance temperature (after thc0, thr0: the order of the params: list)
    # 0 = follow the circuit temperature (lithispice.spice.carddoc); kernel runs take
    # physical temperatures only (param_checks.temperature refuses 0)
    Param(None, "tk", "K", "instance temperature override; 0 (default) = the circuit "
          "temperature", 0, 2000, temperature=True),
])
