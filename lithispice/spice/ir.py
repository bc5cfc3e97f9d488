"""A subcircuit as data: pins, instance parameters, derived parameters and a list of elements
whose values are expression trees (:mod:`lithispice.spice.expr`).

This is the one representation every card form is printed from. The device exports write it
in ngspice notation (the most compact way to write an element list); :func:`parse_subckt`
reads that text into a :class:`Subckt`, and the printers (Xyce / LTspice in
:mod:`lithispice.modelcards`, Verilog-A in :mod:`lithispice.spice.veriloga`) work from the
trees, never from the text. Every construct is checked on the way in: an element kind or a
value the printers cannot carry faithfully is a :class:`~lithispice.spice.expr.DialectError`
here, not a wrong card later.

Element kinds (SPICE orientation: a current source's value flows from ``nodes[0]`` through the
element to ``nodes[1]``; a voltage source fixes ``V(nodes[0]) - V(nodes[1])``)::

    R  a b value            resistor (ohm; value may depend on parameters)
    C  a b value            capacitor (F)
    G  a b c d value        linear VCCS, I = value * V(c, d)
    E  a b c d value        linear VCVS, V(a, b) = value * V(c, d)
    F  a b vctl value       linear CCCS, I = value * I(vctl)
    I  a b value            constant current
    V  a b value            constant voltage (its current is I(name), a probe for B/F)
    V  a b trrandom(...)    random telegraph source (ngspice only: no Verilog-A form)
    BI a b expr             behavioural current of node voltages and branch currents
    BV a b expr             behavioural voltage
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .expr import DialectError, _logical_lines, _PARAM_RE, parse_expression, parse_subckt_header

_BRACED = re.compile(r"^\{(.*)\}$", re.S)


@dataclass(frozen=True)
class Element:
    """One element: ``kind`` (see module doc), lower-case ``name`` with its SPICE letter,
    ``nodes`` (lower-case; ``"0"`` is ground), ``ctrl`` (controlling nodes for G/E, the
    controlling source name for F), ``value`` (an expression tree), ``context`` ("param"
    for parameter-only values, "bsource" for B expressions: their pow/pwr meanings differ),
    ``extra`` (raw tokens of constructs kept only for ngspice, e.g. trrandom arguments),
    ``text`` (the value as written, used to print plain number literals unchanged).
    ``name`` keeps the case it was written in (SPICE names are case-insensitive; compare
    lower-case). Kind ``"*"`` is a comment line (``value`` = its text), kept in place."""
    kind: str
    name: str
    nodes: tuple
    value: object
    ctrl: tuple = ()
    context: str = "param"
    extra: tuple = ()
    text: str = ""


@dataclass
class Subckt:
    """A parsed ``.subckt``: name, pins, ``params`` (instance parameters, name -> default
    tree, in order), ``derived`` (``.param`` lines, name -> tree, in order), ``elements``,
    ``ics`` (node -> initial-value tree: held during the operating point), ``comments``."""
    name: str
    pins: tuple
    params: dict
    derived: dict
    elements: list
    ics: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)
    param_text: dict = field(default_factory=dict)   # defaults as written (number literals)

    def nodes(self) -> list:
        """Internal nodes (not pins, not ground), in order of first use."""
        seen, out = set(self.pins) | {"0"}, []
        for el in self.devices():
            for n in el.nodes + (el.ctrl if el.kind in ("G", "E") else ()):
                if n not in seen:
                    seen.add(n)
                    out.append(n)
        return out

    def devices(self) -> list:
        """The elements without the comment lines."""
        return [el for el in self.elements if el.kind != "*"]

    def element(self, name: str) -> Element:
        for el in self.devices():
            if el.name.lower() == name.lower():
                return el
        raise KeyError(name)


def _value(text: str, where: str):
    """A numeric or braced parameter expression -> tree (param context)."""
    m = _BRACED.match(text.strip())
    return parse_expression(m.group(1) if m else text)


def parse_subckt(text: str, name: Optional[str] = None) -> Subckt:
    """Read the ``.subckt`` ``name`` (default: the first) of ngspice ``text`` into a Subckt."""
    hdr = parse_subckt_header(text, name)
    where = f"subckt {hdr.name}"
    sub = Subckt(hdr.name, tuple(p.lower() for p in hdr.pins),
                 {k.lower(): _value(v, where) for k, v in hdr.params.items()}, {}, [],
                 param_text={k.lower(): v for k, v in hdr.params.items()})
    inside = False
    for line in _logical_lines(text):
        s = line.strip()
        if not s:
            continue
        low = s.lower()
        if low.startswith(".subckt"):
            toks = s.split()
            inside = len(toks) > 1 and toks[1].lower() == hdr.name.lower()
            continue
        if not inside:
            continue
        if low.startswith(".ends"):
            break
        if s.startswith("*"):
            sub.comments.append(s[1:].strip())
            sub.elements.append(Element("*", "", (), s[1:].strip()))
            continue
        if low.startswith(".param"):
            for k, v in _PARAM_RE.findall(s.split(None, 1)[1]):
                sub.derived[k.lower()] = _value(v, where)
            continue
        if low.startswith(".ic"):
            for node, v in re.findall(r"v\(\s*([^)\s]+)\s*\)\s*=\s*(\{[^{}]*\}|\S+)", s, re.I):
                sub.ics[node.lower()] = _value(v, where)
            continue
        if s.startswith("."):
            raise DialectError(f"{s.split()[0]} inside a subckt is not supported ({where})")
        sub.elements.append(_element(s, where))
    return sub


def _element(s: str, where: str) -> Element:
    kind = s[0].upper()
    if kind == "B":
        m = re.match(r"(\S+)\s+(\S+)\s+(\S+)\s+([IV])\s*=\s*(.+)$", s, re.I)
        if not m:
            raise DialectError(f"cannot read B-source line {s!r} ({where})")
        tree = parse_expression(m.group(5).strip())
        return Element("B" + m.group(4).upper(), m.group(1),
                       (m.group(2).lower(), m.group(3).lower()), tree, context="bsource")
    toks = s.split()
    name = toks[0]
    if kind in "RCIV":
        if len(toks) < 4:
            raise DialectError(f"cannot read element line {s!r} ({where})")
        nodes = (toks[1].lower(), toks[2].lower())
        rest = toks[3:]
        if kind == "C" and len(rest) > 1:
            raise DialectError(f"capacitor options {rest[1:]} not supported ({where})")
        if kind in "IV" and rest[0].lower() == "dc":
            rest = rest[1:]
        joined = " ".join(rest)
        if kind in "IV" and "trrandom" in joined.lower():
            args = tuple(joined[joined.lower().index("trrandom("):].split("(", 1)[1]
                         .rsplit(")", 1)[0].split())
            return Element(kind, name, nodes, None, extra=("trrandom",) + args)
        if len(rest) != 1:
            raise DialectError(f"element {toks[0]}: value {joined!r} not supported ({where})")
        return Element(kind, name, nodes, _value(rest[0], where), text=rest[0])
    if kind in "GE":
        if len(toks) != 6:
            raise DialectError(f"behavioural or polynomial {kind} source {s!r}: write it as a "
                               f"B-source ({where})")
        return Element(kind, name, (toks[1].lower(), toks[2].lower()), _value(toks[5], where),
                       ctrl=(toks[3].lower(), toks[4].lower()), text=toks[5])
    if kind == "F":
        if len(toks) != 5:
            raise DialectError(f"cannot read F source {s!r} ({where})")
        return Element(kind, name, (toks[1].lower(), toks[2].lower()), _value(toks[4], where),
                       ctrl=(toks[3],), text=toks[4])
    raise DialectError(f"element {toks[0]!r} (kind {kind}) is not supported in cards ({where})")
