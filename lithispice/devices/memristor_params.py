"""The Li memristor's parameter table: unit, allowed range and meaning of every parameter.

One row per numeric field of :class:`~lithispice.devices.memristor.Memristor` and one per
instance parameter of its ``.subckt`` (``spice``). ``Memristor.__post_init__`` range-checks the
fields from here (``PARAMS.check``); the relations between fields (r_off > r_on, tau_c2c > 0
with c2c noise, ...) stay code in memristor.py. ``memristor_spice.SPICE_PARAMS`` is
``PARAMS.spice_map()``.

Row order of the ``spice`` rows is the order of the card's ``params:`` list: reordering them
changes every exported card (and the committed models/ libraries).
"""
from __future__ import annotations

from ..spice.params import Param, ParamTable

PARAMS = ParamTable("memristor", [
    # card-only instance parameters (no dataclass field)
    Param(None, "w0", "1", "initial state w at t = 0 (0 = reset, high resistance)", 0, 1),
    # 0 = follow the circuit temperature (lithispice.spice.carddoc); kernel runs take
    # physical temperatures only (param_checks.temperature refuses 0)
    Param(None, "tk", "K", "instance temperature override; 0 (default) = the circuit "
          "temperature", 0, 2000, temperature=True),
    # switching kinetics (threshold convention: memristor.py module docstring)
    Param("v_set", "vset", "V", "set threshold (magnitude): w 0 -> 0.9 in t_switch_set", 0, 1e3,
          lo_open=True),
    Param("v_reset", "vreset", "V", "reset threshold (magnitude): w 1 -> 0.1 in t_switch_reset",
          0, 1e3, lo_open=True),
    Param("t_switch_set", "tsw_set", "s", "set switching time at v_set and t_ref", 0, 1e9,
          lo_open=True),
    Param("t_switch_reset", "tsw_reset", "s", "reset switching time at v_reset and t_ref", 0, 1e9,
          lo_open=True),
    Param("nonlinearity_set", "nl_set", "1", "V_th/V0 of the set rate: how sharply it rises with "
          "voltage", 0.1, 50),
    Param("nonlinearity_reset", "nl_reset", "1", "V_th/V0 of the reset rate", 0.1, 50),
    # structural: selects the subckt's expression, fixed per card
    Param("window_p", None, "1", "window exponent p of F_set = (1-w)^p, F_reset = w^p", 1, 10),
    # conduction
    Param("r_on", "ron", "ohm", "low-field resistance at w = 1", 0, 1e15, lo_open=True),
    Param("r_off", "roff", "ohm", "low-field resistance at w = 0 (> r_on)", 0, 1e18, lo_open=True),
    # "> 0 or inf" is not a plain interval: checked in Memristor.__post_init__
    Param("v_nonlinear", None, "V", "current nonlinearity I = G V_nl sinh(v/V_nl) (inf = ohmic)",
          0, None, lo_open=True, check=False),
    # temperature and retention
    Param("ea_switch", "ea", "eV", "activation energy of the switching rate", 0, 3),
    Param("tau_retention", "tau_ret", "s", "retention time constant at t_ref (0 = no retention "
          "loss)", 0, 1e30),
    Param("ea_retention", "ea_ret", "eV", "activation energy of retention loss", 0, 3),
    Param("w_eq", "w_eq", "1", "state retention relaxes towards", 0, 1),
    # percolation law
    Param("w_c", "w_c", "1", "percolation threshold (law 'percolation')", 0, 1, hi_open=True),
    Param("t_perc", "t_perc", "1", "percolation exponent (law 'percolation')", 1, 5),
    # the card bakes t_ref into its Arrhenius factors; the instance temperature is tk
    Param("t_ref", None, "K", "temperature at which rates and times are given", 0, 2000,
          lo_open=True),
    # cycle-to-cycle noise (the card draws with ngspice's own RNG: not instance parameters)
    Param("sigma_vth_c2c", None, "V", "cycle-to-cycle spread of the switching thresholds "
          "(0 = none)", 0, 10),
    Param("tau_c2c", None, "s", "hold time of each cycle-to-cycle draw (> 0 when "
          "sigma_vth_c2c > 0)", 0, 1e9),
    # an int, not just a number in range: Memristor.__post_init__ checks it with
    # param_checks.check_integer against this row (the kernel carries it in a float64, exact
    # below 2^52)
    Param("seed_c2c", None, "1", "integer seed of the kernel's cycle-to-cycle draws", 0,
          2**52 - 1, check=False),
])
