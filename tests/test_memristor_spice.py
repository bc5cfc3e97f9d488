"""The SPICE export of the memristor reproduces the C kernel (the reference), waveform
against waveform, and shows the memristor fingerprints inside real simulator runs: ngspice
(the B-source subckt) and VACASK (the same subckt printed as Verilog-A, compiled by OpenVAF),
with the same tolerances in both."""
import numpy as np
import pytest

import lithispice as ls

ENGINES = ("ngspice", "vacask")


def run_in_ngspice(m: ls.Memristor, t, v, temperature, w0=0.0, reltol=None, engine="ngspice"):
    """One memristor driven by a PWL source through ``engine`` (ngspice or VACASK); returns
    (t, v, i, w) there."""
    chip = ls.Chip("memristor vs kernel")
    chip.vsource("in", "a", "0", pwl=list(zip(t, v)))
    chip.add("m1", m, params={"w0": w0, "tk": temperature}, p="a", n="0")
    if reltol:
        chip.options(reltol=reltol)
    chip.tran((t[-1] - t[0]) / 2000, t[-1], tmax=(t[-1] - t[0]) / 1000)
    res = chip.run(timeout=120, engine=engine)
    # current into the device = current out of the source's p terminal
    return res.time, res["v(a)"], -res["i(vin)"], res["v(xm1.w)"]


def kernel_at(m, t_grid, v_grid, t_eval, temperature, w0=0.0):
    """Kernel on the same piecewise-linear stimulus, sampled at the simulator's time points."""
    tt = np.union1d(t_grid, t_eval)
    tr = m.simulate(tt, np.interp(tt, t_grid, v_grid), temperature=temperature, w0=w0)
    idx = np.searchsorted(tt, t_eval)
    return tr.i[idx], tr.state[idx]


# every preset of the family (a sine at 1.2 x V_th, two full switching cycles), in both engines
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ls.Memristor.presets())
@pytest.mark.parametrize("temperature", [260.0, 340.0])
def test_kernel_and_ngspice_export_agree(name, temperature, engine):
    m = ls.Memristor.preset(name)
    f = 1.0 / (20.0 * m.t_switch_set)
    t = np.linspace(0.0, 2.0 / f, 801)
    amp = 1.2 * max(m.v_set, m.v_reset)
    v = amp * np.sin(2 * np.pi * f * t)
    ts, vs, i_sp, w_sp = run_in_ngspice(m, t, v, temperature, engine=engine)
    i_k, w_k = kernel_at(m, t, v, ts, temperature)
    np.testing.assert_allclose(vs, np.interp(ts, t, v), atol=1e-9 * amp)
    assert np.ptp(w_k) > 0.3  # the comparison covers real switching, not a flat state
    rms = np.sqrt(np.mean((i_sp - i_k) ** 2)) / np.abs(i_k).max()
    assert rms < 0.02, f"{engine}: current RMS error {rms:.3%} of peak"
    assert np.max(np.abs(w_sp - w_k)) < 0.02, f"{engine}: max |dw| {np.max(np.abs(w_sp - w_k)):.4f}"


@pytest.mark.parametrize("engine", ENGINES)
def test_pinched_hysteresis_in_ngspice(engine):
    m = ls.Memristor.preset("LiCoO2")
    f = 1.0 / (20.0 * m.t_switch_set)
    t = np.linspace(0.0, 2.0 / f, 801)
    v = 4.0 * np.sin(2 * np.pi * f * t)
    ts, vs, i, w = run_in_ngspice(m, t, v, 298.15, engine=engine)
    # |i| <= G_on |v| everywhere, so the loop passes through the origin: I = 0 when V = 0.
    assert np.all(np.abs(i) <= (1.0 / m.r_on) * np.abs(vs) * (1 + 1e-6) + 1e-12)
    # and it is a loop: at the same voltage, different currents on the way up and down
    up = (np.gradient(vs, ts) > 0) & (vs > 1.0) & (vs < 2.0)
    down = (np.gradient(vs, ts) < 0) & (vs > 1.0) & (vs < 2.0)
    assert np.ptp(w) > 0.5
    assert np.mean(i[down] / vs[down]) > 10 * np.mean(i[up] / vs[up])


@pytest.mark.parametrize("engine", ENGINES)
def test_read_below_threshold_leaves_state_in_ngspice(engine):
    m = ls.Memristor.preset("LiCoO2")
    t = np.array([0.0, 1e-9, 10 * m.t_switch_set])
    v = np.array([0.0, 0.1 * m.v_set, 0.1 * m.v_set])
    ts, vs, i, w = run_in_ngspice(m, t, v, 298.15, w0=0.4, engine=engine)
    assert abs(w[-1] - 0.4) < 1e-3
    assert i[-1] == pytest.approx(m.conductance(0.4)[0] * 0.1 * m.v_set, rel=1e-2)


@pytest.mark.parametrize("engine", ENGINES)
def test_instance_parameter_overrides_match_kernel_with_same_parameters(engine):
    """A model-card user overriding physical parameters per instance gets the kernel's
    device with those parameters: the subckt's .param derivations equal memristor.py's."""
    base = ls.Memristor.preset("LiNbOx")
    changed = base.replace(r_on=2e4, r_off=5e6, v_set=2.0, t_switch_set=2e-6, nonlinearity_set=10.0,
                           ea_switch=0.6)
    f = 1.0 / (20.0 * changed.t_switch_set)
    t = np.linspace(0.0, 2.0 / f, 801)
    v = 1.2 * max(changed.v_set, changed.v_reset) * np.sin(2 * np.pi * f * t)
    chip = ls.Chip("override")
    chip.vsource("in", "a", "0", pwl=list(zip(t, v)))
    chip.add("m1", base, params={"ron": 2e4, "roff": 5e6, "vset": 2.0, "tsw_set": 2e-6,
                                 "nl_set": 10.0, "ea": 0.6, "tk": 320.0}, p="a", n="0")
    chip.tran(t[-1] / 2000, t[-1], tmax=t[-1] / 1000)
    res = chip.run(timeout=120, engine=engine)
    i_k, _ = kernel_at(changed, t, v, res.time, 320.0)
    i_sp = -res["i(vin)"]
    assert np.sqrt(np.mean((i_sp - i_k) ** 2)) / np.abs(i_k).max() < 0.02


@pytest.mark.parametrize("engine", ENGINES)
def test_retention_in_ngspice_matches_kernel(engine):
    """Retention is a resistor R = tau(T) plus a Norton current in the subckt: it must relax
    w towards w_eq with the kernel's Arrhenius time constant."""
    m = ls.Memristor.preset("LiCoO2", tau_retention=1e-3, ea_retention=0.8, w_eq=0.2)
    t = np.array([0.0, 3e-3])
    v = np.zeros(2)
    for temperature in (280.0, 330.0):
        ts, vs, i, w = run_in_ngspice(m, t, v, temperature, w0=0.9, engine=engine)
        w_k = m.simulate(np.union1d(t, ts), np.zeros(np.union1d(t, ts).size),
                         temperature=temperature, w0=0.9).state
        w_k = w_k[np.searchsorted(np.union1d(t, ts), ts)]
        assert np.max(np.abs(w - w_k)) < 2e-3
        assert abs(w[-1] - 0.9) > 0.05  # it did relax
