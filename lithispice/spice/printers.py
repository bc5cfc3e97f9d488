"""SPICE printers: a :class:`~lithispice.spice.ir.Subckt` as ngspice, Xyce or LTspice text.

The device exports write their element lists in ngspice notation; the cards of every dialect
are printed from the parsed trees here (and Verilog-A in :mod:`lithispice.spice.veriloga`),
so a card never carries text the printer did not understand. The dialect differences (see
the table in :mod:`lithispice.modelcards`) live in the expression emitter
(:class:`lithispice.spice.expr._Emitter`) and in :func:`print_subckt`'s handling of the
initial states: ngspice keeps ``.ic`` inside the subckt, Xyce and LTspice put the value on
the node's one capacitor to ground.
"""
from __future__ import annotations

from .expr import _PREC, DialectError, _Emitter, _prec
from .ir import Subckt

SPICE_DIALECTS = ("ngspice", "xyce", "ltspice")


class _NgEmitter:
    """Tree -> ngspice expression text (the identity dialect: functions keep their ngspice
    names and meanings). ``braces``: wrap subckt parameters in ``{}`` (B-source context)."""

    def __init__(self, params: set, braces: bool):
        self.params = {p.lower() for p in params}
        self.braces = braces

    def wrap(self, node, min_prec, strict=False):
        text = self.emit(node)
        p = _prec(node)
        return f"({text})" if p < min_prec or (strict and p == min_prec) else text

    def emit(self, node) -> str:
        k = node[0]
        if k == "num":
            r = repr(float(node[1]))
            return r[:-2] if r.endswith(".0") else r
        if k == "name":
            if self.braces and node[1].lower() in self.params:
                return "{" + node[1] + "}"
            return node[1]
        if k == "group":
            return self.wrap(node[1], 9)
        if k == "vprobe":
            return f"v({','.join(node[1])})"
        if k == "iprobe":
            return f"i({node[1][0]})"
        if k == "neg":
            return "-" + self.wrap(node[1], 8)
        if k == "not":
            return "!" + self.wrap(node[1], 8)
        if k == "pow":
            return f"{self.wrap(node[1], 9)}**{self.wrap(node[2], 8)}"
        if k == "tern":
            return (f"{self.wrap(node[1], 2)} ? {self.wrap(node[2], 1)} : "
                    f"{self.wrap(node[3], 1)}")
        if k == "bin":
            op = node[1]
            if op == "xor":
                raise DialectError("a boolean XOR has no ngspice form")
            p = _PREC[op]
            return f"{self.wrap(node[2], p)}{op}{self.wrap(node[3], p, strict=True)}"
        if k == "call":
            return f"{node[1]}({','.join(self.emit(a) for a in node[2])})"
        raise DialectError(f"unknown expression node {k!r}")


#: the circuit temperature (degC) as each dialect's expressions name it: ngspice ``temper``,
#: Xyce ``TEMP`` (its lexer is case-insensitive and also takes ``temper``; written as its
#: manual writes it), LTspice ``temp``. Cards read it in ``.param tke`` (carddoc).
TEMPERATURE_NAME = {"ngspice": "temper", "xyce": "TEMP", "ltspice": "temp"}


def _rename_temper(tree, to: str):
    """``tree`` with every ``temper`` name written ``to``."""
    if not isinstance(tree, tuple) or not tree:
        return tree
    if tree[0] == "name":
        return ("name", to) if tree[1].lower() == "temper" else tree
    return tuple(_rename_temper(x, to) if isinstance(x, tuple)
                 else [_rename_temper(y, to) for y in x] if isinstance(x, list) else x
                 for x in tree)


def _expr(tree, dialect: str, ctx: str, params: set, where: str) -> str:
    if dialect == "ngspice":
        return _NgEmitter(params, braces=(ctx == "bsource")).emit(tree)
    if dialect == "xyce":
        tree = _rename_temper(tree, TEMPERATURE_NAME["xyce"])
    return _Emitter(dialect, ctx, params, where).emit(tree)


def _value(el, dialect, params, where) -> str:
    """An element value: a number literal as written, else a braced parameter expression."""
    if el.value[0] == "num" and el.text:
        return el.text
    return "{" + _expr(el.value, dialect, "param", params, where) + "}"


def print_subckt(sub: Subckt, dialect: str = "ngspice", name: str | None = None) -> list[str]:
    """The lines of ``sub`` in ``dialect`` (``.subckt`` .. ``.ends``), named ``name``."""
    if dialect not in SPICE_DIALECTS:
        raise DialectError(f"unknown SPICE dialect {dialect!r}; one of {SPICE_DIALECTS}")
    name = name or sub.name
    where = f"subckt {name}"
    params = set(sub.params) | set(sub.derived)
    head = [".subckt", name, *sub.pins]
    if sub.params:
        if dialect != "ltspice":
            head.append("params:")
        head += [f"{k}={_default(v, sub.param_text.get(k), dialect, params, where)}"
                 for k, v in sub.params.items()]
    out = [" ".join(head)]
    out += [f".param {k}={{{_expr(v, dialect, 'param', params, where)}}}"
            for k, v in sub.derived.items()]
    ic_on_cap = {}
    if dialect != "ngspice" and sub.ics:
        ic_on_cap = _ic_capacitors(sub, where)
    for el in sub.elements:
        k = el.kind
        if k == "*":
            out.append(f"* {el.value}")
            continue
        nodes = " ".join(el.nodes)
        if k in ("BI", "BV"):
            expr = _expr(el.value, dialect, "bsource", params, where)
            src = k[1]
            out.append(f"{el.name} {nodes} {src}={{{expr}}}" if dialect == "xyce"
                       else f"{el.name} {nodes} {src}={expr}")
        elif k in ("I", "V") and el.value is None:
            if dialect != "ngspice":
                raise DialectError(f"the random source {el.name} ({el.extra[0]}) has no "
                                   f"{dialect} form ({where})")
            out.append(f"{el.name} {nodes} dc 0 {el.extra[0]}({' '.join(el.extra[1:])})")
        elif k in ("G", "E"):
            out.append(f"{el.name} {nodes} {' '.join(el.ctrl)} {_value(el, dialect, params, where)}")
        elif k == "F":
            out.append(f"{el.name} {nodes} {el.ctrl[0]} {_value(el, dialect, params, where)}")
        else:   # R C I V
            line = f"{el.name} {nodes} {_value(el, dialect, params, where)}"
            if el.name.lower() in ic_on_cap:
                node, sign = ic_on_cap[el.name.lower()]
                ic = _expr(sub.ics[node], dialect, "param", params, where)
                ic = ic if sign > 0 else f"-({ic})"
                line += f" {'IC' if dialect == 'xyce' else 'ic'}={{{ic}}}"
            out.append(line)
    if dialect == "ngspice" and sub.ics:
        out.append(".ic " + " ".join(
            f"v({n})={{{_expr(v, dialect, 'param', params, where)}}}"
            for n, v in sub.ics.items()))
    out.append(f".ends {name}")
    return out


def _default(tree, text, dialect, params, where) -> str:
    """A parameter default: a (signed) number as written, anything else braced."""
    if text and tree[0] in ("num", "neg") and not text.startswith("{"):
        return text
    if tree[0] == "num":
        return _num(tree[1])
    if tree[0] == "neg" and tree[1][0] == "num":
        return "-" + _num(tree[1][1])
    return "{" + _expr(tree, dialect, "param", params, where) + "}"


def _num(x: float) -> str:
    return repr(float(x))


def _ic_capacitors(sub: Subckt, where: str) -> dict:
    """``{capacitor name: (node, sign)}``: the one capacitor between each .ic node and ground
    (Xyce's .IC takes numbers only; a capacitor IC is applied in every analysis)."""
    found: dict = {}
    for el in sub.devices():
        if el.kind != "C":
            continue
        a, b = el.nodes
        node = a if b == "0" and a in sub.ics else b if a == "0" and b in sub.ics else None
        if node is None:
            continue
        if any(n == node for n, _ in found.values()):
            raise DialectError(f"node {node!r} has two capacitors to ground: cannot carry its "
                               f".ic ({where})")
        found[el.name.lower()] = (node, 1 if node == a else -1)
    missing = sorted(set(sub.ics) - {n for n, _ in found.values()})
    if missing:
        raise DialectError(f".ic on node(s) {missing} without a single capacitor to ground: "
                           f"cards of this dialect need the initial value on such a capacitor "
                           f"({where})")
    return found
