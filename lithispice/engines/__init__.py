"""Simulation engines: batch ngspice subprocess (default) and PySpice shared library.

``run_deck(deck)`` runs a complete SPICE deck and returns a :class:`Result`;
``run_deck_shared(deck)`` does the same through libngspice in a child process;
``read_raw(path)`` reads an ngspice raw file into :class:`Plot` objects;
``run_vacask(chip)`` runs a Chip with the second engine, VACASK, into the same Result.
Views of a Result: ``res.to_xarray()`` (units as attributes), ``res.to_netcdf(path)`` /
``open_netcdf(path)`` (vector names kept: ``v(col0)``, ``i(vin)``, ``v(x1.w)``), and
``res.plot("v(out)", "i(vdd)")`` (matplotlib, one axis per unit). ``progress=True`` on
``run_deck`` / ``run_vacask`` / ``Chip.run`` shows the simulated time with an ETA.
"""
from .batch import run_deck
from .ncio import open_netcdf
from .raw import read_raw
from .result import Plot, Result
from .shared import run_deck_shared
from .vacask import run_vacask

__all__ = ["run_deck", "run_deck_shared", "run_vacask", "Result", "Plot", "read_raw",
           "open_netcdf"]
