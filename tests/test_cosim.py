"""Co-simulation of circuit windows (ngspice / VACASK) and the battery's slow states (C kernel):
lithispice.cosim, against brute-force circuit runs of the same horizon."""
import os

import numpy as np
import pytest

import lithispice as ls
from lithispice.cosim import SlowBattery, cosimulate
from lithispice.devices.microbattery import Microbattery
from lithispice.errors import ParameterError

# A small node: 1 cm2 LiPON | LiCoO2 | Li cell, a 0 V ammeter, 4 MOhm quiescent load and a
# 0.5 mA, 5 s current pulse 1 s into every period (so each window starts at the quiescent
# current, as the one before ended: the double layer's operating point then agrees).
P, T_ON, T0, I_ON, R_Q = 600.0, 5.0, 1.0, 0.5e-3, 4e6
CELL = Microbattery.preset("LiPON-LiCoO2-Li")


def _pulses(n):
    pts = [(0.0, 0.0)]
    for k in range(n):
        a = k * P + T0
        pts += [(a, 0.0), (a + 1e-3, I_ON), (a + T_ON, I_ON), (a + T_ON + 1e-3, 0.0)]
    return pts + [(n * P, 0.0)]


def node(cell, params, n=1, t_window=None, gear=False):
    """The chip of ``n`` periods (n = 1: one window; t_window: a shorter window, s)."""
    c = ls.Chip("cosim test node")
    c.add("bat", cell, params=params, nets={"pos": "bat", "neg": "0"})
    c.vsource("meter", "bat", "vl", dc=0.0)
    c.resistor("q", "vl", "0", R_Q)
    c.isource("load", "vl", "0", pwl=_pulses(n))
    if gear:                 # the long brute-force run past the cell's end needs L-stability
        c.options(method="gear")
    c.tran(0.1, t_window or n * P, tmax=5.0)
    return c


def brute(cell, n, soc0):
    return node(cell, {"soc0": soc0, "tk": 298.15}, n, gear=True).run(timeout=300)


def test_lock_step_equals_one_long_circuit_run():
    cell = CELL.lumped()          # no concentration profile: the hand-off is exact
    bat = SlowBattery("bat", cell, current="i(vmeter)")
    ds = cosimulate(lambda p: node(cell, p), bat, period=P, horizon=5 * P, soc0=0.9,
                    max_stride=1)
    res = node(cell, {"soc0": 0.9, "tk": 298.15}, 5).run()
    assert ds.attrs["n_circuit_windows"] == 5 and ds.attrs["event"] == ""
    assert list(ds.kind.values) == ["start"] + ["window"] * 5
    q_bf = np.trapezoid(res["i(vmeter)"], res.time)
    assert ds.attrs["q_kernel"] == 0.0
    assert ds.attrs["q_window"] == pytest.approx(q_bf, rel=1e-6, abs=0)
    assert ds.soc.values[-1] == pytest.approx(res["v(xbat.soc)"][-1], rel=1e-6, abs=0)
    assert ds.v_end.values[-1] == pytest.approx(res["v(bat)"][-1], rel=1e-6, abs=0)
    assert ds.li.values[-1] == pytest.approx(res["v(xbat.li)"][-1], rel=1e-6, abs=0)


@pytest.fixture(scope="module")
def brute_61():
    return brute(CELL, 61, 0.9)


@pytest.fixture(scope="module", params=["waveform", "mean"])
def skipped(request, brute_61):
    bat = SlowBattery("bat", CELL, current="i(vmeter)")
    ds = cosimulate(lambda p: node(CELL, p), bat, period=P, horizon=100 * P, soc0=0.9,
                    tol_v=0.02, replay=request.param)
    assert ds.attrs["replay"] == request.param
    return ds, brute_61


def test_skipping_matches_brute_force_and_locates_v_min(skipped):
    ds, res = skipped
    t = res.time
    v = res["v(bat)"]
    t_bf = t[np.argmax(v < CELL.v_min)]
    assert ds.attrs["event"] == "v_min"
    assert abs(ds.attrs["t_event"] - t_bf) <= P                 # within one window
    n = ds.attrs["n_periods"]
    assert ds.attrs["n_circuit_windows"] < n / 2                # the kernel did most periods
    assert "skip" in set(ds.kind.values)
    for k in np.nonzero(ds.time.values < t_bf)[0][1:]:          # every row before the event
        tk = ds.time.values[k]
        assert ds.soc.values[k] == pytest.approx(np.interp(tk, t, res["v(xbat.soc)"]), rel=5e-3)
        assert ds.li.values[k] == pytest.approx(np.interp(tk, t, res["v(xbat.li)"]), rel=5e-3)


def test_charge_is_conserved_across_the_split(skipped):
    ds, _ = skipped
    a = ds.attrs
    assert a["li_window"] > 0 and a["li_kernel"] > 0
    assert a["li_window"] + a["li_kernel"] == pytest.approx(a["li_total"], rel=1e-9, abs=0)
    assert a["li_total"] == pytest.approx(ds.li.values[0] - ds.li.values[-1], rel=1e-12, abs=0)
    # terminal charge per segment adds up to the rows' charges
    assert a["q_window"] + a["q_kernel"] == pytest.approx(float(ds.charge.sum()), rel=1e-12, abs=0)


def test_short_window_idle_remainder_in_the_kernel():
    """A 20 s window per 600 s period, power-gated between windows (0.1 uA): the idle
    remainder is the kernel's; the ledger still closes, and the Li the cell holds (anode +
    cathode + dead + double layer) changes only by what the circuit's operating points put
    into the double layer."""
    bat = SlowBattery("bat", CELL, current="i(vmeter)")
    ds = cosimulate(lambda p: node(CELL, p, t_window=20.0), bat, period=P, horizon=50 * P,
                    soc0=0.9, idle_current=1e-7, tol_v=0.01)
    a = ds.attrs
    assert "idle" in set(ds.kind.values) and a["n_periods"] == 50
    assert a["li_window"] + a["li_kernel"] == pytest.approx(a["li_total"], rel=1e-9, abs=0)
    # ... up to what the circuit's operating points put into the double layer (the window
    # starts at 1 uA, the kernel's idle ends at 0.1 uA)
    assert a["li_op"] != 0.0
    # (and the circuit's own integration error of its ladder vs its counter, ~6e-9 of the Li moved)
    drift = a["li_bound_end"] - a["li_bound_start"]
    assert abs(drift - a["li_op"]) < 2e-8 * a["li_total"] < abs(a["li_op"])
    # per period: the pulse (2.5 mC) + ~20 s at ~1 uA + 580 s at 0.1 uA (+ the leak)
    per = (a["q_window"] + a["q_kernel"]) / 50
    assert per == pytest.approx(I_ON * T_ON + 20 * 4.1 / R_Q + 580 * 1e-7, rel=0.02)


def test_predicate_event_is_bisected_to_its_window():
    """The user's event 'soc below 0.7 at the window's start' is found in the first window
    that starts below 0.7 (bisection reruns inside a skipped stretch)."""
    bat = SlowBattery("bat", CELL, current="i(vmeter)")
    ds = cosimulate(lambda p: node(CELL, p), bat, period=P, horizon=60 * P, soc0=0.9,
                    tol_v=0.05, predicate=lambda w: "low" if w.params["soc0"] < 0.7 else None)
    assert ds.attrs["event"] == "low"
    n_ev = ds.attrs["period_event"]
    assert "bisect" in set(ds.run_purpose.values)
    # the state at the start of the event's window is below 0.7, one period earlier above
    start = ds.soc.sel(time=n_ev * P).values.min()
    assert start < 0.7
    per = ds.charge.sel(time=ds.time[ds.kind == "window"]).values[-1] / CELL.capacity_C
    assert start + per > 0.7


def test_vacask_agrees_with_ngspice():
    cell = CELL.lumped()
    bat = SlowBattery("bat", cell)                  # current from the qa counter and the leak
    kw = dict(period=P, horizon=8 * P, soc0=0.9, tol_v=0.01)
    a = cosimulate(lambda p: node(cell, p), bat, engine="vacask", **kw)
    b = cosimulate(lambda p: node(cell, p), bat, engine="ngspice", **kw)
    assert a.attrs["engine"] == "vacask" and a.attrs["n_periods"] == 8
    assert a.soc.values[-1] == pytest.approx(b.soc.values[-1], rel=1e-5)
    assert a.attrs["q_window"] + a.attrs["q_kernel"] == pytest.approx(
        b.attrs["q_window"] + b.attrs["q_kernel"], rel=1e-4)
    assert a.attrs["li_window"] + a.attrs["li_kernel"] == pytest.approx(a.attrs["li_total"],
                                                                        rel=1e-9, abs=0)


def test_bad_input_names_the_parameter():
    bat = SlowBattery("bat", CELL, current="i(vmeter)")
    w = lambda p: node(CELL, p)          # noqa: E731
    with pytest.raises(ParameterError, match="period"):
        cosimulate(w, bat, period=P / 2, horizon=P)         # window longer than the period
    with pytest.raises(ParameterError, match="engine"):
        cosimulate(w, bat, period=P, horizon=P, engine="spectre")
    with pytest.raises(ParameterError, match="replay"):
        cosimulate(w, bat, period=P, horizon=P, replay="average")
    with pytest.raises(ParameterError, match="failure"):
        cosimulate(w, bat, period=P, horizon=P, failure="ignore")
    with pytest.raises(ParameterError, match="load"):
        cosimulate(w, bat, period=P, horizon=P, load="constant")
    with pytest.raises(ParameterError, match="max_stride"):
        cosimulate(w, bat, period=P, horizon=P, max_stride=0)
    with pytest.raises(ParameterError, match="device"):
        SlowBattery("bat", object())


def _study():
    import importlib.util
    import os
    import sys
    path = os.path.join(os.path.dirname(__file__), "..", "netlists", "sensor_lifetime.py")
    spec = importlib.util.spec_from_file_location("lithispice_netlist_sensor_lifetime", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("engine", ["ngspice", "vacask"])
def test_sensor_lifetime_study_windows(engine):
    """The reference study's windows in both engines: the node's 25 cm2 cell measures within
    +-1 LSB for 2 h; the 1 cm2 cell's supply sags so far under the heater that the very first
    code is off (event "adc" in window 0)."""
    sl = _study()
    cells = sl.cells()
    ds = sl.lifetime(cells["node"], engine=engine, days=2 / 24)
    assert ds.attrs["event"] == "" and ds.attrs["n_periods"] == 12
    assert np.all(np.diff(ds.soc.values) <= 0) and ds.soc.values[-1] < 0.95
    one = sl.lifetime(cells["1cm2"], engine=engine, days=1.0)
    assert one.attrs["event"] == "adc" and one.attrs["period_event"] == 0


def test_lifetime_config_file(tmp_path):
    """The config a `lithispice lifetime` command takes: window factory and predicate named
    as user code, cell from a preset, Dataset written next to the config."""
    from lithispice.batch.config import ConfigError
    from lithispice.cosim import run_lifetime_config
    study = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netlists",
                         "sensor_lifetime.py")
    text = f'''
[window]
function = "{study}:window_builder"
args = {{ period = 600.0, t_on = 5.0 }}
[battery]
params = {{ area = 25e-4 }}
current = "i(vmeter)"
[cosim]
period = 600.0
horizon = 3600.0
replay = "mean"
predicate = {{ function = "{study}:adc_in_tolerance" }}
[output]
netcdf = "out.nc"
'''
    cfg = tmp_path / "life.toml"
    cfg.write_text(text)
    ds = run_lifetime_config(cfg)
    assert (tmp_path / "out.nc").is_file()
    assert ds.attrs["n_periods"] == 6 and ds.attrs["event"] == ""
    assert ds.soc.values[-1] < 0.99
    cfg.write_text(text.replace("replay =", "replays ="))
    with pytest.raises(ConfigError, match="cosim.replays"):
        run_lifetime_config(cfg)
