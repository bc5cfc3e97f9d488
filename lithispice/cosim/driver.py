"""The multirate driver: circuit windows in an engine, the battery's slow states in the C kernel.

Each period of the schedule is one window (a duty cycle, simulated by the circuit engine from
the slow states) plus an idle remainder (the kernel, at the idle current). Between circuit
windows the driver *skips*: it reuses the last window's draw (kernel steps with the same
charge, optionally scaled with the battery voltage) for k periods, with k chosen so that the
open-circuit voltage -- what sets the draw -- moves by less than ``tol_v`` since the circuit
last ran. After every skipped stretch the circuit runs again; if that window shows an event
(v_min, anode empty, a user predicate), the stretch is bisected by rerunning the circuit, so
the event is located to within one window.
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError, ParameterError
from ..validate import check_int, check_number
from .battery import SlowBattery, check_positive, rest_steps
from .draw import WindowDraw, extract
from .record import Recorder

LOADS = ("current", "resistive", "power")


@dataclass(frozen=True)
class WindowRun:
    """One circuit window, as the predicate sees it. ``period``: index; ``t``: calendar time
    of its start, s; ``params``: the battery's instance parameters; ``built``: what
    ``window()`` returned (a Chip or an object with ``.chip``); ``result``: the engine's
    Result (time from 0 at the window's start); ``draw``: the battery's WindowDraw;
    ``li_op``: Li (C) the circuit's operating point put into the cell's double layer."""
    period: int
    t: float
    params: dict
    built: object
    chip: object
    result: object
    draw: WindowDraw
    li_op: float = 0.0


class _Circuit:
    """Runs windows: builds the chip from the slow states, simulates, reads the draw."""

    def __init__(self, window, battery, engine, timeout, period, v_min, predicate, li_floor,
                 failure):
        self.window, self.battery, self.engine, self.timeout = window, battery, engine, timeout
        self.failure = failure
        self.period, self.v_min, self.predicate, self.li_floor = period, v_min, predicate, li_floor
        try:
            self._takes_t = "t" in inspect.signature(window).parameters
        except (TypeError, ValueError):
            self._takes_t = False
        self.wall = 0.0

    def __call__(self, n: int, state):
        """Window of period n from kernel ``state``: (WindowRun, state at the window's end,
        event name or None, time of the event within the window s or None)."""
        b = self.battery
        params = b.params(state)
        t0 = n * self.period
        built = self.window(dict(params), t=t0) if self._takes_t else self.window(dict(params))
        chip = getattr(built, "chip", built)
        w0 = time.perf_counter()
        try:
            res = chip.run(engine=self.engine, timeout=self.timeout)
        except ConvergenceError:
            if self.failure == "raise":
                raise
            # the cell cannot carry the window's load: no operating point, or the solver
            # gives up where the voltage collapses
            return None, state, "no_convergence", 0.0
        finally:
            self.wall += time.perf_counter() - w0
        draw = extract(res, b, chip)
        if draw.duration > self.period * (1 + 1e-9):
            raise ParameterError("period", self.period, f">= the window's length "
                                 f"{draw.duration:g} s (a window stands for one period)")
        new, _, _, li_op = b.from_circuit(res, params, state)
        run = WindowRun(n, t0, params, built, chip, res, draw, li_op)
        ev, t_ev = self._event(run, new)
        return run, new, ev, t_ev

    def _event(self, run, new):
        t = np.asarray(run.result.time, dtype=float)
        nets = run.chip.element(self.battery.xname).nets
        if run.draw.v_min < self.v_min:
            v = np.asarray(run.result[f"v({nets[0]})"], float) - (
                0.0 if nets[1] == "0" else np.asarray(run.result[f"v({nets[1]})"], float))
            return "v_min", float(t[np.argmax(v < self.v_min)])
        if self.battery.li(new) <= self.li_floor:
            li = np.asarray(run.result[self.battery.probe("li")], float)
            return "anode_empty", float(t[np.argmax(li <= self.li_floor)])
        if self.predicate is not None:
            hit = self.predicate(run)
            if isinstance(hit, tuple):          # (name, time within the window s)
                name, t_hit = hit
                return str(name), float(t_hit)
            if hit:
                return (hit if isinstance(hit, str) else "predicate"), float(t[-1])
        return None, None


def cosimulate(window, battery: SlowBattery, *, period: float, horizon: float,
               engine: str = "ngspice", soc0: float = 1.0, soh: float = 1.0,
               qli0: float | None = None, state=None, idle_current="last",
               load: str = "current", replay: str = "waveform", tol_v: float = 2e-3,
               max_stride: int = 1000,
               v_min: float | None = None, predicate=None, failure: str = "raise",
               progress=False, timeout: float = 600.0):
    """Co-simulate a chip (circuit engine) and its battery's slow states (C kernel).

    window: ``window(params) -> Chip`` (or ``window(params, t=...)``, t the calendar time of
    the window's start, s; or returning an object with ``.chip``): the chip of one window with
    the battery instance ``battery.instance`` given ``params`` (its instance parameters soc0,
    soh, qli0, tk) and a transient analysis from 0 to the window's length (<= period).
    battery: the SlowBattery. period: s, the interval one window stands for; horizon: s, the
    calendar time to simulate (ends earlier at an event). engine: "ngspice" or "vacask".
    soc0, soh, qli0 (C; None: derived) or state (a kernel state vector): the start.
    idle_current: A drawn between the window's end and the period's end ("last": the
    window's final current; 0: power-gated). load: how a reused draw follows the battery's
    open-circuit voltage: "current" (as measured), "resistive" (~ V) or "power" (~ 1/V).
    replay: how the kernel replays a reused period: "waveform" (the window's current, merged
    into a few constant-current steps of the same charge, then the idle current) or "mean"
    (one constant current of the period's charge: same charge, no pulse transients; faster).
    tol_v: V, the open-circuit voltage move after which the circuit runs again. max_stride:
    the most periods one circuit window stands for (1: lock-step, every window in the
    circuit). v_min: V, the event "v_min" when the battery's terminal voltage in a window
    falls below it (default the cell's v_min). predicate: ``predicate(WindowRun)``, truthy
    (or a string, the event's name; or a tuple (name, time of the event within the window s))
    when the window shows an event (e.g. an ADC code out of tolerance). failure: what a window the engine cannot solve (ConvergenceError) means:
    "raise" it, or "event" (the event "no_convergence": the cell cannot carry the load, e.g.
    no operating point). progress: a tqdm bar over simulated time. timeout: s per circuit run.

    Returns an xarray Dataset (see :mod:`lithispice.cosim.record`): slow states against
    calendar time, the window schedule (``run_*``), the event and the charge ledger (attrs).
    """
    if not isinstance(battery, SlowBattery):
        raise ParameterError("battery", type(battery).__name__, "a SlowBattery")
    if not callable(window):
        raise ParameterError("window", type(window).__name__, "a callable params -> Chip")
    period = check_positive("period", period, "s")
    horizon = check_positive("horizon", horizon, "s")
    if not isinstance(engine, str) or engine.lower() not in ("ngspice", "vacask"):
        raise ParameterError("engine", engine, "'ngspice' or 'vacask'")
    if replay not in ("waveform", "mean"):
        raise ParameterError("replay", replay, "'waveform' or 'mean'")
    if load not in LOADS:
        raise ParameterError("load", load, " or ".join(repr(x) for x in LOADS))
    if not (isinstance(idle_current, str) and idle_current == "last"):
        idle_current = check_number("idle_current", idle_current, 0, unit="A")
    tol_v = check_positive("tol_v", tol_v, "V")
    max_stride = check_int("max_stride", max_stride, 1, 10 ** 9)
    dev = battery.device
    v_min = dev.v_min if v_min is None else check_number("v_min", v_min, 0, 10, unit="V")
    if failure not in ("raise", "event"):
        raise ParameterError("failure", failure, "'raise' or 'event'")
    if predicate is not None and not callable(predicate):
        raise ParameterError("predicate", type(predicate).__name__, "a callable or None")
    st = battery.initial_state(soc0, soh, qli0) if state is None else dev._state(state, soc0)
    n_total = int(math.ceil(horizon / period - 1e-9))
    circuit = _Circuit(window, battery, engine.lower(), timeout, period, v_min, predicate,
                       1e-6 * dev.capacity_C, failure)
    rec = Recorder(battery, period, st)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_total * period, unit="s", desc="cosim", dynamic_ncols=True,
                   unit_scale=True)
    wall0 = time.perf_counter()
    n, pending, last_vmin = 0, None, None
    try:
        while n < n_total:
            run, st_w, ev, t_ev = circuit(n, st)
            rec.run(n, "window", circuit.wall)
            if ev is not None and pending is not None:
                n, st, run, st_w, ev, t_ev = _bisect(pending, circuit, battery, rec, n, run,
                                                     st_w, ev, t_ev)
            pending = None
            ocv_ref = battery.ocv(st)
            if run is not None:
                rec.window(run, st_w)
            st = st_w
            if ev is not None:
                rec.event(ev, n * period + t_ev, n)
                break
            idle = period - run.draw.duration
            i_idle = run.draw.i_end if idle_current == "last" else idle_current
            i_idle = max(i_idle, 0.0)
            if idle > 1e-9 * period:
                st, info = battery.advance(st, rest_steps(i_idle, idle))
                rec.kernel((n + 1) * period, 0, st, info, "idle")
                if info["reason"]:
                    rec.event(info["reason"], n * period + run.draw.duration
                              + info["t_event"], n)
                    break
            n += 1
            if bar is not None:
                bar.update(period)
            # stride: periods the window's draw stands for -- while the OCV moves less than
            # tol_v, and the window's minimum voltage (its trend over the last two circuit
            # windows) neither moves more than tol_v nor reaches half its margin to v_min
            rate = abs(battery.ocv(st) - ocv_ref)
            dip = 0.0
            if last_vmin is not None and n - 1 > last_vmin[0]:
                dip = max((last_vmin[1] - run.draw.v_min) / (n - 1 - last_vmin[0]), 0.0)
            last_vmin = (n - 1, run.draw.v_min)
            k = max_stride - 1
            if rate > 0:
                k = min(k, int(tol_v / rate))
            if dip > 0:
                k = min(k, int(tol_v / dip), int(0.5 * (run.draw.v_min - v_min) / dip))
            k = min(k, n_total - n)
            if k < 1:
                continue
            scale = _scale(load, battery.ocv(st), ocv_ref)
            steps = run.draw.steps(scale) + rest_steps(i_idle * scale, idle)
            if replay == "mean":
                q = sum(x.value * x.duration for x in steps)
                steps = rest_steps(q / period, period)
            s0, mark = st, rec.mark()
            st, info = battery.advance(s0, steps, repeat=k)
            if info["reason"]:
                # the kernel stopped inside the stretch (anode empty, cathode saturated under
                # the replayed draw): let the circuit judge the period it stopped in, and
                # bisect the stretch before it if the circuit shows the event there too
                k = int(info["t_event"] // period)
                if k < 1:
                    st = s0
                    continue
                st, info = battery.advance(s0, steps, repeat=k)
            pending = dict(state=s0, n0=n, k=k, steps=steps, mark=mark)
            rec.kernel((n + k) * period, k, st, info, "skip")
            n += k
            if bar is not None:
                bar.update(k * period)
    finally:
        if bar is not None:
            bar.close()
    return rec.dataset(engine=engine.lower(), wall=time.perf_counter() - wall0,
                       circuit_wall=circuit.wall, horizon=horizon, tol_v=tol_v,
                       max_stride=max_stride, load=load, replay=replay, v_min=v_min)


def _scale(load, ocv_now, ocv_ref) -> float:
    if load == "resistive":
        return ocv_now / ocv_ref
    if load == "power":
        return ocv_ref / ocv_now
    return 1.0


def _bisect(pending, circuit, battery, rec, n_fire, run_fire, st_fire, ev_fire, t_fire):
    """The first period of the skipped stretch ``pending`` (plus the firing window n_fire)
    whose circuit window shows an event: rerun windows from states the kernel recomputes from
    the stretch's start. Rolls the record back to the stretch's start and records the
    (shortened) stretch; returns (n, state before it, run, state after it, event, t_event)."""
    n0, s0, steps = pending["n0"], pending["state"], pending["steps"]

    def state_at(m):
        if m == n0:
            return s0, None
        return battery.advance(s0, steps, repeat=m - n0)

    lo, hi = n0, n_fire
    best = (run_fire, st_fire, ev_fire, t_fire)
    while lo < hi:
        mid = (lo + hi) // 2
        s_mid, _ = state_at(mid)
        run, st_w, ev, t_ev = circuit(mid, s_mid)
        rec.run(mid, "bisect", circuit.wall)
        if ev is not None:
            hi, best = mid, (run, st_w, ev, t_ev)
        else:
            lo = mid + 1
    rec.rollback(pending["mark"])
    s_hi, info = state_at(hi)
    if info is not None:
        rec.kernel(hi * circuit.period, hi - n0, s_hi, info, "skip")
    return (hi, s_hi) + best
