"""Sweep outputs (issue 12 item 11): what each point drew is in the Dataset, array outputs
have named dimensions, vectors keep the API's names -- real ngspice runs throughout.

What is checked: a 2x2 crossbar Monte Carlo records each cell's drawn r_on (ohm, over
point/row/col), equal to an independent redraw from the point's seed *and* to what went
into ngspice (the deck rebuilt from the recorded draws has the stored run's sha256 and, run
again, gives the stored column currents bit for bit); the column currents are ``i_col``
over ``col``; the draws survive a resume (nothing reruns), open_sweep, worker-made decks and
stores written before draws were recorded (same keys, reused); a TOML config (through the
CLI and through run_config) gives the API run's Dataset; DataArray / declared / undeclared
extraction dimensions; waveform names as the API spells them; the package docstring's
example runs as written and its v(col0) follows the drawn r_on.
"""
import hashlib
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import xarray as xr

import lithispice.batch as batch
import lithispice.batch.generators as generators
from lithispice import Memristor
from lithispice.batch import (CrossbarProgramRead, DeckTemplate, Grid, MonteCarlo, Point, Spread,
                              Store, final, instance_variation, open_sweep, run_sweep)
from lithispice.batch.config import ConfigError, validate_config
from lithispice.batch.fromconfig import run_config
from lithispice.batch.keys import code_fingerprint
from lithispice.batch.sweep import _name_of
from lithispice.engines import run_deck
from lithispice.errors import ParameterError

V_READ = 0.2
GEN = CrossbarProgramRead(rows=2, cols=2, v_write=3.2, v_read=V_READ,
                          variation={"ron": Spread.lognormal(0.1), "vset": Spread.normal(0.05)})
N, SEED = 6, 4


def _plain(ds):
    """The Dataset without the attributes that name where it was stored."""
    out = ds.copy()
    out.attrs = {k: v for k, v in ds.attrs.items() if k not in ("store", "title")}
    return out


@pytest.fixture(scope="module")
def mc(tmp_path_factory):
    store = tmp_path_factory.mktemp("mc") / "store"
    res = run_sweep(GEN, MonteCarlo(N, seed=SEED), store=store, extract=GEN.extractor(),
                    workers=0, progress=False)
    assert (res.n_ok, res.n_failed) == (N, 0)
    return res


# --------------------------------------------------------------------------- the draws
def test_monte_carlo_records_each_points_draws(mc):
    ds = mc.dataset
    r_on, v_set = ds["r_on"], ds["v_set"]
    assert r_on.dims == ("point", "row", "col") and r_on.shape == (N, 2, 2)
    assert r_on.attrs["units"] == "ohm" and r_on.attrs["spice_parameter"] == "ron"
    assert r_on.attrs["spread"] == "lognormal(0.1)"
    assert v_set.attrs["units"] == "V" and v_set.attrs["spice_parameter"] == "vset"
    assert list(ds["row"].values) == [0, 1] and list(ds["col"].values) == [0, 1]
    # an independent redraw from each point's own stream gives the same numbers
    m = Memristor.preset("LiCoO2")
    for k in range(N):
        again = instance_variation(m, (2, 2), Point(k, {}, SEED).rng(), ron=GEN.variation["ron"],
                                   vset=GEN.variation["vset"])
        np.testing.assert_array_equal(r_on.values[k], again["ron"])
        np.testing.assert_array_equal(v_set.values[k], again["vset"])
    assert np.std(np.log(r_on.values)) > 0.05                  # real spread, not nominal


def test_recorded_draws_reproduce_each_points_result(mc, monkeypatch):
    """The recorded draws are exactly what ngspice got: the deck rebuilt from them is the
    stored run's deck (sha256), and running it again gives the stored i_col bit for bit."""
    ds = mc.dataset
    st = Store(mc.store)
    for k in (0, N - 1):
        recorded = {"ron": ds["r_on"].values[k], "vset": ds["v_set"].values[k]}
        monkeypatch.setattr(generators, "instance_variation",
                            lambda dev, shape, rng, **sp: {n: recorded[n].copy() for n in sp})
        deck = GEN(Point(k, {}, SEED)).deck()
        monkeypatch.undo()
        meta = st.get(str(ds["key"].values[k]), meta_only=True).meta
        assert hashlib.sha256(deck.encode()).hexdigest() == meta["deck_sha256"]
        res = run_deck(deck)
        i_col = [res[f"i(vsense{j})"][-1] for j in range(2)]
        np.testing.assert_array_equal(ds["i_col"].values[k], i_col)
    # and the physics: row 0 is set, so column j reads ~ v_read / r_on[0, j]
    np.testing.assert_allclose(ds["i_col"].values, V_READ / ds["r_on"].values[:, 0, :],
                               rtol=2e-2)


def test_column_currents_are_named_after_columns(mc):
    i_col = mc.dataset["i_col"]
    assert i_col.dims == ("point", "col") and "i_col_dim0" not in mc.dataset.dims
    assert i_col.attrs == {"units": "A", "vectors": "i(vsense0), i(vsense1)"}
    # the cells' draws share the same "col" axis: select a column across both
    sel = mc.dataset.sel(col=1)
    assert sel["i_col"].shape == (N,) and sel["r_on"].shape == (N, 2)


def test_draws_survive_resume_open_sweep_and_worker_made_decks(mc, tmp_path):
    again = run_sweep(GEN, MonteCarlo(N, seed=SEED), store=mc.store, extract=GEN.extractor(),
                      workers=0, progress=False)
    assert again.n_ran == 0 and again.n_reused == N
    xr.testing.assert_identical(_plain(again.dataset), _plain(mc.dataset))
    xr.testing.assert_identical(_plain(open_sweep(mc.store)), _plain(mc.dataset))
    # decks made on two pool workers: the draws travel back with each point
    pool = run_sweep(GEN, MonteCarlo(N, seed=SEED), store=tmp_path / "pool",
                     extract=GEN.extractor(), workers=2, progress=False)
    assert pool.n_ran == N
    xr.testing.assert_identical(_plain(pool.dataset), _plain(mc.dataset))


def test_a_store_without_recorded_draws_is_reused_and_gains_them(mc, tmp_path):
    """A store written before draws were recorded: no draws file, a manifest without the
    draws and dimension entries. Same keys, so every point is reused; the new manifest
    brings the draws and names."""
    import json
    import shutil
    old = tmp_path / "old"
    shutil.copytree(mc.store, old)
    for f in (old / "manifests").glob("*.draws.npz"):
        f.unlink()
    for f in (old / "manifests").glob("*.json"):
        man = json.loads(f.read_text())
        for k in ("draws", "extract_dims", "extract_attrs"):
            del man[k]
        f.write_text(json.dumps(man))
    bare = open_sweep(old)
    assert "r_on" not in bare and bare["i_col"].dims == ("point", "i_col_dim0")
    res = run_sweep(GEN, MonteCarlo(N, seed=SEED), store=old, extract=GEN.extractor(),
                    workers=0, progress=False)
    assert res.n_ran == 0
    xr.testing.assert_identical(_plain(open_sweep(old)), _plain(mc.dataset))


def test_a_grid_records_draws_over_its_own_dimensions(tmp_path):
    res = run_sweep(GEN, Grid(r_line=[0.0, 5.0], seed=SEED), store=tmp_path / "g",
                    extract=GEN.extractor(), workers=0, progress=False)
    ds = res.dataset
    assert ds["r_on"].dims == ("r_line", "row", "col")
    assert ds["i_col"].dims == ("r_line", "col")
    m = Memristor.preset("LiCoO2")
    for k, r_line in enumerate((0.0, 5.0)):
        again = instance_variation(m, (2, 2), Point(k, {"r_line": r_line}, SEED).rng(),
                                   ron=GEN.variation["ron"], vset=GEN.variation["vset"])
        np.testing.assert_array_equal(ds["r_on"].sel(r_line=r_line).values, again["ron"])
    # more wire, less current for the same cells (each point draws its own cells, so
    # compare against each point's own 1/r_on)
    ratio = ds["i_col"] * ds["r_on"].isel(row=0) / V_READ
    assert float(ratio.sel(r_line=5.0).max()) < float(ratio.sel(r_line=0.0).min())


def test_naming_dimensions_changes_no_key():
    vecs = ["i(vsense0)", "i(vsense1)"]
    named, bare = final(i_col=vecs, dims={"i_col": "col"}), final(i_col=vecs)
    assert named.dims == {"i_col": ("col",)} and bare.dims == {}
    assert code_fingerprint(named) == code_fingerprint(bare)
    assert _name_of(named) == _name_of(bare)
    assert code_fingerprint(GEN.extractor()) == code_fingerprint(final(i_col=vecs))
    with pytest.raises(ParameterError, match="groups"):
        final("v(a)", dims={"v(a)": "x"})


def test_instance_variation_takes_the_python_names_too():
    m = Memristor.preset("LiCoO2")
    a = instance_variation(m, (2, 3), Point(3, {}, 1).rng(), ron=Spread.lognormal(0.2),
                           vset=Spread.normal(0.1))
    b = instance_variation(m, (2, 3), Point(3, {}, 1).rng(), r_on=Spread.lognormal(0.2),
                           v_set=Spread.normal(0.1))
    assert set(b) == {"ron", "vset"}
    assert all(np.array_equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------------------ configs
_TOML = """\
name = "xb_mc"
out = "out"
workers = 0
[generator]
kind = "crossbar"
preset = "LiCoO2"
rows = 2
cols = 2
v_write = 3.2
v_read = 0.2
[generator.variation]
r_on = {lognormal = 0.1}
vset = {normal = 0.05}
[space]
kind = "montecarlo"
n = 6
seed = 4
"""


def test_toml_config_run_gives_the_api_runs_dataset(mc, tmp_path):
    from lithispice.cli import main
    cfg = tmp_path / "mc.toml"
    cfg.write_text(_TOML)
    assert main(["sweep", str(cfg), "--no-progress"]) == 0
    from_cli = open_sweep(tmp_path / "out" / "store")
    assert list(from_cli["key"].values) == list(mc.dataset["key"].values)   # same points
    want = _plain(mc.dataset)
    xr.testing.assert_identical(_plain(from_cli).drop_attrs(), want.drop_attrs())
    nc = xr.open_dataset(tmp_path / "out" / "results.nc", engine="scipy")
    try:
        assert nc["i_col"].dims == ("point", "col") and nc["r_on"].attrs["units"] == "ohm"
        np.testing.assert_array_equal(nc["r_on"].values, mc.dataset["r_on"].values)
    finally:
        nc.close()
    # the same config from Python, with a declared dimension name of its own
    cfg.write_text(_TOML + '[extract]\ndims = {i_col = ["column"]}\n')
    res = run_config(cfg, out=tmp_path / "py", progress=False)
    assert res.n_ok == N and list(res.dataset["key"].values) == list(mc.dataset["key"].values)
    assert res.dataset["i_col"].dims == ("point", "column")
    np.testing.assert_array_equal(res.dataset["i_col"].values, mc.dataset["i_col"].values)


def test_config_dims_are_checked():
    base = {"generator": {"kind": "crossbar"}, "space": {"kind": "montecarlo", "n": 2}}
    ok = validate_config({**base, "extract": {"dims": {"i_col": "col"}}})
    assert ok["extract"]["dims"] == {"i_col": ["col"]}
    for bad, key in (({"i_col": [1]}, "extract.dims.i_col[0]"),
                     ({"i_col": ["a b"]}, "extract.dims.i_col[0]"),
                     ({"i_col": ["c", "c"]}, "extract.dims.i_col"),
                     ("col", "extract.dims")):
        with pytest.raises(ConfigError) as e:
            validate_config({**base, "extract": {"dims": bad}})
        assert e.value.key == key
    with pytest.raises(ConfigError, match="did you mean 'r_on'"):
        validate_config({**base, "generator": {"kind": "crossbar",
                                               "variation": {"r_onn": {"lognormal": 0.1}}}})
    norm = validate_config({**base, "generator": {"kind": "crossbar",
                                                  "variation": {"r_on": {"lognormal": 0.1}}}})
    assert norm["generator"]["variation"] == {"ron": {"lognormal": 0.1}}


# ------------------------------------------------------------------ extraction dimensions
_DIVIDER = DeckTemplate("divider\nv1 a 0 {v}\nr1 a b 1k\nr2 b 0 3k\n.op\n.end\n")


def _labelled(res, point):
    return {"v_nodes": xr.DataArray([res["v(a)"][-1], res["v(b)"][-1]], dims=["node"],
                                    coords={"node": ["a", "b"]}, attrs={"units": "V"}),
            "pair": np.array([res["v(b)"][-1], -res["i(v1)"][-1]]),
            "loose": np.array([1.0, 2.0, 3.0])}


def test_extraction_dimensions_dataarray_declared_and_fallback(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_sweep(_DIVIDER, Grid(v=[1.0, 2.0]), store=tmp_path / "s", extract=_labelled,
                        dims={"pair": ["quantity"], "nosuch": "x"}, workers=0, progress=False,
                        waveforms=["V(B)", "v1#branch"])
    ds = res.dataset
    assert res.n_ok == 2
    assert ds["v_nodes"].dims == ("v", "node") and list(ds["node"].values) == ["a", "b"]
    assert ds["v_nodes"].attrs["units"] == "V"
    np.testing.assert_allclose(ds["v_nodes"].sel(node="b").values, 0.75 * ds["v"].values)
    assert ds["pair"].dims == ("v", "quantity") and list(ds["quantity"].values) == [0, 1]
    np.testing.assert_allclose(ds["pair"].values[:, 1], ds["v"].values / 4e3)  # A
    assert ds["loose"].dims == ("v", "loose_dim0")      # the documented fallback
    # waveforms under the API's names, whatever spelling was asked for
    assert "v(b)" in ds and "i(v1)" in ds and ds["i(v1)"].attrs["units"] == "A"
    assert ds["v(b)"].attrs["requested_as"] == "V(B)"
    assert any("'nosuch', which no point extracted" in str(w.message) for w in caught)
    # a declared name that does not fit the value's axes: warned, fallback used
    with pytest.warns(UserWarning, match="2 axes|1 axes"):
        again = run_sweep(_DIVIDER, Grid(v=[1.0, 2.0]), store=tmp_path / "s",
                          extract=_labelled, dims={"pair": ["a", "b"]}, workers=0,
                          progress=False)
    assert again.n_ran == 0 and again.dataset["pair"].dims == ("v", "pair_dim0")
    with pytest.warns(UserWarning, match="'pair'"):
        reopened = open_sweep(tmp_path / "s")
    xr.testing.assert_identical(_plain(reopened), _plain(again.dataset))


def test_recorded_scalar_draw_of_a_python_deck_function(tmp_path):
    """Numbers a deck function draws by itself are recorded with Point.record."""
    def deck(point):
        v = float(point.rng().normal(1.0, 0.1))
        point.record("v_supply", v, units="V")
        return f"divider\nv1 a 0 {v!r}\nr1 a b 1k\nr2 b 0 3k\n.op\n.end\n"

    res = run_sweep(deck, MonteCarlo(3, seed=2), store=tmp_path / "s", extract=final("v(b)"),
                    workers=0, progress=False)
    ds = res.dataset
    assert ds["v_supply"].dims == ("point",) and ds["v_supply"].attrs["units"] == "V"
    np.testing.assert_allclose(ds["v(b)"].values, 0.75 * ds["v_supply"].values, rtol=1e-9)
    assert ds["v(b)"].attrs["units"] == "V"


# ------------------------------------------------------------------------ the docstring
def test_package_docstring_example_runs_as_written(tmp_path):
    doc = batch.__doc__
    code = textwrap.dedent(doc[doc.index("    import numpy"):doc.index("A Dataset holds")])
    (tmp_path / "example.py").write_text(code)
    r = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    ds = open_sweep(tmp_path / "mc_store")
    v = ds["v(col0)"].values
    assert ds.attrs["n_ok"] == 8 and np.std(v) > 0.02 * np.mean(v)   # varies point to point
    # 100 ohm sense resistor, both rows read at 0.2 V through cells at r_on
    r_on = ds["r_on"].values[:, :, 0]
    np.testing.assert_allclose(v, 100.0 * (0.2 / r_on).sum(axis=1), rtol=0.05)


# ------------------------------------------------------------------------------- netCDF
def test_sweep_datasets_keep_their_names_in_netcdf(mc, tmp_path):
    """API vector names (v(b), i(v1)), drawn parameters and named dimensions are valid
    netCDF-3 names: written and read back unchanged (lithispice.engines.ncio)."""
    from lithispice.engines.ncio import open_netcdf, to_netcdf
    res = run_sweep(_DIVIDER, Grid(v=[1.0, 2.0]), store=tmp_path / "s",
                    extract=final("v(b)", "i(v1)"), waveforms=["v(a)"], workers=0,
                    progress=False)
    names = {}
    for ds, name in ((res.dataset, "divider.nc"), (mc.dataset, "mc.nc")):
        to_netcdf(ds, tmp_path / name)
        back = open_netcdf(tmp_path / name)
        names[name] = set(back.data_vars)
        assert set(back.data_vars) == set(ds.data_vars)
        assert {d: back.sizes[d] for d in back.dims} == dict(ds.sizes)
        for var in ds.data_vars:
            if ds[var].dtype.kind == "f":
                np.testing.assert_array_equal(back[var].values, ds[var].values)
            assert back[var].attrs.get("units") == ds[var].attrs.get("units"), var
    assert {"v(b)", "i(v1)", "v(a)"} <= names["divider.nc"]
    assert {"r_on", "v_set", "i_col"} <= names["mc.nc"]
