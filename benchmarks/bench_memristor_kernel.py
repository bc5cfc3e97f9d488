"""Memristor kernel throughput: compiled C kernels vs a vectorised numpy implementation of
the same equations and the same exact piecewise-linear integration, measured in one run.

For 1, 100 and 10,000 devices (LiCoO2 preset with device-to-device variability, one shared
sine stimulus above threshold, 2000 steps) it prints device-steps per second (one device
advanced over one stimulus sample) of
  - C block : lsm_simulate_block, the SIMD kernel simulate_array picks for this case,
  - C scalar: lsm_simulate, the scalar reference kernel, one device after the other,
  - numpy   : vectorised over devices (its best case),
and the ratios, after checking that all three give the same waveforms. Everything runs on
one core (the C kernels are single-threaded; numpy is pinned by nothing but uses one core
for these element-wise operations). Times are the best of a few runs, wall clock (CPU time
in brackets: on a shared machine it is the steadier number). At small N numpy's cost is
its per-step Python/dispatch overhead, not arithmetic: the ratio there measures that.

    python benchmarks/bench_memristor_kernel.py [n_devices [n_steps]]
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

    np_err = np.seterr(over="ignore")      # the unused branch of np.where may overflow
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
    np.seterr(**np_err)
    return W, current


def best_of(fn, repeat):
    """Best wall and best CPU time of fn() over `repeat` runs, and the last result. The first
    run of a size also pays for the process's first large allocations."""
    best_wall = best_cpu = np.inf
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def run(n_dev, n_steps):
    from lithispice._kernels import memristor_path
    base = ls.Memristor.preset("LiCoO2")
    devs = base.sample(n_dev, seed=1)
    f = 1.0 / (20 * base.t_switch_set)
    t = np.linspace(0, 2 / f, n_steps + 1)
    v = 1.3 * base.v_reset * np.sin(2 * np.pi * f * t)
    params = np.stack([d._packed for d in devs])
    path = memristor_path(params, np.full(n_dev, 300.0), True)

    rep = max(3, min(100, 2_000_000 // (n_dev * n_steps)))   # more runs when a run is short
    t_b, c_b, tr = best_of(lambda: ls.simulate_array(devs, t, v, temperature=300.0, threads=1), rep)
    t_p, c_p, tp = best_of(lambda: ls.simulate_array(devs, t, v, temperature=300.0), rep)
    assert np.array_equal(tp.state, tr.state), "threads changed the result"
    t_s, c_s, ts = best_of(lambda: ls.simulate_array(devs, t, v, temperature=300.0, _path="scalar",
                                                     threads=1), max(2, min(rep, 10)))
    t_n, c_n, (w_np, _) = best_of(lambda: numpy_simulate(devs, t, v, 300.0), 2)
    err_np = np.max(np.abs(w_np - tr.state))
    err_sc = np.max(np.abs(ts.state - tr.state))
    assert err_np < 1e-9, "numpy baseline and kernel disagree: the comparison would be meaningless"
    assert err_sc < 1e-12, "block and scalar kernels disagree"
    ds = n_dev * n_steps
    return {"n": n_dev, "path": path, "block": (t_b, c_b), "scalar": (t_s, c_s), "par": (t_p, c_p),
            "numpy": (t_n, c_n), "rate": ds / t_b, "ds": ds, "err_np": err_np, "err_sc": err_sc}


def main():
    from lithispice._kernels import memristor_block_simd
    sizes = [int(sys.argv[1])] if len(sys.argv) > 1 else [1, 100, 10000]
    n_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    simd = memristor_block_simd()
    print(f"memristor kernel, {n_steps} steps (LiCoO2 preset with variability, shared sine above "
          f"threshold); block kernel build: {'SIMD (AVX2+FMA or AVX-512 clone)' if simd else 'plain (no SIMD clone for this CPU)'}")
    print(f"{'devices':>8} {'path':>6} | device-steps/s, wall (CPU):  {'C block':>20} {'C scalar':>20}"
          f" {'numpy':>20} | block/scalar  block/numpy")
    results = []
    for n in sizes:
        r = run(n, n_steps)
        results.append(r)
        cells = [f"{r['ds'] / r[k][0]:9.3e} ({r['ds'] / r[k][1]:8.2e})" for k in ("block", "scalar", "numpy")]
        print(f"{n:8d} {r['path']:>6} | {'':28s} {cells[0]:>20} {cells[1]:>20} {cells[2]:>20}"
              f" | {r['scalar'][0] / r['block'][0]:9.1f} x {r['numpy'][0] / r['block'][0]:10.1f} x")
    r = results[-1]
    print(f"at {r['n']} devices x {n_steps} steps ({r['path']} path):")
    print(f"  C kernel (1 core) : {r['block'][0]:8.3f} s  {r['rate']:10.3e} device-steps/s"
          f"  (CPU {r['block'][1]:.3f} s)")
    from lithispice.devices._threads import available_cores
    print(f"  C kernel, threads : {r['par'][0]:8.3f} s  {r['ds'] / r['par'][0]:10.3e} device-steps/s"
          f"  ({available_cores()} cores, default threads=None; "
          f"{r['numpy'][0] / r['par'][0]:.1f}x numpy)")
    print(f"  C scalar kernel   : {r['scalar'][0]:8.3f} s  {r['ds'] / r['scalar'][0]:10.3e} device-steps/s"
          f"  (CPU {r['scalar'][1]:.3f} s)")
    print(f"  numpy vectorised  : {r['numpy'][0]:8.3f} s  {r['ds'] / r['numpy'][0]:10.3e} device-steps/s"
          f"  (CPU {r['numpy'][1]:.3f} s)")
    print(f"  ratio C / numpy   : {r['numpy'][0] / r['block'][0]:8.1f} x (1 core) (max |w_C - w_numpy| = "
          f"{r['err_np']:.1e}, max |w_block - w_scalar| = {r['err_sc']:.1e})")
    if len(sizes) > 1:
        print("  (at 1 and 100 devices numpy's per-step overhead, not its arithmetic, sets its time)")


if __name__ == "__main__":
    main()
