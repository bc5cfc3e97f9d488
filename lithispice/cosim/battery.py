"""The slow device of a co-simulation: a microbattery instance of the chip, its state in the C
kernel, and the hand-offs between the two (kernel state -> instance parameters of the next
circuit window; circuit window's end -> kernel state).

Units: C (charge), V, A, s, K. The kernel state vector is the one of
:meth:`lithispice.devices.microbattery.Microbattery.initial_state`: ``n`` cathode lithiations
(index ``n - 1`` at the electrolyte, as the SPICE ladder nodes ``t0 .. t{n-1}``), ``eta_c`` (V),
Li-metal inventory (C), ``soh`` and dead Li (C).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..devices.microbattery import Microbattery, Step
from ..errors import ParameterError
from ..validate import check_number


@dataclass(frozen=True)
class SlowBattery:
    """A microbattery instance that carries the slow states of a co-simulation.

    instance: the name given to ``Chip.add`` (``"bat"`` -> SPICE ``Xbat``); device: its
    :class:`Microbattery`; current: the result vector of its terminal current, A, > 0 while
    discharging (e.g. ``"i(vmeter)"`` for a 0 V ammeter from the cell's + net towards the load);
    None: derived from the cell's anode counter ``qa`` minus its electronic leak. temperature:
    K, the cell's temperature in both the kernel and the circuit (instance parameter ``tk``).
    """
    instance: str
    device: Microbattery
    current: str | None = None
    temperature: float = 298.15
    _w: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.instance, str) or not self.instance:
            raise ParameterError("instance", self.instance, "the name given to Chip.add (a string)")
        if not isinstance(self.device, Microbattery):
            raise ParameterError("device", type(self.device).__name__, "a Microbattery")
        if self.current is not None and not isinstance(self.current, str):
            raise ParameterError("current", self.current, "a result vector name such as "
                                 "'i(vmeter)', or None")
        check_number("temperature", self.temperature, 0, 2000, lo_open=True, unit="K")
        from .._kernels import battery_ladder
        c = np.asarray(battery_ladder(self.device._packed, self.device.t_ref)[0], dtype=float)
        object.__setattr__(self, "_w", c / c.sum())     # volume weights of the mean lithiation

    # --- names -----------------------------------------------------------------------------
    @property
    def xname(self) -> str:
        """SPICE instance name, lower case (``xbat``)."""
        return "x" + self.instance.lower()

    def probe(self, node: str) -> str:
        """Result vector of an internal node, e.g. ``v(xbat.qa)``."""
        return f"v({self.xname}.{node})"

    # --- state <-> numbers ----------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.device.n_volumes

    def initial_state(self, soc0: float = 1.0, soh: float = 1.0, qli0: float | None = None):
        """Kernel state of a relaxed cell (see Microbattery.initial_state)."""
        return self.device.initial_state(soc0, soh, qli0)

    def soc(self, state) -> float:
        """State of charge of a kernel state: 1 - volume-weighted mean lithiation."""
        return float(1.0 - self._w @ state[:self.n])

    def li(self, state) -> float:
        """Li-metal inventory, C."""
        return float(state[self.n + 1])

    def soh(self, state) -> float:
        return float(state[self.n + 2])

    def ocv(self, state) -> float:
        """Open-circuit voltage at the state's mean soc (relaxed profile), V."""
        return float(self.device.ocv(min(max(self.soc(state), 0.0), 1.0), self.temperature))

    def bound_li(self, state) -> float:
        """Li the cell holds, C: anode + active cathode + dead + double layer (invariant of the
        kernel: csrc/microbattery.h), measured from full delithiation of the active material."""
        n = self.n
        return float(state[n + 2] * self.device.capacity_C * (self._w @ state[:n])
                     + state[n + 3] + self._q_dl(state[n], state[n + 2]) + state[n + 1])

    def _q_dl(self, eta, soh) -> float:
        """Double-layer charge, C, at overpotential eta (V): C_dl = c_dl A soh (as the card)."""
        return self.device.c_dl * self.device.area * soh * float(eta)

    def params(self, state) -> dict:
        """Instance parameters that start a circuit window in this state (the profile of the
        cathode is not an instance parameter: the window starts from its mean, uniform)."""
        return {"soc0": min(max(self.soc(state), 0.0), 1.0), "soh": self.soh(state),
                "qli0": max(self.li(state), 0.0), "tk": float(self.temperature)}

    def from_circuit(self, res, params: dict, state) -> tuple[np.ndarray, float, float]:
        """Kernel state at the end of a circuit window started with ``params`` from kernel
        ``state``: the ladder nodes (lithiations), the double layer, Li = qli0 - qa (the
        circuit's counter, so the window's Li is applied exactly), soh faded by the charge
        through the electrolyte (``qc``; the circuit has no fade), and the Li of the cathode
        that goes inactive moved to the dead Li. Returns (state, Li out of the anode C,
        charge through the electrolyte C, Li the circuit's operating point put into the double
        layer C: the circuit starts it at the steady state of the window's first current, the
        kernel state may hold another -- zero when windows start at the current the last one
        ended with)."""
        n = self.n
        new = np.array(state, dtype=float)
        theta = np.array([res[self.probe(f"t{k}")][-1] for k in range(n)], dtype=float)
        new[:n] = theta
        li_op = 0.0
        if self.device.c_dl > 0:
            eta = np.asarray(res[self.probe("ic")], float) - np.asarray(res[self.probe("cx")], float)
            new[n] = float(eta[-1])
            li_op = self._q_dl(eta[0], params["soh"]) - self._q_dl(state[n], params["soh"])
        qa = res[self.probe("qa")]
        q_out = float(qa[-1])
        new[n + 1] = params["qli0"] - q_out
        thru = float(np.sum(np.abs(np.diff(res[self.probe("qc")]))))
        soh0 = params["soh"]
        soh1 = max(soh0 - self.device.k_fade * thru, 1e-12)
        new[n + 2] = soh1
        # the inactive material keeps its Li (the kernel's li_dead)
        new[n + 3] = state[n + 3] + (soh0 - soh1) * self.device.capacity_C * float(self._w @ theta)
        return new, q_out, thru, li_op

    # --- kernel advance ------------------------------------------------------------------------
    def advance(self, state, steps, repeat: int = 1):
        """Run ``steps`` (sequence of Step) ``repeat`` times in the kernel from ``state``; no
        voltage cut-off (the circuit, not the kernel, decides what the load does).
        Returns (new state, dict: charge C (terminal), li_out C, v_end V, t_end s, reason
        (None or the kernel's event), t_event s or None)."""
        steps = list(steps)
        if len(steps) == 1 and repeat > 1:
            # one constant current repeated: one kernel step (no restarts of its integrator)
            st = steps[0]
            steps, repeat = [Step(st.mode, st.value, st.duration * repeat)], 1
        tr = self.device.run(steps, repeat=repeat, temperature=self.temperature, state=state,
                             record=False)
        s = tr.steps
        reason = None
        bad = [r for r in s["reason"] if r is not None]
        if bad or tr.event is not None:
            reason = tr.event or bad[0]
        info = dict(charge=float(np.sum(s["charge"])),
                    li_out=self.li(state) - self.li(tr.final_state),
                    v_end=float(tr.v[-1]), t_end=float(s["t_end"][-1]), reason=reason,
                    t_event=float(s["t_end"][-1]) if reason else None,
                    executed=len(s["charge"]))
        return tr.final_state, info


def rest_steps(current: float, duration: float) -> list:
    """One kernel step drawing a constant ``current`` (A, > 0 discharge) for ``duration`` s."""
    if duration <= 0:
        return []
    if current == 0:
        return [Step("rest", 0.0, duration)]
    return [Step("cc", float(current), duration)]


def check_positive(name, value, unit: str) -> float:
    """A finite number > 0, else ParameterError naming ``name``."""
    return check_number(name, value, 0, None, lo_open=True, unit=unit)


@dataclass(frozen=True)
class AnodeDrawBattery(SlowBattery):
    """A :class:`SlowBattery` whose draw leaves through the anode's ion pin (synapse gates),
    not its terminals. ``advance`` runs the kernel's rest of the cell (self-discharge through
    its leak) over the steps' duration and takes the steps' charge (C; the channels' draw
    the driver replays as current steps) off the Li inventory. ``li_stop``: C, the inventory
    at which a skipped stretch stops (reason ``anode_empty``) so that the circuit judges the
    last epochs (their writes stall near the knee of the SPICE form's exhaustion)."""
    li_stop: float = 0.0

    def advance(self, state, steps, repeat: int = 1):
        steps = list(steps)
        dur = repeat * sum(s.duration for s in steps)
        q = repeat * sum(s.value * s.duration for s in steps if s.mode == "cc")
        new, info = SlowBattery.advance(self, state, rest_steps(0.0, dur))
        new = np.array(new, dtype=float)
        li_before, li_rest = self.li(state), self.li(new)
        new[self.n + 1] = li_rest - q
        li_after = self.li(new)
        info = dict(info, charge=info["charge"] + q, li_out=li_before - li_after)
        # a stretch of epochs (a draw, not only the idle rest) that reaches li_stop: stop at
        # the crossing (linear in time: the epochs are periodic; at 0 when it starts below),
        # the circuit takes over epoch by epoch
        if q > 0 and not info["reason"] and li_after <= self.li_stop:
            info["reason"] = "anode_empty"
            info["t_event"] = dur * max(li_before - self.li_stop, 0.0) / (li_before - li_after)
        return new, info
