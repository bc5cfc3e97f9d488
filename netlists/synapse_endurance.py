"""Reference study: synapse array endurance -- repeated programming epochs on the Li anode of
one microbattery until the charge it can deliver or its Li reservoir is spent (issue 14, 2b).

    python netlists/synapse_endurance.py [--epochs 20000] [--period 1] [--engine ngspice]
                                         [--out demo_out]

The chip is the array of :mod:`synapse_array` (4 x 4 by default, ECRAM-WO3 channels written
by lithiating pulses, v_write < 0: every write draws Li from the battery's anode through the
gates). One co-simulation *window* is one epoch: a programming pass of the weight map, the
read (VMM) pass and 10 ms of rest (``t_relax``: the floating channels settle with the anode,
returning ~0.6 % of the epoch's Li), in the circuit engine; the *period* is the epoch period
(the time one epoch stands for, s); between circuit windows
:func:`lithispice.cosim.cosimulate` advances the battery in the C kernel. Against one long
circuit of 8 epochs (tests/test_synapse_endurance.py) the Li drawn agrees to ~0.1 %.

MODEL (what an epoch is): every epoch writes the same weight map into channels erased to
``theta_c0``; the erase is not simulated and returns no Li to this anode (the worst case for
the reservoir: every epoch's writes are paid from it). The battery's own self-discharge through
its electronic leak spends the anode too (2.8e-14 A for the (100 um)^2 cell, the same order as
the writes of a 4 x 4 epoch per second).

THE SPLIT: the gates draw Li from the anode only (ion pin): it leaves the cathode untouched,
and a Li-metal anode's potential does not depend on how much Li it holds. So the kernel's
share of a skipped stretch is exact as a *rest* of the cell (its self-discharge) plus the
replayed anode draw taken off the inventory (:class:`AnodeDrawBattery`), not as the terminal
current the driver replays for a cell that powers a load (which would fill the cathode).

EVENTS: ``anode_spent`` (the anode's Li fell below the knee where the circuit's writes stall,
:func:`synapse_array.analyse` ``anode_exhausted``), ``target_unreachable`` (a programmed
conductance off the kernel's prediction by more than ``g_tol``), the driver's ``v_min`` and
``anode_empty``; located to within one epoch.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synapse_array as sa  # noqa: E402

from lithispice.cosim import AnodeDrawBattery, cosimulate  # noqa: E402
from lithispice.errors import ParameterError  # noqa: E402
from lithispice.validate import check_int, check_number  # noqa: E402

#: defaults of the study: (100 um)^2 LiPON | LiCoO2 | Li cell with a 1 nC Li anode (an
#: anode-limited reservoir), ECRAM-WO3 channels from theta 0.02, 3 levels of -0.3 V x 1 ms
DEFAULTS = dict(n=4, m=4, levels=3, preset="ECRAM-WO3", theta_c0=0.02, v_write=-0.3,
                t_on=1e-3, t_off=0.5e-3, battery_area=1e-8, qli0=1e-9, seed=4)


class Endurance:
    """The study's chip and its hand-offs: ``window(params)`` builds one epoch with the
    battery instance ``"b"`` in the state ``params`` (soc0, soh, qli0 C, tk K); ``chip(params,
    passes, period)`` the same epoch repeated ``passes`` times, ``period`` s apart, each on its
    own erased copy of the array (the brute-force reference: one long circuit);
    ``battery`` the :class:`AnodeDrawBattery`; ``predicate`` the events of a window."""

    def __init__(self, n=4, m=4, *, levels=3, preset="ECRAM-WO3", theta_c0=0.02,
                 v_write=-0.3, t_on=1e-3, t_off=0.5e-3, battery_area=1e-8, qli0=1e-9, seed=4,
                 t_relax=0.01, g_tol=0.02, synapse=None, battery=None):
        from lithispice.devices.synapse import Synapse
        self.g_tol = check_number("g_tol", g_tol, 0, 1, lo_open=True)
        self.qli0 = check_number("qli0", qli0, 0, lo_open=True, unit="C")
        self.t_on, self.t_off = t_on, t_off
        # after the read the floating channels keep exchanging Li with the anode until their
        # interfaces are at rest (tau ~1.5 ms, 10 ms: within 0.3 % of the total; ~0.6 % of an
        # epoch's Li returns): the window holds that rest, the kernel's idle has no channels
        self.t_relax = check_number("t_relax", t_relax, 0, 10, unit="s")
        syn = synapse or Synapse.preset(preset, theta_c0=theta_c0)
        # the map of pulses, the kernel's prediction and the read window (sa.build's plan)
        self.plan = sa.build(n, m, synapse=syn, battery=battery, levels=levels,
                             v_write=v_write, t_on=t_on, t_off=t_off, qli0=qli0,
                             battery_area=battery_area, seed=seed)
        p = self.plan
        if not np.any(p.pulses > 0):
            raise ParameterError("levels", levels, "a weight map with at least one pulse")
        from lithispice.devices.microbattery_spice import EXHAUSTION_OFFSET, EXHAUSTION_WIDTH
        #: C, the inventory below which synapse_array.analyse flags the anode exhausted
        self.li_knee = (EXHAUSTION_OFFSET + 20.0) * EXHAUSTION_WIDTH * p.battery.capacity_C
        self.battery = AnodeDrawBattery("b", p.battery, current=None, li_stop=0.0)

    # --- chips ---------------------------------------------------------------------------
    @property
    def window_length(self) -> float:
        """s, one epoch in the circuit (programming, read, t_relax of rest)."""
        return self.plan.t_stop + self.t_relax

    def chip(self, params: dict, passes: int = 1, period: float | None = None,
             t_end: float | None = None):
        """The circuit of ``passes`` epochs, ``period`` s apart (default: back to back),
        simulated until ``t_end`` s (default: the end of the last epoch's window)."""
        from lithispice.netlist import Chip
        p, T = self.plan, self.window_length
        passes = check_int("passes", passes, 1, 1000)
        period = T if period is None else check_number("period", period, T, unit="s")
        last = T + (passes - 1) * period
        t_end = last if t_end is None else check_number("t_end", t_end, last, unit="s")
        c = Chip(f"synapse array {p.n}x{p.m} on a LiPON LiCoO2 Li microbattery reservoir"
                 if passes == 1 else f"synapse array {p.n}x{p.m}, {passes} epochs")
        c.add("b", p.battery, params=dict(params), pos="bpos", neg="bneg", ion="bion")
        c.vsource("neg", "bneg", "0", dc=-p.v_hold)
        c.capacitor("pos", "bpos", "0", p.c_pos)
        for k in range(passes):
            self._copy(c, "" if k == 0 else f"p{k}", k * period, t_end)
        c.options(reltol=1e-6, abstol=1e-15, method="gear")
        c.tran(self.t_on / 4, t_end, tmax=self.t_on / 4)
        return c

    def _copy(self, c, sfx, t0, t_end):
        """One erased copy of the array whose epoch starts at t0 (s): the schedule of
        synapse_array.build shifted by t0 (names suffixed ``sfx``)."""
        p, t_on, t_off, T = self.plan, self.t_on, self.t_off, sa.T_RISE
        n, m = p.n, p.m
        sel = 2 * T
        rs, cs, sl, dl = [[] for _ in range(n)], [[] for _ in range(m)], [[] for _ in range(n)], []
        t = t0 + t_off
        for i in range(n):
            for k in range(int(p.pulses[i].max())):
                a, b = t, t + t_on
                rs[i].append((a - sel, b + sel, 1.0))
                sl[i].append((a, b, p.v_write))
                dl.append((a, b, p.v_write))
                for j in range(m):
                    if p.pulses[i, j] > k:
                        cs[j].append((a - sel, b + sel, 1.0))
                t += t_on + t_off
        t_read = t0 + p.t_read
        t_stop = t0 + p.t_stop
        for i in range(n):
            rs[i].append((t_read - sel, t_stop - 2 * T, 1.0))
            sl[i].append((t_read, t_stop - 4 * T, float(p.v_read[i])))
        for j in range(m):
            cs[j].append((t_read - sel, t_stop - 2 * T, 1.0))
        sw = sa.AccessSwitch()
        for i in range(n):
            c.vsource(f"s{i}{sfx}", f"sl{i}{sfx}", "0", pwl=sa._pwl(sl[i], t_end, split=True))
            c.vsource(f"rs{i}{sfx}", f"rs{i}{sfx}", "0", pwl=sa._pwl(rs[i], t_end))
        for j in range(m):
            c.vsource(f"d{j}{sfx}", f"dl{j}{sfx}", "0",
                      pwl=sa._pwl(dl, t_end, split=True) if dl else None)
            c.vsource(f"cs{j}{sfx}", f"cs{j}{sfx}", "0", pwl=sa._pwl(cs[j], t_end))
        for i in range(n):
            for j in range(m):
                s, d = f"s{i}_{j}{sfx}", f"d{i}_{j}{sfx}"
                c.add(f"c{i}_{j}{sfx}", p.synapse, s=s, d=d, g="bneg", ion="bion")
                c.add(f"a{i}_{j}s{sfx}", sw, a=f"sl{i}{sfx}", b=s, r=f"rs{i}{sfx}",
                      c=f"cs{j}{sfx}")
                c.add(f"a{i}_{j}d{sfx}", sw, a=d, b=f"dl{j}{sfx}", r=f"rs{i}{sfx}",
                      c=f"cs{j}{sfx}")
                c.capacitor(s, s, "0", 1e-15)
                c.capacitor(d, d, "0", 1e-15)

    def window(self, params: dict):
        """One epoch (a SynapseArray whose ``chip`` has the battery in state ``params``)."""
        return replace(self.plan, chip=self.chip(params), qli0=float(params["qli0"]))

    def predicate(self, run):
        """Events of one circuit epoch: 'anode_spent' (the anode's Li reached the knee of
        exhaustion during the writes), 'target_unreachable' (a programmed G off the kernel's
        prediction by more than g_tol); None otherwise."""
        a = sa.analyse(run.built, run.result)
        if a["anode_exhausted"]:
            return "anode_spent"
        if np.max(np.abs(a["g"] / run.built.g_predicted - 1)) > self.g_tol:
            return "target_unreachable"
        return None

    def q_epoch(self, res) -> float:
        """C, Li the gates of one circuit epoch took from the anode (its counter qa less the
        cell's own self-discharge counter qc)."""
        qa, qc = res["v(xb.qa)"], res["v(xb.qc)"]
        return float(qa[-1] - qa[0] - (qc[-1] - qc[0]))

    def run(self, epochs: int, period: float = 1.0, *, engine="ngspice", qli0=None,
            margin_epochs: float = 3.0, **kw):
        """Co-simulate ``epochs`` epochs ``period`` s apart (or until an event). The kernel
        hands the last ~``margin_epochs`` epochs before the exhaustion knee to the circuit.
        Returns the Dataset of :func:`lithispice.cosim.cosimulate` with attrs ``epoch_period``,
        ``q_epoch`` (C, the first epoch's Li draw through the gates), ``li_knee`` (C)."""
        epochs = check_int("epochs", epochs, 1, 10 ** 9)
        period = check_number("period", period, self.window_length, unit="s")
        qli0 = self.qli0 if qli0 is None else check_number("qli0", qli0, 0, lo_open=True,
                                                           unit="C")
        # Li one epoch costs (writes + the period's self-discharge), for the stop margin
        q1 = self.q_epoch(self.chip({"soc0": 1.0, "qli0": qli0}).run(engine=engine))
        leak = 4.2 / self.plan.battery.r_leak if self.plan.battery.r_leak > 0 else 0.0
        stop = self.li_knee + margin_epochs * (abs(q1) + leak * period)
        bat = replace(self.battery, li_stop=stop)
        kw.setdefault("idle_current", 0.0)      # the channels float between epochs
        ds = cosimulate(self.window, bat, period=period, horizon=epochs * period,
                        engine=engine, soc0=1.0, qli0=qli0, predicate=self.predicate, **kw)
        ds.attrs.update(epoch_period=period, q_epoch=q1, li_knee=self.li_knee, li_stop=stop,
                        array=f"{self.plan.n}x{self.plan.m}")
        return ds


def q_avail(ds, capacity_C: float) -> np.ndarray:
    """C, the charge the battery can still deliver: min(Li inventory, soc soh Q)."""
    return np.minimum(ds.li.values, ds.soc.values * ds.soh.values * capacity_C)


def plot(ds, path, capacity_C: float) -> None:
    """Li inventory against epochs, SOC / deliverable charge and voltage against calendar
    time, and the window schedule (which epochs ran in the circuit). Writes ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    P = ds.attrs["epoch_period"]
    t = ds.time.values
    ep = t / P
    fig, ax = plt.subplots(2, 2, figsize=(12, 7.5))
    a = ax[0, 0]
    a.plot(ep, ds.li.values * 1e9, "-", color="C0", label="Li inventory")
    w = ds.kind.values == "window"
    a.plot(ep[w], ds.li.values[w] * 1e9, "o", ms=3, color="C3", label="circuit epoch ends")
    a.axhline(ds.attrs["li_knee"] * 1e9, ls=":", color="k", label="exhaustion knee")
    a.set_xlabel("epoch")
    a.set_ylabel("anode Li (nC)")
    a.set_title(f"{ds.attrs['array']} array, {ds.attrs['engine']}: "
                f"event {ds.attrs['event'] or 'none'}")
    a.legend(fontsize=8)
    h = t / 3600.0
    a = ax[0, 1]
    a.plot(h, ds.soc.values, color="C1", label="SOC")
    a.set_xlabel("calendar time (h)")
    a.set_ylabel("SOC")
    b = a.twinx()
    b.plot(h, q_avail(ds, capacity_C) * 1e9, color="C0", ls="--",
           label="deliverable charge min(Li, SOC Q)")
    b.set_ylabel("deliverable charge (nC)")
    a.legend(loc="lower left", fontsize=8)
    b.legend(loc="upper right", fontsize=8)
    a = ax[1, 0]
    a.plot(h, ds.ocv.values, label="OCV (mean SOC)")
    vw = ds.v_end.values.copy()
    a.plot(h[w], vw[w], "o", ms=3, label="terminal V at circuit epoch ends")
    a.set_xlabel("calendar time (h)")
    a.set_ylabel("V")
    a.legend(fontsize=8)
    a = ax[1, 1]
    rt = ds.run_time.values / 3600.0
    purpose = ds.run_purpose.values
    for kind, col in (("window", "C2"), ("bisect", "C3")):
        s = purpose == kind
        a.plot(rt[s], np.nonzero(s)[0], "o", ms=4, color=col, label=f"circuit run ({kind})")
    sk = ds.kind.values == "skip"
    for t1, k in zip(t[sk], ds.periods.values[sk]):
        a.axvspan((t1 - k * P) / 3600.0, t1 / 3600.0, color="0.85")
    a.set_xlabel("calendar time (h)  (grey: epochs the kernel advanced)")
    a.set_ylabel("circuit run #")
    a.set_title(f"{ds.attrs['n_circuit_runs']} circuit runs for {ds.attrs['n_periods']} epochs")
    a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20000, help="epochs to simulate at most")
    ap.add_argument("--period", type=float, default=1.0, help="epoch period, s")
    ap.add_argument("--qli0", type=float, default=DEFAULTS["qli0"], help="anode Li, C")
    ap.add_argument("--engine", choices=("ngspice", "vacask"), default="ngspice")
    ap.add_argument("--out", default="demo_out")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    study = Endurance(qli0=args.qli0)
    ds = study.run(args.epochs, args.period, engine=args.engine)
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "synapse_endurance.png")
    plot(ds, png, study.plan.battery.capacity_C)
    nc = os.path.join(args.out, "synapse_endurance.nc")
    from lithispice.engines.ncio import to_netcdf
    to_netcdf(ds.assign(kind=ds.kind.astype(str), run_purpose=ds.run_purpose.astype(str)), nc)
    a = ds.attrs
    ev = a["event"] or "none"
    at = (f" at epoch {a['period_event']} ({a['t_event'] / 3600:.3g} h)"
          if a["event"] else "")
    print(f"{a['array']} synapse array, epoch {a['epoch_period']:g} s, anode {args.qli0:.3g} C: "
          f"event {ev}{at}; {a['n_periods']} epochs, {a['n_circuit_runs']} circuit runs "
          f"({a['engine_s']:.1f} s {a['engine']}), {time.perf_counter() - t0:.1f} s wall; "
          f"Li per epoch through the gates {a['q_epoch']:.3e} C; Li ledger "
          f"{a['li_window']:.3e} (circuit) + {a['li_kernel']:.3e} (kernel) = "
          f"{a['li_total']:.3e} C; wrote {png}, {nc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
