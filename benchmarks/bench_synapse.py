"""Benchmark of issue 4: pulse programming of 1e5 synapses x 100 pulses in the compiled kernel
vs a numpy implementation of the same scheme (RK4 on the lithiations, the gate-current
equation solved per stage by Newton), and the synapse_array chip in ngspice at 4x4, 8x8, 16x16.

The scheme: ECRAM-WO3 preset, current pulses (0.108 nA x 1 us), floating gate 1 us between
pulses, random per-device pulse patterns. Two numpy baselines, both vectorised over devices:
  * "numpy RK4": the textbook scheme, one RK4 substep per segment with 8 Newton iterations
    (secant derivative) per stage;
  * "numpy same algorithm": what the kernel does for this drive (csrc/synapse.c): Simpson's
    rule on the leak-free path of a current pulse with 2 Newton iterations per node, one
    Euler step for the floating rest. The ratio to this one is what compiling buys; the ratio
    to the first also counts the algorithm.
The script prints each baseline's largest conductance difference from the kernel.
Run: python benchmarks/bench_synapse.py [n_devices]
"""
import sys
import time
from pathlib import Path

import numpy as np

from lithispice.devices._threads import available_cores
from lithispice.devices.synapse import Synapse, electrode_ocv, program_array
from lithispice.errors import SimulationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "netlists"))


def _newton_i(f, gl, thc, thr, ig, i, iterations):
    """Newton on i + g_leak f(i) = I_G from i (secant derivative), a fixed number of steps."""
    for _ in range(iterations):
        h = 1e-3 * np.maximum(np.abs(i), 1e-18)
        r = i + gl * f(thc, thr, i) - ig
        dr = 1 + gl * (f(thc, thr, i + h) - f(thc, thr, i - h)) / (2 * h)
        i = i - r / dr
    return i


def numpy_program(s, amp, T=298.15):
    """The textbook scheme: RK4 per segment, 8 Newton iterations per stage."""
    co = s.coefficients(T)
    f = _f_of_i(s, co)
    gl, qc, qr = co["g_leak"], co["qc"], co["qr"]

    def solve(thc, thr, ig, i):
        return _newton_i(f, gl, thc, thr, ig, i, 8)

    def seg(thc, thr, ig, dt):
        i = ig.copy()
        k1 = solve(thc, thr, ig, i)
        k2 = solve(thc + 0.5 * dt * k1 / qc, thr - 0.5 * dt * k1 / qr, ig, k1)
        k3 = solve(thc + 0.5 * dt * k2 / qc, thr - 0.5 * dt * k2 / qr, ig, k2)
        k4 = solve(thc + dt * k3 / qc, thr - dt * k3 / qr, ig, k3)
        ia = (k1 + 2 * k2 + 2 * k3 + k4) / 6
        return thc + dt * ia / qc, thr - dt * ia / qr

    N, n = amp.shape
    thc = np.full(N, s.theta_c0)
    thr = np.full(N, s.theta_r0)
    g = np.empty((N, n))
    zero = np.zeros(N)
    for k in range(n):
        thc, thr = seg(thc, thr, amp[:, k], s.t_on)
        thc, thr = seg(thc, thr, zero, s.t_off)
        g[:, k] = s.conductance(thc)
    return g


def numpy_program_simpson(s, amp, T=298.15):
    """The kernel's algorithm for current pulses with a floating rest, in numpy."""
    co = s.coefficients(T)
    f = _f_of_i(s, co)
    qc, qr, gl = co["qc"], co["qr"], co["g_leak"]

    def solve(thc, thr, ig):         # Newton in I from I_G (h' = 1 + g_leak f' ~ 1)
        return _newton_i(f, gl, thc, thr, ig, ig.copy(), 2)

    N, n = amp.shape
    thc = np.full(N, s.theta_c0)
    thr = np.full(N, s.theta_r0)
    g = np.empty((N, n))
    zero = np.zeros(N)
    for k in range(n):
        ig = amp[:, k]
        i0 = solve(thc, thr, ig)
        i1 = solve(thc + 0.5 * s.t_on * ig / qc, thr - 0.5 * s.t_on * ig / qr, ig)
        i2 = solve(thc + s.t_on * ig / qc, thr - s.t_on * ig / qr, ig)
        q = s.t_on * (i0 + 4 * i1 + i2) / 6
        thc, thr = thc + q / qc, thr - q / qr
        ir = solve(thc, thr, zero)   # floating rest: the leak only, one Euler step
        thc, thr = thc + s.t_off * ir / qc, thr - s.t_off * ir / qr
        g[:, k] = s.conductance(thc)
    return g


def _f_of_i(s, co):
    """V_G(th_c, th_r, I) of csrc/synapse.h (lss_vg_of_i) in numpy: WO3 table channel,
    Ramadass LiCoO2 reservoir."""
    _, x0, x1, _, xt, ut = electrode_ocv(s.channel)
    _, r0, r1, _, _, _ = electrode_ocv(s.reservoir)
    from lithispice.materials.electrodes import RAMADASS2004_LICOO2_DEN as DEN, RAMADASS2004_LICOO2_NUM as NUM

    def uc(th):
        return np.interp(np.clip(x0 + (x1 - x0) * th, xt[0], xt[-1]), xt, ut)

    def ur(th):
        y = np.clip(r0 + (r1 - r0) * th, 0.43, 1.0) ** 2
        return np.polyval(NUM[::-1], y) / np.polyval(DEN[::-1], y)

    vt2, i2c, i2r, rion = co["vt2"], co["i2c"], co["i2r"], co["r_ion"]
    rsc, rsr = co["rsc"], co["rsr"]

    def f(thc, thr, i):
        return (ur(thr - i * rsr) - uc(thc + i * rsc) + vt2 * np.arcsinh(i / i2r)
                + vt2 * np.arcsinh(i / i2c) + i * rion)
    return f


def main(argv):
    n_dev = int(argv[0]) if argv else 100_000
    s = Synapse.preset("ECRAM-WO3")
    rng = np.random.default_rng(0)
    amp = np.where(rng.uniform(size=(n_dev, 100)) < 0.7, s.pulse_amplitude, -s.pulse_amplitude)
    t = time.perf_counter()
    out = program_array(s, amp, threads=1)
    tk = time.perf_counter() - t
    t = time.perf_counter()
    out_p = program_array(s, amp)                 # threads=None: every available core
    tp = time.perf_counter() - t
    assert np.array_equal(out_p["g"], out["g"]), "threads changed the result"
    t = time.perf_counter()
    g_np = numpy_program(s, amp)
    tn = time.perf_counter() - t
    t = time.perf_counter()
    g_ns = numpy_program_simpson(s, amp)
    ts = time.perf_counter() - t
    diff = np.max(np.abs(g_np / out["g"] - 1))
    diff_s = np.max(np.abs(g_ns / out["g"] - 1))
    print(f"{n_dev} synapses x 100 pulses: kernel, one thread {tk:.3f} s ({tk / amp.size * 1e9:.0f} ns per "
          f"pulse period)\n  numpy RK4            {tn:.3f} s: numpy/kernel {tn / tk:.1f}x "
          f"(max |G diff| {diff:.1e})\n  numpy same algorithm {ts:.3f} s: numpy/kernel "
          f"{ts / tk:.1f}x (max |G diff| {diff_s:.1e})\n  kernel on every core ({available_cores()}) "
          f"{tp:.3f} s: {tk / tp:.2f}x one thread, {tn / tp:.1f}x / {ts / tp:.1f}x the numpy "
          f"baselines (identical results)")
    # resolved films (n_volumes = 8): what the accurate surface costs per pulse period
    fine = s.replace(n_volumes=8, film_grading=10.0)
    m = min(n_dev, 2000)
    t = time.perf_counter()
    out_f = program_array(fine, amp[:m], threads=1)
    tf = time.perf_counter() - t
    dg = np.max(np.abs(out_f["g"][:, -1] / out["g"][:m, -1] - 1))
    print(f"  resolved films (8 volumes, {m} synapses, one thread): {tf / (m * amp.shape[1]) * 1e9:.0f} "
          f"ns per pulse period ({tf / (m * amp.shape[1]) / (tk / amp.size):.0f}x the lumped film); "
          f"final G differs from the lumped film's by up to {dg:.1%}")
    import synapse_array as sa
    prev = None
    for n in (4, 8, 16):
        arr = sa.build(n, n, levels=3)
        t = time.perf_counter()
        try:
            res = arr.chip.run(timeout=1800, stats=True)
        except SimulationError as exc:   # report and go on: a failed size is a result too
            last = exc.log_tail.strip().splitlines()[-2:] if exc.log_tail else []
            print(f"synapse_array {n}x{n}: ngspice FAILED after {time.perf_counter() - t:.1f} s "
                  f"({type(exc).__name__}: {' | '.join(last)})")
            continue
        dt = time.perf_counter() - t
        a = sa.analyse(arr, res)
        grow = "" if prev is None else f" ({dt / prev:.1f}x the previous size)"
        print(f"synapse_array {n}x{n} ({n * n} cells, {int(arr.pulses.max(axis=1).sum())} "
              f"programming slots, {arr.t_stop * 1e3:.1f} ms simulated) in ngspice: {dt:.2f} s"
              f"{grow}; {res.stats.get('transient_timepoints', '?')} time points, "
              f"{res.stats.get('transient_iterations', '?')} Newton iterations; VMM vs G.V max "
              f"{np.max(np.abs(a['i_col'] / a['i_expected'] - 1)):.1e}, G vs kernel prediction max "
              f"{np.max(np.abs(a['g'] / arr.g_predicted - 1)):.3f}")
        prev = dt
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
