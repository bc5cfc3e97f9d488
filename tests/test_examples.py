"""The shipped examples (examples/) run from the command line and give the physics their
headers promise: the memristor deck's pinched hysteresis, the crossbar Monte Carlo's spread
and mean (ngspice and VACASK alike), the sensor's Nernst slope against temperature.

Each runs in a temporary copy of examples/ and models/ (the deck reads
``../models/ngspice/memristor.lib``), so nothing is written into the repository.
"""
from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lithispice as ls

ROOT = Path(__file__).resolve().parent.parent
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("examples")
    for name in ("examples", "models"):
        shutil.copytree(ROOT / name, d / name, ignore=shutil.ignore_patterns(
            "__pycache__", "*_out", "*.pyc"))
    return d


def _cli(work, *args, timeout=300):
    env = dict(os.environ)
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env.pop("NGSPICE_INPUT_DIR", None)
    r = subprocess.run(["lithispice", *args], cwd=work, env=env, capture_output=True,
                       text=True, timeout=timeout)
    assert r.returncode == 0, f"lithispice {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


def _dataset(path):
    import xarray as xr
    with xr.open_dataset(path) as ds:
        return ds.load()


def test_headers_say_what_and_how_long():
    for name in ("deck.cir", "crossbar_mc.toml", "sensor_temperature.toml"):
        head = (ROOT / "examples" / name).read_text().splitlines()[:14]
        text = "\n".join(head)
        assert head[0].startswith(("*", "#")), name
        assert re.search(r"~\d+(\.\d+)? s\b", text), f"{name}: no run time in its header"
        assert "2026" in text and "cores" in text, f"{name}: timing without its machine"


def test_memristor_deck_pinched_hysteresis(work):
    out = _cli(work, "run", "examples/deck.cir", "--out", "run_out")
    assert "Transient Analysis" in out
    with open(work / "run_out" / "deck.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    head, data = rows[0], np.array(rows[1:], dtype=float)
    col = {n: data[:, k] for k, n in enumerate(head)}
    t, v, w = col["time"], col["v(a)"], col["v(x1.w)"]
    i = -col["i(vin)"]                          # current into the device, A
    assert t[-1] == pytest.approx(40e-6, rel=1e-6)
    # two sine periods: set on each positive half, reset on each negative half
    assert w.max() > 0.9 and w[np.argmin(np.abs(t - 20e-6))] < 0.1
    assert w[np.argmin(np.abs(t - 15e-6))] < 0.1     # reset by the first negative half
    # pinched: the current vanishes with the voltage (a memristor stores no charge)
    i_max = np.abs(i).max()
    assert i_max > 1e-4                          # 4 V on ~10 kOhm when set
    near0 = np.abs(v) < 0.01
    assert near0.sum() >= 4
    assert np.all(np.abs(i[near0]) < 1e-3 * i_max)
    # hysteresis: at +2 V (below v_set) the current before the set and after it differ by
    # the on/off ratio; same voltage, different state
    rising = np.argmax((v > 2.0) & (t < 5e-6))        # first quarter, w = 0
    falling = np.argmax((v < 2.0) & (t > 5e-6) & (t < 10e-6))   # after the set
    assert i[falling] / i[rising] > 100
    # Ohm's law at every point through the state's conductance (log law)
    m = ls.Memristor.preset("LiCoO2")
    g = np.asarray(m.conductance(np.clip(w, 0, 1)))
    sel = np.abs(v) > 0.5
    assert np.allclose(i[sel], g[sel] * v[sel], rtol=0.05, atol=1e-9)


@pytest.mark.parametrize("form", ["lib", "include"])
def test_memristor_deck_runs_in_plain_ngspice(work, form):
    """The header's second command: ngspice alone finds the card next to the deck, read as
    written (.lib FILE SECTION) or through the .include form the header offers."""
    deck = work / "examples" / "deck.cir"
    if form == "include":
        text = deck.read_text()
        lib = ".lib ../models/ngspice/memristor.lib lsm_LiCoO2"
        assert lib in text
        deck = work / "examples" / "deck_include.cir"
        deck.write_text(text.replace(lib, ".include ../models/ngspice/memristor.inc"))
    raw = work / f"plain_{form}.raw"
    r = subprocess.run(["ngspice", "-b", "-r", str(raw), str(deck.relative_to(work))],
                       cwd=work, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "error" not in (r.stdout + r.stderr).lower()
    from lithispice.engines import read_raw
    plot = read_raw(raw)[0]                      # the transient
    assert np.abs(np.real(plot["v(x1.w)"])).max() > 0.9


def test_crossbar_monte_carlo_spread_and_mean(work):
    out = _cli(work, "sweep", "examples/crossbar_mc.toml", "--out", "mc_out", "--no-progress")
    assert "24 points: 24 ok" in out
    ds = _dataset(work / "mc_out" / "results.nc")
    i = ds["i_col"].values                       # (24, 4) A
    assert i.shape == (24, 4) and np.all(np.isfinite(i))
    # row 0 was written to w ~ 1 (ron = 10 kOhm), rows 1-3 stayed off (roff 316 MOhm):
    # each column reads 0.2 V / ron; ron is lognormal (sigma 0.1): mean 1/ron = e^(s^2/2)/ron
    m = ls.Memristor.preset("LiCoO2")
    expect = 0.2 / m.r_on * math.exp(0.1 ** 2 / 2)
    mean = i.mean(axis=0)
    assert np.allclose(mean, expect, rtol=0.06), (mean, expect)
    rel = i.std(axis=0, ddof=1) / mean
    assert np.all((rel > 0.05) & (rel < 0.18)), rel        # ~0.10 from the ron spread
    # every point drew its own devices: no two points alike
    assert len({round(float(x), 12) for x in i[:, 0]}) == 24
    # the same draws in VACASK: the same currents
    out = _cli(work, "sweep", "examples/crossbar_mc.toml", "--out", "mc_vacask", "--engine",
               "vacask", "--no-progress")
    assert "24 points: 24 ok" in out and "vacask" in out
    iv = _dataset(work / "mc_vacask" / "results.nc")["i_col"].values
    assert np.allclose(iv, i, rtol=5e-3), np.abs(iv / i - 1).max()


def test_sensor_temperature_sweep_follows_nernst(work):
    out = _cli(work, "sweep", "examples/sensor_temperature.toml", "--out", "sensor_out",
               "--no-progress")
    assert "8 points: 8 ok" in out
    ds = _dataset(work / "sensor_out" / "results.nc")
    T = ds["temperature"].values
    p = ds["p_gas"].values
    emf = ds["emf"].transpose("temperature", "p_gas").values     # V
    assert list(p) == [400e-6, 4000e-6] and len(T) == 4
    sys.path.insert(0, str(work / "examples"))
    try:
        import sensor_gen
        g = sensor_gen.sensor()
    finally:
        sys.path.remove(str(work / "examples"))
        sys.modules.pop("sensor_gen", None)
    # the EMF falls with CO2 by the Nernst slope 2.303 s R T/(n F) per decade, which grows
    # in proportion to T
    slope = emf[:, 0] - emf[:, 1]                # one decade
    assert np.all(slope > 0)
    assert np.allclose(slope, g.slope_per_decade(T), rtol=0.01), (slope, g.slope_per_decade(T))
    assert np.all(np.diff(slope) > 0)
    assert np.allclose(slope / T, slope[0] / T[0], rtol=0.01)
    # and at a fixed gas level it rises with temperature (de0/dT > 0 for this sensor)
    assert np.all(np.diff(emf, axis=0) > 0)
    # equal to the compiled kernel's equilibrium (the run lasts 10 tau)
    assert np.allclose(emf, g.emf(p[None, :], T[:, None]), atol=1e-4)
    # the buffer follows: v_buf = vmid - EMF (offset 0.2 mV, finite gain)
    assert np.allclose(ds["v_buf"].transpose("temperature", "p_gas").values,
                       sensor_gen.V_MID - emf, atol=2e-3)
