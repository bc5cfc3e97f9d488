"""Batch simulation: parameter sweeps and Monte Carlo runs of ngspice decks at scale.

    import numpy as np
    from lithispice import Memristor
    from lithispice.batch import MonteCarlo, Spread, final, instance_variation, run_sweep
    from lithispice.netlist import build_crossbar

    def deck(point):                        # point -> deck text or Chip
        m = Memristor.preset("LiCoO2")
        var = instance_variation(m, (2, 2), point.rng(), ron=Spread.lognormal(0.1))
        var["w0"] = np.ones((2, 2))          # every cell set: the read sees r_on
        xb = build_crossbar(m, 2, 2, r_line=1.0, device_params=var,
                            row_sources=[0.2, 0.2])           # read every row at 0.2 V
        xb.chip.tran(1e-7, 1e-6)
        return xb.chip

    if __name__ == "__main__":              # local pools start fresh worker processes
        res = run_sweep(deck, MonteCarlo(8, seed=1), store="mc_store",
                        extract=final("v(col0)", "v(col1)"), workers=2)
        ds = res.dataset                     # xarray.Dataset over dimension "point"
        print(ds["v(col0)"].values)          # V, ~ 100 ohm x (0.2 V/r_on[0,0] + 0.2 V/r_on[1,0])
        print(ds["r_on"].sel(col=0).values)  # ohm: what each point drew, dims (point, row, col)

A Dataset holds one variable per extracted value (named as extracted: ``v(col0)``, the
API's vector names), the swept parameters and ``seed`` / ``key`` as coordinates, the
points' ``status`` and errors, and what each point *drew* (:mod:`.draws`: ``r_on`` in ohm
over ``row``, ``col``). Array-valued extractions get named dimensions
(``final(i_col=[...], dims={"i_col": "col"})``, ``run_sweep(dims=...)``, or an
``xarray.DataArray`` returned by the extraction).

Each point is one ``ngspice -b`` run (:func:`lithispice.engines.run_deck`) -- or, with
``engine="vacask"``, one VACASK run of the point's Chip (:func:`lithispice.engines.run_vacask`,
see :mod:`.engine`) -- in a worker process: a local pool by default, a Dask ``distributed``
cluster given a scheduler address. Every finished run is stored atomically on disk
(:mod:`.store`), keyed by a hash of its deck (with the files it includes), parameters,
engine and extraction code: calling ``run_sweep``
again resumes an interrupted sweep and reruns only missing or failed points. Seeds per
point come from the master seed and the point's index (:mod:`.space`), so results are
identical locally and on a cluster.
"""
from .engine import ENGINES
from .fromconfig import run_config
from .generators import CrossbarProgramRead, DeckTemplate
from .executors import DaskExecutor, LocalExecutor, SerialExecutor
from .keys import IncludeNotFoundError
from .space import (MAX_POINTS, Choice, Grid, LogNormal, LogUniform, MonteCarlo, Normal, Point,
                    Points, Random, Space, Spread, Uniform, instance_variation, subckt_defaults)
from .store import RunRecord, Store, point_key
from .sweep import (FailedPoint, SweepError, SweepResult, api_name, list_sweeps, open_sweep,
                    run_sweep)
from .worker import Final, final

__all__ = [
    "run_sweep", "open_sweep", "list_sweeps", "SweepResult", "FailedPoint", "SweepError",
    "api_name", "run_config",
    "IncludeNotFoundError", "MAX_POINTS",
    "Grid", "Points", "Random", "MonteCarlo", "Space", "Point",
    "Uniform", "LogUniform", "Normal", "LogNormal", "Choice",
    "Spread", "instance_variation", "subckt_defaults",
    "final", "Final", "Store", "RunRecord", "point_key",
    "SerialExecutor", "LocalExecutor", "DaskExecutor", "CrossbarProgramRead", "DeckTemplate",
    "ENGINES",
]
