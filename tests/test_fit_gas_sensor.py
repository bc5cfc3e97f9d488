"""Gas sensor parameter extraction (lithispice/fit/gas_sensor.py): E0(T), ideality, tau and
its activation energy, and the output resistance, fitted through the compiled kernel to
synthetic data with noise; interval coverage over seeds, unidentifiable parameters flagged,
wrong units and bad data refused naming the column, the fitted device exports and runs in
ngspice like a preset."""
import math

import numpy as np
import pytest

import lithispice as ls
from lithispice.devices.gas_calibration import Calibration
from lithispice.fit import DataError
from lithispice.fit import gas_sensor as gf

START = ls.GasSensor.preset("CO2-Li2CO3-LiPON")
# the "real" sensor: E0 30 mV off the thermodynamic value (the presets' caveat), sub-
# Nernstian, faster and with other activation energies than the preset assumes
TRUTH = START.replace(e0=START.e0 + 0.03, ideality=0.85, tau=8.0, ea_tau=0.8,
                      asr_ct=2 * START.asr_ct, ea_ct=1.2)
FULL = ("e0", "ideality", "de0_dt", "tau", "ea_tau", "asr_ct", "ea_ct")
T3 = [723.15, 773.15, 823.15]


def _data(seed, **kw):
    return [gf.synthetic(TRUTH, "emf", seed=4 * seed, temperatures=T3, **kw),
            gf.synthetic(TRUTH, "step_response", seed=4 * seed + 1, temperature=723.15, n=100,
                         **kw),
            gf.synthetic(TRUTH, "step_response", seed=4 * seed + 2, temperature=823.15, n=100,
                         **kw),
            gf.synthetic(TRUTH, "output_resistance", seed=4 * seed + 3, **kw)]


def _truth(names):
    return {k: getattr(TRUTH, k) for k in names}


@pytest.fixture(scope="module")
def one_fit():
    return gf.fit(START, _data(0))


def test_default_fit_recovers_every_parameter_within_its_interval(one_fit):
    fr = one_fit
    assert fr.names == FULL                      # 3 temperatures, 2 step temperatures, R(T)
    assert fr.unidentifiable == ()
    assert all(fr.covers(_truth(FULL)).values())
    assert fr.values["e0"] == pytest.approx(TRUTH.e0, abs=3e-3)
    assert fr.values["ideality"] == pytest.approx(0.85, rel=0.02)
    assert fr.values["tau"] == pytest.approx(8.0, rel=0.05)
    assert fr.values["ea_tau"] == pytest.approx(0.8, abs=0.05)
    assert fr.values["asr_ct"] == pytest.approx(TRUTH.asr_ct, rel=0.1)
    assert 0.85 < fr.rms < 1.15                  # residuals at the (estimated) noise level
    assert fr.success


def test_interval_coverage_over_seeds_is_about_95_percent():
    # 40 seeds x 7 parameters = 280 intervals. For independent intervals the count covered is
    # Binomial(280, 0.95): mean 0.95, sd 0.013; the 7 of one fit share their noise (not
    # independent), so the band is wide: below 0.88 the intervals are too narrow (~5 sd), at
    # >= 0.995 they are absurdly wide (P < 1e-4 under 0.95). Widths are checked directly too.
    cover, est, se = [], {k: [] for k in FULL}, {k: [] for k in FULL}
    for seed in range(1, 41):
        fr = gf.fit(START, _data(seed))
        assert fr.names == FULL and fr.unidentifiable == (), fr.warnings
        cover += list(fr.covers(_truth(FULL)).values())
        for k in FULL:
            est[k].append(fr.values[k])
            se[k].append(fr.stderr[k])
    frac = float(np.mean(cover))
    assert 0.88 <= frac < 0.995, frac
    for k in FULL:
        spread = float(np.std(est[k], ddof=1))
        # the reported standard error is the spread of the estimates (not 2x, not half);
        # 40 seeds pin a standard deviation to ~11 %
        assert 0.6 < np.mean(se[k]) / spread < 1.6, (k, np.mean(se[k]), spread)
        # and the estimates scatter about the truth (no bias beyond 3 standard errors of
        # the mean)
        assert abs(np.mean(est[k]) - getattr(TRUTH, k)) < 3 * spread / math.sqrt(40) + 1e-12, k


def test_known_noise_is_used_as_known():
    data = _data(3, attach_sigma=True)
    fr = gf.fit(START, data)
    assert fr.unidentifiable == ()
    assert sum(fr.covers(_truth(FULL)).values()) >= 5
    assert 0.85 < fr.rms < 1.15                    # residuals divided by the true noise
    # the declared noise sets the intervals: twice the noise, twice the standard errors
    # (with estimated noise the same data would give the same errors whatever was declared)
    import dataclasses
    loud = gf.fit(START, [dataclasses.replace(d, sigma=2 * d.sigma) for d in data])
    for k in FULL:
        assert loud.values[k] == pytest.approx(fr.values[k], rel=1e-4, abs=1e-9)
        assert loud.stderr[k] == pytest.approx(2 * fr.stderr[k], rel=1e-3)


def test_one_temperature_leaves_out_and_flags_the_temperature_coefficients():
    for T in (773.15, 723.15):                    # at t_ref and away from it
        e = gf.synthetic(TRUTH, "emf", seed=1, temperatures=[T])
        s = gf.synthetic(TRUTH, "step_response", seed=2, temperature=T)
        fr = gf.fit(START, [e, s])
        assert fr.names == ("e0", "ideality", "tau") and fr.unidentifiable == ()
        assert fr.covers(_truth(fr.names))["ideality"]
        fr = gf.fit(START, [e, s], ["e0", "ideality", "de0_dt", "tau", "ea_tau"])
        assert {"de0_dt", "ea_tau"} <= set(fr.unidentifiable)
        assert any(w.startswith("ea_tau") and "step_response data at >= 2 temperatures" in w
                   for w in fr.warnings)
        assert any(w.startswith("de0_dt") and ">= 2 temperatures" in w for w in fr.warnings)
    # steps at one temperature but EMF at three: de0_dt is pinned, ea_tau is not
    data = [gf.synthetic(TRUTH, "emf", seed=5, temperatures=T3),
            gf.synthetic(TRUTH, "step_response", seed=6, temperature=723.15)]
    fr = gf.fit(START, data, ["e0", "ideality", "de0_dt", "tau", "ea_tau"])
    assert "de0_dt" not in fr.unidentifiable and "ea_tau" in fr.unidentifiable
    # E0(T) is a line: its slope is recovered from three temperatures
    assert fr.covers({"de0_dt": TRUTH.de0_dt})["de0_dt"]


def test_electron_number_and_ideality_are_one_slope():
    e = gf.synthetic(TRUTH, "emf", seed=7, temperatures=T3)
    fr = gf.fit(START, e, ["e0", "ideality", "n_electrons"])
    assert set(fr.unidentifiable) == {"ideality", "n_electrons"}
    assert any("correlated" in w for w in fr.warnings)


def test_output_resistance_fits_the_term_that_dominates():
    # LiPON preset: the electrodes' charge transfer (2e4 ohm) dominates the film (0.01 ohm)
    r = gf.fit(START, gf.synthetic(TRUTH, "output_resistance", seed=8, noise=0.02))
    assert r.names == ("asr_ct", "ea_ct")
    assert all(r.covers(_truth(r.names)).values())
    # coplanar Li3PO4 film preset: the film (1.3 GOhm) dominates
    g = ls.GasSensor.preset("CO2-Li2CO3-Li3PO4")
    true = g.replace(sigma_ref=3 * g.sigma_ref, ea_sigma=0.9)
    r = gf.fit(g, gf.synthetic(true, "output_resistance", seed=9, noise=0.02))
    assert r.names == ("sigma_ref", "ea_sigma")
    assert r.covers({"sigma_ref": true.sigma_ref, "ea_sigma": 0.9}) == {
        "sigma_ref": True, "ea_sigma": True}
    # one temperature: only the magnitude, and an asked-for activation energy is flagged
    one = gf.ResistanceData(temperature=[773.15] * 3, r_out=[2.0e4, 2.1e4, 1.95e4])
    assert gf.fit(START, one).names == ("asr_ct",)
    assert "ea_ct" in gf.fit(START, one, ["asr_ct", "ea_ct"]).unidentifiable


def test_an_e0_near_zero_volts_is_identifiable():
    # the NO2 preset's E0 is -2.7 mV: an interval of +-2 mV is not "+-100 %" ignorance
    g = ls.GasSensor.preset("NO2-nitrite-LiPON")
    true = g.replace(e0=0.001)
    fr = gf.fit(g, gf.synthetic(true, "emf", seed=1, temperatures=[400.0, 423.15, 450.0]))
    assert "e0" not in fr.unidentifiable
    lo, hi = fr.ci95["e0"]
    assert lo < 0.001 < hi and hi - lo < 0.01


def test_a_loaded_step_sees_the_output_resistance():
    # a step read through a 20 kOhm meter: the divider pins R_out together with the levels
    e = gf.synthetic(TRUTH, "emf", seed=11, temperatures=T3)
    r_out = TRUTH.output_resistance(773.15)
    s = gf.synthetic(TRUTH, "step_response", seed=12, temperature=773.15, r_load=r_out)
    fr = gf.fit(START, [e, s], ["e0", "ideality", "de0_dt", "tau", "asr_ct"])
    assert fr.unidentifiable == ()
    assert fr.covers({"asr_ct": TRUTH.asr_ct, "tau": 8.0}) == {"asr_ct": True, "tau": True}


# --------------------------------------------------------------------- CSV and bad data
def _csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(f"{x:.10g}" for x in r) for r in rows)
                    + "\n")
    return path


def _emf_rows(unit_p=1e6, unit_e=1e3, offset_T=-273.15):
    d = gf.synthetic(TRUTH, "emf", seed=21, temperatures=T3)
    return [(p * unit_p, e * unit_e, T + offset_T) for p, e, T in
            zip(d.p_gas, d.emf, d.temperature)]


def test_csv_in_lab_units_fits_and_names_the_file(tmp_path):
    f = _csv(tmp_path / "emf.csv", "p_gas [ppm],emf [mV],T [degC]", _emf_rows())
    d = gf.EmfData.from_csv(f)
    assert d.p_gas.min() == pytest.approx(200e-6) and d.temperature.max() == pytest.approx(823.15)
    s = gf.synthetic(TRUTH, "step_response", seed=22, temperature=723.15)
    g = _csv(tmp_path / "step.csv", "t [ms],emf [mV]", zip(s.t * 1e3, s.emf * 1e3))
    st = gf.StepData.from_csv(g, p_before=400e-6, p_after=4000e-6, temperature=723.15,
                              t_step=s.t_step)
    np.testing.assert_allclose(st.emf, s.emf, rtol=1e-9)
    fr = gf.fit(START, [d, st])
    assert fr.device.source.startswith("fitted to emf.csv, step.csv")
    assert fr.covers({"ideality": 0.85})["ideality"]
    assert gf.DATA_KINDS["emf"] is gf.EmfData


def test_ppm_declared_as_bar_is_caught(tmp_path):
    f = _csv(tmp_path / "emf.csv", "p_gas [bar],emf [mV],T [degC]", _emf_rows())
    with pytest.raises(DataError) as e:
        gf.EmfData.from_csv(f)
    assert e.value.column == "p_gas" and "ppm" in str(e.value)
    with pytest.raises(DataError) as e:                      # a scalar condition too
        gf.StepData(t=np.arange(10.0), emf=np.zeros(10), p_before=400, p_after=4000e-6,
                    temperature=773.15)
    assert e.value.column == "p_before"


def test_celsius_declared_as_kelvin_is_caught(tmp_path):
    # a 500 C sensor's temperatures written as "K": 450..550 K pass the generic check
    # (>= 150 K) but lie >= 150 K below t_op while +273.15 lands on it
    f = _csv(tmp_path / "emf.csv", "p_gas [ppm],emf [mV],T [K]", _emf_rows())
    d = gf.EmfData.from_csv(f)
    with pytest.raises(DataError) as e:
        gf.fit(START, d)
    assert e.value.column == "T" and "Celsius" in str(e.value) and "emf.csv" in str(e.value)
    s = gf.StepData(t=np.arange(10.0), emf=np.zeros(10), p_before=400e-6, p_after=4000e-6,
                    temperature=500.0)
    with pytest.raises(DataError) as e:
        gf.fit(START, s)
    assert e.value.column == "temperature"
    # a NO2 sensor at 120 C written as K: below 150 K, refused on reading
    g = _csv(tmp_path / "cold.csv", "p_gas [ppm],emf [mV],T [K]",
             [(p, e, 120.0) for p, e, _ in _emf_rows()])
    with pytest.raises(DataError) as e:
        gf.EmfData.from_csv(g)
    assert e.value.column == "T" and "393.15" in str(e.value)


def test_bad_data_is_refused_naming_the_column(tmp_path):
    rows = _emf_rows()
    rows[3] = (rows[3][0], float("nan"), rows[3][2])
    with pytest.raises(DataError) as e:
        gf.EmfData.from_csv(_csv(tmp_path / "nan.csv", "p_gas [ppm],emf [mV],T [degC]", rows))
    assert e.value.column == "emf" and "row 3" in str(e.value)
    with pytest.raises(DataError) as e:
        gf.StepData.from_csv(_csv(tmp_path / "t.csv", "t [s],emf [V]",
                                  [(0, 0.1), (1, 0.1), (3, 0.1), (2, 0.1), (4, 0.1), (5, 0.1)]),
                             p_before=4e-4, p_after=4e-3, temperature=773.15)
    assert e.value.column == "t" and "increase" in str(e.value)
    with pytest.raises(DataError) as e:
        gf.EmfData(p_gas=[4e-4, 4e-3], emf=[0.3, 0.25], temperature=773.15)
    assert e.value.column == "p_gas" and "at least 3" in str(e.value)
    with pytest.raises(DataError) as e:                    # unit of the wrong quantity
        gf.EmfData.from_csv(_csv(tmp_path / "u.csv", "p_gas [ppm],emf [mA],T [degC]",
                                 _emf_rows()))
    assert e.value.column == "emf"
    # EMF rising with gas: recorded as V(se) - V(ref)
    flip = [(p, -e, T) for p, e, T in _emf_rows()]
    with pytest.raises(DataError) as e:
        gf.EmfData.from_csv(_csv(tmp_path / "flip.csv", "p_gas [ppm],emf [mV],T [degC]", flip))
    assert e.value.column == "emf" and "V(ref) - V(se)" in str(e.value)
    with pytest.raises(DataError) as e:
        gf.StepData(t=np.arange(10.0), emf=np.zeros(10), p_before=4e-4, p_after=4e-3,
                    temperature=773.15, t_step=8.5)
    assert e.value.column == "t" and "after the step" in str(e.value)
    with pytest.raises(DataError) as e:
        gf.EmfData.from_csv(_csv(tmp_path / "m.csv", "p_gas [ppm],emf [mV]",
                                 [r[:2] for r in _emf_rows()]))
    assert e.value.column == "T"
    with pytest.raises(ls.ParameterError, match="params"):
        gf.fit(START, _data(0)[0], ["e0", "tau0"])
    with pytest.raises(ls.ParameterError, match="data"):
        gf.fit(START, [np.zeros(3)])


# --------------------------------------------------------------------- the fitted device
def test_fitted_device_says_so_and_exports_like_a_preset(one_fit, tmp_path):
    dev = one_fit.device
    assert dev.source.startswith("fitted to arrays (asr_ct, de0_dt, e0, ea_ct, ea_tau, "
                                 "ideality, tau)")
    assert set(dev.assumed) == set(START.assumed) - set(FULL)
    assert len(dev.assumed) == len(START.assumed) - 7      # all seven were assumed
    assert dev.e0 == one_fit.values["e0"] and dev.tau == one_fit.values["tau"]
    text = dev.subckt()
    assert text.startswith("* lithispice gas sensor") and dev.subckt_name in text
    assert dev.subckt_name != START.subckt_name
    paths = one_fit.save(tmp_path / "fit")
    assert "ea_tau" in paths[0].read_text() and paths[2].stat().st_size > 1000
    # the readout line of the fitted sensor at 500 C, as gas_calibration's Calibration
    cal = gf.calibration(dev, 773.15)
    assert isinstance(cal, Calibration)
    assert cal.concentration(dev.emf(1500e-6, 773.15)) == pytest.approx(1500e-6, rel=1e-9)
    assert cal.ideality(2) == pytest.approx(one_fit.values["ideality"], rel=1e-9)


def test_fitted_card_in_ngspice_reproduces_the_step_it_was_fitted_to(one_fit):
    dev = one_fit.device
    step = _data(0)[1]                                   # the 723 K step of one_fit's data
    T, ts, tau = step.temperature, step.t_step, dev.time_constant(step.temperature)
    t_end = float(step.t[-1])
    chip = ls.Chip("fitted gas sensor step")
    chip.vsource("gas", "lgp", "0", pwl=dev.gas_pwl(
        [0.0, ts, ts + 1e-4 * tau, t_end], [step.p_before, step.p_before, step.p_after,
                                            step.p_after]))
    chip.vsource("temp", "tk", "0", dc=T)
    chip.add("s1", dev, params=dev.spice_params(step.p_before, T), se="se", ref="0",
             lgp="lgp", tk="tk")
    r_meter = 1e6 * dev.output_resistance(T)             # an electrometer: divides by 1e-6
    chip.resistor("meter", "se", "0", r_meter)
    chip.options(reltol=1e-5)
    chip.tran(t_end / 2000, t_end, tmax=t_end / 500)
    res = chip.run(timeout=120)
    v = np.interp(step.t, res.time, -res["v(se)"])
    resid = v - step.emf
    fit_rms = float(np.sqrt(np.mean(np.square(step.emf - gf._Model(step, 1.0).predict(dev)))))
    # the card lands on the data as well as the kernel fit did (noise 1 mV)
    assert np.sqrt(np.mean(resid ** 2)) < 1.05 * fit_rms + 1e-4
    assert 0.7e-3 < fit_rms < 1.3e-3


def test_fit_config_runs_the_gas_sensor_family(tmp_path):
    # the `lithispice fit CONFIG` path: CSV files in lab units, conditions from the config
    from lithispice.fit.config import run_fit_config
    _csv(tmp_path / "emf.csv", "p_gas [ppm],emf [mV],T [degC]", _emf_rows())
    s = gf.synthetic(TRUTH, "step_response", seed=31, temperature=723.15)
    _csv(tmp_path / "step.csv", "t [s],emf [V]", zip(s.t, s.emf))
    (tmp_path / "fit.toml").write_text(
        'family = "gas_sensor"\npreset = "CO2-Li2CO3-LiPON"\nout = "out"\n'
        '[[data]]\nkind = "emf"\nfile = "emf.csv"\n'
        f'[[data]]\nkind = "step_response"\nfile = "step.csv"\np_before = 400e-6\n'
        f'p_after = 4000e-6\ntemperature = 723.15\nt_step = {s.t_step!r}\n')
    fr = run_fit_config(tmp_path / "fit.toml")
    assert fr.names == ("e0", "ideality", "de0_dt", "tau")
    assert fr.device.source.startswith("fitted to emf.csv, step.csv")
    out = tmp_path / "out"
    assert (out / "fit.png").stat().st_size > 1000 and (out / "report.txt").is_file()
    inc = (out / "models" / "ngspice" / "lsg_CO2_Li2CO3_LiPON_fit.inc").read_text()
    # the card carries the fitted numbers
    assert f" tau0={float(fr.values['tau'])!r} " in inc
    assert f" ideal={float(fr.values['ideality'])!r} " in inc
