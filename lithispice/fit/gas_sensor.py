"""Fit a potentiometric gas sensor (:class:`~lithispice.devices.gas_sensor.GasSensor`) to
measured data through its compiled kernel: E0(T), the Nernst ideality, the response time
constant and its activation energy, and the output resistance.

Data kinds (:data:`DATA_KINDS`; SI units, pressures in bar as in the device):

``emf``  :class:`EmfData`
    equilibrium EMF = V(ref) - V(se) (V) against gas partial pressure ``p_gas`` (bar) at one
    or several temperatures (K). CSV columns ``p_gas [ppm|bar|%]``, ``emf [V|mV]``, and
    ``T [K|degC]`` (or ``temperature=`` as a scalar). Identifies ``e0`` and ``ideality``;
    ``de0_dt`` needs >= 2 temperatures.
``step_response``  :class:`StepData`
    the terminal voltage after a concentration step ``p_before -> p_after`` (bar) at
    ``t_step`` (s), at one temperature (K). CSV columns ``t [s]``, ``emf [V|mV]``.
    Identifies ``tau`` (and the levels: ``e0``, ``ideality``); ``ea_tau`` needs steps at
    >= 2 temperatures.
``output_resistance``  :class:`ResistanceData`
    the Thevenin output resistance (ohm; e.g. from impedance spectroscopy, the low-frequency
    intercept) at several temperatures. CSV columns ``T [K|degC]``, ``r_out [ohm|kohm|Mohm]``.
    Identifies the term that dominates the series resistance (charge transfer ``asr_ct`` /
    ``ea_ct`` or the film ``sigma_ref`` / ``ea_sigma``); the activation energy needs >= 2
    temperatures.

Weighting: every residual is divided by the noise of its data: ``sigma`` on the data object
(V for ``emf`` and ``step_response``; *relative*, i.e. of ln R, for ``output_resistance``)
or, when not given, an estimate from the data alone, pooled per kind: the rms about the
straight line EMF = a + b log10(p) at each temperature (``gas_calibration.fit``, 2 dof used
per temperature), the median absolute second difference of a step trace, the rms about a
quadratic in 1/T of ln R. With estimated noise and more than one kind, the fit is repeated
once with each kind's noise re-estimated from its residuals, and the intervals use the
residual variance (``absolute_sigma=False``); when every data object carries ``sigma`` they
use it as known (``absolute_sigma=True``).

Relation to :mod:`lithispice.devices.gas_calibration`: that module fits the *readout line* of
one sensor at one temperature (EMF = e0 + slope log10 p) and inverts it; it stays as it is.
This module fits the *device parameters* across temperatures and step responses and builds on
it: the per-temperature lines (``gas_calibration.fit``) give the start values of e0, de0_dt and
the ideality and the EMF noise estimate, and :func:`calibration` turns a fitted device back
into a :class:`~lithispice.devices.gas_calibration.Calibration` line at a temperature.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from ..constants import F, R, k_B_eV
from ..devices.gas_sensor import P_O2_AIR, GasSensor
from ..errors import ParameterError
from .core import FitParam, FitResult, least_squares_fit, resolve_params
from .data import DataError, check_series, condition, noise_level, read_csv

__all__ = ["EmfData", "StepData", "ResistanceData", "DATA_KINDS", "DEFAULT_PARAMS", "fit",
           "synthetic", "calibration", "plot_fit"]

_LN10 = math.log(10.0)


# ------------------------------------------------------------------------------ data
def _r_load(value, path=None) -> float:
    r = math.inf if value is None else float(value)
    if not (r > 0 and not math.isnan(r)):
        raise DataError(f"load {value!r} must be > 0 ohm (inf = open circuit)",
                        column="r_load", path=path)
    return r


def _background(p_o2, p_h2o, path=None) -> tuple:
    o2 = condition("p_o2", p_o2, "bar", path)
    h2o = 0.0 if float(p_h2o) == 0.0 else condition("p_h2o", p_h2o, "bar", path)
    return o2, h2o


def _meta(kind: str, meta: dict, allowed: Sequence[str], path: str):
    bad = sorted(set(meta) - set(allowed))
    if bad:
        raise DataError(f"unknown condition(s) {', '.join(bad)} for {kind} data (known: "
                        f"{', '.join(allowed)})", path=path)


@dataclass(frozen=True)
class EmfData:
    """Equilibrium EMF against gas partial pressure.

    ``p_gas`` bar (> 0); ``temperature`` K, one per point or one scalar for all; ``emf`` the
    measured open-circuit voltage V(ref) - V(se), V (falls with more gas); ``sigma`` its noise
    standard deviation, V (None: estimated); background ``p_o2``, ``p_h2o`` bar; ``r_load``
    the voltmeter's input resistance, ohm (inf: ideal electrometer); ``label`` names the data
    group in the report; ``path`` the file it came from (for messages)."""
    p_gas: np.ndarray
    temperature: np.ndarray
    emf: np.ndarray
    sigma: Optional[float] = None
    p_o2: float = P_O2_AIR
    p_h2o: float = 0.0
    r_load: float = math.inf
    label: str = ""
    path: Optional[str] = None
    kind = "emf"
    _T_COLUMN = "T"

    def __post_init__(self):
        path = self.path
        p = check_series("p_gas", self.p_gas, "bar", min_rows=3, path=path)
        e = check_series("emf", self.emf, "V", min_rows=3, path=path)
        if e.size != p.size:
            raise DataError(f"{e.size} values, one per p_gas ({p.size}) needed", column="emf",
                            path=path)
        T = check_series(self._T_COLUMN, self.temperature, "K", path=path)
        if T.size == 1:
            T = np.full(p.size, T[0])
        elif T.size != p.size:
            raise DataError(f"{T.size} values, one per p_gas ({p.size}) or one scalar needed",
                            column=self._T_COLUMN, path=path)
        o2, h2o = _background(self.p_o2, self.p_h2o, path)
        for k, v in (("p_gas", p), ("temperature", T), ("emf", e), ("p_o2", o2),
                     ("p_h2o", h2o), ("sigma", noise_level("sigma", self.sigma, "V", path)),
                     ("r_load", _r_load(self.r_load, path))):
            object.__setattr__(self, k, v)
        self._check_sign()

    def _check_sign(self):
        """EMF = V(ref) - V(se) falls with gas; data that rise clearly are the other sign."""
        x = np.log10(self.p_gas)
        Tk = np.round(self.temperature, 1)
        groups = np.unique(Tk)
        A = np.column_stack([(Tk == g).astype(float) for g in groups] + [x])
        if np.linalg.matrix_rank(A) < A.shape[1] or A.shape[0] <= A.shape[1]:
            return
        coef, *_ = np.linalg.lstsq(A, self.emf, rcond=None)
        r = self.emf - A @ coef
        s2 = float(r @ r) / (A.shape[0] - A.shape[1])
        cov = s2 * np.linalg.pinv(A.T @ A)
        slope, se = coef[-1], math.sqrt(max(cov[-1, -1], 0.0))
        if slope > 0 and slope > 3.0 * se:
            raise DataError(f"rises with p_gas ({slope * 1e3:+.3g} mV/decade): lithispice's EMF "
                            "is V(ref) - V(se), which falls with more gas; negate the column "
                            "(the data were taken as V(se) - V(ref))", column="emf",
                            path=self.path)

    @classmethod
    def from_csv(cls, path: Union[str, Path], **meta) -> "EmfData":
        """Columns ``p_gas [bar|ppm|%]``, ``emf [V|mV]`` and ``T [K|degC]`` (or the scalar
        condition ``temperature=`` in K). Other conditions: ``sigma`` V, ``p_o2``, ``p_h2o``
        bar, ``r_load`` ohm, ``label``."""
        p = str(path)
        _meta("emf", meta, ("temperature", "sigma", "p_o2", "p_h2o", "r_load", "label"), p)
        cols = read_csv(path, {"p_gas": "bar", "emf": "V", "T": "K"}, optional=("T",),
                        min_rows=3)
        if "T" in cols and "temperature" in meta:
            raise DataError("given both as a column and as temperature=; use one",
                            column="T", path=p)
        if "T" not in cols and "temperature" not in meta:
            raise DataError("missing: add a column 'T [K]' (or 'T [degC]') or pass "
                            "temperature= in K", column="T", path=p)
        T = cols["T"] if "T" in cols else meta.pop("temperature")
        meta.setdefault("label", Path(p).name)
        return cls(p_gas=cols["p_gas"], temperature=T, emf=cols["emf"], path=p, **meta)


@dataclass(frozen=True)
class StepData:
    """The sensor's terminal voltage after a step of the gas partial pressure.

    ``t`` s (strictly increasing); ``emf`` the measured V(ref) - V(se), V; the gas steps from
    ``p_before`` to ``p_after`` (bar) at ``t_step`` (s; default ``t[0]``: the trace starts at
    the step), the sensor in equilibrium with ``p_before`` before it; ``temperature`` K;
    ``sigma`` V (None: estimated); ``p_o2``, ``p_h2o`` bar; ``r_load`` ohm across the
    terminals (inf: open circuit); ``label``, ``path`` as :class:`EmfData`."""
    t: np.ndarray
    emf: np.ndarray
    p_before: float
    p_after: float
    temperature: float
    t_step: Optional[float] = None
    sigma: Optional[float] = None
    p_o2: float = P_O2_AIR
    p_h2o: float = 0.0
    r_load: float = math.inf
    label: str = ""
    path: Optional[str] = None
    kind = "step_response"

    def __post_init__(self):
        path = self.path
        t = check_series("t", self.t, "s", time_like=True, min_rows=5, path=path)
        e = check_series("emf", self.emf, "V", min_rows=5, path=path)
        if e.size != t.size:
            raise DataError(f"{e.size} values, one per t ({t.size}) needed", column="emf",
                            path=path)
        pb = condition("p_before", self.p_before, "bar", path)
        pa = condition("p_after", self.p_after, "bar", path)
        if pa == pb:
            raise DataError(f"p_after = p_before = {pa:g} bar: no step", column="p_after",
                            path=path)
        ts = float(t[0]) if self.t_step is None else condition("t_step", self.t_step, "s", path)
        if np.count_nonzero(t > ts) < 3:
            raise DataError(f"fewer than 3 samples after the step at t_step = {ts:g} s",
                            column="t", path=path)
        o2, h2o = _background(self.p_o2, self.p_h2o, path)
        for k, v in (("t", t), ("emf", e), ("p_before", pb), ("p_after", pa),
                     ("temperature", condition("temperature", self.temperature, "K", path)),
                     ("t_step", ts), ("p_o2", o2), ("p_h2o", h2o),
                     ("sigma", noise_level("sigma", self.sigma, "V", path)),
                     ("r_load", _r_load(self.r_load, path))):
            object.__setattr__(self, k, v)

    @classmethod
    def from_csv(cls, path: Union[str, Path], **meta) -> "StepData":
        """Columns ``t [s|ms|min]``, ``emf [V|mV]``; conditions (SI): ``p_before``,
        ``p_after`` bar, ``temperature`` K (required), ``t_step`` s, ``sigma`` V, ``p_o2``,
        ``p_h2o`` bar, ``r_load`` ohm, ``label``."""
        p = str(path)
        _meta("step_response", meta, ("p_before", "p_after", "temperature", "t_step", "sigma",
                                      "p_o2", "p_h2o", "r_load", "label"), p)
        for need in ("p_before", "p_after", "temperature"):
            if need not in meta:
                raise DataError(f"condition {need}= missing (SI: bar, bar, K)", column=need,
                                path=p)
        cols = read_csv(path, {"t": "s", "emf": "V"}, time_column="t", min_rows=5)
        meta.setdefault("label", Path(p).name)
        return cls(t=cols["t"], emf=cols["emf"], path=p, **meta)


@dataclass(frozen=True)
class ResistanceData:
    """Output resistance of the sensor (film + charge transfer, in parallel with the film's
    electronic leak) at several temperatures.

    ``temperature`` K; ``r_out`` ohm; ``sigma`` the *relative* noise (of ln R; 0.05 = 5 %;
    None: estimated); ``label``, ``path`` as :class:`EmfData`."""
    temperature: np.ndarray
    r_out: np.ndarray
    sigma: Optional[float] = None
    label: str = ""
    path: Optional[str] = None
    kind = "output_resistance"

    def __post_init__(self):
        path = self.path
        T = check_series("T", self.temperature, "K", min_rows=2, path=path)
        r = check_series("r_out", self.r_out, "ohm", min_rows=2, path=path)
        if r.size != T.size:
            raise DataError(f"{r.size} values, one per T ({T.size}) needed", column="r_out",
                            path=path)
        if np.any(r <= 0):
            k = int(np.flatnonzero(r <= 0)[0])
            raise DataError(f"{r[k]:g} ohm at row {k}: a resistance must be > 0",
                            column="r_out", path=path)
        for k, v in (("temperature", T), ("r_out", r),
                     ("sigma", noise_level("sigma", self.sigma, "relative, of ln R", path))):
            object.__setattr__(self, k, v)

    @classmethod
    def from_csv(cls, path: Union[str, Path], **meta) -> "ResistanceData":
        """Columns ``T [K|degC]``, ``r_out [ohm|kohm|Mohm]``; conditions ``sigma``
        (relative), ``label``."""
        p = str(path)
        _meta("output_resistance", meta, ("sigma", "label"), p)
        cols = read_csv(path, {"T": "K", "r_out": "ohm"}, min_rows=2)
        meta.setdefault("label", Path(p).name)
        return cls(temperature=cols["T"], r_out=cols["r_out"], path=p, **meta)


#: config name -> data class
DATA_KINDS = {"emf": EmfData, "step_response": StepData, "output_resistance": ResistanceData}

#: fittable fields with physically sensible bounds (SI); log for quantities spanning decades
DEFAULT_PARAMS = {p.field: p for p in (
    FitParam("e0", -3.0, 3.0),
    FitParam("de0_dt", -0.01, 0.01),
    FitParam("ideality", 0.05, 2.0),
    FitParam("n_electrons", 0.5, 8.0),
    FitParam("o2_order", -4.0, 4.0),
    FitParam("k_h2o", -0.5, 0.5),
    FitParam("tau", 1e-3, 1e7, log=True),
    FitParam("ea_tau", 0.02, 3.0),
    FitParam("asr_ct", 1e-10, 1e4, log=True),
    FitParam("ea_ct", 0.02, 3.0),
    FitParam("sigma_ref", 1e-12, 1e4, log=True),
    FitParam("ea_sigma", 0.02, 3.0),
    FitParam("sigma_e", 1e-18, 1e2, log=True),
)}

#: activation-type fields: which data kinds' temperatures they need (>= 2 distinct)
_NEEDS_TWO_T = {"de0_dt": ("emf", "step_response"), "ea_tau": ("step_response",),
                "ea_ct": ("output_resistance",), "ea_sigma": ("output_resistance",)}


# ------------------------------------------------------------------------------ helpers
def _temps(items, kinds) -> np.ndarray:
    out = [np.atleast_1d(d.temperature) for d in items if d.kind in kinds]
    return np.unique(np.round(np.concatenate(out), 1)) if out else np.array([])


def _dominant_series_term(device: GasSensor, items) -> str:
    """'ct' or 'film': the larger of the two series resistances at the resistance data's
    temperatures for the start device (the smaller one is invisible in R_out)."""
    T = np.concatenate([d.temperature for d in items if d.kind == "output_resistance"])
    rf, rct = device.film_resistance(T), device.charge_transfer_resistance(T)
    return "ct" if np.sum(np.log(np.asarray(rct))) > np.sum(np.log(np.asarray(rf))) else "film"


def _default_params(device: GasSensor, items) -> list:
    kinds = {d.kind for d in items}
    names = []
    if kinds & {"emf", "step_response"}:
        names += ["e0", "ideality"]
        if _temps(items, ("emf", "step_response")).size >= 2:
            names.append("de0_dt")
    if "step_response" in kinds:
        names.append("tau")
        if _temps(items, ("step_response",)).size >= 2:
            names.append("ea_tau")
    if "output_resistance" in kinds:
        term = _dominant_series_term(device, items)
        names.append("asr_ct" if term == "ct" else "sigma_ref")
        if _temps(items, ("output_resistance",)).size >= 2:
            names.append("ea_ct" if term == "ct" else "ea_sigma")
    return [DEFAULT_PARAMS[n] for n in names]


def _resolve_params(params, device, items) -> list:
    return resolve_params(_default_params(device, items) if params is None else params,
                          DEFAULT_PARAMS)


def _estimate_noise(d) -> float:
    """Model-free noise estimate of one data object (see module docstring)."""
    if d.kind == "emf":
        from ..devices.gas_calibration import fit as line_fit
        ss, dof = 0.0, 0
        for T in np.unique(np.round(d.temperature, 1)):
            m = np.round(d.temperature, 1) == T
            if np.unique(d.p_gas[m]).size >= 2 and m.sum() >= 3:
                cal = line_fit(d.p_gas[m], d.emf[m])
                ss += cal.rms ** 2 * m.sum()
                dof += int(m.sum()) - 2
        return math.sqrt(ss / dof) if dof > 0 and ss > 0 else 1e-3
    if d.kind == "step_response":
        d2 = np.diff(d.emf, 2)
        mad = 1.4826 * float(np.median(np.abs(d2 - np.median(d2))))
        return mad / math.sqrt(6.0) if mad > 0 else 1e-3
    x, y = 1.0 / d.temperature, np.log(d.r_out)
    deg = 2 if x.size >= 5 else 1
    if x.size > deg + 1 and np.unique(x).size > deg:
        c = np.polyfit(x, y, deg)
        r = y - np.polyval(c, x)
        s = math.sqrt(float(r @ r) / (x.size - deg - 1))
        if s > 0:
            return s
    return 0.05


class _Model:
    """Precomputed kernel inputs of one data object; ``residual(device)`` -> weighted
    residual array (model - data) / sigma."""

    def __init__(self, d, sigma: float):
        self.d, self.sigma = d, sigma
        if d.kind in ("emf", "step_response"):
            self.env = np.array([d.p_o2, d.p_h2o, 0.0])
        if d.kind == "emf":
            self.lnp = np.ascontiguousarray(np.log(d.p_gas))
            self.T = np.ascontiguousarray(d.temperature, dtype=float)
        elif d.kind == "step_response":
            t, ts = d.t, d.t_step
            pre, post = t[t <= ts], t[t > ts]
            # the step as a ramp over eps << sampling interval (the kernel interpolates log p
            # linearly between samples): its effect on the trace is O(eps/tau)
            eps = min(1e-9 * max(t[-1] - t[0], 1e-300), 0.5 * (post[0] - ts))
            head = [ts] if (pre.size == 0 or pre[-1] < ts) else []
            grid = np.concatenate([pre, head, [ts + eps], post])
            self.grid = np.ascontiguousarray(grid)
            self.lnp = np.ascontiguousarray(np.where(grid <= ts, math.log(d.p_before),
                                                     math.log(d.p_after)))
            self.T = np.full(grid.size, d.temperature)
            self.idx = np.concatenate([np.arange(pre.size),
                                       np.arange(post.size) + pre.size + len(head) + 1])
            self.lnp0 = np.array([self.lnp[0]])
            self.T0 = np.array([d.temperature])
        else:
            self.T = np.ascontiguousarray(d.temperature, dtype=float)
            self.lnr = np.log(d.r_out)

    def predict(self, dev: GasSensor) -> np.ndarray:
        from .._kernels import (gas_sensor_emf_eq, gas_sensor_properties,
                                gas_sensor_simulate, gas_sensor_terminal_voltage)
        d, packed = self.d, dev._packed
        if d.kind == "emf":
            eq = gas_sensor_emf_eq(packed, self.env, self.lnp, self.T)
            return gas_sensor_terminal_voltage(packed, eq, self.T, d.r_load)
        if d.kind == "step_response":
            x0 = float(gas_sensor_emf_eq(packed, self.env, self.lnp0, self.T0)[0])
            _, _, vout = gas_sensor_simulate(packed, self.env, self.grid, self.lnp, self.T, x0,
                                             d.r_load)
            return vout[self.idx]
        _, rf, rct, rleak = gas_sensor_properties(packed, self.T)
        rs = rf + rct
        return rs if math.isinf(rleak) else rs * rleak / (rs + rleak)

    def residual(self, dev: GasSensor) -> np.ndarray:
        m = self.predict(dev)
        if self.d.kind == "output_resistance":
            return (np.log(m) - self.lnr) / self.sigma
        return (m - (self.d.emf)) / self.sigma


def _check_celsius(device: GasSensor, items):
    """Temperatures declared K that are the device's operating temperature in degrees
    Celsius: every data temperature >= 150 K below t_op while T + 273.15 lies within 100 K of
    it (a 500 C sensor's CSV with ``T [K]`` = 500)."""
    T = np.concatenate([np.atleast_1d(d.temperature) for d in items])
    top = device.t_op
    if np.all(T <= top - 150.0) and np.all(np.abs(T + 273.15 - top) <= 100.0):
        d = next(iter(items))
        col = "temperature" if d.kind == "step_response" else "T"
        raise DataError(f"every temperature ({np.min(T):g} .. {np.max(T):g} K) lies "
                        f">= 150 K below the sensor's operating temperature t_op = {top:g} K, "
                        f"and + 273.15 within 100 K of it: degrees Celsius written as K? "
                        "(declare the column [degC]; if the data really are in K, pass "
                        "check_units=False)", column=col, path=d.path)


def _starts(device: GasSensor, params: list, items, sigmas) -> dict:
    """Data-driven start values for the fitted fields (when the FitParam has none): E0(T) and
    the ideality from per-temperature calibration lines (gas_calibration.fit), tau from the
    63 % time of each step, the dominant series resistance scaled to the data."""
    from ..devices.gas_calibration import fit as line_fit
    fitted = {p.field for p in params}
    out = {}
    # --- E0(T) and ideality from the emf data -----------------------------------------
    e_T, s_T = [], []
    for d in (x for x in items if x.kind == "emf"):
        for T in np.unique(np.round(d.temperature, 1)):
            m = np.round(d.temperature, 1) == T
            if np.unique(d.p_gas[m]).size < 2:
                continue
            cal = line_fit(d.p_gas[m], d.emf[m], temperature=float(T))
            Tk = float(np.mean(d.temperature[m]))
            # EMF at 1 bar = E0(T) - (R T/F) nu ln p_O2 - k_H2O log10(1 + p_H2O/p_ref)
            e0_T = (cal.e0 + R * Tk / F * device.o2_order * math.log(d.p_o2)
                    + device.k_h2o * math.log10(1.0 + d.p_h2o / device.p_h2o_ref))
            e_T.append((Tk, e0_T))
            s_T.append(cal.ideality(device.n_electrons, Tk))
    if e_T:
        Ts, Es = np.array(e_T).T
        if "ideality" in fitted:
            out["ideality"] = float(np.median(s_T))
        if "de0_dt" in fitted and np.unique(np.round(Ts, 1)).size >= 2:
            b, a = np.polyfit(Ts - device.t_ref, Es, 1)
            out["de0_dt"], out["e0"] = float(b), float(a)
        else:
            de0 = out.get("de0_dt", device.de0_dt)
            out["e0"] = float(np.mean(Es - de0 * (Ts - device.t_ref)))
        if "e0" not in fitted:
            out.pop("e0")
    # --- tau from the steps: time to 63 % of the observed change ------------------------
    taus = []
    for d in (x for x in items if x.kind == "step_response"):
        after = d.t > d.t_step
        e_post = d.emf[after]
        e_end = float(np.mean(e_post[-max(2, e_post.size // 10):]))
        e_start = float(np.mean(d.emf[~after])) if np.any(~after) else float(e_post[0])
        if abs(e_end - e_start) < 5.0 * sigmas[id(d)]:
            continue
        frac = (e_post - e_start) / (e_end - e_start)
        k = int(np.argmax(frac >= 1.0 - math.exp(-1.0)))
        t63 = float(d.t[after][k] - d.t_step)
        if t63 > 0:
            taus.append((d.temperature, t63))
    if taus and "tau" in fitted:
        Ts, tt = np.array(taus).T
        x = 1.0 / Ts - 1.0 / device.t_ref
        if "ea_tau" in fitted and np.unique(np.round(Ts, 1)).size >= 2:
            b, a = np.polyfit(x, np.log(tt), 1)
            ea = b * k_B_eV
            lo, hi = DEFAULT_PARAMS["ea_tau"].lower, DEFAULT_PARAMS["ea_tau"].upper
            if lo < ea < hi:
                out["ea_tau"] = float(ea)
                out["tau"] = float(math.exp(a))
        if "tau" not in out:
            ea = out.get("ea_tau", device.ea_tau)
            out["tau"] = float(math.exp(np.mean(np.log(tt) - ea / k_B_eV * x)))
    # --- the dominant series resistance scaled to the measured R_out ----------------------
    rd = [x for x in items if x.kind == "output_resistance"]
    for fld in ("asr_ct", "sigma_ref"):
        if fld in fitted and rd:
            ratio = math.exp(float(np.mean(np.concatenate(
                [np.log(x.r_out) - np.log(device.output_resistance(x.temperature))
                 for x in rd]))))
            # asr_ct scales R_ct up, sigma_ref scales R_film down
            out[fld] = getattr(device, fld) * (ratio if fld == "asr_ct" else 1.0 / ratio)
    return out


def _with_starts(params: list, device: GasSensor, starts: dict) -> list:
    out = []
    for p in params:
        if p.start is None:
            v = starts.get(p.field, float(getattr(device, p.field)))
            if not p.log and v == 0.0:
                # the core scales a linear parameter by |start|: keep it off zero
                v = 1e-3 * (p.upper - p.lower)
            if p.log and not v > 0:
                v = math.sqrt(p.lower * p.upper)
            v = min(max(v, p.lower), p.upper)
            p = dataclasses.replace(p, start=v)
        out.append(p)
    return out


def _label(d, i: int) -> str:
    if d.label:
        return f"{d.kind} {d.label}"
    T = np.atleast_1d(d.temperature)
    tt = f"{T.min():.0f} K" if np.ptp(T) < 0.05 else f"{T.min():.0f}-{T.max():.0f} K"
    return f"{d.kind} #{i} ({tt})"


def _post_checks(res: FitResult, device: GasSensor, items, params) -> FitResult:
    """Flags the core cannot know: an activation-type field without two temperatures is
    unidentifiable whatever the Jacobian says (finite-difference noise can hide the exact
    degeneracy); an offset (e0, de0_dt) is identifiable when its interval is narrow in
    absolute terms, though its value may sit near 0 (the core's +-100 % rule is relative)."""
    unident = list(res.unidentifiable)
    warns = list(res.warnings)
    for fld, kinds in _NEEDS_TWO_T.items():
        if fld in res.names:
            T = _temps(items, kinds)
            if T.size < 2:
                what = " or ".join(kinds)
                why = (f"it needs {what} data at >= 2 temperatures (got {T.size}: "
                       f"{', '.join(f'{x:g} K' for x in T)})")
                head = f"{fld}: not identifiable from these data: "
                k = next((i for i, w in enumerate(warns) if w.startswith(head)), None)
                if k is None:
                    warns.append(head + why)
                else:
                    warns[k] = warns[k] + "; " + why
                if fld not in unident:
                    unident.append(fld)
    # one decade of gas in EMF terms: an E0 known to better than this is pinned
    dec = float(device.slope_per_decade(device.t_ref))
    absolute = {"e0": dec, "de0_dt": dec / 100.0}
    for fld, tol in absolute.items():
        if fld not in unident or fld not in res.names:
            continue
        mine = [w for w in warns if w.startswith(f"{fld}: not identifiable")]
        only_wide = all("wider than +-100 %" in w and "direction" not in w and "bound" not in w
                        and "temperatures" not in w for w in mine)
        lo, hi = res.ci95[fld]
        if only_wide and 0.5 * (hi - lo) < tol:
            unident.remove(fld)
            warns = [w for w in warns if w not in mine]
    return dataclasses.replace(res, unidentifiable=tuple(unident), warnings=tuple(warns))


def _jacobian(device, params, values, models) -> np.ndarray:
    """d(weighted residuals)/d(relative parameter change) at ``values`` (forward differences;
    column scaling does not matter for the hat matrix and the variance fractions below)."""
    base = device.replace(**values)
    r0 = np.concatenate([m.residual(base) for _, m in models])
    cols = []
    for p in params:
        v = values[p.field]
        h = 1e-6 * (abs(v) if v != 0 else 1e-3 * (p.upper - p.lower))
        dev = device.replace(**{**values, p.field: v + h})
        cols.append((np.concatenate([m.residual(dev) for _, m in models]) - r0) / h * (
            abs(v) if v != 0 else 1.0))
    return np.column_stack(cols)


def _rows_by_kind(data) -> dict:
    out, k = {}, 0
    for d in data:
        n = len(d.r_out) if d.kind == "output_resistance" else len(d.emf)
        out.setdefault(d.kind, []).extend(range(k, k + n))
        k += n
    return {kind: np.array(v) for kind, v in out.items()}


def _kind_dof(J: np.ndarray, data) -> dict:
    """Residual degrees of freedom of each kind: its points minus its share of the hat
    matrix trace (the leverage the fitted parameters spend on it)."""
    h = np.sum(J * np.linalg.pinv(J).T, axis=1)
    return {kind: float(rows.size - h[rows].sum()) for kind, rows in _rows_by_kind(data).items()}


def _satterthwaite(res: FitResult, params, J: np.ndarray, data, est_kinds) -> FitResult:
    """95 % intervals with Student t at each parameter's effective dof: its variance is a
    weighted sum of the kinds' estimated noise variances (weights w_k = [C B_k C]_jj / C_jj,
    C = (J'J)^-1, B_k = J_k'J_k), each with dof nu_k, so nu_eff = 1 / sum_k w_k^2/nu_k
    (Welch-Satterthwaite). A parameter pinned by a few points of one kind (6 resistances)
    then gets t(4), not t(400) of the pooled fit."""
    from scipy.stats import t as student_t
    rows = _rows_by_kind(data)
    dof = _kind_dof(J, data)
    C = np.linalg.pinv(J.T @ J)
    ci = dict(res.ci95)
    for j, p in enumerate(params):
        var = C[j, j]
        if not (var > 0) or not math.isfinite(res.stderr[p.field]):
            continue
        inv = 0.0
        for kind, r in rows.items():
            if kind not in est_kinds:
                continue
            Jk = J[r]
            w = float((C @ (Jk.T @ Jk) @ C)[j, j] / var)
            inv += w * w / max(dof[kind], 1.0)
        nu = 1.0 / inv if inv > 0 else res.dof
        tq = float(student_t.ppf(0.975, min(nu, res.dof)))
        v, se = res.values[p.field], res.stderr[p.field]
        if p.log:
            sz = se / (v * math.log(10.0))
            with np.errstate(over="ignore"):
                ci[p.field] = (float(np.power(10.0, math.log10(v) - tq * sz)),
                               float(np.power(10.0, math.log10(v) + tq * sz)))
        else:
            ci[p.field] = (v - tq * se, v + tq * se)
    # the wider interval may cross the core's identifiability line (a decade / +-100 %)
    unident, warns = list(res.unidentifiable), list(res.warnings)
    for p in params:
        lo, hi = ci[p.field]
        v = res.values[p.field]
        wide = (hi / lo > 100.0 if lo > 0 else True) if p.log else 0.5 * (hi - lo) > abs(v)
        if wide and p.field not in unident:
            unident.append(p.field)
            warns.append(f"{p.field}: not identifiable from these data: its 95 % interval is "
                         "wider than " + ("a decade" if p.log else "+-100 %"))
    return dataclasses.replace(res, ci95=ci, unidentifiable=tuple(unident),
                               warnings=tuple(warns))


# ------------------------------------------------------------------------------ fit
def fit(device: GasSensor, data, params=None, *, data_label: Optional[str] = None,
        check_units: bool = True, **kw) -> FitResult:
    """Fit ``device``'s parameters to ``data`` (one data object or a sequence, kinds mixed).

    ``params``: field names (bounds from :data:`DEFAULT_PARAMS`) or :class:`FitParam`
    objects; default: ``e0`` and ``ideality`` (with emf or step data), ``de0_dt`` (those at
    >= 2 temperatures), ``tau`` (steps), ``ea_tau`` (steps at >= 2 temperatures), and the
    dominant series resistance term with its activation energy (output resistance data).
    ``n_electrons`` is chemistry (fixed): fitting it with ``ideality`` is degenerate (the
    slope is s/n) and is flagged. ``data_label``: what the fitted device's ``source`` names
    (default: the files, else "arrays"). ``check_units``: refuse temperatures that look like
    degrees Celsius written as K (see :func:`_check_celsius`). Other keywords go to
    :func:`~lithispice.fit.core.least_squares_fit` (``max_nfev``, ``diff_step``, ``loss``).
    Returns a :class:`~lithispice.fit.core.FitResult` whose ``device`` is the fitted sensor."""
    if not isinstance(device, GasSensor):
        raise ParameterError("device", type(device).__name__, "a GasSensor")
    items = [data] if isinstance(data, tuple(DATA_KINDS.values())) else list(data)
    if not items:
        raise ParameterError("data", data, "at least one data object")
    for d in items:
        if not isinstance(d, tuple(DATA_KINDS.values())):
            raise ParameterError("data", type(d).__name__,
                                 f"data objects of kinds {', '.join(DATA_KINDS)} "
                                 "(EmfData, StepData, ResistanceData)")
    if check_units:
        _check_celsius(device, items)
    if data_label is None:
        files = sorted({Path(d.path).name for d in items if d.path})
        data_label = ", ".join(files) if files else "arrays"
    params = _resolve_params(params, device, items)
    # noise: given per object, else estimated and pooled per kind
    sig, est_kinds = {}, set()
    for kind in DATA_KINDS:
        est = [d for d in items if d.kind == kind and d.sigma is None]
        if est:
            est_kinds.add(kind)
            w = [(_estimate_noise(d), len(d.emf) if kind != "output_resistance"
                  else len(d.r_out)) for d in est]
            pooled = math.sqrt(sum(s * s * n for s, n in w) / sum(n for _, n in w))
            for d in est:
                sig[id(d)] = pooled
    for d in items:
        if d.sigma is not None:
            sig[id(d)] = d.sigma
    params = _with_starts(params, device, _starts(device, params, items, sig))
    labels = [_label(d, i) for i, d in enumerate(items)]
    if len(set(labels)) != len(labels):
        labels = [f"{lab} [{i}]" for i, lab in enumerate(labels)]
    absolute = not est_kinds
    models = None

    def run(params, sig):
        nonlocal models
        models = [(lab, _Model(d, sig[id(d)])) for lab, d in zip(labels, items)]

        def residuals(dev):
            return {lab: m.residual(dev) for lab, m in models}
        return least_squares_fit(device, params, residuals, data_label=data_label,
                                 absolute_sigma=absolute, **kw)

    res = run(params, sig)
    kinds = [d.kind for d in items]
    if est_kinds and len(set(kinds)) > 1:
        # re-estimate each estimated kind's noise from its residuals (its dof: points minus
        # the leverage the fit spends on them) and fit once more from the optimum
        J = _jacobian(device, params, res.values, models)
        dof = _kind_dof(J, [m.d for _, m in models])
        for kind in est_kinds:
            r = np.concatenate([res.residuals[lab] for lab, d in zip(labels, items)
                                if d.kind == kind and d.sigma is None])
            f = math.sqrt(float(r @ r) / dof[kind]) if dof[kind] > 0 else 1.0
            for d in items:
                if d.kind == kind and d.sigma is None:
                    sig[id(d)] *= f
        params = [dataclasses.replace(q, start=res.values[q.field]) for q in params]
        first = res
        res = run(params, sig)
        res = dataclasses.replace(res, nfev=res.nfev + first.nfev,
                                  elapsed=res.elapsed + first.elapsed)
        res = _satterthwaite(res, params, _jacobian(device, params, res.values, models),
                             [m.d for _, m in models], est_kinds)
    return _post_checks(res, device, items, params)


# ------------------------------------------------------------------------------ helpers
def calibration(device: GasSensor, temperature: float, *, p_o2: float = P_O2_AIR,
                p_h2o: float = 0.0):
    """The readout line EMF = e0 + slope log10(p_gas/bar) of ``device`` at ``temperature``
    (K) as a :class:`lithispice.devices.gas_calibration.Calibration` (e.g. of a fitted
    device, to invert readings with ``.concentration(emf)``)."""
    from ..devices.gas_calibration import Calibration
    T = condition("temperature", temperature, "K")
    return Calibration(e0=float(device.emf(1.0, T, p_o2, p_h2o)),
                       slope=-float(device.slope_per_decade(T)), rms=0.0, n_points=0,
                       temperature=T)


def synthetic(device: GasSensor, kind: str, *, seed: int = 0, noise: Optional[float] = None,
              attach_sigma: bool = False, **conditions):
    """Noisy data of ``kind`` from ``device`` through the kernel (tests, README, benchmarks).

    ``noise``: Gaussian standard deviation, V (``emf``, ``step_response``; default 1 mV) or
    relative (``output_resistance``; default 0.03). ``attach_sigma``: store it on the data
    object (known noise) instead of leaving it to be estimated. Conditions (SI):
    ``emf``: ``p_gas`` (bar, default 7 points 200..5000 ppm), ``temperatures`` (K, default
    [t_op]), ``p_o2``, ``r_load``; ``step_response``: ``temperature`` (K, default t_op),
    ``p_before``, ``p_after`` (bar, default 400 -> 4000 ppm), ``n`` samples (200), ``t_end``
    (s, default 8 tau(T)), ``t_step`` (s, default t_end/10), ``r_load``;
    ``output_resistance``: ``temperatures`` (K, default t_op - 100 .. t_op + 50 in 6)."""
    if kind not in DATA_KINDS:
        raise ParameterError("kind", kind, f"one of {', '.join(DATA_KINDS)}")
    rng = np.random.default_rng(seed)
    c = dict(conditions)
    known = {"emf": ("p_gas", "temperatures", "p_o2", "r_load"),
             "step_response": ("temperature", "p_before", "p_after", "n", "t_end", "t_step",
                               "r_load"),
             "output_resistance": ("temperatures",)}[kind] + ("label",)
    for k in c:
        if k not in known:
            raise ParameterError(k, c[k], f"a condition of {kind} data ({', '.join(known)})")
    if kind == "emf":
        noise = 1e-3 if noise is None else float(noise)
        p = np.asarray(c.pop("p_gas", np.geomspace(200e-6, 5000e-6, 7)), dtype=float)
        Ts = np.atleast_1d(np.asarray(c.pop("temperatures", [device.t_op]), dtype=float))
        P, T = np.meshgrid(p, Ts)
        p_o2, r_load = c.pop("p_o2", P_O2_AIR), c.pop("r_load", math.inf)
        eq = device.emf(P.ravel(), T.ravel(), p_o2)
        v = device.terminal_voltage(eq, T.ravel(), r_load)
        out = EmfData(p_gas=P.ravel(), temperature=T.ravel(),
                      emf=v + rng.normal(0.0, noise, v.size),
                      sigma=noise if attach_sigma else None, p_o2=p_o2, r_load=r_load,
                      **c)
        return out
    if kind == "step_response":
        noise = 1e-3 if noise is None else float(noise)
        T = float(c.pop("temperature", device.t_op))
        pb, pa = float(c.pop("p_before", 400e-6)), float(c.pop("p_after", 4000e-6))
        n = int(c.pop("n", 200))
        t_end = float(c.pop("t_end", 8.0 * device.time_constant(T)))
        ts = float(c.pop("t_step", 0.1 * t_end))
        r_load = c.pop("r_load", math.inf)
        t = np.linspace(0.0, t_end, n)
        clean = StepData(t=t, emf=np.zeros(n), p_before=pb, p_after=pa, temperature=T,
                         t_step=ts, r_load=r_load, sigma=1.0)
        v = _Model(clean, 1.0).predict(device)
        return StepData(t=t, emf=v + rng.normal(0.0, noise, n), p_before=pb, p_after=pa,
                        temperature=T, t_step=ts, r_load=r_load,
                        sigma=noise if attach_sigma else None, **c)
    noise = 0.03 if noise is None else float(noise)
    Ts = np.asarray(c.pop("temperatures", np.linspace(device.t_op - 100.0, device.t_op + 50.0,
                                                      6)), dtype=float)
    r = np.asarray(device.output_resistance(Ts), dtype=float)
    return ResistanceData(temperature=Ts, r_out=r * np.exp(rng.normal(0.0, noise, Ts.size)),
                          sigma=noise if attach_sigma else None, **c)


def plot_fit(result: FitResult, data, path) -> None:
    """PNG at ``path``: each data object against the fitted device -- EMF against log10 p
    per temperature, step traces against time, R_out against 1000/T (log)."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from ..fileio import atomic_path
    items = [data] if isinstance(data, tuple(DATA_KINDS.values())) else list(data)
    dev = result.device
    fig, axes = plt.subplots(1, len(items), figsize=(4.2 * len(items), 3.6), squeeze=False)
    for i, (ax, d) in enumerate(zip(axes[0], items)):
        model = _Model(d, 1.0).predict(dev)
        if d.kind == "emf":
            for T in np.unique(np.round(d.temperature, 1)):
                m = np.round(d.temperature, 1) == T
                o = np.argsort(d.p_gas[m])
                x = np.log10(d.p_gas[m][o] * 1e6)
                line = ax.plot(x, d.emf[m][o] * 1e3, "o", ms=3.5, label=f"{T:g} K")[0]
                ax.plot(x, model[m][o] * 1e3, "-", lw=1.0, color=line.get_color())
            ax.set_xlabel("log10(p_gas / ppm)")
            ax.set_ylabel("EMF [mV]")
        elif d.kind == "step_response":
            ax.plot(d.t, d.emf * 1e3, ".", ms=2.5, label="data")
            ax.plot(d.t, model * 1e3, "-", lw=1.2, label="fit")
            ax.set_xlabel("t [s]")
            ax.set_ylabel("V(ref) - V(se) [mV]")
        else:
            o = np.argsort(d.temperature)
            ax.semilogy(1e3 / d.temperature, d.r_out, "o", ms=4, label="data")
            ax.semilogy(1e3 / d.temperature[o], model[o], "-", lw=1.2, label="fit")
            ax.set_xlabel("1000 / T [1/K]")
            ax.set_ylabel("R_out [ohm]")
        ax.set_title(_label(d, i), fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
