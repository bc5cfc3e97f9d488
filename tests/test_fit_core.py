"""The fit core (lithispice/fit/core.py) and the data reader (lithispice/fit/data.py): what
every family's fit stands on. Intervals from the Jacobian, identifiability flags, the fitted
device's provenance, and measured data refused with the column named."""
import json

import numpy as np
import pytest

import lithispice as ls
from lithispice.fit import DataError, FitParam, least_squares_fit, read_csv

T = np.linspace(0.0, 4e-5, 1001)
V = 4.0 * np.sin(2 * np.pi * 5e4 * T)


def _loop(dev):
    return dev.simulate(T, V).i


@pytest.fixture(scope="module")
def measured():
    truth = ls.Memristor.preset("LiCoO2").replace(r_on=2e4, v_set=2.2)
    i = _loop(truth)
    sigma = 0.01 * np.abs(i).max()
    rng = np.random.default_rng(7)
    return truth, i + rng.normal(0.0, sigma, i.size), sigma


def _fit(measured, params):
    truth, i_meas, sigma = measured
    start = ls.Memristor.preset("LiCoO2")
    return least_squares_fit(start, params, lambda d: {"loop": (_loop(d) - i_meas) / sigma},
                             absolute_sigma=True, data_label="synthetic loop")


def test_recovers_parameters_within_their_intervals_and_flags_what_data_cannot_see(measured):
    truth = measured[0]
    fr = _fit(measured, [FitParam("r_on", 1e3, 1e6, log=True), FitParam("v_set", 1.0, 3.5),
                         FitParam("ea_switch", 0.1, 1.0)])
    cov = fr.covers({"r_on": truth.r_on, "v_set": truth.v_set})
    assert cov == {"r_on": True, "v_set": True}
    assert fr.values["r_on"] == pytest.approx(2e4, rel=5e-3)
    # one temperature: the activation energy only shifts the rate at T != t_ref -> unseen
    assert fr.unidentifiable == ("ea_switch",)
    assert any("ea_switch" in w for w in fr.warnings)
    assert 0.9 < fr.rms < 1.1                       # residuals at the noise level
    # the fitted device says where it came from
    assert fr.device.source.startswith("fitted to synthetic loop")
    assert fr.device.r_on == fr.values["r_on"]
    assert abs(fr.correlation[0, 1]) < 1 and fr.correlation[0, 0] == 1.0


def test_report_json_and_residual_plot_are_written(measured, tmp_path):
    fr = _fit(measured, [FitParam("r_on", 1e3, 1e6, log=True)])
    paths = fr.save(tmp_path / "fit")
    assert [p.name for p in paths] == ["report.txt", "fit.json", "residuals.png"]
    js = json.loads(paths[1].read_text())
    assert js["parameters"]["r_on"]["unit"] == "ohm"
    lo, hi = js["parameters"]["r_on"]["ci95"]
    assert lo < js["parameters"]["r_on"]["value"] < hi
    assert "r_on" in paths[0].read_text()
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_fit_requests_name_the_parameter(measured):
    with pytest.raises(ls.ParameterError, match="lower"):
        FitParam("r_on", 0.0, 1e6, log=True)
    with pytest.raises(ls.ParameterError, match="bounds"):
        FitParam("r_on", 2.0, 1.0)
    with pytest.raises(ls.ParameterError, match="r0n"):
        _fit(measured, [FitParam("r0n", 1.0, 2.0)])


def _csv(tmp_path, header, rows):
    p = tmp_path / "data.csv"
    p.write_text(header + "\n" + "\n".join(",".join(str(x) for x in r) for r in rows) + "\n")
    return p


def test_csv_units_are_converted_to_si(tmp_path):
    p = _csv(tmp_path, "# a comment line\nt [ms],i [uA],T [degC],p [ppm]",
             [(k, 2 * k, 25, 400) for k in range(6)])
    d = read_csv(p, {"t": "s", "i": "A", "T": "K", "p": "bar"}, time_column="t")
    assert d["t"][1] == pytest.approx(1e-3) and d["i"][1] == pytest.approx(2e-6)
    assert d["T"][0] == pytest.approx(298.15) and d["p"][0] == pytest.approx(4e-4)


@pytest.mark.parametrize("header,rows,column,match", [
    ("t [s],T [K]", [(k, 25) for k in range(6)], "T", "did you mean 298.15 K"),
    ("t [s],p [bar]", [(k, 400) for k in range(6)], "p", "ppm"),
    ("t [s],i [V]", [(k, 1) for k in range(6)], "i", "is a voltage"),
    ("t [s],i", [(k, 1) for k in range(6)], "i", "no unit"),
    ("t [s],i [A]", [(k, "nan" if k == 3 else 1) for k in range(6)], "i", "row 3"),
    ("t [s],i [A]", [(k if k != 4 else 2, 1) for k in range(6)], "t", "strictly increase"),
    ("t [s],i [A]", [(k, 1) for k in range(3)], "t", "at least 5"),
    ("t [s],i [A]", [(k, "abc") for k in range(6)], "i", "not a number"),
    ("t [s],j [A]", [(k, 1) for k in range(6)], "i", "missing"),
])
def test_bad_csv_names_the_column(tmp_path, header, rows, column, match):
    p = _csv(tmp_path, header, rows)
    with pytest.raises(DataError, match=match) as e:
        read_csv(p, {"t": "s", "i": "A"} if "T" not in header and "p [" not in header
                 else {"t": "s", header.split(",")[1].split()[0]: "K" if "T" in header else "bar"},
                 time_column="t")
    assert e.value.column == column and str(p) in str(e.value)


def test_scalar_conditions_noise_levels_and_constant_columns_are_checked_in_one_place():
    from lithispice.fit.data import condition, constant_column, noise_level
    assert condition("temperature", 300, "K") == 300.0
    with pytest.raises(DataError, match="did you mean 298.15 K") as e:
        condition("temperature", 25, "K")
    assert e.value.column == "temperature"
    with pytest.raises(DataError, match="not a number"):
        condition("temperature", True, "K")
    assert noise_level("sigma", None, "A") is None and noise_level("sigma", 1e-9, "A") == 1e-9
    for bad in (0.0, -1.0, float("nan"), "0.1", True):
        with pytest.raises(DataError, match="noise level"):
            noise_level("sigma", bad, "A")
    cols = {"T": np.array([300.0, 300.2, 300.1])}
    assert constant_column(cols, "T", tol=0.5) == pytest.approx(300.1)
    assert constant_column({}, "T", tol=0.5, given=310.0) == 310.0
    with pytest.raises(DataError, match="varies") as e:
        constant_column({"T": np.array([300.0, 301.0])}, "T", tol=0.5)
    assert e.value.column == "T"
    with pytest.raises(DataError, match="contradicts"):
        constant_column(cols, "T", tol=0.5, given=320.0)


def test_a_data_error_located_in_a_file_names_file_and_column_once(tmp_path):
    err = DataError("2 is outside [0, 1]", column="soc0").at(tmp_path / "d.csv")
    assert str(err) == f"{tmp_path / 'd.csv'}, column 'soc0': 2 is outside [0, 1]"
    assert err.column == "soc0" and err.path == str(tmp_path / "d.csv")
    # as a data class re-raises it from from_csv
    from lithispice.fit import microbattery as fm
    p = _csv(tmp_path, "t [s],v [V]", [(k, 4.0 - 0.01 * k) for k in range(12)])
    with pytest.raises(DataError) as e:
        fm.DischargeCurve.from_csv(p, current=1e-5, soc0=2)
    assert str(e.value).count("column 'soc0'") == 1 and str(p) in str(e.value)
