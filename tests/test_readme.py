"""README.md runs as written: every fenced code block is executed or explicitly excused.

* ```python blocks run in order in ONE namespace, as a user pasting them into one Python
  session would (a later block uses ``m``, ``chip``, ``np`` of an earlier one);
* ```bash blocks run line by line in bash, with the running interpreter's ``bin`` folder
  (``lithispice``, ``python``) first on PATH; each line must exit 0;
* ```sh blocks are shown, not run: every command in them must be in :data:`NOT_RUN` with the
  reason, and must exist (``make -n <target>`` succeeds: a dry run, nothing is executed);
* ```text blocks are not code (the layout tree). Any other info string fails the test.

Both kinds of runnable block share one working folder: a temporary copy of the repository
folders the README's relative paths name (``examples/``, ``netlists/``, ``models/``), so
``examples/deck.cir``, ``sys.path.insert(0, "netlists")`` and ``--out run_out`` work as
written and nothing is written into the repository.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: repository folders the README's relative paths use, copied into the working folder
COPIED = ("examples", "netlists", "models")
#: commands shown in ```sh blocks and why they are not run inside the tests
NOT_RUN = {
    "make demo": "reinstalls the package into .venv (make build) before the demo; what it "
                 "runs is run by the bash blocks (lithispice demo, netlists/synapse_array.py)",
    "make test": "is the test suite itself (what CI runs: .ci/run -> make test): running it "
                 "here would recurse",
}
KINDS = ("python", "bash", "sh", "text")
#: what each excused make target must run after its set-up (checked in its dry run)
MAKE_RUNS = {"demo": "-m lithispice.demo", "test": "-m pytest -q tests"}
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def readme_blocks(text: str | None = None) -> list[tuple[str, str, int]]:
    """(info string, body, line number of the opening fence) of every fenced block."""
    text = README.read_text(encoding="utf-8") if text is None else text
    return [(m.group(1).strip(), m.group(2), text.count("\n", 0, m.start()) + 1)
            for m in _FENCE.finditer(text)]


def shell_commands(body: str) -> list[str]:
    """The command lines of a shell block (comment-only and blank lines dropped)."""
    out = []
    for line in body.splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            out.append(s)
    return out


def _command(line: str) -> str:
    """The command of a line without its trailing comment (``make demo   # ...`` -> make demo)."""
    return " ".join(shlex.split(line, comments=True))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    for name in COPIED:
        shutil.copytree(ROOT / name, d / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*_out", "*.pyc"))
    return d


def test_blocks_parse_and_every_block_is_run_or_excused():
    blocks = readme_blocks()
    assert len(blocks) >= 8, f"only {len(blocks)} fenced blocks found in README.md"
    kinds = [k for k, _, _ in blocks]
    assert kinds.count("python") >= 4 and kinds.count("bash") >= 2
    for kind, body, line in blocks:
        assert kind in KINDS, (f"README.md line {line}: a ```{kind} block: give it one of "
                               f"{KINDS} (and make it run, or excuse it in NOT_RUN)")
        if kind == "sh":
            for cmd in shell_commands(body):
                assert _command(cmd) in NOT_RUN, (
                    f"README.md line {line}: {cmd!r} is in a ```sh block (not run) but not in "
                    "NOT_RUN: run it in a ```bash block or say here why it cannot run")
    # the fence regex is not fooled: every ``` line is one block's opening or closing
    fences = [ln for ln in README.read_text().splitlines() if ln.startswith("```")]
    assert len(fences) == 2 * len(blocks)


@pytest.mark.parametrize("target", sorted({c.split()[1] for c in NOT_RUN if c.startswith("make ")}))
def test_excused_make_targets_exist(target):
    """The make targets the README shows but the tests do not run exist: a dry run
    (``make -n``) prints their recipe without executing it."""
    r = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "pip install" in r.stdout            # its set-up is part of the target
    assert MAKE_RUNS[target] in r.stdout


def _dry_run(target: str) -> list[str]:
    r = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return [ln for ln in r.stdout.splitlines() if "pip install" in ln and " -e " in ln]


def test_make_demo_installs_only_what_the_demo_uses():
    """Issue 12 item 14: the demo's set-up installs the package without the test extras
    (PyBaMM, casadi, dask ...); the test target installs them, on a fresh machine too."""
    demo, test = _dry_run("demo"), _dry_run("test")
    assert demo and all("[test]" not in ln for ln in demo), demo
    assert any('".[test]"' in ln for ln in test), test


def test_readme_python_blocks_run_in_one_session(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    ns = {"__name__": "__main__"}
    saved_path, saved_mods = list(sys.path), set(sys.modules)
    t0 = time.perf_counter()
    try:
        for kind, body, line in readme_blocks():
            if kind != "python":
                continue
            code = compile(body, f"README.md:{line}", "exec")
            exec(code, ns)                      # noqa: S102 - the README's own code
    finally:
        sys.path[:] = saved_path                # the README inserts "netlists"
        for name in set(sys.modules) - saved_mods:
            if name == "synapse_array":
                del sys.modules[name]
    elapsed = time.perf_counter() - t0
    # what the blocks computed is what their comments say
    import numpy as np
    assert ns["tr"].g[-1] > ns["tr"].g[0]       # the synapse's pulses past rest potentiate
    assert ns["out"]["g"].shape == (1000, 50)
    assert np.all(np.diff(ns["out"]["g"][0]) > 0)
    a = ns["a"]
    assert np.allclose(a["i_col"], a["i_expected"], rtol=1e-3, atol=1e-12)
    ds = ns["ds"]
    assert int(ds.attrs["n_ok"]) == 16
    mean = ds["i_col"].mean("point").values
    rel = (ds["i_col"].std("point") / ds["i_col"].mean("point")).values
    # each column sums 0.5 V of row drive through cells at w0 = 0.9; ron's lognormal spread
    # (sigma 0.1) averaged over the three driven cells leaves ~6 %
    m = ns["m"]
    assert np.allclose(mean, 0.5 * m.conductance(0.9), rtol=0.05), mean
    assert np.all((rel > 0.02) & (rel < 0.12)), rel
    assert elapsed < 120, f"README python blocks took {elapsed:.0f} s"


def test_readme_bash_blocks_run(workdir):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("NGSPICE_INPUT_DIR", None)
    ran = []
    for kind, body, line in readme_blocks():
        if kind != "bash":
            continue
        for cmd in shell_commands(body):
            r = subprocess.run(["bash", "-c", cmd], cwd=workdir, env=env, capture_output=True,
                               text=True, timeout=300)
            assert r.returncode == 0, (f"README.md line {line}: {cmd!r} exited "
                                       f"{r.returncode}:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
            ran.append(cmd)
    assert any(c.startswith("lithispice run ") for c in ran)
    assert any(c.startswith("lithispice sweep ") for c in ran)
    # their outputs are where the README says
    for f in ("run_out/deck.csv", "run_out/deck.png", "mc_out/results.nc",
              "mc_vacask/results.nc", "sensor_out/results.nc", "demo_out/crossbar.png",
              "sa_out/synapse_array.png", "models/ngspice/memristor.lib"):
        assert (workdir / f).is_file(), f
