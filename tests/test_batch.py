"""Batch sweeps and Monte Carlo: real ngspice and VACASK runs, local pool and a Dask
LocalCluster.

What is checked: results identical locally and on Dask for the same seed, per-instance
variability really reaching the simulation (column current = read voltage / drawn r_on),
resume after SIGKILL reruns only what was missing and leaves stored runs byte-identical,
failures (convergence, syntax, deck function, dying worker) recorded without stopping the
rest, waveforms against the analytic RC response; the engine choice: the same extracted
values from ngspice and VACASK, the engine in the store key, VACASK failures recorded per
point, a worker without the compiled models compiling them from the carried Verilog-A.
"""
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from lithispice import Memristor
from lithispice.batch import (CrossbarProgramRead, DeckTemplate, Grid, LogUniform, MonteCarlo,
                              Point, Points, Random, Spread, Store, SweepError, final,
                              instance_variation, open_sweep, point_key, run_sweep)
from lithispice.errors import NameValidationError, ParameterError
from lithispice.netlist import Chip

VARIATION = {"ron": Spread.lognormal(0.1), "roff": Spread.lognormal(0.2),
             "vset": Spread.normal(0.05)}
GEN = CrossbarProgramRead(rows=4, cols=4, v_write=3.2, v_read=0.2, variation=VARIATION)


def _digests(store: Store) -> dict:
    return {k: hashlib.sha256(store.file(k).read_bytes()).hexdigest() for k in store.keys()}


# ------------------------------------------------------------------------------- spaces
def test_grid_points_random_spaces():
    g = Grid(r_line=[0.0, 1.0, 2.0], preset=["LiCoO2", "LLTO"])
    assert g.shape == (3, 2) and len(g) == 6 and g.dims == ("r_line", "preset")
    assert g.point(3).params == {"r_line": 1.0, "preset": "LLTO"}
    p = Points(a=[1.0, 2.0], b=[3.0, 4.0])
    assert [q.params for q in p] == [{"a": 1.0, "b": 3.0}, {"a": 2.0, "b": 4.0}]
    r1 = Random(5, seed=11, r=LogUniform(1.0, 100.0))
    r2 = Random(5, seed=11, r=LogUniform(1.0, 100.0))
    assert [q.params for q in r1] == [q.params for q in r2]
    assert all(1.0 <= q["r"] < 100.0 for q in r1)
    # the stream of a point depends only on (master seed, index): the k-th spawned child
    kids = np.random.SeedSequence(11).spawn(5)
    a = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(3, 1))).random(4)
    assert np.array_equal(r1.point(3).rng().random(4), a)
    assert kids[3].spawn_key == (3,)
    with pytest.raises(ParameterError, match="seed"):
        Grid(a=[1], seed=-1)
    with pytest.raises(NameValidationError, match="sweep parameter name"):
        Grid(**{"bad name": [1]})
    with pytest.raises(ParameterError, match="status"):
        Grid(status=[1])


def test_instance_variation_is_seeded_and_generic():
    m = Memristor.preset("LiCoO2")
    p = Point(7, {}, 5)
    v1 = instance_variation(m, (4, 4), p.rng(), **VARIATION)
    v2 = instance_variation(m, (4, 4), p.rng(), **dict(reversed(list(VARIATION.items()))))
    assert all(np.array_equal(v1[k], v2[k]) for k in v1)        # order of kwargs irrelevant
    assert v1["ron"].shape == (4, 4) and np.all(v1["ron"] > 0)
    assert 0.5 < np.median(v1["ron"]) / m.r_on < 2.0
    with pytest.raises(ParameterError, match="instance parameter"):
        instance_variation(m, (2,), p.rng(), nosuch=Spread.normal(0.1))


# ------------------------------------------------------------------ Monte Carlo, Dask
def test_monte_carlo_200_points_local_and_dask_identical(tmp_path):
    from distributed import Client, LocalCluster
    space = MonteCarlo(200, seed=3)
    local = run_sweep(GEN, space, store=tmp_path / "local", extract=GEN.extractor(),
                      workers=2, progress=False)
    assert (local.n_ok, local.n_failed, local.n_ran) == (200, 0, 200)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = run_sweep(GEN, space, store=tmp_path / "dask", extract=GEN.extractor(),
                         scheduler=client.scheduler.address, progress=False)
        # VACASK on the cluster: the tasks carry the netlists and the models' sources
        grid = Grid(r_line=[0.0, 20.0])
        va_dask = run_sweep(XB, grid, store=tmp_path / "va_dask", extract=XB.extractor(),
                            scheduler=client.scheduler.address, progress=False, engine="vacask")
    assert "dask" in dask.executor and dask.n_ok == 200
    va_local = run_sweep(XB, grid, store=tmp_path / "va_local", extract=XB.extractor(),
                         workers=0, progress=False, engine="vacask")
    assert va_dask.n_ok == 2 and va_dask.engine == "vacask"
    assert np.array_equal(va_dask.dataset["i_col"].values, va_local.dataset["i_col"].values)
    assert np.array_equal(va_dask.dataset["key"].values, va_local.dataset["key"].values)
    a, b = local.dataset, dask.dataset
    assert np.array_equal(a["i_col"].values, b["i_col"].values)       # bit for bit
    assert np.array_equal(a["seed"].values, b["seed"].values)
    assert np.array_equal(a["key"].values, b["key"].values)
    # the drawn r_on of each cell reached ngspice: row 0 is fully set, so the read current of
    # column j is v_read / r_on[0, j] (the three off cells add ~1e-4 relative)
    m = Memristor.preset("LiCoO2")
    ron = np.stack([instance_variation(m, (4, 4), Point(k, {}, 3).rng(), **VARIATION)["ron"][0]
                    for k in range(200)])
    i_col = a["i_col"].values
    np.testing.assert_allclose(i_col, 0.2 / ron, rtol=1e-2)
    assert np.std(np.log(i_col)) > 0.05                                # variability is real


# ---------------------------------------------------------------------- kill and resume
_KILL_SCRIPT = textwrap.dedent("""
    import sys
    from lithispice.batch import MonteCarlo, run_sweep
    sys.path.insert(0, sys.argv[2])
    from test_batch import GEN
    if __name__ == "__main__":
        run_sweep(GEN, MonteCarlo(int(sys.argv[3]), seed=9), store=sys.argv[1],
                  extract=GEN.extractor(), workers=2, progress=False)
""")


def test_sigkill_mid_sweep_then_resume_reruns_only_missing(tmp_path):
    n = 120
    store_dir = tmp_path / "store"
    script = tmp_path / "sweep_script.py"
    script.write_text(_KILL_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(store_dir),
                             os.path.dirname(__file__), str(n)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while proc.poll() is None:
            if store_dir.exists() and len(list(store_dir.glob("runs/*/*.npz"))) >= n // 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.killpg(proc.pid, signal.SIGKILL)      # the client and its pool workers, at once
    finally:
        proc.wait(30)
        proc.stderr.close()
    store = Store(store_dir)
    before = _digests(store)
    assert n // 2 <= len(before) < n
    res = run_sweep(GEN, MonteCarlo(n, seed=9), store=store_dir, extract=GEN.extractor(),
                    workers=2, progress=False)
    assert (res.n_ok, res.n_failed, res.n_missing) == (n, 0, 0)
    assert res.n_reused == len(before) and res.n_ran == n - len(before)
    after = _digests(store)
    assert {k: after[k] for k in before} == before                  # untouched, byte for byte
    journal = store.journal()
    assert len(journal) == n and len({j["key"] for j in journal}) == n  # each point ran once
    # and a third call runs nothing
    again = run_sweep(GEN, MonteCarlo(n, seed=9), store=store_dir, extract=GEN.extractor(),
                      workers=2, progress=False)
    assert again.n_ran == 0 and again.n_reused == n
    np.testing.assert_array_equal(again.dataset["i_col"].values, res.dataset["i_col"].values)
    assert open_sweep(store_dir)["i_col"].shape == (n, 4)


# ----------------------------------------------------------------------------- failures
_GOOD = """rc {name}
V1 in 0 pwl(0 0 1n 1)
R1 in out {r}
C1 out 0 1u
.tran 10u 2m
.end
"""
_NO_CONVERGENCE = """two ideal sources in parallel
V1 a 0 1
V2 a 0 2
R1 a 0 1k
.tran 1u 10u
.end
"""
_SYNTAX = """unknown parameter
V1 in 0 1
R1 in 0 1k foo=3
.op
.end
"""


def _deck(point):
    kind = point["kind"]
    if kind == "bad_deck_function":
        raise ParameterError("r", -1.0, "> 0 ohm")
    if kind == "no_convergence":
        return _NO_CONVERGENCE
    if kind == "syntax":
        return _SYNTAX
    return _GOOD.format(name=kind, r=1000.0 + len(kind))


class _DieOn:
    """Extraction that kills its own worker process on one point (a stand-in for a segfault
    in user code): the pool breaks, only that point may be recorded as failed."""

    def __call__(self, res, point):
        if point["kind"] == "kill_worker":
            os._exit(3)
        return {"v_end": res["v(out)"][-1]}

    def __repr__(self):
        return "_DieOn()"


def test_failures_are_recorded_and_never_stop_the_rest(tmp_path):
    kinds = ["ok_a", "no_convergence", "ok_b", "syntax", "bad_deck_function", "ok_c",
             "kill_worker", "ok_d", "ok_e"]
    space = Points(kind=kinds)
    res = run_sweep(_deck, space, store=tmp_path, extract=_DieOn(), workers=2, progress=False)
    ds = res.dataset
    status = dict(zip(kinds, ds["status"].values))
    etype = dict(zip(kinds, ds["error_type"].values))
    assert [k for k in kinds if status[k] == "ok"] == ["ok_a", "ok_b", "ok_c", "ok_d", "ok_e"]
    assert etype["no_convergence"] == "ConvergenceError"
    assert etype["syntax"] == "NetlistSyntaxError"
    assert etype["bad_deck_function"] == "ParameterError"
    assert etype["kill_worker"] == "WorkerDied"
    fails = {f.params["kind"]: f for f in res.failures}
    assert "timestep too small" in fails["no_convergence"].log_tail.lower()
    assert "foo" in fails["syntax"].log_tail.lower() or "foo" in fails["syntax"].message
    assert fails["bad_deck_function"].stage == "deck"
    # the good points: v(out) of an RC step after 2 ms = 2 time constants of ~1 ms
    for k in ("ok_a", "ok_b", "ok_c", "ok_d", "ok_e"):
        tau = (1000.0 + len(k)) * 1e-6
        v = float(ds["v_end"].values[kinds.index(k)])
        assert v == pytest.approx(1 - np.exp(-2e-3 / tau), rel=2e-3)
    # failed records keep their deck and error on disk
    rec = Store(tmp_path).get(fails["no_convergence"].key)
    assert rec.meta["status"] == "failed" and "V2 a 0 2" in rec.meta["deck"]
    # resume without retries: nothing runs; with retries: only the failed points run again
    again = run_sweep(_deck, space, store=tmp_path, extract=_DieOn(), workers=2,
                      progress=False, retry_failed=False)
    assert again.n_ran == 0 and again.n_failed == 4


def test_retry_reruns_only_failed_points(tmp_path):
    space = Points(kind=["ok_a", "no_convergence", "ok_b"])
    first = run_sweep(_deck, space, store=tmp_path, extract=final("v(out)"), workers=0,
                      progress=False)
    assert (first.n_ok, first.n_failed) == (2, 1)
    second = run_sweep(_deck, space, store=tmp_path, extract=final("v(out)"), workers=0,
                       progress=False)
    assert second.n_ran == 1 and second.n_reused == 2 and second.n_failed == 1
    # another extraction function: stored runs are not reused for it (its code is part of
    # every key, so the failed point is a new one too: a failure may be the extraction's)
    third = run_sweep(_deck, space, store=tmp_path, extract=final("v(in)"), workers=0,
                      progress=False, retry_failed=False)
    assert third.n_ran == 3


def test_timeout_is_recorded_as_failed_point(tmp_path):
    long_deck = ("long\nV1 in 0 sin(0 1 1meg)\nR1 in out 1k\nC1 out 0 1n\n"
                 ".tran 1n 10 0 1n\n.end\n")
    space = Points(kind=["ok_a", "long"])
    res = run_sweep(lambda p: long_deck if p["kind"] == "long" else _deck(p), space,
                    store=tmp_path, extract=final("v(out)"), workers=0, timeout=1.0,
                    progress=False)
    assert list(res.dataset["status"].values) == ["ok", "failed"]
    assert list(res.dataset["error_type"].values) == ["", "SimulationTimeout"]


# ---------------------------------------------------------------------------- waveforms
def test_grid_dataset_waveforms_match_rc_response(tmp_path):
    tmpl = DeckTemplate("rc\nV1 in 0 pwl(0 0 1n {v})\nR1 in out {r}\nC1 out 0 1u\n"
                        ".tran 10u 3m\n.end\n")
    grid = Grid(r=[500.0, 1000.0], v=[1.0, 2.0])
    t = np.linspace(0.1e-3, 3e-3, 30)
    res = run_sweep(tmpl, grid, store=tmp_path, extract=final("v(in)"),
                    waveforms=["v(out)"], resample=t, workers=0, progress=False)
    ds = res.dataset
    assert np.all(ds["v(in)"].values == ds["v"].values[None, :])     # final value of the input
    assert ds["v(out)"].dims == ("r", "v", "time") and ds["v(out)"].attrs["units"] == "V"
    assert list(ds["r"].values) == [500.0, 1000.0]
    for r in (500.0, 1000.0):
        for v in (1.0, 2.0):
            got = ds["v(out)"].sel(r=r, v=v).values
            np.testing.assert_allclose(got, v * (1 - np.exp(-t / (r * 1e-6))), atol=2e-3 * v)
    raw = run_sweep(tmpl, grid, store=tmp_path, extract=final("v(in)"),
                    waveforms=["v(out)"], workers=0, progress=False)
    assert raw.n_ran == 0                                   # same runs, other presentation
    assert raw.dataset["v(out)"].dims == ("r", "v", "sample")
    both = run_sweep(tmpl, Grid(r=[500.0], v=[1.0]), store=tmp_path / "b",
                     extract=final("v(out)"), waveforms=["v(out)"], workers=0, progress=False)
    assert both.dataset["v(out)"].dims == ("r", "v")         # the extracted final value
    assert both.dataset["wave:v(out)"].dims == ("r", "v", "sample")
    n = raw.dataset["n_samples"].values
    assert np.all(n > 10)
    with pytest.raises(ParameterError, match="missing"):
        tmpl(Point(0, {"r": 1.0}, 0))


# ------------------------------------------------------------------------------ engines
XB = CrossbarProgramRead(rows=2, cols=3, v_write=3.2, v_read=0.2)


def test_point_keys_of_ngspice_are_unchanged_and_engines_differ():
    # the pre-VACASK formula: stores written before stay readable and resumable
    old = hashlib.sha256(b"lithispice-point/1\0" + b'{"params":{"r":1.0},"seed":7}' + b"\0"
                         + b"deck").hexdigest()
    assert point_key("deck", {"r": 1.0}, 7) == point_key("deck", {"r": 1.0}, 7, "ngspice") == old
    assert point_key("deck", {"r": 1.0}, 7, "vacask") != old


def test_stores_written_before_the_engine_field_are_reused(tmp_path):
    from lithispice.batch.store import pack_run
    tmpl, grid = DeckTemplate(_GOOD), Points(name=["a", "b"], r=[1e3, 2e3])
    first = run_sweep(tmpl, grid, store=tmp_path, extract=final("v(out)"), workers=0,
                      progress=False)
    st = Store(tmp_path)
    for k in st.keys():                      # rewrite each run file as older versions did
        rec = st.get(k)
        meta = {m: v for m, v in rec.meta.items()
                if m not in ("engine", "format", "extracted", "waveforms")}
        st.put(k, pack_run(meta, rec.extracted, rec.waveforms, rec.axis))
        assert "engine" not in st.get(k, meta_only=True).meta
    again = run_sweep(tmpl, grid, store=tmp_path, extract=final("v(out)"), workers=0,
                      progress=False)
    assert (again.n_ran, again.n_reused) == (0, 2)
    np.testing.assert_array_equal(again.dataset["v(out)"].values, first.dataset["v(out)"].values)


def test_unknown_engine_is_refused_before_any_point_runs(tmp_path):
    calls = []
    with pytest.raises(ParameterError, match="engine") as err:
        run_sweep(lambda p: calls.append(p) or _deck(p), Points(kind=["ok_a"]),
                  store=tmp_path / "s", workers=0, progress=False, engine="spectre")
    assert "'ngspice'" in str(err.value) and "'vacask'" in str(err.value)
    assert calls == [] and not (tmp_path / "s").exists()
    with pytest.raises(SweepError, match="VACASK cannot run"):
        run_sweep(DeckTemplate(_GOOD), Points(name=["a"], r=[1e3]), store=tmp_path / "t",
                  workers=0, progress=False, engine="vacask")


def test_grid_sweep_same_values_in_both_engines_and_engine_in_store_key(tmp_path):
    grid = Grid(r_line=[0.0, 2.0, 20.0])
    ng = run_sweep(XB, grid, store=tmp_path, extract=XB.extractor(), workers=2, progress=False)
    va = run_sweep(XB, grid, store=tmp_path, extract=XB.extractor(), workers=2, progress=False,
                   engine="vacask")
    assert (ng.engine, ng.n_ok, ng.n_ran) == ("ngspice", 3, 3)
    # the same store: the ngspice runs are not served for VACASK, its points run
    assert (va.engine, va.n_ok, va.n_ran, va.n_reused) == ("vacask", 3, 3, 0)
    # the same column currents: rtol 1e-5 (measured: agreement to ~2e-12 at the end of the
    # read, where both engines have settled to the same operating point of the same device)
    i_ng, i_va = ng.dataset["i_col"].values, va.dataset["i_col"].values
    np.testing.assert_allclose(i_va, i_ng, rtol=1e-5)
    assert np.all(np.diff(i_ng[:, -1]) < 0)                # the IR drop of r_line is resolved
    st = Store(tmp_path)
    k_ng, k_va = set(ng.dataset["key"].values.ravel()), set(va.dataset["key"].values.ravel())
    assert not k_ng & k_va and set(st.keys()) == k_ng | k_va
    assert {st.get(k, meta_only=True).meta["engine"] for k in k_va} == {"vacask"}
    assert {st.get(k, meta_only=True).meta["engine"] for k in k_ng} == {"ngspice"}
    assert va.dataset.attrs["engine"] == "vacask" and open_sweep(tmp_path).attrs["engine"] == "vacask"
    # resume in either engine (decks now made by the client): only its own runs are reused
    for engine, first in (("ngspice", ng), ("vacask", va)):
        again = run_sweep(XB, grid, store=tmp_path, extract=XB.extractor(), workers=0,
                          progress=False, engine=engine)
        assert (again.n_ran, again.n_reused) == (0, 3), engine
        np.testing.assert_array_equal(again.dataset["i_col"].values, first.dataset["i_col"].values)
        assert list(again.dataset["key"].values.ravel()) == list(first.dataset["key"].values.ravel())


def _chip_deck(point):
    """An RC step as a Chip; "singular" adds an E source that drives its own input (VACASK's
    factorization fails, ngspice gets by with gmin), "unsupported" an option VACASK cannot
    map, "deck_text" returns the ngspice deck instead of the Chip."""
    kind = point["kind"]
    c = Chip(f"rc {kind}")
    c.vsource("in", "in", "0", pwl=[(0.0, 0.0), (1e-9, 1.0)])
    c.resistor("r1", "in", "out", 1000.0 + len(kind))
    c.capacitor("c1", "out", "0", 1e-6)
    if kind == "singular":
        c.resistor("r2", "out", "loop", 1e3)
        c.vcvs("e1", "loop", "0", "loop", "0", 1.0)
    if kind == "unsupported":
        c.options(trtol=7)
    c.tran(1e-5, 2e-3)
    return c.deck() if kind == "deck_text" else c


def test_vacask_failures_are_recorded_per_point_and_the_rest_run(tmp_path):
    kinds = ["ok_a", "singular", "ok_b", "unsupported", "ok_c"]
    space = Points(kind=kinds)
    res = run_sweep(_chip_deck, space, store=tmp_path, extract=final("v(out)"), workers=2,
                    progress=False, engine="vacask")
    ds = res.dataset
    status = dict(zip(kinds, ds["status"].values))
    assert [k for k in kinds if status[k] == "ok"] == ["ok_a", "ok_b", "ok_c"]
    fails = {f.params["kind"]: f for f in res.failures}
    sing, uns = fails["singular"], fails["unsupported"]
    assert (sing.error_type, sing.stage) == ("ConvergenceError", "vacask")
    assert "Factorization failed" in sing.log_tail and "VACASK" in sing.message
    assert (uns.error_type, uns.stage) == ("EngineUnsupported", "netlist")
    assert "trtol" in uns.message
    for k in ("ok_a", "ok_b", "ok_c"):
        tau = (1000.0 + len(k)) * 1e-6
        assert float(ds["v(out)"].values[kinds.index(k)]) == pytest.approx(
            1 - np.exp(-2e-3 / tau), rel=2e-3)
    rec = Store(tmp_path).get(sing.key)          # the failed run keeps its VACASK netlist
    assert rec.meta["engine"] == "vacask" and "'ee1'" in rec.meta["deck"]
    assert "vcvs" in rec.meta["deck"] and rec.meta["error"]["log_tail"] == sing.log_tail
    again = run_sweep(_chip_deck, space, store=tmp_path, extract=final("v(out)"), workers=0,
                      progress=False, engine="vacask")
    # only "singular" runs again; the ok points are reused; "unsupported" fails again while
    # its netlist is made (no simulator run, as for a failing deck function)
    assert (again.n_ran, again.n_reused, again.n_failed) == (1, 3, 2)
    # deck text cannot run in VACASK: the sweep stops with a clear error, wherever decks are made
    for workers in (0, 2):
        with pytest.raises(SweepError, match="VACASK cannot run an ngspice deck"):
            run_sweep(_chip_deck, Points(kind=["ok_a", "deck_text"]), store=tmp_path / f"t{workers}",
                      workers=workers, progress=False, engine="vacask")


def test_vacask_task_carries_what_a_worker_on_another_machine_needs(tmp_path, monkeypatch):
    """A Dask worker on another machine has neither the client's compile cache nor its venv:
    the worker takes its own VACASK modules and compiles the carried Verilog-A."""
    import dataclasses
    import pickle
    from lithispice.batch.engine import build_point
    from lithispice.batch.store import unpack_run
    from lithispice.batch.worker import execute
    point = Point(0, {"r_line": 2.0}, 0)
    key, fields, error = build_point(XB, point, "vacask")
    assert error is None
    models = fields["models"]
    assert {"builtin", "va"} == {k for m in models for k in m if k != "path"}
    assert any("module lsm_" in m.get("va", "") for m in models)
    task = dict(key=key, index=0, params=point.params, seed=point.seed, master_seed=0,
                timeout=30.0, waveforms=[], extract_name="x", engine="vacask", **fields)
    task = pickle.loads(pickle.dumps(task))              # as it travels
    here = unpack_run(execute(task, XB.extractor()))
    assert here.meta["status"] == "ok" and here.meta["engine"] == "vacask"
    # "another machine": every load path missing, an empty compile cache
    text, moved = fields["vacask"].text, []
    for m in models:
        gone = str(tmp_path / "elsewhere" / os.path.basename(m["path"]))
        text = text.replace(f'load "{m["path"]}"', f'load "{gone}"')
        moved.append(dict(m, path=gone))
    monkeypatch.setenv("LITHISPICE_CACHE", str(tmp_path / "cache"))
    remote = dict(task, vacask=dataclasses.replace(fields["vacask"], text=text), models=moved)
    there = unpack_run(execute(remote, XB.extractor()))
    assert there.meta["status"] == "ok", there.meta["error"]
    assert len(list((tmp_path / "cache" / "osdi").glob("m_*.osdi"))) == 1   # compiled there
    np.testing.assert_array_equal(there.extracted["i_col"], here.extracted["i_col"])
    # no source carried and no file: a failed point saying so
    bare = dict(remote, models=[{"path": m["path"]} for m in moved])
    rec = unpack_run(execute(bare, XB.extractor()))
    err = rec.meta["error"]
    assert (rec.meta["status"], err["type"], err["stage"]) == ("failed", "FileNotFoundError", "models")
    assert "no Verilog-A source" in err["message"]
    # the key does not depend on where the cache or the venv are
    from lithispice.batch.engine import prepare
    key_text, _ = prepare(XB(point), 0, "vacask")
    loads = [ln for ln in key_text.splitlines() if ln.startswith("load ")]
    assert loads and all("/" not in ln for ln in loads), loads
    assert key == point_key(key_text, point.params, point.seed, "vacask")
