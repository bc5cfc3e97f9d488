"""The potentiometric gas sensor's parameter table: unit, allowed range and meaning of every
parameter.

One row per numeric field of :class:`~lithispice.devices.gas_sensor.GasSensor` and one per
instance parameter of its ``.subckt`` (``spice``). ``GasSensor.__post_init__`` range-checks the
fields from here (``PARAMS.check``); ``gas_sensor_spice.SPICE_PARAMS`` is ``PARAMS.spice_map()``.
Partial pressures are in bar (the Nernst law's 1-bar standard state; see gas_sensor.py).
Temperature is the card's pin ``tk`` (a heater node can drive it), not an instance parameter.

Row order of the ``spice`` rows is the order of the card's ``params:`` list: reordering them
changes every exported card (and the committed models/ libraries).
"""
from __future__ import annotations

from ..spice.params import Param, ParamTable

PARAMS = ParamTable("gas_sensor", [
    # card-only instance parameters: the operating point (GasSensor.spice_params sets them)
    Param(None, "x0", "V", "EMF V(ref) - V(se) at t = 0", -10, 10),
    Param(None, "po2", "bar", "O2 partial pressure", 0, 100, lo_open=True),
    Param(None, "ph2o", "bar", "H2O partial pressure", 0.0, None),
    Param(None, "px", "bar", "cross-gas partial pressure", 0.0, None),
    # chemistry
    Param("e0", "e0", "V", "E0 at t_ref with every partial pressure at 1 bar", -10, 10),
    Param("de0_dt", "de0", "V/K", "dE0/dT (= -dS_r/(nF) of the cell reaction)", -0.1, 0.1),
    Param("t_ref", "tref", "K", "reference temperature of e0, tau and asr_ct", 0, 3000,
          lo_open=True),
    Param("ideality", "ideal", "1", "Nernst ideality s multiplying the gas term (1 = Nernstian)",
          0, 2, lo_open=True),
    Param("n_electrons", "nel", "1", "electrons per gas molecule n", 0, 8, lo_open=True),
    Param("o2_order", "nuo2", "1", "order nu_O2 of the ln(p_O2/bar) term", -4, 4),
    # dynamics
    Param("tau", "tau0", "s", "response time constant at t_ref (t90 = 2.303 tau)", 0, 1e12,
          lo_open=True),
    Param("ea_tau", "ea_tau", "eV", "activation energy of 1/tau", 0, 5),
    # electrolyte film and electrodes
    Param("sigma_ref", "sig0", "S/m", "Li-ion conductivity of the film at sigma_t_ref", 0, 1e6,
          lo_open=True),
    Param("ea_sigma", "ea_sig", "eV", "activation energy of the film conductivity", 0, 5),
    Param("sigma_t_ref", "tsig", "K", "reference temperature of sigma_ref", 0, 3000,
          lo_open=True),
    Param("sigma_e", "sige", "S/m", "electronic conductivity of the film (0 = no leak)", 0, 1e6),
    Param("film_length", "lfilm", "m", "ionic path length through the film", 0, 1, lo_open=True),
    Param("film_area", "afilm", "m^2", "ionic path cross-section", 0, 1, lo_open=True),
    Param("asr_ct", "asrct", "ohm m^2", "area-specific charge-transfer resistance of each "
          "electrode at t_ref", 0, 1e6),
    Param("ea_ct", "ea_ct", "eV", "activation energy of the charge-transfer conductance", 0, 5),
    Param("electrode_area", "ael", "m^2", "area of each electrode", 0, 1, lo_open=True),
    # interference: additive log terms
    Param("k_h2o", "kh2o", "V/decade", "humidity coefficient per decade of (1 + p_H2O/p_h2o_ref)",
          -1, 1),
    Param("p_h2o_ref", "ph2o0", "bar", "humidity reference pressure", 0, 100, lo_open=True),
    Param("k_cross", "kx", "V/decade", "cross-gas coefficient per decade of (1 + p_x/p_cross_ref)",
          -1, 1),
    Param("p_cross_ref", "px0", "bar", "cross-gas reference pressure", 0, 100, lo_open=True),
    # bookkeeping: where the presets say to run the sensor (the card's tk pin sets T)
    Param("t_op", None, "K", "recommended operating temperature", 0, 3000, lo_open=True),
])
