"""What a co-simulation keeps: one row per segment (a circuit window, an idle remainder, a
skipped stretch) with the battery's slow states at its end, the schedule of circuit runs, the
charge ledger and the event; returned as an xarray Dataset.

Dataset (SI units; dim ``time``: end of each segment, s; dim ``run``: circuit runs):
  soc, li (C), soh, ocv (V, at the mean soc), v_end (V, terminal voltage at the segment's
  end), kind ("start", "window", "idle", "skip"), periods (periods the segment covers),
  charge (C, terminal), li_out (C, Li out of the anode incl. self-discharge), and for windows
  (NaN otherwise) energy (J), i_mean, i_rms, i_peak (A), v_min (V);
  run_period, run_time (s, calendar start), run_purpose ("window" or "bisect"), run_wall (s,
  cumulative engine time).
attrs: event ("" if none), t_event (s, NaN if none), period_event, the ledger (q_window,
  q_kernel: terminal charge C of circuit windows and of kernel segments; li_window,
  li_kernel, li_total: Li out of the anode C; li_bound_start/end: Li the cell holds, which
  changes only by li_op, the Li the circuit's operating points put into the double layer),
  n_periods, n_circuit_windows, n_circuit_runs, wall_s, engine_s and the settings.
"""
from __future__ import annotations

import numpy as np

_WINDOW_FIGS = ("energy", "i_mean", "i_rms", "i_peak", "v_min")


class Recorder:
    def __init__(self, battery, period, state):
        self.b, self.period = battery, period
        self.rows: list[dict] = []
        self.runs: list[tuple] = []
        self.ledger = dict(q_window=0.0, q_kernel=0.0, li_window=0.0, li_kernel=0.0, li_op=0.0)
        self.ev = ("", float("nan"), -1)
        self.li0, self.bound0 = battery.li(state), battery.bound_li(state)
        self.state = state
        self._row(0.0, "start", 0, state, 0.0, 0.0, float("nan"), {})

    def _row(self, t, kind, periods, state, charge, li_out, v_end, figs):
        b = self.b
        row = dict(time=float(t), kind=kind, periods=int(periods), soc=b.soc(state),
                   li=b.li(state), soh=b.soh(state), ocv=b.ocv(state), v_end=float(v_end),
                   charge=float(charge), li_out=float(li_out))
        row.update({k: float(figs.get(k, np.nan)) for k in _WINDOW_FIGS})
        self.rows.append(row)
        self.state = state

    def run(self, n, purpose, wall):
        self.runs.append((int(n), n * self.period, purpose, float(wall)))

    def window(self, run, state):
        d = run.draw
        self.ledger["q_window"] += d.charge
        self.ledger["li_window"] += d.li_out
        self.ledger["li_op"] += run.li_op
        self._row(run.t + d.duration, "window", 1, state, d.charge, d.li_out, d.v_end,
                  d.summary())

    def kernel(self, t, periods, state, info, kind):
        self.ledger["q_kernel"] += info["charge"]
        self.ledger["li_kernel"] += info["li_out"]
        self._row(t, kind, periods, state, info["charge"], info["li_out"], info["v_end"], {})

    def event(self, name, t, n):
        self.ev = (name, float(t), int(n))

    def mark(self):
        return len(self.rows), dict(self.ledger), self.state

    def rollback(self, mark):
        n, ledger, state = mark
        del self.rows[n:]
        self.ledger, self.state = dict(ledger), state

    def dataset(self, **attrs):
        import xarray as xr
        cols = {k: np.array([r[k] for r in self.rows]) for k in self.rows[0]}
        t = cols.pop("time")
        units = dict(soc="1", li="C", soh="1", ocv="V", v_end="V", charge="C", li_out="C",
                     energy="J", i_mean="A", i_rms="A", i_peak="A", v_min="V", periods="1")
        data = {k: ("time", v.astype(object) if k == "kind" else v, {"units": units.get(k, "")})
                for k, v in cols.items()}
        runs = list(zip(*self.runs)) if self.runs else [(), (), (), ()]
        data["run_period"] = ("run", np.array(runs[0], dtype=int))
        data["run_time"] = ("run", np.array(runs[1], dtype=float), {"units": "s"})
        data["run_purpose"] = ("run", np.array(runs[2], dtype=object))
        data["run_wall"] = ("run", np.array(runs[3], dtype=float), {"units": "s"})
        ds = xr.Dataset(data, coords={"time": ("time", t, {"units": "s"})})
        kinds = cols["kind"]
        n_periods = int(cols["periods"].sum())
        ds.attrs.update(
            event=self.ev[0], t_event=self.ev[1], period_event=self.ev[2], period=self.period,
            **self.ledger, li_total=self.li0 - self.b.li(self.state),
            li_bound_start=self.bound0, li_bound_end=self.b.bound_li(self.state),
            n_periods=n_periods, n_circuit_windows=int(np.sum(kinds == "window")),
            n_circuit_runs=len(self.runs), battery=self.b.instance,
            wall_s=attrs.pop("wall"), engine_s=attrs.pop("circuit_wall"), **attrs)
        return ds
