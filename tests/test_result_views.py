"""Views of a Result: ``to_xarray`` (names, units, values), netCDF round trips, ``plot``
(one axis per unit), and the progress display of single runs (both engines).

Real ngspice and VACASK runs of small circuits; no mocks.
"""
from __future__ import annotations

import io
import pickle
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")                      # before pyplot: tests never open a window

import numpy as np
import pytest
import xarray as xr

import lithispice as ls
from lithispice.engines import run_deck
from lithispice.engines.ncio import open_netcdf
from lithispice.engines.procs import live_groups
from lithispice.engines.progress import Extent, RunProgress, ngspice_extent
from lithispice.engines.quantities import device_map, quantity
from lithispice.errors import ParameterError, SimulationTimeout
from lithispice.netlist import Chip

ROOT = Path(__file__).resolve().parents[1]

#: the memristor state's description, as the card headers print it (memristor_spice.PROBES)
from lithispice.devices.memristor_spice import PROBES as _MEM_PROBES  # noqa: E402
W_DOC = next(p.doc for p in _MEM_PROBES if p.node == "w")


@pytest.fixture(scope="module")
def mem_result():
    """A LiCoO2 memristor behind 1 kohm, driven by a set pulse: v(in), v(a), i(vin),
    the state v(xm1.w)."""
    chip = Chip("memristor views")
    chip.vsource("in", "in", "0", pwl=[(0, 0), (1e-6, 0), (1.1e-6, 4.0), (20e-6, 4.0)])
    chip.resistor("s", "in", "a", 1e3)
    chip.add("m1", ls.Memristor.preset("LiCoO2"), p="a", n="0")
    chip.tran(1e-7, 20e-6)
    return chip.run(timeout=120)


# ------------------------------------------------------------------------------ to_xarray
def test_to_xarray_names_units_and_values_equal_indexing(mem_result):
    res = mem_result
    ds = res.to_xarray()
    assert list(ds.dims) == ["time"]
    assert set(ds.data_vars) == set(res.names) - {"time"}
    # the names the API uses, not netCDF-mangled ones
    assert {"v(in)", "v(a)", "i(vin)", "v(xm1.w)"} <= set(ds.data_vars)
    for name in ds.data_vars:
        np.testing.assert_array_equal(ds[name].values, res[name])     # exactly
    np.testing.assert_array_equal(ds["time"].values, res.time)
    assert ds["time"].attrs["units"] == "s"
    assert ds["v(in)"].attrs["units"] == "V" and ds["v(in)"].attrs["quantity"] == "voltage"
    assert ds["i(vin)"].attrs["units"] == "A" and ds["i(vin)"].attrs["quantity"] == "current"
    w = ds["v(xm1.w)"]
    assert w.attrs["units"] == "1" and w.attrs["quantity"] == "state"
    assert w.attrs["long_name"] == W_DOC               # the card header's probe text
    # internal nodes that are voltages stay volts (x1.d copies the device voltage)
    assert ds["v(xm1.d)"].attrs["units"] == "V"
    # the pulse set the cell: the state moved from 0 towards 1
    assert w.values[0] == 0.0 and w.values[-1] > 0.5
    assert ds.attrs["analysis"] == "tran" and ds.attrs["engine"] == "batch"


def test_units_of_device_states_from_the_deck():
    """Battery, synapse and gas-sensor states: units from the parameter tables (soc <- soc0,
    thc <- thc0, x <- x0) and the card docs (qa in C); a block whose name starts like a card
    (lss_access_...) is not a device; the gas sensor's control pins give K and 1."""
    arr = device_map((ROOT / "netlists" / "synapse_array.cir").read_text())
    assert arr.instances["xb"] == "lsb" and arr.instances["xc0_0"] == "lss"
    assert "xa0_0s" not in arr.instances
    for name, unit in (("v(xb.soc)", "1"), ("v(xb.qa)", "C"), ("v(xb.li)", "C"),
                       ("v(xb.t7)", "1"), ("v(xb.pos)", "V"), ("v(xc0_0.thc)", "1"),
                       ("v(xc0_0.thr)", "1"), ("v(xc0_0.ri)", "V"), ("v(xa0_0s.thc)", "V")):
        assert quantity(name, "voltage", arr).unit == unit, name
    node = device_map((ROOT / "netlists" / "sensor_node.cir").read_text())
    assert quantity("v(tk)", "voltage", node).unit == "K"
    assert quantity("v(lgp)", "voltage", node).unit == "1"
    assert quantity("v(xco2.x)", "voltage", node).unit == "V"
    assert quantity("v(se)", "voltage", node).unit == "V"
    # nested: a device inside a user subcircuit, pins bound through it
    deck = ("t\n.subckt cell a b\nXg a b lg tt lsg_CO2_x_12345678\n.ends cell\n"
            ".subckt lsg_CO2_x_12345678 se ref lgp tk params: x0=0.1\n.ends\n"
            "Xc p 0 cell\n.end\n")
    dm = device_map(deck)
    assert dm.instances == {"xc.xg": "lsg"}
    assert quantity("v(xc.tt)", "voltage", dm).unit == "K"
    assert quantity("v(xc.xg.x)", "voltage", dm).unit == "V"
    # without a deck only the name rules apply
    assert quantity("v(x1.w)", "voltage", None).unit == "V"
    assert quantity("v1#branch").unit == "A" and quantity("frequency").unit == "Hz"


def test_dc_and_ac_datasets_and_netcdf_round_trip(tmp_path):
    dc = run_deck("dc\nV1 a 0 1\nR1 a b 1k\nR2 b 0 3k\n.dc V1 0 2 0.5\n.end\n")
    ds = dc.to_xarray()
    assert list(ds.dims) == ["sweep"] and ds["sweep"].attrs["vector"] == "v(v-sweep)"
    assert ds["sweep"].attrs["units"] == "V"
    np.testing.assert_allclose(ds["v(b)"].values, 0.75 * ds["sweep"].values, rtol=1e-12)
    import matplotlib.pyplot as plt
    axes = dc.plot("v(b)")
    assert axes[0].get_xlabel() == "v(v-sweep) (V)"
    plt.close(axes[0].figure)
    op = run_deck("op\nV1 a 0 1\nR1 a b 1k\nR2 b 0 3k\n.op\n.end\n")
    assert list(op.to_xarray().dims) == ["index"] and op.to_xarray()["v(b)"].values[0] == 0.75
    axes = op.plot()
    assert axes[-1].get_xlabel() == "point"
    plt.close(axes[0].figure)
    ac = run_deck("ac\nV1 a 0 dc 0 ac 1\nR1 a b 1k\nC1 b 0 1u\n.ac dec 5 10 100k\n.end\n")
    ds = ac.to_xarray()
    assert list(ds.dims) == ["frequency"] and ds["frequency"].attrs["units"] == "Hz"
    assert np.iscomplexobj(ds["v(b)"].values)
    axes = ac.plot("v(b)")
    assert axes[0].get_xscale() == "log" and axes[0].get_lines()[0].get_label() == "|v(b)|"
    plt.close(axes[0].figure)
    f = ds["frequency"].values
    np.testing.assert_allclose(ds["v(b)"].values, 1 / (1 + 2j * np.pi * f * 1e-3), rtol=1e-9)
    path = tmp_path / "ac.nc"
    ac.to_netcdf(path)
    back = open_netcdf(path)
    xr.testing.assert_identical(back, ds)
    # in the file itself: valid netCDF names with parentheses, complex split in two parts
    with xr.open_dataset(path, engine="scipy") as raw:
        assert "v(b).re" in raw and "v(b).im" in raw and raw["v(b).re"].attrs["units"] == "V"


def test_netcdf_round_trip_keeps_api_names(mem_result, tmp_path):
    ds = mem_result.to_xarray()
    path = tmp_path / "mem.nc"
    mem_result.to_netcdf(path)
    with xr.open_dataset(path, engine="scipy") as raw:      # plain xarray sees the names
        assert "v(xm1.w)" in raw.data_vars and "i(vin)" in raw.data_vars
        assert raw["v(xm1.w)"].attrs["units"] == "1"
        np.testing.assert_array_equal(raw["v(xm1.w)"].values, mem_result["v(xm1.w)"])
    xr.testing.assert_identical(open_netcdf(path), ds)
    # names netCDF cannot hold ('/', a leading '('): written safe, read back as they were
    odd = xr.Dataset({"v(a/b)": ("time", [1.0, 2.0]), "(x)": ("time", [3.0, 4.0]),
                      "ok": ("time", np.array([True, False]))},
                     coords={"time": [0.0, 1.0]})
    from lithispice.engines.ncio import to_netcdf
    to_netcdf(odd, tmp_path / "odd.nc")
    xr.testing.assert_identical(open_netcdf(tmp_path / "odd.nc"), odd)


def test_result_pickles_with_its_views(mem_result):
    back = pickle.loads(pickle.dumps(mem_result))
    assert back.to_xarray()["v(xm1.w)"].attrs["units"] == "1"
    np.testing.assert_array_equal(back["v(xm1.w)"], mem_result["v(xm1.w)"])


# ------------------------------------------------------------------------------ plot
def test_plot_one_axis_per_unit_with_labels(mem_result):
    import matplotlib.pyplot as plt
    axes = mem_result.plot("v(in)", "v(a)", "i(vin)", "v(xm1.w)")
    try:
        assert len(axes) == 3                         # V, A and the state: separate scales
        ylabels = [a.get_ylabel() for a in axes]
        assert ylabels[0] == "voltage (V)" and ylabels[1] == "current (A)"
        assert ylabels[2] == f"{W_DOC} (1)"
        assert axes[-1].get_xlabel() == "time (s)"
        labels = [[ln.get_label() for ln in a.get_lines()] for a in axes]
        assert labels == [["v(in)", "v(a)"], ["i(vin)"], ["v(xm1.w)"]]
        np.testing.assert_array_equal(axes[2].get_lines()[0].get_ydata(), mem_result["v(xm1.w)"])
        assert all(a.figure is axes[0].figure for a in axes)
    finally:
        plt.close(axes[0].figure)


def test_plot_default_selection_and_given_axes(mem_result):
    import matplotlib.pyplot as plt
    assert mem_result.default_signals() == ["v(in)", "v(a)", "i(vin)"]   # no xm1.* nodes
    axes = mem_result.plot()
    assert [a.get_ylabel() for a in axes] == ["voltage (V)", "current (A)"]
    plt.close(axes[0].figure)
    fig, ax = plt.subplots()
    got = mem_result.plot("a", "i(vin)", ax=ax)        # two units on one Axes: twinx
    assert got[0] is ax and got[1] is not ax and got[1].get_ylabel() == "current (A)"
    assert ax.get_lines()[0].get_label() == "v(a)"     # a bare node name means v(node)
    with pytest.raises(ParameterError, match="ax"):
        mem_result.plot("v(a)", "i(vin)", "v(xm1.w)", ax=ax)
    with pytest.raises(ParameterError, match="v\\(nosuch\\)"):
        mem_result.plot("v(nosuch)")
    plt.close(fig)


# ------------------------------------------------------------------------------ progress
def ladder(tstop: str, n: int = 600) -> str:
    """An RC ladder of ``n`` stages under a pulse train, only its end saved: ~2 s of
    ngspice per 40 ms simulated, in a small raw file."""
    lines = ["rc ladder", "V1 n0 0 pulse(0 1 0 1u 1u 1m 2m)"]
    lines += [f"R{k} n{k} n{k + 1} 10\nC{k} n{k + 1} 0 1n" for k in range(n)]
    return "\n".join(lines + [f".save v(n{n})", f".tran 1u {tstop}", ".end", ""])


_SLOW = ladder("40m")


def test_run_deck_progress_lines_with_stop_time(capfd):
    res = run_deck(_SLOW, progress=True, timeout=120)
    err = capfd.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("ngspice tran:")]
    assert len(lines) >= 2, err                            # at least one tick and the end
    assert all("of 0.04 s" in ln or "to 0.04 s" in ln for ln in lines), lines
    assert "done in" in lines[-1] and "100%" in lines[-1]
    # a position strictly inside the run came from ngspice's own output
    inner = [float(ln.split(":")[1].split()[0]) for ln in lines[:-1] if " of " in ln]
    assert inner and all(0 < t < 0.04 for t in inner), lines
    assert "ETA" in err
    assert res.time[-1] == pytest.approx(0.04)
    run_deck(ladder("1m"), progress="auto")                 # stderr is not a terminal
    assert capfd.readouterr().err == ""
    with pytest.raises(ParameterError, match="progress"):
        run_deck(_SLOW, progress="yes")


def test_progress_keeps_the_timeout_and_kills_the_group(capfd):
    t0 = time.monotonic()
    with pytest.raises(SimulationTimeout):
        run_deck(ladder("5"), timeout=1.0, progress=True)
    assert time.monotonic() - t0 < 5
    assert live_groups() == {}
    assert "ngspice tran" in capfd.readouterr().err


def test_chip_run_progress_both_engines(capfd):
    chip = Chip("rc progress")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("r", "a", "b", 1e3)
    chip.capacitor("c", "b", "0", 1e-6)
    chip.tran(1e-6, 0.8, tmax=1e-6)
    chip.save("v(b)")                     # 800 000 points: keep the files small
    for engine, label in (("ngspice", "ngspice tran:"), ("vacask", "VACASK tran:")):
        res = chip.run(timeout=120, engine=engine, progress=True)
        err = capfd.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.startswith(label)]
        assert len(lines) >= 2 and all("0.8 s" in ln for ln in lines), (engine, err)
        inner = [float(ln.split(":")[1].split()[0]) for ln in lines[:-1] if " of " in ln]
        assert inner and all(0 < t < 0.8 for t in inner), (engine, lines)
        assert res.deck is not None and res.to_xarray()["v(b)"].attrs["units"] == "V"
        chip.run(timeout=120, engine=engine)               # default: no progress
        assert label not in capfd.readouterr().err


def test_progress_extent_and_terminal_rendering():
    assert ngspice_extent("t\n.tran 1u 20m\n.end\n") == Extent("tran", 0.0, 20e-3, "s")
    assert ngspice_extent("t\n.dc V1 0 5 0.1\n.end\n") == Extent("dc", 0.0, 5.0, "V")
    ac = ngspice_extent("t\n.ac dec 10 1 1meg\n.end\n")
    assert ac.log and ac.fraction(1e3) == pytest.approx(0.5)
    assert ngspice_extent("t\n.tran 1u {tstop}\n.end\n") is None
    assert ngspice_extent("t\n.tran 1u 1m\n.ac dec 5 1 1k\n.end\n").kind == "tran"

    class Tty(io.StringIO):
        def isatty(self):
            return True
    clock = iter([0.0, 1.0, 2.0, 3.0, 4.0]).__next__
    out = Tty()
    bar = RunProgress("ngspice tran", Extent("tran", 0.0, 2.0), stream=out, clock=clock)
    bar.update(0.5)                       # t = 1 s: 25 % -> ETA 3 s
    bar.close()
    text = out.getvalue()
    assert text.startswith("\rngspice tran: 0.5 s of 2 s   25%  elapsed 1.0 s, ETA 3.0 s")
    assert text.rstrip().endswith("100%  done in 2.0 s") and text.count("\n") == 1
