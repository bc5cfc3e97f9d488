"""Parameter extraction for the Li-ion synapse (issue 13, lithispice/fit/synapse.py): fits
through the compiled kernel to synthetic data from a known parameter set plus noise, the
95 % intervals' coverage over seeds, structurally blind and Jacobian-flagged parameters,
bad data and units caught with the column named, and the fitted device's provenance and
card."""
import math
import re

import numpy as np
import pytest

from lithispice.devices.synapse import Synapse
from lithispice.errors import ParameterError
from lithispice.fit import DataError
from lithispice.fit import synapse as fs

# the truth: the LISTA preset started a little inside its insulating phase (x = 0.975), so
# that a train shows the flat start, the kink at x_a, the window and the kink at x_b (the
# preset's own start, x = x_a exactly, puts the first kink on the first point)
PRESET = Synapse.preset("LISTA-LiCoO2")
LISTA = PRESET.replace(theta_c0=0.95)
# a potentiation + depression cycle that crosses the whole window: 2.6 fC pulses move the
# channel x by 6.5e-4 each: ~38 flat pulses, then x_a -> x_b (0.2) takes ~308 pulses
N_CYCLE = 380
WINDOW = ("sigma_a", "sigma_b", "x_a", "x_b")
KINETIC = ("sigma_ref", "i0_ch", "D_ch")
LOG = {"sigma_a", "sigma_b", "sigma_ref", "i0_ch", "D_ch", "D_res"}


def _start(dev, names, rng):
    """A start off the truth: log parameters x/ 2, stoichiometries +- 0.01."""
    ch = {}
    for k in names:
        v = getattr(dev, k)
        ch[k] = v * 2.0 ** rng.uniform(-1, 1) if k in LOG else v + rng.uniform(-0.01, 0.01)
    return dev.replace(**ch)


def _coverage(make, names, seeds):
    """Fit ``names`` on data make(seed) from LISTA over seeds; returns (pooled coverage,
    {name: mean 95 % half-width / (1.96 x empirical sd of the estimates)}), on log10 for log
    parameters."""
    hits, est, half = [], {k: [] for k in names}, {k: [] for k in names}
    for seed in seeds:
        rng = np.random.default_rng(1000 + seed)
        r = fs.fit(_start(LISTA, names, rng), make(seed), list(names))
        assert r.success and not r.unidentifiable, r.report()
        hits += list(r.covers({k: getattr(LISTA, k) for k in names}).values())
        for k in names:
            f = np.log10 if k in LOG else (lambda x: x)
            est[k].append(f(r.values[k]))
            half[k].append(0.5 * (f(r.ci95[k][1]) - f(r.ci95[k][0])))
    ratio = {k: float(np.mean(half[k]) / (1.96 * np.std(est[k], ddof=1))) for k in names}
    return float(np.mean(hits)), ratio


def _check_coverage(cov, ratio, n):
    # n pooled intervals (the parameters of one fit are correlated, so the effective n is
    # smaller): p = 0.95 gives sd sqrt(.95 .05 / n) ~ 0.015 at n = 200; reject below 0.86
    # (> 4 sd at n=200, > 2.5 sd at n=90) -- intervals too narrow -- and at exactly 1.0
    # (0.95^200 = 4e-5, 0.95^90 = 1 %) -- intervals too wide. The width check: the mean
    # interval half-width against 1.96 x the spread of the estimates over seeds, within 2x.
    assert 0.86 <= cov < 1.0, (cov, n)
    for k, q in ratio.items():
        assert 0.5 < q < 2.0, (k, q)


def test_pulse_train_window_coverage():
    """Current-driven P/D cycle, 1 % relative read noise, every 5th pulse: the channel-law
    window (sigma_a, sigma_b, x_a, x_b) recovered; 50 seeds x 4 parameters."""
    def make(seed):
        return fs.synthetic(LISTA, "pulse_train", seed=seed, noise=0.01, n_pulses=N_CYCLE,
                            every=5)
    cov, ratio = _coverage(make, WINDOW, range(50))
    print(f"pulse_train window: coverage {cov:.3f}, width ratios {ratio}")
    _check_coverage(cov, ratio, 200)


def test_gate_charge_kinetics_coverage():
    """Voltage pulses of 15 amplitudes (20 mV .. 1.5 V overdrive, 1 ms), 1 % charge noise:
    R_ion (sigma_ref), i0_ch and D_ch recovered; 30 seeds x 3 parameters."""
    amps = np.geomspace(0.02, 1.5, 15)

    def make(seed):
        return fs.synthetic(LISTA, "gate_charge", seed=seed, noise=0.01, amplitudes=amps)
    d = make(0)
    assert fs.fit(LISTA, d).names == KINETIC          # the default set for these data
    cov, ratio = _coverage(make, KINETIC, range(30))
    print(f"gate_charge kinetics: coverage {cov:.3f}, width ratios {ratio}")
    _check_coverage(cov, ratio, 90)


def test_ocp_relaxation_sees_D_only_with_a_film_grid():
    """After a current pulse the open-circuit potential relaxes by diffusion only in a
    multi-volume film: there D_ch is recovered and the Si reservoir's D (flat OCV) is
    flagged by the Jacobian; with lumped films D_ch is flagged as invisible, keeps its start
    value and stays assumed."""
    grid = LISTA.replace(n_volumes=8, film_grading=10.0)
    t = np.logspace(-3, 2, 30)
    d = fs.synthetic(grid, "ocp_relaxation", seed=3, noise=2e-4, amplitude=2.6e-11, t=t)
    assert np.ptp(d.v) > 0.05                     # a real relaxation, not noise
    r = fs.fit(grid.replace(D_ch=3e-15, D_res=3e-17), d, ["D_ch", "D_res"])
    assert r.covers({"D_ch": grid.D_ch})["D_ch"], r.report()
    assert r.ci95["D_ch"][1] / r.ci95["D_ch"][0] < 1.2
    assert r.unidentifiable == ("D_res",), r.report()
    assert "D_ch" not in r.device.assumed and "D_res" in r.device.assumed

    lumped = fs.synthetic(LISTA, "ocp_relaxation", seed=3, noise=2e-4, amplitude=2.6e-11,
                          t=t)
    start = LISTA.replace(D_ch=3e-15)
    r = fs.fit(start, lumped, ["D_ch"])
    assert r.unidentifiable == ("D_ch",)
    assert r.ci95["D_ch"] == (0.0, math.inf) and math.isinf(r.stderr["D_ch"])
    assert "n_volumes" in r.warnings[0] and "do not depend on it" in r.warnings[0]
    assert r.device.D_ch == pytest.approx(3e-15, rel=1e-12) and "D_ch" in r.device.assumed
    with pytest.raises(ParameterError, match="params"):
        fs.fit(LISTA, lumped)                     # nothing to fit by default: say so


def test_unidentifiable_parameters_flagged():
    """An activation energy from one temperature, and D from a current-driven lumped pulse
    train, are flagged with the reason -- never given a finite interval -- while the window
    fitted alongside them is recovered."""
    d = fs.synthetic(LISTA, "pulse_train", seed=7, noise=0.01, n_pulses=N_CYCLE, every=5)
    r = fs.fit(LISTA.replace(sigma_b=60.0), d, list(WINDOW) + ["ea_D", "D_ch"])
    assert set(r.unidentifiable) == {"ea_D", "D_ch"}, r.report()
    assert r.ci95["ea_D"] == (-math.inf, math.inf)
    assert r.ci95["D_ch"] == (0.0, math.inf)
    text = r.report()
    assert "two or more temperatures" in text and "current drive fixes the charge" in text
    assert all(r.covers({k: getattr(LISTA, k) for k in WINDOW}).values()), text
    # a potentiation train that stops inside the window (x = 0.845 > x_b = 0.75) fits a kink
    # at its last row as well as the true x_b: the Jacobian alone would call that a narrow,
    # wrong interval; the plateau check flags the pair and leaves the x_a end pinned
    short = fs.synthetic(LISTA, "pulse_train", seed=7, noise=0.01, n_pulses=200, cycle=False)
    r = fs.fit(LISTA.replace(sigma_b=60.0), short, list(WINDOW))
    assert set(r.unidentifiable) == {"sigma_b", "x_b"}, r.report()
    assert "do not reach past x_b" in r.report()
    assert r.ci95["sigma_b"] == (0.0, math.inf) and r.ci95["x_b"] == (-math.inf, math.inf)
    assert r.values["sigma_a"] == pytest.approx(LISTA.sigma_a, rel=0.01)
    assert r.values["x_a"] == pytest.approx(LISTA.x_a, abs=1e-3)
    assert {"sigma_b"} <= set(r.device.assumed) and "sigma_a" not in r.device.assumed


def test_mixed_kinds_and_fitted_device(tmp_path):
    """Pulse train + gate charge + relaxation in one fit; the fitted device says it was
    fitted, its assumed list shrinks, and its ngspice card carries the fitted window."""
    train = fs.synthetic(LISTA, "pulse_train", seed=11, noise=0.01, n_pulses=N_CYCLE,
                         every=5)
    q = fs.synthetic(LISTA, "gate_charge", seed=12, noise=0.01,
                     amplitudes=np.geomspace(0.02, 1.5, 15))
    ocp = fs.synthetic(LISTA, "ocp_relaxation", seed=13, noise=2e-4, amplitude=2.6e-11)
    start = _start(LISTA, WINDOW + KINETIC, np.random.default_rng(5))
    r = fs.fit(start, [train, q, ocp], data_label="bench.csv")
    assert r.names == WINDOW + KINETIC and len(r.residuals) == 3
    assert not r.unidentifiable, r.report()
    assert all(r.covers({k: getattr(LISTA, k) for k in r.names}).values()), r.report()
    dev = r.device
    assert dev.source.startswith("fitted to bench.csv")
    assert set(LISTA.assumed) - set(dev.assumed) == {"sigma_a", "sigma_b", "D_ch", "i0_ch"}
    assert len(dev.assumed) < len(LISTA.assumed)
    card = dev.subckt()
    # the card's channel law: G = g_a exp(f ln(sigma_b / sigma_a)) with the fitted values
    ln_ba = float(re.search(r"^Bch .*\*([0-9.e+-]+)\)\*v\(s,d\)", card, re.M).group(1))
    assert ln_ba == pytest.approx(math.log(dev.sigma_b / dev.sigma_a), rel=1e-12)
    assert card != PRESET.subckt()
    # the fitted card in real ngspice, driven by the train's first 80 current pulses,
    # reproduces the data within the fit residual (and the fitted kernel within 1 %)
    n_sp = 80
    g_sp = _ngspice_train(dev, train.amplitude * LISTA.potentiation_sign, n_sp)
    keep = (train.n >= 1) & (train.n <= n_sp)
    g_data, n_data = train.g[keep], train.n[keep]
    g_card = g_sp[n_data - 1]
    g_kernel = fs.model_pulse_train(dev, train)[keep]
    assert np.max(np.abs(g_card / g_kernel - 1)) < 0.01
    sigma = fs.noise_estimate(train)
    rms_card = float(np.sqrt(np.mean(((g_card - g_data) / (sigma * g_data)) ** 2)))
    rms_fit = float(np.sqrt(np.mean(r.residuals[next(iter(r.residuals))] ** 2)))
    print(f"ngspice card vs data: weighted rms {rms_card:.3f} (fit {rms_fit:.3f})")
    assert rms_card < 1.3 * rms_fit
    paths = r.save(tmp_path / "fit")
    assert all(p.stat().st_size > 0 for p in paths)
    assert "sigma_ref" in (tmp_path / "fit" / "report.txt").read_text()


def _ngspice_train(dev, amp, n):
    """G after each of n current pulses (amp A, the device's t_on / t_off, gate floating)
    from the device's ngspice card (tests/test_synapse.py's drive: symmetric ramps, so each
    trapezoid carries amp * t_on)."""
    import lithispice as ls
    ton, toff = dev.t_on, dev.t_off
    per, tr = ton + toff, ton * 1e-2
    pts = [(0.0, 0.0)]
    for k in range(n):
        t0 = k * per + 0.5 * toff
        pts += [(t0 - tr / 2, 0.0), (t0 + tr / 2, amp), (t0 + ton - tr / 2, amp),
                (t0 + ton + tr / 2, 0.0)]
    pts.append((n * per, 0.0))
    chip = ls.Chip("fitted synapse card")
    chip.isource("gate", "0", "gn", pwl=pts)
    chip.add("m", dev, g="gn", s="0", d="0")
    chip.capacitor("wire", "gn", "0", 1e-18)
    chip.options(reltol=1e-6, abstol=1e-20, method="gear")
    chip.tran(per / 20, n * per, tmax=ton / 20)
    res = chip.run(timeout=120)
    ends = (np.arange(n) + 1) * per
    return dev.conductance(np.interp(ends, res.time, res["v(xm.thc)"]))


def test_csv_round_trip_units(tmp_path):
    """A CSV with units in the header (g in uS, temperature in degC) gives the same data as
    the arrays."""
    d = fs.synthetic(LISTA, "pulse_train", seed=2, noise=0.01, n_pulses=50, every=2)
    path = tmp_path / "train.csv"
    rows = "\n".join(f"{n},{float(g) * 1e6!r},{p:+.0f},25" for n, g, p in zip(d.n, d.g, d.polarity))
    path.write_text("# LISTA cycle\nn [1],g [uS],polarity [1],T [degC]\n" + rows + "\n")
    c = fs.PulseTrain.from_csv(path, amplitude=2.6e-12)
    assert np.allclose(c.g, d.g, rtol=1e-12) and np.array_equal(c.n, d.n)
    assert np.array_equal(c.polarity, d.polarity)
    assert c.temperature == pytest.approx(298.15) and c.label == str(path)


def _write(tmp_path, name, header, rows):
    p = tmp_path / name
    p.write_text(header + "\n" + "\n".join(",".join(str(x) for x in r) for r in rows) + "\n")
    return p


@pytest.mark.parametrize("header, rows, column, match", [
    # conductance declared in volts
    ("n [1],g [V]", [(k, 1e-9) for k in range(6)], "g", "is a voltage"),
    # a missing value
    ("n [1],g [S]", [(k, "" if k == 3 else 1e-9) for k in range(6)], "g", "non-finite"),
    # pulse numbers going backwards
    ("n [1],g [S]", [(k if k != 4 else 2, 1e-9) for k in range(6)], "n", "strictly increase"),
    # too few rows
    ("n [1],g [S]", [(k, 1e-9) for k in range(3)], "n", "at least 5"),
    # degrees Celsius declared as kelvin
    ("n [1],g [S],T [K]", [(k, 1e-9, 25) for k in range(6)], "T", "Celsius"),
    # fractional pulse numbers
    ("n [1],g [S]", [(k * 0.5, 1e-9) for k in range(6)], "n", "integers"),
])
def test_bad_pulse_train_csv(tmp_path, header, rows, column, match):
    p = _write(tmp_path, "bad.csv", header, rows)
    with pytest.raises(DataError, match=match) as e:
        fs.PulseTrain.from_csv(p, amplitude=2.6e-12)
    assert e.value.column == column and str(p) in str(e.value)


def test_bad_relaxation_and_charge_data(tmp_path):
    """Relaxation times going back, millivolts declared as volts, a charge column in A, a
    temperature in Celsius as a number, an unknown polarity."""
    t = np.logspace(-3, 1, 8)
    p = _write(tmp_path, "ocp.csv", "t [s],v [V]", [(x, -3.40) for x in t[::-1]])
    with pytest.raises(DataError, match="strictly increase") as e:
        fs.OCPRelaxation.from_csv(p, amplitude=1e-11)
    assert e.value.column == "t"
    p = _write(tmp_path, "ocp_mv.csv", "t [s],v [V]", [(x, -3400.0) for x in t])
    with pytest.raises(DataError, match="mV written as V") as e:
        fs.OCPRelaxation.from_csv(p, amplitude=1e-11)
    assert e.value.column == "v"
    p = _write(tmp_path, "q.csv", "amplitude [V],q [A]", [(a, 1e-15) for a in (.1, .2, .3, .4)])
    with pytest.raises(DataError, match="is a current") as e:
        fs.GateCharge.from_csv(p)
    assert e.value.column == "q"
    with pytest.raises(ParameterError, match="temperature"):
        fs.OCPRelaxation(t=t, v=np.full(8, -3.4), amplitude=1e-11, temperature=25.0)
    with pytest.raises(ParameterError, match="polarity"):
        fs.GateCharge(amplitude=[.1, .2, .3, .4], q=[1e-15] * 4, polarity="up")
    with pytest.raises(ParameterError, match="params"):
        fs.fit(LISTA, fs.synthetic(LISTA, "pulse_train", seed=0, noise=0.01), ["nonsense"])
