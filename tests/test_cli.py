"""The lithispice command line end to end (subprocesses, real ngspice), and the reference
crossbar netlist (netlists/crossbar.py -> netlists/crossbar.cir)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lithispice.engines import run_deck

ROOT = Path(__file__).resolve().parents[1]
RC = "rc step\nV1 in 0 pwl(0 0 1n 1)\nR1 in out 1k\nC1 out 0 1u\n.tran 10u 3m\n.end\n"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lithispice.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_help_of_every_command():
    top = cli("--help")
    assert top.returncode == 0
    for cmd in ("run", "sweep", "export", "presets", "demo"):
        assert cmd in top.stdout
    for cmd, word in (("run", "netCDF"), ("sweep", "montecarlo"), ("export", "Xyce"),
                      ("presets", "family"), ("sweep", "--engine"), ("run", "--engine")):
        r = cli(cmd, "--help")
        assert r.returncode == 0 and word in r.stdout, (cmd, r.stdout)


def test_presets_lists_every_family_and_preset():
    from lithispice.devices import DEVICE_FAMILIES
    r = cli("presets")
    assert r.returncode == 0, r.stderr
    for fam in DEVICE_FAMILIES:
        assert fam.__name__ in r.stdout
        for p in fam.presets():
            assert p in r.stdout
    assert "vset=2.5" in r.stdout and "roff=" in r.stdout     # key numbers (LiCoO2)
    assert cli("presets", "--family", "nosuch").returncode == 2


def test_run_writes_csv_netcdf_and_png(tmp_path):
    import xarray as xr
    deck = tmp_path / "rc.cir"
    deck.write_text(RC)
    r = cli("run", deck, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    data = np.genfromtxt(out / "rc.csv", delimiter=",", names=True)
    t, v = data["time"], data["vout"]
    sel = t > 1e-5
    np.testing.assert_allclose(v[sel], 1 - np.exp(-t[sel] / 1e-3), atol=2e-3)
    ds = xr.open_dataset(out / "rc.nc", engine="scipy")
    # the names the Python API uses (issue 12 item 11), units as attributes
    assert set(ds.data_vars) == {"v(in)", "v(out)", "i(v1)"}
    assert ds["v(out)"].attrs["units"] == "V" and ds["i(v1)"].attrs["units"] == "A"
    np.testing.assert_array_equal(ds["v(out)"].values, v)
    assert ds["time"].attrs["units"] == "s"
    ds.close()
    assert f"wrote into {out.resolve()}" in r.stdout
    png = (out / "rc.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


SUB = ("save test\nV1 in 0 pulse(0 1 0 1u 1u 1m 2m)\nX1 in out rc2\n"
       ".subckt rc2 a b\nR1 a m 500\nR2 m b 500\nC1 b 0 1u\n.ends rc2\n.tran 10u 3m\n.end\n")


def _csv(path):
    with open(path) as fh:
        header = fh.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def test_run_save_keeps_only_the_named_vectors_with_equal_values(tmp_path):
    deck = tmp_path / "sub.cir"
    deck.write_text(SUB)
    full = cli("run", deck, "--out", tmp_path / "full", "--no-plot")
    assert full.returncode == 0, full.stderr
    r = cli("run", deck, "--out", tmp_path / "some", "--save", "v(out),i(v1)",
            "--plot", "v(out), i(v1)")
    assert r.returncode == 0, r.stderr
    h_full, d_full = _csv(tmp_path / "full" / "sub.csv")
    h_some, d_some = _csv(tmp_path / "some" / "sub.csv")
    assert sorted(h_full) == sorted(["time", "v(in)", "v(x1.m)", "v(out)", "i(v1)"])
    assert h_some == ["time", "v(out)", "i(v1)"]                 # only what was saved
    for name in h_some:                                          # the same run, exactly
        np.testing.assert_array_equal(d_some[:, h_some.index(name)], d_full[:, h_full.index(name)])
    assert (tmp_path / "some" / "sub.csv").stat().st_size < 0.8 * (tmp_path / "full" / "sub.csv").stat().st_size
    assert "plotted: v(out), i(v1)" in r.stdout
    # a misspelt saved vector is an error naming it, not a silent omission
    r = cli("run", deck, "--out", tmp_path / "bad", "--save", "v(out),v(nosuch)")
    assert r.returncode == 1 and "nosuch" in r.stderr and "Traceback" not in r.stderr
    r = cli("run", deck, "--out", tmp_path / "bad", "--save", "v(nosuch)")
    assert r.returncode == 2 and "none of these vectors" in r.stderr
    # only vector names reach the deck
    r = cli("run", deck, "--out", tmp_path / "bad", "--save", "v(out)\n.include /etc/passwd")
    assert r.returncode == 2 and "--save" in r.stderr
    r = cli("run", deck, "--out", tmp_path / "bad", "--plot", "v(nosuch)")
    assert r.returncode == 2 and "nosuch" in r.stderr and "Traceback" not in r.stderr


def test_run_default_plot_is_top_level_nets_and_source_currents(tmp_path):
    import xarray as xr
    deck = tmp_path / "sub.cir"
    deck.write_text(SUB)
    r = cli("run", deck, cwd=tmp_path)                    # no --out: ./lithispice_out
    assert r.returncode == 0, r.stderr
    out = tmp_path / "lithispice_out"
    assert f"wrote into {out.resolve()}" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == ["sub.csv", "sub.nc", "sub.png"]
    assert "plotted: v(in), v(out), i(v1)" in r.stdout       # not v(x1.m)
    with xr.open_dataset(out / "sub.nc", engine="scipy") as ds:
        assert "v(x1.m)" in ds.data_vars                      # everything is still saved
    assert "lithispice_out/" in (ROOT / ".gitignore").read_text().split()


def test_run_progress_lines_on_request_only(tmp_path):
    deck = tmp_path / "slow.cir"
    # ~2 s of ngspice: a 600-stage RC ladder, only its end saved
    deck.write_text("\n".join(["ladder", "V1 n0 0 pulse(0 1 0 1u 1u 1m 2m)"]
                              + [f"R{k} n{k} n{k + 1} 10\nC{k} n{k + 1} 0 1n" for k in range(600)]
                              + [".save v(n600)", ".tran 1u 40m", ".end", ""]))
    r = cli("run", deck, "--out", tmp_path / "o", "--no-plot", "--progress")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("ngspice tran:")]
    assert len(lines) >= 2 and all("0.04 s" in ln for ln in lines), r.stderr
    inner = [float(ln.split(":")[1].split()[0]) for ln in lines[:-1] if " of " in ln]
    assert inner and all(0 < t < 0.04 for t in inner), lines      # ngspice's own position
    assert any("ETA" in ln for ln in lines) and "done in" in lines[-1]
    # stderr is a pipe here, not a terminal: no progress unless asked
    r = cli("run", deck, "--out", tmp_path / "o", "--no-plot")
    assert r.returncode == 0 and "ngspice tran" not in r.stderr


def test_demo_help_and_presets_alignment():
    r = cli("demo", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: lithispice demo")
    assert "--size" in r.stdout and "--engine" in r.stdout
    r = cli("presets")
    assert r.returncode == 0, r.stderr
    assert "298.1 " not in r.stdout and "tk=298.1\n" not in r.stdout
    rows: list = []
    for line in r.stdout.splitlines() + [""]:
        if line.startswith("  ") and not line.strip().startswith("source:"):
            rows.append(line)
            continue
        if rows:                    # one family's table: every column starts in one place
            starts = [[k for k in range(1, len(ln)) if ln[k] != " " and ln[k - 1] == " "]
                      for ln in rows]
            n = min(len(s) for s in starts)
            for j in range(n):
                assert len({s[j] for s in starts}) == 1, rows
            rows = []
    assert "tk=circuit" in cli("presets", "--family", "Microbattery").stdout


def test_user_errors_are_clear_and_without_traceback(tmp_path):
    r = cli("run", tmp_path / "missing.cir")
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.cir"
    bad.write_text("bad\nV1 a 0 1\nR1 a 0 1k foo=3\n.op\n.end\n")
    r = cli("run", bad)
    assert r.returncode == 1 and "NetlistSyntaxError" in r.stderr and "foo" in r.stderr
    assert "Traceback" not in r.stderr
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[space\n")
    r = cli("sweep", cfg)
    assert r.returncode == 2 and "invalid TOML" in r.stderr and "Traceback" not in r.stderr
    cfg.write_text('[generator]\nkind = "nosuch"\n')
    r = cli("sweep", cfg)
    assert r.returncode == 2 and "generator.kind" in r.stderr


def test_sweep_from_toml_config_and_resume(tmp_path):
    import xarray as xr
    (tmp_path / "rc.cir").write_text(RC.replace("1k", "{r}"))
    (tmp_path / "sweep.toml").write_text(
        'name = "rc"\nout = "res"\nworkers = 2\n'
        '[generator]\nkind = "template"\nfile = "rc.cir"\n'
        '[space]\nkind = "grid"\n[space.parameters]\nr = {start = 1e2, stop = 1e4, num = 3, log = true}\n'
        '[extract]\nfinal = ["v(out)"]\n')
    r = cli("sweep", tmp_path / "sweep.toml", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "3 ok" in r.stdout and "ran 3" in r.stdout
    ds = xr.open_dataset(tmp_path / "res" / "results.nc", engine="scipy")
    np.testing.assert_allclose(ds["v(out)"].values, 1 - np.exp(-3e-3 / (ds["r"].values * 1e-6)),
                               rtol=2e-3)
    ds.close()
    r = cli("sweep", tmp_path / "sweep.toml", "--no-progress")
    assert r.returncode == 0 and "ran 0, reused 3" in r.stdout


def test_sweep_from_yaml_config_with_monte_carlo_crossbar(tmp_path):
    import xarray as xr
    (tmp_path / "mc.yaml").write_text(
        "name: xb\nout: mc\nworkers: 2\n"
        "generator: {kind: crossbar, preset: LiCoO2, rows: 2, cols: 3,\n"
        "            variation: {ron: {lognormal: 0.1}}}\n"
        "space: {kind: montecarlo, n: 6, seed: 4}\n")
    r = cli("sweep", tmp_path / "mc.yaml", "--no-progress")
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(tmp_path / "mc" / "results.nc", engine="scipy")
    assert ds["i_col"].shape == (6, 3) and np.all(ds["i_col"].values > 0)
    assert len(set(np.round(ds["i_col"].values[:, 0], 12))) == 6     # every point differs
    ds.close()


def test_export_equals_checked_in_models(tmp_path):
    r = cli("export", "--out", tmp_path / "m")
    assert r.returncode == 0, r.stderr
    got = sorted(p.relative_to(tmp_path / "m") for p in (tmp_path / "m").rglob("*") if p.is_file())
    want = sorted(p.relative_to(ROOT / "models") for p in (ROOT / "models").rglob("*") if p.is_file())
    assert got == want
    for rel in got:
        assert (tmp_path / "m" / rel).read_bytes() == (ROOT / "models" / rel).read_bytes(), rel
    assert cli("export", "--out", ROOT / "models", "--check").returncode == 0


def test_demo_command(tmp_path):
    r = cli("demo", "--out", tmp_path / "demo", "--size", "4")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "demo" / "crossbar.png").exists()
    r = cli("demo", "--out", tmp_path / "va", "--size", "4", "--engine", "vacask")
    assert r.returncode == 0, r.stderr
    assert "vacask" in r.stdout and (tmp_path / "va" / "crossbar.png").exists()
    ng = np.genfromtxt(tmp_path / "demo" / "crossbar.csv", delimiter=",", names=True)
    va = np.genfromtxt(tmp_path / "va" / "crossbar.csv", delimiter=",", names=True)
    # the same column currents at the end of the last input vector (engines' own time steps)
    np.testing.assert_allclose(va["i_col0_A"][-1], ng["i_col0_A"][-1], rtol=1e-4)


# ------------------------------------------------------------------------------ engines
_XB_TOML = (
    'name = "xb"\nout = "res"\nworkers = 2\nengine = "vacask"\n'
    '[generator]\nkind = "crossbar"\npreset = "LiCoO2"\nrows = 2\ncols = 2\n'
    '[space]\nkind = "grid"\n[space.parameters]\nr_line = [0.0, 2.0, 20.0]\n')


def test_sweep_engine_from_config_and_command_line(tmp_path):
    import xarray as xr
    cfg = tmp_path / "xb.toml"
    cfg.write_text(_XB_TOML)
    r = cli("sweep", cfg, "--no-progress")                     # engine = "vacask" in the config
    assert r.returncode == 0, r.stderr
    assert "3 ok" in r.stdout and "ran 3" in r.stdout and "vacask" in r.stdout
    with xr.open_dataset(tmp_path / "res" / "results.nc", engine="scipy") as ds:
        i_va = ds["i_col"].values.copy()
        assert ds.attrs["engine"] == "vacask"
    r = cli("sweep", cfg, "--no-progress", "--engine", "ngspice")   # the flag overrides it
    assert r.returncode == 0, r.stderr
    assert "ran 3, reused 0" in r.stdout and "ngspice" in r.stdout  # same store, other engine
    with xr.open_dataset(tmp_path / "res" / "results.nc", engine="scipy") as ds:
        i_ng = ds["i_col"].values.copy()
    np.testing.assert_allclose(i_va, i_ng, rtol=1e-5)           # measured: ~2e-12
    assert i_ng.shape == (3, 2) and np.all(np.diff(i_ng[:, 1]) < 0)
    r = cli("sweep", cfg, "--no-progress", "--engine", "vacask")
    assert r.returncode == 0 and "ran 0, reused 3" in r.stdout, r.stdout + r.stderr


def test_engine_user_errors(tmp_path):
    deck = tmp_path / "rc.cir"
    deck.write_text(RC)
    r = cli("run", deck, "--engine", "vacask", "--out", tmp_path / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "VACASK runs Chips built in Python" in r.stderr and "not ngspice decks" in r.stderr
    assert "--engine ngspice" in r.stderr and not (tmp_path / "out").exists()
    assert cli("run", deck, "--engine", "spectre").returncode == 2     # argparse choices
    cfg = tmp_path / "bad.toml"
    cfg.write_text(_XB_TOML.replace('engine = "vacask"', 'engine = "spectre"'))
    r = cli("sweep", cfg, "--no-progress")
    assert r.returncode == 2 and "'engine'" in r.stderr and "'vacask'" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "res").exists()
    (tmp_path / "rc_t.cir").write_text(RC.replace("1k", "{r}"))
    cfg.write_text('[generator]\nkind = "template"\nfile = "rc_t.cir"\n'
                   '[space]\n[space.parameters]\nr = [1e3]\n')
    r = cli("sweep", cfg, "--no-progress", "--engine", "vacask")
    assert r.returncode == 2 and "template" in r.stderr and "VACASK cannot run" in r.stderr


# ------------------------------------------------------------------------------ crossbar
def _crossbar_module():
    spec = importlib.util.spec_from_file_location("crossbar_netlist", ROOT / "netlists" / "crossbar.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_crossbar_reference_netlist_programs_then_reads_with_ir_drop():
    xb = _crossbar_module()
    cir = ROOT / "netlists" / "crossbar.cir"
    assert cir.read_text() == xb.deck_text(), "run: python netlists/crossbar.py"
    res = run_deck(cir.read_text(), timeout=300)
    a = xb.analyze(res)
    on = xb.PATTERN == 1
    assert a["w"][on].min() > 0.8, a["w"]            # every selected cell was written
    assert a["w"][~on].max() < 0.3, a["w"]           # half-selected cells only disturbed
    # the read: line resistance makes every column fall short of the ideal G.x
    err = a["rel_error"]
    assert np.all(err < 0) and err.min() < -0.02 and err.min() > -0.3
    assert np.argmin(err) == 0                       # the column with most cells on
    np.testing.assert_allclose(a["i_meas"], a["i_ideal"], rtol=0.3)


@pytest.mark.parametrize("scheme", ["v/3"])
def test_crossbar_v3_scheme_builds(scheme):
    xb = _crossbar_module()
    chip = xb.build(xb.CrossbarDesign(scheme=scheme))
    text = chip.deck()
    assert text.count("\nXr") == 64 and ".tran" in text
