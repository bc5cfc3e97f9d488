"""Type-III potentiometric gas sensor: the physics the model must show (Nernst slope,
first-order response with Arrhenius time constant, loading by the film resistance), the
SPICE export reproducing the C kernel in both engines (ngspice: the B-source subckt; VACASK: the
same subckt as compiled Verilog-A; same tolerances), calibration, and the sensor-node chip
(real ngspice, no mocks)."""
import importlib.util
import math
import os
import sys

import numpy as np
import pytest

import lithispice as ls
from lithispice.constants import F, R, k_B_eV
from lithispice.devices.gas_calibration import Calibration, emf_to_concentration, fit
from lithispice.devices.gas_sensor import GasSensor
from lithispice.materials import electrolyte

_trapz = getattr(np, "trapezoid", None) or np.trapz
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINES = ("ngspice", "vacask")


def nernst_per_decade(n, T):
    return math.log(10.0) * R * T / (n * F)


# --------------------------------------------------------------------- static Nernst law
@pytest.mark.parametrize("name", ["CO2-Li2CO3-Li3PO4", "NO2-nitrite-LiPON", "SO2-Li2SO4-LLZO"])
@pytest.mark.parametrize("T", [473.15, 573.15, 673.15, 773.15])
def test_nernst_slope_per_decade(name, T):
    g = GasSensor.preset(name, ideality=1.0)
    p = np.array([1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
    e = g.emf(p, T)
    slopes = -np.diff(e) / np.diff(np.log10(p))          # EMF falls with the gas
    np.testing.assert_allclose(slopes, nernst_per_decade(g.n_electrons, T), rtol=5e-3)


def test_design_numbers_at_400C():
    # DESIGN 4.4: 66.8 mV/decade at 400 C for n = 2 (CO2, SO2), hence 133.6 mV for n = 1
    T = 673.15
    for name, expect in [("CO2-Li2CO3-Li3PO4", 66.8e-3), ("SO2-Li2SO4-LLZO", 66.8e-3),
                         ("NO2-nitrite-LiPON", 133.6e-3)]:
        g = GasSensor.preset(name, ideality=1.0)
        slope = g.emf(1e-4, T) - g.emf(1e-3, T)
        assert slope == pytest.approx(expect, rel=5e-3), name


def test_ideality_scales_the_slope():
    g1 = GasSensor.preset("CO2-Li2CO3-LiPON", ideality=1.0)
    g8 = g1.replace(ideality=0.8)
    for T in (573.15, 773.15):
        d1 = g1.emf(400e-6, T) - g1.emf(4000e-6, T)
        d8 = g8.emf(400e-6, T) - g8.emf(4000e-6, T)
        assert d8 / d1 == pytest.approx(0.8, rel=1e-9)
        # E0 (the reading at 1 bar) does not depend on the ideality
        assert g8.emf(1.0, T) == pytest.approx(g1.emf(1.0, T), abs=1e-12)


def test_sign_convention_emf_falls_with_gas_and_e0_follows_thermodynamics():
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    assert g.emf(1000e-6, 773.15) < g.emf(400e-6, 773.15)
    # E0 = -dG_r/(2F) of Li2CO3 + TiO2 -> Li2TiO3 + CO2, dG_r = dH - T dS with
    # dH = +104.5 kJ/mol and dS = +156.8 J/(mol K) from the preset's tables
    for T in (673.15, 773.15):
        assert g.emf(1.0, T) == pytest.approx(-(104.5e3 - T * 156.8) / (2 * F), abs=1e-6)


def test_o2_term_follows_the_reference_electrode():
    T = 753.15
    co2 = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    # Li2CO3 against Li2TiO3+TiO2 consume O2 alike: no O2 dependence
    assert co2.emf(400e-6, T, p_o2=0.01) == pytest.approx(co2.emf(400e-6, T, p_o2=0.21), abs=1e-12)
    so2 = GasSensor.preset("SO2-Li2SO4-LLZO")
    d = so2.emf(1e-5, T, p_o2=0.021) - so2.emf(1e-5, T, p_o2=0.21)
    # EMF = ... - (RT/F) nu_O2 ln pO2 with nu_O2 = +1/4 (Li2SO4 = 2Li+ + SO2 + O2 + 2e-)
    assert d == pytest.approx(0.25 * R * T / F * math.log(10.0), rel=1e-9)


def test_humidity_and_cross_gas_terms_are_additive_logs():
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4", k_h2o=0.010, p_h2o_ref=0.01, k_cross=0.005,
                         p_cross_ref=1e-5, cross_gas="NO2")
    T, p = 773.15, 400e-6
    dry = g.emf(p, T)
    assert g.emf(p, T, p_h2o=0.02) == pytest.approx(dry - 0.010 * math.log10(3.0), abs=1e-12)
    assert g.emf(p, T, p_cross=9e-5) == pytest.approx(dry - 0.005 * 1.0, abs=1e-12)
    # presets: no source gives a number, so no interference
    for name in GasSensor.presets():
        pre = GasSensor.preset(name)
        assert pre.k_h2o == 0.0 and pre.k_cross == 0.0


# --------------------------------------------------------------------- dynamics
def _t90(g, T, p0=400e-6, p1=4000e-6):
    """Step response of the kernel (sharp 1 ms step), 90 % time by interpolation."""
    tau = g.time_constant(T)
    t = np.concatenate([[0.0, 1.0], 1.001 + np.linspace(0.0, 8 * tau, 40001)])
    p = np.where(t < 1.0005, p0, p1)
    tr = g.simulate(t, p, T)
    e0, e1 = tr.emf[0], g.emf(p1, T)
    frac = (tr.emf - e0) / (e1 - e0)
    k = np.argmax(frac >= 0.9)
    t_cross = np.interp(0.9, frac[k - 1:k + 1], t[k - 1:k + 1])
    return t_cross - 1.0005


@pytest.mark.parametrize("T", [723.15, 773.15, 823.15])
def test_t90_is_ln10_tau_on_a_concentration_step(T):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    assert _t90(g, T) == pytest.approx(math.log(10.0) * g.time_constant(T), rel=2e-3)
    assert g.t90(T) == pytest.approx(math.log(10.0) * g.time_constant(T), rel=1e-12)


def test_response_time_follows_its_arrhenius_law():
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    T = np.array([673.15, 723.15, 773.15, 823.15])
    t90 = np.array([_t90(g, x) for x in T])
    slope = np.polyfit(1.0 / T, np.log(t90), 1)[0]             # ln t90 = Ea/kB (1/T) + c
    assert slope * k_B_eV == pytest.approx(g.ea_tau, rel=1e-2)
    # the preset's reference point: t90 = 30 s at 500 C (Wang et al. 2012)
    assert _t90(g, 773.15) == pytest.approx(30.0, rel=2e-3)


def test_film_resistance_is_the_electrolyte_film():
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    el = electrolyte("Li3PO4")
    for T in (673.15, 773.15):
        assert g.film_resistance(T) == pytest.approx(
            g.film_length / (el.sigma(T) * g.film_area), rel=1e-12)
    # Arrhenius: colder film, much higher resistance
    assert g.film_resistance(673.15) / g.film_resistance(773.15) == pytest.approx(
        math.exp(el.Ea_eV / k_B_eV * (1 / 673.15 - 1 / 773.15)), rel=1e-12)


def test_loading_divides_the_emf_in_the_kernel():
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    T = 773.15
    r_out = g.output_resistance(T)
    t = np.linspace(0.0, 10.0, 11)
    for r_load in (r_out, 3 * r_out, 0.2 * r_out):
        tr = g.simulate(t, 400e-6, T, r_load=r_load)
        v_oc = g.terminal_voltage(tr.emf[-1], T)
        assert tr.v_out[-1] == pytest.approx(v_oc * r_load / (r_load + r_out), rel=1e-9)
    # open circuit: only the electronic leak (1e8 times the ionic resistance here) divides
    tr = g.simulate(t, 400e-6, T)
    assert tr.v_out[-1] == pytest.approx(tr.emf[-1], rel=1e-6)


# --------------------------------------------------------------------- ngspice export
def _multi_step(tau, levels=(400e-6, 1000e-6, 5000e-6, 700e-6, 2000e-6), hold=6.0):
    t, p = [0.0], [levels[0]]
    for k, lv in enumerate(levels[1:], start=1):
        ts = k * hold * tau
        t += [ts, ts + 0.02 * tau]
        p += [p[-1], lv]
    t.append(len(levels) * hold * tau)
    p.append(p[-1])
    return np.array(t), np.array(p)


def run_sensor_in_ngspice(g, t, p, T_t, T_v, r_load, reltol=1e-4, engine="ngspice"):
    """One sensor, gas and temperature as PWL control nodes, loaded by r_load, in ``engine``
    (ngspice or VACASK): (time, V(ref) - V(se))."""
    chip = ls.Chip("gas sensor vs kernel")
    chip.vsource("gas", "lgp", "0", pwl=g.gas_pwl(t, p))
    chip.vsource("temp", "tk", "0", pwl=list(zip(T_t, T_v)))
    chip.add("s1", g, params=g.spice_params(p[0], T_v[0]), se="se", ref="0", lgp="lgp", tk="tk")
    chip.resistor("load", "se", "0", r_load)
    chip.options(reltol=reltol)
    chip.tran(t[-1] / 2000, t[-1], tmax=t[-1] / 400)
    res = chip.run(timeout=120, engine=engine)
    return res.time, -res["v(se)"]          # V(ref) - V(se), ref grounded


def kernel_on(g, t, p, T_t, T_v, t_eval, r_load):
    tt = np.union1d(np.union1d(t, T_t), t_eval)
    pp = np.exp(np.interp(tt, t, np.log(p)))
    TT = np.interp(tt, T_t, T_v)
    tr = g.simulate(tt, pp, TT, r_load=r_load)
    return np.interp(t_eval, tt, tr.v_out), tr


# every preset of the family, at its operating temperature, in both engines
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", GasSensor.presets())
def test_kernel_and_ngspice_agree_on_a_multi_step_gas_profile(name, engine):
    g = GasSensor.preset(name)
    T = g.t_op
    t, p = _multi_step(g.time_constant(T))
    r_load = 100.0 * g.output_resistance(T)
    ts, v_sp = run_sensor_in_ngspice(g, t, p, [0.0, t[-1]], [T, T], r_load, engine=engine)
    v_k, tr = kernel_on(g, t, p, [0.0, t[-1]], [T, T], ts, r_load)
    assert np.ptp(v_k) > 0.05                      # a real multi-step response is compared
    assert np.max(np.abs(v_sp - v_k)) < 0.5e-3, f"{engine}: {np.max(np.abs(v_sp - v_k)):.3e} V"


@pytest.mark.parametrize("engine", ENGINES)
def test_kernel_and_ngspice_agree_while_the_temperature_moves(engine):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    tau = g.time_constant(773.15)
    t, p = _multi_step(tau, levels=(400e-6, 3000e-6, 800e-6))
    T_t = [0.0, 0.3 * t[-1], 0.7 * t[-1], t[-1]]
    T_v = [733.15, 773.15, 753.15, 793.15]
    r_load = 1e3 * g.output_resistance(733.15)
    ts, v_sp = run_sensor_in_ngspice(g, t, p, T_t, T_v, r_load, engine=engine)
    v_k, _ = kernel_on(g, t, p, T_t, T_v, ts, r_load)
    assert np.max(np.abs(v_sp - v_k)) < 0.5e-3, f"{engine}: {np.max(np.abs(v_sp - v_k)):.3e} V"
    # the kernel needs no refinement of its input: on the stimulus corners alone (the
    # temperature moving 40 K per interval) it lands on the same waveform
    tc = np.union1d(t, T_t)
    tr = g.simulate(tc, np.exp(np.interp(tc, t, np.log(p))), np.interp(tc, T_t, T_v),
                    r_load=r_load)
    assert np.max(np.abs(np.interp(tc, ts, v_sp) - tr.v_out)) < 0.5e-3


@pytest.mark.parametrize("engine", ENGINES)
def test_loading_in_ngspice_drops_the_emf_by_the_divider(engine):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    T = 773.15
    r_s = g.series_resistance(T)            # readout input resistance equal to the film's
    chip = ls.Chip("loaded sensor")
    chip.vsource("gas", "lgp", "0", dc=g.lgp(400e-6))
    chip.vsource("temp", "tk", "0", dc=T)
    chip.add("s1", g, params=g.spice_params(400e-6, T), se="se", ref="0", lgp="lgp", tk="tk")
    chip.resistor("rin", "se", "0", r_s)
    chip.op()
    res = chip.run(timeout=60, engine=engine)
    measured = -res["v(se)"][0]
    emf = g.emf(400e-6, T)
    r_leak = g.leak_resistance
    r_th = r_s * r_leak / (r_s + r_leak)
    divider = r_s / (r_s + r_th) * r_leak / (r_leak + r_s)
    assert measured == pytest.approx(emf * divider, rel=1e-4)
    assert measured == pytest.approx(0.5 * emf, rel=1e-3)


@pytest.mark.parametrize("engine", ENGINES)
def test_humidity_reaches_the_spice_form(engine):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4", k_h2o=0.010, p_h2o_ref=0.01)
    T = 773.15
    chip = ls.Chip("humid sensor")
    chip.vsource("gas", "lgp", "0", dc=g.lgp(400e-6))
    chip.vsource("temp", "tk", "0", dc=T)
    params = g.spice_params(400e-6, T, p_h2o=0.02)
    chip.add("s1", g, params=params, se="se", ref="0", lgp="lgp", tk="tk")
    chip.resistor("rin", "se", "0", 1e15)
    chip.tran(1.0, 50.0)
    res = chip.run(timeout=60, engine=engine)
    # started in equilibrium with the humid gas, it stays there
    assert -res["v(se)"][-1] == pytest.approx(g.emf(400e-6, T, p_h2o=0.02), abs=2e-5)
    assert g.emf(400e-6, T, p_h2o=0.02) < g.emf(400e-6, T) - 4e-3


# --------------------------------------------------------------------- validation
@pytest.mark.parametrize("bad", [0.0, -1e-6, float("nan"), float("inf")])
def test_bad_partial_pressure_names_the_parameter(bad):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    with pytest.raises(ls.ParameterError) as e:
        g.emf(p_gas=bad, temperature=673.15)
    assert e.value.name == "p_gas"
    with pytest.raises(ls.ParameterError) as e:
        g.simulate([0.0, 1.0], [400e-6, bad], 673.15)
    assert e.value.name == "p_gas"


@pytest.mark.parametrize("bad", [0.0, -300.0, float("nan")])
def test_bad_temperature_names_the_parameter(bad):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    with pytest.raises(ls.ParameterError) as e:
        g.emf(p_gas=400e-6, temperature=bad)
    assert e.value.name == "temperature"
    with pytest.raises(ls.ParameterError) as e:
        g.simulate([0.0, 1.0], 400e-6, [673.15, bad])
    assert e.value.name == "temperature"
    with pytest.raises(ls.ParameterError) as e:
        g.time_constant(bad)
    assert e.value.name == "temperature"


def test_bad_parameters_name_themselves():
    for field, value in [("ideality", 0.0), ("tau", -1.0), ("film_length", 0.0),
                         ("gas", "CO"), ("sigma_ref", float("nan"))]:
        with pytest.raises(ls.ParameterError) as e:
            GasSensor.preset("CO2-Li2CO3-Li3PO4", **{field: value})
        assert e.value.name == field
    with pytest.raises(ls.ParameterError) as e:
        GasSensor.preset("CO2-nonsense")
    assert e.value.name == "name"
    with pytest.raises(ls.ParameterError) as e:
        GasSensor.preset("CO2-Li2CO3-Li3PO4").simulate([0.0, 0.0], 400e-6)
    assert e.value.name == "t"


# --------------------------------------------------------------------- presets
def test_presets_cite_their_sources_and_flag_assumptions():
    names = GasSensor.presets()
    for required in ("CO2-Li2CO3-Li3PO4", "CO2-Li2CO3-LiPON", "CO2-Li2CO3-LLZO",
                     "NO2-nitrite-LiPON", "SO2-Li2SO4-LLZO"):
        assert required in names
    fields = {f for f in GasSensor.__dataclass_fields__}
    for name in names:
        g = GasSensor.preset(name)
        assert g.source and g.notes
        assert "ASSUMED" in g.notes and g.assumed
        assert set(g.assumed) <= fields, name
        assert g.n_electrons == {"CO2": 2, "NO2": 1, "SO2": 2}[g.gas]
        el = electrolyte(g.electrolyte)
        assert g.sigma_ref == el.sigma_ref_S_per_m and g.ea_sigma == el.Ea_eV
    li3po4 = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    assert li3po4.t90(773.15) == pytest.approx(30.0)             # Wang et al. 2012
    assert li3po4.ideality == pytest.approx(61.0 / 76.7)         # Noh et al. 2005


@pytest.mark.parametrize("engine", ENGINES)
def test_physical_parameters_overridden_per_instance_match_the_kernel(engine):
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    h = g.replace(tau=4.0, ideality=0.7, e0=0.12, sigma_ref=1e-5, ea_tau=0.8)
    T = 753.15
    t, p = _multi_step(h.time_constant(T), levels=(400e-6, 2500e-6, 900e-6))
    chip = ls.Chip("sensor override")
    chip.vsource("gas", "lgp", "0", pwl=g.gas_pwl(t, p))
    chip.vsource("temp", "tk", "0", dc=T)
    params = dict(h.spice_params(p[0], T), tau0=4.0, ideal=0.7, e0=0.12, sig0=1e-5, ea_tau=0.8)
    chip.add("s1", g, params=params, se="se", ref="0", lgp="lgp", tk="tk")
    r_load = 3.0 * h.output_resistance(T)              # loaded: the film override shows too
    chip.resistor("load", "se", "0", r_load)
    chip.options(reltol=1e-4)
    chip.tran(t[-1] / 2000, t[-1], tmax=t[-1] / 400)
    res = chip.run(timeout=60, engine=engine)
    v_k, _ = kernel_on(h, t, p, [0.0, t[-1]], [T, T], res.time, r_load)
    assert np.max(np.abs(-res["v(se)"] - v_k)) < 0.5e-3
    v_g, _ = kernel_on(g, t, p, [0.0, t[-1]], [T, T], res.time, r_load)
    assert np.max(np.abs(-res["v(se)"] - v_g)) > 0.01     # the overrides took effect


def test_model_cards_of_every_preset_run_their_testbench(tmp_path):
    from lithispice import modelcards as mc
    files = mc.card_files("ngspice", families=[GasSensor])
    (path, text), = files.items()
    lib = tmp_path / "gassensor.lib"
    lib.write_text(text)
    for name in GasSensor.presets():
        deck, check = mc.testbench(GasSensor, name, str(lib))
        ok, detail = check(ls.run_deck(deck, timeout=60))
        assert ok, f"{name}: {detail}"
    for dialect in ("xyce", "ltspice"):             # the cards translate without refusal
        assert mc.card_files(dialect, families=[GasSensor])


def test_subckt_is_valid_for_the_chip_builder():
    g = GasSensor.preset("SO2-Li2SO4-LLZO")
    assert isinstance(g, ls.devices.SpiceDevice)
    text = g.subckt()
    assert text.startswith("* lithispice gas sensor") and ".ic v(x)={x0}" in text
    assert "limit(" not in text and "idt(" not in text
    assert g.subckt_name != GasSensor.preset("SO2-Li2SO4-LLZO", tau=1.0).subckt_name


# --------------------------------------------------------------------- calibration
def test_calibration_recovers_e0_and_slope_and_inverts():
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    T = 773.15
    p = np.array([300e-6, 600e-6, 1200e-6, 2500e-6, 5000e-6])
    cal = fit(p, g.emf(p, T), temperature=T)
    assert cal.e0 == pytest.approx(g.emf(1.0, T), abs=1e-9)
    assert cal.slope == pytest.approx(-g.slope_per_decade(T), rel=1e-9)
    assert cal.ideality(2) == pytest.approx(g.ideality, rel=1e-9)
    assert cal.rms < 1e-12
    probe = np.array([450e-6, 3300e-6])
    np.testing.assert_allclose(cal.concentration(g.emf(probe, T)), probe, rtol=1e-9)
    np.testing.assert_allclose(g.concentration(g.emf(probe, T), T), probe, rtol=1e-9)
    assert emf_to_concentration(cal.reading(1e-3), cal.e0, cal.slope) == pytest.approx(1e-3)
    assert isinstance(cal, Calibration)


def test_calibration_rejects_bad_points():
    with pytest.raises(ls.ParameterError) as e:
        fit([400e-6, -1.0], [0.3, 0.2])
    assert e.value.name == "p_gas"
    with pytest.raises(ls.ParameterError) as e:
        fit([400e-6, 400e-6], [0.3, 0.2])
    assert e.value.name == "p_gas"
    with pytest.raises(ls.ParameterError) as e:
        fit([400e-6, 800e-6], [0.3])
    assert e.value.name == "emf"


# --------------------------------------------------------------------- sensor node chip
def _sensor_node_module():
    path = os.path.join(ROOT, "netlists", "sensor_node.py")
    spec = importlib.util.spec_from_file_location("lithispice_netlist_sensor_node", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def sensor_node():
    return _sensor_node_module()


@pytest.fixture(scope="module")
def hot_run(sensor_node):
    node = sensor_node.build_sensor_node()
    return node, node.chip.run(timeout=300)


def _design_codes(node, times):
    """Codes of a readout calibrated at the design temperature: what the user reads."""
    return node.expected_codes(times, temperature=node.t_op)


def test_sensor_node_code_tracks_log_co2_at_operating_temperature(hot_run):
    node, res = hot_run
    tc, codes = node.codes(res)
    assert len(tc) == 12
    # every conversion happens >= 5 tau after the heater came on: the code is the
    # equilibrium reading at the temperature the thermal node has then
    expected = node.expected_codes(tc - 0.101, res)
    assert np.max(np.abs(codes - expected)) <= 1
    assert np.max(np.abs(codes - _design_codes(node, tc - 0.101))) <= 2
    # and it is linear in log10(pCO2) with the film's Nernst slope (0.80 ideality)
    lsb = node.v_ref / 2 ** node.adc.bits
    cal = fit(node.p_gas(tc), codes)
    slope_codes = node.sensor.slope_per_decade(node.t_op) / lsb
    assert cal.slope == pytest.approx(slope_codes, rel=0.03)
    assert np.max(np.abs(cal.concentration(codes) / node.p_gas(tc) - 1)) < 0.05
    assert len(np.unique(codes)) >= 4                      # it saw the gas steps


def test_sensor_node_when_cold_shows_the_error(sensor_node, hot_run):
    node_hot, res_hot = hot_run
    for kw in (dict(t_op=573.15), dict(heater_enabled=False)):
        node = sensor_node.build_sensor_node(**kw)
        res = node.chip.run(timeout=300)
        tc, codes = node.codes(res)
        design = _design_codes(node_hot, tc - 0.101)       # the calibration made when hot
        assert np.max(np.abs(codes - design)) > 50, kw
    # cold at 300 C: the EMF lags (tau ~ 2500 s), so successive steps are hardly followed
    node = sensor_node.build_sensor_node(t_op=573.15)
    assert node.sensor.time_constant(573.15) > 20 * 75.0


def test_sensor_node_battery_discharges_by_heater_and_amplifier_charge(hot_run):
    node, res = hot_run
    t = res.time
    q = node.battery_charge(res)[-1]
    # charge drawn by the blocks: heater current through the LDO + quiescent currents
    r_h = node.heater.r_heater                         # tcr = 0: constant resistance
    q_heat = _trapz(res["v(vh)"] / r_h, t)
    q_quiescent = (node.ldo.iq + node.opamp.iq + node.adc.iq) * t[-1]
    assert q == pytest.approx(q_heat + q_quiescent, rel=5e-3)
    assert q_heat > 10 * q_quiescent                   # the heater dominates the budget
    # duty cycle: 75 s of heating every 300 s at 3.3 V
    assert q_heat == pytest.approx(12 * 75.0 * 3.3 / r_h, rel=0.02)
    vbat = node.battery_voltage(res)
    assert vbat[-1] < vbat[0] - 0.1
    # the battery's own model, driven by the current the chip drew, agrees with the chip
    bat = node.battery
    if hasattr(bat, "simulate"):                       # the issue-3 microbattery kernel
        tr = bat.simulate(t, res["i(vmeter)"], soc0=0.95)
        assert tr.event is None
        assert (0.95 - tr.soc[-1]) * bat.capacity_C == pytest.approx(q, rel=1e-3)
        assert tr.v[-1] == pytest.approx(vbat[-1], abs=2e-3)
    else:                                              # the placeholder's charge counter
        soc = res["v(xbat.soc)"]
        assert (soc[0] - soc[-1]) * bat.capacity == pytest.approx(q, rel=5e-3)


def test_sensor_node_deck_is_generated(sensor_node, tmp_path):
    path = sensor_node.write_deck(str(tmp_path / "node.cir"), t_stop=600.0)
    text = open(path).read()
    assert text.splitlines()[0] == ".title lithispice CO2 sensor node"
    assert ".tran" in text and ".subckt" in text
    committed = os.path.join(ROOT, "netlists", "sensor_node.cir")
    assert os.path.exists(committed)
    assert open(committed).read() == sensor_node.build_sensor_node().chip.deck()
