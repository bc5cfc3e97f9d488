"""Reference chip: an N x M array of three-terminal Li-ion synapses whose gates draw Li from ONE
LiPON | LiCoO2 | Li microbattery anode (issue 4; DESIGN 3, last paragraph).

Wiring (the electrochemical-element view makes the shared reservoir plain wiring):
  * battery ``Microbattery.preset("LiPON-LiCoO2-Li", area=battery_area).with_reservoir_pin()``
    (an on-chip cell, (100 um)^2 by default): neg on net ``bneg``
    held at -v_hold by ``Vneg`` (so the array's lines sit near 0 V while every channel sits
    near its open-circuit potential above the Li anode), ion on net ``bion``, pos on net
    ``bpos`` with only ``Cpos`` (1 fF of wiring) to ground: its DC level is set through the
    battery itself (pos-Bu-cathode-Rion-anode-neg), no DC current leaves it.
    (A 1e15 ohm Rpos used to hold it: its ~4.5e-16 A, below ngspice's abstol, is not carried
    consistently through the cell: ~1.8e-6 of the channel charge unaccounted. The rest of
    the old 1.3e-5 came from comparing channel states mid-read with the anode at run end.)
  * every synapse (reservoir "external"): g -> bneg, ion -> bion. Every coulomb that programs a
    channel leaves the battery's Li-metal anode: KCL conserves Li. The battery counts it
    (``xb.qa``, Li out of its anode, and ``xb.qc``, Li through its own cell: self-discharge
    through its electronic leak and what charged Cpos; 1 F integrators started at 0, so that
    the balance resolves 1e-13 C next to a 2 C inventory: see :func:`analyse`);
  * rows: source line ``sl{i}`` (driver ``Vs{i}``) and row select ``rs{i}`` (``Vrs{i}``);
    columns: drain line ``dl{j}`` (driver/readout ``Vd{j}``, 0 V = the TIA's virtual ground)
    and column select ``cs{j}`` (``Vcs{j}``);
  * cell (i, j): channel between access switches ``Xa{i}_{j}s`` (sl{i} - s{i}_{j}) and
    ``Xa{i}_{j}d`` (d{i}_{j} - dl{j}), both on only when rs{i} AND cs{j} are high. A
    deselected channel floats: no electronic return path, so no Li moves (retention is set by
    the electrolyte's leak and the switches' off conductance, both simulated).
Programming: row by row; in slot k of row i, rs{i} and the cs{j} of the cells that still need
pulses (k < n_ij) go high while sl{i} and every dl{j} pulse to v_write, i.e. gate voltage
V_G = -v_hold - v_write on the selected channels; the pulse counts n_ij come from the kernel's
pulse response so as to hit the target weights (open-loop write). The selects open 2 T_RISE
before the lines move and close 2 T_RISE after they are back at 0 V (a cell is never switched
mid-edge), and the data-line edges have a PWL corner every DV_EDGE (see :func:`_pwl`). Read:
all selects high, sl{i} = v_read[i], dl{j} = 0; column currents i(vd{j}) = sum_i G_ij
v_read[i] (VMM).

Regenerate the reference deck with ``python netlists/synapse_array.py`` (4 x 4); simulate
with ``python netlists/synapse_array.py --run N [--engine vacask]``.
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass

import numpy as np

T_RISE = 1e-6        # s, edges of every driver waveform
DV_EDGE = 0.1        # V, the most a data line moves between two PWL corners of an edge


@dataclass(frozen=True)
class AccessSwitch:
    """Cell access switch (behavioural): I = v(a,b) (g_on sel + g_off), sel = smooth AND of
    the row select r and column select c (1 V logic, threshold 0.5 V, width 0.02 V). S.

    The width sets the half-select leak: with one select at 0 V, sel ~ 2 exp(-2 x 0.5/w); at
    w = 0.05 V that was 1e-9 (g ~ 1e-12 S, a 1 ms time constant on a cell's 1 fF) and the
    half-selected cells of a row or column drifted toward the pulsed lines: programmed G off
    the kernel's target by 8 % (4 x 4) to 23 % (16 x 16). At 0.02 V it is ~1e-22, below g_off,
    and the array lands within 0.6 % of the target at every size."""
    g_on: float = 1e-3
    g_off: float = 1e-15
    pins = ("a", "b", "r", "c")
    dc_paths = (("a", "b"),)
    instance_params: tuple = ()

    @property
    def subckt_name(self) -> str:
        return f"lss_access_{abs(hash((self.g_on, self.g_off))) % 10**8:08d}"

    def subckt(self) -> str:
        from lithispice.spice.names import fmt
        sel = "0.25*(1+tanh((v(r)-0.5)/0.02))*(1+tanh((v(c)-0.5)/0.02))"
        return (f"* lithispice synapse-array access switch (AND of row and column select)\n"
                f".subckt {self.subckt_name} a b r c\n"
                f"B1 a b I=v(a,b)*({fmt(self.g_on)}*{sel}+{fmt(self.g_off)})\n"
                f".ends {self.subckt_name}\n")


@dataclass(frozen=True)
class SynapseArray:
    """A built array chip and what is needed to check it. Units SI.

    ``pulses`` (N, M) pulse counts written; ``g_target`` (N, M) S the kernel's one-cell pulse
    response gives for those counts (the level map); ``g_predicted`` (N, M) S the kernel's
    conductance of each cell at the analysis instant for its own schedule (pulses, floating
    gaps, the read): what ngspice should reproduce; ``t_program_end``, ``t_read`` s (read
    window [t_read, t_stop]); ``v_read`` (N,) V;
    ``theta0`` initial channel lithiation; ``q_channel`` C per unit lithiation of a channel;
    ``qli0`` C initial battery Li inventory (battery instance ``xb``)."""
    chip: object
    synapse: object
    battery: object
    n: int
    m: int
    pulses: np.ndarray
    g_target: np.ndarray
    v_read: np.ndarray
    v_hold: float
    v_write: float
    t_program_end: float
    t_read: float
    t_stop: float
    g_predicted: np.ndarray
    theta0: float
    q_channel: float
    qli0: float
    c_pos: float


def _pwl(events, t_stop, v0=0.0, split=False):
    """PWL points from a list of (t_start, t_end, value) windows (value outside: v0); each edge
    takes T_RISE. ``split``: corners along every edge, at most DV_EDGE apart (data lines).

    Why the corners: a simulator lands a time point on every PWL corner and restarts its step
    size after it, so a line cannot move by more than DV_EDGE within one step. A write edge
    changes a channel's ionic current, hence its lumped surface lithiation (67e9 per A for
    LISTA: ~0.4 per 0.5 V) and OCV, within the step; ngspice's Newton then leaves the OCV
    clamp's domain on a large step, and ngspice retries a rejected step from its last Newton
    iterate (dctran.c), so shorter retries never recover: "timestep too small" on the first
    edge of v_write = 0.75 V (1 x 1) in ngspice before this. With 0.1 V corners every
    |v_write| <= 5 V runs (DV_EDGE 0.5 V failed at 3 V, 0.25 V passed 5 V on 4 x 4)."""
    pts = [(0.0, v0)]
    for t0, t1, v in events:
        k = max(1, math.ceil(abs(v - v0) / DV_EDGE - 1e-9)) if split else 1
        pts += [(t0 + T_RISE * q / k, v0 + (v - v0) * q / k) for q in range(k + 1)]
        pts += [(t1 + T_RISE * q / k, v + (v0 - v) * q / k) for q in range(k + 1)]
    pts.append((t_stop, v0))
    return pts


def build(n: int = 4, m: int = 4, weights=None, *, synapse=None, battery=None,
          levels: int = 6, v_write: float = 0.5, t_on: float = 2e-3, t_off: float = 0.5e-3,
          v_read=None, t_read_len: float = 50e-6, qli0: float | None = None,
          c_pos: float = 1e-15, c_node: float = 1e-15, battery_area: float = 1e-8,
          seed: int = 1) -> SynapseArray:
    """Build the array chip. ``weights`` (n, m) in [0, 1] (default: a seeded random pattern)
    are written as pulse counts 0..levels-1 of v_write (V, line voltage above rest; > 0
    delithiates the channels, returning Li to the anode: LISTA potentiation from the insulating
    end; < 0 lithiates them from the anode: LISTA depression from the metallic end, ECRAM
    potentiation) pulses t_on long, t_off apart (s). A polarity that cannot move the channels
    from ``theta_c0`` (LISTA's default 0.9 is at the insulating end: v_write < 0 changes
    nothing; ECRAM's 0.02 at its low end: v_write > 0 neither) raises ParameterError naming
    v_write and the sign that works, instead of writing an all-zero pulse map.

    Accepted range, all measured to converge in ngspice and VACASK (4 x 4; 8 x 8 and 16 x 16
    at the ends): |v_write| <= 5 V with LISTA (> 0) and ECRAM (< 0), down to where the
    levels - 1 pulses still move G by G_SPAN_MIN (1e-3; 0.01 V with LISTA at the defaults;
    below: ParameterError naming v_write), levels 2 .. 1000
    (LISTA at 0.5 V uses <= 81 pulses: beyond that G no longer moves and more levels add
    none). It used to stop ngspice from levels = 8 and |v_write| = 0.75 V (4 x 4) up: a cell
    switched on while its lines were already at v_write / 2, and write edges too large for one
    Newton step of the channels' lumped surface, from which ngspice cannot recover (it retries
    a rejected step from its last Newton iterate). The kernel's level map is followed to
    0.1 .. 0.6 % per cell up to ~18 pulses; its error grows ~0.05 % per pulse (``c_node``
    below): 2 % at 46 pulses, 4.6 % at 81.

    ``synapse`` default: the LISTA preset with the external reservoir; ``battery`` default:
    the LiPON-LiCoO2-Li preset with its ion pin, scaled to an on-chip cell of ``battery_area``
    (m2; default (100 um)^2, ~25 uC of cathode capacity, 1e7 full writes of a 200 nm channel;
    up to 1e-3 m2: a 1 cm2 laboratory cell runs 2 x 2 .. 16 x 16 in both engines, Li balance
    within 4e-7). ``qli0``: the battery's Li inventory (C; None = the preset's; an anode that
    runs dry during the writes is flagged by :func:`analyse`, tested with a (1 um)^2 cell in
    both engines; one that is empty from the start, qli0 below ~2e-6 of the cell's capacity,
    leaves the ion net floating: VACASK runs it, ngspice stopped at the first select edge). ``v_read`` (n,) V. ``c_node`` F:
    the wiring capacitance of each cell's S and D contacts. It is physics the kernel's pulse
    response leaves out: after each pulse the floating channel keeps exchanging charge with it
    until its interface is at rest, so the open-loop write overshoots the kernel's target by
    ~0.6 % (LISTA) to ~4 % (ECRAM, faster kinetics) at 1 fF, 0.05 % at 0.01 fF. Only 1 fF
    (the default) and 0.01 fF were validated; 0.1 fF stopped ngspice on ECRAM 3 x 3.
    A synapse with resolved films (``n_volumes > 1``) runs too (LISTA, 8 volumes: 16 x 16 in
    ~100 s, Li balance 5e-7, VMM 1e-4). Its channels keep relaxing after each write (the
    surface layers re-equilibrate over L^2/D ~ 0.4 s), so the read G sits ~40 % off the level
    map ``g_target`` (one rest after the pulse), and within 1 % of ``g_predicted``, the
    kernel run of each cell's own schedule."""
    from lithispice.devices.microbattery import Microbattery
    from lithispice.devices.synapse import Synapse
    from lithispice.errors import ParameterError
    from lithispice.netlist import Chip
    from lithispice.validate import check_int, check_number

    check_int("n", n, 1, 64)
    check_int("m", m, 1, 64)
    check_int("levels", levels, 2, 1000)
    check_number("v_write", v_write, -5, 5, unit="V")
    if v_write == 0:
        raise ParameterError("v_write", v_write, "a nonzero line voltage in [-5, 5] V")
    check_number("t_on", t_on, 0, 1, lo_open=True, unit="s")
    check_number("t_off", t_off, 6 * T_RISE, 1, unit="s")
    syn = (synapse or Synapse.preset("LISTA-LiCoO2")).replace(reservoir="external")
    check_number("battery_area", battery_area, 1e-12, 1e-3, unit="m2")
    bat = (battery or Microbattery.preset("LiPON-LiCoO2-Li", area=battery_area)).with_reservoir_pin()
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, m)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n, m) or not np.all((w >= 0) & (w <= 1)):
        raise ParameterError("weights", f"shape {w.shape}", f"({n}, {m}) values in [0, 1]")
    th0 = syn.theta_c0
    v_hold = -syn.open_circuit_voltage(th0)        # U_c(theta0) vs Li: lines at 0 V = rest
    # kernel pulse response of one cell to the write pulse (V_G = -v_hold - v_write)
    pr = syn.pulse_train(levels - 1, -v_hold - v_write, drive="voltage", t_on=t_on,
                         t_off=t_off, rest="floating")
    g_levels = np.r_[pr.g0, pr.g]
    _check_polarity(syn, g_levels, levels, v_hold, v_write, t_on, t_off)
    # weights -> nearest level in log conductance (the channel law is logarithmic)
    lg = np.log(g_levels)
    target = lg[0] + w * (lg[-1] - lg[0])
    pulses = np.abs(target[..., None] - lg[None, None, :]).argmin(axis=-1)
    if v_read is None:
        v_read = np.linspace(0.05, 0.1, n)
    v_read = np.asarray(v_read, dtype=float)
    if v_read.shape != (n,) or np.any(np.abs(v_read) > 0.2):
        raise ParameterError("v_read", v_read, f"({n},) volts within +-0.2 V")
    per = t_on + t_off
    slots = [int(pulses[i].max()) for i in range(n)]
    t = t_off
    slot_t0 = [[] for _ in range(n)]     # start of each programming slot of row i, s
    rs_ev = [[] for _ in range(n)]
    cs_ev = [[] for _ in range(m)]
    sl_ev = [[] for _ in range(n)]
    dl_ev = []
    # selects open 2 T_RISE before the lines move and close 2 T_RISE after they are back at
    # rest: a cell is connected and disconnected with its lines at 0 V, never mid-edge (a
    # switch closing on a line already at v_write/2 stopped ngspice at levels >= 8 on 4 x 4)
    sel = 2 * T_RISE
    for i in range(n):
        for k in range(slots[i]):
            t0, t1 = t, t + t_on
            slot_t0[i].append(t0)
            rs_ev[i].append((t0 - sel, t1 + sel, 1.0))
            sl_ev[i].append((t0, t1, v_write))
            dl_ev.append((t0, t1, v_write))
            for j in range(m):
                if pulses[i, j] > k:
                    cs_ev[j].append((t0 - sel, t1 + sel, 1.0))
            t += per
    t_prog = t
    t_read = t_prog + 5 * T_RISE
    t_stop = t_read + t_read_len
    for i in range(n):
        rs_ev[i].append((t_read - sel, t_stop - 2 * T_RISE, 1.0))
        sl_ev[i].append((t_read, t_stop - 4 * T_RISE, float(v_read[i])))
    for j in range(m):
        cs_ev[j].append((t_read - sel, t_stop - 2 * T_RISE, 1.0))
    g_pred = _predict(syn, pulses, slot_t0, v_hold, v_write, t_on, t_read, t_stop, v_read)

    chip = Chip(f"synapse array {n}x{m} on a LiPON LiCoO2 Li microbattery reservoir")
    bparams = {"soc0": 1.0}
    if qli0 is not None:
        bparams["qli0"] = check_number("qli0", qli0, 0, lo_open=True, unit="C")
    chip.add("b", bat, params=bparams, pos="bpos", neg="bneg", ion="bion")
    chip.vsource("neg", "bneg", "0", dc=-v_hold)
    chip.capacitor("pos", "bpos", "0", check_number("c_pos", c_pos, 0, lo_open=True, unit="F"))
    sw = AccessSwitch()
    for i in range(n):
        chip.vsource(f"s{i}", f"sl{i}", "0", pwl=_pwl(sl_ev[i], t_stop, split=True))
        chip.vsource(f"rs{i}", f"rs{i}", "0", pwl=_pwl(rs_ev[i], t_stop))
    for j in range(m):
        chip.vsource(f"d{j}", f"dl{j}", "0", pwl=_pwl(dl_ev, t_stop, split=True) if dl_ev else None)
        chip.vsource(f"cs{j}", f"cs{j}", "0", pwl=_pwl(cs_ev[j], t_stop))
    for i in range(n):
        for j in range(m):
            chip.add(f"c{i}_{j}", syn, s=f"s{i}_{j}", d=f"d{i}_{j}", g="bneg", ion="bion")
            chip.add(f"a{i}_{j}s", sw, a=f"sl{i}", b=f"s{i}_{j}", r=f"rs{i}", c=f"cs{j}")
            chip.add(f"a{i}_{j}d", sw, a=f"d{i}_{j}", b=f"dl{j}", r=f"rs{i}", c=f"cs{j}")
            # node capacitance of the cell's contacts (wiring, ~1 fF): a floating channel is
            # then a capacitive node, as in silicon, and the solver is not left with a purely
            # resistive 1e-15 S node when the lines switch
            chip.capacitor(f"s{i}_{j}", f"s{i}_{j}", "0", c_node)
            chip.capacitor(f"d{i}_{j}", f"d{i}_{j}", "0", c_node)
    chip.options(reltol=1e-6, abstol=1e-15, method="gear")
    chip.tran(t_on / 4, t_stop, tmax=t_on / 4)
    q_ch = syn.coefficients()["qc"]
    qli = bat.initial_state(1.0)[-3] if qli0 is None else float(qli0)
    return SynapseArray(chip=chip, synapse=syn, battery=bat, n=n, m=m, pulses=pulses,
                        g_target=g_levels[pulses], v_read=v_read, v_hold=v_hold,
                        v_write=v_write, t_program_end=t_prog, t_read=t_read, t_stop=t_stop,
                        g_predicted=g_pred,
                        theta0=th0, q_channel=q_ch, qli0=qli, c_pos=c_pos)


#: A train of levels - 1 write pulses that moves the channel conductance by less than this
#: (relative) cannot tell the targets apart: build refuses it.
G_SPAN_MIN = 1e-3


def _check_polarity(syn, g_levels, levels, v_hold, v_write, t_on, t_off):
    """ParameterError naming v_write when the write pulses leave G where it is (issue 11,
    item 13): a channel at the end of its conductance window that the write polarity pushes
    further (LISTA at theta_c0 = 0.9, x = 0.95, is insulating: lithiating it, v_write < 0,
    changes nothing; ECRAM at theta_c0 = 0.02 is at its low end: delithiating it, v_write > 0,
    neither). Every weight then maps to 0 pulses and the array is silently left unwritten.
    The message names the sign that does move G (the kernel's response to the mirrored pulse)."""
    from lithispice.errors import ParameterError
    span = abs(math.log(g_levels[-1] / g_levels[0]))
    if span >= G_SPAN_MIN:
        return
    what = "delithiates" if v_write > 0 else "lithiates"
    alt = syn.pulse_train(levels - 1, -v_hold + v_write, drive="voltage", t_on=t_on,
                          t_off=t_off, rest="floating")
    if abs(math.log(alt.g[-1] / alt.g0)) >= G_SPAN_MIN:
        way = "raises" if alt.g[-1] > alt.g0 else "lowers"
        raise ParameterError(
            "v_write", v_write, f"v_write {'<' if v_write > 0 else '>'} 0 V for this synapse",
            detail=f"v_write = {v_write:+g} V {what} the {syn.name} channels, whose conductance "
                   f"at theta_c0 = {syn.theta_c0:g} is already at that end of its window: "
                   f"{levels - 1} pulses move G by {span:.1e} (relative), every weight would "
                   f"get 0 pulses; v_write = {-v_write:+g} V {way} G from {alt.g0:.3g} S to "
                   f"{alt.g[-1]:.3g} S")
    raise ParameterError(
        "v_write", v_write, "a write voltage whose pulses move the channel conductance",
        detail=f"{levels - 1} pulses of {v_write:+g} V x {t_on:g} s move G of {syn.name} by "
               f"{span:.1e} (relative), the mirrored pulses by "
               f"{abs(math.log(alt.g[-1] / alt.g0)):.1e}: raise |v_write|, t_on or levels")


def _predict(syn, pulses, slot_t0, v_hold, v_write, t_on, t_read, t_stop, v_read):
    """The kernel's conductance of every cell at the analysis instant (mid-read), each cell
    driven by its own schedule: floating except while selected (the edges taken as centred
    steps): lines at rest (V_G = -v_hold) for 2 T_RISE, the pulse (V_G = -v_hold - v_write)
    t_on, rest again 2 T_RISE; then the read (2 T_RISE at rest, channel at v_read / 2). S,
    (N, M)."""
    n, m = pulses.shape
    t_mid = t_read + 0.5 * (t_stop - t_read)
    rest = ("voltage", -v_hold, 2 * T_RISE)
    g = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            segs, cur = [], 0.0
            for k in range(int(pulses[i, j])):
                ts = slot_t0[i][k] + 0.5 * T_RISE
                segs += [("floating", 0.0, ts - 2 * T_RISE - cur), rest,
                         ("voltage", -v_hold - v_write, t_on), rest]
                cur = ts + t_on + 2 * T_RISE
            tr = t_read + 0.5 * T_RISE
            segs += [("floating", 0.0, tr - 2 * T_RISE - cur), rest,
                     ("voltage", -v_hold - 0.5 * v_read[i], t_mid - tr)]
            g[i, j] = syn.simulate(segs).g[-1]
    return g


def analyse(arr: SynapseArray, res) -> dict:
    """Conservation and VMM figures of a run: dict with dq_anode (Li out of the battery's
    anode, its counter ``qa``), dq_channels, q_leak (Li through the battery's own cell: its
    self-discharge through the electronic leak and what charged Cpos, counter ``qc``) (C, all
    run start to run end; dq_anode = dq_channels + q_leak closes to ~1e-7 relative or better), li0/li1/li_min the anode's inventory (C) and
    ``anode_exhausted`` (bool: the inventory ran out during the run; writes that draw Li then
    stall, the kernel's prediction does not hold),
    theta (N, M) final, g (N, M) S from the simulated states, i_col (M,) A read mid-read-window (theta and g taken there too),
    i_expected (M,) = G^T v_read, soc0/soc1 of the battery (its cathode's state: the channels
    do not touch the cathode), q_avail0/q_avail1 the charge the battery can deliver at run
    start/end, C: min(Li inventory, room in the cathode soc Q). The channels draw on the first:
    with an anode-limited cell (small ``qli0``) every lithiating write lowers what the battery
    can deliver by its charge; a Li-excess anode shows it only once the excess is used up."""
    syn = arr.synapse
    k = int(np.searchsorted(res.time, arr.t_read + 0.5 * (arr.t_stop - arr.t_read)))
    th = np.array([[res[f"v(xc{i}_{j}.thc)"][k] for j in range(arr.m)] for i in range(arr.n)])
    if syn.n_volumes == 1:
        g = syn.conductance(th.ravel()).reshape(th.shape)
    else:                       # resolved films: the layers conduct in parallel
        prof = np.array([[[res[f"v(xc{i}_{j}.tc{q})"][k] for q in range(syn.n_volumes)]
                          for j in range(arr.m)] for i in range(arr.n)])
        g = syn.profile_conductance(prof)
    i_col = np.array([res[f"i(vd{j})"][k] for j in range(arr.m)])
    # Li counted by the battery itself (1 F integrators inside its subckt, started at 0): qa
    # what left the anode, qc what went through the cell's own electrolyte (its self-discharge
    # through the electronic leak pos-neg and what charged Cpos). Not li: the inventory (up to
    # 2 C in a 1 cm2 cell) resolves only ~1e-16 of itself, 3e-3 of a 3 x 3 array's 1.5e-13 C.
    # Not the leak current pos-neg: in ngspice that total goes through the cathode's double
    # layer, whose 1e-5 F (1 cm2) carries the Newton residue of its voltage into the sum: 4e-6
    # of the channels' charge where qc closes to 6e-8 (see microbattery_spice)
    qc = res["v(xb.qc)"]
    q_leak = float(qc[-1] - qc[0])
    qa = res["v(xb.qa)"]
    li = res["v(xb.li)"]
    q_cell = arr.battery.capacity_C
    # the anode ran dry during the run: its Li activity dropped (li below where the SPICE
    # form's exhaustion factor departs from 1; the kernel would have stopped, anode_empty)
    from lithispice.devices.microbattery_spice import EXHAUSTION_OFFSET, EXHAUSTION_WIDTH
    li_low = (EXHAUSTION_OFFSET + 20.0) * EXHAUSTION_WIDTH * q_cell
    # the balance compares both ends at the same instant (end of run): the read window still
    # moves a little Li (the read voltages shift the channels' potential)
    th_end = np.array([[res[f"v(xc{i}_{j}.thc)"][-1] for j in range(arr.m)] for i in range(arr.n)])
    return {"dq_anode": float(qa[-1] - qa[0]),
            "dq_channels": float(arr.q_channel * np.sum(th_end - arr.theta0)),
            "q_leak": q_leak, "li0": float(li[0]), "li1": float(li[-1]),
            "li_min": float(li.min()), "anode_exhausted": bool(li.min() <= li_low),
            "theta": th, "g": g, "i_col": i_col, "i_expected": g.T @ arr.v_read,
            "soc0": float(res["v(xb.soc)"][0]), "soc1": float(res["v(xb.soc)"][-1]),
            "q_avail0": min(float(li[0]), float(res["v(xb.soc)"][0]) * q_cell),
            "q_avail1": min(float(li[-1]), float(res["v(xb.soc)"][-1]) * q_cell)}


def deck_text() -> str:
    return build(4, 4).chip.deck()


def run(arr: SynapseArray, *, engine: str = "ngspice", timeout: float = 3600.0,
        progress="auto"):
    """Simulate a built array in ``engine`` ("ngspice" or "vacask"); the Result (same vector
    names in both engines) goes to :func:`analyse`. ``progress``: simulated time against
    the stop time on stderr ("auto": on a terminal only)."""
    return arr.chip.run(timeout=timeout, engine=engine, progress=progress)


def plot(arr: SynapseArray, a: dict, path, engine: str = "ngspice") -> None:
    """One figure of a run: programmed conductance map, its error against the kernel's
    prediction for each cell's schedule, the VMM column currents against G^T v, and the Li balance. Writes ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    im = ax[0].imshow(a["g"] * 1e9, cmap="viridis")
    fig.colorbar(im, ax=ax[0], label="G (nS)")
    ax[0].set_title(f"programmed G, {arr.n} x {arr.m} ({engine})")
    err = 100 * (a["g"] / arr.g_predicted - 1)
    im = ax[1].imshow(err, cmap="coolwarm", vmin=-np.abs(err).max(), vmax=np.abs(err).max())
    fig.colorbar(im, ax=ax[1], label="%")
    ax[1].set_title("G vs the kernel run of each cell's schedule")
    for k in (0, 1):
        ax[k].set_xticks(range(arr.m))
        ax[k].set_yticks(range(arr.n))
        ax[k].set_xlabel("column j")
        ax[k].set_ylabel("row i")
    j = np.arange(arr.m)
    ax[2].bar(j - 0.2, a["i_col"] * 1e9, 0.4, label=f"{engine} i(vd_j)")
    ax[2].bar(j + 0.2, a["i_expected"] * 1e9, 0.4, label="G^T v_read")
    ax[2].set_xlabel("column j")
    ax[2].set_ylabel("read current (nA)")
    resid = a["dq_anode"] - a["dq_channels"] - a["q_leak"]
    ax[2].set_title(f"VMM; Li balance residual {resid / abs(a['dq_channels']):.1e} rel.")
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    """Default: write the reference deck. ``--run N --out DIR [--engine vacask]``: build an
    N x N array, simulate it (ngspice by default), print the figures and write
    DIR/synapse_array.png."""
    import argparse
    import time
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=int, metavar="N", help="simulate an N x N array")
    ap.add_argument("--levels", type=int, default=3)
    ap.add_argument("--out", default="demo_out")
    ap.add_argument("--engine", choices=("ngspice", "vacask"),
                    help="simulator for --run (default ngspice)")
    args = ap.parse_args(argv)
    if args.engine and args.run is None:
        ap.error("--engine selects the simulator of --run N")
    if args.run is None:
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "synapse_array.cir")
        with open(out, "w", encoding="ascii", newline="\n") as fh:
            fh.write(deck_text())
        print(f"wrote {out}")
        return 0
    engine = args.engine or "ngspice"
    arr = build(args.run, args.run, levels=args.levels)
    t = time.perf_counter()
    res = run(arr, engine=engine)
    a = analyse(arr, res)
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "synapse_array.png")
    plot(arr, a, png, engine=engine)
    print(f"{arr.n} x {arr.m} synapse array: {engine} {time.perf_counter() - t:.1f} s; "
          f"G vs kernel prediction max {np.abs(a['g'] / arr.g_predicted - 1).max():.2%}; VMM vs G^T v max "
          f"{np.abs(a['i_col'] / a['i_expected'] - 1).max():.2e}; Li from the anode "
          f"{a['dq_anode']:.4e} C = channels {a['dq_channels']:.4e} C + the cell's own leak "
          f"{a['q_leak']:.2e} C (residual "
          f"{(a['dq_anode'] - a['dq_channels'] - a['q_leak']) / abs(a['dq_channels']):.1e}); "
          f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
