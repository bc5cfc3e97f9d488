"""What a card's header tells a designer: pin order and polarity, the internal nodes worth
probing, and the temperature rule -- written once per family (``PINS`` / ``PROBES`` in
``lithispice/devices/<family>_spice.py``) and printed into every card form (ngspice, Xyce,
LTspice libraries by :mod:`lithispice.modelcards`, Verilog-A by :mod:`lithispice.spice.veriloga`)
together with the instance parameters of the family's :class:`~lithispice.spice.params.ParamTable`.

Temperature rule of every card with an instance parameter ``tk`` (K): ``tk = 0`` (the default)
means "the circuit temperature" -- ngspice ``temper`` (set by ``.temp`` / ``.options temp``,
degC), Xyce ``TEMP``, LTspice ``temp``, Verilog-A ``$temperature`` (K) -- and ``tk > 0`` sets the
instance's own temperature. The card computes the temperature it uses once per instance:
:data:`TEMPERATURE_PARAM` (``.param tke={tk > 0 ? tk : temper + 273.15}``) and every thermally
activated ``.param`` reads ``tke``.
"""
from __future__ import annotations

from dataclasses import dataclass

#: the instance parameter (override, K; 0 = circuit temperature) and the derived one (K)
TK = "tk"
TKE = "tke"
#: ngspice ``.param`` line of the temperature a card uses, K (``temper`` is in degC)
TEMPERATURE_PARAM = f".param {TKE}={{{TK} > 0 ? {TK} : temper + 273.15}}"


def at_temperature(text: str, kelvin: float) -> str:
    """``text`` (subckt text) with the temperature rule resolved for a circuit at ``kelvin``:
    ``.param tke={tk > 0 ? tk : <kelvin>}``. The same values as the card at ``.temp
    <kelvin - 273.15>``, but no ``temper``: ngspice 39 inlines every .param that reads
    ``temper`` into each B-source expression (and turns such resistors into B-sources), which
    doubled the run time of netlists/crossbar.cir (8 x 8 memristors, 0.3 -> 0.9 s) and of
    netlists/synapse_array.cir (0.54 -> 1.0 s). Chip decks, whose
    temperature is known when they are written, use this; the card files keep ``temper``."""
    from .names import fmt
    return text.replace(TEMPERATURE_PARAM + "\n",
                        f".param {TKE}={{{TK} > 0 ? {TK} : {fmt(float(kelvin))}}}\n")


@dataclass(frozen=True)
class Pin:
    """A subcircuit pin: ``name`` as on the ``.subckt`` line, ``doc``: what it is and which
    sign does what (one sentence, ASCII)."""
    name: str
    doc: str


@dataclass(frozen=True)
class Probe:
    """An internal node worth probing: ``node`` (``v(x1.<node>)`` in ngspice), ``unit`` of its
    voltage ("1" = dimensionless: the voltage IS the quantity), ``doc`` its meaning, ``when``:
    the cards that have it ("" = every card of the family)."""
    node: str
    unit: str
    doc: str
    when: str = ""


#: how each form names the internal node ``w`` of instance ``X1`` (VACASK and OSDI-ngspice
#: report the Verilog-A internal nodes under the same hierarchical name)
PROBE_SYNTAX = {"ngspice": "v(x1.{n})", "xyce": "V(X1:{n})", "ltspice": "V(x1:{n})",
                "veriloga": "v(x1.{n}) in VACASK"}


def temperature_lines(table, dialect: str = "ngspice") -> list[str]:
    """The temperature rule as comment lines (no comment prefix) for ``table``'s family:
    the ``tk`` rule when the table has a temperature instance parameter, else []."""
    rows = [r for r in table.spice_rows() if r.temperature] if table is not None else []
    if not rows:
        return []
    var = {"ngspice": "temper, set by .temp or .options temp (degC)",
           "xyce": "TEMP, set by .OPTIONS DEVICE TEMP= (degC)",
           "ltspice": "temp, set by .temp or .options temp (degC)",
           "veriloga": "$temperature (VACASK: options temp=degC)"}[dialect]
    tk = rows[0].spice
    return [f"Temperature: {tk} = 0 (the default) = the circuit temperature: {var}.",
            f"  {tk} > 0 = this instance's own temperature in K (e.g. {tk}=350), whatever the "
            "circuit's.",
            f"  Rates, conductivities and exchange currents are evaluated once per instance at "
            f"it (.param {TKE}).",
            "  SPICE's default circuit temperature is 27 degC = 300.15 K; lithispice's kernels "
            "and Chip default to 298.15 K (.temp 25)."] + ([
            f"  Speed: ngspice 39 inlines .params that read temper into every B-source (the "
            f"crossbar and synapse-array decks of netlists/ ran 2x slower); at a fixed "
            f"temperature, write it in K in place of 'temper + 273.15' on the .param {TKE} "
            f"line (lithispice's Chip does)."]
            if dialect == "ngspice" else [])


def header_lines(table, pins, probes, dialect: str = "ngspice", pin_note: str = "") -> list[str]:
    """Documentation lines (no comment prefix) of one family: pins in order with their
    polarity, every instance parameter (name, unit, allowed range, meaning), the probe nodes
    and the temperature rule. ``pin_note``: a line after the pins (e.g. the temperature pin)."""
    out = ["Pins, in order (X1 " + " ".join(p.name for p in pins) + " <card> ...):"]
    width = max(len(p.name) for p in pins)
    out += [f"  {p.name:<{width}}  {p.doc}" for p in pins]
    if pin_note:
        out.append(f"  {pin_note}")
    if table is not None and table.spice_rows():
        where = ("parameter declarations below" if dialect == "veriloga"
                 else "card's .subckt line")
        out.append("Instance parameters (name, unit, allowed range, meaning; defaults: each "
                   f"{where}):")
        out += [f"  {line}" for line in table.doc_lines()]
    if probes:
        example = PROBE_SYNTAX[dialect].format(n=probes[0].node)
        out.append(f"Probe nodes (instance X1: {example}; unit of the node voltage, "
                   "1 = the voltage is the quantity itself):")
        width = max(len(p.node) for p in probes)
        for p in probes:
            when = f" [{p.when}]" if p.when else ""
            out.append(f"  {p.node:<{width}}  {p.unit:<4} {p.doc}{when}")
    out += temperature_lines(table, dialect)
    return out


def family_doc(family):
    """``(table, pins, probes, pin_note)`` of a device family class: its ``PARAMS`` table and
    the ``PINS``, ``PROBES`` (and optional ``PIN_NOTE``) of its ``<family>_spice`` module."""
    import importlib
    table = getattr(family, "PARAMS", None)
    mod = importlib.import_module(family.__module__ + "_spice")
    return table, mod.PINS, mod.PROBES, getattr(mod, "PIN_NOTE", "")
