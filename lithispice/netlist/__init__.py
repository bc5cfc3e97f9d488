"""Netlist builder: :class:`Chip` (a checked circuit graph that emits an ngspice deck) and
:func:`build_crossbar` (a vector-matrix-multiplication array with wire resistance)."""
from .chip import Chip, Element
from .crossbar import READOUTS, Crossbar, build_crossbar, ideal_vmm

__all__ = ["Chip", "Element", "Crossbar", "build_crossbar", "ideal_vmm", "READOUTS"]
