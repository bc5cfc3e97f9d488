"""Thin-film solid-state microbattery (DESIGN 3 and 4.3): cathode film + electrolyte film + Li anode.

The equations live in ``csrc/microbattery.h`` (the reference; built from the elements of
``csrc/electrochem.h``); this module holds the parameter set, derives what the kernel needs from
geometry and materials, and calls the compiled kernel. The SPICE form (the same finite-volume
ladder, node voltage = lithiation) is in ``microbattery_spice.py``; presets with their citations
in ``microbattery_presets.py``.

Conventions
-----------
* SI units everywhere: m, m2, s, A, V, K, mol/m3, m2/s, A/m2, F/m2, S/m, eV.
* Current > 0 **discharges** the cell (flows out of ``pos``).
* ``soc`` = 1 - mean lithiation of the (active) cathode film: 1 = charged (delithiated cathode),
  0 = discharged. ``theta`` = 1 - soc is the cathode lithiation within its usable range.
* ``anode_thickness`` is the Li-metal thickness **when the cell is fully charged** (soc = 1); at a
  lower soc the metal holds (1 - soc) * capacity less. A cell whose Li runs out before its
  cathode is full reports the event ``"anode_empty"``.
* Capacity fade: loss of active cathode material with charge throughput, d soh = -k |dq|, with k
  calibrated so that a cell cycled at 100 % depth of discharge (2 Q0 soh per cycle) keeps exactly
  soh = 0.8 ** (N / cycle_life): 80 % after ``cycle_life`` cycles. ``cycle_life = inf``: no fade.
* Self-discharge: the electrolyte's electronic leak ``L_e / (sigma_e A)`` across the terminals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..constants import F
from ..errors import ConvergenceError, ParameterError
from ..spice.params import ParamTable
from . import _args
from .base import SpiceExport, hashed_subckt, lookup_preset
from .microbattery_params import PARAMS as _PARAMS
from .param_checks import (KnownFields, blame_field, check_integer,
                           check_temperature_fields, replace_checked,
                           temperature as _checked_temperature, temperature_array)
from ..validate import as_real, check_number as _check

#: End-of-run reasons reported by the kernel (None = ran to the end of its time).
END_REASONS = ("v_min", "v_max", "i_min", "anode_empty", "cathode_full", "cathode_empty")
_MODES = {"cc": 0, "cv": 1, "rest": 0}
_FADE_CRITERION = 0.8          # end of life: 80 % of the initial capacity (the usual convention)
#: Terminal voltages a run may report, V: +-10 V, the widest cut-off of the v_min/v_max rows.
#: A current that would drive the cell beyond is one it cannot carry (ParameterError).
V_WINDOW = _PARAMS.by_field("v_max").hi
_T_MAX_CAP = 1e12              # s, the longest step duration (Step's range)


def _ocv_spec(material_name: str):
    """Kernel OCV description of a cathode material (devices/ocv.py)."""
    from .ocv import ocv_spec
    return ocv_spec(material_name, "cathode")


# ------------------------------------------------------------------------------------------
# Traces and protocol steps
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatteryTrace:
    """Waveforms of a standalone microbattery run (SI units).

    ``t`` s, ``v`` V (terminal), ``i`` A (terminal, > 0 discharge), ``i_leak`` A (electronic leak,
    part of the cell's own discharge), ``soc`` (1), ``theta_surf`` (cathode surface lithiation),
    ``eta_cathode`` V, ``ocv`` V (cathode OCV at the surface), ``i_faradaic`` A (cathode reaction),
    ``q_anode`` C (Li-metal inventory), ``q_cathode`` C (Li in the cathode, active + inactive),
    ``q_dl`` C (double-layer charge), ``soh`` (active fraction). ``event``: why the run ended
    (None = end of time; else one of END_REASONS) and ``t_event`` s. ``steps``: per-step summary
    of a protocol (dict of arrays: step, cycle, t_start, t_end, reason, charge C, energy J,
    v_end, i_end, soc_end, soh_end) or None. ``final_state``: pass as ``state=`` to continue.
    """
    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    i_leak: np.ndarray
    soc: np.ndarray
    theta_surf: np.ndarray
    eta_cathode: np.ndarray
    ocv: np.ndarray
    i_faradaic: np.ndarray
    q_anode: np.ndarray
    q_cathode: np.ndarray
    q_dl: np.ndarray
    soh: np.ndarray
    temperature: float
    event: str | None
    t_event: float | None
    final_state: np.ndarray
    steps: dict | None = None

    @property
    def charge_Ah(self) -> float:
        """Net charge delivered at the terminals, Ah (integral of i dt; > 0 for a discharge)."""
        return float(np.trapezoid(self.i, self.t)) / 3600.0

    def capacities_Ah(self, sign: int = +1) -> np.ndarray:
        """Charge of each protocol step with current of the given sign (+1 discharge, -1
        charge), Ah, in order (e.g. the discharge capacity of every cycle)."""
        if self.steps is None:
            raise ParameterError("steps", None, "a trace from a protocol run")
        q = self.steps["charge"]
        big = np.abs(q) > 1e-6 * np.abs(q).max(initial=0.0)   # not the zero-length steps
        return np.abs(q[big & (np.sign(q) == sign)]) / 3600.0


@dataclass(frozen=True)
class Step:
    """One cycler step. ``mode``: "cc" (value = current A, > 0 discharge), "cv" (value = voltage
    V) or "rest" (0 A). ``duration`` s (the latest end); ``v_min``/``v_max`` V end a CC step when
    crossed while discharging/charging; ``i_min`` A ends a CV step when |i| tapers to it;
    ``stop``: a limit that ends this step ends the whole protocol."""
    mode: str
    value: float
    duration: float
    v_min: float = -math.inf
    v_max: float = math.inf
    i_min: float = 0.0
    stop: bool = False

    def __post_init__(self):
        _args.choice("mode", self.mode, sorted(_MODES))
        if self.mode == "cv":
            # a held voltage within the cut-off rows' range (the kernel finds no current else)
            _check("value", self.value, 0, V_WINDOW, unit="V (CV step)")
        else:
            _check("value", self.value, unit="A")
        if self.mode == "rest" and self.value != 0:
            raise ParameterError("value", self.value, "0 for a rest step (mode 'rest')")
        _check("duration", self.duration, 0, _T_MAX_CAP, unit="s")
        _limit("v_min", self.v_min, -math.inf)
        _limit("v_max", self.v_max, math.inf)
        _check("i_min", self.i_min, 0, unit="A")
        _args.flag("stop", self.stop)

    def row(self) -> list:
        return [_MODES[self.mode], float(self.value), float(self.duration), float(self.v_min),
                float(self.v_max), float(self.i_min), 1.0 if self.stop else 0.0]


# ------------------------------------------------------------------------------------------
# The device
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Microbattery(KnownFields, SpiceExport):
    """Parameters of a thin-film microbattery (cathode | solid electrolyte | Li metal). SI units.

    Geometry
      area                    footprint of the stack, m2
      cathode_thickness       cathode film thickness, m
      electrolyte_thickness   electrolyte film thickness, m
      anode_thickness         Li-metal thickness at full charge (soc = 1), m (0: Li-free at soc 1
                              is refused; see module doc)
    Cathode (an intercalation material of lithispice.materials, by name, for its OCV law)
      cathode                 material name, e.g. "LiCoO2", "LiNi0.5Mn1.5O4"
      c_max                   Li concentration of the usable range, mol/m3 (capacity/volume/F)
      D                       Li chemical diffusivity at t_ref, m2/s
      ea_D                    activation energy of D, eV
      i0_cathode              exchange current density cathode/electrolyte at t_ref, A/m2
      ea_i0_cathode           its activation energy, eV
      c_dl                    double-layer capacitance of that interface, F/m2 (0: none)
    Electrolyte
      sigma_ref               Li-ion conductivity at t_ref_sigma, S/m
      ea_sigma                activation energy of sigma, eV
      t_ref_sigma             temperature of sigma_ref, K
      sigma_e                 electronic conductivity (self-discharge leak), S/m (0: none)
      eps_r                   relative permittivity (documentation; the geometric capacitance,
                              ~nF, is left out of both kernel and SPICE: its time constant with
                              R_ion is microseconds)
    Anode (Li metal)
      c_li                    Li atoms per volume of the metal, mol/m3
      i0_anode                exchange current density Li/electrolyte at t_ref, A/m2
      ea_i0_anode             eV
    Operation and numerics
      v_min, v_max            cut-off voltages, V
      cycle_life              cycles (100 % DOD) to 80 % capacity; inf = no fade
      t_ref                   reference temperature of D and the i0, K
      n_volumes               finite volumes of the cathode film (same in C and SPICE)
      grading                 dz(collector)/dz(surface) of the geometric grid, >= 1
      tol                     integrator local error tolerance per step, absolute on the
                              lithiation theta and in volts on eta_c (1e-4: a 1C discharge
                              stays within 0.02 mV of a tol = 1e-10 reference run)
      reservoir_pin           SPICE only: expose the anode's ionic node as a third pin "ion"
    """
    name: str = "custom"
    cathode: str = "LiCoO2"
    area: float = 1e-4
    cathode_thickness: float = 1e-6
    electrolyte_thickness: float = 1.5e-6
    anode_thickness: float = 3e-6
    c_max: float = 25813.871862951513
    D: float = 1e-15
    ea_D: float = 0.3
    i0_cathode: float = 1.0
    ea_i0_cathode: float = 0.5
    c_dl: float = 0.1
    sigma_ref: float = 2.3e-4
    ea_sigma: float = 0.55
    t_ref_sigma: float = 298.15
    sigma_e: float = 1e-12
    eps_r: float = 15.0
    c_li: float = 76945.24495677232
    i0_anode: float = 10.0
    ea_i0_anode: float = 0.5
    v_min: float = 3.0
    v_max: float = 4.2
    cycle_life: float = 4000.0
    t_ref: float = 298.15
    n_volumes: int = 20
    grading: float = 10.0
    tol: float = 1e-4
    reservoir_pin: bool = False
    source: str = ""
    notes: str = ""
    assumed: tuple = ()
    _packed: np.ndarray = field(init=False, repr=False, compare=False)
    #: Unit, range and meaning of every numeric field and instance parameter.
    PARAMS: ClassVar[ParamTable] = _PARAMS

    # --- construction and validation --------------------------------------------------------
    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError("name", self.name, "a non-empty string")
        _args.text_fields(self)
        _args.field_names("assumed", self.assumed)
        # ranges, units and names of the numeric fields: microbattery_params.PARAMS
        _PARAMS.check(self)
        check_temperature_fields(self, _PARAMS)      # t_ref ...: K, not degrees Celsius
        # what a plain range cannot say: relations, the inf of cycle_life, integers
        if not self.v_max > self.v_min:
            raise ParameterError("v_max", self.v_max, f"> v_min = {self.v_min} V")
        cl = as_real(self.cycle_life)
        lo = _PARAMS.by_field("cycle_life").lo
        if not (cl == math.inf or (math.isfinite(cl) and cl >= lo)):
            raise ParameterError("cycle_life", self.cycle_life, f"[{lo:g}, inf] cycles (inf: no fade)")
        check_integer(_PARAMS.by_field("n_volumes"), self.n_volumes)
        if not isinstance(self.reservoir_pin, bool):
            raise ParameterError("reservoir_pin", self.reservoir_pin, "True or False")
        _ocv_spec(self.cathode)        # a known cathode with a known OCV law
        object.__setattr__(self, "_packed", self._pack())
        self._check_t_ref()

    def _check_t_ref(self):
        """The kernel's coefficients at t_ref must be finite: D and the i0 are given there, the
        electrolyte conductivity at t_ref_sigma, so a t_ref far from t_ref_sigma (with these
        activation energies) leaves float range -- and every card and run with it."""
        from .._kernels import BATTERY_FIELDS, battery_coeffs
        k_ref = BATTERY_FIELDS.index("t_ref")

        def good(co, dev) -> bool:
            # what the kernel and the card need: finite, non-zero coefficients and capacities
            # (a 1e-308 m2 cell has an infinite leak resistance and a zero capacity)
            if not all(math.isfinite(co[k]) and co[k] > 0
                       for k in ("r_ion", "i0A_c", "i0A_a", "q0", "vt2")):
                return False
            if not (math.isfinite(co["c_dl"]) and (co["c_dl"] > 0 or dev.c_dl == 0)):
                return False
            if dev.sigma_e > 0 and not (math.isfinite(co["r_leak"]) and co["r_leak"] > 0):
                return False
            inv = F * dev.c_li * dev.area * dev.anode_thickness
            return math.isfinite(inv) and (inv > 0 or dev.anode_thickness == 0)

        def ok(t_ref):              # this cell with another t_ref, at that t_ref
            p = self._packed.copy()
            p[k_ref] = t_ref
            try:
                co = battery_coeffs(p, t_ref)
            except ValueError:
                return False
            return good(co, self)
        if ok(self.t_ref):
            return

        def ok_dev(dev, packed):
            try:
                co = battery_coeffs(packed, dev.t_ref)
            except ValueError:
                return False
            return good(co, dev)
        name = blame_field(self, _PARAMS, ok_dev, prefer=("t_ref",))
        if name not in (None, "t_ref"):
            raise ParameterError(name, getattr(self, name), "a value at which this cell's kernel "
                                 "coefficients at t_ref are finite and non-zero (with the other "
                                 "parameters as given)")
        side = ">=" if self.t_ref < self.t_ref_sigma else "<="
        bound = (f"{side} {_args.bisect_limit(ok, self.t_ref_sigma, self.t_ref):.4g} K "
                 if ok(self.t_ref_sigma) else "")
        raise ParameterError("t_ref", self.t_ref,
                             f"a reference temperature {bound}(with t_ref_sigma = "
                             f"{self.t_ref_sigma:g} K and these activation energies; beyond, the "
                             "electrolyte's resistance at t_ref leaves float range)")

    def _coeffs_raw(self, T: float) -> dict:
        from .._kernels import battery_coeffs
        return battery_coeffs(self._packed, T)

    def _coeffs(self, T: float, temperature=None) -> dict:
        """Kernel coefficients at T (K, already range-checked); a temperature at which the
        thermally activated coefficients vanish or overflow raises ParameterError naming it."""
        try:
            co = self._coeffs_raw(T)
        except ValueError:
            co = None
        if co is None or not all(math.isfinite(co[k]) and co[k] > 0
                                 for k in ("r_ion", "i0A_c", "i0A_a")):
            raise ParameterError("temperature", T if temperature is None else temperature,
                                 f"a temperature at which this cell's thermally activated "
                                 f"coefficients are finite and non-zero (within "
                                 f"{_PARAMS.by_spice('tk').range_text()} K)")
        return co

    def replace(self, **changes) -> "Microbattery":
        """A copy with some parameters changed (validated again). A name that is not a field
        raises TypeError with a hint (``socc`` -> ``soc0``, an instance parameter)."""
        return replace_checked(self, _PARAMS, changes)

    def lumped(self) -> "Microbattery":
        """The single-volume variant (n_volumes = 1): the cathode film as one capacitor with the
        steady-profile surface resistance L/(3 D c_max A) (exact for the steady part of a
        constant-current load). Same model in the kernel and in SPICE."""
        return self.replace(n_volumes=1, grading=1.0, name=f"{self.name} lumped")

    def with_reservoir_pin(self) -> "Microbattery":
        """The SPICE variant with the anode's ionic node as a third pin ``ion`` (for a synapse
        gated from this battery's Li reservoir); the kernel model is unchanged."""
        return self.replace(reservoir_pin=True)

    # --- derived quantities -----------------------------------------------------------------
    @property
    def capacity_C(self) -> float:
        """Cathode capacity F c_max A L, C."""
        return F * self.c_max * self.area * self.cathode_thickness

    @property
    def capacity_Ah(self) -> float:
        """Cathode capacity, Ah (the cell's nominal capacity)."""
        return self.capacity_C / 3600.0

    @property
    def areal_capacity_uAh_per_cm2_per_um(self) -> float:
        """Capacity per area per cathode thickness, uAh cm-2 um-1 (LiCoO2: ~69)."""
        return self.capacity_Ah * 1e6 / (self.area * 1e4) / (self.cathode_thickness * 1e6)

    @property
    def anode_inventory_C(self) -> float:
        """Li-metal inventory at full charge, C (thickness A c_li F)."""
        return F * self.c_li * self.area * self.anode_thickness

    @property
    def r_leak(self) -> float:
        """Electronic leak resistance L_e / (sigma_e A), ohm (inf without leak)."""
        return self.electrolyte_thickness / (self.sigma_e * self.area) if self.sigma_e > 0 else math.inf

    def r_ion(self, temperature=298.15):
        """Ionic resistance of the electrolyte L_e / (sigma(T) A), ohm (the kernel's value);
        ``temperature`` in K, scalar or array."""
        from .._kernels import electrolyte_r_ion
        T0 = temperature_array(_PARAMS.by_spice("tk"), temperature)
        T = np.atleast_1d(T0)
        out = electrolyte_r_ion(self.sigma_ref, self.ea_sigma, self.t_ref_sigma,
                                self.electrolyte_thickness, self.area,
                                np.ascontiguousarray(T.ravel())).reshape(T.shape)
        _args.require_finite("temperature", temperature, out,
                             "a temperature at which the electrolyte's resistance is finite")
        return float(out[0]) if T0.ndim == 0 else out

    @property
    def k_fade(self) -> float:
        """Fade coefficient of the kernel, 1/C: d soh/dt = -k_fade |i_faradaic|."""
        if self.cycle_life == math.inf:
            return 0.0
        # a full cycle of the faded cell passes 2 Q0 soh, so soh shrinks by the factor
        # (1 - 2 k Q0) per cycle: exactly 0.8 ** (1 / cycle_life)
        return (1.0 - _FADE_CRITERION ** (1.0 / self.cycle_life)) / (2.0 * self.capacity_C)

    def soh_after(self, cycles: float) -> float:
        """Active fraction after ``cycles`` full (100 % DOD) cycles: 0.8 ** (cycles/cycle_life)."""
        cycles = _check("cycles", cycles, 0, unit="cycles")
        return 1.0 if self.cycle_life == math.inf else _FADE_CRITERION ** (cycles / self.cycle_life)

    def kernel_fields(self) -> dict:
        """The kernel's scalar parameter fields (lithispice._kernels.BATTERY_FIELDS), SI."""
        kind, x0, x1, u0, xt, _, _, ttab = _ocv_spec(self.cathode)
        from .._kernels import OCV_KINDS
        n_tab = len(xt)
        return dict(area=self.area, l_c=self.cathode_thickness, c_max=self.c_max, d_c=self.D,
                    ea_d=self.ea_D, i0_c=self.i0_cathode, ea_i0c=self.ea_i0_cathode,
                    c_dl=self.c_dl, n_vol=float(self.n_volumes), grading=self.grading,
                    sigma_ref=self.sigma_ref, ea_sigma=self.ea_sigma, t_ref_sigma=self.t_ref_sigma,
                    sigma_e=self.sigma_e, eps_r=self.eps_r, l_e=self.electrolyte_thickness,
                    i0_a=self.i0_anode, ea_i0a=self.ea_i0_anode, k_fade=self.k_fade,
                    t_ref=self.t_ref, tol=self.tol, ocv_kind=float(OCV_KINDS[kind]), ocv_x0=x0,
                    ocv_x1=x1, ocv_u0=u0, ocv_n=float(n_tab), ocv_tref=ttab)

    def _pack(self) -> np.ndarray:
        from .._kernels import BATTERY_FIELDS, BATTERY_OCV_MAXPTS
        f = self.kernel_fields()
        _, _, _, _, xt, ut, dt, _ = _ocv_spec(self.cathode)
        tab = np.zeros((3, BATTERY_OCV_MAXPTS))
        tab[0, :len(xt)], tab[1, :len(ut)], tab[2, :len(dt)] = xt, ut, dt
        return np.concatenate([[f[k] for k in BATTERY_FIELDS], tab.ravel()]).astype(np.float64)

    def coefficients(self, temperature: float = 298.15) -> dict:
        """Temperature-resolved kernel coefficients: r_ion, r_leak (ohm), i0A_c, i0A_a (A),
        c_dl (F), q0 (C), vt2 = 2RT/F (V), n."""
        return dict(self._coeffs(_temperature(temperature), temperature))

    def ocv(self, soc, temperature: float = 298.15) -> np.ndarray:
        """Cathode open-circuit potential (V vs Li) at uniform state of charge soc (the cell's
        OCV, since the Li anode sits at 0 V): the kernel's law, clamped as in the kernel."""
        from .._kernels import battery_ocv
        s0 = _args.row_array(_PARAMS.by_spice("soc0"), soc, "soc")
        s = np.atleast_1d(s0)
        u, _ = battery_ocv(self._packed, _temperature(temperature),
                           np.ascontiguousarray(1.0 - s.ravel()))
        u = u.reshape(s.shape)
        _args.require_finite("temperature", temperature, u, "a temperature at which the OCV "
                             "law is finite")
        return float(u[0]) if s0.ndim == 0 else u

    # --- state ---------------------------------------------------------------------------------
    def initial_state(self, soc0: float = 1.0, soh: float = 1.0, q_anode0: float | None = None):
        """Kernel state vector: uniform cathode at soc0, relaxed double layer, active fraction
        soh, Li-metal inventory q_anode0 (C; default: the inventory at full charge minus what
        the cathode holds below full charge)."""
        from .._kernels import battery_initial_state
        soc0 = _PARAMS.by_spice("soc0").validate(soc0)
        soh = _PARAMS.by_spice("soh").validate(soh)
        if q_anode0 is None:
            q_anode0 = self.anode_inventory_C - (1.0 - soc0) * self.capacity_C * soh
            if q_anode0 < -1e-12 * self.capacity_C:
                raise ParameterError("soc0", soc0, f">= {1 - self.anode_inventory_C / (self.capacity_C * soh):.6g}",
                                     detail="the Li-metal anode cannot supply a cathode this lithiated")
            q_anode0 = max(q_anode0, 0.0)
        q_anode0 = _check("q_anode0", q_anode0, 0, unit="C")
        return battery_initial_state(self._packed, soc0, q_anode0, soh)

    def _state(self, state, soc0):
        if state is None:
            return self.initial_state(soc0)
        n = self.n_volumes
        what = (f"a finite ({n + 4},) state vector (from initial_state() or a trace's "
                f"final_state): {n} lithiations in [0, 1], eta_c in [-{V_WINDOW:g}, "
                f"{V_WINDOW:g}] V, Li inventory >= 0 C, soh in (0, 1], dead Li >= 0 C")
        st = _args.array("state", state, what=what)
        if st.shape != (n + 4,) or not np.all(np.isfinite(st)):
            raise ParameterError("state", f"shape {st.shape}", what)
        theta, eta, qli, soh, dead = st[:n], st[n], st[n + 1], st[n + 2], st[n + 3]
        tol = 1e-3                 # a run ending at a saturated surface may overshoot by ~1e-12
        if not (np.all((theta >= -tol) & (theta <= 1 + tol)) and abs(eta) <= V_WINDOW
                and qli >= -tol * self.capacity_C
                and 0 < soh <= 1 and dead >= 0):
            raise ParameterError("state", _args._short(state), what)
        return np.ascontiguousarray(st)

    # --- simulation ----------------------------------------------------------------------------
    def simulate(self, t, current, temperature: float = 298.15, soc0: float = 1.0, state=None,
                 v_min: float | None = None, v_max: float | None = None) -> BatteryTrace:
        """Current-driven run in the compiled kernel.

        t: sample times, s (strictly increasing); current: A (> 0 discharge), scalar or one value
        per sample, piecewise linear in between (the integrator adapts its own steps; ``t`` only
        sets the stimulus and the output points); temperature: K; soc0: initial state of charge
        (ignored when ``state`` is given). The run stops at the cut-offs v_min (while
        discharging) and v_max (while charging), default the cell's, or when the anode runs out
        or the cathode surface saturates; the trace then ends with a point at the event.
        Pass ``v_min=-inf`` / ``v_max=inf`` to disable the cut-offs.
        """
        from .._kernels import BATTERY_END_REASONS, battery_simulate
        T = _temperature(temperature)
        t = _args.times("t", t)
        i = _args.array("current", current, unit="A",
                        what=f"finite currents, A: a scalar or ({t.size},)")
        if i.ndim == 0:
            i = np.full(t.size, float(i))
        if i.shape != t.shape:
            raise ParameterError("current", f"shape {i.shape}", f"a scalar or ({t.size},) amperes")
        vlo, vhi = self._limits(v_min, v_max)
        st = self._state(state, soc0)
        self._coeffs(T, temperature)
        try:
            rows, reason, final = battery_simulate(self._packed, T, st, t,
                                                   np.ascontiguousarray(i), vlo, vhi)
        except FloatingPointError as exc:
            self._drive_failed("current", current, T, st, exc)
        tr = _trace(rows, T, BATTERY_END_REASONS[reason], final, None)
        return self._checked(tr, "current", current, st)

    def _limits(self, v_min, v_max, *, finite_max: bool = False):
        """Cut-off voltages: None = the cell's; -inf / inf disable them; else the range of
        the v_min / v_max rows. ``finite_max``: v_max is also a CV voltage (no inf)."""
        vlo = self.v_min if v_min is None else _limit("v_min", v_min, -math.inf)
        vhi = self.v_max if v_max is None else (
            _check("v_max", v_max, *_row_range("v_max"), unit="V") if finite_max
            else _limit("v_max", v_max, math.inf))
        return vlo, vhi

    def _window(self, T: float, st) -> tuple[float, float]:
        """(i_lo, i_hi), A: the terminal currents this state carries at T without the
        terminal voltage leaving [-V_WINDOW, V_WINDOW] (or the kernel finding no operating
        point). (0, 0) when even no current is consistent."""
        from .._kernels import battery_voltage_now

        def ok(i):
            try:
                v = battery_voltage_now(self._packed, T, st, i)
            except (FloatingPointError, ValueError):
                return False
            return math.isfinite(v) and -V_WINDOW <= v <= V_WINDOW

        def side(sign):
            far = sign * 1e12
            if ok(far):
                return far
            near = sign * 1e-30
            return _args.bisect_limit(ok, near, far, steps=200) if ok(near) else 0.0
        if not ok(0.0):
            return 0.0, 0.0
        return side(-1.0), side(1.0)

    def _current_error(self, name, value, T, st, detail="", window=None):
        lo, hi = self._window(T, st) if window is None else window
        if lo == hi == 0.0:
            return ParameterError("temperature", T, f"a temperature at which this cell has an "
                                  f"operating point in this state (none at {T:g} K)")
        return ParameterError(name, _args._short(value),
                              f"[{lo:.4g}, {hi:.4g}] A for this state at temperature = {T:g} K",
                              detail or f"beyond, the terminal voltage would leave "
                              f"[-{V_WINDOW:g}, {V_WINDOW:g}] V: the cell cannot carry it")

    def _drive_failed(self, name, value, T, st, exc):
        """The kernel found no solution or its step size underflowed: the drive is one the
        cell cannot follow (ParameterError naming it), else a typed ConvergenceError."""
        lo, hi = self._window(T, st)
        err = self._current_error(name, value, T, st, window=(lo, hi))
        vals = np.atleast_1d(np.asarray(value, dtype=np.float64)) if name == "current" else None
        if err.name == "temperature" or (vals is not None and
                                         (np.any(vals < lo) or np.any(vals > hi))):
            raise err from None
        raise ConvergenceError(f"microbattery kernel: {exc} (drive {name} = "
                               f"{_args._short(value)!r} at {T:g} K)", engine="kernel") from None

    def _checked(self, tr: "BatteryTrace", name, value, st) -> "BatteryTrace":
        """The trace if every channel is finite and the terminal voltage within the window;
        else the drive ``name`` is one the cell cannot carry: ParameterError."""
        chans = (tr.t, tr.v, tr.i, tr.i_leak, tr.soc, tr.theta_surf, tr.eta_cathode, tr.ocv,
                 tr.i_faradaic, tr.q_anode, tr.q_cathode, tr.q_dl, tr.soh)
        fine = all(np.all(np.isfinite(c)) for c in chans) and \
            np.all(np.abs(tr.v) <= V_WINDOW) and np.all(np.isfinite(tr.final_state))
        if tr.steps is not None:
            fine = fine and all(np.all(np.isfinite(np.asarray(v, dtype=np.float64)))
                                for k, v in tr.steps.items() if k != "reason")
        if fine:
            return tr
        raise self._current_error(name, value, tr.temperature, st)

    def run(self, steps, repeat: int = 1, temperature: float = 298.15, soc0: float = 1.0,
            state=None, record: bool = True) -> BatteryTrace:
        """Run a cycler protocol (a sequence of :class:`Step`), ``repeat`` times, in the kernel.
        A step ends at its duration, at its limits (v_min/v_max/i_min, located in time) or when
        the cathode surface saturates, and the next step starts (a limit of a ``stop`` step ends
        the protocol); running out of Li metal ends the protocol. ``record=False`` keeps only
        the step ends (long cycling runs). The trace's ``steps`` holds one summary row per
        executed step; ``event`` is the reason the last step ended."""
        return self._run(steps, repeat, temperature, soc0, state, record, "steps", steps)

    def _run(self, steps, repeat, temperature, soc0, state, record, name, value):
        """run(), errors of the kernel run naming the caller's argument ``name``."""
        from .._kernels import BATTERY_END_REASONS, BATTERY_SUMMARY_CHANNELS, battery_protocol
        T = _temperature(temperature)
        if isinstance(steps, Step):
            steps = [steps]
        try:
            steps = list(steps)
        except TypeError:
            raise ParameterError("steps", steps, "a non-empty sequence of Step") from None
        if not steps or not all(isinstance(s, Step) for s in steps):
            raise ParameterError("steps", steps, "a non-empty sequence of Step")
        rep = _args.count("repeat", repeat, 1, 1e9)
        record = _args.flag("record", record)
        prog = np.ascontiguousarray([s.row() for s in steps], dtype=np.float64)
        st = self._state(state, soc0)
        self._coeffs(T, temperature)
        try:
            rows, summ, reason, final = battery_protocol(self._packed, T, st, prog, rep, record)
        except FloatingPointError as exc:
            self._drive_failed(name, value, T, st, exc)
        summary = dict(zip(BATTERY_SUMMARY_CHANNELS, np.ascontiguousarray(summ.T)))
        summary["reason"] = np.array([BATTERY_END_REASONS[int(r)] for r in summ[:, 4]], dtype=object)
        return self._checked(_trace(rows, T, BATTERY_END_REASONS[reason], final, summary),
                             name, value, st)

    # --- drivers (cycler recipes) ----------------------------------------------------------
    def _t_max(self, current):
        return min(2.0 * self.capacity_C / abs(current) + 3600.0, _T_MAX_CAP)

    def discharge_cc(self, current: float, temperature: float = 298.15, soc0: float = 1.0,
                     v_min: float | None = None, t_max: float | None = None, state=None,
                     record: bool = True) -> BatteryTrace:
        """Constant-current discharge (current > 0, A) until v_min (default the cell's; the
        event time is reported) or t_max (s)."""
        i = _check("current", current, 0, lo_open=True, unit="A")
        vlo, _ = self._limits(v_min, None)
        dur = self._t_max(i) if t_max is None else _check("t_max", t_max, 0, _T_MAX_CAP, unit="s")
        return self._run([Step("cc", i, dur, v_min=vlo, stop=True)], 1, temperature, soc0, state,
                         record, "current", current)

    def charge_cc(self, current: float, temperature: float = 298.15, soc0: float = 0.0,
                  v_max: float | None = None, t_max: float | None = None, state=None,
                  record: bool = True) -> BatteryTrace:
        """Constant-current charge with current magnitude ``current`` (A) until v_max."""
        i = _check("current", current, 0, lo_open=True, unit="A")
        _, vhi = self._limits(None, v_max)
        dur = self._t_max(i) if t_max is None else _check("t_max", t_max, 0, _T_MAX_CAP, unit="s")
        return self._run([Step("cc", -i, dur, v_max=vhi, stop=True)], 1, temperature, soc0, state,
                         record, "current", current)

    def charge_cccv(self, current: float, temperature: float = 298.15, soc0: float = 0.0,
                    v_max: float | None = None, i_min: float | None = None,
                    t_max: float | None = None, state=None, record: bool = True) -> BatteryTrace:
        """CC-CV charge: constant current (magnitude, A) up to v_max, then constant voltage
        v_max until the current tapers to i_min (default current/20) or t_max (s) per phase."""
        i = _check("current", current, 0, lo_open=True, unit="A")
        _, vhi = self._limits(None, v_max, finite_max=True)      # also the CV voltage
        imin = i / 20.0 if i_min is None else _check("i_min", i_min, 0, lo_open=True, unit="A")
        dur = self._t_max(i) if t_max is None else _check("t_max", t_max, 0, _T_MAX_CAP, unit="s")
        return self._run([Step("cc", -i, dur, v_max=vhi), Step("cv", vhi, dur, i_min=imin)],
                         1, temperature, soc0, state, record, "current", current)

    def hold_cv(self, voltage: float, duration: float, temperature: float = 298.15,
                soc0: float = 1.0, i_min: float = 0.0, state=None, record: bool = True) -> BatteryTrace:
        """Constant-voltage hold at ``voltage`` (V) for ``duration`` (s) or until |i| <= i_min."""
        v = _check("voltage", voltage, *_row_range("v_max"), unit="V")
        return self._run([Step("cv", v, _check("duration", duration, 0, _T_MAX_CAP, unit="s"),
                               i_min=_check("i_min", i_min, 0, unit="A"))],
                         1, temperature, soc0, state, record, "voltage", voltage)

    def rest(self, duration: float, temperature: float = 298.15, soc0: float = 1.0, state=None,
             record: bool = True) -> BatteryTrace:
        """Open circuit for ``duration`` s (self-discharge through the electronic leak)."""
        return self._run([Step("rest", 0.0, _check("duration", duration, 0, _T_MAX_CAP, unit="s"))],
                         1, temperature, soc0, state, record, "duration", duration)

    def pulse_load(self, current: float, t_on: float, t_off: float, n_pulses: int,
                   temperature: float = 298.15, soc0: float = 1.0, v_min: float | None = None,
                   state=None, record: bool = True) -> BatteryTrace:
        """Pulsed load: ``n_pulses`` of ``current`` (A) for t_on (s), each followed by t_off (s)
        at rest; stops at v_min. (For ramped edges use :meth:`simulate` with a PWL current.)"""
        i = _check("current", current, unit="A")
        vlo, _ = self._limits(v_min, None)
        steps = [Step("cc", i, _check("t_on", t_on, 0, _T_MAX_CAP, lo_open=True, unit="s"),
                      v_min=vlo, stop=True),
                 Step("rest", 0.0, _check("t_off", t_off, 0, _T_MAX_CAP, unit="s"))]
        return self._run(steps, _args.count("n_pulses", n_pulses, 1, 1e9), temperature, soc0,
                         state, record, "current", current)

    def cycle(self, n_cycles: int, current: float, charge_current: float | None = None,
              temperature: float = 298.15, soc0: float = 1.0, i_min: float | None = None,
              t_rest: float = 0.0, state=None, record: bool = False) -> BatteryTrace:
        """Cycle ``n_cycles`` times: CC discharge at ``current`` (A) to v_min, rest t_rest (s),
        CC-CV charge at ``charge_current`` (default = current) to v_max, taper to i_min
        (default charge_current/20). Returns the trace (step ends only unless record);
        ``trace.capacities_Ah(+1)`` are the discharge capacities per cycle."""
        i = _check("current", current, 0, lo_open=True, unit="A")
        ic = i if charge_current is None else _check("charge_current", charge_current, 0,
                                                      lo_open=True, unit="A")
        imin = ic / 20.0 if i_min is None else _check("i_min", i_min, 0, lo_open=True, unit="A")
        dur = self._t_max(min(i, ic))
        steps = [Step("cc", i, dur, v_min=self.v_min)]
        t_rest = _check("t_rest", t_rest, 0, _T_MAX_CAP, unit="s")
        if t_rest > 0:
            steps.append(Step("rest", 0.0, t_rest))
        steps += [Step("cc", -ic, dur, v_max=self.v_max), Step("cv", self.v_max, dur, i_min=imin)]
        n = _args.count("n_cycles", n_cycles, 1, 1e9)
        st = self._state(state, soc0)
        T = _temperature(temperature)
        self._coeffs(T, temperature)
        if charge_current is not None:
            lo, _ = self._window(T, st)
            if -ic < lo:                  # the charge current is the one the cell cannot carry
                raise ParameterError("charge_current", charge_current,
                                     f"(0, {-lo:.4g}] A for this state at temperature = {T:g} K",
                                     f"beyond, the terminal voltage would leave "
                                     f"[-{V_WINDOW:g}, {V_WINDOW:g}] V: the cell cannot carry it")
        return self._run(steps, n, temperature, soc0, st, record, "current", current)

    def voltage_now(self, current: float, temperature: float = 298.15, soc0: float = 1.0,
                    state=None) -> float:
        """Terminal voltage (V) the instant a current (A) is applied to the given state
        (the double layer holds eta_c; every other drop is instantaneous)."""
        from .._kernels import battery_voltage_now
        i = _check("current", current, unit="A")
        T = _temperature(temperature)
        st = self._state(state, soc0)
        self._coeffs(T, temperature)
        try:
            v = battery_voltage_now(self._packed, T, st, i)
        except FloatingPointError:
            v = math.nan
        if not (math.isfinite(v) and -V_WINDOW <= v <= V_WINDOW):
            raise self._current_error("current", current, T, st)
        return v

    # --- SPICE side (SpiceDevice protocol) ------------------------------------------------
    instance_params = tuple(r.spice for r in _PARAMS.spice_rows())

    @property
    def dc_paths(self) -> tuple:
        """pos-neg conduct (leak and the electrochemical path); with the reservoir pin, ion is
        joined to neg through the anode's Butler-Volmer conductance."""
        return (("pos", "neg"), ("neg", "ion")) if self.reservoir_pin else (("pos", "neg"),)

    @property
    def pins(self) -> tuple[str, ...]:
        """("pos", "neg"), plus "ion" (the anode's ionic node) when reservoir_pin."""
        return ("pos", "neg", "ion") if self.reservoir_pin else ("pos", "neg")

    def _spice(self) -> tuple[str, str]:
        """(subckt name, text), computed once. The name is a readable stem plus a hash of the
        subcircuit text itself, so it changes exactly when the SPICE model changes (not with
        kernel-only settings such as tol or cycle_life) and decks that embed it stay valid."""
        from .microbattery_spice import NAME_PLACEHOLDER, microbattery_subckt
        return hashed_subckt(self, "lsb", microbattery_subckt, NAME_PLACEHOLDER)

    @property
    def subckt_name(self) -> str:
        """Unique per SPICE model: readable stem plus a hash of the subcircuit text."""
        return self._spice()[0]

    def subckt(self, dialect: str = "ngspice") -> str:
        """The ngspice ``.subckt``: pins pos neg [ion]; instance params: ``PARAMS.spice_rows()``
        (soc0, tk, soh, qli0 with their units). See microbattery_spice.py for the circuit."""
        if not isinstance(dialect, str) or dialect != "ngspice":
            raise ParameterError("dialect", dialect, "'ngspice' (other dialects: see models/)")
        return self._spice()[1]

    # --- presets --------------------------------------------------------------------------
    @staticmethod
    def presets() -> list[str]:
        """Names of the presets (review Table 2 cells)."""
        from .microbattery_presets import PRESETS
        return list(PRESETS)

    @staticmethod
    def preset(name: str, **overrides) -> "Microbattery":
        """A preset by name (e.g. "LiPON-LiCoO2-Li"), optionally with parameters overridden."""
        from .microbattery_presets import PRESETS
        return lookup_preset(PRESETS, name, overrides)


def _temperature(temperature) -> float:
    """A run's temperature, K: the range of the instance parameter tk."""
    return _checked_temperature(_PARAMS.by_spice("tk"), temperature)


def _row_range(field: str) -> tuple:
    row = _PARAMS.by_field(field)
    return row.lo, row.hi


def _limit(name: str, value, off: float) -> float:
    """A cut-off voltage: ``off`` (-inf for v_min, inf for v_max: no limit) or a voltage in
    the range of the table's row ``name``."""
    x = as_real(value)
    if x == off:
        return x
    lo, hi = _row_range(name)
    if not (math.isfinite(x) and lo <= x <= hi):
        raise ParameterError(name, value, f"a voltage in [{lo:g}, {hi:g}] V, or {off} (no limit)")
    return x


def _trace(rows, T, event, final, summary) -> BatteryTrace:
    from .._kernels import BATTERY_OUT_CHANNELS
    tr = np.ascontiguousarray(rows.T)            # one copy; each channel is then a contiguous row
    cols = dict(zip(BATTERY_OUT_CHANNELS, tr))
    return BatteryTrace(
        t=cols["t"], v=cols["v"], i=cols["i"], i_leak=cols["i_leak"], soc=cols["soc"],
        theta_surf=cols["theta_surf"], eta_cathode=cols["eta_cathode"], ocv=cols["ocv"],
        i_faradaic=cols["i_faradaic"], q_anode=cols["q_anode"], q_cathode=cols["q_cathode"],
        q_dl=cols["q_dl"], soh=cols["soh"], temperature=T, event=event,
        t_event=float(cols["t"][-1]) if event is not None else None, final_state=final,
        steps=summary)


from .microbattery_spice import BatteryCycler  # noqa: E402,F401  (the SPICE test-bench cycler)

__all__ = ["Microbattery", "BatteryTrace", "Step", "BatteryCycler", "END_REASONS"]
