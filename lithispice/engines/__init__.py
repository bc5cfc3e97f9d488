"""Simulation engines: batch ngspice subprocess (default) and PySpice shared library.

``run_deck(deck)`` runs a complete SPICE deck and returns a :class:`Result`;
``run_deck_shared(deck)`` does the same through libngspice in a child process;
``read_raw(path)`` reads an ngspice raw file into :class:`Plot` objects.
"""
from .batch import run_deck
from .raw import read_raw
from .result import Plot, Result
from .shared import run_deck_shared

__all__ = ["run_deck", "run_deck_shared", "Result", "Plot", "read_raw"]
