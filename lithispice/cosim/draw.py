"""What one circuit window drew from the battery: the terminal current as piecewise-constant
interval means (whose sum is the window's charge exactly), and its figures (charge C, energy
J, mean / RMS / peak current A, minimum and final terminal voltage V); plus the same draw
as a short list of kernel steps with the same charge, for the periods the window stands for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..devices.microbattery import Step
from ..errors import SimulationError


@dataclass(frozen=True)
class WindowDraw:
    """The battery's draw during one circuit window.

    dt: interval lengths, s; i: mean terminal current of each interval, A (> 0 discharge);
    v: mean terminal voltage of each interval, V; i_peak: largest sampled current, A; v_min,
    v_end: lowest and last sampled terminal voltage, V; li_out: Li that left the anode
    (counter ``qa``, includes the electronic leak), C.
    """
    dt: np.ndarray
    i: np.ndarray
    v: np.ndarray
    i_peak: float
    v_min: float
    v_end: float
    i_end: float
    li_out: float

    @property
    def duration(self) -> float:
        """Window length, s."""
        return float(self.dt.sum())

    @property
    def charge(self) -> float:
        """Terminal charge, C (exactly what the kernel is given when the draw is reused)."""
        return float(self.i @ self.dt)

    @property
    def energy(self) -> float:
        """Energy delivered at the terminals, J."""
        return float((self.i * self.v) @ self.dt)

    @property
    def i_mean(self) -> float:
        return self.charge / self.duration

    @property
    def i_rms(self) -> float:
        return float(np.sqrt((self.i ** 2) @ self.dt / self.duration))

    def summary(self) -> dict:
        """The window's figures (SI): charge, energy, i_mean, i_rms, i_peak, v_min, v_end."""
        return dict(charge=self.charge, energy=self.energy, i_mean=self.i_mean,
                    i_rms=self.i_rms, i_peak=self.i_peak, v_min=self.v_min, v_end=self.v_end)

    def steps(self, scale: float = 1.0, rel: float = 0.02) -> list:
        """Kernel steps with this draw times ``scale``: neighbouring intervals whose currents
        differ by < ``rel`` of the window's peak are merged into one constant-current step of
        the same charge (a heater pulse becomes a few steps, not hundreds of solver points)."""
        tol = rel * max(float(np.max(np.abs(self.i))), 1e-30)
        out, t_acc, q_acc, i_first = [], 0.0, 0.0, None
        for dt, i in zip(self.dt, self.i):
            if i_first is not None and abs(i - i_first) > tol:
                out.append((t_acc, q_acc))
                t_acc, q_acc, i_first = 0.0, 0.0, None
            if i_first is None:
                i_first = i
            t_acc += dt
            q_acc += i * dt
        if t_acc > 0:
            out.append((t_acc, q_acc))
        return [Step("cc", scale * q / t, t) if q != 0 else Step("rest", 0.0, t)
                for t, q in out if t > 0]


def extract(res, battery, chip) -> WindowDraw:
    """The draw of ``battery`` (SlowBattery) in window result ``res`` of ``chip``."""
    t = np.asarray(res.time, dtype=float)
    if t.size < 2 or not t[-1] > 0:
        raise SimulationError(f"the window of chip {chip.title!r} has no transient "
                              "(give it a .tran analysis)")
    nets = chip.element(battery.xname).nets
    volt = [np.zeros_like(t) if n == "0" else np.asarray(res[f"v({n})"], float) for n in nets[:2]]
    v = volt[0] - volt[1]
    dt = np.diff(t)
    keep = dt > 0                       # engines may repeat a time point at a breakpoint
    vm = 0.5 * (v[1:] + v[:-1])
    qa = np.asarray(res[battery.probe("qa")], dtype=float)
    if battery.current is not None:
        i = np.asarray(res[battery.current], dtype=float)
        im = 0.5 * (i[1:] + i[:-1])
        peak, i_end = float(np.max(i)), float(i[-1])
    else:
        # anode current (Li counter) minus the electronic leak across the terminals
        r_leak = battery.device.r_leak
        im = np.zeros_like(dt)
        im[keep] = np.diff(qa)[keep] / dt[keep]
        im = im - vm / r_leak
        peak, i_end = float(np.max(im)), float(im[keep][-1])
    return WindowDraw(dt=dt[keep], i=im[keep], v=vm[keep], i_peak=peak, v_min=float(v.min()),
                      v_end=float(v[-1]), i_end=i_end, li_out=float(qa[-1]))
