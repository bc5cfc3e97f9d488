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

    def reading(self, p_gas):
        """The calibrated reading (EMF) at partial pressure ``p_gas`` (bar, > 0)."""
        p = _positive("p_gas", p_gas)
        out = self.e0 + self.slope * np.log10(p)
        return float(out) if out.ndim == 0 else out

    emf = reading

    def concentration(self, emf):
        """Partial pressure (bar) that gives the reading ``emf``: 10**((emf - e0)/slope)."""
        e = np.asarray(emf, dtype=np.float64)
        if e.size == 0 or not np.all(np.isfinite(e)):
            raise ParameterError("emf", emf, "finite readings")
        out = 10.0 ** ((e - self.e0) / self.slope)
        return float(out) if out.ndim == 0 else out

    def ideality(self, n_electrons: float, temperature: float | None = None) -> float:
        """|slope| / (2.303 R T/(n F)): the Nernstian fraction (1 = ideal). Only meaningful
        when the reading is the EMF itself in volts."""
        T = self.temperature if temperature is None else temperature
        if T is None or not (math.isfinite(float(T)) and float(T) > 0):
            raise ParameterError("temperature", temperature, "> 0 K (or give it to fit())")
        if not (math.isfinite(float(n_electrons)) and float(n_electrons) > 0):
            raise ParameterError("n_electrons", n_electrons, "> 0")
        return abs(self.slope) / (_LN10 * R * float(T) / (float(n_electrons) * F))


def _positive(name, value) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "finite partial pressures > 0 bar") from None
    if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError(name, value, "finite partial pressures > 0 bar")
    return a


def fit(p_gas, emf, temperature: float | None = None) -> Calibration:
    """Least-squares line EMF = e0 + slope log10(p_gas) through calibration points.

    p_gas: bar (> 0), at least two different values; emf: the readings (V or any linear
    reading such as ADC codes), same length; temperature: K, optional, kept for
    :meth:`Calibration.ideality`.
    """
    p = _positive("p_gas", p_gas).ravel()
    e = np.asarray(emf, dtype=np.float64).ravel()
    if e.shape != p.shape:
        raise ParameterError("emf", f"{e.size} values", f"one reading per p_gas ({p.size})")
    if not np.all(np.isfinite(e)):
        raise ParameterError("emf", emf, "finite readings")
    x = np.log10(p)
    if p.size < 2 or np.ptp(x) == 0.0:
        raise ParameterError("p_gas", p_gas, "at least two different partial pressures")
    if temperature is not None and not (math.isfinite(float(temperature)) and float(temperature) > 0):
        raise ParameterError("temperature", temperature, "> 0 K")
    A = np.column_stack([np.ones_like(x), x])
    (e0, slope), *_ = np.linalg.lstsq(A, e, rcond=None)
    resid = e - (e0 + slope * x)
    return Calibration(e0=float(e0), slope=float(slope), rms=float(np.sqrt(np.mean(resid ** 2))),
                       n_points=int(p.size),
                       temperature=None if temperature is None else float(temperature))


def emf_to_concentration(emf, e0: float, slope: float):
    """p_gas (bar) from an EMF (V) with a known line EMF = e0 + slope log10(p_gas)."""
    if not (math.isfinite(float(slope)) and float(slope) != 0.0):
        raise ParameterError("slope", slope, "a finite, non-zero V/decade")
    if not math.isfinite(float(e0)):
        raise ParameterError("e0", e0, "a finite V")
    return Calibration(e0=float(e0), slope=float(slope), rms=0.0, n_points=0).concentration(emf)
