"""Engine tests against the real ngspice 39 (no mocks): raw reader, batch and shared engines,
error classification, timeouts and process clean-up."""
from __future__ import annotations

import csv
import os
import subprocess
import time

import numpy as np
import pytest

from lithispice.engines import Result, read_raw, run_deck, run_deck_shared
from lithispice.errors import (ConvergenceError, NetlistSyntaxError, NgspiceNotFoundError,
                               SimulationError, SimulationTimeout)

R, C = 1e3, 1e-6                    # ohm, farad
TAU = R * C                         # s

RC_TRAN = f"""rc step response
V1 in 0 pwl(0 0 1n 1)
R1 in out {R:g}
C1 out 0 {C:g}
.tran 10u 5m 0 10u
.end
"""

RC_AC = f"""rc low-pass ac
V1 in 0 dc 0 ac 1
R1 in out {R:g}
C1 out 0 {C:g}
.ac dec 20 1 100k
.end
"""

DIVIDER_DC = """resistive divider dc sweep
V1 in 0 0
R1 in out 1k
R2 out 0 3k
.dc V1 0 2 0.25
.end
"""

MULTI = f"""several analyses in one deck
V1 in 0 dc 1 ac 1 pwl(0 0 1n 1)
R1 in out {R:g}
C1 out 0 {C:g}
.op
.dc V1 0 2 0.5
.ac dec 5 10 10k
.tran 100u 1m
.end
"""

# Two ideal voltage sources in parallel with different values: the MNA matrix is singular,
# gmin and source stepping fail, ngspice ends with "timestep too small".
PARALLEL_SOURCES = """two ideal sources in parallel
V1 a 0 1
V2 a 0 2
R1 a 0 1k
.tran 1u 10u
.end
"""

# sqrt() of a source that crosses zero at t = 0.5 ms: the run stops half way.
SQRT_CROSSING = """b-source leaves its domain mid-run
V1 in 0 pwl(0 1 1m -1)
B1 a 0 v = sqrt(v(in))
R1 a 0 1k
.tran 1u 1m
.end
"""

SYNTAX_ERROR = """unknown instance parameter
V1 in 0 1
R1 in 0 1k foo=3
.op
.end
"""

UNDEFINED_SUBCKT = """undefined subcircuit
V1 in 0 1
X1 in out nosuch
R1 out 0 1k
.op
.end
"""

# 1e7 fixed 10 ns steps: far longer than the 1 s timeout. .save keeps the raw file small.
LONG_TRAN = """long transient
V1 in 0 sin(0 1 1meg)
R1 in out 1k
C1 out 0 1n
.save v(out)
.tran 1u 100 0 10n
.end
"""


def _pgroup_members(pgid: int) -> list[int]:
    """PIDs of live processes in process group ``pgid`` (from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] = state, [1] = ppid, [2] = pgrp
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


# --------------------------------------------------------------------------------------
# Batch engine: results
# --------------------------------------------------------------------------------------
def test_rc_transient_matches_analytic(tmp_path):
    res = run_deck(RC_TRAN, workdir=str(tmp_path))
    assert isinstance(res, Result) and res.engine == "batch"
    assert res.kind == "tran" and res.axis_name == "time"
    t, v = res.time, res["v(out)"]
    assert t[0] == 0.0 and t[-1] == pytest.approx(5e-3)
    expected = 1.0 - np.exp(-np.clip(t - 1e-9, 0, None) / TAU)
    assert np.max(np.abs(v - expected)) < 0.01            # 1 % of the 1 V step
    k = np.argmin(np.abs(t - TAU))
    assert v[k] == pytest.approx(1 - np.exp(-1), rel=0.01)
    # helpers and case-insensitive names give the same vectors
    assert np.array_equal(res.v("out"), v) and np.array_equal(res["V(OUT)"], v)
    assert np.array_equal(res["out"], v)
    assert np.allclose(res.v("in", "out"), res["v(in)"] - v)
    # SPICE sign: current into the + terminal of V1 = -(current delivered to R1)
    i_r = (res["v(in)"] - v) / R
    assert np.allclose(res.i("v1"), -i_r, atol=1e-12)
    assert np.array_equal(res.i("V1"), res["v1#branch"])
    assert res.elapsed > 0 and res.stats["total_analysis_time_s"] >= 0
    assert "rc step response" in res.log.lower()
    assert os.listdir(tmp_path) == []                     # nothing left behind


def test_dc_sweep_axis():
    res = run_deck(DIVIDER_DC)
    assert res.kind == "dc"
    assert res.axis_name == "v(v-sweep)"
    assert np.allclose(res.axis, np.arange(0, 2.0001, 0.25))
    assert np.allclose(res["v(out)"], 0.75 * res.axis)
    with pytest.raises(AttributeError):
        res.time                                          # a DC plot has no time axis


def test_ac_complex_corner_frequency():
    res = run_deck(RC_AC)
    assert res.kind == "ac" and res.plot.is_complex
    f = res.frequency
    assert f.dtype == np.float64 and f[0] == pytest.approx(1.0)
    h = res["v(out)"]
    assert h.dtype == np.complex128
    f_c = 1 / (2 * np.pi * TAU)                          # 159.15 Hz
    mag_at_fc = np.interp(np.log(f_c), np.log(f), np.abs(h))
    assert mag_at_fc == pytest.approx(1 / np.sqrt(2), rel=5e-3)
    # the full transfer function, not just one point; and the phase sign
    assert np.allclose(h, 1 / (1 + 2j * np.pi * f * TAU), rtol=1e-6)
    assert np.all(np.angle(h[1:]) < 0)


def test_multi_plot_raw_file(tmp_path):
    res = run_deck(MULTI, workdir=str(tmp_path), keep_files=True)
    assert [p.kind for p in res.plots] == ["ac", "dc", "op", "tran"]
    assert res.plot is res.plots[0]                       # first non-op plot
    op = res.get_plot("op")
    assert len(op) == 1 and op.axis is None
    assert op["v(out)"][0] == pytest.approx(1.0)          # capacitor open at DC
    dc = res.get_plot("DC transfer characteristic")
    assert np.allclose(dc["v(out)"], dc.axis)
    tran = res.get_plot("tran")
    assert tran.time[-1] == pytest.approx(1e-3)
    assert res.get_plot("ac")["v(out)"].dtype == np.complex128
    # the kept raw file read directly gives the same plots
    raw_path = os.path.join(res.workdir, "out.raw")
    plots = read_raw(raw_path)
    assert [p.plotname for p in plots] == [p.plotname for p in res.plots]
    assert np.array_equal(plots[3]["v(out)"], tran["v(out)"])
    assert all(not p.truncated for p in plots)
    all_d = res.to_dict(all_plots=True)
    assert list(all_d) == ["ac", "dc", "op", "tran"]


def test_raw_reader_truncated_and_ascii(tmp_path):
    res = run_deck(RC_TRAN, workdir=str(tmp_path), keep_files=True)
    raw = open(os.path.join(res.workdir, "out.raw"), "rb").read()
    n = len(res)
    # A crashed run: "No. Points" never patched, file cut in the middle of a row.
    crashed = raw.replace(f"No. Points: {n}".encode(), b"No. Points: 0".ljust(
        len(f"No. Points: {n}"))) [:-(8 * 4 * 10 + 5)]
    (p,) = read_raw(crashed)
    assert p.truncated and len(p) == n - 11
    assert np.array_equal(p["v(out)"], res["v(out)"][: n - 11])
    # ASCII raw written by ngspice itself (filetype=ascii) reads the same (to 16 digits)
    run = tmp_path / "ascii"
    run.mkdir()
    (run / ".spiceinit").write_text("set filetype=ascii\n")
    (run / "deck.cir").write_text(MULTI)
    env = dict(os.environ, HOME=str(run), SPICE_USERINIT_DIR=str(run))
    subprocess.run(["ngspice", "-b", "-r", "a.raw", "deck.cir"], cwd=run, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   timeout=30)
    ascii_plots = read_raw(run / "a.raw")
    binary_plots = run_deck(MULTI).plots
    assert [p.plotname for p in ascii_plots] == [p.plotname for p in binary_plots]
    for pa, pb in zip(ascii_plots, binary_plots):
        for name in pb.names:
            assert np.allclose(pa[name], pb[name], rtol=1e-14, atol=1e-18)
    with pytest.raises(ValueError):
        read_raw(b"this is not a raw file")


def test_result_export(tmp_path):
    res = run_deck(RC_AC)
    path = tmp_path / "ac.csv"
    res.to_csv(path)
    with open(path) as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["frequency", "v(in).re", "v(in).im"]
    assert len(rows) == len(res) + 1
    k = rows[0].index("v(out).im")
    assert float(rows[5][k]) == res["v(out)"][4].imag       # lossless (17 digits)
    d = res.to_dict()
    assert list(d) == res.names and np.array_equal(d["v(out)"], res["v(out)"])
    assert isinstance(res.to_dict(as_lists=True)["v(out)"][0], list)
    with pytest.raises(KeyError, match="available"):
        res["v(nosuch)"]


def test_stats_from_ngspice():
    res = run_deck(RC_TRAN, stats=True)
    assert res.stats["transient_timepoints"] == len(res)
    assert res.stats["transient_iterations"] >= len(res) - 1
    assert res.stats["circuit_equations"] == 4
    assert "matrix_load_time_s" in res.stats and "total_analysis_time_s" in res.stats
    plain = run_deck(RC_TRAN)
    assert "transient_iterations" not in plain.stats        # only on request
    assert np.array_equal(plain["v(out)"], res["v(out)"])  # .options acct changes nothing


def test_user_spiceinit_is_ignored(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".spiceinit").write_text("echo STRAY-SPICEINIT-WAS-READ\nset filetype=ascii\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SPICE_USERINIT_DIR", str(home))
    monkeypatch.chdir(home)
    res = run_deck(RC_TRAN)
    assert "STRAY-SPICEINIT-WAS-READ" not in res.log


# --------------------------------------------------------------------------------------
# Batch engine: failures
# --------------------------------------------------------------------------------------
def test_syntax_error(tmp_path):
    with pytest.raises(NetlistSyntaxError) as ei:
        run_deck(SYNTAX_ERROR, workdir=str(tmp_path))
    err = ei.value
    assert "3: R1 in 0 1k foo=3" in err.deck_lines
    assert "unknown parameter" in err.log_tail
    assert os.listdir(tmp_path) == []


def test_undefined_subckt():
    with pytest.raises(NetlistSyntaxError) as ei:
        run_deck(UNDEFINED_SUBCKT)
    assert ei.value.deck_lines == ("3: X1 in out nosuch",)
    assert "unknown subckt" in str(ei.value)


def test_missing_end_and_missing_saved_vector():
    with pytest.raises(NetlistSyntaxError, match=r"\.end"):
        run_deck(RC_TRAN.replace(".end\n", ""))
    deck = RC_TRAN.replace(".tran", ".save v(out) v(nosuch)\n.tran")
    with pytest.raises(NetlistSyntaxError, match="no such vector") as ei:
        run_deck(deck)
    assert any(".save v(out) v(nosuch)" in ln for ln in ei.value.deck_lines)


def test_convergence_error_parallel_sources():
    with pytest.raises(ConvergenceError) as ei:
        run_deck(PARALLEL_SOURCES)
    assert not isinstance(ei.value, NetlistSyntaxError)
    assert "timestep too small" in ei.value.log_tail.lower()
    assert any("V1 a 0 1" in ln for ln in ei.value.deck_lines)


def test_convergence_error_mid_run_keeps_partial_result():
    with pytest.raises(ConvergenceError) as ei:
        run_deck(SQRT_CROSSING)
    partial = ei.value.partial_result
    assert partial is not None and partial.plot.truncated
    # the data up to the failure at t ~ 0.5 ms is there and correct
    t = partial.time
    assert 0.4e-3 < t[-1] < 0.51e-3
    assert np.allclose(partial["v(a)"], np.sqrt(1 - 2 * t / 1e-3), atol=1e-3)
    assert any(ln.startswith("3: B1") for ln in ei.value.deck_lines)


def test_deck_without_analysis_is_an_error():
    with pytest.raises(SimulationError, match="no analysis"):
        run_deck("no analysis\nV1 in 0 1\nR1 in 0 1k\n.end\n")


def test_missing_executable():
    with pytest.raises(NgspiceNotFoundError, match="apt-get install") as ei:
        run_deck(RC_TRAN, ngspice="/nonexistent/ngspice")
    assert "make setup" in str(ei.value)


def test_timeout_kills_the_process_group(tmp_path):
    t0 = time.monotonic()
    with pytest.raises(SimulationTimeout) as ei:
        run_deck(LONG_TRAN, timeout=1.0, workdir=str(tmp_path))
    assert time.monotonic() - t0 < 5.0
    pgid = ei.value.pgid
    assert pgid > 0 and _pgroup_members(pgid) == []
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)
    assert os.listdir(tmp_path) == []                     # run directory removed


# --------------------------------------------------------------------------------------
# Shared-library engine (each run starts a fresh child: ~0.3-0.5 s)
# --------------------------------------------------------------------------------------
def test_shared_matches_batch():
    b = run_deck(MULTI)
    s = run_deck_shared(MULTI)
    assert s.engine == "shared"
    assert [p.plotname for p in s.plots] == [p.plotname for p in b.plots]
    for pb, ps in zip(b.plots, s.plots):
        assert sorted(ps.names) == sorted(pb.names)
        for name in pb.names:
            ref = pb[name]
            assert np.allclose(ps[name], ref, rtol=1e-9, atol=1e-15 * max(1, np.abs(ref).max()))
    assert "Unsupported Ngspice version" not in s.log


def test_shared_errors_are_typed():
    with pytest.raises(NetlistSyntaxError) as ei:
        run_deck_shared(UNDEFINED_SUBCKT)
    assert ei.value.deck_lines == ("3: X1 in out nosuch",)
    # gmin-stepping "Note:" lines on stderr must not abort the run (PySpice would raise)
    with pytest.raises(ConvergenceError):
        run_deck_shared(PARALLEL_SOURCES)


def test_shared_timeout_leaves_nothing():
    with pytest.raises(SimulationTimeout) as ei:
        run_deck_shared(LONG_TRAN, timeout=1.0)
    assert _pgroup_members(ei.value.pgid) == []
