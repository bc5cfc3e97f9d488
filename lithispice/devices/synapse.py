"""Three-terminal Li-ion synapse (LISTA / ECRAM; DESIGN 3 and 4.2): channel electrode +
electrolyte film + Li reservoir, the reservoir internal or an external pin wired to a
microbattery anode's ionic node.

The equations live in ``csrc/synapse.h`` (the reference, built from ``csrc/electrochem.h``);
this module holds the parameter set, derives what the kernel needs from geometry and
materials, runs the compiled kernel (single device and arrays) and offers pulse-programming
helpers. The SPICE form is in ``synapse_spice.py``; presets with citations in
``synapse_presets.py``; aihwkit / CrossSim tables in ``synapse_export.py``.

Conventions
-----------
* SI units: m, m2, s, A, V, K, mol/m3, m2/s, A/m2, S/m, S, J, C, eV.
* Gate current ``I_G > 0`` flows into the gate terminal and **lithiates** the channel (Li+
  moves reservoir -> channel); ``V_G = V_gate - (V_S + V_D)/2``.
* ``theta_c`` is the channel lithiation in its usable range (stoichiometry
  x = x0 + (x1 - x0) theta_c); ``theta_r`` the reservoir's (internal reservoir only).
* Potentiation = conductance up. For Li_xCoO2 (metallic when Li-poor) that is delithiation
  (I_G < 0); for Li_xWO3 (conducting when Li-rich) lithiation (I_G > 0). ``potentiation_sign``
  gives the sign of I_G that potentiates.
* Energy per update: ``E_gate = int V_G I_G dt`` over the pulse period (what the driver
  delivers); ``E_oc = int V_oc I dt`` is the part stored as electrochemical energy of the moved
  Li (returned by the opposite update); ``E_diss = E_gate - E_oc`` is dissipated.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..errors import ConvergenceError, ParameterError, PhysicsWarning
from . import _args
from ._threads import run_ranges
from ..spice.params import ParamTable
from .base import SpiceExport, hashed_subckt, lookup_preset
from .param_checks import (KnownFields, blame_field, check_integer, check_optional,
                           check_temperature_fields, replace_checked,
                           temperature as _checked_temperature)
from .synapse_params import PARAMS as _PARAMS
from ..validate import check_number as _check

CHANNELS = ("LiCoO2", "WO3")
RESERVOIRS = ("Si", "LiCoO2", "external")
LAWS = {"log": 0, "linear": 1}
DRIVES = {"voltage": 0, "current": 1}
RESTS = ("floating", "shorted")
#: Lithiations a state or a conductance query may hold: the usable range [0, 1] and the
#: overshoot the multi-volume kernel's profiles reach (open_circuit_voltage's range).
THETA_RANGE = (-0.5, 1.5)
_THETA_WHAT = f"finite lithiations in [{THETA_RANGE[0]}, {THETA_RANGE[1]}]"

def _ocv_block(kind: str, x0, x1, u_const=0.0, xt=(), ut=(), t_ref=298.15) -> np.ndarray:
    """One OCV block of the packed parameter vector (see _kernels_synapse.pxi)."""
    from .._kernels import SYNAPSE_OCV_BLOCK, SYNAPSE_OCV_MAXPTS
    b = np.zeros(SYNAPSE_OCV_BLOCK)
    b[0] = {"const": 0, "ramadass_licoo2": 1, "table": 2}[kind]
    b[1], b[2], b[3], b[4], b[5] = x0, x1, u_const, t_ref, len(xt)
    m = SYNAPSE_OCV_MAXPTS
    b[6:6 + len(xt)] = xt
    b[6 + m:6 + m + len(ut)] = ut
    return b


def electrode_ocv(material: str):
    """(kind, x0, x1, u_const, x table, U table) of a channel/reservoir material (devices/ocv.py;
    the synapse kernel's tables carry no dU/dT)."""
    from .ocv import ocv_spec
    return ocv_spec(material, "channel")[:6]


@dataclass(frozen=True)
class SynapseTrace:
    """Result of a piecewise-constant gate drive in the kernel, one row per segment end.

    ``t`` s, ``theta_c``/``theta_r`` lithiations, ``g`` S (channel conductance), ``v_gate`` V
    and ``i_gate`` A (at the end of each segment), ``i_ion`` A (faradaic current), running
    totals ``q_gate`` C, ``q_ion`` C, ``e_gate`` J, ``e_oc`` J; ``final_state``
    (theta_c, theta_r) to continue."""
    t: np.ndarray
    theta_c: np.ndarray
    theta_r: np.ndarray
    g: np.ndarray
    v_gate: np.ndarray
    i_gate: np.ndarray
    i_ion: np.ndarray
    q_gate: np.ndarray
    q_ion: np.ndarray
    e_gate: np.ndarray
    e_oc: np.ndarray
    final_state: np.ndarray
    x_range: tuple = (0.0, 1.0)
    v_ds: float = 0.0

    @property
    def x(self) -> np.ndarray:
        """Channel Li stoichiometry x = x0 + (x1 - x0) theta_c (1)."""
        x0, x1 = self.x_range
        return x0 + (x1 - x0) * self.theta_c

    @property
    def i_ds(self) -> np.ndarray:
        """Read current g * v_ds, A (v_ds: the read bias given to simulate, V)."""
        return self.g * self.v_ds

    @property
    def e_diss(self) -> np.ndarray:
        """Dissipated energy so far, J (e_gate - e_oc)."""
        return self.e_gate - self.e_oc


@dataclass(frozen=True)
class PulseResponse:
    """Conductance after each pulse of a train and the energy of each update.

    ``g0`` S before the train; ``g`` (n,) S after each pulse period (pulse + rest);
    ``energy`` (n,) J: E_gate of each period; ``e_oc``/``e_diss``: totals over the train, J;
    ``q_gate``, ``q_ion``: totals, C; ``final_state``; ``amplitude`` (V or A), ``drive``,
    ``t_on``, ``t_off`` s."""
    g0: float
    g: np.ndarray
    energy: np.ndarray
    e_oc: float
    e_diss: float
    q_gate: float
    q_ion: float
    final_state: np.ndarray
    amplitude: float
    drive: str
    t_on: float
    t_off: float

    @property
    def dg(self) -> np.ndarray:
        """Conductance change of each pulse, S."""
        return np.diff(np.r_[self.g0, self.g])

    @property
    def energy_per_update(self) -> float:
        """Mean E_gate per pulse, J."""
        return float(np.mean(self.energy))

    @property
    def dissipated_per_update(self) -> float:
        """Mean dissipated energy per pulse, J."""
        return self.e_diss / len(self.g)


@dataclass(frozen=True)
class Synapse(KnownFields, SpiceExport):
    """Parameters of a three-terminal Li-ion synapse. SI units.

    Channel (an intercalation film, also the S-D resistor)
      channel          material: "LiCoO2" (Ramadass OCV) or "WO3" (tabulated Nernst-like OCV)
      w_ch, l_ch       channel width and length (S to D), m; the gate area is w_ch * l_ch
      t_ch             channel film thickness, m
      c_max_ch         Li concentration of the usable range, mol/m3 (default from the material)
      D_ch             Li diffusivity at t_ref, m2/s
      i0_ch            exchange current density channel/electrolyte at t_ref, A/m2
      g_law            "log" (phase coexistence, sigma_a^(1-f) sigma_b^f) or "linear"
      x_a, x_b         stoichiometries where the channel has sigma_a and sigma_b (f = 0, 1)
      sigma_a, sigma_b conductivities there, S/m
    Electrolyte (between the reservoir and the channel, over the gate area)
      el_thickness     m;  sigma_ref S/m at t_ref_sigma K, ea_sigma eV (Arrhenius)
      sigma_e          electronic conductivity (retention leak), S/m (0: none)
    Reservoir
      reservoir        "Si", "LiCoO2" (internal electrodes) or "external" (pin ``ion`` wired to a
                       microbattery anode's ionic node; the kernel then takes ideal Li metal)
      res_area, res_thickness   m2 (0: the gate area), m
      c_max_res        mol/m3 (default from the material); D_res m2/s; i0_res A/m2
    Temperature and initial state
      ea_D, ea_i0      activation energies of diffusion and exchange currents, eV
      t_ref            K;  theta_c0, theta_r0: initial lithiations (1)
    Programming defaults (used by the helpers and the export; SI)
      pulse_drive      "current" or "voltage"; pulse_amplitude A (magnitude) or V (overdrive
                       above the open-circuit potential at the start of a train)
      t_on, t_off      pulse width and rest, s; rest "floating" or "shorted"
      n_states         pulses the preset's train spends to cross the conductance window
    Film discretisation (both films; csrc/synapse.h)
      n_volumes        1: lumped films with the steady-profile surface (fast; valid for pulses
                       longer than L^2/D); > 1: finite-volume diffusion (electrochem.h part 4)
                       integrated by TR-BDF2 with local error control: short pulses see the
                       real surface transient. State vectors then hold both profiles.
      film_grading     dz_0 / dz_(n-1) of the grid (>= 1: finer at the electrolyte side)
      film_tol         local error tolerance on lithiation per step (n_volumes > 1)
    """
    name: str = "custom"
    channel: str = "LiCoO2"
    w_ch: float = 200e-9
    l_ch: float = 200e-9
    t_ch: float = 20e-9
    c_max_ch: float | None = None
    D_ch: float = 1e-15
    i0_ch: float = 1.0
    g_law: str = "log"
    x_a: float = 0.95
    x_b: float = 0.75
    sigma_a: float = 0.1
    sigma_b: float = 100.0
    el_thickness: float = 100e-9
    sigma_ref: float = 2.3e-4
    ea_sigma: float = 0.55
    t_ref_sigma: float = 298.15
    sigma_e: float = 1e-12
    reservoir: str = "Si"
    res_area: float = 0.0
    res_thickness: float = 50e-9
    c_max_res: float | None = None
    D_res: float = 1e-16
    i0_res: float = 1.0
    ea_D: float = 0.3
    ea_i0: float = 0.5
    t_ref: float = 298.15
    theta_c0: float = 0.9
    theta_r0: float = 0.1
    pulse_drive: str = "current"
    pulse_amplitude: float = 1e-12
    t_on: float = 1e-3
    t_off: float = 1e-3
    rest: str = "floating"
    n_states: int = 300
    n_volumes: int = 1
    film_grading: float = 1.0
    film_tol: float = 1e-7
    source: str = ""
    notes: str = ""
    assumed: tuple = ()
    _packed: np.ndarray = field(init=False, repr=False, compare=False)
    #: Unit, range and meaning of every numeric field and instance parameter.
    PARAMS: ClassVar[ParamTable] = _PARAMS

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError("name", self.name, "a non-empty string")
        _args.choice("channel", self.channel, CHANNELS)
        _args.choice("reservoir", self.reservoir, RESERVOIRS)
        _args.choice("g_law", self.g_law, tuple(LAWS))
        _args.choice("pulse_drive", self.pulse_drive, tuple(DRIVES))
        _args.choice("rest", self.rest, RESTS)
        _args.text_fields(self)
        _args.field_names("assumed", self.assumed)
        # ranges, units and names of the numeric fields: synapse_params.PARAMS
        _PARAMS.check(self)
        check_temperature_fields(self, _PARAMS)      # t_ref ...: K, not degrees Celsius
        # what a plain range cannot say: None = from the material, integers, relations
        for nm in ("c_max_ch", "c_max_res"):
            check_optional(_PARAMS.by_field(nm), getattr(self, nm))
        for nm in ("n_states", "n_volumes"):
            check_integer(_PARAMS.by_field(nm), getattr(self, nm))
        if self.x_a == self.x_b:
            raise ParameterError("x_b", self.x_b, f"!= x_a = {self.x_a}")
        object.__setattr__(self, "_packed", self._pack())

        def ok(dev, packed):      # D and i0 are given at t_ref: the coefficients must exist there
            try:
                _coeffs_ok(packed, dev.t_ref)
                return True
            except ParameterError:
                return False
        if not ok(self, self._packed):
            name = blame_field(self, _PARAMS, ok, prefer=("t_ref",)) or "t_ref"
            raise ParameterError(name, getattr(self, name), "a value at which this synapse's "
                                 "kernel coefficients at t_ref are finite and non-zero (with the "
                                 "other parameters as given)")

    def replace(self, **changes) -> "Synapse":
        """A copy with some parameters changed (validated again). A name that is not a field
        raises TypeError with a hint (``thc0`` -> ``theta_c0``)."""
        return replace_checked(self, _PARAMS, changes)

    # --- derived ------------------------------------------------------------------------
    @property
    def gate_area(self) -> float:
        """w_ch * l_ch, m2."""
        return self.w_ch * self.l_ch

    @property
    def c_max_channel(self) -> float:
        from ..materials import electrode
        return self.c_max_ch if self.c_max_ch is not None else electrode(self.channel).c_max_mol_per_m3

    @property
    def c_max_reservoir(self) -> float:
        if self.reservoir == "external":
            return 0.0
        from ..materials import electrode
        return (self.c_max_res if self.c_max_res is not None
                else electrode(self.reservoir).c_max_mol_per_m3)

    @property
    def external(self) -> bool:
        return self.reservoir == "external"

    @property
    def potentiation_sign(self) -> int:
        """Sign of the gate current that raises the conductance (+1: lithiation)."""
        ocv = electrode_ocv(self.channel)
        dx = ocv[2] - ocv[1]            # dx/dtheta
        up = (self.x_b - self.x_a) * dx * (1 if self.sigma_b > self.sigma_a else -1)
        return 1 if up > 0 else -1

    def coefficients(self, temperature: float = 298.15) -> dict:
        """Kernel coefficients at temperature (K): qc, qr (C per unit lithiation), r_ion (ohm),
        g_leak (S), i2c/i2r (2 i0 A, A), rsc/rsr (lithiation per A at the surface), g_a/g_b (S)."""
        return _coeffs_ok(self._packed, _temperature(temperature), temperature)

    @property
    def r_leak(self) -> float:
        """Electronic leak resistance of the electrolyte, ohm (inf without leak)."""
        return (self.el_thickness / (self.sigma_e * self.gate_area)) if self.sigma_e > 0 else math.inf

    @property
    def channel_charge(self) -> float:
        """Li charge between an empty and a full channel (its usable range), C: the kernel's
        qc = F c_max_ch w_ch l_ch t_ch. A gate pulse moving more than this pins the
        conductance at an end of its window (see :func:`warn_pulse_charge`)."""
        return float(_coeffs_ok(self._packed, self.t_ref)["qc"])

    def _pack(self) -> np.ndarray:
        from .._kernels import SYNAPSE_FIELDS
        ext = self.external
        res_area = self.res_area if self.res_area > 0 else self.gate_area
        vals = dict(
            w_ch=self.w_ch, l_ch=self.l_ch, t_ch=self.t_ch, c_max_ch=self.c_max_channel,
            d_ch=self.D_ch, i0_ch=self.i0_ch, g_law=LAWS[self.g_law], x_a=self.x_a, x_b=self.x_b,
            sigma_a=self.sigma_a, sigma_b=self.sigma_b, el_sigma_ref=self.sigma_ref,
            el_ea=self.ea_sigma, el_t_ref=self.t_ref_sigma, el_sigma_e=self.sigma_e,
            el_eps_r=0.0, el_thickness=self.el_thickness, res_kind=1 if ext else 0,
            res_area=res_area, res_thickness=self.res_thickness,
            c_max_res=1.0 if ext else self.c_max_reservoir, d_res=self.D_res, i0_res=self.i0_res,
            ea_d=self.ea_D, ea_i0=self.ea_i0, t_ref=self.t_ref, n_vol=self.n_volumes,
            grading=self.film_grading, tol=self.film_tol)
        head = np.array([vals[k] for k in SYNAPSE_FIELDS], dtype=np.float64)
        kc, x0, x1, u0, xt, ut = electrode_ocv(self.channel)
        blk_c = _ocv_block(kc, x0, x1, u0, xt, ut)
        if ext:
            blk_r = _ocv_block("const", 0.0, 1.0, 0.0)
        else:
            kr, r0, r1, ur0, rxt, rut = electrode_ocv(self.reservoir)
            blk_r = _ocv_block(kr, r0, r1, ur0, rxt, rut)
        return np.ascontiguousarray(np.r_[head, blk_c, blk_r])

    def conductance(self, theta_c, temperature: float = 298.15):
        """Channel conductance G(theta_c), S (scalar or array)."""
        from .._kernels import synapse_conductance
        th0 = _args.array("theta_c", theta_c, *THETA_RANGE, what=_THETA_WHAT)
        th = np.atleast_1d(th0)
        T = self._T(temperature)
        g = synapse_conductance(self._packed, T, np.ascontiguousarray(th.ravel())).reshape(th.shape)
        _args.require_finite("temperature", temperature, g, "a temperature at which the "
                             "channel conductance is finite")
        return float(g[0]) if th0.ndim == 0 else g

    def layer_weights(self, temperature: float = 298.15) -> np.ndarray:
        """dz_k / t_ch of the channel film's volumes (one value 1.0 for a lumped film)."""
        if self.n_volumes == 1:
            return np.ones(1)
        from .._kernels import synapse_films
        c = synapse_films(self._packed, self._T(temperature))[0][0]
        return c / c.sum()

    def _T(self, temperature) -> float:
        """A run's temperature (K): the tk row's range, and one at which the kernel's
        coefficients exist."""
        T = _temperature(temperature)
        _coeffs_ok(self._packed, T, temperature)
        return T

    def profile_conductance(self, theta_profile, temperature: float = 298.15):
        """G (S) of channel profiles theta_profile (..., n_volumes): the layers conduct in
        parallel, G = sum_k (dz_k / t_ch) G(theta_k) (csrc/synapse.h)."""
        th = _args.array("theta_profile", theta_profile, *THETA_RANGE, what=_THETA_WHAT)
        if th.shape[-1:] != (self.n_volumes,):
            raise ParameterError("theta_profile", f"shape {th.shape}",
                                 f"finite (..., {self.n_volumes}) lithiations in "
                                 f"[{THETA_RANGE[0]}, {THETA_RANGE[1]}]")
        g = np.asarray(self.conductance(th.reshape(-1), temperature)).reshape(th.shape)
        return np.tensordot(g, self.layer_weights(temperature), axes=([-1], [0]))

    def open_circuit_voltage(self, theta_c=None, theta_r=None, temperature: float = 298.15) -> float:
        """V_oc = U_reservoir(theta_r) - U_channel(theta_c), V (gate minus channel at rest)."""
        from .._kernels import synapse_voc
        thc = self.theta_c0 if theta_c is None else _check("theta_c", theta_c, *THETA_RANGE)
        thr = self.theta_r0 if theta_r is None else _check("theta_r", theta_r, *THETA_RANGE)
        out = synapse_voc(self._packed, self._T(temperature), thc, thr)
        return _args.require_finite("temperature", temperature, out, "a temperature at which "
                                    "the open-circuit voltage is finite")

    def rest_potential(self, temperature: float = 298.15) -> float:
        """Gate rest potential, V: v(g) - (v(s)+v(d))/2 at which no Li moves, at the
        device's initial lithiations (theta_c0, theta_r0): the open-circuit voltage
        U_reservoir(theta_r0) - U_channel(theta_c0), both electrode potentials vs Li/Li+
        (an external reservoir is Li metal, U = 0). A gate driven anywhere else moves Li:
        above it lithiates the channel, below it delithiates."""
        return self.open_circuit_voltage(self.theta_c0, self.theta_r0, temperature)

    def state(self, theta_c=None, theta_r=None) -> np.ndarray:
        """A state vector at uniform lithiations: (theta_c, theta_r) for lumped films, else
        the channel profile then the reservoir profile (n_volumes values each)."""
        # a uniform state has the range of the initial lithiations
        thc = self.theta_c0 if theta_c is None else _PARAMS.by_field("theta_c0").validate(theta_c, "theta_c")
        thr = self.theta_r0 if theta_r is None else _PARAMS.by_field("theta_r0").validate(theta_r, "theta_r")
        return np.repeat([thc, thr], self.n_volumes).astype(np.float64)

    def _st(self, state):
        if state is None:
            return self.state()
        n = 2 * self.n_volumes
        what = (f"({n},) lithiations in [{THETA_RANGE[0]}, {THETA_RANGE[1]}] (a final_state), "
                "or (theta_c, theta_r)")
        st = _args.array("state", state, *THETA_RANGE, what=what)
        if st.shape == (2,) and n > 2:
            return np.repeat(st, self.n_volumes)          # uniform profiles
        if st.shape != (n,):
            raise ParameterError("state", f"shape {st.shape}", what)
        return np.ascontiguousarray(st)

    def state_summary(self, state=None, temperature: float = 298.15) -> dict:
        """theta_c, theta_r (mean lithiations), g (S) and v_oc (V) of a state vector."""
        from .._kernels import synapse_state_summary
        thc, thr, g, voc = synapse_state_summary(self._packed, self._T(temperature),
                                                 self._st(state))
        _args.require_finite("temperature", temperature, [thc, thr, g, voc], "a temperature at "
                             "which the state's conductance and open-circuit voltage are finite")
        return {"theta_c": thc, "theta_r": thr, "g": g, "v_oc": voc}

    # --- kernel runs --------------------------------------------------------------------
    def simulate(self, t, v_gate=None, *, i_gate=None, v_ds: float = 0.01,
                 temperature: float = 298.15, state=None) -> SynapseTrace:
        """Simulate the synapse in the compiled kernel. Two ways to drive the gate:

        * sampled: ``s.simulate(t, v_gate=vg)`` or ``s.simulate(t, i_gate=ig)`` with times ``t``
          (s, increasing) and the gate voltage (V, gate minus channel) or gate current (A) at
          those times; each interval is driven at the mean of its end values (piecewise
          constant). One output row per sample; the first row is the initial state.
        * segments: ``s.simulate([(drive, value, duration), ...])`` with drive "voltage" (V),
          "current" (A), "floating" or "shorted"; one output row per segment end.

        ``v_ds`` (V) is the read bias: ``tr.i_ds = tr.g * v_ds``. The trace has ``t``, ``g``
        (S), ``i_gate`` (A), ``x`` (channel stoichiometry), ``theta_c``, energies and charges.
        """
        v_ds = _check("v_ds", v_ds, -10, 10, unit="V")
        if v_gate is None and i_gate is None:
            return self._simulate_segments(t, temperature, state, v_ds, name="t")
        if v_gate is not None and i_gate is not None:
            raise ParameterError("i_gate", "given with v_gate", "either v_gate or i_gate")
        drive, a = ("voltage", v_gate) if v_gate is not None else ("current", i_gate)
        name = "v_gate" if drive == "voltage" else "i_gate"
        tt = _args.times("t", t)
        a = _args.array(name, a, -1e3, 1e3, unit="V" if drive == "voltage" else "A",
                        what=f"finite values in [-1000, 1000], one per time ({tt.size},)")
        if a.shape != tt.shape:
            raise ParameterError(name, "shape %s" % (a.shape,), f"finite values, one per time ({tt.size},)")
        segs = [(drive, 0.5 * (a[k] + a[k + 1]), tt[k + 1] - tt[k]) for k in range(tt.size - 1)]
        tr = self._simulate_segments(segs, temperature, state, v_ds, name=name, value=a)
        sm = self.state_summary(state, temperature)
        first = dict(t=tt[0], theta_c=sm["theta_c"], theta_r=sm["theta_r"], g=sm["g"],
                     v_gate=tr.v_gate[0] if drive == "current" else a[0],
                     i_gate=a[0] if drive == "current" else tr.i_gate[0],
                     i_ion=tr.i_ion[0], q_gate=0.0, q_ion=0.0, e_gate=0.0, e_oc=0.0)
        cols = {k: np.r_[first[k], getattr(tr, k)[:]] for k in first}
        cols["t"] = tt.copy()
        return SynapseTrace(final_state=tr.final_state, x_range=tr.x_range, v_ds=v_ds, **cols)

    def _simulate_segments(self, segments, temperature, state, v_ds, name="segments",
                           value=None) -> SynapseTrace:
        """Piecewise-constant gate drive: ``segments`` = sequence of (drive, value, duration)
        with drive "voltage" (V_G = value, V), "current" (I_G = value, A), "floating"
        (I_G = 0) or "shorted" (V_G = 0); duration s. One output row per segment end.
        ``name``: the caller's argument that errors of the drive name."""
        from .._kernels import SYNAPSE_OUT_CHANNELS, synapse_run
        value = segments if value is None else value
        what = ("(drive, value, duration) segments, drive 'voltage', 'current', 'floating' "
                "or 'shorted' (or times t with v_gate= / i_gate=)")
        if isinstance(segments, (str, bytes, np.ndarray)):
            raise ParameterError(name, _args._short(segments), what)
        try:
            segments = list(segments)
        except TypeError:
            raise ParameterError(name, segments, what) from None
        modes, vals, durs = [], [], []
        for k, seg in enumerate(segments):
            if isinstance(seg, (str, bytes)):
                raise ParameterError(name, seg, what)
            try:
                drive, val, dur = seg
            except (TypeError, ValueError):
                raise ParameterError(name, seg, what) from None
            if drive == "floating":
                drive, val = "current", 0.0
            elif drive == "shorted":
                drive, val = "voltage", 0.0
            if not isinstance(drive, str) or drive not in DRIVES:
                raise ParameterError("drive", drive, "voltage, current, floating or shorted")
            modes.append(DRIVES[drive])
            vals.append(_check("value", val, -1e3, 1e3, unit="V or A"))
            durs.append(_check("duration", dur, 0, 1e12, unit="s"))
        if not modes:
            raise ParameterError(name, segments, "at least one segment")
        T = self._T(temperature)
        st = self._st(state)
        _warn_segments(self, modes, vals, durs, name, T)
        try:
            rows, final = synapse_run(self._packed, T, st, np.array(modes, dtype=np.intc),
                                      np.array(vals), np.array(durs))
        except FloatingPointError as exc:
            raise ConvergenceError(f"synapse kernel: {exc} (gate drive {name} at {T:g} K): the "
                                   "drive is beyond what the gate stack can follow",
                                   engine="kernel") from None
        if not (np.all(np.isfinite(rows)) and np.all(np.isfinite(final))):
            raise ParameterError(name, _args._short(value), "a gate drive under which the "
                                 "kernel's currents and charges stay finite")
        cols = dict(zip(SYNAPSE_OUT_CHANNELS, np.ascontiguousarray(rows.T)))
        x_range = tuple(electrode_ocv(self.channel)[1:3])
        return SynapseTrace(final_state=final, x_range=x_range, v_ds=v_ds, **cols)

    def pulse_train(self, n_pulses: int, amplitude: float | None = None, *,
                    drive: str | None = None, t_on: float | None = None,
                    t_off: float | None = None, rest: str | None = None,
                    temperature: float = 298.15, state=None) -> PulseResponse:
        """``n_pulses`` identical gate pulses of signed ``amplitude`` (A for drive="current",
        absolute gate voltage V for drive="voltage"), each t_on long followed by t_off of
        ``rest`` ("floating" or "shorted"). Defaults: the preset's programming pulse (current
        drive: amplitude = potentiation_sign * pulse_amplitude)."""
        from .._kernels import synapse_train_array
        n = _args.count("n_pulses", n_pulses, 1, 1e8)
        drive = self.pulse_drive if drive is None else drive
        _args.choice("drive", drive, tuple(DRIVES))
        if amplitude is None:
            amplitude = self.potentiation_sign * self.pulse_amplitude if drive == "current" else None
            if amplitude is None:
                raise ParameterError("amplitude", None, "a gate voltage, V (voltage drive)")
        amp = _check("amplitude", amplitude, -1e3, 1e3, unit="A or V")
        if amp == 0:
            raise ParameterError("amplitude", amplitude, "non-zero (0 means 'no pulse')")
        ton = self.t_on if t_on is None else _PARAMS.by_field("t_on").validate(t_on)
        toff = self.t_off if t_off is None else _PARAMS.by_field("t_off").validate(t_off)
        rest = self.rest if rest is None else rest
        _args.choice("rest", rest, RESTS)
        T = self._T(temperature)
        st = self._st(state)
        if drive == "current":
            warn_pulse_charge(self, [amp * ton], f"a {amp:g} A x {ton:g} s pulse", T)
        try:
            g, e, acc, fin = synapse_train_array(
                self._packed, T, st[None, :].copy(), np.full((1, n), amp), DRIVES[drive], ton,
                toff, *(_REST[rest]))
        except FloatingPointError as exc:
            raise ConvergenceError(f"synapse kernel: {exc} (amplitude {amp:g}, {drive} drive, "
                                   f"at {T:g} K)", engine="kernel") from None
        if not all(np.all(np.isfinite(a)) for a in (g, e, acc, fin)):
            raise ParameterError("amplitude", amplitude, "a pulse under which the kernel's "
                                 "currents and energies stay finite")
        return PulseResponse(g0=self.state_summary(st, temperature)["g"], g=g[0], energy=e[0],
                             e_oc=float(acc[0, 3]), e_diss=float(acc[0, 2] - acc[0, 3]),
                             q_gate=float(acc[0, 0]), q_ion=float(acc[0, 1]),
                             final_state=fin[0], amplitude=amp, drive=drive, t_on=ton, t_off=toff)

    def _magnitude_train(self, sign, n_pulses, magnitude, drive, **kw):
        drive = self.pulse_drive if drive is None else drive
        _args.choice("drive", drive, tuple(DRIVES))
        mag = self.pulse_amplitude if magnitude is None else _check(
            "magnitude", magnitude, 0, 1e3, lo_open=True, unit="A or V")
        s = sign * self.potentiation_sign
        if drive == "current":
            return self.pulse_train(n_pulses, s * mag, drive=drive, **kw)
        voc = self.state_summary(kw.get("state"), kw.get("temperature", 298.15))["v_oc"]
        return self.pulse_train(n_pulses, voc + s * mag, drive=drive, **kw)

    def potentiate(self, n_pulses: int, magnitude: float | None = None, *, drive=None, **kw):
        """Potentiation train (conductance up): current pulses of ``magnitude`` A with the sign
        that potentiates, or voltage pulses ``magnitude`` V beyond the open-circuit potential
        at the start of the train. Other keywords as :meth:`pulse_train`."""
        return self._magnitude_train(+1, n_pulses, magnitude, drive, **kw)

    def depress(self, n_pulses: int, magnitude: float | None = None, *, drive=None, **kw):
        """Depression train (conductance down); see :meth:`potentiate`."""
        return self._magnitude_train(-1, n_pulses, magnitude, drive, **kw)

    # --- SPICE side (SpiceDevice protocol) ------------------------------------------------
    instance_params = tuple(r.spice for r in _PARAMS.spice_rows())

    @property
    def pins(self) -> tuple:
        """("s", "d", "g"), plus "ion" (the electrolyte's far ionic node) for an external
        reservoir."""
        return ("s", "d", "g", "ion") if self.external else ("s", "d", "g")

    @property
    def dc_paths(self) -> tuple:
        p = [("s", "d"), ("g", "s")] if (not self.external or self.sigma_e > 0) else [("s", "d")]
        if self.external:
            p.append(("ion", "s"))
        return tuple(p)

    def _spice(self):
        """(subckt name, text), computed once (see base.hashed_subckt)."""
        from .synapse_spice import NAME_PLACEHOLDER, synapse_subckt
        return hashed_subckt(self, "lss", synapse_subckt, NAME_PLACEHOLDER)

    @property
    def subckt_name(self) -> str:
        return self._spice()[0]

    def subckt(self, dialect: str = "ngspice") -> str:
        """The ngspice ``.subckt`` (pins s d g [ion]; instance params: ``PARAMS.spice_rows()``,
        thc0, thr0, tk)."""
        if not isinstance(dialect, str) or dialect != "ngspice":
            raise ParameterError("dialect", dialect, "'ngspice'")
        return self._spice()[1]

    # --- presets --------------------------------------------------------------------------
    @staticmethod
    def presets() -> list:
        from .synapse_presets import PRESETS
        return list(PRESETS)

    @staticmethod
    def preset(name: str, **overrides) -> "Synapse":
        """A preset by name ("LISTA-LiCoO2", "ECRAM-WO3"), optionally with overrides."""
        from .synapse_presets import PRESETS
        return lookup_preset(PRESETS, name, overrides)

    def with_external_reservoir(self) -> "Synapse":
        """The same synapse with its reservoir replaced by the external pin ``ion``."""
        return self.replace(reservoir="external", name=f"{self.name} ext")

    def scaled(self, w_ch: float, l_ch: float | None = None) -> "Synapse":
        """The same stack with another channel footprint (m); thicknesses unchanged."""
        return self.replace(w_ch=w_ch, l_ch=w_ch if l_ch is None else l_ch)


_REST = {"floating": (1, 0.0), "shorted": (0, 0.0)}


def _temperature(temperature) -> float:
    """A run's temperature, K: the range of the instance parameter tk."""
    return _checked_temperature(_PARAMS.by_spice("tk"), temperature)


def warn_pulse_charge(device: Synapse, charges, what: str, T: float):
    """Warn (:class:`~lithispice.errors.PhysicsWarning`) when one of the gate ``charges`` (C,
    signed; one per pulse) exceeds the charge the channel holds between empty and full
    (:attr:`Synapse.channel_charge`): such a pulse pins the conductance at an end of its
    window, and is nearly always a current given in A where pA or nA was meant. ``what``
    names the pulse in the message."""
    q = np.abs(np.asarray(charges, dtype=np.float64))
    if not q.size:
        return
    q_max = float(q.max())
    qc = float(_coeffs_ok(device._packed, T)["qc"])
    if not q_max > qc:
        return
    hint = ""
    for scale, unit in ((1e-12, "pA"), (1e-9, "nA"), (1e-6, "uA")):
        if q_max * scale <= qc:
            hint = f" (gate currents are in A: did you mean {unit}?)"
            break
    warnings.warn(f"{what} moves {q_max:.3g} C, more than the synapse channel holds "
                  f"({qc:.3g} C from empty to full: F c_max_ch w_ch l_ch t_ch): the "
                  f"conductance pins at an end of its window{hint}",
                  PhysicsWarning, stacklevel=_caller_level())


def _caller_level() -> int:
    """warnings.warn's stacklevel of the first frame outside this package's devices (the
    user's call, however deep the helpers that got there)."""
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    f, level = sys._getframe(1), 1          # level 1: the function calling warnings.warn
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == here:
        f, level = f.f_back, level + 1
    return level


def _warn_segments(device: Synapse, modes, vals, durs, name: str, T: float):
    """warn_pulse_charge for piecewise-constant drive: a pulse is a run of consecutive
    current segments of one sign (a zero current, a voltage segment or a change of sign
    ends it)."""
    runs, q, sign = [], 0.0, 0.0
    for m, v, d in zip(modes, vals, durs):
        s = math.copysign(1.0, v) if (m == DRIVES["current"] and v != 0) else 0.0
        if s != sign and q:
            runs.append(q)
            q = 0.0
        sign = s
        if s:
            q += v * d
    if q:
        runs.append(q)
    if runs:
        k = int(np.argmax(np.abs(runs)))
        arg = "segments" if name == "t" else name
        warn_pulse_charge(device, [runs[k]], f"{arg}: a gate current pulse (same-sign "
                          "current in a row)", T)


def _coeffs_ok(packed, T: float, temperature=None) -> dict:
    """The kernel's coefficients at T, K; a temperature at which they vanish or overflow (the
    kernel refuses them) raises ParameterError naming ``temperature``."""
    from .._kernels import synapse_coeffs
    try:
        co = synapse_coeffs(packed, T)
    except ValueError:
        co = None
    need = ("qc", "r_ion", "i2c", "g_a", "g_b") + (() if co is None or co["external"]
                                                   else ("qr", "i2r"))
    if co is None or not all(math.isfinite(co[k]) and co[k] > 0 for k in need) \
            or not all(math.isfinite(co[k]) for k in ("g_leak", "rsc", "vt2")):
        raise ParameterError("temperature", T if temperature is None else temperature,
                             f"a temperature at which this synapse's thermally activated "
                             f"coefficients are finite and non-zero (within "
                             f"{_PARAMS.by_spice('tk').range_text()} K)")
    return co


def program_array(device: Synapse, amplitudes, *, drive: str | None = None,
                  t_on: float | None = None, t_off: float | None = None,
                  rest: str | None = None, states=None, temperature: float = 298.15,
                  threads=None):
    """Pulse programming of N synapses of one parameter set in the compiled kernel.

    ``amplitudes`` (N, n_pulses): pulse k of device d (A or V by ``drive``; 0 = no pulse in
    that slot, the gate rests). ``states`` (N, 2) initial (theta_c, theta_r), default the
    device's. Returns dict g (N, n) S after each pulse period, energy (N, n) J per period,
    q_gate, q_ion (N,) C, e_gate, e_oc (N,) J, final_state (N, 2 n_volumes). ``threads``: device-parallel
    threads (None = every available core; results do not depend on it)."""
    from .._kernels import synapse_train_array
    if not isinstance(device, Synapse):
        raise ParameterError("device", device, "a Synapse")
    amp = np.ascontiguousarray(_args.array("amplitudes", amplitudes, -1e3, 1e3, ndim=2,
                                           what="a finite (N, n_pulses) array in [-1000, 1000] "
                                           "(A or V)"))
    drive = device.pulse_drive if drive is None else drive
    _args.choice("drive", drive, tuple(DRIVES))
    rest = device.rest if rest is None else rest
    _args.choice("rest", rest, RESTS)
    if threads is not None:
        _args.integer("threads", threads, 1, 4096)
    ton = device.t_on if t_on is None else _PARAMS.by_field("t_on").validate(t_on)
    toff = device.t_off if t_off is None else _PARAMS.by_field("t_off").validate(t_off)
    if states is None:
        st = np.tile(device.state(), (amp.shape[0], 1))
    else:
        ns = 2 * device.n_volumes
        what = (f"({amp.shape[0]}, {ns}) or ({amp.shape[0]}, 2) lithiations in "
                f"[{THETA_RANGE[0]}, {THETA_RANGE[1]}]")
        st = np.ascontiguousarray(_args.array("states", states, *THETA_RANGE, what=what))
        if st.shape == (amp.shape[0], 2) and ns > 2:
            st = np.ascontiguousarray(np.repeat(st, device.n_volumes, axis=1))
        if st.shape != (amp.shape[0], ns):
            raise ParameterError("states", f"shape {st.shape}", what)
    T = device._T(temperature)
    if drive == "current" and amp.size:
        k = np.unravel_index(int(np.argmax(np.abs(amp))), amp.shape)
        warn_pulse_charge(device, [amp[k] * ton], f"amplitudes[{k[0]}, {k[1]}] = "
                          f"{amp[k]:g} A for t_on = {ton:g} s", T)

    def run(lo, hi):
        return synapse_train_array(device._packed, T, st[lo:hi], amp[lo:hi], DRIVES[drive],
                                   ton, toff, *_REST[rest], first=lo)
    try:
        parts = run_ranges(run, amp.shape[0], threads)
    except FloatingPointError as exc:
        raise ConvergenceError(f"synapse kernel: {exc} ({drive} drive at {T:g} K)",
                               engine="kernel") from None
    g, e, acc, fin = (np.concatenate([p[k] for p in parts]) for k in range(4))
    if not all(np.all(np.isfinite(a)) for a in (g, e, acc, fin)):
        raise ParameterError("amplitudes", _args._short(amplitudes), "pulses under which the "
                             "kernel's currents and energies stay finite")
    return {"g": g, "energy": e, "q_gate": acc[:, 0], "q_ion": acc[:, 1], "e_gate": acc[:, 2],
            "e_oc": acc[:, 3], "final_state": fin}


__all__ = ["Synapse", "SynapseTrace", "PulseResponse", "program_array", "warn_pulse_charge",
           "CHANNELS", "RESERVOIRS"]
