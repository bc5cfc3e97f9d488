"""Specification of the two-terminal Li memristor kernel (DESIGN 4.1).

Everything here runs the compiled C kernel; the ngspice export is checked against it in
test_memristor_spice.py.
"""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import lithispice as ls
from lithispice.constants import k_B_eV
from lithispice.materials.switching import table3_rows

PRESETS = ls.Memristor.presets()


def sine(m: ls.Memristor, amplitude_factor=1.6, periods=2, f=None, n=4000):
    """A sine stimulus above both thresholds at 1/(20 t_switch) unless f is given."""
    f = f if f is not None else 1.0 / (20.0 * max(m.t_switch_set, m.t_switch_reset))
    t = np.linspace(0.0, periods / f, n * periods + 1)
    amp = amplitude_factor * max(m.v_set, m.v_reset)
    return t, amp * np.sin(2 * np.pi * f * t)


def loop_area(v, i):
    """|closed-loop integral of i dv| over the stimulus (A V)."""
    return abs(np.sum(0.5 * (i[1:] + i[:-1]) * np.diff(v)))


# --- fingerprints of a memristor --------------------------------------------------------

@pytest.mark.parametrize("name", PRESETS)
def test_pinched_hysteresis(name):
    m = ls.Memristor.preset(name)
    t, v = sine(m)
    tr = m.simulate(t, v)
    zero = np.isclose(v, 0.0, atol=1e-12 * abs(v).max())
    assert zero.sum() >= 4
    assert np.all(np.abs(tr.i[zero]) <= 1e-12 * np.abs(tr.i).max())  # pinched at the origin
    # ...yet a real loop: the state moved, and the same voltage gives different currents
    assert tr.state.max() - tr.state.min() > 0.5
    assert loop_area(v, tr.i) > 0.05 * np.abs(v).max() * np.abs(tr.i).max()


def test_loop_area_shrinks_with_frequency_to_a_single_valued_curve():
    """Once the drive is too fast for a full switch, each decade of frequency shrinks the
    loop (about tenfold) and I(V) tends to the single-valued line I = G(w0) V."""
    m = ls.Memristor.preset("LiCoO2")
    f0 = 1.0 / (20.0 * m.t_switch_set)
    g0 = m.conductance(0.5)[0]
    areas, deviation = [], []
    for f in f0 * np.array([1e3, 1e4, 1e5, 1e6, 1e7]):
        t, v = sine(m, amplitude_factor=1.3, f=f)
        tr = m.simulate(t, v, w0=0.5)
        areas.append(loop_area(v, tr.i))
        deviation.append(np.abs(tr.i - g0 * v).max() / np.abs(g0 * v).max())
    assert all(a > 3 * b for a, b in zip(areas, areas[1:])), areas
    assert areas[-1] < 1e-3 * areas[0]
    assert deviation[-1] < 0.01


@pytest.mark.parametrize("name", PRESETS)
def test_reads_below_threshold_leave_state_unchanged(name):
    m = ls.Memristor.preset(name)
    t = np.linspace(0.0, 10 * m.t_switch_set, 201)
    for w0 in (0.2, 0.5, 0.8):
        for v_read in (0.1 * m.v_set, -0.1 * m.v_reset):
            tr = m.simulate(t, np.full_like(t, v_read), w0=w0)
            assert abs(tr.state[-1] - w0) < 1e-3, (w0, v_read, tr.state[-1])


@pytest.mark.parametrize("name", PRESETS)
def test_saturated_device_moves_on_reverse_pulse(name):
    """No sticking: from w = 1 a reset pulse at threshold for t_switch brings w to 0.1,
    and from w = 0 a set pulse brings it to 0.9 (the threshold definition)."""
    m = ls.Memristor.preset(name)
    t = np.linspace(0.0, m.t_switch_reset, 11)
    down = m.simulate(t, np.full_like(t, -m.v_reset), w0=1.0)
    assert down.state[-1] == pytest.approx(0.1, abs=1e-6)
    t = np.linspace(0.0, m.t_switch_set, 11)
    up = m.simulate(t, np.full_like(t, m.v_set), w0=0.0)
    assert up.state[-1] == pytest.approx(0.9, abs=1e-6)
    over = m.simulate(t, np.full_like(t, 3 * m.v_set), w0=1.0)  # stays bounded
    assert np.all((over.state >= 0) & (over.state <= 1))


# --- presets against the review's Table 3 ------------------------------------------------

def test_one_preset_per_table3_material():
    materials = {r.material for r in table3_rows()}
    assert materials <= set(PRESETS)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_reproduces_its_table3_row(name):
    m = ls.Memristor.preset(name)
    row = next(r for r in table3_rows() if r.ref == m.table3_ref)
    assert row.material == name
    assert m.source and "Table 3" in m.source
    if row.ron_off is not None:
        lo, hi = row.ron_off
        assert lo * (1 - 1e-9) <= m.on_off_ratio <= hi * (1 + 1e-9)
    else:
        assert "ASSUMED" in m.notes  # a ratio the table does not give must be flagged
    # The device switches at its threshold in the reference time, and clearly not below it.
    t = np.linspace(0.0, m.t_switch_set, 51)
    at = m.simulate(t, np.full_like(t, m.v_set)).state[-1]
    below = m.simulate(t, np.full_like(t, 0.7 * m.v_set)).state[-1]
    assert at == pytest.approx(0.9, abs=1e-6)
    assert below < 0.1


@pytest.mark.parametrize("name", PRESETS)
def test_preset_thresholds_match_table3(name):
    m = ls.Memristor.preset(name)
    row = next(r for r in table3_rows() if r.ref == m.table3_ref)
    for mine, reported in ((m.v_set, row.v_set_V), (-m.v_reset, row.v_reset_V)):
        if reported is None:
            continue
        lo, hi = (reported, reported) if np.isscalar(reported) else reported
        lo, hi = min(lo, hi), max(lo, hi)
        # a range is represented inside it; a single value exactly
        assert lo - 1e-9 <= mine <= hi + 1e-9 or lo - 1e-9 <= -mine <= hi + 1e-9, (mine, reported)


# --- temperature, retention, conductance laws ---------------------------------------------

def test_arrhenius_slope_of_switching_rate():
    """ln(1/t_half) vs 1/T has slope -Ea/k_B: measured from simulated switching times."""
    m = ls.Memristor.preset("LiCoO2")
    temps = np.array([250.0, 275.0, 300.0, 325.0, 350.0])
    rates = []
    for T in temps:
        t = np.linspace(0.0, 200 * m.t_switch_set, 20001)
        w = m.simulate(t, np.full_like(t, m.v_set), temperature=T).state
        t_half = np.interp(0.5, w, t)
        rates.append(1.0 / t_half)
    slope = np.polyfit(1.0 / temps, np.log(rates), 1)[0]
    assert slope == pytest.approx(-m.ea_switch / k_B_eV, rel=0.02)


def test_retention_relaxes_with_arrhenius_time_constant():
    m = ls.Memristor.preset("LiCoO2", tau_retention=100.0, ea_retention=0.8)
    t = np.linspace(0.0, 100.0, 101)
    w = m.simulate(t, np.zeros_like(t), w0=1.0).state
    assert w[-1] == pytest.approx(math.exp(-1.0), rel=1e-6)
    hot = m.simulate(t, np.zeros_like(t), w0=1.0, temperature=350.0).state
    tau_hot = 100.0 * math.exp(0.8 / k_B_eV * (1 / 350.0 - 1 / 298.15))
    assert hot[-1] == pytest.approx(math.exp(-100.0 / tau_hot), rel=1e-6)


def test_conductance_laws():
    log = ls.Memristor(law="log", r_on=1e3, r_off=1e5)
    assert log.conductance(0.5)[0] == pytest.approx(math.sqrt(1e-3 * 1e-5), rel=1e-12)
    ser = ls.Memristor(law="series", r_on=1e3, r_off=1e5)
    assert 1 / ser.conductance(0.25)[0] == pytest.approx(0.25 * 1e3 + 0.75 * 1e5, rel=1e-12)
    perc = ls.Memristor(law="percolation", r_on=1e3, r_off=1e5, w_c=0.3)
    g = perc.conductance(np.array([0.0, 0.29, 0.3, 1.0]))
    assert g[:3] == pytest.approx(1e-5, rel=1e-12) and g[3] == pytest.approx(1e-3, rel=1e-12)
    nl = ls.Memristor(v_nonlinear=0.5)  # I = G V_nl sinh(V/V_nl)
    tr = nl.simulate(np.array([0.0, 1e-12]), np.array([0.1, 0.1]), w0=0.0)
    assert tr.i[0] == pytest.approx(1e-6 * 0.5 * math.sinh(0.2), rel=1e-12)


def test_kernel_matches_tight_reference_ode_solution():
    """The kernel's exact piecewise-linear integration against scipy's Radau at rtol 1e-10."""
    m = ls.Memristor.preset("LiNbOx", window_p=2.0, tau_retention=1e-4)
    t, v = sine(m, amplitude_factor=1.1, n=2000)
    tr = m.simulate(t, v, w0=0.3)
    from lithispice._kernels import memristor_rate

    def rhs(tt, w):
        return memristor_rate(m._packed, 298.15, np.array([np.interp(tt, t, v)]), w)

    ref = solve_ivp(rhs, (t[0], t[-1]), [0.3], method="Radau", t_eval=t, rtol=1e-10,
                    atol=1e-12, max_step=(t[1] - t[0]))
    assert np.max(np.abs(ref.y[0] - tr.state)) < 1e-5


# --- variability ----------------------------------------------------------------------------

def test_device_to_device_variability_is_seeded_and_lognormal():
    m = ls.Memristor.preset("LiCoO2")
    a, b = m.sample(20000, seed=7), m.sample(20000, seed=7)
    assert [d.r_on for d in a[:50]] == [d.r_on for d in b[:50]]
    assert [d.r_on for d in m.sample(50, seed=8)] != [d.r_on for d in a[:50]]
    ln_ron = np.log([d.r_on / m.r_on for d in a])
    assert np.std(ln_ron) == pytest.approx(0.1, rel=0.05)
    assert abs(np.mean(ln_ron)) < 0.005
    assert all(d.r_off > d.r_on for d in a)
    vth = np.array([d.v_set for d in a])
    assert np.std(vth) / m.v_set == pytest.approx(0.05, rel=0.05)


def test_array_simulation_equals_single_device_runs():
    devs = ls.Memristor.preset("LiCoO2").sample(5, seed=1)
    t, v = sine(devs[0], n=500)
    arr = ls.simulate_array(devs, t, v, temperature=[290, 300, 310, 320, 330])
    for k, d in enumerate(devs):
        one = d.simulate(t, v, temperature=290 + 10 * k)
        np.testing.assert_array_equal(arr.i[k], one.i)


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, param", [
    (dict(v_set=-1.0), "v_set"), (dict(r_on=0.0), "r_on"), (dict(r_off=10.0, r_on=100.0), "r_off"),
    (dict(window_p=0.5), "window_p"), (dict(law="cubic"), "law"), (dict(t_switch_set=float("nan")), "t_switch_set"),
])
def test_bad_parameters_raise_naming_the_parameter(kw, param):
    with pytest.raises(ls.ParameterError) as e:
        ls.Memristor(**kw)
    assert e.value.name == param and param in str(e.value)


def test_bad_stimulus_raises():
    m = ls.Memristor.preset("LiCoO2")
    t = np.linspace(0, 1e-6, 11)
    with pytest.raises(ls.ParameterError, match="temperature"):
        m.simulate(t, np.zeros(11), temperature=-5)
    with pytest.raises(ls.ParameterError, match="'v'"):
        m.simulate(t, np.full(11, np.nan))
    with pytest.raises(ls.ParameterError, match="'t'"):
        m.simulate(t[::-1], np.zeros(11))
    with pytest.raises(ls.ParameterError, match="w0"):
        m.simulate(t, np.zeros(11), w0=1.5)
    with pytest.raises(ls.ParameterError, match="name"):
        ls.Memristor.preset("Unobtainium")


# --- block (SIMD) path -----------------------------------------------------------------------
# With a shared stimulus, devices with window p = 1, law "log" and ohmic current run in the
# vectorised block kernel (csrc/memristor.c lsm_simulate_block); lsm_simulate stays the
# reference. They differ only in exp() (ls_exp_fast vs libm), so they agree to ~1e-15.

from lithispice._kernels import memristor_exp_fast, memristor_path, memristor_simulate


def _mixed_devices(n=37):
    """Variability, retention on/off/fast, w_eq != 0: every select of the block kernel."""
    base = ls.Memristor.preset("LiCoO2")
    devs = base.sample(n, seed=11)
    for k in range(0, n, 5):
        devs[k] = devs[k].replace(tau_retention=0.0)                 # no retention
    for k in range(1, n, 7):
        devs[k] = devs[k].replace(tau_retention=3e-6, w_eq=0.4)      # retention as fast as switching
    for k in range(2, n, 6):
        devs[k] = devs[k].replace(w_eq=0.7, nonlinearity_set=20.0)
    return devs


def _stimuli(m):
    """Sine with zero crossings, finely and coarsely sampled (|dv/V0| from < 0.1 to > 1),
    and a pulse train with exact zeros, flat segments and sign flips between samples."""
    f = 1.0 / (20.0 * m.t_switch_set)
    t = np.linspace(0.0, 2.0 / f, 1201)
    yield "fine sine", t, 1.4 * m.v_reset * np.sin(2 * np.pi * f * t)
    t = np.linspace(0.0, 2.0 / f, 41)
    yield "coarse sine", t, 1.4 * m.v_reset * np.sin(2 * np.pi * f * t + 0.3)
    t = np.cumsum(np.r_[0.0, np.random.default_rng(5).uniform(0.2, 1.0, 300)]) * m.t_switch_set / 8
    pulses = np.tile([0.0, 1.2 * m.v_set, 1.2 * m.v_set, 0.0, -0.3, -1.1 * m.v_reset, 0.05, 0.0], 38)
    yield "pulses", t, pulses[: t.size]


def _run(devs, t, v, temperature, w0, path):
    params = np.stack([d._packed for d in devs])
    temp = np.broadcast_to(np.asarray(temperature, float), (len(devs),)).copy()
    w0a = np.broadcast_to(np.asarray(w0, float), (len(devs),)).copy()
    v2 = np.atleast_2d(np.ascontiguousarray(v, dtype=float))
    return memristor_simulate(params, temp, t, v2, w0a, path=path)


def test_block_path_matches_scalar_path():
    devs = _mixed_devices(37)          # 37: not a multiple of any vector width
    temps = np.linspace(240.0, 360.0, len(devs))
    w0 = np.linspace(0.0, 1.0, len(devs))
    assert memristor_path(np.stack([d._packed for d in devs]), temps, True, "block") == "block"
    for name, t, v in _stimuli(devs[0]):
        wb, ib = _run(devs, t, v, temps, w0, "block")
        ws, is_ = _run(devs, t, v, temps, w0, "scalar")
        assert np.ptp(ws) > 0.5, name                          # the devices really switch
        np.testing.assert_allclose(wb, ws, rtol=0, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(ib, is_, rtol=1e-12, atol=0, err_msg=name)


def test_block_path_result_does_not_depend_on_the_other_devices():
    devs = _mixed_devices(19)
    _, t, v = next(_stimuli(devs[0]))
    temps = np.linspace(260.0, 340.0, len(devs))
    w_all, i_all = _run(devs, t, v, temps, 0.2, "block")
    for k in (0, 7, 18):
        w1, i1 = _run([devs[k]], t, v, temps[k], 0.2, "block")
        np.testing.assert_array_equal(w1[0], w_all[k])
        np.testing.assert_array_equal(i1[0], i_all[k])


def test_non_qualifying_devices_take_the_scalar_path():
    base = ls.Memristor.preset("LiCoO2")
    odd = [base.replace(law="series"), base.replace(window_p=2.0), base.replace(v_nonlinear=0.8),
           base.replace(law="percolation")]
    devs = base.sample(6, seed=3)[:3] + odd[:2] + base.sample(4, seed=4) + odd[2:]
    params = np.stack([d._packed for d in devs])
    temps = np.full(len(devs), 300.0)
    assert memristor_path(params, temps, True, "block") == "mixed"
    assert memristor_path(params[3:5], temps[3:5], True, "block") == "scalar"
    assert memristor_path(params, temps, False, "block") == "scalar"   # per-device stimulus
    assert memristor_path(params, temps, True, "scalar") == "scalar"
    _, t, v = next(_stimuli(base))
    wb, ib = _run(devs, t, v, temps, 0.0, "block")
    ws, is_ = _run(devs, t, v, temps, 0.0, "scalar")
    for k, d in enumerate(devs):
        if d in odd:      # scalar kernel in both runs: identical
            np.testing.assert_array_equal(wb[k], ws[k])
            np.testing.assert_array_equal(ib[k], is_[k])
    np.testing.assert_allclose(wb, ws, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ib, is_, rtol=1e-12, atol=0)
    # per-device stimuli: scalar path whatever was asked
    vv = np.vstack([v * (0.9 + 0.02 * k) for k in range(len(devs))])
    np.testing.assert_array_equal(_run(devs, t, vv, temps, 0.0, "block")[1],
                                  _run(devs, t, vv, temps, 0.0, "scalar")[1])


def test_block_path_reports_bad_time_like_the_scalar_path():
    devs = ls.Memristor.preset("LiCoO2").sample(10, seed=2)
    t = np.array([0.0, 1e-7, 2e-7, 2e-7, 3e-7])
    v = np.full(t.size, 2.0)
    messages = []
    for path in ("block", "scalar"):
        with pytest.raises(FloatingPointError) as e:
            _run(devs, t, v, 300.0, 0.0, path)
        messages.append(str(e.value))
    assert messages[0] == messages[1] and "device 0" in messages[0]


@pytest.mark.parametrize("block_build", [True, False])
def test_fast_exp_matches_libm(block_build):
    """ls_exp_fast (csrc/ls_common.h) against glibc's exp: within ~1 ulp over [-700, 700],
    libm's overflow, gradual underflow and special values elsewhere. block_build: as compiled
    into the block kernel (this CPU's clone, FMA contraction) or plainly (baseline ISA)."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.uniform(-700.0, 700.0, 200_000), rng.uniform(-1.0, 1.0, 50_000),
              np.linspace(-700.0, 700.0, 20_001), np.arange(-1009, 1010) * math.log(2) / 2]
    y = memristor_exp_fast(x, block_build)
    ref = np.array([math.exp(a) for a in x])
    rel = np.abs(y - ref) / ref
    assert rel.max() <= 4e-16, rel.max()
    assert np.mean(y == ref) > 0.9        # mostly correctly rounded
    sub = np.linspace(-745.0, -708.5, 5001)          # subnormal results: within 1 ulp there
    ys, rs = memristor_exp_fast(sub, block_build), np.array([math.exp(a) for a in sub])
    assert np.all(np.abs(ys - rs) <= np.spacing(rs))
    special = np.array([0.0, -0.0, 709.78, 709.79, 710.0, 1e300, np.inf, -745.2, -746.0, -1e300,
                        -np.inf, 1e-300, -1e-300])
    expect = np.array([1.0, 1.0, math.exp(709.78), np.inf, np.inf, np.inf, np.inf, 0.0, 0.0, 0.0,
                       0.0, 1.0, 1.0])
    np.testing.assert_array_equal(memristor_exp_fast(special, block_build), expect)
    assert np.isnan(memristor_exp_fast(np.array([np.nan]), block_build)[0])


# --- cycle-to-cycle variability -------------------------------------------------------------
# DESIGN 4.1: device-to-device AND cycle-to-cycle. The rates carry exp(z sigma_vth / V0), z
# redrawn every tau_c2c (one draw per cycle here), so the switching voltage of each cycle
# spreads by ~sigma_vth.

C2C_CYCLES, C2C_PTS = 400, 400


def _c2c_stimulus(m, n_cycles):
    f = 1.0 / (20 * m.t_switch_set)
    t = np.linspace(0, n_cycles / f, n_cycles * C2C_PTS + 1)
    return f, t, 1.3 * max(m.v_set, m.v_reset) * np.sin(2 * np.pi * f * t)


def _set_voltages(w, v, n_cycles):
    """The voltage at which w first crosses 0.5 upwards in each cycle."""
    out = np.full(n_cycles, np.nan)
    for c in range(n_cycles):
        ww, vv = w[c * C2C_PTS:(c + 1) * C2C_PTS + 1], v[c * C2C_PTS:(c + 1) * C2C_PTS + 1]
        k = np.nonzero((ww[:-1] < 0.5) & (ww[1:] >= 0.5))[0]
        if len(k):
            out[c] = vv[k[0]]
    return out


def test_cycle_to_cycle_draws_are_standard_normal_and_independent():
    from lithispice._kernels import memristor_c2c_normal
    z = np.array([[memristor_c2c_normal(12345, s, j) for j in range(20000)] for s in (0, 1)])
    assert abs(z.mean()) < 0.03 and z.std() == pytest.approx(1.0, abs=0.03)
    assert abs(np.corrcoef(z[0], z[1])[0, 1]) < 0.03          # set and reset streams
    assert abs(np.corrcoef(z[0, :-1], z[0, 1:])[0, 1]) < 0.03  # successive cycles


def test_cycle_to_cycle_threshold_spread_in_kernel_and_ngspice():
    m0 = ls.Memristor.preset("LiCoO2")
    sig = 0.1
    f, t, v = _c2c_stimulus(m0, C2C_CYCLES)
    m = m0.replace(sigma_vth_c2c=sig, tau_c2c=1 / f, seed_c2c=7)
    vs0 = _set_voltages(m0.simulate(t, v).state, v, C2C_CYCLES)
    assert np.ptp(vs0) < 1e-9                        # no noise asked: every cycle the same
    vs = _set_voltages(m.simulate(t, v).state, v, C2C_CYCLES)
    assert not np.isnan(vs).any()
    # the switching voltage spreads by ~sigma_vth (a factor m on k moves it by ~ -V0 ln m)
    assert 0.8 * sig < vs.std() < 1.1 * sig
    assert np.array_equal(m.simulate(t, v).state, m.simulate(t, v).state)      # seeded
    assert not np.array_equal(m.replace(seed_c2c=8).simulate(t, v).state, m.simulate(t, v).state)
    # ngspice draws its own numbers (trrandom held for tau_c2c): the same statistics
    n_sp = 100
    chip = ls.Chip("memristor cycle-to-cycle")
    chip.vsource("in", "a", "0", sine=(0.0, v.max(), f))
    chip.add("m1", m, p="a", n="0")
    chip.options(seed=11)
    chip.tran(1 / (f * C2C_PTS), n_sp / f, tmax=1 / (f * C2C_PTS))
    res = chip.run(timeout=120)
    tt = t[:n_sp * C2C_PTS + 1]
    w_sp = np.interp(tt, res.time, res["v(xm1.w)"])
    vs_sp = _set_voltages(w_sp, np.interp(tt, res.time, res["v(a)"]), n_sp)
    assert not np.isnan(vs_sp).any()
    assert vs_sp.std() == pytest.approx(vs.std(), rel=0.25)      # 100 cycles: ~7 % sampling
    assert vs_sp.mean() == pytest.approx(vs.mean(), abs=0.05)
    assert np.array_equal(chip.run(timeout=120)["v(xm1.w)"], res["v(xm1.w)"])  # .options seed


def test_cycle_to_cycle_in_arrays_and_samples():
    m = ls.Memristor.preset("LiCoO2").replace(sigma_vth_c2c=0.05, tau_c2c=2e-5)
    devs = m.sample(6, seed=3)
    assert len({d.seed_c2c for d in devs}) == 6                   # independent streams
    plain = ls.Memristor.preset("LiCoO2").sample(6, seed=3)
    assert [d.r_on for d in devs] == [d.r_on for d in plain]      # d2d draws unchanged
    f, t, v = _c2c_stimulus(m, 5)
    arr = ls.simulate_array(devs, t, v)                            # shared stimulus
    for k, d in enumerate(devs):
        assert np.array_equal(arr.state[k], d.simulate(t, v).state)
    with pytest.raises(ls.ParameterError) as err:
        m.replace(tau_c2c=0.0)
    assert err.value.name == "tau_c2c"


def test_cycle_to_cycle_integration_is_exact_for_the_piecewise_linear_stimulus():
    # draws change at multiples of tau_c2c, which fall inside sample intervals here: the kernel
    # splits there, so refining the (piecewise-linear) stimulus changes nothing
    m = ls.Memristor.preset("LiCoO2").replace(sigma_vth_c2c=0.2, tau_c2c=3.7e-6, seed_c2c=5)
    t = np.linspace(0, 4e-5, 41)
    v = 1.3 * m.v_reset * np.sin(2 * np.pi * 5e4 * t)
    coarse = m.simulate(t, v).state
    tf = np.linspace(0, 4e-5, 40 * 7 + 1)
    fine = m.simulate(tf, np.interp(tf, t, v)).state[::7]
    assert np.max(np.abs(fine - coarse)) < 1e-12
    assert np.ptp(coarse) > 0.5                       # it does switch
