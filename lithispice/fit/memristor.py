"""Fit a Li memristor (:class:`~lithispice.devices.memristor.Memristor`) to measured data
through its compiled kernel.

Data kinds (``DATA_KINDS``):

* ``iv_loop`` (:class:`IVLoop`): current ``i`` (A) under a measured voltage ``v`` (V) at times
  ``t`` (s), one loop (or several cycles) at one temperature (K); give one object per sweep
  rate / temperature. The model current comes from :meth:`Memristor.simulate` on the
  measured ``v(t)`` (taken as piecewise linear between samples, as the kernel integrates it
  exactly), starting from the state ``w0`` (default 0: the device was reset before the
  sweep). Residual: ``(i_model - i) / sigma``.
* ``switching_times`` (:class:`SwitchingTimes`): time to switch (s) under constant pulses of
  amplitude |V| (V), ``kind`` "set" or "reset", temperature (K, scalar or per row). The
  model's switching time is DEFINED with the device's own threshold convention
  (memristor.py): a set pulse +|V| starts from w = 0 and the switch is done when w reaches
  ``threshold`` (default 0.9); a reset pulse -|V| starts from w = 1 and is done at w = 1 -
  ``threshold`` (0.1). So at |V| = v_set and t_ref the model switches in exactly
  ``t_switch_set``. All amplitudes of a data object run in one :func:`simulate_array` call
  (one device row per amplitude, a log-spaced time grid spanning the measured times 1e-3 ..
  1e3 x); the crossing is interpolated in the window coordinate ``G(w) = integral_0^w
  (1-x)^-p dx``, which grows linearly in time under a constant pulse (exact up to
  retention, so the grid need not be fine). Residual: ``(ln t_model - ln t) / sigma``
  (``sigma`` = the scatter of ln t, dimensionless; 0.1 = ~10 %).

Weighting: each data object's residuals are divided by its noise level ``sigma`` (A for
loops, ln-units for switching times), so groups of different units combine. When ``sigma``
is not given it is ESTIMATED: for a loop from the second differences of i (robust MAD: white
noise of sigma gives differences of sigma sqrt(6); a smooth loop sampled at >~ 100 points per
cycle adds almost nothing), for switching times from the scatter of ln t about a quadratic in
|V| (default 0.1 with < 5 rows). With several groups and any estimated sigma the fit runs
twice: the second pass rescales each estimated sigma by its group's residual rms of the
first (so each group weighs by its actual misfit), and the intervals use the residual
variance (``absolute_sigma=False``); with every sigma given, ``absolute_sigma=True``.

Identifiability notes: ``v_set`` and ``t_switch_set`` are one degree of freedom of the rate
law (the threshold is the voltage that switches in ``t_switch``): the default fits the
threshold and the nonlinearity with ``t_switch`` held; fit ``t_switch_set`` instead when
the threshold is fixed. Activation energies (``ea_switch``, ``ea_retention``) need data at
two or more temperatures: with one they are flagged unidentifiable whatever the Jacobian
says.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Mapping, Optional, Union

import numpy as np

from ..devices.memristor import Memristor, simulate_array
from ..errors import ParameterError
from .core import FitParam, FitResult, least_squares_fit, resolve_params
from .data import DataError, check_series, condition, constant_column, noise_level, read_csv

__all__ = ["IVLoop", "SwitchingTimes", "DATA_KINDS", "DEFAULT_PARAMS", "fit", "synthetic",
           "switching_time", "default_params", "spice_current", "plot_fit", "loop_current"]


@dataclass(frozen=True)
class IVLoop:
    """One measured I-V loop (or several cycles of one stimulus).

    ``t`` s (strictly increasing), ``v`` V and ``i`` A at those times (current into the
    device's p pin); ``temperature`` K; ``w0`` the state at t[0] (1; 0 = reset); ``sigma``
    the current noise, A (None: estimated); ``label`` names the group in the report."""
    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    temperature: float = 298.15
    w0: float = 0.0
    sigma: Optional[float] = None
    label: str = ""

    def __post_init__(self):
        t = check_series("t", self.t, "s", time_like=True, min_rows=8)
        v = check_series("v", self.v, "V", min_rows=8)
        i = check_series("i", self.i, "A", min_rows=8)
        if not (v.size == t.size == i.size):
            raise DataError(f"t, v and i must have one value per time: {t.size}, {v.size}, "
                            f"{i.size} rows", column="v" if v.size != t.size else "i")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "i", i)
        object.__setattr__(self, "temperature", condition("temperature", self.temperature, "K"))
        if not (isinstance(self.w0, (int, float)) and 0.0 <= self.w0 <= 1.0):
            raise DataError(f"initial state {self.w0!r} must be in [0, 1]", column="w0")
        object.__setattr__(self, "sigma", noise_level("sigma", self.sigma, "A"))
        # the kernel's inputs, checked once here instead of on every model evaluation
        object.__setattr__(self, "_kernel_in", (
            np.ascontiguousarray(t), np.ascontiguousarray(v.reshape(1, -1)),
            np.array([self.temperature]), np.array([float(self.w0)])))

    @classmethod
    def from_csv(cls, path, *, temperature: Optional[float] = None, w0: float = 0.0,
                 sigma: Optional[float] = None, label: Optional[str] = None) -> "IVLoop":
        """Read columns ``t``, ``v``, ``i`` (units in the header, e.g. ``t [us], v [V],
        i [uA]``) and an optional constant ``T`` column (K or degC); ``temperature`` (K)
        when there is no T column (default 298.15 K)."""
        cols = read_csv(path, {"t": "s", "v": "V", "i": "A", "T": "K"}, time_column="t",
                        optional=("T",), min_rows=8)
        T = constant_column(cols, "T", str(path), tol=0.5, given=temperature)
        T = 298.15 if T is None else T
        return cls(cols["t"], cols["v"], cols["i"], temperature=T, w0=w0, sigma=sigma,
                   label=label if label is not None else str(path))

    def noise_estimate(self) -> float:
        """Current noise, A: 1.4826 MAD of the second differences / sqrt(6) (robust to the
        few large differences at switching events); floored at 1e-6 of the peak current."""
        d2 = np.diff(self.i, 2)
        mad = 1.4826 * float(np.median(np.abs(d2 - np.median(d2))))
        return max(mad / math.sqrt(6.0), 1e-6 * float(np.max(np.abs(self.i))), 1e-30)


@dataclass(frozen=True)
class SwitchingTimes:
    """Measured switching times under constant voltage pulses.

    ``amplitude`` |V| per row, V (> 0; the sign comes from ``kind``); ``time`` s to switch;
    ``kind`` "set" (w 0 -> threshold under +|V|) or "reset" (w 1 -> 1 - threshold under
    -|V|); ``temperature`` K, a scalar or one per row; ``threshold`` the switched fraction
    that counts as switched (1; default 0.9, the device's own convention); ``sigma`` the
    scatter of ln(time) (1; None: estimated)."""
    amplitude: np.ndarray
    time: np.ndarray
    kind: str = "set"
    temperature: Union[float, np.ndarray] = 298.15
    threshold: float = 0.9
    sigma: Optional[float] = None
    label: str = ""

    def __post_init__(self):
        a = check_series("amplitude", self.amplitude, "V", min_rows=3)
        tt = check_series("time", self.time, "s", min_rows=3)
        if a.size != tt.size:
            raise DataError(f"{a.size} amplitudes but {tt.size} times", column="time")
        if np.any(a <= 0):
            raise DataError("pulse amplitudes are magnitudes, > 0 V (the sign comes from "
                            "kind='set'/'reset')", column="amplitude")
        if np.any(tt <= 0):
            raise DataError("switching times must be > 0 s", column="time")
        if self.kind not in ("set", "reset"):
            raise DataError(f"kind {self.kind!r} must be 'set' or 'reset'", column="kind")
        T = check_series("temperature", np.broadcast_to(
            np.asarray(self.temperature, dtype=float), a.shape)
            if np.ndim(self.temperature) == 0 else self.temperature, "K")
        if T.size != a.size:
            raise DataError(f"{T.size} temperatures for {a.size} rows", column="temperature")
        if not (isinstance(self.threshold, (int, float)) and 0.0 < self.threshold < 1.0):
            raise DataError(f"threshold {self.threshold!r} must be in (0, 1)",
                            column="threshold")
        object.__setattr__(self, "amplitude", a)
        object.__setattr__(self, "time", tt)
        object.__setattr__(self, "temperature", T)
        object.__setattr__(self, "sigma", noise_level("sigma", self.sigma, "of ln t"))

    @classmethod
    def from_csv(cls, path, *, kind: str = "set", temperature: Optional[float] = None,
                 threshold: float = 0.9, sigma: Optional[float] = None,
                 label: Optional[str] = None) -> "SwitchingTimes":
        """Read columns ``V`` (pulse amplitude) and ``t`` (time to switch), optional ``T``
        per row, e.g. ``V [V], t [ns], T [degC]``; ``kind`` and ``temperature`` (K, when
        there is no T column; default 298.15 K) as metadata."""
        cols = read_csv(path, {"V": "V", "t": "s", "T": "K"}, optional=("T",), min_rows=3)
        T = cols.get("T", 298.15 if temperature is None else temperature)
        return cls(cols["V"], cols["t"], kind=kind, temperature=T, threshold=threshold,
                   sigma=sigma, label=label if label is not None else str(path))

    def noise_estimate(self) -> float:
        """Scatter of ln(time) about a quadratic in amplitude per temperature (1); 0.1 when
        there are too few rows for it."""
        res, dof = [], 0
        for T in np.unique(np.round(self.temperature, 1)):
            sel = np.round(self.temperature, 1) == T
            if sel.sum() >= 5:
                x, y = self.amplitude[sel], np.log(self.time[sel])
                c = np.polyfit(x, y, 2)
                res.append(y - np.polyval(c, x))
                dof += int(sel.sum()) - 3
        if dof < 2:
            return 0.1
        r = np.concatenate(res)
        return max(float(np.sqrt(np.sum(r ** 2) / dof)), 1e-4)


DATA_KINDS: dict[str, type] = {"iv_loop": IVLoop, "switching_times": SwitchingTimes}

#: fittable fields, SI bounds; log for quantities that span decades
DEFAULT_PARAMS: dict[str, FitParam] = {p.field: p for p in (
    FitParam("v_set", 1e-2, 1e3, log=True),
    FitParam("v_reset", 1e-2, 1e3, log=True),
    FitParam("t_switch_set", 1e-13, 1e6, log=True),
    FitParam("t_switch_reset", 1e-13, 1e6, log=True),
    FitParam("nonlinearity_set", 0.1, 50.0, log=True),
    FitParam("nonlinearity_reset", 0.1, 50.0, log=True),
    FitParam("window_p", 1.0, 10.0),
    FitParam("r_on", 1e-2, 1e13, log=True),
    FitParam("r_off", 1e-1, 1e16, log=True),
    FitParam("v_nonlinear", 1e-3, 1e3, log=True),
    FitParam("ea_switch", 0.0, 2.5),
    FitParam("tau_retention", 1e-9, 1e29, log=True),
    FitParam("ea_retention", 0.0, 2.5),
    FitParam("w_eq", 0.0, 1.0),
    FitParam("w_c", 1e-3, 0.99),
    FitParam("t_perc", 1.0, 5.0),
)}

#: fields whose effect is a temperature dependence: they need data at >= 2 temperatures
TEMPERATURE_FIELDS = ("ea_switch", "ea_retention")


def _as_list(data) -> list:
    items = [data] if isinstance(data, (IVLoop, SwitchingTimes)) else list(data)
    if not items:
        raise ParameterError("data", data, "an IVLoop or SwitchingTimes, or a non-empty "
                             "sequence of them")
    for d in items:
        if not isinstance(d, (IVLoop, SwitchingTimes)):
            raise ParameterError("data", type(d).__name__,
                                 "IVLoop or SwitchingTimes objects (DATA_KINDS)")
    return items


def _temperatures(items) -> np.ndarray:
    T = [np.atleast_1d(d.temperature) for d in items]
    return np.unique(np.round(np.concatenate(T)))          # distinct to 1 K


def default_params(device: Memristor, data) -> list[str]:
    """The usual identifiable set for these data: loops -> r_on, r_off, both thresholds and
    nonlinearities (+ v_nonlinear when the device's current is not ohmic); switching times
    -> the threshold and nonlinearity of their kind; ea_switch when the data span >= 2
    temperatures."""
    items = _as_list(data)
    out = []
    if any(isinstance(d, IVLoop) for d in items):
        out += ["r_on", "r_off", "v_set", "nonlinearity_set", "v_reset", "nonlinearity_reset"]
        if math.isfinite(device.v_nonlinear):
            out.append("v_nonlinear")
    for d in items:
        if isinstance(d, SwitchingTimes):
            for f in (f"v_{d.kind}", f"nonlinearity_{d.kind}"):
                if f not in out:
                    out.append(f)
    if len(_temperatures(items)) >= 2:
        out.append("ea_switch")
    return out


def _resolve(params, device, items) -> list[FitParam]:
    return resolve_params(default_params(device, items) if params is None else params,
                          DEFAULT_PARAMS)


# --------------------------------------------------------------------------- model side
def _window_coord(w: np.ndarray, p: float) -> np.ndarray:
    """G(w) = integral_0^w (1-x)^-p dx: linear in time under a constant set pulse."""
    u = np.clip(1.0 - w, 1e-300, 1.0)
    if p == 1.0:
        return -np.log(u)
    return (u ** (1.0 - p) - 1.0) / (p - 1.0)


def switching_time(device: Memristor, amplitude, kind: str = "set", temperature=298.15,
                   threshold: float = 0.9, t_span: Optional[tuple] = None) -> np.ndarray:
    """The model's time to switch (s) under constant pulses of magnitude ``amplitude`` (V,
    array), through the kernel (definition: module docstring). ``t_span`` = (first, last)
    time of the log grid, s (default: from the device's t_switch, 1e-6 .. 1e6 x). Beyond the
    grid's end the crossing is extrapolated linearly in the window coordinate."""
    a = np.atleast_1d(np.asarray(amplitude, dtype=float))
    T = np.broadcast_to(np.asarray(temperature, dtype=float), a.shape)
    if t_span is None:
        ts = device.t_switch_set if kind == "set" else device.t_switch_reset
        t_span = (ts * 1e-6, ts * 1e6)
    lo, hi = t_span
    n = max(int(np.ceil(8 * math.log10(hi / lo))), 16)      # 8 per decade: G is linear in t
    t = np.concatenate(([0.0], np.geomspace(lo, hi, n)))
    sign = 1.0 if kind == "set" else -1.0
    v = sign * a[:, None] * np.ones_like(t)[None, :]
    w0 = 0.0 if kind == "set" else 1.0
    tr = simulate_array([device] * a.size, t, v, temperature=np.ascontiguousarray(T), w0=w0,
                        threads=1)
    # progress towards the switch as a set-like fraction s: 0 at the start, threshold = done
    s = tr.state if kind == "set" else 1.0 - tr.state
    G = _window_coord(s, device.window_p)
    g_th = float(_window_coord(np.array([threshold]), device.window_p)[0])
    done = G >= g_th
    rows = np.arange(a.size)
    k = np.argmax(done, axis=1)                    # first grid point past the threshold
    crossed = done[rows, k]
    km = np.maximum(k - 1, 0)
    g0, g1 = G[rows, km], G[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = t[km] + (t[k] - t[km]) * (g_th - g0) / np.maximum(g1 - g0, 1e-300)
        # not switched by the end of the grid: extrapolate G linearly from t = 0
        beyond = t[-1] * g_th / np.maximum(G[:, -1], 1e-300)
    out = np.where(crossed, np.where(k == 0, 0.0, inside), beyond)
    return out


def loop_current(device: Memristor, loop: IVLoop) -> np.ndarray:
    """The device's current (A) under the loop's measured v(t): :meth:`Memristor.simulate`'s
    kernel call (same numbers) without re-checking the loop's arrays on every evaluation."""
    from .._kernels import memristor_simulate
    t, v2, T, w0 = loop._kernel_in
    w = np.empty((1, t.size))
    i = np.empty((1, t.size))
    memristor_simulate(device._packed.reshape(1, -1), T, t, v2, w0, out=(w, i))
    return i[0]


def _group_model(device: Memristor, d) -> np.ndarray:
    """The model's prediction for data object d (A for loops, s for switching times)."""
    if isinstance(d, IVLoop):
        return loop_current(device, d)
    span = (float(d.time.min()) * 1e-3, float(d.time.max()) * 1e3)
    return switching_time(device, d.amplitude, d.kind, d.temperature, d.threshold, span)


def _residual(model: np.ndarray, d, sigma: float) -> np.ndarray:
    if isinstance(d, IVLoop):
        return (model - d.i) / sigma
    return (np.log(np.maximum(model, 1e-300)) - np.log(d.time)) / sigma


def _labels(items) -> list[str]:
    out = []
    for k, d in enumerate(items):
        base = d.label or (f"iv_loop {k} @ {d.temperature:g} K" if isinstance(d, IVLoop) else
                           f"switching_times {k} ({d.kind})")
        lab, j = base, 2
        while lab in out:
            lab, j = f"{base} #{j}", j + 1
        out.append(lab)
    return out


# --------------------------------------------------------------------------- the fit
def fit(device: Memristor, data, params=None, *, data_label: str = "arrays",
        **kw) -> FitResult:
    """Fit ``params`` of ``device`` to ``data`` (an :class:`IVLoop`, a
    :class:`SwitchingTimes` or a sequence of them, kinds mixed) through the kernel.

    ``params``: field names (bounds from ``DEFAULT_PARAMS``) or :class:`FitParam` objects;
    default :func:`default_params`. Start values are ``device``'s. ``kw`` go to
    :func:`~lithispice.fit.core.least_squares_fit` (``max_nfev``, ``diff_step``, ``loss``).
    Weighting and the two-pass noise estimate: module docstring. Activation energies fitted
    to data at one temperature are flagged unidentifiable. Returns a FitResult whose
    ``device`` is the fitted Memristor."""
    if not isinstance(device, Memristor):
        raise ParameterError("device", type(device).__name__, "a Memristor")
    items = _as_list(data)
    fp = _resolve(params, device, items)
    labels = _labels(items)
    given = [d.sigma is not None for d in items]
    sig = [d.sigma if d.sigma is not None else d.noise_estimate() for d in items]

    def make_residuals(sigmas):
        def residuals(dev):
            return {lab: _residual(_group_model(dev, d), d, s)
                    for lab, d, s in zip(labels, items, sigmas)}
        return residuals

    absolute = all(given)
    res = least_squares_fit(device, fp, make_residuals(sig), data_label=data_label,
                            absolute_sigma=absolute, **kw)
    if not absolute and len(items) > 1:
        # second pass: each estimated sigma scaled by its group's misfit of the first pass
        sig2 = [s if g else s * max(float(np.sqrt(np.mean(res.residuals[lab] ** 2))), 1e-6)
                for s, g, lab in zip(sig, given, labels)]
        start_dev = device.replace(**res.values)
        first = res
        res = least_squares_fit(start_dev, fp, make_residuals(sig2), data_label=data_label,
                                absolute_sigma=False, **kw)
        # start_dev keeps the original source and assumed, so res.device cites them
        res = dataclasses.replace(res, start=dict(first.start), nfev=first.nfev + res.nfev,
                                  elapsed=first.elapsed + res.elapsed)
    return _flag_temperature(res, items)


def _flag_temperature(res: FitResult, items) -> FitResult:
    n_T = len(_temperatures(items))
    if n_T >= 2:
        return res
    fields = [f for f in res.names if f in TEMPERATURE_FIELDS]
    if not fields:
        return res
    # said even when the Jacobian already flagged it: this is the reason to give
    warns = list(res.warnings) + [
        f"{f}: not identifiable from these data: an activation energy needs data at >= 2 "
        f"temperatures (these data: {n_T})" for f in fields]
    extra = tuple(f for f in fields if f not in res.unidentifiable)
    return dataclasses.replace(res, unidentifiable=tuple(res.unidentifiable) + extra,
                               warnings=tuple(warns))


# --------------------------------------------------------------------------- synthetic data
def synthetic(device: Memristor, kind: str, *, seed: int = 0, noise: float = 0.02,
              **conditions):
    """Noisy data from ``device`` through the kernel (tests, examples, benchmarks).

    ``kind`` "iv_loop": a sine of ``amplitude`` V (default 1.3 x the larger threshold),
    ``frequency`` Hz (default 1 / (20 t_switch_set)), ``cycles`` (1), ``n`` points (400),
    ``temperature`` K (298.15), ``w0`` (0); additive Gaussian current noise of ``noise`` x
    the peak |i|. ``kind`` "switching_times": ``amplitudes`` V (default 0.8 .. 1.5 x the
    threshold, 8 values), ``switch`` "set"/"reset", ``temperature`` K (scalar or per row),
    ``threshold`` (0.9); lognormal scatter: ln t + ``noise`` N(0, 1). ``sigma`` (optional)
    is copied onto the data object. Returns an IVLoop or SwitchingTimes."""
    rng = np.random.default_rng(seed)
    sigma = conditions.pop("sigma", None)
    if kind == "iv_loop":
        amp = conditions.pop("amplitude", 1.3 * max(device.v_set, device.v_reset))
        f = conditions.pop("frequency", 1.0 / (20.0 * device.t_switch_set))
        cycles = conditions.pop("cycles", 1)
        n = conditions.pop("n", 400)
        T = conditions.pop("temperature", 298.15)
        w0 = conditions.pop("w0", 0.0)
        label = conditions.pop("label", "")
        _no_more(conditions)
        t = np.linspace(0.0, cycles / f, n)
        v = amp * np.sin(2 * np.pi * f * t)
        i = device.simulate(t, v, temperature=T, w0=w0).i
        i_noisy = i + noise * np.max(np.abs(i)) * rng.standard_normal(n)
        return IVLoop(t, v, i_noisy, temperature=T, w0=w0, sigma=sigma, label=label)
    if kind == "switching_times":
        sw = conditions.pop("switch", "set")
        vth = device.v_set if sw == "set" else device.v_reset
        amps = np.asarray(conditions.pop("amplitudes", vth * np.linspace(0.8, 1.5, 8)), float)
        T = conditions.pop("temperature", 298.15)
        th = conditions.pop("threshold", 0.9)
        label = conditions.pop("label", "")
        _no_more(conditions)
        ts = device.t_switch_set if sw == "set" else device.t_switch_reset
        tm = switching_time(device, amps, sw, T, th, (ts * 1e-8, ts * 1e8))
        tn = tm * np.exp(noise * rng.standard_normal(amps.size))
        return SwitchingTimes(amps, tn, kind=sw, temperature=T, threshold=th, sigma=sigma,
                              label=label)
    raise ParameterError("kind", kind, f"one of {sorted(DATA_KINDS)}")


def _no_more(conditions: Mapping) -> None:
    if conditions:
        raise ParameterError("conditions", sorted(conditions), "none beyond those documented "
                             "for this kind (lithispice.fit.memristor.synthetic)")


# --------------------------------------------------------------------------- SPICE check
def spice_current(device: Memristor, loop: IVLoop, *, engine: str = "ngspice",
                  reltol: float = 1e-6, timeout: float = 120.0) -> np.ndarray:
    """The current (A) of ``device``'s SPICE card driven by the loop's measured v(t) as a PWL
    source, run in ``engine`` (real ngspice or VACASK via :class:`~lithispice.Chip`),
    interpolated onto the loop's times. Checks that a fitted card reproduces the data."""
    from ..netlist.chip import Chip
    chip = Chip("fitted memristor card check")
    t = loop.t - loop.t[0]                 # the kernel starts at t[0] in w0; SPICE at 0
    chip.vsource("in", "a", "0", pwl=list(zip(t.tolist(), loop.v.tolist())))
    chip.add("m1", device, params={"w0": loop.w0, "tk": loop.temperature}, p="a", n="0")
    chip.options(reltol=reltol)
    span = float(t[-1])
    dt = float(np.min(np.diff(t)))
    chip.tran(span / 2000, span, tmax=min(dt, span / 1000))
    res = chip.run(timeout=timeout, engine=engine)
    # current into the device = current out of the source's p terminal
    return np.interp(t, res.time, -res["i(vin)"])


# --------------------------------------------------------------------------- plot
def plot_fit(result: FitResult, data, path) -> None:
    """PNG at ``path``: each data object against the fitted device -- I-V loops as i(v)
    (data dots, model line), switching times as time against |V| (log time)."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from ..fileio import atomic_path
    items = _as_list(data)
    dev = result.device
    fig, axes = plt.subplots(1, len(items), figsize=(4.2 * len(items), 3.6), squeeze=False)
    for ax, d, lab in zip(axes[0], items, _labels(items)):
        model = _group_model(dev, d)
        if isinstance(d, IVLoop):
            ax.plot(d.v, d.i * 1e6, ".", ms=2.5, label="data")
            ax.plot(d.v, model * 1e6, "-", lw=1.2, label="fit")
            ax.set_xlabel("v [V]")
            ax.set_ylabel("i [uA]")
        else:
            order = np.argsort(d.amplitude)
            ax.semilogy(d.amplitude, d.time, "o", ms=4, label="data")
            ax.semilogy(d.amplitude[order], model[order], "-", lw=1.2, label="fit")
            ax.set_xlabel(f"{d.kind} pulse |V| [V]")
            ax.set_ylabel("time to switch [s]")
        ax.set_title(lab, fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
