"""Fit a thin-film microbattery (:class:`lithispice.devices.microbattery.Microbattery`) to
constant-current discharge / charge curves and to pulse-relaxation (GITT-like) data, through
the compiled kernel (``Microbattery.simulate``: one C call per data set and candidate).

Data kinds (:data:`DATA_KINDS`), SI units:

* ``discharge`` / ``charge`` (:class:`DischargeCurve`, :class:`ChargeCurve`): terminal voltage
  ``v`` (V) against time ``t`` (s since the constant current was switched on) at a constant
  current ``current`` (A, the magnitude) and a ``temperature`` (K), from a uniform initial state
  of charge ``soc0`` (1 for a discharge, 0 for a charge by default). A CSV may give the charge
  passed instead of the time (``q [mAh], v [V]``): ``t = q / current``.
* ``gitt`` (:class:`GITTData`): ``t`` (s), ``i`` (A, > 0 discharges) and ``v`` (V) of current
  pulses and rests. The current is read as a zero-order hold that switches at the first sample
  carrying the new value (what a cycler logs at a step change).

What the data pin (the model: ``csrc/microbattery.h``): ``D`` (cathode diffusivity) from the
sqrt(t) relaxation and the rate dependence of the delivered capacity; ``i0_cathode`` and the
electrolyte's ``sigma_ref`` (``R_ion = L_e / (sigma A)``) from the instantaneous drops, which
separate only through the Butler-Volmer non-linearity, i.e. with currents of the order of the
exchange current ``i0 A`` or above (several C-rates); ``ea_D`` from data at two or more
temperatures; the leak ``sigma_e`` from self-discharge during long rests. The capacity is NOT
fitted: it comes from the geometry (``F c_max A L``) and is checked against the charge the data
deliver (:attr:`MicrobatteryFitResult.capacity_check`, a warning beyond 5 %).

Weighting: every voltage residual is divided by the data set's noise ``sigma`` (V) -- given on
the data object, else estimated: first from the scatter of each point about the line through
its two neighbours (median absolute deviation, robust to the pulse edges), then, after a first
fit, from that data set's own fit residuals, and the fit is run again with those weights
(two-pass feasible weighted least squares). With every ``sigma`` given, the intervals take
them as absolute; otherwise the residual variance scales them
(:func:`lithispice.fit.core.least_squares_fit`).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar, Optional, Union

import numpy as np

from ..errors import ConvergenceError, ParameterError
from .core import FitParam, FitResult, least_squares_fit, resolve_params
from .data import DataError, check_series, read_csv

__all__ = ["DischargeCurve", "ChargeCurve", "GITTData", "DATA_KINDS", "DEFAULT_PARAMS",
           "MicrobatteryFitResult", "fit", "synthetic", "model_voltage"]

V_WINDOW = 10.0          # V: terminal voltages the kernel reports (Microbattery V_WINDOW)
MAX_C_RATE = 50.0        # a current above this many C is a unit slip (mA written as A), not data
MIN_C_RATE = 1e-3        # a constant-current curve below C/1000 (1000 h) is one too (A as mA)
CAPACITY_TOLERANCE = 0.05  # relative disagreement of delivered charge that earns a warning
CAPACITY_REFUSE = 3.0    # data delivering this many times the geometric capacity: refused
_EXTEND_V = 0.3          # V: the model runs this far past the data's last voltage (cut-off)


def _scalar(name: str, value, lo: float, hi: float, unit: str, *, lo_open=True) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{value!r} is not a number ({unit})", column=name) from None
    ok = math.isfinite(x) and (x > lo if lo_open else x >= lo) and x <= hi
    if not ok:
        raise DataError(f"{x:g} {unit} is outside {'(' if lo_open else '['}{lo:g}, {hi:g}] "
                        f"{unit}", column=name)
    return x


def _temperature(value) -> float:
    """A scalar temperature in K with the Celsius-as-K check of :func:`check_series`."""
    x = _scalar("temperature", value, 0.0, 2000.0, "K")
    return float(check_series("temperature", [x], "K")[0])


def _voltages(name: str, v, min_rows: int, path=None) -> np.ndarray:
    a = check_series(name, v, "V", min_rows=min_rows, path=path)
    bad = np.flatnonzero(np.abs(a) > V_WINDOW)
    if bad.size:
        raise DataError(f"{a[bad[0]]:g} V at row {bad[0]} is beyond the +-{V_WINDOW:g} V a cell "
                        "can show (millivolts declared as V?)", column=name, path=path)
    return a


@dataclass(frozen=True)
class DischargeCurve:
    """A constant-current discharge: ``t`` s since the current was switched on (t[0] >= 0,
    strictly increasing), ``v`` terminal voltage V, ``current`` A (magnitude, > 0),
    ``temperature`` K, ``soc0`` the uniform state of charge at t = 0 (1 = charged),
    ``sigma`` the voltage noise standard deviation V (None: estimated), ``label`` for reports."""
    t: np.ndarray
    v: np.ndarray
    current: float
    temperature: float = 298.15
    soc0: float = 1.0
    sigma: Optional[float] = None
    label: str = ""

    kind: ClassVar[str] = "discharge"
    sign: ClassVar[int] = +1          # sign of the kernel current (> 0 discharges)
    MIN_ROWS: ClassVar[int] = 5

    def __post_init__(self):
        t = check_series("t", self.t, "s", time_like=True, min_rows=self.MIN_ROWS)
        if t[0] < 0:
            raise DataError(f"t[0] = {t[0]:g} s: time must count from the switch-on of the "
                            "current (t >= 0)", column="t")
        v = _voltages("v", self.v, self.MIN_ROWS)
        if v.size != t.size:
            raise DataError(f"{v.size} voltages for {t.size} times", column="v")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "current", _scalar("current", self.current, 0.0, 1e3, "A"))
        object.__setattr__(self, "temperature", _temperature(self.temperature))
        object.__setattr__(self, "soc0", _scalar("soc0", self.soc0, 0.0, 1.0, "1",
                                                 lo_open=False))
        if self.sigma is not None:
            object.__setattr__(self, "sigma", _scalar("sigma", self.sigma, 0.0, 1.0, "V"))

    @property
    def delivered_C(self) -> float:
        """Charge passed over the data, C (current x duration)."""
        return self.current * float(self.t[-1])

    @classmethod
    def from_csv(cls, path, current: Optional[float] = None, **meta) -> "DischargeCurve":
        """Read ``t [s], v [V]`` (or ``q [mAh], v [V]``: charge passed instead of time) with
        optional ``i [A]`` and ``T [K]`` columns (each must be constant); ``current`` (A) and
        the other fields (``temperature`` K, ``soc0``, ``sigma`` V, ``label``) as keywords when
        not columns. Units in the header are converted (``i [uA]``, ``T [degC]``)."""
        path = str(path)
        cols = read_csv(path, {"t": "s", "q": "C", "v": "V", "i": "A", "T": "K"},
                        optional=("t", "q", "i", "T"), min_rows=cls.MIN_ROWS)
        if "i" in cols:
            m = float(np.mean(cols["i"]))
            if m * cls.sign <= 0:
                raise DataError(f"mean current {m:g} A has the sign of a "
                                f"{'charge' if m < 0 else 'discharge'} (> 0 discharges), but "
                                f"this is kind {cls.kind!r}", column="i", path=path)
            current = _constant(cols["i"], "i", path, abs_=True)
        if current is None:
            raise DataError("no current: give an 'i [A]' column or current=... (A)",
                            column="i", path=path)
        if "T" in cols:
            meta["temperature"] = _constant(cols["T"], "T", path)
        if "t" in cols:
            t = check_series("t", cols["t"], "s", time_like=True, path=path)
        elif "q" in cols:
            q = check_series("q", np.abs(cols["q"]), "C", time_like=True, path=path)
            t = q / float(current)
        else:
            raise DataError("missing: a time column 't [s]' or a charge column 'q [mAh]'",
                            column="t", path=path)
        meta.setdefault("label", path)
        try:
            return cls(t=t, v=cols["v"], current=current, **meta)
        except DataError as exc:
            raise exc.at(path) from None


@dataclass(frozen=True)
class ChargeCurve(DischargeCurve):
    """A constant-current charge (same fields as :class:`DischargeCurve`; ``current`` is the
    magnitude of the charging current, A; ``soc0`` defaults to 0 = discharged). CC phase only:
    trim a CV tail before fitting."""
    soc0: float = 0.0

    kind: ClassVar[str] = "charge"
    sign: ClassVar[int] = -1


def _constant(a, name, path, abs_=False) -> float:
    """Mean of a column that must be constant: within 2 % (current) or 1 K (temperature)."""
    a = np.abs(a) if abs_ else np.asarray(a)
    m = float(np.mean(a))
    if np.ptp(a) > (1.0 if name == "T" else 0.02 * abs(m)):
        raise DataError(f"must be constant for this data kind (varies {a.min():g} .. "
                        f"{a.max():g}); use kind 'gitt' for a varying current", column=name,
                        path=path)
    return m


@dataclass(frozen=True)
class GITTData:
    """Current pulses and rests: ``t`` s (strictly increasing), ``i`` A (> 0 discharges; the
    current switches at the first sample that carries the new value), ``v`` terminal voltage V,
    ``temperature`` K, ``soc0`` uniform state of charge at t[0] (the cell relaxed), ``sigma``
    voltage noise V (None: estimated), ``label``."""
    t: np.ndarray
    i: np.ndarray
    v: np.ndarray
    temperature: float = 298.15
    soc0: float = 1.0
    sigma: Optional[float] = None
    label: str = ""

    kind: ClassVar[str] = "gitt"
    MIN_ROWS: ClassVar[int] = 10

    def __post_init__(self):
        t = check_series("t", self.t, "s", time_like=True, min_rows=self.MIN_ROWS)
        i = check_series("i", self.i, "A", min_rows=self.MIN_ROWS)
        v = _voltages("v", self.v, self.MIN_ROWS)
        for name, a in (("i", i), ("v", v)):
            if a.size != t.size:
                raise DataError(f"{a.size} values for {t.size} times", column=name)
        if not np.any(i != 0):
            raise DataError("no current pulse (all zero): nothing to fit", column="i")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "i", i)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "temperature", _temperature(self.temperature))
        object.__setattr__(self, "soc0", _scalar("soc0", self.soc0, 0.0, 1.0, "1",
                                                 lo_open=False))
        if self.sigma is not None:
            object.__setattr__(self, "sigma", _scalar("sigma", self.sigma, 0.0, 1.0, "V"))

    @property
    def delivered_C(self) -> float:
        """Net charge passed (> 0 discharge), C: the zero-order-hold integral of i."""
        return float(np.sum(self.i[:-1] * np.diff(self.t)))

    @classmethod
    def from_csv(cls, path, **meta) -> "GITTData":
        """Read ``t [s], i [A], v [V]`` (any multiples) and optionally a constant ``T [K]``
        column; ``temperature`` K, ``soc0``, ``sigma`` V, ``label`` as keywords otherwise."""
        path = str(path)
        cols = read_csv(path, {"t": "s", "i": "A", "v": "V", "T": "K"}, time_column="t",
                        optional=("T",), min_rows=cls.MIN_ROWS)
        if "T" in cols:
            meta["temperature"] = _constant(cols["T"], "T", path)
        meta.setdefault("label", path)
        try:
            return cls(t=cols["t"], i=cols["i"], v=cols["v"], **meta)
        except DataError as exc:
            raise exc.at(path) from None


DATA_KINDS: dict[str, type] = {"discharge": DischargeCurve, "charge": ChargeCurve,
                               "gitt": GITTData}
Data = Union[DischargeCurve, ChargeCurve, GITTData]

#: Fittable fields. Log scale for the quantities spanning decades (D, i0, conductivities);
#: the activation energies linear, eV. The capacity (c_max, geometry) is a CHECK, not fitted
#: by default; listed for a user who trusts the curves more than the geometry.
DEFAULT_PARAMS: dict[str, FitParam] = {
    "D": FitParam("D", 1e-19, 1e-11, log=True),
    "ea_D": FitParam("ea_D", 0.0, 1.5),
    "i0_cathode": FitParam("i0_cathode", 1e-4, 1e4, log=True),
    "ea_i0_cathode": FitParam("ea_i0_cathode", 0.0, 1.5),
    "sigma_ref": FitParam("sigma_ref", 1e-9, 1e1, log=True),
    "ea_sigma": FitParam("ea_sigma", 0.0, 1.5),
    "i0_anode": FitParam("i0_anode", 1e-3, 1e5, log=True),
    "sigma_e": FitParam("sigma_e", 1e-16, 1e-2, log=True),
    "c_dl": FitParam("c_dl", 1e-5, 10.0, log=True),
    "c_max": FitParam("c_max", 1e2, 1e6),
}
_ACTIVATION = {"ea_D": "D", "ea_i0_cathode": "i0_cathode", "ea_sigma": "sigma_ref",
               "ea_i0_anode": "i0_anode"}


# ------------------------------------------------------------------------------------------
# forward model
# ------------------------------------------------------------------------------------------

def _gitt_stimulus(t: np.ndarray, i: np.ndarray):
    """Kernel time grid and current for a zero-order-hold current that switches at the first
    sample carrying the new value: a point just before each such sample keeps the old one."""
    change = np.flatnonzero(np.diff(i) != 0) + 1
    if change.size == 0:
        return t, i
    dt = t[change] - t[change - 1]
    t_pre = t[change] - 1e-6 * dt
    ts = np.insert(t, change, t_pre)
    cs = np.insert(i, change, i[change - 1])
    return ts, cs


def model_voltage(device, data: Data) -> np.ndarray:
    """The kernel's terminal voltage (V) at the data's sample times for ``device`` under the
    data's current, temperature and initial state. A run that ends early (cut-off, surface
    saturated, anode empty) holds its last voltage. Constant-current runs stop
    :data:`_EXTEND_V` beyond the data's last voltage (or at the cell's cut-off, if further)."""
    T = data.temperature
    if isinstance(data, GITTData):
        ts, cs = _gitt_stimulus(data.t, data.i)
        tr = device.simulate(ts, cs, temperature=T, soc0=data.soc0, v_min=-math.inf,
                             v_max=math.inf)
    else:
        t = data.t if data.t[0] > 0 else data.t[1:]
        ts = np.concatenate([[0.0], t])
        if data.sign > 0:
            lo = min(device.v_min, float(data.v.min()) - _EXTEND_V)
            tr = device.simulate(ts, data.current, temperature=T, soc0=data.soc0,
                                 v_min=max(lo, 0.0), v_max=math.inf)
        else:
            hi = max(device.v_max, float(data.v.max()) + _EXTEND_V)
            tr = device.simulate(ts, -data.current, temperature=T, soc0=data.soc0,
                                 v_min=-math.inf, v_max=min(hi, V_WINDOW))
    return np.interp(data.t, tr.t, tr.v)


def noise_estimate(data: Data) -> float:
    """Voltage noise standard deviation (V) of a data set: ``data.sigma`` if given, else the
    median absolute deviation of each point from the line through its neighbours, scaled to a
    Gaussian sigma (for white noise that deviation has variance sigma^2 (1 + w1^2 + w2^2));
    points next to a current step are left out. Floor 1 uV."""
    if data.sigma is not None:
        return float(data.sigma)
    t, v = data.t, data.v
    w2 = (t[1:-1] - t[:-2]) / (t[2:] - t[:-2])
    w1 = 1.0 - w2
    r = v[1:-1] - (w1 * v[:-2] + w2 * v[2:])
    scale = np.sqrt(1.0 + w1 ** 2 + w2 ** 2)
    keep = np.ones(r.size, bool)
    if isinstance(data, GITTData):
        edge = np.flatnonzero(np.diff(data.i) != 0)          # sample k -> k+1 changes current
        for k in (edge - 1, edge, edge + 1):                  # r index j is point j + 1
            keep[k[(k >= 0) & (k < r.size)]] = False
    else:
        keep[0] = False                                        # the switch-on at t = 0
    z = np.abs(r[keep] / scale[keep]) if keep.any() else np.abs(r / scale)
    return max(1.4826 * float(np.median(z)), 1e-6)


# ------------------------------------------------------------------------------------------
# the fit
# ------------------------------------------------------------------------------------------

@dataclass
class MicrobatteryFitResult(FitResult):
    """:class:`FitResult` plus the capacity check: one dict per data set with ``label``,
    ``q_data_C`` (charge the data deliver), ``q_model_C`` (charge the fitted device delivers
    under the same protocol to the data's last voltage; GITT: None), ``q_geometry_C``
    (F c_max A L of the device), ``disagreement`` (relative, model vs data) and ``ok``; and
    ``r_ion`` (ohm) of the fitted device at each data temperature (K)."""
    capacity_check: tuple = ()
    r_ion: dict = dataclasses.field(default_factory=dict)

    def report(self) -> str:
        lines = [super().report().rstrip("\n"), "",
                 "capacity check (geometry F c_max A L = "
                 f"{self.capacity_check[0]['q_geometry_C'] / 3.6:.4g} mAh):"
                 if self.capacity_check else "capacity check: no data"]
        for c in self.capacity_check:
            qm = ("-" if c["q_model_C"] is None else f"{c['q_model_C'] / 3.6:.4g} mAh")
            lines.append(f"  {c['label']}: data {c['q_data_C'] / 3.6:.4g} mAh, fitted model "
                         f"{qm}, {100 * c['q_data_C'] / c['q_geometry_C']:.1f} % of geometry"
                         + ("" if c["ok"] else "  DISAGREES"))
        if self.r_ion:
            lines.append("electrolyte R_ion of the fitted device: " + ", ".join(
                f"{r:.4g} ohm at {T:g} K" for T, r in sorted(self.r_ion.items())))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["capacity_check"] = [dict(c) for c in self.capacity_check]
        d["r_ion_ohm"] = {str(T): r for T, r in self.r_ion.items()}
        return d


def _as_list(data) -> list:
    items = [data] if isinstance(data, tuple(DATA_KINDS.values())) else list(data)
    if not items:
        raise ParameterError("data", data, "a data object or a non-empty sequence of them "
                             f"({', '.join(c.__name__ for c in DATA_KINDS.values())})")
    for d in items:
        if not isinstance(d, tuple(DATA_KINDS.values())):
            raise ParameterError("data", type(d).__name__, "DischargeCurve, ChargeCurve or "
                                 "GITTData")
    return items


def _check_against_device(device, items) -> None:
    """Unit slips that only the device's capacity reveals: a current of more than
    MAX_C_RATE C (mA written as A), a constant-current curve below MIN_C_RATE C, data that
    pass more than CAPACITY_REFUSE times the geometric capacity."""
    q = device.capacity_C
    one_c = q / 3600.0
    for d in items:
        name = d.label or d.kind
        imax = float(np.abs(d.i).max()) if isinstance(d, GITTData) else d.current
        col = "i" if isinstance(d, GITTData) else "current"
        if imax > MAX_C_RATE * one_c:
            raise DataError(f"{name}: {imax:.4g} A is {imax / one_c:.4g} C for this cell "
                            f"({q / 3.6:.4g} mAh from its geometry): milli- or microamperes "
                            f"written as A? (accepted: up to {MAX_C_RATE:g} C)", column=col)
        if not isinstance(d, GITTData) and imax < MIN_C_RATE * one_c:
            raise DataError(f"{name}: {imax:.4g} A is C/{one_c / imax:.4g} for this cell "
                            f"({q / 3.6:.4g} mAh from its geometry): amperes written as mA or "
                            f"uA? (accepted: from C/{1 / MIN_C_RATE:g})", column=col)
        if abs(d.delivered_C) > CAPACITY_REFUSE * q:
            raise DataError(f"{name}: the data pass {abs(d.delivered_C) / 3.6:.4g} mAh, "
                            f"{abs(d.delivered_C) / q:.3g} x the cell's capacity from geometry "
                            f"({q / 3.6:.4g} mAh): a unit slip in current or time, or the "
                            "device's area / cathode_thickness / c_max are wrong", column=col)


def default_params(items) -> list[str]:
    """The usual identifiable set for these data: D, i0_cathode, sigma_ref (R_ion); ea_D too
    when the data span two or more temperatures."""
    names = ["D", "i0_cathode", "sigma_ref"]
    if len({round(d.temperature, 3) for d in items}) >= 2:
        names.append("ea_D")
    return names


def _params(params, items) -> list[FitParam]:
    return resolve_params(default_params(items) if params is None else params, DEFAULT_PARAMS)


def _capacity_check(device, items) -> tuple:
    """Delivered charge: data vs the fitted device run to the data's last voltage."""
    q_geo = device.capacity_C
    out = []
    for k, d in enumerate(items):
        label = d.label or f"{d.kind} {k}"
        q_model = None
        if not isinstance(d, GITTData):
            v_end = float(d.v[-1])
            t_max = 3.0 * float(d.t[-1]) + 3600.0
            try:
                if d.sign > 0:
                    tr = device.discharge_cc(d.current, d.temperature, d.soc0,
                                             v_min=max(v_end, 0.0), t_max=t_max)
                else:
                    tr = device.charge_cc(d.current, d.temperature, d.soc0,
                                          v_max=min(v_end, V_WINDOW), t_max=t_max)
                q_model = d.current * float(tr.t[-1])
            except (ParameterError, ConvergenceError):
                q_model = 0.0
        q_data = abs(d.delivered_C)
        ref = q_model if q_model is not None else q_geo
        dis = abs(ref - q_data) / max(q_data, 1e-300) if q_model is not None else \
            max(0.0, q_data / q_geo - 1.0)
        out.append(dict(label=label, q_data_C=q_data, q_model_C=q_model, q_geometry_C=q_geo,
                        disagreement=dis, ok=bool(dis <= CAPACITY_TOLERANCE)))
    return tuple(out)


def fit(device, data, params=None, *, data_label: str = "arrays",
        **kw) -> MicrobatteryFitResult:
    """Fit ``params`` of the microbattery ``device`` to ``data`` (one data object of
    :data:`DATA_KINDS` or a sequence of them, kinds mixed).

    ``params``: field names (looked up in :data:`DEFAULT_PARAMS`) or :class:`FitParam`
    objects; default :func:`default_params` (D, i0_cathode, sigma_ref; + ea_D with two or more
    temperatures). Residuals: (model - data) voltage / sigma per data set (module docstring).
    ``kw`` go to :func:`lithispice.fit.core.least_squares_fit` (``max_nfev``, ``diff_step``,
    ``loss``). An activation energy fitted from data at a single temperature is flagged
    unidentifiable. Returns a :class:`MicrobatteryFitResult` whose ``device`` is the fitted
    cell; a capacity disagreement of more than 5 % between the data and the fitted device
    (whose capacity comes from its geometry) is in ``warnings``."""
    items = _as_list(data)
    _check_against_device(device, items)
    fparams = _params(params, items)
    sig = [noise_estimate(d) for d in items]
    labels = []
    for k, d in enumerate(items):
        cur = (f"{d.current * 1e6:.4g} uA" if not isinstance(d, GITTData)
               else f"pulses to {np.abs(d.i).max() * 1e6:.4g} uA")
        labels.append(f"{k}: {d.kind} {cur} {d.temperature:.5g} K")

    def residuals(dev):
        out = {}
        for lab, d, s in zip(labels, items, sig):
            try:
                out[lab] = (model_voltage(dev, d) - d.v) / s
            except ConvergenceError:
                out[lab] = np.full(d.v.size, np.nan)     # the core's penalty
        return out

    absolute = all(d.sigma is not None for d in items)
    res = least_squares_fit(device, fparams, residuals, data_label=data_label,
                            absolute_sigma=absolute, **kw)
    if not absolute:
        # second pass with each estimated sigma replaced by its group's fit residual (dof
        # shared out by group size): the neighbour estimate over-reads noise on coarse curves
        # with sharp knees, which under-weights them and widens the intervals of what they
        # pin (measured: D's intervals 1.6x the estimates' spread without this pass)
        n_all, p_ = res.n_data, len(fparams)
        for k, (lab, d) in enumerate(zip(labels, items)):
            if d.sigma is None:
                r = res.residuals[lab] * sig[k]
                dof = r.size * (1.0 - p_ / n_all)
                sig[k] = max(float(np.sqrt(np.sum(r ** 2) / dof)), 1e-6)
        again = [dataclasses.replace(p, start=res.values[p.field]) for p in fparams]
        first = res
        res = least_squares_fit(device, again, residuals, data_label=data_label,
                                absolute_sigma=False, **kw)
        res.start, res.nfev = first.start, res.nfev + first.nfev
        res.elapsed += first.elapsed
    unident, warn = list(res.unidentifiable), list(res.warnings)
    temps = sorted({round(d.temperature, 3) for d in items})
    if len(temps) < 2:
        for p in fparams:
            if p.field in _ACTIVATION:
                warn.append(f"{p.field}: not identifiable from these data: the activation "
                            f"energy of {_ACTIVATION[p.field]} needs data at >= 2 "
                            f"temperatures (all at {temps[0]:g} K)")
                if p.field not in unident:
                    unident.append(p.field)
    cap = _capacity_check(res.device, items)
    for c in cap:
        if not c["ok"]:
            if c["q_model_C"] is not None:
                warn.append(f"capacity: {c['label']} delivers {c['q_data_C'] / 3.6:.4g} mAh to "
                            f"its last voltage, the fitted device {c['q_model_C'] / 3.6:.4g} "
                            f"mAh ({100 * c['disagreement']:.1f} % apart; capacity from "
                            f"geometry {c['q_geometry_C'] / 3.6:.4g} mAh): check area, "
                            "cathode_thickness and c_max")
            else:
                warn.append(f"capacity: {c['label']} passes {c['q_data_C'] / 3.6:.4g} mAh, "
                            f"more than the capacity from geometry "
                            f"{c['q_geometry_C'] / 3.6:.4g} mAh: check area, "
                            "cathode_thickness and c_max")
    r_ion = {}
    for T in temps:
        try:
            r_ion[T] = float(res.device.r_ion(T))
        except ParameterError:
            pass
    base = {f.name: getattr(res, f.name) for f in dataclasses.fields(FitResult)}
    base.update(unidentifiable=tuple(unident), warnings=tuple(warn))
    return MicrobatteryFitResult(**base, capacity_check=cap, r_ion=r_ion)


# ------------------------------------------------------------------------------------------
# synthetic data
# ------------------------------------------------------------------------------------------

def synthetic(device, kind: str, *, seed: int, noise: float = 1e-3, **conditions) -> Data:
    """Noisy data of ``kind`` from ``device`` through the kernel (Gaussian voltage noise of
    standard deviation ``noise`` V, generator ``seed``; ``sigma`` of the returned object is
    None, i.e. estimated at fit time, unless ``sigma=`` is given).

    discharge / charge: ``c_rate`` (default 1; or ``current`` A), ``temperature`` K,
    ``soc0``, ``n_points`` (default 60) spread evenly up to the cell's cut-off (v_min /
    v_max), ``sigma``, ``label``.
    gitt: ``c_rate`` (default 1; or ``current`` A, the pulse current, > 0 discharges),
    ``t_on`` s (default 60), ``t_off`` s (default 240), ``n_pulses`` (default 4), ``dt``
    sampling s (default 4), ``temperature``, ``soc0``, ``sigma``, ``label``."""
    if kind not in DATA_KINDS:
        raise ParameterError("kind", kind, f"one of {', '.join(DATA_KINDS)}")
    rng = np.random.default_rng(seed)
    c = dict(conditions)
    current = c.pop("current", None)
    c_rate = c.pop("c_rate", 1.0)
    if current is None:
        current = c_rate * device.capacity_C / 3600.0
    T = c.pop("temperature", 298.15)
    extra = {k: c.pop(k) for k in ("sigma", "label") if k in c}
    if kind in ("discharge", "charge"):
        cls = DATA_KINDS[kind]
        soc0 = c.pop("soc0", 1.0 if kind == "discharge" else 0.0)
        n = int(c.pop("n_points", 60))
        _no_more(c)
        tr = (device.discharge_cc(current, T, soc0) if kind == "discharge"
              else device.charge_cc(current, T, soc0))
        t = np.linspace(0.0, float(tr.t[-1]) * (1.0 - 1e-6), n)
        clean = cls(t=t, v=np.interp(t, tr.t, tr.v), current=current, temperature=T,
                    soc0=soc0)
        v = model_voltage(device, clean)
        return cls(t=t, v=v + rng.normal(0.0, noise, t.size), current=current,
                   temperature=T, soc0=soc0, **extra)
    t_on, t_off = float(c.pop("t_on", 60.0)), float(c.pop("t_off", 240.0))
    n_p, dt = int(c.pop("n_pulses", 4)), float(c.pop("dt", 4.0))
    soc0 = c.pop("soc0", 1.0)
    _no_more(c)
    period = t_on + t_off
    t = np.arange(0.0, n_p * period + 0.5 * dt, dt)
    i = np.where((t % period) < t_on - 1e-9, current, 0.0)
    i[0] = 0.0                                        # relaxed at t = 0, pulse from sample 1
    clean = GITTData(t=t, i=i, v=np.full(t.size, 4.0), temperature=T, soc0=soc0)
    v = model_voltage(device, clean)
    return GITTData(t=t, i=i, v=v + rng.normal(0.0, noise, t.size), temperature=T,
                    soc0=soc0, **extra)


def _no_more(c: dict) -> None:
    if c:
        raise ParameterError("conditions", sorted(c), "known keywords of synthetic() for this "
                             "kind (see its docstring)")
