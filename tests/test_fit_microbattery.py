"""Microbattery parameter extraction (lithispice/fit/microbattery.py): synthetic discharge
curves and GITT pulses from a known cell through the compiled kernel, fitted back. Interval
coverage over seeds, unidentifiable parameters flagged, unit slips and bad data refused with
the column named, the fitted cell exported and run in real ngspice."""
import math

import numpy as np
import pytest

import lithispice as ls
from lithispice.devices.microbattery import Microbattery
from lithispice.fit import DataError
from lithispice.fit import microbattery as fm

LCO = "LiPON-LiCoO2-Li"
NOISE = 1e-3                       # V: a cycler's voltage noise
TRUTH = dict(D=2e-15, i0_cathode=0.5, sigma_ref=1.5e-4)


@pytest.fixture(scope="module")
def start():
    return Microbattery.preset(LCO)


@pytest.fixture(scope="module")
def truth(start):
    return start.replace(**TRUTH)


def _data(truth, seed, n_points=30):
    """1C and 5C discharges (the 5C one drives the cathode interface beyond its exchange
    current, which separates i0 from R_ion) and three 2C GITT pulses."""
    return [fm.synthetic(truth, "discharge", seed=seed, c_rate=1, n_points=n_points),
            fm.synthetic(truth, "discharge", seed=seed + 10_000, c_rate=5, n_points=n_points),
            fm.synthetic(truth, "gitt", seed=seed + 20_000, c_rate=2, n_pulses=3, dt=6.0)]


def test_fit_recovers_d_i0_and_r_ion_within_intervals(start, truth):
    r = fm.fit(start, _data(truth, 1), data_label="synthetic LCO")
    assert r.names == ("D", "i0_cathode", "sigma_ref")      # the default set at one T
    assert r.success and not r.unidentifiable
    assert all(r.covers(TRUTH).values()), r.report()
    assert 0.8 < r.rms < 1.2                     # residuals at the noise level (sigma estimated)
    # the capacity implied by the fitted device agrees with what the curves deliver
    assert all(c["ok"] for c in r.capacity_check) and len(r.capacity_check) == 3
    assert "capacity check" in r.report() and "R_ion" in r.report()
    assert r.r_ion[298.15] == pytest.approx(truth.r_ion(298.15), rel=0.05)


def test_interval_coverage_over_seeds(start, truth):
    """60 seeds x 3 parameters = 180 pooled 95 % intervals. Binomial(180, 0.95): mean 171,
    sd 2.9. Accept pooled coverage in [0.87, 1): 0.87 is ~5 sd below (margin for the
    correlation of i0 and R_ion within a seed; intervals half as wide as they should be
    would cover ~0.68); exactly 1.00 has probability 0.95^180 = 1e-4 for honest intervals,
    so it means intervals too wide. Per parameter at least 0.80 (n = 60: 4.5 sd below 0.95).
    Width: the mean reported std error (log10) must be within a factor 1.5 of the empirical
    spread of the estimates (the spec's factor 2 tightened: a sample sd from 60 fits is good
    to ~9 %, so 1.5 is > 4 sd off). Measured: seeds 100-159 pooled 0.961 (D 0.95, i0_cathode 0.967,
    sigma_ref 0.967), stderr / spread 1.05, 1.04, 0.99; seeds 1000-1059 pooled 0.939 (0.95,
    0.933, 0.933), 1.04, 0.96, 0.91. 60 two-pass fits in 7-8 s on the shared 2 cores.
    (Without the second, residual-based weighting pass D covered 1.00 with intervals 1.5-1.6x
    the spread: the width check fails that.)"""
    n = 60
    hits = {k: 0 for k in TRUTH}
    est = {k: [] for k in TRUTH}
    se = {k: [] for k in TRUTH}
    for seed in range(100, 100 + n):
        r = fm.fit(start, _data(truth, seed, n_points=25))
        assert r.success
        for k, ok in r.covers(TRUTH).items():
            hits[k] += ok
            est[k].append(math.log10(r.values[k]))
            se[k].append(r.stderr[k] / (r.values[k] * math.log(10)))
    pooled = sum(hits.values()) / (n * len(TRUTH))
    assert 0.87 <= pooled < 1.0, hits
    for k in TRUTH:
        assert hits[k] / n >= 0.80, (k, hits)
        ratio = np.mean(se[k]) / np.std(est[k], ddof=1)
        assert 1 / 1.5 < ratio < 1.5, (k, ratio)


def test_activation_energy_of_d_from_two_temperatures(start):
    truth = start.replace(D=2e-15, ea_D=0.45)
    data = [fm.synthetic(truth, "discharge", seed=s, c_rate=1, temperature=T, n_points=30)
            for s, T in ((1, 278.15), (2, 298.15), (3, 318.15))]
    r = fm.fit(start, data, ["D", "ea_D"])
    assert r.covers({"D": 2e-15, "ea_D": 0.45}) == {"D": True, "ea_D": True}, r.report()
    assert not r.unidentifiable
    assert fm.default_params(data) == ["D", "i0_cathode", "sigma_ref", "ea_D"]


def test_default_set_at_two_temperatures_recovers_d_its_ea_i0_and_r_ion(start):
    truth = start.replace(D=3e-15, ea_D=0.45, i0_cathode=0.5, sigma_ref=1.5e-4)
    data = []
    for k, T in enumerate((278.15, 318.15)):
        data += [fm.synthetic(truth, "discharge", seed=10 + k, c_rate=1, temperature=T,
                              n_points=30),
                 fm.synthetic(truth, "discharge", seed=20 + k, c_rate=5, temperature=T,
                              n_points=30),
                 fm.synthetic(truth, "gitt", seed=30 + k, c_rate=2, n_pulses=3, temperature=T)]
    r = fm.fit(start, data)
    want = dict(D=3e-15, ea_D=0.45, i0_cathode=0.5, sigma_ref=1.5e-4)
    assert set(r.names) == set(want) and not r.unidentifiable
    assert all(r.covers(want).values()), r.report()
    # R_ion follows the electrolyte's (assumed) Arrhenius law between the two temperatures
    assert r.r_ion[278.15] > 4 * r.r_ion[318.15]


def test_unidentifiable_parameters_are_flagged(start, truth):
    # one temperature: ea_D is only a rescaling of D; the preset's 1e-14 S/cm leak passes
    # < 1 nA, invisible in minutes of data
    data = _data(truth, 3)
    r = fm.fit(start, data, ["D", "i0_cathode", "sigma_ref", "ea_D", "sigma_e"])
    assert set(r.unidentifiable) == {"ea_D", "sigma_e"}, r.report()
    assert any("ea_D" in w and ">= 2 temperatures" in w for w in r.warnings)
    assert "UNIDENTIFIABLE" in r.report()
    assert all(r.covers(TRUTH).values()), r.report()


def test_leaky_cell_leak_is_fitted_from_a_long_rest(start):
    # 1e-8 S/m: R_leak 1.5 Mohm, ~2.8 uA at 4 V: an hour of rest after pulses shows it
    truth = start.replace(sigma_e=1e-8)
    d = fm.synthetic(truth, "gitt", seed=5, c_rate=1, t_on=120, t_off=3600, n_pulses=1,
                     dt=30.0, soc0=0.6, noise=2e-4)
    r = fm.fit(start, d, ["D", "sigma_e"])
    assert "sigma_e" not in r.unidentifiable, r.report()
    assert r.covers({"sigma_e": 1e-8})["sigma_e"], r.report()


def test_capacity_from_geometry_disagreement_warns(start, truth):
    # the data come from a cell 20 % thicker than the one fitted: D alone cannot make the
    # geometric capacity deliver the data's charge
    thick = truth.replace(cathode_thickness=1.2e-6)
    d = fm.synthetic(thick, "discharge", seed=4, c_rate=0.5, n_points=40)
    r = fm.fit(start, d, ["D"])
    assert any(w.startswith("capacity:") for w in r.warnings), r.report()
    assert not r.capacity_check[0]["ok"]
    assert "DISAGREES" in r.report()


def test_charge_curve_and_capacity_columns_from_csv(tmp_path, start):
    truth = start.replace(D=2e-15, i0_cathode=0.5)         # sigma_ref as assumed
    ch = fm.synthetic(truth, "charge", seed=6, c_rate=2, n_points=30)
    p = tmp_path / "charge.csv"
    # charge passed instead of time, in mAh; current in uA and temperature in degC as columns
    rows = ["q [mAh], v [V], i [uA], T [degC]"] + [
        f"{ch.current * t / 3.6:.10g}, {v:.6f}, {-ch.current * 1e6:.8g}, 25"
        for t, v in zip(ch.t, ch.v)]
    p.write_text("\n".join(rows) + "\n")
    # t = 0 has q = 0 which the strictly increasing check accepts as the first row
    back = fm.ChargeCurve.from_csv(p)
    assert back.current == pytest.approx(ch.current)
    assert back.temperature == pytest.approx(298.15)
    np.testing.assert_allclose(back.t, ch.t, rtol=1e-8, atol=1e-9)
    r = fm.fit(start, back, ["D", "i0_cathode"], data_label=str(p))
    assert r.covers({"D": 2e-15, "i0_cathode": 0.5}) == {"D": True, "i0_cathode": True}, \
        r.report()
    assert str(p) in r.device.source


def _gitt_csv(path, d, i_unit="A", i_scale=1.0, T_header="T [K]", T_value=None):
    T = d.temperature if T_value is None else T_value
    lines = [f"t [s], i [{i_unit}], v [V], {T_header}"] + [
        f"{t:g}, {i * i_scale:.8g}, {v:.6f}, {T:g}" for t, i, v in zip(d.t, d.i, d.v)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_wrong_units_and_bad_data_are_refused_naming_the_column(tmp_path, start, truth):
    g = fm.synthetic(truth, "gitt", seed=7, c_rate=2, n_pulses=2)
    ok = fm.GITTData.from_csv(_gitt_csv(tmp_path / "ok.csv", g))
    np.testing.assert_allclose(ok.v, g.v, atol=1e-6)
    # Celsius written under a K header
    with pytest.raises(DataError) as e:
        fm.GITTData.from_csv(_gitt_csv(tmp_path / "c.csv", g, T_value=25.0))
    assert e.value.column == "T" and "degC" in str(e.value)
    # the scalar temperature too
    with pytest.raises(DataError) as e:
        fm.DischargeCurve(t=g.t, v=g.v, current=1e-4, temperature=25.0)
    assert e.value.column == "temperature"
    # milliamperes written as A: 138 uA logged as 0.138 -> 2000 C for a 69 uAh cell
    bad = fm.GITTData.from_csv(_gitt_csv(tmp_path / "ma.csv", g, i_scale=1e3))
    with pytest.raises(DataError) as e:
        fm.fit(start, bad)
    assert e.value.column == "i" and "C for this cell" in str(e.value)
    # amperes written as mA: a C/2 discharge read as C/2000
    d = fm.synthetic(truth, "discharge", seed=8, c_rate=0.5, n_points=20)
    with pytest.raises(DataError) as e:
        fm.fit(start, fm.DischargeCurve(t=d.t, v=d.v, current=d.current * 1e-3))
    assert e.value.column == "current"
    # millivolts under a V header
    with pytest.raises(DataError) as e:
        fm.DischargeCurve(t=d.t, v=d.v * 1e3, current=d.current)
    assert e.value.column == "v"
    # a current that is not a current
    p = _gitt_csv(tmp_path / "iv.csv", g, i_unit="V")
    with pytest.raises(DataError) as e:
        fm.GITTData.from_csv(p)
    assert e.value.column == "i" and str(p) in str(e.value)
    # NaN, time going backwards, too few points
    v = d.v.copy()
    v[3] = np.nan
    with pytest.raises(DataError) as e:
        fm.DischargeCurve(t=d.t, v=v, current=d.current)
    assert e.value.column == "v"
    t = d.t.copy()
    t[5] = t[3]
    with pytest.raises(DataError) as e:
        fm.DischargeCurve(t=t, v=d.v, current=d.current)
    assert e.value.column == "t"
    with pytest.raises(DataError) as e:
        fm.GITTData(t=g.t[:4], i=g.i[:4], v=g.v[:4])
    assert e.value.column == "t"
    # a "discharge" CSV whose current varies is a GITT file
    p = _gitt_csv(tmp_path / "vary.csv", g)
    with pytest.raises(DataError) as e:
        fm.DischargeCurve.from_csv(p)
    assert e.value.column == "i" and "gitt" in str(e.value)
    # a charge logged with i < 0 read as a discharge
    p = tmp_path / "sign.csv"
    p.write_text("t [s], v [V], i [uA]\n" + "".join(
        f"{t:g}, {v:.5f}, {-d.current * 1e6:g}\n" for t, v in zip(d.t, d.v)))
    with pytest.raises(DataError) as e:
        fm.DischargeCurve.from_csv(p)
    assert e.value.column == "i" and "charge" in str(e.value)
    with pytest.raises(ls.ParameterError) as e:
        fm.fit(start, d, ["not_a_field"])
    assert "not_a_field" in str(e.value)


def test_fitted_device_is_a_preset_like_cell_that_ngspice_runs(tmp_path, start, truth):
    g = fm.synthetic(truth, "gitt", seed=9, c_rate=2, t_on=30, t_off=60, n_pulses=2,
                     dt=3.0, sigma=NOISE)
    r = fm.fit(start, [g, fm.synthetic(truth, "discharge", seed=9, c_rate=5, n_points=30)],
               data_label="gitt.csv")
    dev = r.device
    assert dev.source.startswith("fitted to gitt.csv")
    assert "D" in start.assumed and "D" not in dev.assumed
    assert "i0_cathode" not in dev.assumed and len(dev.assumed) < len(start.assumed)
    assert (".subckt " + dev.subckt_name) in dev.subckt()
    assert "source: fitted to gitt.csv" in dev.subckt()      # the card says where it came from
    assert dev.subckt_name != start.subckt_name
    paths = r.save(tmp_path / "fit")
    assert all(p.stat().st_size > 0 for p in paths)
    assert "capacity_check" in (tmp_path / "fit" / "fit.json").read_text()
    # the fitted card in real ngspice under the GITT current reproduces the data to within
    # the fit's own residual (sigma given: the weighted rms is ~1)
    ts, cs = fm._gitt_stimulus(g.t, g.i)
    chip = ls.Chip("fitted gitt")
    chip.isource("load", "p", "0", pwl=list(zip(ts, cs)))
    chip.add("b1", dev, params={"soc0": g.soc0, "tk": g.temperature}, pos="p", neg="0")
    chip.options(reltol=1e-6, method="gear")
    chip.tran(0.05, g.t[-1], tmax=0.5)
    res = chip.run(timeout=120)
    v_spice = np.interp(g.t, res.time, res["v(p)"])
    rms_spice = float(np.sqrt(np.mean(((v_spice - g.v) / NOISE) ** 2)))
    rms_fit = float(np.sqrt(np.mean(r.residuals[next(iter(r.residuals))] ** 2)))
    assert rms_spice < 1.3 * rms_fit + 0.1, (rms_spice, rms_fit)
