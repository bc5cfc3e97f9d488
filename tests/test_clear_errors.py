"""Clear errors, never garbage (issue 11, items 10-12): every bad CLI argument or sweep config
is answered with one line and exit status 2 naming the key; every device-API call named in the
issue raises a ParameterError naming the user's parameter and its allowed range; the raw reader
refuses malformed files with RawFileError instead of returning garbage rows marked complete.
(The property tests in test_api_properties.py search the same ground at random.)"""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lithispice import cli
from lithispice.batch.config import ConfigError, validate_config
from lithispice.devices import GasSensor, Memristor, Microbattery, Step, Synapse
from lithispice.errors import LithispiceError, ParameterError, RawFileError
from lithispice.validate import check_number

RC = "rc step\nV1 in 0 pwl(0 0 1n 1)\nR1 in out 1k\nC1 out 0 1u\n.tran 10u 1m\n.end\n"
XB = '[generator]\nkind = "crossbar"\nrows = 2\ncols = 2\n[space]\nkind = "montecarlo"\nn = 2\n'


def run_cli(argv, capsys):
    """lithispice.cli.main in this process: (exit status, stdout, stderr)."""
    try:
        rc = cli.main([str(a) for a in argv])
    except SystemExit as exc:                 # argparse
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_exit_2(rc, err, *words):
    assert rc == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])


# ------------------------------------------------------------------------------ item 10: CLI
BAD_CONFIGS = [
    # (config text, words the one line must contain)
    ('timeout = "abc"\n' + XB, ["'timeout'", "abc"]),
    ("timeout = -3\n" + XB, ["'timeout'"]),
    ("timeout = nan\n" + XB, ["'timeout'"]),
    ('workers = "two"\n' + XB, ["'workers'"]),
    ("workers = -1\n" + XB, ["'workers'"]),
    ("worker = 2\n" + XB, ["'worker'", "did you mean 'workers'"]),
    ('engine = "spectre"\n' + XB, ["'engine'", "'vacask'"]),
    ("retry_failed = 1\n" + XB, ["'retry_failed'"]),
    (XB.replace("n = 2", 'n = 2\nseed = "x"'), ["'space.seed'"]),
    (XB.replace("n = 2", "n = -5"), ["'space.n'"]),
    (XB.replace("n = 2\n", ""), ["'space.n'"]),
    (XB.replace("n = 2", "n = 2\nnum = 3"), ["'space.num'", "allowed"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "grid"\n[space.parameters]\n'
                'r_line = {start = 1, stop = 2, num = -3}'), ["'space.parameters.r_line.num'"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "grid"\n[space.parameters]\n'
                'r_line = {start = 0, stop = 2, num = 3, log = true}'),
     ["'space.parameters.r_line'", "log"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "grid"\n[space.parameters]\n'
                'rline = [1, 2]'), ["'space.parameters.rline'", "did you mean 'r_line'"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "grid"\n[space.parameters]\n'
                'preset = ["LiCoO2", "LiCo02"]'), ["'space.parameters.preset[1]'", "LiCo02"]),
    (XB.replace('kind = "montecarlo"', 'kind = "montecarlos"'),
     ["'space.kind'", "did you mean 'montecarlo'"]),
    (XB.replace('kind = "crossbar"', 'kind = "crossbar"\npreset = "LiCo02"'),
     ["'generator.preset'", "did you mean 'LiCoO2'"]),
    (XB.replace('kind = "crossbar"', 'kind = "crossbar"\nfamily = "Memristr"'),
     ["'generator.family'", "did you mean 'memristor'"]),
    (XB.replace('kind = "crossbar"', 'kind = "crossbar"\nfamily = "Synapse"\n'
                'preset = "LISTA-LiCoO2"'), ["'generator.family'", "two-pin"]),
    (XB.replace("rows = 2", "rows = 0"), ["'generator.rows'"]),
    (XB.replace('kind = "crossbar"', 'kind = "crossbar"\nt_write = "1 us"'),
     ["'generator.t_write'"]),
    (XB.replace('kind = "crossbar"', 'kind = "crossbar"\nrwos = 3'),
     ["'generator.rwos'", "did you mean 'rows'"]),
    (XB + '[generator.variation]\nrnn = {lognormal = 0.1}\n',
     ["'generator.variation.rnn'", "did you mean 'ron'"]),
    (XB + '[generator.variation]\nron = {lognormal = -1}\n',
     ["'generator.variation.ron.lognormal'"]),
    (XB + '[generator.variation]\nron = {uniform = 0.1}\n',
     ["'generator.variation.ron.uniform'", "lognormal"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "random"\nn = 2\n[space.parameters]\n'
                'r_line = {dist = "unifrom", low = 1, high = 2}'),
     ["'space.parameters.r_line.dist'", "did you mean 'uniform'"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "random"\nn = 2\n[space.parameters]\n'
                'r_line = {dist = "uniform", low = 3, high = 2}'), ["'space.parameters.r_line'"]),
    (XB.replace('kind = "montecarlo"\nn = 2', 'kind = "random"\nn = 2\n[space.parameters]\n'
                'r_line = {dist = "uniform", low = 1, hi = 2}'),
     ["'space.parameters.r_line.hi'", "did you mean 'high'"]),
    (XB + '[extract]\nfinal = "v(out)"\nfunction = "x.py:f"\n', ["'extract'", "not both"]),
    (XB + '[extract]\nfinals = ["v(out)"]\n', ["'extract.finals'", "did you mean 'final'"]),
    ('[generator]\nkind = "python"\nfunction = "nocolon"\n[space]\n[space.parameters]\n'
     'a = [1]\n', ["'generator.function'"]),
    ('[generator]\nkind = "template"\nfile = "rc.cir"\n[space]\n[space.parameters]\n'
     'R = [1e3]\n', ["'space.parameters.R'", "did you mean 'r'"]),
    ('[generator]\nkind = "template"\nfile = "rc.cir"\n[space]\n[space.parameters]\n'
     'r = [1e3]\nq = [2]\n', ["'space.parameters.q'"]),
    ('[generator]\nkind = "template"\nfile = "rc.cir"\n[space]\nkind = "montecarlo"\nn = 2\n',
     ["'space.parameters'", "{r}"]),
    ('[generator]\nkind = "template"\nfile = "nosuch.cir"\n[space]\n', ["'generator.file'"]),
    ('[generator]\nkind = "template"\nfile = "rc.cir"\n[space]\n[space.parameters]\n'
     'r = []\n', ["'space.parameters.r'"]),
    ('engine = "vacask"\n[generator]\nkind = "template"\nfile = "rc.cir"\n[space]\n'
     '[space.parameters]\nr = [1e3]\n', ["'engine'", "VACASK cannot run"]),
    ("[space]\nkind = 'grid'\n", ["'generator'", "missing"]),
    ('generator = 3\n[space]\n', ["'generator'", "table"]),
]


@pytest.mark.parametrize("text,words", BAD_CONFIGS,
                         ids=[f"cfg{k}" for k in range(len(BAD_CONFIGS))])
def test_bad_config_one_line_exit_2_naming_the_key(tmp_path, capsys, text, words):
    (tmp_path / "rc.cir").write_text(RC.replace("1k", "{r}"))
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    rc, out, err = run_cli(["sweep", cfg, "--no-progress"], capsys)
    assert_one_line_exit_2(rc, err, "lithispice sweep: error:", *words)
    assert not (tmp_path / "sweep_out").exists()          # nothing ran, nothing written


BAD_ARGS = [
    (["demo", "--size", "-3"], ["--size", "-3"]),
    (["demo", "--size", "x"], ["--size"]),
    (["demo", "--size", "100000"], ["--size"]),
    (["demo", "--r-line", "nan"], ["--r-line"]),
    (["demo", "--preset", "LiCo02"], ["--preset"]),
    (["demo", "--engine", "spectre"], ["--engine"]),
    (["demo", "--bogus"], ["--bogus"]),
    (["run", "deck.cir", "--timeout", "abc"], ["--timeout"]),
    (["run", "deck.cir", "--timeout", "-1"], ["--timeout"]),
    (["run", "deck.cir", "--timeout", "inf"], ["--timeout"]),
    (["run", "deck.cir", "--engine", "spectre"], ["--engine"]),
    (["run"], ["deck"]),
    (["sweep", "c.toml", "--workers", "-3"], ["--workers"]),
    (["sweep", "c.toml", "--workers", "two"], ["--workers"]),
    (["sweep"], ["config"]),
    (["export", "--dialect", "spice3"], ["--dialect"]),
    (["presets", "--family", "nosuch"], ["nosuch"]),
    (["nosuch"], ["nosuch"]),
    (["run", "missing.cir"], ["not found"]),
    (["sweep", "missing.toml"], ["not found"]),
]


@pytest.mark.parametrize("argv,words", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_arguments_one_line_exit_2(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    rc, out, err = run_cli(argv, capsys)
    assert_one_line_exit_2(rc, err, *words)


def test_cli_subprocess_exit_status_and_no_traceback(tmp_path):
    """The same through the real entry point (exit status of the process)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('timeout = "abc"\n' + XB)
    for argv in (["sweep", cfg], ["demo", "--size", "-3"]):
        r = subprocess.run([sys.executable, "-m", "lithispice.cli", *map(str, argv)],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_valid_config_passes_and_is_normalised(tmp_path):
    (tmp_path / "rc.cir").write_text(RC.replace("1k", "{r}"))
    cfg = {"name": "x", "out": "o", "workers": 2, "timeout": 30, "engine": "NGSPICE",
           "retry_failed": False,
           "generator": {"kind": "crossbar", "family": "memristor", "preset": "LiCoO2",
                         "rows": 2, "cols": 3, "r_line": 1.0,
                         "variation": {"ron": {"lognormal": 0.1}, "VSET": {"normal": 0.05}}},
           "space": {"kind": "grid", "seed": 3,
                     "parameters": {"r_line": {"start": 1, "stop": 10, "num": 3, "log": True},
                                    "preset": ["LiCoO2", "LiFePO4"]}},
           "extract": {"waveforms": ["i(vsense0)"]}}
    out = validate_config(cfg, tmp_path)
    assert out["engine"] == "ngspice" and out["generator"]["family"] == "Memristor"
    assert out["timeout"] == 30.0
    # YAML reads 1e3 as text: numeric text is taken as the number
    y = validate_config({"timeout": "1e3", "generator": {"kind": "template", "file": "rc.cir"},
                         "space": {"parameters": {"r": {"start": "1e2", "stop": "1e4",
                                                        "num": "3"}}}}, tmp_path)
    assert y["timeout"] == 1000.0 and y["space"]["parameters"]["r"]["num"] == 3
    with pytest.raises(ConfigError) as ei:
        validate_config({"generator": {"kind": "crossbar"}, "space": {"kind": "montecarlo",
                                                                      "n": 1}, "wokers": 1})
    assert ei.value.key == "wokers" and isinstance(ei.value, LithispiceError)


# ------------------------------------------------------------------------------ item 11
B = Microbattery.preset(Microbattery.presets()[0])
C = B.capacity_Ah
G = GasSensor.preset(GasSensor.presets()[0])
S = Synapse.preset("LISTA-LiCoO2")
M = Memristor.preset("LiCoO2")


def raises_naming(pname, fn, *args, **kw):
    with pytest.raises(ParameterError) as ei:
        fn(*args, **kw)
    assert ei.value.name == pname, str(ei.value)
    assert "allowed" in str(ei.value)
    return ei.value


def test_errors_name_the_users_parameter():
    e = raises_naming("v_max", B.charge_cccv, C, v_max=math.inf)
    assert "[0, 10] V" in str(e)
    e = raises_naming("t_ref", Microbattery.preset, Microbattery.presets()[0], t_ref=5.0)
    assert "[150, 2000] K" in str(e) and "did you mean 278.15 K" in str(e)   # 5 C, not 5 K
    e = raises_naming("temperature", G.simulate, np.linspace(0, 10, 5), 4e-4, temperature=1e300)
    assert "3000" in str(e)
    from lithispice.engines import run_deck
    for bad in ("5", True, math.nan, -1.0, None):
        raises_naming("timeout", run_deck, RC, timeout=bad)
    raises_naming("stats", run_deck, RC, stats=1)
    raises_naming("deck", run_deck, None)


# ------------------------------------------------------------------------------ item 12
def test_no_silent_garbage_from_the_device_api():
    raises_naming("temperature", G.emf, 400e-6, 1e300)
    for bad in (math.nan, None, "0.1", 1e300):
        raises_naming("emf", G.terminal_voltage, bad, 700.0)
    raises_naming("emf", G.concentration, -1e6, 700.0)
    raises_naming("p_gas", G.emf, 1e-300, 700.0)              # EMF would leave +-10 V
    raises_naming("v", M.switching_rate, math.nan)
    e = raises_naming("v", M.switching_rate, 1e3)             # the rate would overflow
    assert "|v| <=" in str(e)
    raises_naming("w", M.switching_rate, 1.0, w=math.nan)
    raises_naming("w", M.conductance, [0.5, math.nan])
    raises_naming("state", S.simulate, np.linspace(0, 1e-3, 3), v_gate=np.zeros(3),
                  state=[-5, 10])
    e = raises_naming("current", B.voltage_now, C, temperature=150)    # the coldest accepted
    assert "temperature = 150 K" in str(e)
    raises_naming("temperature", B.voltage_now, C, temperature=5)
    raises_naming("p_gas", GasSensor.gas_pwl, [0, 1], [4e-4, math.nan])
    raises_naming("t", GasSensor.gas_pwl, [0, 2, 1], 4e-4)
    raises_naming("name", Memristor, name=None)
    raises_naming("name", GasSensor, name=3)
    n = B.n_volumes + 4
    raises_naming("state", B.simulate, [0, 1], C, state=np.zeros(n - 1))     # wrong length
    bad_soh = B.initial_state(0.5).copy()
    bad_soh[-2] = 0.0                                                      # soh must be > 0
    raises_naming("state", B.discharge_cc, C, state=bad_soh)
    raises_naming("state", B.voltage_now, C, state=[2.0] * n)              # lithiation 2
    assert math.isfinite(B.voltage_now(C, state=B.initial_state(0.5)))
    # typed, named, and the values that used to be accepted
    raises_naming("temperature", M.switching_rate, 1.0, temperature="300")
    raises_naming("temperature", S.conductance, 0.5, temperature=True)
    raises_naming("record", B.rest, 10.0, record="yes")
    raises_naming("stop", Step, "cc", 1e-6, 1.0, stop=math.nan)
    raises_naming("v_min", Step, "cc", 1e-6, 1.0, v_min=math.nan)
    raises_naming("seed", M.sample, 2, seed=1.5)
    raises_naming("drive", S.pulse_train, 2, drive=["current"])
    raises_naming("name", Synapse.preset, ["LISTA-LiCoO2"])
    raises_naming("cathode", Microbattery, cathode=None)


def test_check_number_takes_only_real_numbers():
    assert check_number("x", 5) == 5.0 and check_number("x", np.float32(2)) == 2.0
    assert check_number("x", np.array(3.0)) == 3.0
    for bad in ("5", True, np.bool_(False), None, 1 + 1j, [1.0], np.array([1.0])):
        with pytest.raises(ParameterError):
            check_number("x", bad)


# ------------------------------------------------------------------------------ raw reader
@pytest.fixture(scope="module")
def rc_raw(tmp_path_factory):
    import shutil
    if shutil.which("ngspice") is None:
        pytest.skip("ngspice not installed")
    from lithispice.engines import run_deck
    tmp = tmp_path_factory.mktemp("raw")
    res = run_deck(RC, workdir=str(tmp), keep_files=True)
    return Path(res.workdir, "out.raw").read_bytes(), len(res)


def test_raw_reader_refuses_malformed_files(rc_raw):
    from lithispice.engines import read_raw
    raw, n = rc_raw
    head = raw[:raw.index(b"Binary:\n") + len(b"Binary:\n")]
    (p,) = read_raw(raw)
    assert len(p) == n and not p.truncated
    # a header followed directly by another header: no garbage rows marked complete
    for bad in (head + raw, head + head, head + head + raw[len(head):]):
        with pytest.raises(RawFileError):
            read_raw(bad)
    # a second plot cut inside its first point: flagged, not filled
    p1, p2 = read_raw(raw + head + raw[len(head):len(head) + 5])
    assert not p1.truncated and p2.truncated and len(p2) == 0
    # wrong counts
    with pytest.raises(RawFileError):
        read_raw(raw.replace(f"No. Points: {n}".encode(), f"No. Points: {n - 1}".encode()))
    with pytest.raises(RawFileError):
        read_raw(raw.replace(b"No. Variables: 4", b"No. Variables: 5"))
    with pytest.raises(RawFileError):
        read_raw(raw.replace(b"No. Points:", b"No. Points: -"))
    with pytest.raises(RawFileError):
        read_raw(raw + b"\x00" * 24)                       # data beyond the declared count
    with pytest.raises(RawFileError):
        read_raw(b"junk")
    # truncated data: the whole points present, flagged
    (p,) = read_raw(raw[:-100])
    assert p.truncated and 0 < len(p) < n
    # ASCII: non-numeric values and a wrong count are refused
    hdr = (b"Title: t\nDate: d\nPlotname: Transient Analysis\nFlags: real\n"
           b"No. Variables: 2\nNo. Points: 2\nVariables:\n\t0\ttime\ttime\n\t1\tv(a)\tvoltage\n"
           b"Values:\n")
    (p,) = read_raw(hdr + b"0\t0.0\n\t1.0\n1\t1.0\n\t2.0\n")
    assert list(p["v(a)"]) == [1.0, 2.0] and not p.truncated
    for body in (b"0\t0.0\n\tabc\n1\t1.0\n\t2.0\n", b"0\t0.0\n\t1.0\n1\t1.0\n\t2.0\n2\t3\n\t4\n",
                 b"0\t0.0\n\t1.0\n5\t1.0\n\t2.0\n"):
        with pytest.raises(RawFileError):
            read_raw(hdr + body)
    (p,) = read_raw(hdr + b"0\t0.0\n\t1.0\n1\t1.0\n\t2.00")   # cut inside the last value
    assert p.truncated and len(p) == 1
    assert issubclass(RawFileError, ValueError)            # callers catching ValueError still do
