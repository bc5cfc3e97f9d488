"""Data integrity of the sweep result store (issue 11, items 6-9).

6. A run file copied over another point's, truncated, bit-flipped or garbage is a *missing*
   point: it runs again, is never served, never raises.
7. The key covers what the result depends on: the files a deck pulls in with ``.include`` /
   ``.lib`` (found as ngspice finds them, recursively; a missing one fails the point) and the
   code of the extraction function (body, constants, closure, helpers; equal code -> equal
   key in every process).
8. Several sweeps into one store: one manifest per sweep, and each point claimed before it
   runs, so two sweeps running at once never run a point twice.
9. A space refuses more than MAX_POINTS points before building anything.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from lithispice.batch import (MAX_POINTS, DeckTemplate, Grid, IncludeNotFoundError, MonteCarlo,
                              Point, Points, Random, Store, final, list_sweeps, open_sweep,
                              point_key, run_sweep)
from lithispice.batch.engine import build_point
from lithispice.batch.keys import code_fingerprint, deck_includes
from lithispice.batch.store import claim_ttl, pack_run
from lithispice.batch.sweep import _name_of
from lithispice.batch.worker import execute
from lithispice.errors import ParameterError

RC = DeckTemplate("rc\nV1 in 0 pwl(0 0 1n 1)\nR1 in out {r}\nC1 out 0 1u\n.tran 10u 1m\n.end\n")
EXTRACT = final("v(out)")


def _v(res_or_ds):
    ds = getattr(res_or_ds, "dataset", res_or_ds)
    return ds["v(out)"].values


def _flip_array_byte(path, entry="x0.npy"):
    """Flip the last data byte of one entry of a run file (a float of an extracted value)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(entry)
    data = bytearray(path.read_bytes())
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.file_size - 1] ^= 0x40
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------------- 6. damaged files
def test_copied_truncated_flipped_or_garbage_run_files_are_rerun_never_served(tmp_path):
    space = Grid(r=[1000.0, 2000.0, 3000.0, 4000.0, 5000.0])
    first = run_sweep(RC, space, store=tmp_path, extract=EXTRACT, workers=0, progress=False)
    assert first.n_ok == 5
    good = _v(first).copy()
    keys = list(first.dataset["key"].values)
    st = Store(tmp_path)
    shutil.copyfile(st.file(keys[1]), st.file(keys[0]))          # another point's file
    raw = st.file(keys[1]).read_bytes()
    st.file(keys[1]).write_bytes(raw[:len(raw) // 2])            # truncated
    _flip_array_byte(st.file(keys[2]))                           # one bit of a value
    st.file(keys[3]).write_bytes(os.urandom(len(raw)))           # garbage
    # each is a missing point: not served (neither full nor meta-only), no exception
    for k in keys[:4]:
        assert st.get(k) is None and st.get(k, meta_only=True) is None
    assert st.get(keys[4]) is not None
    ds = open_sweep(tmp_path)
    assert list(ds["status"].values) == ["missing"] * 4 + ["ok"]
    assert np.isnan(_v(ds)[:4]).all() and _v(ds)[4] == good[4]   # no wrong value served
    again = run_sweep(RC, space, store=tmp_path, extract=EXTRACT, workers=2, progress=False)
    assert (again.n_ran, again.n_reused, again.n_ok) == (4, 1, 5)
    np.testing.assert_array_equal(_v(again), good)
    assert all(st.get(k) is not None for k in keys)              # replaced by sound files


_RUN_META = {"key": "cd" * 32, "index": 3, "params": {"r": 1.0}, "seed": 5, "status": "ok",
             "run_id": "x", "engine": "ngspice"}
_RUN_BYTES = pack_run(_RUN_META, {"v": np.array(0.25), "i": np.arange(4.0)},
                      {"v(out)": np.linspace(0.0, 1.0, 16)}, np.linspace(0.0, 1e-3, 16))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pos=hst.integers(0, len(_RUN_BYTES) - 1), xor=hst.integers(1, 255),
       cut=hst.integers(0, len(_RUN_BYTES)))
def test_any_damaged_byte_or_truncation_is_missing_or_harmless(tmp_path, pos, xor, cut):
    """One byte changed anywhere, or the file cut anywhere: Store.get never raises, and
    returns either nothing or exactly the stored values (a byte of zip bookkeeping that
    nothing reads may change harmlessly)."""
    st = Store(tmp_path)
    key = _RUN_META["key"]
    good = st.get(key) if st.put(key, _RUN_BYTES) else None
    for data in (_RUN_BYTES[:pos] + bytes([_RUN_BYTES[pos] ^ xor]) + _RUN_BYTES[pos + 1:],
                 _RUN_BYTES[:cut]):
        st.file(key).write_bytes(data)
        for meta_only in (False, True):
            rec = st.get(key, meta_only=meta_only)
            if rec is None:
                continue
            assert rec.meta == good.meta
            if not meta_only:
                assert rec.extracted.keys() == good.extracted.keys()
                assert all(np.array_equal(rec.extracted[k], good.extracted[k]) for k in rec.extracted)
                assert np.array_equal(rec.waveforms["v(out)"], good.waveforms["v(out)"])
                assert np.array_equal(rec.axis, good.axis)


# ----------------------------------------------------------------------- 7. include files
_INC_DECK = ("divider\nV1 in 0 1\nR1 in out 1k\n.include models/top.inc\n"
             ".lib 'models/corners.lib' typ\n.op\n.end\n")


def _divider(r2, r3):
    rp = r2 * r3 / (r2 + r3)
    return rp / (1e3 + rp)


def test_include_and_lib_files_are_part_of_the_key(tmp_path, monkeypatch):
    inp = tmp_path / "input"
    (inp / "models").mkdir(parents=True)
    monkeypatch.setenv("NGSPICE_INPUT_DIR", str(inp))
    (inp / "models" / "top.inc").write_text("* top\n.include nested.inc\n")
    (inp / "models" / "nested.inc").write_text("R2 out 0 1k\n")
    # section "typ" is used; "other" names a file that does not exist and is never read
    (inp / "models" / "corners.lib").write_text(
        ".lib typ\nR3 out 0 10k\n.endl\n.lib other\n.lib nothere.lib x\n.endl\n")
    deck = lambda p: _INC_DECK + f"* point {p['k']}\n"          # noqa: E731
    space = Points(k=[0, 1])
    kw = dict(store=tmp_path / "store", extract=EXTRACT, workers=0, progress=False)
    first = run_sweep(deck, space, **kw)
    assert first.n_ok == 2, first.failures
    np.testing.assert_allclose(_v(first), _divider(1e3, 1e4), rtol=1e-6)
    assert run_sweep(deck, space, **kw).n_ran == 0
    # a nested include edited (resolved next to top.inc): the points run again, new value
    (inp / "models" / "nested.inc").write_text("R2 out 0 2k\n")
    second = run_sweep(deck, space, **kw)
    assert second.n_ran == 2
    np.testing.assert_allclose(_v(second), _divider(2e3, 1e4), rtol=1e-6)
    # ngspice looks in NGSPICE_INPUT_DIR before the including file's folder: a nested.inc
    # there shadows models/nested.inc -- the key follows the file ngspice really reads
    (inp / "nested.inc").write_text("R2 out 0 5k\n")
    third = run_sweep(deck, space, **kw)
    assert third.n_ran == 2
    np.testing.assert_allclose(_v(third), _divider(5e3, 1e4), rtol=1e-6)
    (inp / "models" / "nested.inc").write_text("R2 out 0 7k\n")   # shadowed: not read
    assert run_sweep(deck, space, **kw).n_ran == 0
    # the .lib section's file edited
    (inp / "models" / "corners.lib").write_text(
        ".lib typ\nR3 out 0 20k\n.endl\n.lib other\n.lib nothere.lib x\n.endl\n")
    fourth = run_sweep(deck, space, **kw)
    assert fourth.n_ran == 2
    np.testing.assert_allclose(_v(fourth), _divider(5e3, 2e4), rtol=1e-6)
    # a missing include: the point fails clearly, before any simulator run
    (inp / "models" / "top.inc").unlink()
    fifth = run_sweep(deck, space, **kw)
    assert fifth.n_ran == 0 and fifth.n_failed == 2
    f = fifth.failures[0]
    assert (f.error_type, f.stage) == ("IncludeNotFoundError", "include")
    assert "models/top.inc" in f.message and str(inp) in f.message
    with pytest.raises(IncludeNotFoundError, match="top.inc"):
        deck_includes(_INC_DECK)
    # the file back: the points are served from the store again (same key as before)
    (inp / "models" / "top.inc").write_text("* top\n.include nested.inc\n")
    back = run_sweep(deck, space, **kw)
    assert back.n_ran == 0 and back.n_ok == 2


def test_deck_without_includes_keeps_the_old_key():
    """Stores written before: a point without include and extraction keeps its key."""
    import hashlib
    old = hashlib.sha256(b"lithispice-point/1\0" + b'{"params":{"r":1.0},"seed":7}' + b"\0"
                         + b"deck").hexdigest()
    point = Point(0, {"r": 1.0}, 0)
    key, _, err = build_point(lambda p: "deck", point, "ngspice")
    assert err is None and key == point_key("deck", {"r": 1.0}, point.seed)
    assert point_key("deck", {"r": 1.0}, 7, includes=[], extract=None) == old
    assert point_key("deck", {"r": 1.0}, 7, extract="ab") != old
    assert point_key("deck", {"r": 1.0}, 7, includes=[("a.inc", "00")]) != old


# -------------------------------------------------------------- 7. extraction function code
def _ex_out(res, p):
    return {"v": float(res["v(out)"][-1])}


def _ex_in(res, p):
    return {"v": float(res["v(in)"][-1])}


def _scaled(k):
    return lambda res, p: {"v": k * float(res["v(out)"][-1])}


_FP_MODULE = """
SCALE = {scale}

def helper(x):
    return SCALE * x

def ex(res, p):
    return {{"v": helper(res["v(out)"][-1]), "s": {{"a", "b", "c"}} and 1.0}}

lam = lambda res, p: {{"v": res["v(out)"][-1] * 3}}
"""


def test_extraction_code_is_part_of_the_key(tmp_path):
    f1 = lambda res, p: {"v": float(res["v(out)"][-1])}          # noqa: E731
    f2 = lambda res, p: {"v": float(res["v(in)"][-1])}           # noqa: E731
    f1_again = lambda res, p: {"v": float(res["v(out)"][-1])}    # noqa: E731
    assert code_fingerprint(f1) != code_fingerprint(f2)
    assert code_fingerprint(f1) == code_fingerprint(f1_again)   # same code, other line
    assert code_fingerprint(_scaled(1.0)) != code_fingerprint(_scaled(2.0))   # closure value
    assert code_fingerprint(_scaled(2.0)) == code_fingerprint(_scaled(2.0))
    assert code_fingerprint(final("v(a)")) != code_fingerprint(final("v(b)"))
    assert code_fingerprint(final("v(a)")) == code_fingerprint(final("v(a)"))
    # the same module in other processes (another PYTHONHASHSEED): the same fingerprints;
    # a helper's body or a module constant edited: other fingerprints
    mod = tmp_path / "fpmod.py"
    mod.write_text(_FP_MODULE.format(scale=2.0))
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import fpmod;"
             "from lithispice.batch.keys import code_fingerprint as f;"
             "print(f(fpmod.ex), f(fpmod.lam))")

    def fingerprints(seed):
        out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], check=True,
                             capture_output=True, text=True,
                             env=dict(os.environ, PYTHONHASHSEED=str(seed)))
        return out.stdout.split()
    a, b = fingerprints(1), fingerprints(2)
    assert a == b and len(a) == 2 and a[0] != a[1]
    mod.write_text(_FP_MODULE.format(scale=3.0))
    c = fingerprints(1)
    assert c[0] != a[0] and c[1] == a[1]                 # ex uses SCALE via helper; lam not
    # in a sweep: one lambda for another runs again, and the first one's runs come back
    space = Grid(r=[1000.0, 2000.0])
    kw = dict(store=tmp_path / "s", workers=0, progress=False)
    r1 = run_sweep(RC, space, extract=f1, **kw)
    r2 = run_sweep(RC, space, extract=f2, **kw)
    assert (r1.n_ran, r2.n_ran) == (2, 2)
    np.testing.assert_allclose(r2.dataset["v"].values, 1.0)              # v(in)
    assert np.all(r1.dataset["v"].values < 0.7)                          # v(out)
    r3 = run_sweep(RC, space, extract=f1_again, **kw)
    assert (r3.n_ran, r3.n_reused) == (0, 2)
    np.testing.assert_array_equal(r3.dataset["v"].values, r1.dataset["v"].values)
    assert run_sweep(RC, space, extract=_ex_in, workers=2, store=tmp_path / "s",
                     progress=False).n_ran == 2
    assert run_sweep(RC, space, extract=_ex_out, workers=2, store=tmp_path / "s",
                     progress=False).n_ran == 2


# ------------------------------------------------------------------- 8. claims, manifests
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_claims_are_exclusive_and_stale_ones_are_taken_over(tmp_path):
    st = Store(tmp_path)
    key = "ab" * 32
    c = st.claim(key, "sweep-a", ttl=100.0)
    assert c is not None and c["pid"] == os.getpid()
    assert st.claim(key, "sweep-b", ttl=100.0) is None          # held by a live process
    assert not st.release(key, "sweep-b") and st.read_claim(key)["owner"] == "sweep-a"
    assert st.release(key, "sweep-a") and st.read_claim(key) is None
    # a claim by a dead process of this host: stale, taken over
    dead = dict(c, pid=_dead_pid(), owner="sweep-dead")
    st.claim_file(key).write_text(json.dumps(dead))
    assert st.read_claim(key)["stale"]
    assert st.claim(key, "sweep-b", ttl=100.0)["owner"] == "sweep-b"
    # a live process's claim older than its time-to-live: stale as well
    old = dict(c, owner="sweep-old", time=time.time() - 500.0, ttl=100.0)
    st.claim_file(key).write_text(json.dumps(old))
    assert st.claim(key, "sweep-c", ttl=100.0)["owner"] == "sweep-c"
    assert claim_ttl(60.0) == 180.0
    assert st.release_all("sweep-c") == 1 and not list((tmp_path / "claims").glob("*.claim"))


def _counting_extract(res, p):
    return {"v(out)": float(res["v(out)"][-1])}


def test_a_point_claimed_by_another_sweep_is_waited_for_then_reused(tmp_path):
    space = Grid(r=[1000.0, 2000.0, 3000.0])
    st = Store(tmp_path)
    extract_id = code_fingerprint(EXTRACT)
    point = space.point(1)
    key, fields, err = build_point(RC, point, "ngspice", extract_id)
    assert err is None
    other = {"key": key, "owner": "another-sweep", "pid": os.getpid(),
             "host": __import__("socket").gethostname(), "time": time.time(), "ttl": 600.0,
             "token": "t"}
    (tmp_path / "claims").mkdir()
    st.claim_file(key).write_text(json.dumps(other))          # "another sweep" runs point 1
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("res", run_sweep(
        RC, space, store=tmp_path, extract=EXTRACT, workers=0, progress=False)))
    th.start()
    time.sleep(1.0)
    assert th.is_alive()                                      # it waits for point 1
    payload = execute(dict(key=key, index=1, params=point.params, seed=point.seed,
                           master_seed=0, timeout=30.0, waveforms=[],
                           extract_name=_name_of(EXTRACT),
                           **fields), EXTRACT)
    st.put(key, payload)                                      # ... which then finishes
    st.claim_file(key).unlink()
    th.join(30)
    res = out["res"]
    assert (res.n_ok, res.n_ran, res.n_reused) == (3, 2, 1)
    assert res.dataset["key"].values[1] == key


_CONCURRENT = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from concmod import DECK, extract_counting
    from lithispice.batch import Grid, run_sweep
    store, go, out, which, generate = sys.argv[2:7]
    R = [1000.0 + 25.0 * k for k in range(60)]
    # the second sweep shares its first 20 points (same values at the same index: same
    # seeds, same keys) with the first
    space = Grid(r=R[:40]) if which == "first" else Grid(r=R[:20] + R[40:])
    if __name__ == "__main__":
        while not os.path.exists(go):
            time.sleep(0.005)
        res = run_sweep(DECK, space, store=store, extract=extract_counting, workers=2,
                        generate=generate, progress=False, name=which)
        ds = res.dataset
        json.dump({"v": ds["v(out)"].values.tolist(), "r": ds["r"].values.tolist(),
                   "keys": ds["key"].values.tolist(), "n_ok": res.n_ok, "n_ran": res.n_ran,
                   "n_reused": res.n_reused, "sweep_id": res.sweep_id}, open(out, "w"))
""")

_CONCMOD = textwrap.dedent("""
    import os
    from lithispice.batch import DeckTemplate
    DECK = DeckTemplate("rc\\nV1 in 0 pwl(0 0 1n 1)\\nR1 in out {r}\\nC1 out 0 1u\\n"
                        ".tran 200n 2m\\n.end\\n")

    def extract_counting(res, point):
        # one line per simulation actually run, in a file shared by every process
        fd = os.open(os.environ["LITHI_COUNTER"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, f"{point['r']!r}\\n".encode())
        finally:
            os.close(fd)
        return {"v(out)": float(res["v(out)"][-1])}
""")


def test_sweeps_running_at_once_into_one_store_run_each_point_once(tmp_path):
    """Two identical sweeps (decks made on the pool workers / on the client) and a third,
    different one sharing half its points, all at once into one store."""
    (tmp_path / "concmod.py").write_text(_CONCMOD)
    script = tmp_path / "conc.py"
    script.write_text(_CONCURRENT)
    store, go, counter = tmp_path / "store", tmp_path / "go", tmp_path / "counter.txt"
    env = dict(os.environ, LITHI_COUNTER=str(counter))
    runs = [("a", "first", "workers"), ("b", "first", "client"), ("c", "second", "auto")]
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), str(store), str(go),
                               str(tmp_path / f"{tag}.json"), which, gen], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for tag, which, gen in runs]
    time.sleep(1.5)                                   # all imported, then all start at once
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()[-3000:]
    a, b, c = (json.loads((tmp_path / f"{tag}.json").read_text()) for tag, _, _ in runs)
    # every distinct point simulated exactly once over the three sweeps
    ran = [float(x) for x in counter.read_text().split()]
    assert sorted(ran) == sorted(set(ran)) and len(ran) == 60
    journal = Store(store).journal()
    assert len([j for j in journal if j.get("ran")]) == 60
    assert a["n_ran"] + b["n_ran"] + c["n_ran"] == 60
    # complete and identical results
    assert a["n_ok"] == b["n_ok"] == 40 and c["n_ok"] == 40
    assert a["v"] == b["v"] and a["keys"] == b["keys"] and a["sweep_id"] == b["sweep_id"]
    assert a["v"][:20] == c["v"][:20] and a["keys"][:20] == c["keys"][:20]
    assert not list((store / "claims").glob("*.claim"))
    # one manifest per sweep, each opening its own points
    sweeps = {s["sweep_id"]: s for s in list_sweeps(store)}
    assert set(sweeps) == {a["sweep_id"], c["sweep_id"]}
    assert all(s["n_keys"] == 40 for s in sweeps.values())
    for res in (a, c):
        ds = open_sweep(store, sweep=res["sweep_id"])
        assert ds["r"].values.tolist() == res["r"] and _v(ds).tolist() == res["v"]
    assert open_sweep(store, sweep="second")["r"].values.tolist() == c["r"]


def test_two_sweeps_keep_their_manifests_and_old_stores_still_open(tmp_path):
    s1 = run_sweep(RC, Grid(r=[1000.0, 2000.0]), store=tmp_path, extract=EXTRACT, workers=0,
                   progress=False, name="one")
    s2 = run_sweep(RC, Grid(r=[3000.0, 4000.0, 5000.0]), store=tmp_path, extract=EXTRACT,
                   workers=0, progress=False, name="two")
    assert s1.sweep_id != s2.sweep_id
    m2 = Store(tmp_path).manifest_file(s2.sweep_id).read_bytes()
    again = run_sweep(RC, Grid(r=[1000.0, 2000.0]), store=tmp_path, extract=EXTRACT,
                      workers=0, progress=False, name="one")
    assert again.sweep_id == s1.sweep_id and again.n_ran == 0
    assert Store(tmp_path).manifest_file(s2.sweep_id).read_bytes() == m2   # intact
    np.testing.assert_array_equal(_v(open_sweep(tmp_path, sweep=s1.sweep_id)), _v(s1))
    np.testing.assert_array_equal(_v(open_sweep(tmp_path, sweep="two")), _v(s2))
    np.testing.assert_array_equal(_v(open_sweep(tmp_path)), _v(again))      # newest
    assert [s["name"] for s in list_sweeps(tmp_path)] == ["one", "two"]
    # a store of an earlier version: one manifest.json, files at ngspice keys without an
    # extraction part -- it opens, and resumes without running anything
    old = tmp_path / "old"
    first = run_sweep(RC, Grid(r=[1000.0, 2000.0]), store=old, workers=0, progress=False,
                      waveforms=["v(out)"])
    man = json.loads(Store(old).manifest_file(first.sweep_id).read_text())
    for k in ("format", "sweep_id", "finished", "extract_id"):
        man.pop(k)
    shutil.rmtree(old / "manifests")
    (old / "manifest.json").write_text(json.dumps(man))
    ds = open_sweep(old)
    assert list(ds["status"].values) == ["ok", "ok"] and ds.attrs["sweep_id"] == "manifest"
    resumed = run_sweep(RC, Grid(r=[1000.0, 2000.0]), store=old, workers=0, progress=False,
                        waveforms=["v(out)"])
    assert (resumed.n_ran, resumed.n_reused) == (0, 2)


# -------------------------------------------------------------------------- 9. space sizes
def test_huge_spaces_are_refused_before_anything_is_built():
    cases = [
        (lambda: Grid(r={"start": 0.0, "stop": 1.0, "num": 100_000_000}), "'r'"),
        (lambda: Grid(a=range(10_000), b=range(10_000)), "'Grid'"),
        (lambda: Grid(a=np.zeros(2_000_000)), "'a'"),
        (lambda: MonteCarlo(100_000_000), "'n'"),
        (lambda: Random(10**9, seed=1), "'n'"),
        (lambda: Points(a=range(10**8)), "'a'"),
    ]
    for make, name in cases:
        t0 = time.perf_counter()
        with pytest.raises(ParameterError) as err:
            make()
        assert time.perf_counter() - t0 < 0.5
        msg = str(err.value)
        assert name in msg and f"at most {MAX_POINTS} points" in msg and "max_points" in msg
    assert MAX_POINTS == 1_000_000
    # an explicit limit allows more (and less)
    assert len(Grid(a=range(2000), b=range(1000), max_points=2_000_000)) == 2_000_000
    with pytest.raises(ParameterError, match="at most 10 points"):
        MonteCarlo(11, max_points=10)
    g = Grid(r={"start": 1.0, "stop": 100.0, "num": 3, "log": True})
    assert g.axes["r"] == pytest.approx([1.0, 10.0, 100.0])
