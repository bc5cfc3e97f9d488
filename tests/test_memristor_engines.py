"""The memristor card against the C kernel in both engines (ngspice: B-sources; VACASK: the
Verilog-A card compiled by OpenVAF), on randomised stimuli: preset, conductance law, window
exponent p (1..3), current nonlinearity (ohmic or finite v_nonlinear), sine phase and
amplitude, initial state and temperature. All from one definition; the kernel is the
reference.

Errors are RMS over a uniform time grid (the waveform's RMS, not an average over the
simulator's own points, which crowd where it struggles), relative to the current's peak.
"""
import numpy as np
import pytest

import lithispice as ls

ENGINES = ("ngspice", "vacask")
PRESETS = ls.Memristor.presets()


def _case(seed: int):
    rng = np.random.default_rng(seed)
    m = ls.Memristor.preset(PRESETS[rng.integers(len(PRESETS))])
    law = ("log", "series", "percolation")[rng.integers(3)]
    p = float(rng.choice([1.0, 1.0, 2.0, 3.0]))
    vnl = float("inf") if rng.random() < 0.5 else float(rng.uniform(0.5, 2.0) * m.v_set)
    m = m.replace(law=law, window_p=p, v_nonlinear=vnl)
    amp = float(rng.uniform(1.05, 1.4) * max(m.v_set, m.v_reset))
    phase = float(rng.uniform(0.0, 360.0))
    w0 = float(rng.uniform(0.0, 1.0))
    temperature = float(rng.uniform(260.0, 360.0))
    return m, amp, phase, w0, temperature


def _simulate(engine, m, amp, f, phase, w0, temperature):
    chip = ls.Chip("memristor vs kernel")
    chip.vsource("in", "a", "0",
                 sine={"offset": 0.0, "amplitude": amp, "freq": f, "phase": phase})
    chip.add("m1", m, params={"w0": w0, "tk": temperature}, p="a", n="0")
    chip.tran(1 / f / 400, 2 / f, tmax=1 / f / 1000)
    res = chip.run(timeout=120, engine=engine)
    return res.time, -res["i(vin)"], res["v(xm1.w)"]


def _kernel(m, amp, f, phase, w0, temperature, t):
    tr = m.simulate(t, amp * np.sin(2 * np.pi * f * t + np.deg2rad(phase)),
                    temperature=temperature, w0=w0)
    return tr.i, tr.state


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(6))
def test_randomised_stimuli_agree_with_the_kernel(engine, seed):
    m, amp, phase, w0, temperature = _case(seed)
    f = 1.0 / (20.0 * m.t_switch_set)
    ts, i_sp, w_sp = _simulate(engine, m, amp, f, phase, w0, temperature)
    tu = np.linspace(0.0, 2.0 / f, 8001)
    i_k, w_k = _kernel(m, amp, f, phase, w0, temperature, np.union1d(tu, ts))
    tt = np.union1d(tu, ts)
    i_k, w_k = np.interp(tu, tt, i_k), np.interp(tu, tt, w_k)
    i_u = np.interp(tu, ts, i_sp)
    rms = np.sqrt(np.mean((i_u - i_k) ** 2)) / np.abs(i_k).max()
    what = (f"{engine}: {m.name} law={m.law} p={m.window_p} v_nl={m.v_nonlinear:.3g} "
            f"amp={amp:.3g} phase={phase:.0f} w0={w0:.2f} T={temperature:.0f}")
    assert np.ptp(w_k) > 0.05, what + ": the stimulus must move the state"
    assert rms < 0.01, f"{what}: current RMS error {rms:.3%} of peak"
    assert np.max(np.abs(np.interp(tu, ts, w_sp) - w_k)) < 0.05, what


@pytest.mark.parametrize("engine", ENGINES)
def test_pinched_hysteresis_shrinks_with_frequency(engine):
    """The memristor fingerprints in both engines: I = 0 when V = 0, and a loop whose area
    (in G = I/V terms) shrinks as the frequency rises past the switching rate."""
    m = ls.Memristor.preset("LiCoO2")
    spans = []
    for f in (1.0 / (20 * m.t_switch_set), 1.0 / (0.01 * m.t_switch_set)):
        ts, i, w = _simulate(engine, m, 1.2 * m.v_set, f, 0.0, 0.0, 298.15)
        v = 1.2 * m.v_set * np.sin(2 * np.pi * f * ts)
        assert np.all(np.abs(i) <= np.abs(v) / m.r_on * (1 + 1e-6) + 1e-12)
        spans.append(np.ptp(w))
    assert spans[0] > 0.5 and spans[1] < 0.5 * spans[0]
