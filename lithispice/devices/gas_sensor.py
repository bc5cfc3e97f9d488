"""Type-III potentiometric gas sensor (DESIGN 3 and 4.4).

A sensing electrode (Li2CO3 for CO2, LiNO2 for NO2, Li2SO4 for SO2) and a reference
electrode on one Li-ion conducting film. The equations live in ``csrc/gas_sensor.h`` (the
reference); this module holds the parameter set, validates it, calls the compiled kernel and
exports the ngspice ``.subckt`` (``gas_sensor_spice.py``). Presets with their sources are in
``gas_sensor_presets.py``; fitting the model to measured data is
:mod:`lithispice.fit.gas_sensor`; a one-temperature calibration line and its inverse are in
``gas_calibration.py``.

Units: SI inside (V, s, K, ohm, m, S/m, eV) -- except partial pressures, which are in **bar**
(= mole fraction at 1 bar total pressure; 400 ppm CO2 in air is ``p_gas=400e-6``), because
the Nernst law is written against the 1-bar standard state and sensor papers quote ppm.

Sign convention: ``EMF = V(ref) - V(se)`` (reference electrode against sensing electrode), so

    EMF_eq = E0(T) - (R T / F) [ (s/n) ln(p_gas/1 bar) + nu_O2 ln(p_O2/1 bar) ]
             - k_H2O log10(1 + p_H2O/p_H2O_ref) - k_x log10(1 + p_x/p_x_ref)

falls with the slope ``2.303 s R T/(n F)`` per decade of gas (66.8 mV/decade at 400 C for n = 2,
s = 1): more gas lowers the Li activity at the sensing electrode and raises its potential.
The EMF follows EMF_eq with one time constant tau(T) (Arrhenius; t90 = 2.303 tau); the
terminals see it through the film's ionic resistance L/(sigma(T) A) plus the charge-transfer
resistance, shunted by the film's electronic leak.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..constants import F, R
from ..errors import ParameterError
from ..spice.params import ParamTable
from .base import SpiceExport, lookup_preset
from .gas_sensor_params import PARAMS
from . import _args
from .param_checks import (KnownFields, blame_field, check_temperature_fields,
                           pressure, pressure_array, replace_checked, temperature_array)
from .param_checks import P_MAX as _P_MAX
from ..validate import as_real, check_number as _check

#: O2 partial pressure of dry air, bar (20.95 % at 1 bar).
P_O2_AIR = 0.2095
#: Gases the model knows the electron number of (per gas molecule).
ELECTRONS = {"CO2": 2, "NO2": 1, "SO2": 2}
_LN10 = math.log(10.0)


def _positive_array(name: str, value, unit: str) -> np.ndarray:
    """float64 array of finite values > 0, else ParameterError naming ``name``."""
    return _args.array(name, value, 0, None, lo_open=True, unit=unit)


#: Partial pressures of the gas, bar: (0, P_MAX] (param_checks: 10 bar; a larger number is
#: a ppm or % value given as bar, refused with that hint); the Nernst law is written against
#: the 1-bar standard state.
P_GAS_MAX = min(PARAMS.by_spice("po2").hi, _P_MAX)


def _p_gas(value, name: str = "p_gas") -> np.ndarray:
    return pressure_array(value, name)


def _temperatures(value, name: str = "temperature") -> np.ndarray:
    """Temperatures in K: at least param_checks.T_MIN (150 K; lower is taken for degrees
    Celsius and refused with the conversion as hint), at most the table's temperature rows'
    end (t_op, t_ref: 3000 K). The card reads T from its pin tk; no instance row of its own."""
    return temperature_array(PARAMS.by_field("t_op"), value, name)


def _broadcast(**arrays):
    """np.broadcast_arrays, answering shapes that do not fit with a ParameterError naming the
    second array."""
    names = list(arrays)
    try:
        return np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ParameterError(names[-1], f"shape {np.shape(arrays[names[-1]])}",
                             f"a shape that broadcasts with the others ({shapes})") from None


def _finite_in_temperature(out, temperature, what: str):
    """``out`` if finite; else the temperature drove a thermally activated quantity out of
    float range: ParameterError naming it."""
    return _args.require_finite(
        "temperature", temperature, out,
        f"a temperature at which the {what} is finite (within "
        f"{PARAMS.by_field('t_op').range_text()} K)")


def _per_sample(name: str, a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """A scalar or one value per sample of ``t``, as an array shaped like ``t``."""
    if a.ndim == 0 or a.shape == (1,):
        return np.full(t.shape, float(a.reshape(-1)[0]))
    if a.shape != t.shape:
        raise ParameterError(name, f"shape {a.shape}", f"a scalar or one value per time of t "
                             f"({t.size},)")
    return a


def _load(r_load) -> float:
    """A load resistance in ohm: inf (or None) = open circuit, else finite and > 0."""
    if r_load is None:
        return math.inf
    if as_real(r_load) == math.inf:
        return math.inf
    return _check("r_load", r_load, 0, None, lo_open=True, unit="ohm (or inf)")


@dataclass(frozen=True)
class GasSensorTrace:
    """Waveforms of a standalone sensor simulation.

    ``t`` s; ``p_gas`` bar; ``temperature`` K; ``emf`` the electrode EMF V(ref) - V(se) after
    the first-order lag, V; ``emf_eq`` its equilibrium (Nernst) value, V; ``v_out`` the
    terminal voltage V(ref) - V(se) with the load ``r_load`` (ohm; inf = open circuit), V.
    """
    t: np.ndarray
    p_gas: np.ndarray
    temperature: np.ndarray
    emf: np.ndarray
    emf_eq: np.ndarray
    v_out: np.ndarray
    r_load: float


@dataclass(frozen=True)
class GasSensor(KnownFields, SpiceExport):
    """Parameters of a type-III potentiometric gas sensor. SI units, pressures in bar. Units
    and allowed ranges of every parameter: ``GasSensor.PARAMS`` (gas_sensor_params.py).

    Chemistry
      gas                 target gas: "CO2", "NO2" or "SO2" (labels; n is ``n_electrons``)
      sensing_electrode, reference_electrode, electrolyte   names (documentation; the
                          electrolyte's numbers are the ``sigma_*`` fields below)
      n_electrons         electrons per gas molecule n (1): 2 CO2/Li2CO3, 1 NO2/nitrite, 2 SO2/Li2SO4
      ideality            s (1 = Nernstian; thin films reach ~0.8), multiplies the gas term
      e0                  E0 at t_ref with every partial pressure at 1 bar, V
      de0_dt              dE0/dT, V/K (= -dS_r/(nF) of the cell reaction)
      o2_order            nu_O2 (1): order of the ln(p_O2/bar) term, set by the electrode pair
    Dynamics
      tau                 response time constant at t_ref, s (t90 = 2.303 tau)
      ea_tau              activation energy of 1/tau, eV
      t_ref               reference temperature of e0, tau and asr_ct, K
    Electrical (the electrolyte film, DESIGN 3)
      sigma_ref           Li-ion conductivity of the film at sigma_t_ref, S/m
      ea_sigma            its activation energy, eV
      sigma_t_ref         its reference temperature, K
      sigma_e             electronic conductivity of the film, S/m (0 = no leak)
      film_length         ionic path length, m (film thickness for a vertical stack; the
                          electrode gap for a coplanar sensor)
      film_area           ionic path cross-section, m^2 (electrode area for a stack;
                          thickness x electrode width for a coplanar sensor)
      asr_ct              area-specific charge-transfer resistance of each electrode at t_ref, ohm m^2
      ea_ct               activation energy of the charge-transfer conductance, eV
      electrode_area      area of each electrode, m^2
    Interference (additive log terms; 0 where no source gives a number)
      k_h2o, p_h2o_ref    humidity coefficient, V per decade of (1 + p_H2O/p_H2O_ref); bar
      cross_gas, k_cross, p_cross_ref   one interfering gas: name, V per decade; bar
    Bookkeeping
      t_op                recommended operating temperature, K
      source, notes       citations and caveats; ``assumed`` names fields that are our choice
    """
    name: str = "custom"
    gas: str = "CO2"
    sensing_electrode: str = "Li2CO3"
    reference_electrode: str = "Li2TiO3+TiO2"
    electrolyte: str = "Li3PO4"
    n_electrons: float = 2.0
    ideality: float = 1.0
    e0: float = 0.0
    de0_dt: float = 0.0
    o2_order: float = 0.0
    tau: float = 10.0
    ea_tau: float = 1.0
    t_ref: float = 773.15
    sigma_ref: float = 2.15e-4
    ea_sigma: float = 0.97
    sigma_t_ref: float = 773.15
    sigma_e: float = 0.0
    film_length: float = 1e-6
    film_area: float = 1e-6
    asr_ct: float = 0.0
    ea_ct: float = 1.0
    electrode_area: float = 1e-6
    k_h2o: float = 0.0
    p_h2o_ref: float = 0.01
    cross_gas: str = ""
    k_cross: float = 0.0
    p_cross_ref: float = 1e-6
    t_op: float = 773.15
    source: str = ""
    notes: str = ""
    assumed: tuple = ()
    _packed: np.ndarray = field(init=False, repr=False, compare=False)
    #: unit, range and meaning of every field and card instance parameter
    PARAMS: ClassVar[ParamTable] = PARAMS

    # --- construction and validation -------------------------------------------------
    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError("name", self.name, "a non-empty string")
        _args.choice("gas", self.gas, sorted(ELECTRONS))
        for nm in ("sensing_electrode", "reference_electrode", "electrolyte", "cross_gas",
                   "source", "notes"):
            if not isinstance(getattr(self, nm), str):
                raise ParameterError(nm, getattr(self, nm), "a string")
        if not isinstance(self.assumed, tuple) or not all(isinstance(a, str) for a in self.assumed):
            raise ParameterError("assumed", self.assumed, "a tuple of field names")
        PARAMS.check(self)          # every numeric field's range
        check_temperature_fields(self, PARAMS)      # t_ref ...: K, not degrees Celsius
        object.__setattr__(self, "_packed", self._pack())
        self._check_reference_emf()

    def _check_reference_emf(self):
        """The EMF at the card's reference condition (400 ppm in air at t_op, the default x0
        of every card) must lie in the x0 row's range: a parameter set whose Nernst slope or
        E0(T) puts it beyond is refused here, naming the field, not later by every card and
        run with a message about p_gas."""
        from .._kernels import gas_sensor_emf_eq
        x0 = PARAMS.by_spice("x0")
        env = np.array([P_O2_AIR, 0.0, 0.0])

        def ok(dev, packed):
            e = gas_sensor_emf_eq(packed, env, np.array([math.log(400e-6)]),
                                  np.array([float(dev.t_op)]))[0]
            return bool(np.isfinite(e) and x0.lo <= e <= x0.hi)
        if ok(self, self._packed):
            return
        name = blame_field(self, PARAMS, ok) or "t_op"
        raise ParameterError(name, getattr(self, name),
                             f"a value at which the EMF at 400 ppm in air at t_op stays within "
                             f"{x0.range_text()} V (with the other parameters as given)")

    def replace(self, **changes) -> "GasSensor":
        """A copy with some parameters changed (validated again). A name that is not a field
        raises TypeError with a hint: ``replace(tau0=5)`` -> did you mean 'tau'?"""
        return replace_checked(self, PARAMS, changes)

    @classmethod
    def with_electrolyte(cls, electrolyte: str, **kw) -> "GasSensor":
        """A sensor whose film numbers (sigma_ref, ea_sigma, sigma_t_ref, sigma_e) come from
        :func:`lithispice.materials.electrolyte` (its citations apply). A missing electronic
        conductivity is taken as 0 (no leak) unless ``sigma_e`` is given."""
        from ..materials import electrolyte as lookup
        el = lookup(electrolyte)
        base = dict(electrolyte=el.name, sigma_ref=el.sigma_ref_S_per_m, ea_sigma=el.Ea_eV,
                    sigma_t_ref=el.T_ref_K, sigma_e=el.sigma_e_S_per_m or 0.0)
        base.update(kw)
        return cls(**base)

    def kernel_fields(self) -> dict:
        """The kernel's parameter record (csrc/gas_sensor.h lsg_params), SI units."""
        return dict(n=float(self.n_electrons), s=self.ideality, e0_ref=self.e0,
                    de0_dt=self.de0_dt, nu_o2=self.o2_order, t_ref=self.t_ref, tau_ref=self.tau,
                    ea_tau=self.ea_tau, sigma_ref=self.sigma_ref, ea_sigma=self.ea_sigma,
                    t_sigma=self.sigma_t_ref, sigma_e=self.sigma_e, length=self.film_length,
                    area=self.film_area, asr_ct=self.asr_ct, ea_ct=self.ea_ct,
                    el_area=self.electrode_area, k_h2o=self.k_h2o, p_h2o_ref=self.p_h2o_ref,
                    k_x=self.k_cross, p_x_ref=self.p_cross_ref)

    def _pack(self) -> np.ndarray:
        from .._kernels import GAS_SENSOR_FIELDS
        f = self.kernel_fields()
        return np.array([float(f[k]) for k in GAS_SENSOR_FIELDS], dtype=np.float64)

    @staticmethod
    def _env(p_o2, p_h2o, p_cross) -> np.ndarray:
        # the background the card takes as instance parameters po2, ph2o, px: their rows'
        # ranges, and at most P_MAX bar (a ppm or % value given as bar is refused with a hint)
        out = []
        for spice, value, name in (("po2", p_o2, "p_o2"), ("ph2o", p_h2o, "p_h2o"),
                                   ("px", p_cross, "p_cross")):
            r = PARAMS.by_spice(spice)
            out.append(pressure(value, name, r.lo, r.lo_open, r.hi))
        return np.array(out)

    # --- static characteristics (all from the kernel) ---------------------------------
    def emf(self, p_gas, temperature, p_o2: float = P_O2_AIR, p_h2o: float = 0.0,
            p_cross: float = 0.0):
        """Equilibrium EMF = V(ref) - V(se) in V at gas partial pressure ``p_gas`` (bar, > 0)
        and ``temperature`` (K, > 0); scalars or broadcastable arrays. Background: ``p_o2``,
        ``p_h2o`` (humidity), ``p_cross`` (the cross gas), all in bar."""
        from .._kernels import gas_sensor_emf_eq
        p = _p_gas(p_gas)
        T = _temperatures(temperature)
        p, T = _broadcast(p_gas=p, temperature=T)
        env = self._env(p_o2, p_h2o, p_cross)

        def eq(pp, TT):
            return gas_sensor_emf_eq(self._packed, env, np.ascontiguousarray(np.log(pp).ravel()),
                                     np.ascontiguousarray(TT.ravel(), dtype=np.float64)
                                     ).reshape(pp.shape)
        out = eq(p, T)
        x0 = PARAMS.by_spice("x0")
        bad = ~(np.isfinite(out) & (out >= x0.lo) & (out <= x0.hi))
        if np.any(bad):
            # the card's EMF range (row x0): at 1 bar the gas term vanishes, so an EMF out of
            # range there is the temperature's doing; else the gas pressure's
            T_bad = T[bad].ravel()[0]
            e1 = float(eq(np.ones(1), np.array([T_bad]))[0])
            if not (np.isfinite(e1) and x0.lo <= e1 <= x0.hi):
                raise ParameterError("temperature", temperature,
                                     f"a temperature at which the EMF stays within "
                                     f"{x0.range_text()} V (at {T_bad:g} K it is {e1:.4g} V "
                                     "at 1 bar)")
            slope = float(self.slope_per_decade(T_bad))
            lo = 10.0 ** ((e1 - x0.hi) / slope) if slope > 0 else 0.0
            hi = (min(P_GAS_MAX, 10.0 ** min((e1 - x0.lo) / slope, 300.0)) if slope > 0
                  else P_GAS_MAX)
            raise ParameterError("p_gas", p_gas, f"[{lo:.4g}, {hi:.4g}] bar at {T_bad:g} K "
                                 f"(the EMF would leave {x0.range_text()} V)")
        return float(out) if out.ndim == 0 else out

    def slope_per_decade(self, temperature) -> float:
        """|dEMF/dlog10(p_gas)| = 2.303 s R T/(n F), V per decade (EMF falls by this much
        per decade of gas)."""
        T = _temperatures(temperature)
        out = _LN10 * self.ideality * R * np.maximum(T, 150.0) / (self.n_electrons * F)
        return float(out) if out.ndim == 0 else out

    def _props(self, temperature):
        from .._kernels import gas_sensor_properties
        T = _temperatures(temperature)
        tau, rf, rct, rleak = gas_sensor_properties(self._packed,
                                                    np.ascontiguousarray(T.ravel()))
        _finite_in_temperature(tau, temperature, "response time constant")
        _finite_in_temperature(rf, temperature, "film resistance")
        _finite_in_temperature(rct, temperature, "charge-transfer resistance")
        shape = T.shape

        def out(a):
            a = a.reshape(shape)
            return float(a) if a.ndim == 0 else a
        return out(tau), out(rf), out(rct), rleak

    def time_constant(self, temperature):
        """Response time constant tau(T), s."""
        return self._props(temperature)[0]

    def t90(self, temperature):
        """90 % response time to a concentration step, ln(10) tau(T), s."""
        return _LN10 * self._props(temperature)[0]

    def film_resistance(self, temperature):
        """Ionic resistance of the electrolyte film L/(sigma(T) A), ohm."""
        return self._props(temperature)[1]

    def charge_transfer_resistance(self, temperature):
        """Charge-transfer resistance of both electrodes, ohm."""
        return self._props(temperature)[2]

    def series_resistance(self, temperature):
        """Film + charge-transfer resistance in series with the EMF, ohm."""
        _, rf, rct, _ = self._props(temperature)
        return rf + rct

    @property
    def leak_resistance(self) -> float:
        """Electronic leak across the terminals L/(sigma_e A), ohm (inf without a leak)."""
        return self._props(self.t_ref)[3]

    def output_resistance(self, temperature):
        """Thevenin output resistance seen at the terminals: series resistance || leak, ohm."""
        rs = self.series_resistance(temperature)
        rl = self.leak_resistance
        return rs if math.isinf(rl) else rs * rl / (rs + rl)

    def terminal_voltage(self, emf, temperature, r_load: float = math.inf):
        """V(ref) - V(se) in V for internal EMF ``emf`` (V) at ``temperature`` (K) with a load
        ``r_load`` (ohm, inf = open circuit) across the terminals."""
        from .._kernels import gas_sensor_terminal_voltage
        r_load = _load(r_load)
        e = _args.row_array(PARAMS.by_spice("x0"), emf, "emf")
        T = _temperatures(temperature)
        e, T = _broadcast(emf=e, temperature=T)
        self._props(T)          # the film and electrode resistances must exist at T
        out = gas_sensor_terminal_voltage(self._packed, np.ascontiguousarray(e.ravel()),
                                          np.ascontiguousarray(T.ravel()), r_load).reshape(e.shape)
        _finite_in_temperature(out, temperature, "terminal voltage")
        return float(out) if out.ndim == 0 else out

    def concentration(self, emf, temperature, p_o2: float = P_O2_AIR, p_h2o: float = 0.0,
                      p_cross: float = 0.0):
        """Invert the Nernst law: p_gas (bar) whose equilibrium EMF is ``emf`` (V) at
        ``temperature`` (K). Uses the model's own E0 and slope; for a measured sensor fit
        them first (:mod:`lithispice.devices.gas_calibration`)."""
        e = _args.row_array(PARAMS.by_spice("x0"), emf, "emf")
        T = _temperatures(temperature)
        e, T = _broadcast(emf=e, temperature=T)
        e_at_1bar = np.asarray(self.emf(1.0, T, p_o2, p_h2o, p_cross))
        slope = np.asarray(self.slope_per_decade(T))
        with np.errstate(over="ignore", under="ignore"):
            out = 10.0 ** ((e_at_1bar - e) / slope)
        # a partial pressure in (0, P_GAS_MAX] bar, not 0 (underflow) nor beyond
        bad = ~(np.isfinite(out) & (out >= 1e-300) & (out <= P_GAS_MAX))
        if np.any(bad):
            k = np.flatnonzero(bad.ravel())[0]
            e1, s = float(e_at_1bar.ravel()[k]), float(slope.ravel()[k])
            lo, hi = e1 - s * math.log10(P_GAS_MAX), e1 + 300.0 * s
            raise ParameterError("emf", emf, f"[{lo:.4g}, {hi:.4g}] V at "
                                 f"{float(T.ravel()[k]):g} K (p_gas in [1e-300, "
                                 f"{P_GAS_MAX:g}] bar)")
        return float(out) if np.ndim(out) == 0 else out

    # --- simulation ---------------------------------------------------------------------
    def simulate(self, t, p_gas, temperature=None, x0: float | None = None,
                 r_load: float = math.inf, p_o2: float = P_O2_AIR, p_h2o: float = 0.0,
                 p_cross: float = 0.0) -> GasSensorTrace:
        """Simulate the sensor with the compiled kernel.

        t: sample times, s (strictly increasing); p_gas: bar, scalar or one value per sample,
        interpolated *geometrically* between samples (log10 p piecewise linear, as a PWL source
        on the SPICE pin ``lgp``); temperature: K, scalar or per sample (linear in between;
        default ``t_op``); x0: EMF at t[0] (default: equilibrium there); r_load: ohm across the
        terminals (inf = open circuit). The lag is integrated exactly for a stimulus that is
        piecewise linear in log p at constant T, so refine ``t`` only to resolve the stimulus.
        Returns a :class:`GasSensorTrace`.
        """
        from .._kernels import gas_sensor_simulate
        t = _args.times("t", t)
        p = np.ascontiguousarray(_per_sample("p_gas", _p_gas(p_gas), t))
        T = self.t_op if temperature is None else temperature
        T = np.ascontiguousarray(_per_sample("temperature", _temperatures(T), t))
        env = self._env(p_o2, p_h2o, p_cross)
        lnp = np.ascontiguousarray(np.log(p))
        # every sample's equilibrium EMF within the card's range (names p_gas or temperature)
        self.emf(p, T, p_o2, p_h2o, p_cross)
        self._props(T)
        if x0 is None:
            x0 = self.emf(p[0], T[0], p_o2, p_h2o, p_cross)
        x0 = PARAMS.by_spice("x0").validate(x0)
        r_load = _load(r_load)
        emf, eq, vout = gas_sensor_simulate(self._packed, env, t, lnp, T, float(x0), r_load)
        for arr in (emf, eq, vout):
            _finite_in_temperature(arr, temperature, "response")
        return GasSensorTrace(t=t, p_gas=p, temperature=T, emf=emf, emf_eq=eq, v_out=vout,
                              r_load=r_load)

    # --- SPICE side (SpiceDevice protocol) ------------------------------------------------
    #: se: sensing electrode; ref: reference electrode (V(ref) - V(se) = EMF at open circuit);
    #: lgp: control input, V = log10(p_gas / 1 ppm); tk: control input, V = temperature in K.
    #: lgp and tk are read against ground and draw no current: drive them with sources.
    pins = ("se", "ref", "lgp", "tk")
    dc_paths = (("se", "ref"),)
    #: x0 (V), po2/ph2o/px (bar), and every physical parameter: the table's spice rows
    #: (gas_sensor_spice.SPICE_PARAMS)
    instance_params = tuple(PARAMS.spice_map())

    @property
    def subckt_name(self) -> str:
        """Unique per parameter set: a readable stem plus a hash of the kernel fields."""
        stem = re.sub(r"[^A-Za-z0-9]+", "_", self.name.split("#")[0]).strip("_")[:32] or "dev"
        digest = hashlib.sha1(self._packed.tobytes()).hexdigest()[:8]
        return f"lsg_{stem}_{digest}"

    def subckt(self, dialect: str = "ngspice") -> str:
        """The ngspice ``.subckt`` (pins se ref lgp tk; params x0 V, po2/ph2o/px bar and the
        physical parameters, see ``gas_sensor_spice.SPICE_PARAMS``)."""
        from .gas_sensor_spice import gas_sensor_subckt
        if not isinstance(dialect, str) or dialect != "ngspice":
            raise ParameterError("dialect", dialect, "'ngspice' (other dialects: see models/)")
        return gas_sensor_subckt(self, dialect=dialect)

    def spice_params(self, p_gas: float, temperature: float, p_o2: float = P_O2_AIR,
                     p_h2o: float = 0.0, p_cross: float = 0.0) -> dict:
        """Instance parameters for :meth:`lithispice.Chip.add` that start the sensor in
        equilibrium with ``p_gas`` (bar) at ``temperature`` (K) in the given background."""
        return {"x0": self.emf(p_gas, temperature, p_o2, p_h2o, p_cross), "po2": float(p_o2),
                "ph2o": float(p_h2o), "px": float(p_cross)}

    @staticmethod
    def lgp(p_gas):
        """Control-pin voltage log10(p_gas / 1 ppm) for p_gas in bar."""
        p = _p_gas(p_gas)
        out = np.log10(p * 1e6)
        return float(out) if out.ndim == 0 else out

    @staticmethod
    def gas_pwl(t, p_gas) -> list[tuple[float, float]]:
        """(time s, log10(p/ppm) V) pairs for a PWL source on pin ``lgp``: the same stimulus
        the kernel sees for samples ``t`` (s) of ``p_gas`` (bar)."""
        t = _args.times("t", t, min_size=1)
        p = _per_sample("p_gas", _p_gas(p_gas), t)
        return list(zip(t.tolist(), np.log10(p * 1e6).tolist()))

    @staticmethod
    def card_testbench(dev: "GasSensor", card_name: str, lib: str):
        """Model-card check used by lithispice.modelcards: the card ``card_name`` from the
        ngspice library ``lib`` at its operating temperature sees a 400 -> 4000 ppm step; after
        8 tau its loaded output must sit at the model's equilibrium within 1 mV.
        Returns (deck text, check(result) -> (ok, detail))."""
        from ..spice.names import fmt
        T = dev.t_op
        tau = dev.time_constant(T)
        t_step, t_end = 0.5 * tau, 8.5 * tau
        r_load = 1e3 * dev.output_resistance(T)
        lo, hi = fmt(dev.lgp(400e-6)), fmt(dev.lgp(4000e-6))
        deck = "\n".join([
            f"card testbench {card_name}", f".include {lib}",
            f"Vg lgp 0 pwl(0 {lo} {fmt(t_step)} {lo} {fmt(t_step + 0.01 * tau)} {hi} "
            f"{fmt(t_end)} {hi})",
            f"Vt tk 0 {fmt(T)}",
            f"X1 se 0 lgp tk {card_name} x0={fmt(dev.emf(400e-6, T))}",
            f"Rl se 0 {fmt(r_load)}",
            f".tran {fmt(t_end / 500)} {fmt(t_end)}", ".end", ""])
        start = dev.terminal_voltage(dev.emf(400e-6, T), T, r_load)
        expect = dev.terminal_voltage(dev.emf(4000e-6, T), T, r_load)

        def check(res):
            v = -res["v(se)"]
            ok = abs(v[0] - start) < 1e-4 and abs(v[-1] - expect) < 1e-3
            return ok, f"V(ref)-V(se) {v[0]:.5f} -> {v[-1]:.5f} V, expected {start:.5f} -> {expect:.5f} V"
        return deck, check

    # --- presets ------------------------------------------------------------------------
    @staticmethod
    def presets() -> list[str]:
        """Names of the presets ("<gas>-<sensing electrode>-<electrolyte>")."""
        from .gas_sensor_presets import PRESETS
        return list(PRESETS)

    @staticmethod
    def preset(name: str, **overrides) -> "GasSensor":
        """A preset by name (e.g. "CO2-Li2CO3-Li3PO4"), optionally with parameters overridden."""
        from .gas_sensor_presets import PRESETS
        return lookup_preset(PRESETS, name, overrides)
