"""Memristor kernel throughput: compiled C kernel vs a vectorised numpy implementation of
the same equations and the same exact piecewise-linear integration, measured in one run.

Prints device-steps per second (one device advanced over one stimulus sample) for both and
their ratio, after checking that both give the same waveforms. Single-threaded: the C loop
runs on one core; numpy is vectorised over devices (its best case).

    python benchmarks/bench_memristor_kernel.py [n_devices] [n_steps]
"""
import sys
import time

import numpy as np

import lithispice as ls


def numpy_simulate(devs, t, v, temperature):
    """The kernel's scheme (csrc/memristor.c) in numpy, vectorised across devices.
    Window p = 1, log law, ohmic current (what the benchmark presets use)."""
    f = [d.kernel_fields() for d in devs]
    col = lambda k: np.array([x[k] for x in f])  # noqa: E731
    kb = 8.617333262e-5
    fa = np.exp(-col("ea") / kb * (1 / temperature - 1 / col("t_ref")))
    ks, kr = col("k_set") * fa, col("k_reset") * fa
    iv0s, iv0r = 1 / col("v0_set"), 1 / col("v0_reset")
    itau = np.exp(-col("ea_ret") / kb * (1 / temperature - 1 / col("t_ref"))) / col("tau_ret")
    weq, goff, lnr = col("w_eq"), col("g_off"), np.log(col("g_on") / col("g_off"))
    n = len(devs)
    w = np.zeros(n)
    W = np.empty((n, t.size))
    current = np.empty((n, t.size))
    W[:, 0] = w
    current[:, 0] = goff * np.exp(w * lnr) * v[0]

    def sinhc(d):
        small = np.abs(d) < 0.1
        d2 = d * d
        series = 1 + d2 * (1 / 6 + d2 * (1 / 120 + d2 / 5040))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(small, series, np.sinh(d) / np.where(small, 1.0, d))

    def advance(w, h, va, vb):
        s = va + vb
        xa, xb = va * iv0s, vb * iv0s
        a_set = ks * h * np.sinh(0.5 * (xa + xb)) * sinhc(0.5 * (xb - xa))
        xa, xb = -va * iv0r, -vb * iv0r
        a_res = kr * h * np.sinh(0.5 * (xa + xb)) * sinhc(0.5 * (xb - xa))
        w = np.where(s > 0, 1 - (1 - w) * np.exp(-a_set), np.where(s < 0, w * np.exp(-a_res), w))
        return weq + (w - weq) * np.exp(-h * itau)

    for k in range(t.size - 1):
        h, va, vb = t[k + 1] - t[k], v[k], v[k + 1]
        if va * vb < 0:
            hz = h * va / (va - vb)
            w = advance(w, np.full(n, hz), np.full(n, va), np.zeros(n))
            w = advance(w, np.full(n, h - hz), np.zeros(n), np.full(n, vb))
        else:
            w = advance(w, np.full(n, h), np.full(n, va), np.full(n, vb))
        W[:, k + 1] = w
        current[:, k + 1] = goff * np.exp(w * lnr) * vb
    return W, current


def best_of(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    n_dev = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    n_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    base = ls.Memristor.preset("LiCoO2")
    devs = base.sample(n_dev, seed=1)
    f = 1.0 / (20 * base.t_switch_set)
    t = np.linspace(0, 2 / f, n_steps + 1)
    v = 1.3 * base.v_reset * np.sin(2 * np.pi * f * t)

    t_c, tr = best_of(lambda: ls.simulate_array(devs, t, v, temperature=300.0), 3)
    t_np, (w_np, i_np) = best_of(lambda: numpy_simulate(devs, t, v, 300.0), 1)
    err = np.max(np.abs(w_np - tr.state))
    ds = n_dev * n_steps
    print(f"memristor kernel, {n_dev} devices x {n_steps} steps (LiCoO2 preset, sine above threshold)")
    print(f"  C kernel (1 core) : {t_c:8.3f} s  {ds / t_c:10.3e} device-steps/s")
    print(f"  numpy vectorised  : {t_np:8.3f} s  {ds / t_np:10.3e} device-steps/s")
    print(f"  ratio C / numpy   : {t_np / t_c:8.1f} x     (max |w_C - w_numpy| = {err:.1e})")
    assert err < 1e-9, "numpy baseline and kernel disagree: the comparison would be meaningless"


if __name__ == "__main__":
    main()
