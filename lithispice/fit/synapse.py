"""Fit a three-terminal Li-ion synapse (:class:`~lithispice.devices.synapse.Synapse`) to
measured programming data, through its compiled kernel (``program_array`` /
``Synapse.simulate``: one compiled call per data set and candidate, no Python time loop).

Data kinds (``DATA_KINDS``; SI units):

* ``pulse_train`` -- :class:`PulseTrain`: conductance ``g`` (S) after pulse number ``n`` of a
  potentiation and/or depression train (``n = 0``: before the first pulse), pulses of
  ``amplitude`` (A for ``drive="current"``; for ``drive="voltage"`` the overdrive in V beyond
  the open-circuit potential at the start of the train, as :meth:`Synapse.potentiate`),
  ``t_on`` / ``t_off`` s, ``polarity`` "potentiate" / "depress" or +1 / -1 per row.
* ``gate_charge`` -- :class:`GateCharge`: charge ``q`` (C, magnitude) moved by ONE pulse of
  each ``amplitude`` applied at the device's initial state (rest before each pulse).
* ``ocp_relaxation`` -- :class:`OCPRelaxation`: open-circuit gate voltage ``v`` (V, gate minus
  channel) at times ``t`` (s) after the end of a pulse (floating gate).

What each kind can see (the issue's "channel law window, D, i0, R_ion" on Synapse fields):

====================  =============================================  ========================
issue                 Synapse fields (``DEFAULT_PARAMS``)            seen by
====================  =============================================  ========================
channel law window    ``sigma_a``, ``sigma_b`` (S/m; G = sigma W t    pulse_train (any drive)
                      / L), ``x_a``, ``x_b`` (stoichiometries)
D                     ``D_ch``, ``D_res`` (m2/s, log)                voltage-driven data;
                                                                     ocp_relaxation only with
                                                                     ``n_volumes > 1``
i0                    ``i0_ch``, ``i0_res`` (A/m2, log)              voltage-driven data
R_ion                 ``sigma_ref`` (S/m, log): R_ion = el_thickness voltage-driven data
                      / (sigma_ref w_ch l_ch)
leak                  ``sigma_e`` (S/m, log)                         long floating rests
activation energies   ``ea_D``, ``ea_i0``, ``ea_sigma`` (eV)         data at >= 2 temperatures
====================  =============================================  ========================

Under current drive the charge per pulse is the drive's (I t_on), so a current-driven
pulse train sees the conductance law and nothing of the kinetics; a lumped film
(``n_volumes = 1``) has no surface transient, so its open-circuit potential does not relax by
diffusion. A requested parameter that no given data kind can see is reported
**unidentifiable** with that reason (interval (0, inf) / (-inf, inf), not a number), and stays
in the fitted device's ``assumed``.

Weighting: conductance and charge are compared in relative terms (noise proportional to the
reading, the usual read-noise picture), the voltage in V. Each data set's noise standard
deviation is its ``sigma`` (relative for ``g`` and ``q``, V for ``v``) when given, else
estimated from the scatter of its second differences (median absolute deviation; a smooth
curve's curvature adds to it, so the estimate is an upper bound that down-weights sparse,
curved sets). With every ``sigma`` given, intervals use it as known (``absolute_sigma``);
otherwise they use the residual variance.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from ..devices.synapse import DRIVES, RESTS, Synapse, electrode_ocv, program_array
from ..errors import ParameterError
from .core import FitParam, FitResult, fitted_device, least_squares_fit
from .data import DataError, check_series, constant_column, read_csv

__all__ = ["PulseTrain", "GateCharge", "OCPRelaxation", "DATA_KINDS", "DEFAULT_PARAMS", "fit",
           "synthetic"]

POLARITIES = {"potentiate": 1, "depress": -1}

#: noise floors of the estimate (a noise-free set would otherwise get infinite weight)
_REL_FLOOR, _V_FLOOR = 1e-5, 1e-6


def _choice(name: str, value, options) -> None:
    if value not in options:
        raise ParameterError(name, value, " or ".join(repr(o) for o in options))


def _positive(name: str, value, unit: str, *, allow_none=False, zero=False) -> Optional[float]:
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, f"a finite number {'>=' if zero else '>'} 0, {unit}") \
            from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not zero):
        raise ParameterError(name, value, f"a finite number {'>=' if zero else '>'} 0, {unit}")
    return v


def _temperature(value) -> float:
    """A data set's temperature in K, checked as the device checks its own (the t_ref row's
    range from T_MIN, with the degrees-Celsius hint): :func:`param_checks.temperature`."""
    from ..devices.param_checks import temperature
    return temperature(Synapse.PARAMS.by_field("t_ref"), value)


def _common(obj, drive_default=None):
    """Checks shared by the data classes: drive, t_on, t_off, temperature, sigma, label."""
    _choice("drive", obj.drive, tuple(DRIVES))
    _positive("amplitude", obj.amplitude, "A (current drive) or V overdrive (voltage drive)")
    for nm in ("t_on", "t_off"):
        v = getattr(obj, nm)
        if v is not None:
            object.__setattr__(obj, nm, _positive(nm, v, "s", zero=(nm == "t_off")))
    object.__setattr__(obj, "temperature", _temperature(obj.temperature))
    if obj.sigma is not None:
        object.__setattr__(obj, "sigma", _positive("sigma", obj.sigma, "noise std"))


def _polarity_sign(name: str, value) -> int:
    if isinstance(value, str):
        _choice(name, value, tuple(POLARITIES))
        return POLARITIES[value]
    raise ParameterError(name, value, "'potentiate' or 'depress'")


@dataclass(frozen=True)
class PulseTrain:
    """Conductance vs pulse number of a programming train (one device, one sequence).

    ``n`` pulse numbers (1, strictly increasing integers >= 0; 0 = before the first pulse;
    gaps allowed: the pulses in between are applied, not compared); ``g`` conductance after
    pulse n (S, > 0); ``amplitude``: pulse magnitude, A (``drive="current"``) or V overdrive
    beyond the open-circuit potential at the start of the train (``drive="voltage"``;
    :meth:`Synapse.potentiate`); ``t_on``, ``t_off`` pulse width and rest, s (None: the
    device's); ``polarity``: "potentiate" / "depress" for the whole train, or one +1 / -1
    per row (pulses between listed numbers take the polarity of the next listed row, so a
    potentiation-then-depression cycle is one data set); ``rest`` "floating" / "shorted";
    ``temperature`` K; ``sigma``: relative noise of g (1), None = estimated."""
    n: np.ndarray
    g: np.ndarray
    amplitude: float
    drive: str = "current"
    t_on: Optional[float] = None
    t_off: Optional[float] = None
    polarity: Union[str, np.ndarray] = "potentiate"
    rest: str = "floating"
    temperature: float = 298.15
    sigma: Optional[float] = None
    label: str = "pulse_train"

    def __post_init__(self):
        n = check_series("n", self.n, "1", time_like=True, min_rows=5)
        if np.any(n < 0) or np.any(n != np.round(n)):
            raise DataError("pulse numbers must be integers >= 0", column="n")
        if n[-1] > 1e6:
            raise DataError(f"pulse number {n[-1]:g} above 1e6", column="n")
        g = check_series("g", self.g, "S", min_rows=5)
        if g.size != n.size:
            raise DataError(f"{g.size} values for {n.size} pulse numbers", column="g")
        if np.any(g <= 0):
            raise DataError(f"conductance {g[np.argmax(g <= 0)]:g} S at row "
                            f"{int(np.argmax(g <= 0))} must be > 0", column="g")
        _choice("rest", self.rest, RESTS)
        _common(self)
        if isinstance(self.polarity, str):
            pol = np.full(n.size, _polarity_sign("polarity", self.polarity), dtype=float)
        else:
            pol = check_series("polarity", self.polarity, "1")
            if pol.size != n.size or not np.all(np.isin(pol, (-1.0, 1.0))):
                raise DataError("one +1 (potentiate) or -1 (depress) per row",
                                column="polarity")
        object.__setattr__(self, "n", n.astype(int))
        object.__setattr__(self, "g", g)
        object.__setattr__(self, "polarity", pol)

    @classmethod
    def from_csv(cls, path, **meta) -> "PulseTrain":
        """Columns ``n [1]``, ``g [S]`` (or mS, uS, nS), optional ``polarity [1]`` (+1 / -1);
        ``meta``: the scalar conditions (amplitude, drive, t_on, ...)."""
        cols = read_csv(path, {"n": "1", "g": "S", "polarity": "1", "T": "K"},
                        time_column="n", optional=("polarity", "T"))
        _temperature_column(cols, meta, path)
        if "polarity" in cols:
            meta["polarity"] = cols["polarity"]
        meta.setdefault("label", str(path))
        try:
            return cls(n=cols["n"], g=cols["g"], **meta)
        except DataError as exc:
            raise exc.at(path) from None


@dataclass(frozen=True)
class GateCharge:
    """Gate charge of single pulses: ``amplitude`` (n,) pulse magnitudes (A for current
    drive; V overdrive beyond the open-circuit potential for voltage drive), ``q`` (n,) the
    charge each moved, C (magnitude; the sign is ignored), one pulse of width ``t_on`` s per
    row from the device's initial state; ``polarity`` "potentiate" / "depress";
    ``temperature`` K; ``sigma``: relative noise of q (1), None = estimated."""
    amplitude: np.ndarray
    q: np.ndarray
    t_on: Optional[float] = None
    drive: str = "voltage"
    polarity: str = "potentiate"
    temperature: float = 298.15
    sigma: Optional[float] = None
    label: str = "gate_charge"

    def __post_init__(self):
        unit = "A" if self.drive == "current" else "V"
        _choice("drive", self.drive, tuple(DRIVES))
        a = check_series("amplitude", self.amplitude, unit, min_rows=4)
        if np.any(a <= 0):
            raise DataError("pulse magnitudes must be > 0 (the polarity says the sign)",
                            column="amplitude")
        q = np.abs(check_series("q", self.q, "C", min_rows=4))
        if q.size != a.size:
            raise DataError(f"{q.size} values for {a.size} amplitudes", column="q")
        if np.any(q == 0):
            raise DataError("a pulse moving no charge cannot be fitted in relative terms",
                            column="q")
        _polarity_sign("polarity", self.polarity)
        object.__setattr__(self, "amplitude", a)
        object.__setattr__(self, "q", q)
        _common_scalar(self)

    @classmethod
    def from_csv(cls, path, **meta) -> "GateCharge":
        """Columns ``amplitude [V]`` (voltage drive, the default) or ``[A]`` (``drive=
        "current"``) and ``q [C]`` (or nC, pC)."""
        unit = "A" if meta.get("drive", "voltage") == "current" else "V"
        cols = read_csv(path, {"amplitude": unit, "q": "C", "T": "K"}, min_rows=4,
                        optional=("T",))
        _temperature_column(cols, meta, path)
        meta.setdefault("label", str(path))
        try:
            return cls(amplitude=cols["amplitude"], q=cols["q"], **meta)
        except DataError as exc:
            raise exc.at(path) from None


def _temperature_column(cols: dict, meta: dict, path) -> None:
    """An optional ``T [K]`` / ``T [degC]`` column (checked by read_csv: Celsius declared as K
    is refused), constant within one data set, gives ``meta["temperature"]``."""
    T = constant_column(cols, "T", str(path), tol=0.5, given=meta.get("temperature"))
    cols.pop("T", None)
    if T is not None:
        meta["temperature"] = T


def _common_scalar(obj):
    """Checks of t_on, temperature and sigma for classes whose amplitude is an array."""
    if obj.t_on is not None:
        object.__setattr__(obj, "t_on", _positive("t_on", obj.t_on, "s"))
    object.__setattr__(obj, "temperature", _temperature(obj.temperature))
    if obj.sigma is not None:
        object.__setattr__(obj, "sigma", _positive("sigma", obj.sigma, "noise std"))


@dataclass(frozen=True)
class OCPRelaxation:
    """Open-circuit gate voltage after a programming pulse: ``t`` (s, >= 0, strictly
    increasing) after the end of the last pulse, ``v`` (V, gate minus channel, gate
    floating). The pulse(s): ``n_pulses`` of ``amplitude`` (A, or V overdrive), ``t_on`` s,
    ``t_off`` s apart (floating), ``drive``, ``polarity``, from the device's initial state;
    ``temperature`` K; ``sigma``: noise of v, V (None = estimated)."""
    t: np.ndarray
    v: np.ndarray
    amplitude: float
    drive: str = "current"
    t_on: Optional[float] = None
    t_off: Optional[float] = None
    n_pulses: int = 1
    polarity: str = "potentiate"
    temperature: float = 298.15
    sigma: Optional[float] = None
    label: str = "ocp_relaxation"

    def __post_init__(self):
        t = check_series("t", self.t, "s", time_like=True, min_rows=5)
        if t[0] < 0:
            raise DataError(f"times start at {t[0]:g} s: they count from the end of the pulse "
                            "(>= 0)", column="t")
        v = check_series("v", self.v, "V", min_rows=5)
        if v.size != t.size:
            raise DataError(f"{v.size} values for {t.size} times", column="v")
        if np.any(np.abs(v) > 20):
            raise DataError(f"{v[np.argmax(np.abs(v) > 20)]:g} V: a gate open-circuit "
                            "potential is a few V (mV written as V?)", column="v")
        _common(self)
        _polarity_sign("polarity", self.polarity)
        if not (isinstance(self.n_pulses, (int, np.integer)) and 1 <= self.n_pulses <= 100000):
            raise ParameterError("n_pulses", self.n_pulses, "an integer in [1, 100000]")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "v", v)

    @classmethod
    def from_csv(cls, path, **meta) -> "OCPRelaxation":
        """Columns ``t [s]`` (or ms, ...) and ``v [V]`` (or mV)."""
        cols = read_csv(path, {"t": "s", "v": "V", "T": "K"}, time_column="t",
                        optional=("T",))
        _temperature_column(cols, meta, path)
        meta.setdefault("label", str(path))
        try:
            return cls(t=cols["t"], v=cols["v"], **meta)
        except DataError as exc:
            raise exc.at(path) from None


DATA_KINDS = {"pulse_train": PulseTrain, "gate_charge": GateCharge,
              "ocp_relaxation": OCPRelaxation}

#: fittable fields, SI bounds; log for quantities that span decades
DEFAULT_PARAMS = {
    "sigma_a": FitParam("sigma_a", 1e-8, 1e7, log=True),
    "sigma_b": FitParam("sigma_b", 1e-8, 1e7, log=True),
    "x_a": FitParam("x_a", 0.0, 1.5),
    "x_b": FitParam("x_b", 0.0, 1.5),
    "theta_c0": FitParam("theta_c0", 0.0, 1.0),
    "D_ch": FitParam("D_ch", 1e-22, 1e-10, log=True),
    "D_res": FitParam("D_res", 1e-22, 1e-10, log=True),
    "i0_ch": FitParam("i0_ch", 1e-5, 1e4, log=True),
    "i0_res": FitParam("i0_res", 1e-5, 1e4, log=True),
    "sigma_ref": FitParam("sigma_ref", 1e-10, 1e1, log=True),
    "sigma_e": FitParam("sigma_e", 1e-20, 1e-4, log=True),
    "ea_D": FitParam("ea_D", 0.01, 2.0),
    "ea_i0": FitParam("ea_i0", 0.01, 2.0),
    "ea_sigma": FitParam("ea_sigma", 0.01, 2.0),
}

_WINDOW = {"sigma_a", "sigma_b", "x_a", "x_b"}
_DIFFUSION = {"D_ch", "D_res"}
_KINETIC = _DIFFUSION | {"i0_ch", "i0_res", "sigma_ref", "el_thickness"}
#: activation energy -> the quantities whose temperature dependence it sets
_ACTIVATION = {"ea_D": _DIFFUSION, "ea_i0": {"i0_ch", "i0_res"}, "ea_sigma": {"sigma_ref"}}


def _sees(d, name: str, device: Synapse) -> bool:
    """Whether data set ``d`` depends on field ``name`` at all (structural, before fitting)."""
    if name in _WINDOW or name == "g_law":
        return isinstance(d, PulseTrain)
    if name in _KINETIC:
        if d.drive == "voltage":
            return True
        return isinstance(d, OCPRelaxation) and name in _DIFFUSION and device.n_volumes > 1
    return True


def _blind(data, name: str, device: Synapse) -> Optional[str]:
    """Why no data set can see ``name`` (None if one can)."""
    if name in _ACTIVATION:
        temps = {d.temperature for d in data
                 if any(_sees(d, b, device) for b in _ACTIVATION[name])}
        if len(temps) < 2:
            return (f"it needs data at two or more temperatures (the data that see "
                    f"{'/'.join(sorted(_ACTIVATION[name]))} are at "
                    f"{', '.join(f'{t:g} K' for t in sorted(temps)) or 'none'})")
        return None
    if any(_sees(d, name, device) for d in data):
        return None
    kinds = ", ".join(sorted({_kind(d) for d in data}))
    if name in _WINDOW:
        why = "only conductance data (pulse_train) see the channel conductance law"
    elif name in _DIFFUSION and device.n_volumes == 1:
        why = ("current drive fixes the charge per pulse and lumped films (n_volumes = 1) have "
               "no diffusion transient; use voltage-driven data or n_volumes > 1")
    else:
        why = "current drive fixes the charge per pulse; use voltage-driven data"
    return f"the data ({kinds}) do not depend on it: {why}"


#: rows a pulse-train data set must show on a conductance plateau to pin that window end
_PLATEAU_ROWS = 3


def _unreached_ends(dev: Synapse, data, names) -> dict:
    """{field: reason} for window ends the pulse trains never pass. A train that stops
    inside the window is fitted as well by a kink (x_a or x_b) at its last row as by the true
    end: the Jacobian sees a sharp, local optimum there and would give a narrow, wrong
    interval. An end counts as seen when some train has >= 3 rows on its plateau (the fitted
    model's f clamped at 0 or 1)."""
    trains = [d for d in data if isinstance(d, PulseTrain)]
    if not trains or not ({"sigma_a", "x_a", "sigma_b", "x_b"} & set(names)):
        return {}
    k_geo = dev.w_ch * dev.t_ch / dev.l_ch
    seen = {"a": 0, "b": 0}
    for d in trains:
        g = model_pulse_train(dev, d)
        for end, sig in (("a", dev.sigma_a), ("b", dev.sigma_b)):
            seen[end] += int(np.sum(np.abs(g / (sig * k_geo) - 1.0) < 1e-9))
    out = {}
    for end in ("a", "b"):
        if seen[end] < _PLATEAU_ROWS:
            why = (f"the pulse trains do not reach past x_{end} (no rows on the "
                   f"sigma_{end} plateau): where the data stop inside the window fits as well "
                   f"as the true end; extend the train")
            out.update({f"sigma_{end}": why, f"x_{end}": why})
    return out


def _kind(d) -> str:
    return next(k for k, c in DATA_KINDS.items() if isinstance(d, c))


def _default_names(data, device: Synapse) -> list:
    names = []
    # the kinetics separate (R_ion linear, i0 logarithmic, D through the OCV curvature) only
    # over a range of pulse currents: several voltage amplitudes; one amplitude pins one
    # effective resistance, given to R_ion (sigma_ref)
    amps = set()
    for d in data:
        if d.drive == "voltage":
            amps |= set(np.atleast_1d(d.amplitude).tolist())
    for d in data:
        if isinstance(d, PulseTrain):
            names += ["sigma_a", "sigma_b", "x_a", "x_b"]
        if d.drive == "voltage":
            names += ["sigma_ref", "i0_ch", "D_ch"] if len(amps) >= 3 else ["sigma_ref"]
        if isinstance(d, OCPRelaxation) and device.n_volumes > 1:
            names += ["D_ch"]
    out = list(dict.fromkeys(names))
    if not out:
        raise ParameterError("params", None, "a list of fields to fit: these data (current-"
                             "driven charge or a lumped-film relaxation) see no default "
                             f"parameter; choose from {', '.join(DEFAULT_PARAMS)}")
    return out


# --- the model of each data kind (one compiled call per data set) ----------------------------
def _amplitude(dev: Synapse, d, signs: np.ndarray, mag) -> np.ndarray:
    """Kernel amplitudes (A, or absolute V_G) of pulses with these polarity signs."""
    s = signs * dev.potentiation_sign
    if d.drive == "current":
        return s * mag
    voc = dev.state_summary(temperature=d.temperature)["v_oc"]
    return voc + s * mag


def _t_on(dev, d):
    return dev.t_on if d.t_on is None else d.t_on


def _t_off(dev, d):
    return dev.t_off if d.t_off is None else d.t_off


def model_pulse_train(dev: Synapse, d: PulseTrain) -> np.ndarray:
    """Conductance (S) at the data's pulse numbers."""
    n_max = int(d.n[-1])
    g0 = dev.state_summary(temperature=d.temperature)["g"]
    if n_max == 0:
        return np.full(d.n.size, g0)
    # polarity of pulse k (1..n_max): that of the first listed row with n >= k
    k = np.arange(1, n_max + 1)
    signs = d.polarity[np.searchsorted(d.n, k)]
    amps = _amplitude(dev, d, signs, d.amplitude)
    out = program_array(dev, amps[None, :], drive=d.drive, t_on=_t_on(dev, d),
                        t_off=_t_off(dev, d), rest=d.rest, temperature=d.temperature,
                        threads=1)
    g = np.r_[g0, out["g"][0]]
    return g[d.n]


def model_gate_charge(dev: Synapse, d: GateCharge) -> np.ndarray:
    """Charge magnitude (C) of one pulse of each amplitude from the initial state."""
    amps = _amplitude(dev, d, np.full(d.amplitude.size, float(POLARITIES[d.polarity])),
                      d.amplitude)
    out = program_array(dev, amps[:, None], drive=d.drive, t_on=_t_on(dev, d), t_off=0.0,
                        rest="floating", temperature=d.temperature, threads=1)
    return np.abs(out["q_gate"])


def model_ocp(dev: Synapse, d: OCPRelaxation) -> np.ndarray:
    """Open-circuit gate voltage (V) at the data's times after the last pulse."""
    amp = float(_amplitude(dev, d, np.array([float(POLARITIES[d.polarity])]), d.amplitude)[0])
    segs = []
    for j in range(d.n_pulses):
        if j:
            segs.append(("floating", 0.0, _t_off(dev, d)))
        segs.append((d.drive, amp, _t_on(dev, d)))
    dts = np.diff(np.r_[0.0, d.t])
    segs += [("floating", 0.0, float(dt)) for dt in dts]
    tr = dev.simulate(segs, temperature=d.temperature)
    return tr.v_gate[-d.t.size:]


_MODELS = {PulseTrain: model_pulse_train, GateCharge: model_gate_charge,
           OCPRelaxation: model_ocp}


def _mad_noise(y: np.ndarray) -> float:
    """Robust noise std of a smooth series from its second differences (MAD)."""
    d2 = np.diff(y, 2)
    if d2.size < 3:
        return 0.0
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def noise_estimate(d) -> float:
    """The noise std used to weight data set ``d``: its ``sigma``, else estimated (relative
    for g and q, V for v)."""
    if d.sigma is not None:
        return d.sigma
    if isinstance(d, PulseTrain):
        return max(_mad_noise(np.log(d.g)), _REL_FLOOR)
    if isinstance(d, GateCharge):
        o = np.argsort(d.amplitude)
        return max(_mad_noise(np.log(d.q[o])), _REL_FLOOR)
    return max(_mad_noise(d.v), _V_FLOOR)


def _residual_fn(data):
    weights = [noise_estimate(d) for d in data]
    labels = []
    for i, d in enumerate(data):
        lab = f"{i}: {_kind(d)} {d.label}"
        labels.append(lab)

    def residuals(dev):
        out = {}
        for d, s, lab in zip(data, weights, labels):
            m = _MODELS[type(d)](dev, d)
            if isinstance(d, OCPRelaxation):
                out[lab] = (m - d.v) / s
            elif isinstance(d, PulseTrain):
                out[lab] = (m - d.g) / (s * d.g)
            else:
                out[lab] = (m - d.q) / (s * d.q)
        return out
    return residuals


def window_start(device: Synapse, data) -> dict:
    """Starting values of the channel-law window read off the first current-driven pulse
    train: sigma_a, sigma_b from the lowest and highest conductance (G = sigma w_ch t_ch /
    l_ch; the device's order of sigma_a, sigma_b kept), x_a, x_b from a straight line of the
    channel stoichiometry (from the charge the pulses moved) against the window fraction f of
    the rows inside the window (x = x_a + (x_b - x_a) f, f from log G for the log law, G for
    the linear law). Empty when there is no such train or it shows no window."""
    trains = [d for d in data if isinstance(d, PulseTrain) and d.drive == "current"]
    if not trains:
        return {}
    d = trains[0]
    k_geo = device.w_ch * device.t_ch / device.l_ch
    g_lo, g_hi = np.percentile(d.g, [1.0, 99.0])
    if not g_hi > 1.05 * g_lo:
        return {}
    out = {"sigma_a": g_lo / k_geo, "sigma_b": g_hi / k_geo}
    if device.sigma_a > device.sigma_b:
        out = {"sigma_a": out["sigma_b"], "sigma_b": out["sigma_a"]}
    # channel x after each listed pulse (the kernel's charge bookkeeping, leak neglected)
    k = np.arange(1, int(d.n[-1]) + 1)
    signs = d.polarity[np.searchsorted(d.n, k)]
    cum = np.r_[0.0, np.cumsum(signs)][d.n]
    q = d.amplitude * _t_on(device, d) * device.potentiation_sign
    theta = device.theta_c0 + cum * q / device.channel_charge
    x0, x1 = electrode_ocv(device.channel)[1:3]
    x = x0 + (x1 - x0) * theta
    y = (np.log(d.g), math.log(g_lo), math.log(g_hi)) if device.g_law == "log" else \
        (d.g, g_lo, g_hi)
    f = (y[0] - y[1]) / (y[2] - y[1])
    if device.sigma_a > device.sigma_b:
        f = 1.0 - f
    inside = (f > 0.1) & (f < 0.9)
    if inside.sum() >= 3 and np.ptp(f[inside]) > 0.3:
        slope, icpt = np.polyfit(f[inside], x[inside], 1)
        if abs(slope) > 1e-6:
            out.update(x_a=float(icpt), x_b=float(icpt + slope))
    return out


def _resolve(params, data, device) -> list:
    if params is None:
        params = _default_names(data, device)
    guess = window_start(device, data)
    out = []
    for p in params:
        if isinstance(p, FitParam):
            out.append(p)
        elif isinstance(p, str) and p in guess:
            # a start read off the data (robust to a start device off by decades)
            b = DEFAULT_PARAMS[p]
            out.append(dataclasses.replace(b, start=min(max(guess[p], b.lower), b.upper)))
        elif isinstance(p, str) and p in DEFAULT_PARAMS:
            out.append(DEFAULT_PARAMS[p])
        else:
            raise ParameterError("params", p, "a FitParam or one of "
                                 + ", ".join(DEFAULT_PARAMS))
    return out


def fit(device: Synapse, data, params=None, *, data_label: Optional[str] = None,
        **kw) -> FitResult:
    """Fit ``params`` of ``device`` (a :class:`Synapse`) to ``data`` (one data object or a
    sequence; kinds may mix). ``params``: field names (bounds from ``DEFAULT_PARAMS``) or
    :class:`FitParam` objects (names of the window start from :func:`window_start` when a
    current-driven train is given; a FitParam's own ``start`` wins); default: the window (sigma_a, sigma_b, x_a, x_b) for pulse
    trains; for voltage-driven data R_ion (sigma_ref), plus i0_ch and D_ch when the data hold
    three or more pulse amplitudes; D_ch for a multi-volume (``n_volumes > 1``) relaxation. ``data_label``: what the fitted device's ``source`` names
    (default: the data sets' labels). Other keywords go to
    :func:`~lithispice.fit.core.least_squares_fit`. Returns a :class:`FitResult`."""
    if not isinstance(device, Synapse):
        raise ParameterError("device", device, "a Synapse")
    data = [data] if isinstance(data, tuple(DATA_KINDS.values())) else list(data)
    if not data:
        raise ParameterError("data", data, "at least one data set")
    for d in data:
        if not isinstance(d, tuple(DATA_KINDS.values())):
            raise ParameterError("data", type(d).__name__,
                                 "PulseTrain, GateCharge or OCPRelaxation objects")
    plist = _resolve(params, data, device)
    label = data_label or ", ".join(d.label for d in data)
    kw.setdefault("absolute_sigma", all(d.sigma is not None for d in data))
    with np.errstate(over="ignore"):        # 10**z of an unbounded interval: inf, on purpose
        res = least_squares_fit(device, plist, _residual_fn(data), data_label=label, **kw)
    # structural blindness: no interval at all, whatever the Jacobian's rounding says
    unident, warns = list(res.unidentifiable), list(res.warnings)
    edges = _unreached_ends(device.replace(**res.values), data, res.names)
    for p in plist:
        why = _blind(data, p.field, device) or edges.get(p.field)
        if why is None:
            continue
        res.ci95[p.field] = (0.0, math.inf) if p.log else (-math.inf, math.inf)
        res.stderr[p.field] = math.inf
        res.values[p.field] = res.start[p.field]     # the data did not move it: keep the start
        warns = [w for w in warns if not w.startswith(f"{p.field}:")]
        warns.append(f"{p.field}: not identifiable from these data: {why}")
        if p.field not in unident:
            unident.append(p.field)
    res.unidentifiable, res.warnings = tuple(unident), tuple(warns)
    # what the data could not pin stays assumed (the device keeps the fitted value it ran on)
    pinned = {k: v for k, v in res.values.items() if k not in unident}
    dev = fitted_device(device, res.values, label)
    if "assumed" in {f.name for f in dataclasses.fields(device)}:
        dev = dev.replace(assumed=tuple(a for a in device.assumed if a not in pinned))
    res.device = dev
    return res


# --- synthetic data ---------------------------------------------------------------------------
def synthetic(device: Synapse, kind: str, *, seed: int, noise: float, **conditions):
    """Noisy data of ``kind`` from ``device`` through the kernel (tests, README, benchmarks).

    ``noise``: relative std of g / q, or V for ``ocp_relaxation``; the data carry no
    ``sigma`` unless ``conditions`` give one. Conditions (defaults: the device's programming
    pulse):

    * pulse_train: ``n_pulses`` (100), ``cycle`` (True: potentiation then as many depression
      pulses), ``every`` (1: keep every k-th pulse), amplitude, drive, t_on, t_off, rest,
      temperature, polarity;
    * gate_charge: ``amplitudes`` (V or A array; default 0.05..1 V), t_on, drive, polarity,
      temperature;
    * ocp_relaxation: ``t`` (default 40 log-spaced times 1e-4..10 s), amplitude, drive, t_on,
      t_off, n_pulses, polarity, temperature.
    """
    _choice("kind", kind, tuple(DATA_KINDS))
    rng = np.random.default_rng(seed)
    c = dict(conditions)
    if kind == "pulse_train":
        n_p = int(c.pop("n_pulses", 100))
        cycle = bool(c.pop("cycle", True))
        every = int(c.pop("every", 1))
        c.setdefault("amplitude", device.pulse_amplitude)
        c.setdefault("drive", device.pulse_drive)
        n = np.arange(0, (2 if cycle else 1) * n_p + 1)
        pol = np.where(n <= n_p, 1.0, -1.0) if cycle else None
        if pol is not None:
            c["polarity"] = pol if c.get("polarity", "potentiate") == "potentiate" else -pol
        keep = n % every == 0
        n = n[keep]
        if pol is not None:
            c["polarity"] = c["polarity"][keep]
        tmp = PulseTrain(n=n, g=np.ones(n.size), **c)
        g = model_pulse_train(device, tmp)
        return dataclasses.replace(tmp, g=g * (1 + noise * rng.standard_normal(g.size)),
                                   polarity=tmp.polarity)
    if kind == "gate_charge":
        amps = np.asarray(c.pop("amplitudes", np.linspace(0.05, 1.0, 12)), dtype=float)
        tmp = GateCharge(amplitude=amps, q=np.ones(amps.size), **c)
        q = model_gate_charge(device, tmp)
        return dataclasses.replace(tmp, q=q * (1 + noise * rng.standard_normal(q.size)))
    t = np.asarray(c.pop("t", np.logspace(-4, 1, 40)), dtype=float)
    c.setdefault("amplitude", device.pulse_amplitude)
    c.setdefault("drive", device.pulse_drive)
    tmp = OCPRelaxation(t=t, v=np.zeros(t.size), **c)
    v = model_ocp(device, tmp)
    return dataclasses.replace(tmp, v=v + noise * rng.standard_normal(v.size))
