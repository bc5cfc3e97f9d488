"""Unit traps and name mismatches (issue 12, items 10 and 6).

A temperature in degrees Celsius, a partial pressure in ppm or %, an instance state outside
its table range and a gate current in A where pA was meant used to pass silently. Each is now
a ParameterError naming the argument, its allowed range and the unit the user probably meant
(or, for a pulse that can run but pins the channel, a PhysicsWarning naming the pulse and the
channel's charge). Python field names and SPICE instance names answer each other: a
constructor given a SPICE name says "did you mean", Chip.add takes either spelling.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import lithispice as ls
from lithispice.devices import GasSensor, Memristor, Microbattery, Synapse
from lithispice.devices.param_checks import P_MAX, T_MIN
from lithispice.errors import NetlistError, ParameterError, PhysicsWarning

M = Memristor.preset("LiCoO2")
S = Synapse.preset("LISTA-LiCoO2")
G = GasSensor.preset("CO2-Li2CO3-Li3PO4")
B = Microbattery.preset(Microbattery.presets()[0])
T3 = np.linspace(0.0, 1e-6, 3)


def refused(pname, fn, *args, **kw) -> str:
    with pytest.raises(ParameterError) as ei:
        fn(*args, **kw)
    assert ei.value.name == pname, str(ei.value)
    return str(ei.value)


# ------------------------------------------------------------------ temperatures in K, not C
CELSIUS_CALLS = {
    "Memristor.simulate": lambda T: M.simulate(T3, np.zeros(3), temperature=T),
    "Memristor.switching_rate": lambda T: M.switching_rate(1.0, temperature=T),
    "simulate_array": lambda T: ls.simulate_array([M, M], T3, np.zeros(3), temperature=T),
    "GasSensor.emf": lambda T: G.emf(400e-6, T),
    "GasSensor.simulate": lambda T: G.simulate(np.linspace(0, 10, 3), 400e-6, temperature=T),
    "GasSensor.t90": lambda T: G.t90(T),
    "Microbattery.discharge_cc": lambda T: B.discharge_cc(B.capacity_Ah, temperature=T),
    "Microbattery.ocv": lambda T: B.ocv(0.5, temperature=T),
    "Microbattery.r_ion": lambda T: B.r_ion(T),
    "Synapse.conductance": lambda T: S.conductance(0.5, temperature=T),
    "Synapse.potentiate": lambda T: S.potentiate(2, temperature=T),
    "program_array": lambda T: ls.program_array(S, np.zeros((2, 2)), temperature=T),
    "fit_gas_calibration": lambda T: ls.fit_gas_calibration([1e-4, 1e-3], [0.2, 0.1],
                                                            temperature=T),
}


@pytest.mark.parametrize("call", sorted(CELSIUS_CALLS))
def test_a_temperature_in_celsius_is_refused_with_the_kelvin_value(call):
    msg = refused("temperature", CELSIUS_CALLS[call], 25)
    assert "25 K looks like degrees Celsius: did you mean 298.15 K?" in msg
    assert f"[{T_MIN:g}, " in msg and "] K" in msg         # the allowed range and unit
    msg = refused("temperature", CELSIUS_CALLS[call], -40)  # a cold-test value in C
    assert "did you mean 233.15 K?" in msg


def test_temperature_arrays_name_the_element():
    msg = refused("temperature", ls.simulate_array, [M, M, M], T3, np.zeros(3),
                  temperature=[300.0, 85.0, 300.0])
    assert "element [1] is 85" in msg and "did you mean 358.15 K?" in msg
    msg = refused("temperature", G.simulate, np.linspace(0, 10, 3), 4e-4,
                  temperature=[673.0, 673.0, 400.0 - 273.15 - 100])
    assert "element [2]" in msg


@pytest.mark.parametrize("make", [
    lambda: Memristor(t_ref=25.0),
    lambda: M.replace(t_ref=25.0),
    lambda: Synapse.preset("ECRAM-WO3", t_ref=25.0),
    lambda: Microbattery.preset(Microbattery.presets()[0], t_ref=25.0),
    lambda: GasSensor.preset("CO2-Li2CO3-LLZO", t_ref=25.0),
])
def test_a_reference_temperature_in_celsius_is_refused(make):
    msg = refused("t_ref", make)
    assert "did you mean 298.15 K?" in msg


def test_below_absolute_zero_says_temperatures_are_absolute():
    msg = refused("temperature", M.switching_rate, 1.0, temperature=-300.0)
    assert "temperatures are absolute, in K" in msg


def test_legitimate_temperatures_are_accepted():
    # every preset (its t_ref, t_ref_sigma, t_op) builds, and runs at its own temperatures
    for cls in (Memristor, Synapse, Microbattery, GasSensor):
        for name in cls.presets():
            dev = cls.preset(name)
            assert dev.t_ref >= T_MIN
    for name in GasSensor.presets():
        g = GasSensor.preset(name)
        tr = g.simulate(np.linspace(0, 10, 3), 400e-6)           # at t_op
        assert np.all(np.isfinite(tr.emf))
    # gas sensors run at 400-800 C: 673 K and 1073 K
    assert math.isfinite(G.emf(400e-6, 673.0)) and math.isfinite(G.emf(400e-6, 1073.0))
    # the ends of the device range, and a cold battery at -40 C
    assert M.switching_rate(1.0, temperature=T_MIN) > 0
    assert M.switching_rate(1.0, temperature=2000.0) > 0
    assert math.isfinite(float(B.ocv(0.5, temperature=233.15)))
    arr = ls.simulate_array([M, M], T3, np.zeros(3), temperature=[233.15, 398.15])
    assert arr.state.shape == (2, 3)


# ------------------------------------------------------------------ partial pressures in bar
def test_p_gas_in_ppm_is_refused_with_the_bar_value():
    msg = refused("p_gas", G.emf, p_gas=400, temperature=673.0)
    assert "did you mean 400 ppm = 0.0004 bar?" in msg
    assert f"(0, {P_MAX:g}] bar" in msg
    # the intended call gives the 0.186 V
    assert G.emf(p_gas=400e-6, temperature=673.0) == pytest.approx(0.186, abs=1e-3)


def test_background_pressure_in_percent_is_refused():
    msg = refused("p_o2", G.emf, 400e-6, 673.0, p_o2=21)
    assert "21 % = 0.21 bar" in msg
    refused("p_h2o", G.emf, 400e-6, 673.0, p_h2o=20000)


def test_concentration_arrays_name_the_element():
    msg = refused("p_gas", G.simulate, np.linspace(0, 10, 4), [400e-6, 400e-6, 4000, 400e-6])
    assert "element [2] is 4000" in msg and "4000 ppm = 0.004 bar" in msg
    refused("p_gas", GasSensor.gas_pwl, [0.0, 1.0], [400e-6, 800.0])
    refused("p_gas", ls.fit_gas_calibration, [400, 4000], [0.2, 0.1])
    refused("p_gas", GasSensor.lgp, 400)


def test_legitimate_pressures_are_accepted():
    assert math.isfinite(G.emf(1e-6, 673.0))
    assert math.isfinite(G.emf(1.0, 673.0))
    assert G.concentration(G.emf(1e-6, 673.0), 673.0) == pytest.approx(1e-6, rel=1e-9)
    tr = G.simulate(np.linspace(0, 10, 3), [1e-6, 400e-6, 1e-6], p_o2=0.2095, p_h2o=0.02)
    assert np.all(np.isfinite(tr.emf))


# ------------------------------------------------------------------ chip instance parameters
def _chip(dev, params):
    chip = ls.Chip("traps")
    nets = {p: ("a" if k == 0 else "0") for k, p in enumerate(dev.pins)}
    chip.add("m1", dev, params=params, nets=nets)
    return chip


@pytest.mark.parametrize("dev, params, pname, text", [
    (M, {"w0": 2.0}, "m1.w0", "[0, 1]"),
    (M, {"tk": 25.0}, "m1.tk", "did you mean 298.15 K?"),
    (M, {"ron": -5.0}, "m1.ron", "] ohm"),
    (S, {"thc0": 1.5}, "m1.thc0", "[0, 1]"),
    (S, {"theta_r0": -0.1}, "m1.thr0", "[0, 1]"),
    (B, {"soc0": 1.5}, "m1.soc0", "[0, 1]"),
    (B, {"tk": 85.0}, "m1.tk", "did you mean 358.15 K?"),
    (G, {"po2": 21.0}, "m1.po2", "21 % = 0.21 bar"),
])
def test_chip_instance_values_are_checked_against_the_table(dev, params, pname, text):
    msg = refused(pname, _chip, dev, params)
    assert text in msg


def test_instance_tk_zero_still_follows_the_circuit_temperature():
    # 0 is in the tk rows' range (the card then follows .temp); it is named in the refusal
    chip = _chip(M, {"tk": 0.0, "w0": 1.0})
    assert chip.element("Xm1").values["params"] == {"tk": 0.0, "w0": 1.0}
    msg = refused("m1.tk", _chip, B, {"tk": 25.0})
    assert "or 0 (follow the circuit temperature)" in msg


def test_a_refused_instance_leaves_the_chip_unchanged():
    chip = ls.Chip("unchanged")
    with pytest.raises(ParameterError):
        chip.add("m1", M, params={"w0": 2.0}, p="a", n="0")
    assert chip.elements() == () and not chip.graph.number_of_nodes()


def test_build_crossbar_checks_device_params_element_wise():
    w0 = np.full((3, 4), 0.5)
    w0[1, 2] = 1.5
    with pytest.raises(ParameterError) as ei:
        ls.build_crossbar(M, 3, 4, device_params={"w0": w0})
    assert ei.value.name == "device_params['w0']"
    assert "element [1, 2] is 1.5" in str(ei.value) and "[0, 1]" in str(ei.value)
    tk = np.full((2, 2), 300.0)
    tk[0, 1] = 25.0
    with pytest.raises(ParameterError, match=r"element \[0, 1\] is 25: 25 K looks like"):
        ls.build_crossbar(M, 2, 2, device_params={"tk": tk})
    # per-cell devices: Chip.add names the cell
    with pytest.raises(ParameterError) as ei:
        ls.build_crossbar(lambda i, j: M, 3, 4, device_params={"w0": w0})
    assert ei.value.name == "r1c2.w0"


# ------------------------------------------------------------------ pulses and channel charge
def test_one_ampere_pulses_warn_naming_amplitude_and_channel_charge():
    # the np.ones((4, 10)); one pulse here (pinned 1 A pulses cost the kernel 0.4 s each)
    with pytest.warns(PhysicsWarning) as rec:
        ls.program_array(S, np.ones((1, 1)))
    msg = str(rec[0].message)
    assert "= 1 A" in msg and f"{S.channel_charge:.3g} C" in msg and "did you mean pA" in msg
    assert S.channel_charge == pytest.approx(S.coefficients()["qc"])
    with pytest.warns(PhysicsWarning, match="-1 A"):
        S.potentiate(2, 1.0)
    with pytest.warns(PhysicsWarning, match="i_gate"):
        S.simulate(np.linspace(0, 2e-3, 3), i_gate=np.ones(3))
    with pytest.warns(PhysicsWarning, match="segments"):
        # 20 x 0.2 pC in a row: each segment is small, the pulse is not
        S.simulate([("current", 1e-10, 2e-3)] * 20)


def test_the_presets_programming_pulses_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PhysicsWarning)
        for name in Synapse.presets():
            s = Synapse.preset(name)
            up = s.potentiate(100)
            down = s.depress(100, state=up.final_state)
            assert up.g[-1] > up.g0 and down.g[-1] < down.g0      # they do program
            amp = s.potentiation_sign * s.pulse_amplitude
            ls.program_array(s, np.full((2, 5), amp))
            # alternating pulses never add up to a channel's charge
            s.simulate([("current", amp, s.t_on), ("floating", 0.0, s.t_off)] * 50)


# ------------------------------------------------------------------ Python and SPICE names
@pytest.mark.parametrize("cls, spice, field", [
    (Memristor, "ron", "r_on"), (Memristor, "vset", "v_set"),
    (Memristor, "tsw_set", "t_switch_set"), (Synapse, "thc0", "theta_c0"),
    (GasSensor, "tau0", "tau"), (GasSensor, "sig0", "sigma_ref"),
])
def test_constructors_and_replace_answer_spice_names_with_did_you_mean(cls, spice, field):
    dev = cls.preset(cls.presets()[0])
    for make in (lambda: cls(**{spice: 1.0}), lambda: dev.replace(**{spice: 1.0}),
                 lambda: cls.preset(cls.presets()[0], **{spice: 1.0})):
        with pytest.raises(TypeError, match=f"did you mean '{field}'"):
            make()


def test_a_battery_instance_parameter_given_to_the_constructor_is_explained():
    with pytest.raises(TypeError, match="'soc0' is an instance parameter"):
        Microbattery(soc0=0.5)


def test_chip_add_takes_python_field_names_as_aliases_and_runs_them():
    """r_on is ron on the instance line; ngspice then conducts V / r_on at w = 1."""
    currents = {}
    for label, params in (("field", {"w0": 1.0, "r_on": 2e4}), ("spice", {"w0": 1.0, "ron": 2e4}),
                          ("default", {"w0": 1.0})):
        chip = ls.Chip("alias")
        chip.vsource("in", "a", "0", dc=0.01)
        chip.add("m1", M, params=params, p="a", n="0")
        chip.tran(1e-6, 1e-4)
        if label == "field":
            assert "ron=20000.0" in chip.deck() and "r_on" not in chip.deck()
        currents[label] = float(-chip.run()["i(vin)"][-1])
    assert currents["field"] == pytest.approx(0.01 / 2e4, rel=1e-6)
    assert currents["spice"] == pytest.approx(currents["field"], rel=1e-12)
    assert currents["default"] == pytest.approx(0.01 / M.r_on, rel=1e-6)
    # synapse: theta_c0 -> thc0
    chip = _chip(S, {"theta_c0": 0.4})
    assert chip.element("Xm1").values["params"] == {"thc0": 0.4}
    assert "thc0=0.4" in chip.element("Xm1").line()


def test_chip_add_unknown_names_answer_did_you_mean():
    with pytest.raises(NetlistError, match="did you mean 'ron'"):
        _chip(M, {"rn": 2e4})
    with pytest.raises(NetlistError, match="did you mean 'soc0'"):
        _chip(B, {"soc": 0.5})
    with pytest.raises(NetlistError, match=r"fixed per parameter set.*replace\(window_p="):
        _chip(M, {"window_p": 2.0})
    with pytest.raises(NetlistError, match="given twice"):
        _chip(M, {"ron": 2e4, "r_on": 3e4})
