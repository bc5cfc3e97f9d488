"""Two-terminal Li memristor (DESIGN 4.1).

The equations live in ``csrc/memristor.h`` (the reference); this module holds the parameter
set, derives the kernel coefficients from the quantities papers report (threshold voltage,
switching time, Ron/Roff), and calls the compiled kernel. The SPICE form is in
``memristor_spice.py``; presets are in ``memristor_presets.py``.

Threshold convention: at a constant |v| = V_th a device switches from w = 0 to w = 0.9
(set) or from w = 1 to w = 0.1 (reset) in the reference time ``t_switch``. With the window
F = (1-w)^p this fixes the rate prefactor:
    k = I_p / (t_switch * sinh(V_th / V0)),   I_p = integral_0^0.9 (1-w)^-p dw,
and the field-acceleration voltage V0 = V_th / nonlinearity.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from ..spice.params import ParamTable
from ._threads import run_ranges
from .base import SpiceExport, lookup_preset
from .memristor_params import PARAMS
from . import _args
from .param_checks import (KnownFields, check_integer, check_temperature_fields,
                           replace_checked, temperature as _temperature,
                           temperature_array as _temperature_array)
from ..validate import as_real, check_number as _check

LAWS = {"log": 0, "series": 1, "percolation": 2}
SWITCH_FRACTION = 0.9  # the fraction of the film a "full switch" converts (see module doc)
#: States a query accepts: [0, 1] (the w0 row) and the rounding overshoot of a simulated state
#: (the kernel clamps to [0, 1]); beyond is not a state.
W_RANGE = (-0.01, 1.01)
_W_WHAT = "finite states w in [0, 1] (overshoot to [-0.01, 1.01] is clamped)"


def _window_integral(p: float, frac: float = SWITCH_FRACTION) -> float:
    """I_p = integral_0^frac (1-w)^-p dw (dimensionless)."""
    if p == 1.0:
        return -math.log(1.0 - frac)
    return ((1.0 - frac) ** (1.0 - p) - 1.0) / (p - 1.0)


@dataclass(frozen=True)
class MemristorTrace:
    """Waveforms of a standalone memristor simulation (SI units).

    ``t`` s, ``v`` V, ``i`` A, ``state`` w (1). For arrays of devices, ``i`` and ``state``
    are (n_devices, n_t).
    """
    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    state: np.ndarray
    temperature: float | np.ndarray


@dataclass(frozen=True)
class Memristor(KnownFields, SpiceExport):
    """Parameters of a Li memristor. All SI: V, s, ohm, K, eV. Units and allowed ranges of
    every parameter: ``Memristor.PARAMS`` (memristor_params.py).

    v_set, v_reset        threshold voltages (magnitudes), V: a full switch in t_switch_*
    t_switch_set/_reset   reference switching times at the thresholds, s
    nonlinearity_set/_reset  V_th / V0 (1): how sharply the rate rises with voltage
    window_p              window exponent p >= 1 of F_set = (1-w)^p, F_reset = w^p (1)
    ea_switch             activation energy of the switching rate, eV
    tau_retention         retention time constant at t_ref, s (0 = no retention loss)
    ea_retention          activation energy of retention loss, eV
    w_eq                  state retention relaxes towards (1)
    r_on, r_off           resistance at w = 1 and w = 0 (low-field), ohm
    v_nonlinear           current nonlinearity I = G V_nl sinh(v/V_nl), V (inf = ohmic)
    law                   conductance law: "log", "series" or "percolation"
    w_c, t_perc           percolation threshold (1) and exponent (1) for law "percolation"
    t_ref                 temperature at which rates and times are given, K
    sigma_vth_c2c         cycle-to-cycle spread of the switching thresholds, V (0 = none): the
                          set/reset rates are multiplied by exp(z sigma_vth_c2c / V0), z ~ N(0,1)
                          drawn anew every tau_c2c s (csrc/memristor.h); the kernel's draws
                          are seeded by seed_c2c, ngspice's (trrandom) by its own RNG
    tau_c2c               hold time of each draw, s (the programming period: one per cycle)
    seed_c2c              integer seed of the kernel's draws (Memristor.sample gives each
                          device its own)
    source, notes         citations and caveats; ``assumed`` names the fields that are our
                          choice rather than measured (a fit removes the fields it fitted)
    """
    name: str = "custom"
    v_set: float = 1.0
    v_reset: float = 1.0
    t_switch_set: float = 1e-6
    t_switch_reset: float = 1e-6
    nonlinearity_set: float = 12.0
    nonlinearity_reset: float = 12.0
    window_p: float = 1.0
    ea_switch: float = 0.45
    tau_retention: float = 1e7
    ea_retention: float = 1.0
    w_eq: float = 0.0
    r_on: float = 1e4
    r_off: float = 1e6
    v_nonlinear: float = math.inf
    law: str = "log"
    w_c: float = 0.3
    t_perc: float = 2.0
    t_ref: float = 298.15
    sigma_vth_c2c: float = 0.0
    tau_c2c: float = 0.0
    seed_c2c: int = 0
    source: str = ""
    notes: str = ""
    table3_ref: int | None = None
    assumed: tuple = ()
    _packed: np.ndarray = field(init=False, repr=False, compare=False)
    #: unit, range and meaning of every field and card instance parameter
    PARAMS: ClassVar[ParamTable] = PARAMS

    # --- construction and validation -------------------------------------------------
    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError("name", self.name, "a non-empty string")
        _args.text_fields(self)
        _args.field_names("assumed", self.assumed)
        if self.table3_ref is not None:
            _args.integer("table3_ref", self.table3_ref, 0)
        PARAMS.check(self)          # every plain range; the relations and special cases below
        check_temperature_fields(self, PARAMS)      # t_ref: K, not degrees Celsius
        if not self.r_off > self.r_on:
            raise ParameterError("r_off", self.r_off, f"> r_on = {self.r_on} ohm")
        vnl = as_real(self.v_nonlinear)
        if not (vnl == math.inf or (math.isfinite(vnl) and vnl > 0)):
            raise ParameterError("v_nonlinear", self.v_nonlinear, "> 0 V, or inf for ohmic")
        _args.choice("law", self.law, sorted(LAWS))
        if self.sigma_vth_c2c > 0 and not self.tau_c2c > 0:
            raise ParameterError("tau_c2c", self.tau_c2c, "> 0 s when sigma_vth_c2c > 0")
        check_integer(PARAMS.by_field("seed_c2c"), self.seed_c2c)
        object.__setattr__(self, "_packed", self._pack())

    def replace(self, **changes) -> "Memristor":
        """A copy with some parameters changed (validated again). A name that is not a field
        raises TypeError with a hint: ``replace(ron=2e4)`` -> did you mean 'r_on'?"""
        return replace_checked(self, PARAMS, changes)

    # --- derived kernel coefficients ----------------------------------------------------
    @property
    def v0_set(self) -> float:
        """Field-acceleration voltage of the set rate, V."""
        return self.v_set / self.nonlinearity_set

    @property
    def v0_reset(self) -> float:
        """Field-acceleration voltage of the reset rate, V."""
        return self.v_reset / self.nonlinearity_reset

    @property
    def k_set(self) -> float:
        """Set rate prefactor at t_ref, 1/s (from v_set and t_switch_set)."""
        return _window_integral(self.window_p) / (self.t_switch_set * math.sinh(self.nonlinearity_set))

    @property
    def k_reset(self) -> float:
        """Reset rate prefactor at t_ref, 1/s."""
        return _window_integral(self.window_p) / (self.t_switch_reset * math.sinh(self.nonlinearity_reset))

    @property
    def on_off_ratio(self) -> float:
        return self.r_off / self.r_on

    def kernel_fields(self) -> dict:
        """The kernel's parameter record (csrc/memristor.h lsm_params), SI units."""
        return dict(
            k_set=self.k_set, k_reset=self.k_reset, v0_set=self.v0_set, v0_reset=self.v0_reset,
            p=float(self.window_p), ea=self.ea_switch, tau_ret=self.tau_retention,
            ea_ret=self.ea_retention, w_eq=self.w_eq, t_ref=self.t_ref,
            g_on=1.0 / self.r_on, g_off=1.0 / self.r_off,
            v_nl=0.0 if self.v_nonlinear == math.inf else self.v_nonlinear,
            law=float(LAWS[self.law]), w_c=self.w_c, t_perc=self.t_perc,
            sig_set=self.sigma_vth_c2c / self.v0_set, sig_reset=self.sigma_vth_c2c / self.v0_reset,
            tau_c2c=self.tau_c2c, seed=float(self.seed_c2c))

    def _pack(self) -> np.ndarray:
        from .._kernels import MEMRISTOR_FIELDS
        f = self.kernel_fields()
        return np.array([f[k] for k in MEMRISTOR_FIELDS], dtype=np.float64)

    def switching_rate(self, v: float, temperature: float = 298.15, w: float = 0.0) -> float:
        """dw/dt (1/s) at voltage v (V), temperature (K) and state w: the kernel's value.
        A voltage so far above threshold that the rate overflows a float raises
        ParameterError naming ``v`` and the largest magnitude this device allows."""
        from .._kernels import memristor_rate
        T = _temperature(PARAMS.by_spice("tk"), temperature)
        x = _check("v", v, unit="V")
        ww = _check("w", w, *W_RANGE)

        def rate(volts):
            return float(memristor_rate(self._packed, T, np.array([volts]), np.array([ww]))[0])
        out = rate(x)
        if not math.isfinite(out):
            sign = 1.0 if x > 0 else -1.0
            small = sign * 1e-3 * min(self.v0_set, self.v0_reset)
            if not math.isfinite(rate(small)):
                raise ParameterError("temperature", temperature,
                                     f"a temperature at which this device's rate is finite "
                                     f"(within {PARAMS.by_spice('tk').range_text()} K)")
            lim = _args.bisect_limit(lambda u: math.isfinite(rate(u)), small, x)
            raise ParameterError("v", v, f"|v| <= {abs(lim):.4g} V for this device at "
                                 f"{T:g} K (the switching rate overflows beyond)")
        return out

    def conductance(self, w) -> np.ndarray:
        """Low-field conductance G(w), S (the kernel's law, which clamps w to [0, 1]); w a
        scalar or array in [-0.01, 1.01] (states read from a simulation overshoot [0, 1] by
        rounding)."""
        from .._kernels import memristor_conductance
        wa = np.atleast_1d(_args.array("w", w, *W_RANGE, what=_W_WHAT))
        g = memristor_conductance(self._packed, np.ascontiguousarray(wa.ravel()))
        return g.reshape(wa.shape)

    # --- simulation ---------------------------------------------------------------------
    def simulate(self, t, v, temperature: float = 298.15, w0: float = 0.0) -> MemristorTrace:
        """Simulate one device with the compiled kernel.

        t: sample times, s (strictly increasing); v: voltage at those times, V, taken as
        piecewise linear in between (the kernel integrates that stimulus exactly, so refine
        ``t`` only to resolve the stimulus, not for accuracy); temperature: K; w0: initial
        state (1). Returns a MemristorTrace.
        """
        return simulate_array([self], t, v, temperature=temperature, w0=w0, _single=True)

    # --- variability --------------------------------------------------------------------
    def sample(self, n: int, seed: int | None = 0, sigma_ln_r_on: float = 0.1,
               sigma_ln_r_off: float = 0.2, sigma_v_th: float = 0.05) -> list["Memristor"]:
        """Device-to-device variability: n devices (1..100000) with lognormal r_on, r_off and
        normally distributed thresholds (relative sigma ``sigma_v_th``), drawn from a seeded RNG.
        r_off is kept above r_on (redrawn pairs would bias the ratio; we clip at 1.01 r_on)."""
        n = _args.count("n", n, 1, 100_000)
        seed = _args.seed("seed", seed)
        _check("sigma_ln_r_on", sigma_ln_r_on, 0, 3)
        _check("sigma_ln_r_off", sigma_ln_r_off, 0, 3)
        _check("sigma_v_th", sigma_v_th, 0, 0.5, unit="(relative)")
        rng = np.random.default_rng(seed)
        r_on = self.r_on * rng.lognormal(0.0, sigma_ln_r_on, n) if sigma_ln_r_on else np.full(n, self.r_on)
        r_off = self.r_off * rng.lognormal(0.0, sigma_ln_r_off, n) if sigma_ln_r_off else np.full(n, self.r_off)
        r_off = np.maximum(r_off, 1.01 * r_on)
        vs = self.v_set * np.clip(rng.normal(1.0, sigma_v_th, n), 0.2, 5.0)
        vr = self.v_reset * np.clip(rng.normal(1.0, sigma_v_th, n), 0.2, 5.0)
        # cycle-to-cycle streams: one seed per device, drawn after the device-to-device values
        # (so adding c2c noise does not change them)
        seeds = rng.integers(0, 2**52, n) if self.sigma_vth_c2c > 0 else np.full(n, self.seed_c2c)
        return [self.replace(r_on=float(a), r_off=float(b), v_set=float(c), v_reset=float(d),
                             seed_c2c=int(e), name=f"{self.name}#{k}")
                for k, (a, b, c, d, e) in enumerate(zip(r_on, r_off, vs, vr, seeds))]

    # --- SPICE side (SpiceDevice protocol) ------------------------------------------------
    pins = ("p", "n")
    dc_paths = (("p", "n"),)
    # w0 (1) and tk (K), plus the physical parameters a card overrides per instance: the
    # table's spice rows (memristor_spice.SPICE_PARAMS)
    instance_params = tuple(PARAMS.spice_map())

    @property
    def subckt_name(self) -> str:
        """Unique per parameter set: a readable stem plus a hash of the kernel fields."""
        stem = re.sub(r"[^A-Za-z0-9]+", "_", self.name.split("#")[0]).strip("_")[:32] or "dev"
        # the deterministic fields only (names unchanged by the c2c fields when there is no
        # noise); the kernel seed is not part of the SPICE model: ngspice draws its own
        from .._kernels import MEMRISTOR_FIELDS
        end = MEMRISTOR_FIELDS.index("seed" if self.sigma_vth_c2c > 0 else "sig_set")
        digest = hashlib.sha1(self._packed[:end].tobytes()).hexdigest()[:8]
        return f"lsm_{stem}_{digest}"

    def subckt(self, dialect: str = "ngspice") -> str:
        """The ngspice ``.subckt`` (pins p n; params w0 (1), tk (K) and the physical
        parameters, defaulting to this device's values: see ``instance_params``)."""
        from .memristor_spice import memristor_subckt
        if not isinstance(dialect, str) or dialect != "ngspice":
            raise ParameterError("dialect", dialect, "'ngspice' (other dialects: see models/)")
        return memristor_subckt(self, dialect=dialect)

    # --- presets ------------------------------------------------------------------------
    @staticmethod
    def presets() -> list[str]:
        """Names of the presets (one per switching material of the review's Table 3)."""
        from .memristor_presets import PRESETS
        return list(PRESETS)

    @staticmethod
    def preset(name: str, **overrides) -> "Memristor":
        """A preset by its switching material as written in Table 3 (e.g. "LiCoO2"),
        optionally with parameters overridden."""
        from .memristor_presets import PRESETS
        return lookup_preset(PRESETS, name, overrides)


def simulate_array(devices, t, v, temperature=298.15, w0=0.0, threads=None, _single=False,
                   _path="auto") -> MemristorTrace:
    """Simulate N memristors at once in the compiled kernel (no GIL, no Python per step).

    devices: sequence of Memristor; t: (n_t,) s; v: (n_t,) shared or (N, n_t) per device, V;
    temperature: K, scalar or (N,); w0: scalar or (N,). Returns a MemristorTrace with
    (N, n_t) arrays (or 1-D for a single device called through Memristor.simulate).
    threads: device-parallel threads (None = every available core; results do not depend on
    it; pass 1 inside process-pool workers that already use every core).

    With a shared v, devices with window_p = 1, law "log" and ohmic current run in the
    vectorised block kernel where the CPU has a SIMD build of it (results within ~1e-15 of
    the scalar kernel). ``_path`` ("auto", "block", "scalar") overrides that choice for
    tests and benchmarks (see ``lithispice._kernels.memristor_simulate``).
    """
    from .._kernels import memristor_simulate
    if isinstance(devices, Memristor):
        devices = [devices]
    try:
        devices = list(devices)
    except TypeError:
        raise ParameterError("devices", devices, "a non-empty sequence of Memristor") from None
    if not devices or not all(isinstance(d, Memristor) for d in devices):
        raise ParameterError("devices", devices, "a non-empty sequence of Memristor")
    if threads is not None:
        _args.integer("threads", threads, 1, 4096)
    n = len(devices)
    t = _args.times("t", t)
    v = np.ascontiguousarray(_args.array("v", v, unit="V", what="finite voltages, V, shaped "
                                         f"({t.size},) or ({n}, {t.size})"))
    v2 = v.reshape(1, -1) if v.ndim == 1 else v
    if v.ndim not in (1, 2) or v2.shape[1] != t.size or v2.shape[0] not in (1, n):
        raise ParameterError("v", f"shape {v.shape}", f"({t.size},) or ({n}, {t.size}) volts: "
                             f"one per time of t ({t.size} times)")
    tk = PARAMS.by_spice("tk")
    temp = _temperature_array(tk, temperature)
    if temp.ndim > 1 or temp.size not in (1, n):
        raise ParameterError("temperature", f"shape {temp.shape}", f"a scalar or ({n},) kelvin")
    temp = np.ascontiguousarray(np.broadcast_to(temp.reshape(-1), (n,)))
    w0a = _args.row_array(PARAMS.by_spice("w0"), w0, "w0")
    if w0a.ndim > 1 or w0a.size not in (1, n):
        raise ParameterError("w0", f"shape {w0a.shape}", f"a scalar or ({n},) states in [0, 1]")
    w0a = np.ascontiguousarray(np.broadcast_to(w0a.reshape(-1), (n,)))
    params = np.stack([d._packed for d in devices])
    w = np.empty((n, t.size))
    i = np.empty((n, t.size))

    def run(lo, hi):             # rows lo..hi-1 of C-contiguous outputs: contiguous blocks
        memristor_simulate(params[lo:hi], temp[lo:hi], t, v2 if v2.shape[0] == 1 else v2[lo:hi],
                           w0a[lo:hi], path=_path, out=(w[lo:hi], i[lo:hi]), first=lo)
    run_ranges(run, n, 1 if _single else threads)
    if not (np.all(np.isfinite(i)) and np.all(np.isfinite(w))):
        raise ParameterError("v", "voltages driving the current or rate past float range",
                             "voltages at which the current and switching rate stay finite "
                             "(see Memristor.switching_rate for the limit)")
    if _single:
        return MemristorTrace(t=t, v=v2[0], i=i[0], state=w[0], temperature=float(temp[0]))
    return MemristorTrace(t=t, v=v, i=i, state=w, temperature=temp)
