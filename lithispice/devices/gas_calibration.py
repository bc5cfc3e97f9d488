"""Calibration of a potentiometric gas sensor: fit E0 and the slope, invert EMF to concentration.

A type-III sensor is used through the straight line

    EMF = E0 + slope * log10(p_gas / 1 bar)          (slope < 0 with EMF = V(ref) - V(se))

at one temperature: the thermodynamic E0 of the model is only a starting point (real
electrodes sit tens of mV away), and the slope carries the film's ideality. :func:`fit`
takes measured (p_gas, EMF) points -- or any reading linear in EMF, such as ADC codes --
and returns a :class:`Calibration` that converts readings back to partial pressure.
Pressures are in bar (400 ppm = 400e-6), EMF in V (or the reading's unit).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import F, R
from ..errors import ParameterError
from ..validate import check_number
from . import _args
from .gas_sensor_params import PARAMS as _GAS_PARAMS
from .param_checks import P_MAX, pressure_array, temperature as _temperature

#: Upper end of a partial pressure, bar (param_checks.P_MAX, as gas_sensor.P_GAS_MAX).
_P_MAX = P_MAX

_LN10 = math.log(10.0)


@dataclass(frozen=True)
class Calibration:
    """EMF = e0 + slope log10(p_gas/bar).

    e0        reading at p_gas = 1 bar (V, or the reading's unit)
    slope     reading per decade of p_gas (V/decade; negative for EMF = V(ref) - V(se))
    rms       RMS residual of the fit (same unit as e0)
    n_points  number of calibration points
    temperature  K, when given to :func:`fit` (needed only for :meth:`ideality`)
    """
    e0: float
    slope: float
    rms: float
    n_points: int
    temperature: float | None = None

    def __post_init__(self):
        check_number("e0", self.e0)
        if check_number("slope", self.slope) == 0.0:
            raise ParameterError("slope", self.slope, "a finite, non-zero reading per decade")
        check_number("rms", self.rms, 0)
        _args.integer("n_points", self.n_points, 0)
        if self.temperature is not None:
            _temperature(_GAS_PARAMS.by_field("t_op"), self.temperature)

    def reading(self, p_gas):
        """The calibrated reading (EMF) at partial pressure ``p_gas`` (bar, > 0)."""
        p = _positive("p_gas", p_gas)
        out = self.e0 + self.slope * np.log10(p)
        return float(out) if out.ndim == 0 else out

    emf = reading

    def concentration(self, emf):
        """Partial pressure (bar) that gives the reading ``emf``: 10**((emf - e0)/slope)."""
        e = _args.array("emf", emf, what="finite readings")
        with np.errstate(over="ignore", under="ignore"):
            out = 10.0 ** ((e - self.e0) / self.slope)
        if not np.all(np.isfinite(out) & (out >= 1e-300) & (out <= _P_MAX)):
            ends = sorted((self.e0 + self.slope * math.log10(_P_MAX), self.e0 - 300.0 * self.slope))
            raise ParameterError("emf", emf, f"readings in [{ends[0]:.6g}, {ends[1]:.6g}] "
                                 f"(p_gas in [1e-300, {_P_MAX:g}] bar)")
        return float(out) if out.ndim == 0 else out

    def ideality(self, n_electrons: float, temperature: float | None = None) -> float:
        """|slope| / (2.303 R T/(n F)): the Nernstian fraction (1 = ideal). Only meaningful
        when the reading is the EMF itself in volts."""
        T = self.temperature if temperature is None else temperature
        if T is None:
            raise ParameterError("temperature", temperature, "> 0 K (or give it to fit())")
        T = _temperature(_GAS_PARAMS.by_field("t_op"), T)
        n = check_number("n_electrons", n_electrons, 0, 8, lo_open=True)
        return abs(self.slope) / (_LN10 * R * T / (n * F))


def _positive(name, value) -> np.ndarray:
    return pressure_array(value, name)       # (0, P_MAX] bar, a ppm / % hint beyond


def fit(p_gas, emf, temperature: float | None = None) -> Calibration:
    """Least-squares line EMF = e0 + slope log10(p_gas) through calibration points.

    p_gas: bar (> 0), at least two different values; emf: the readings (V or any linear
    reading such as ADC codes), same length; temperature: K, optional, kept for
    :meth:`Calibration.ideality`.
    """
    p = _positive("p_gas", p_gas).ravel()
    e = _args.array("emf", emf, what="finite readings, one per p_gas").ravel()
    if e.shape != p.shape:
        raise ParameterError("emf", f"{e.size} values", f"one reading per p_gas ({p.size})")
    x = np.log10(p)
    if p.size < 2 or np.ptp(x) == 0.0:
        raise ParameterError("p_gas", p_gas, "at least two different partial pressures")
    if temperature is not None:
        _temperature(_GAS_PARAMS.by_field("t_op"), temperature)
    A = np.column_stack([np.ones_like(x), x])
    with np.errstate(all="ignore"):
        (e0, slope), *_ = np.linalg.lstsq(A, e, rcond=None)
        resid = e - (e0 + slope * x)
    if not (np.isfinite(e0) and np.isfinite(slope) and np.all(np.isfinite(resid))):
        raise ParameterError("emf", emf, "readings whose fit stays within float range")
    if slope == 0.0:
        raise ParameterError("emf", emf, "readings that change with p_gas (the fitted slope is 0)")
    return Calibration(e0=float(e0), slope=float(slope), rms=float(np.sqrt(np.mean(resid ** 2))),
                       n_points=int(p.size),
                       temperature=None if temperature is None else float(temperature))


def emf_to_concentration(emf, e0: float, slope: float):
    """p_gas (bar) from an EMF (V) with a known line EMF = e0 + slope log10(p_gas)."""
    if check_number("slope", slope) == 0.0:
        raise ParameterError("slope", slope, "a finite, non-zero V/decade")
    check_number("e0", e0, unit="V")
    return Calibration(e0=float(e0), slope=float(slope), rms=0.0, n_points=0).concentration(emf)
