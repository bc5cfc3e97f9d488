"""``lithispice fit CONFIG`` (issue 13 items 3-4): the shipped example end to end (subprocess,
real kernel, real ngspice and OpenVAF), config and data errors as one line naming the key or
column with exit status 2, and :func:`lithispice.modelcards.device_cards` for one device of
every family."""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lithispice as ls
from lithispice import modelcards as mc
from lithispice.devices import DEVICE_FAMILIES
from lithispice.engines import run_deck
from lithispice.spice.veriloga import compile_va

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fit"
CONFIG = EXAMPLE / "memristor_fit.toml"
CARD = "lsm_LiCoO2_fit"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lithispice.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _make_data():
    spec = importlib.util.spec_from_file_location("fit_make_data", EXAMPLE / "make_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _loop_csv(path):
    """(t s, v V, i A) of an example CSV (header 't [us], v [V], i [uA]')."""
    d = np.genfromtxt(path, delimiter=",", comments="#", skip_header=2)
    return d[:, 0] * 1e-6, d[:, 1], d[:, 2] * 1e-6


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "fit_out"
    r = cli("fit", CONFIG, "--out", out)
    return r, out


# ------------------------------------------------------------------------------ the example
def test_example_data_are_reproducible(tmp_path):
    # the shipped CSVs are exactly what make_data.py writes (fixed seed)
    for p in _make_data().write(tmp_path):
        assert p.read_text() == (EXAMPLE / p.name).read_text(), p.name


def test_example_fit_writes_report_json_plots_and_cards(example):
    r, out = example
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    for name in ("report.txt", "fit.json", "residuals.png"):
        assert (out / name).stat().st_size > 200, name
    assert (out / "residuals.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from lithispice.fit import memristor as fm
    if hasattr(fm, "plot_fit"):                          # the family's data-vs-model plot
        assert (out / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "fit.png" in r.stdout
    want = {f"ngspice/{CARD}.inc", f"ngspice/{CARD}.lib", f"xyce/{CARD}.inc",
            f"xyce/{CARD}.lib", f"ltspice/{CARD}.lib", f"veriloga/{CARD.lower()}.va"}
    got = {str(p.relative_to(out / "models")) for p in (out / "models").rglob("*") if p.is_file()}
    assert got == want
    assert "loop_300K.csv" in (out / "report.txt").read_text()
    assert "r_on" in r.stdout and "95 %" in r.stdout and CARD in r.stdout


def test_fitted_values_cover_the_generating_parameters(example):
    r, out = example
    truth = _make_data().TRUTH
    fit = json.loads((out / "fit.json").read_text())
    pars = fit["parameters"]
    assert set(pars) == set(truth)                      # the config's params list
    for k, v in truth.items():
        lo, hi = pars[k]["ci95"]
        assert lo <= v <= hi, (k, v, lo, hi)
        assert pars[k]["identifiable"], k
        # and the start (the plain preset) was well away from the truth
        assert abs(pars[k]["start"] - v) > 3 * (hi - lo), k
    assert fit["success"]


def test_fitted_cards_carry_the_fitted_values(example):
    _, out = example
    pars = json.loads((out / "fit.json").read_text())["parameters"]
    spice = {"r_on": "ron", "v_set": "vset", "v_reset": "vreset"}
    for rel in (f"ngspice/{CARD}.inc", f"ngspice/{CARD}.lib", f"xyce/{CARD}.inc",
                f"ltspice/{CARD}.lib"):
        text = (out / "models" / rel).read_text()
        assert "fitted to loop_300K.csv, loop_330K.csv" in text, rel
        hdr = mc.parse_subckt_header(text, CARD)
        for field, name in spice.items():
            assert float(hdr.params[name].strip("{}")) == pytest.approx(
                pars[field]["value"], rel=1e-12), (rel, name)
    va = (out / "models" / "veriloga" / f"{CARD.lower()}.va").read_text()
    assert "fitted to loop_300K.csv" in va
    ron = float(re.search(r"parameter real ron = ([^ ;]+)", va).group(1))
    assert ron == pytest.approx(pars["r_on"]["value"], rel=1e-12)
    assert compile_va(va).stat().st_size > 1000        # OpenVAF, no warning


@pytest.mark.parametrize("temperature", [300.0, 330.0])
def test_fitted_ngspice_card_reproduces_the_data_within_the_fit_residual(example, temperature):
    """The written .inc in real ngspice, driven like the measurement (50 kHz, +-4 V sine):
    its misfit to the data is the noise of the data, as the kernel's fit is; the start
    device (the plain preset) misses by far more."""
    _, out = example
    t, v, i = _loop_csv(EXAMPLE / f"loop_{temperature:.0f}K.csv")
    np.testing.assert_allclose(v, 4.0 * np.sin(2 * np.pi * 5e4 * t), atol=1e-5)   # 6 digits
    deck = "\n".join(["fitted memristor card", f".include {out / 'models/ngspice' / CARD}.inc",
                      "V1 a 0 sin(0 4 50k)", f"X1 a 0 {CARD} tk={temperature}",
                      ".tran 10n 40u 0 10n", ".end", ""])
    res = run_deck(deck, timeout=120)
    i_ng = np.interp(t, res.time, -res["i(v1)"])      # i(v1) flows into the source's + pin
    pars = json.loads((out / "fit.json").read_text())["parameters"]
    fitted = ls.Memristor.preset("LiCoO2").replace(**{k: p["value"] for k, p in pars.items()})
    i_kernel = fitted.simulate(t, v, temperature=temperature).i
    rms = lambda a: float(np.sqrt(np.mean(np.square(a))))   # noqa: E731
    noise = _make_data().NOISE * np.abs(i).max()
    assert rms(i_kernel - i) == pytest.approx(noise, rel=0.1)
    assert rms(i_ng - i) <= 1.02 * rms(i_kernel - i)
    assert rms(i_ng - i_kernel) < 0.05 * noise
    start = ls.Memristor.preset("LiCoO2").simulate(t, v, temperature=temperature).i
    assert rms(start - i) > 10 * noise


# ------------------------------------------------------------------------------ errors
def _config(tmp_path, text, name="bad.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD_DATA = (f'[[data]]\nkind = "iv_loop"\nfile = "{EXAMPLE / "loop_300K.csv"}"\n'
             'temperature = 300.0\n')


@pytest.mark.parametrize("text,key,words", [
    ('family = "memristr"\npreset = "LiCoO2"\n' + GOOD_DATA, "family",
     ["did you mean 'memristor'", "gas_sensor"]),
    ('family = "memristor"\npreset = "LiCoO3"\n' + GOOD_DATA, "preset",
     ["did you mean 'LiCoO2'"]),
    ('family = "memristor"\npreset = "LiCoO2"\nparam = ["r_on"]\n' + GOOD_DATA, "param",
     ["did you mean 'params'"]),
    ('family = "memristor"\npreset = "LiCoO2"\nparams = ["r_on", "ron"]\n' + GOOD_DATA,
     "params[1]", ["did you mean 'r_on'"]),
    ('family = "memristor"\npreset = "LiCoO2"\n[device]\nron = 2e4\n' + GOOD_DATA,
     "device.ron", ["did you mean 'r_on'"]),
    ('family = "memristor"\npreset = "LiCoO2"\n[[data]]\nkind = "iv_lop"\nfile = "x.csv"\n',
     "data[0].kind", ["unknown data kind", "did you mean 'iv_loop'"]),
    ('family = "memristor"\npreset = "LiCoO2"\n[[data]]\nkind = "iv_loop"\n'
     'file = "nosuch.csv"\n', "data[0].file", ["nosuch.csv", "not found"]),
    ('family = "memristor"\npreset = "LiCoO2"\n' + GOOD_DATA.replace("temperature", "temperatur"),
     "data[0].temperatur", ["did you mean 'temperature'"]),
    ('family = "memristor"\npreset = "LiCoO2"\n', "data", ["missing", "iv_loop"]),
    # degrees Celsius given as a temperature in K: the condition is named, with the fix
    ('family = "memristor"\npreset = "LiCoO2"\n' + GOOD_DATA.replace("300.0", "27"),
     "data[0].temperature", ["looks like degrees Celsius", "300.15 K"]),
    ('family = "memristor"\npreset = "LiCoO2"\n' + GOOD_DATA
     + "conditions = {temperature = 300.0}\n",
     "data[0].conditions.temperature", ["given twice"]),
])
def test_config_errors_name_the_key(tmp_path, text, key, words):
    r = cli("fit", _config(tmp_path, text), "--out", tmp_path / "out")
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr                     # one line, no traceback
    assert lines[0].startswith("lithispice fit: error: bad.toml: ")
    assert f"'{key}':" in lines[0], lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not (tmp_path / "out").exists()               # nothing fitted, nothing written


@pytest.mark.parametrize("header,column,words", [
    ("t [us], v [V], i [V]", "i", ["'V' is a voltage", "current"]),     # wrong quantity
    ("t [us], v [V], i", "i", ["no unit"]),
    ("t [us], v [V], current [uA]", "i", ["missing"]),
])
def test_a_csv_column_with_the_wrong_unit_is_named(tmp_path, header, column, words):
    rows = (EXAMPLE / "loop_300K.csv").read_text().splitlines()
    body = [r for r in rows if not r.startswith("#")][1:]
    (tmp_path / "loop.csv").write_text("\n".join([header] + body) + "\n")
    cfg = _config(tmp_path, 'family = "memristor"\npreset = "LiCoO2"\n[[data]]\n'
                  'kind = "iv_loop"\nfile = "loop.csv"\ntemperature = 300.0\n')
    r = cli("fit", cfg, "--out", tmp_path / "out")
    assert r.returncode == 2, r.stdout + r.stderr
    line = r.stderr.strip()
    assert "\n" not in line and "'data[0].file':" in line and "loop.csv" in line, line
    assert f"column {column!r}" in line, line
    for w in words:
        assert w in line, (w, line)


def test_a_temperature_column_in_celsius_declared_kelvin_is_named(tmp_path):
    rows = [r for r in (EXAMPLE / "loop_300K.csv").read_text().splitlines()
            if not r.startswith("#")]
    rows = [rows[0] + ", T [K]"] + [r + ", 26.85" for r in rows[1:]]
    (tmp_path / "loop.csv").write_text("\n".join(rows) + "\n")
    cfg = _config(tmp_path, 'family = "memristor"\npreset = "LiCoO2"\n[[data]]\n'
                  'kind = "iv_loop"\nfile = "loop.csv"\n')
    r = cli("fit", cfg)
    assert r.returncode == 2
    assert "'data[0].file':" in r.stderr and "column 'T'" in r.stderr, r.stderr
    assert "degC" in r.stderr


def test_nan_in_a_column_is_named_with_its_row(tmp_path):
    rows = (EXAMPLE / "loop_300K.csv").read_text().splitlines()
    rows[10] = rows[10].rsplit(",", 1)[0] + ", nan"
    (tmp_path / "loop.csv").write_text("\n".join(rows) + "\n")
    cfg = _config(tmp_path, 'family = "memristor"\npreset = "LiCoO2"\n[[data]]\n'
                  'kind = "iv_loop"\nfile = "loop.csv"\ntemperature = 300.0\n')
    r = cli("fit", cfg)
    assert r.returncode == 2
    assert "column 'i'" in r.stderr and "non-finite" in r.stderr, r.stderr


def test_missing_config_and_bad_toml(tmp_path):
    r = cli("fit", tmp_path / "none.toml")
    assert r.returncode == 2 and "not found" in r.stderr
    r = cli("fit", _config(tmp_path, "family = \n"))
    assert r.returncode == 2 and "invalid TOML" in r.stderr and "\n" not in r.stderr.strip()


def test_run_fit_config_from_python_with_relative_out(tmp_path):
    from lithispice.fit.config import run_fit_config
    for f in ("loop_300K.csv",):
        (tmp_path / f).write_text((EXAMPLE / f).read_text())
    cfg = _config(tmp_path, 'family = "memristor"\npreset = "LiCoO2"\nout = "res"\n'
                  'params = ["r_on"]\n[device]\nv_set = 2.2\nv_reset = 2.6\n'
                  '[[data]]\nkind = "iv_loop"\nfile = "loop_300K.csv"\ntemperature = 300.0\n',
                  name="one.toml")
    res = run_fit_config(cfg)
    assert res.names == ("r_on",)
    assert res.covers({"r_on": 2e4}) == {"r_on": True}
    assert res.device.source.startswith("fitted to loop_300K.csv")
    assert (tmp_path / "res" / "models" / "ngspice" / f"{CARD}.inc").is_file()


def test_mixed_kinds_with_a_condition_named_like_a_config_key(tmp_path):
    """Switching times take ``kind = "reset"`` as a condition, which the [[data]] table's own
    ``kind`` (the data kind) would shadow: it goes in ``conditions``."""
    from lithispice.fit import memristor as fm
    truth = _make_data().device()
    sw = fm.synthetic(truth, "switching_times", switch="reset", noise=0.05, seed=3,
                      temperature=300.0)
    rows = ["V [V], t [ns]"] + [f"{a:.6g}, {t * 1e9:.6g}" for a, t in zip(sw.amplitude, sw.time)]
    (tmp_path / "reset_times.csv").write_text("\n".join(rows) + "\n")
    cfg = _config(tmp_path, 'family = "memristor"\npreset = "LiCoO2"\n'
                  'params = ["r_on", "v_set", "v_reset", "nonlinearity_reset"]\n' + GOOD_DATA
                  + '[[data]]\nkind = "switching_times"\nfile = "reset_times.csv"\n'
                  'temperature = 300.0\nconditions = {kind = "reset"}\n', name="mixed.toml")
    r = cli("fit", cfg, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    fit = json.loads((tmp_path / "out" / "fit.json").read_text())
    assert "reset_times.csv" in fit["data"]
    lo, hi = fit["parameters"]["v_reset"]["ci95"]
    assert lo <= truth.v_reset <= hi
    # a misspelt condition inside the table is named with its full key
    bad = _config(tmp_path, cfg.read_text().replace('{kind = "reset"}', '{knd = "reset"}'),
                  name="bad.toml")
    r = cli("fit", bad)
    assert r.returncode == 2 and "'data[1].conditions.knd':" in r.stderr, r.stderr
    assert "did you mean 'kind'" in r.stderr


def test_help_and_a_yaml_config(tmp_path):
    top = cli("--help")
    assert top.returncode == 0 and "fit" in top.stdout
    r = cli("fit", "--help")
    assert r.returncode == 0 and "iv_loop" in r.stdout and "--out" in r.stdout
    (tmp_path / "loop.csv").write_text((EXAMPLE / "loop_300K.csv").read_text())
    cfg = _config(tmp_path, "family: memristor\npreset: LiCoO2\nparams: [r_on]\n"
                  "device: {v_set: 2.2, v_reset: 2.6}\n"
                  "data:\n  - {kind: iv_loop, file: loop.csv, temperature: 300.0}\n",
                  name="fit.yaml")
    r = cli("fit", cfg, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    lo, hi = json.loads((tmp_path / "out" / "fit.json").read_text())["parameters"]["r_on"]["ci95"]
    assert lo <= 2e4 <= hi


# ------------------------------------------------------------------------------ device_cards
#: a field of each family that its card carries (as a .subckt default or in the body)
CHANGED = {"Memristor": "r_on", "Microbattery": "D", "Synapse": "D_ch", "GasSensor": "e0"}


def _body(text):
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("*")
            and not ln.lstrip().startswith("//")]


@pytest.mark.parametrize("family", DEVICE_FAMILIES, ids=lambda f: f.__name__)
def test_device_cards_print_every_form_of_one_device(family, tmp_path):
    preset = family.preset(family.presets()[0])
    field = CHANGED[family.__name__]
    dev = preset.replace(**{field: getattr(preset, field) * 1.5},
                         source="fitted to my_data.csv (x); start: y")
    name = f"{mc.card_name(dev)}_fit"
    files = mc.device_cards(dev, name=name)
    assert set(files) == {f"ngspice/{name}.inc", f"ngspice/{name}.lib", f"xyce/{name}.inc",
                          f"xyce/{name}.lib", f"ltspice/{name}.lib",
                          f"veriloga/{name.lower()}.va"}
    base = mc.device_cards(preset, name=name)
    for rel, text in files.items():
        assert "fitted to my_data.csv" in text, rel
        assert _body(text) != _body(base[rel]), (rel, "the changed field must show")
        head = f"module {name.lower()}(" if rel.endswith(".va") else f".subckt {name} "
        assert head in text, (rel, head)
    # the same printer as the presets' libraries: the card body equals the family file's
    lib = mc.card_files("ngspice", [family])[mc.library_path("ngspice", family, "inc")]
    pre = mc.device_cards(preset, ("ngspice",), name=mc.card_name(preset))
    first = _subckt(pre[f"ngspice/{mc.card_name(preset)}.inc"])
    assert first in lib
    # the sectioned .lib loads in real ngspice by its section name, like a preset's
    path = tmp_path / f"{name}.lib"
    path.write_text(files[f"ngspice/{name}.lib"])
    pins = dev.pins
    lines = ["device card", f".lib {path} {name}", "Vdrv drv 0 pwl(0 0 1u 0.1)",
             "Rd drv p0 1k"] + [f"Rg{j} p{j} 0 1k" for j in range(1, len(pins))]
    lines += [f"X1 {' '.join(f'p{j}' for j in range(len(pins)))} {name}", ".temp 25",
              ".tran 1u 20u", ".end", ""]
    res = run_deck("\n".join(lines), timeout=120, workdir=str(tmp_path))
    assert all(np.all(np.isfinite(np.real(res[n]))) for n in res.names)
    # and the Verilog-A form compiles in OpenVAF without a warning
    assert compile_va(files[f"veriloga/{name.lower()}.va"]).stat().st_size > 1000


def _subckt(text):
    """The .subckt ... .ends block of a card file."""
    m = re.search(r"^\.subckt.*?^\.ends[^\n]*", text, re.S | re.M | re.I)
    return m.group(0)


def test_device_cards_refuse_what_is_not_a_device():
    from lithispice.errors import ParameterError
    with pytest.raises(ParameterError, match="device"):
        mc.device_cards(object())
    with pytest.raises(ParameterError, match="dialect"):
        mc.device_cards(ls.Memristor.preset("LiCoO2"), ("spectre",))


def test_a_fit_stopped_by_its_budget_exits_1_and_says_so(tmp_path):
    """max_nfev caps the optimiser; a fit it stops is written (to look at) but reported NOT
    converged, with exit status 1 so that a script does not take it for a fit."""
    cfg = tmp_path / "budget.toml"
    for f in ("loop_300K.csv", "loop_330K.csv"):
        (tmp_path / f).write_text((EXAMPLE / f).read_text())
    cfg.write_text("max_nfev = 2\n" + CONFIG.read_text())
    r = cli("fit", cfg, "--out", tmp_path / "out")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "did not converge" in r.stderr and "NOT converged" in r.stdout
    assert (tmp_path / "out" / "report.txt").read_text().count("NOT converged") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text("max_nfev = 0\n" + CONFIG.read_text())
    r = cli("fit", bad, "--out", tmp_path / "out2")
    assert r.returncode == 2 and "max_nfev" in r.stderr
