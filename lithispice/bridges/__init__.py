"""Bridges to the circuit tools designers already use.

:mod:`lithispice.bridges.pyspice`: a device as a PySpice ``SubCircuit``
(``device.pyspice_subcircuit()``) and a Chip as a PySpice ``Circuit`` (``chip.to_pyspice()``).

spicelib needs no bridge: ``Chip.deck()`` writes decks its ``SpiceEditor`` opens, edits and
saves unchanged (a ``.title`` first line, one card per line), and its ``SimRunner`` and
``RawRead`` read our runs.
"""
