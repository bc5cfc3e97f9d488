"""Synapse array endurance (netlists/synapse_endurance.py): programming epochs co-simulated
(ngspice windows + the battery kernel) against one long circuit of the same epochs."""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _module(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "netlists" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


se = _module("synapse_endurance")
sa = se.sa

PASSES, P = 8, 0.05          # 8 epochs, 50 ms apart (the window is 12.6 ms)


@pytest.fixture(scope="module")
def study():
    return se.Endurance()


def test_one_epoch_is_the_reference_array(study):
    """The epoch chip is synapse_array.build's chip (same deck) with the battery's state
    (without the rest after the read that the study's window adds)."""
    q = study.qli0
    ref = sa.build(4, 4, synapse=study.plan.synapse, levels=3, v_write=-0.3, t_on=1e-3,
                   qli0=q, seed=4).chip.deck()
    assert se.Endurance(t_relax=0.0).chip({"soc0": 1.0, "qli0": q}).deck() == ref
    assert study.window_length == pytest.approx(study.plan.t_stop + 0.01, rel=1e-12)


@pytest.fixture(scope="module")
def against_brute(study):
    ds = study.run(PASSES, P)
    res = study.chip({"soc0": 1.0, "qli0": study.qli0}, passes=PASSES, period=P,
                     t_end=PASSES * P).run(timeout=600)
    return ds, res


def test_matches_one_long_circuit(study, against_brute):
    ds, res = against_brute
    a = ds.attrs
    assert a["n_periods"] == PASSES and a["event"] == ""
    assert a["n_circuit_windows"] == 1 and "skip" in set(ds.kind.values)
    li_bf = res["v(xb.li)"]
    drawn_bf = li_bf[0] - li_bf[-1]
    drawn = ds.li.values[0] - ds.li.values[-1]
    # the gates' Li is most of it: the writes, not only the cell's self-discharge
    assert PASSES * a["q_epoch"] > 0.5 * drawn_bf
    # (abs=0: pytest.approx's default absolute 1e-12 would swallow these fC)
    assert drawn == pytest.approx(drawn_bf, rel=5e-3, abs=0)
    assert ds.li.values[-1] == pytest.approx(li_bf[-1], rel=5e-3, abs=0)
    assert ds.soc.values[-1] == pytest.approx(res["v(xb.soc)"][-1], rel=1e-6, abs=0)
    # every epoch of the long run wrote the same map (read at the end of its own epoch),
    # the map the co-simulation's circuit epoch wrote
    g = []
    for k in range(PASSES):
        sfx = "" if k == 0 else f"p{k}"
        t_end = k * P + study.plan.t_stop
        th = np.array([np.interp(t_end, res.time, res[f"v(xc{i}_{j}{sfx}.thc)"])
                       for i in range(4) for j in range(4)])
        g.append(study.plan.synapse.conductance(th))
    np.testing.assert_allclose(g[-1], g[0], rtol=1e-4)
    assert np.ptp(g[0]) > 0.1 * g[0].mean()           # the map is not flat


def test_li_is_conserved_across_the_split(against_brute):
    ds, _ = against_brute
    a = ds.attrs
    assert a["li_window"] > 0 and a["li_kernel"] > 0
    assert a["li_window"] + a["li_kernel"] == pytest.approx(a["li_total"], rel=1e-9, abs=0)
    assert a["li_total"] == pytest.approx(ds.li.values[0] - ds.li.values[-1], rel=1e-12,
                                          abs=0)


def test_runs_until_the_anode_is_spent(study):
    """A 0.2 nC anode: the event 'anode_spent' in the epoch whose writes take the anode below
    the exhaustion knee, found by the circuit; thousands of epochs in a few dozen circuit runs."""
    ds = study.run(100000, 1.0, qli0=2e-10)
    a = ds.attrs
    assert a["event"] == "anode_spent"
    per_epoch = a["q_epoch"] + 4.23 / study.plan.battery.r_leak * 1.0
    expected = (2e-10 - study.li_knee) / per_epoch
    assert abs(a["period_event"] - expected) <= 2
    assert a["n_circuit_runs"] < 30 < a["n_periods"]
    assert a["li_window"] + a["li_kernel"] == pytest.approx(a["li_total"], rel=1e-9, abs=0)
    # the window before the event's was above the knee, the event's below it
    assert ds.li.values[-1] <= study.li_knee < ds.li.values[-1] + 2 * per_epoch


def test_plot_and_cli(tmp_path):
    assert se.main(["--epochs", "3000", "--qli0", "2e-10", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "synapse_endurance.png").stat().st_size > 10000
    from lithispice.engines.ncio import open_netcdf
    ds = open_netcdf(tmp_path / "synapse_endurance.nc")
    assert ds.attrs["event"] == "anode_spent" and ds.li.attrs["units"] == "C"


def test_target_out_of_tolerance_is_an_event():
    """A tolerance tighter than the array's programming error (~0.1 % vs the kernel's
    prediction): the first circuit epoch is the event 'target_unreachable'."""
    ds = se.Endurance(g_tol=1e-5).run(50, 1.0)
    assert ds.attrs["event"] == "target_unreachable" and ds.attrs["period_event"] == 0
    assert ds.attrs["n_periods"] == 1
