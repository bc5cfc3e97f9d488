"""Batch simulation: parameter sweeps and Monte Carlo runs of ngspice decks at scale.

    from lithispice.batch import run_sweep, Grid, MonteCarlo, Spread, final, instance_variation

    def deck(point):                        # point -> deck text or Chip (runs in this process)
        m = Memristor.preset("LiCoO2")
        var = instance_variation(m, (4, 4), point.rng(), ron=Spread.lognormal(0.1))
        xb = build_crossbar(m, 4, 4, r_line=point["r_line"], device_params=var, ...)
        xb.chip.tran(1e-7, 4e-6)
        return xb.chip

    res = run_sweep(deck, MonteCarlo(200, seed=1), store="mc_store",
                    extract=final("v(col0)", "v(col1)"), workers=2)   # or scheduler="tcp://..."
    res.dataset                              # xarray.Dataset, one variable per extracted value

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
from .generators import CrossbarProgramRead, DeckTemplate
from .executors import DaskExecutor, LocalExecutor, SerialExecutor
from .keys import IncludeNotFoundError
from .space import (MAX_POINTS, Choice, Grid, LogNormal, LogUniform, MonteCarlo, Normal, Point,
                    Points, Random, Space, Spread, Uniform, instance_variation, subckt_defaults)
from .store import RunRecord, Store, point_key
from .sweep import FailedPoint, SweepError, SweepResult, list_sweeps, open_sweep, run_sweep
from .worker import Final, final

__all__ = [
    "run_sweep", "open_sweep", "list_sweeps", "SweepResult", "FailedPoint", "SweepError",
    "IncludeNotFoundError", "MAX_POINTS",
    "Grid", "Points", "Random", "MonteCarlo", "Space", "Point",
    "Uniform", "LogUniform", "Normal", "LogNormal", "Choice",
    "Spread", "instance_variation", "subckt_defaults",
    "final", "Final", "Store", "RunRecord", "point_key",
    "SerialExecutor", "LocalExecutor", "DaskExecutor", "CrossbarProgramRead", "DeckTemplate",
    "ENGINES",
]
