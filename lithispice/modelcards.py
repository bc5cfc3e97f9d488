"""Model cards for EDA flows: every device family's presets as ngspice, Xyce and LTspice
subcircuit libraries, generated from the device models (``lithispice export --out models``).

Layout written by :func:`export`::

    models/README.md                 what the cards are and how to use them (generated)
    models/ngspice/<family>.lib      one .subckt per preset, native ngspice syntax
    models/xyce/<family>.lib         the same cards translated for Xyce
    models/ltspice/<family>.lib      the same cards translated for LTspice

Card names are the device's subckt name without its parameter hash (``lsm_LiCoO2``), so a
flow can refer to a preset by a stable name; every physical parameter stays an overridable
subckt parameter (``X1 a b lsm_LiCoO2 w0=0.5 ron=2e4``).

**Dialect translation** is a text transform of the ngspice card, done here (the device
modules emit ngspice only). Expressions are parsed into a tree and written back in the
target's syntax, because the differences are semantic, not just spelling (all checked
against the simulators' manuals; ngspice 39's behaviour measured here):

==================  ===================================  ========================  =======================
ngspice 39          meaning                              Xyce                      LTspice
==================  ===================================  ========================  =======================
``{p}`` in B expr   numparam substitution                ``I={... p ...}`` (one    ``I=... p ...`` (no
                                                         brace pair, required)     braces)
``.ic v(w)={w0}``   hold node during the op, release     ``IC={w0}`` on the        ``ic={w0}`` on the
inside .subckt      in tran                              node's capacitor (Xyce    node's capacitor (applied
                                                         .IC takes numbers only,   to the op since LTspice 24;
                                                         the capacitor IC is       XVII applies it only with
                                                         "never ignored")          ``uic``)
``params:``         subckt parameter list                kept (``PARAMS:``)        dropped (``name=val``
                                                                                   pairs on the line)
``log(x)``          natural log                          ``ln`` (Xyce LOG is       ``ln``
                                                         base 10)
``a**b``, ``a^b``   abs(a)**b                            ``pow(abs(a),b)`` (Xyce   ``pwr(a,b)`` (``^`` is
                                                         ``^`` is XOR)             XOR)
B ``pow(a,b)``      abs(a)**b                            ``pow(abs(a),b)``         ``pwr(a,b)``
B ``pwr(a,b)``      sgn(a)*abs(a)**b                     ``pwrs(a,b)``             ``pwrs(a,b)``
.param ``pow``      C pow (real)                         ``pow(a,b)``              ``pow(a,b)``
.param ``pwr``      abs(a)**b                            ``pow(abs(a),b)``         ``pwr(a,b)``
``u(x)``, ``u2(x)`` step, clamp to [0,1]                 ``stp(x)``,               ``u(x)``,
                                                         ``limit(x,0,1)``          ``limit(x,0,1)``
``pwl(x,...)``      piecewise linear, *linear            ``table(x,...)`` + two    ``table(x,...)`` + two
                    extrapolation* beyond the ends       far points that carry     far points (table clamps
                                                         the end slopes            at its ends)
``c ? a : b``       conditional                          ``c ? a : b``             ``if(c,a,b)``
``&&`` ``||`` ``!`` logic                                ``&`` ``|`` ``~``         ``&`` ``|`` ``!``
==================  ===================================  ========================  =======================

Random functions (``gauss``, ``agauss``, ``unif``, ``aunif``, ``limit(nom,var)``) and
anything not in these tables raise :class:`DialectError` naming the construct: a card is
never written with a meaning the target simulator would read differently.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .errors import LithispiceError, ParameterError
from .spice.names import check_name

__all__ = ["DIALECTS", "DialectError", "key_parameters", "SubcktHeader", "parse_subckt_header", "card_name",
           "translate", "translate_expression", "family_file", "generate", "export",
           "check_models", "testbench", "parse_expression", "evaluate", "card_files"]

DIALECTS = ("ngspice", "xyce", "ltspice")
_HEX_SUFFIX = re.compile(r"_[0-9a-f]{6,}$")


class DialectError(LithispiceError, ValueError):
    """A construct of an ngspice card that has no faithful translation in a dialect."""


# ==================================================================== subckt header
@dataclass(frozen=True)
class SubcktHeader:
    name: str
    pins: tuple[str, ...]
    params: dict          # name -> default value text (in order)


def _logical_lines(text: str) -> list[str]:
    """Lines with '+' continuations joined (SPICE continuation)."""
    out: list[str] = []
    for raw in text.splitlines():
        s = raw.rstrip()
        if s.lstrip().startswith("+") and out:
            out[-1] = out[-1] + " " + s.lstrip()[1:].strip()
        else:
            out.append(s)
    return out


_PARAM_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\{[^{}]*\}|[^\s=]+)")


def parse_subckt_header(text: str, name: Optional[str] = None) -> SubcktHeader:
    """The ``.subckt`` line of ``name`` (default: the first) in ``text``: name, pins and
    parameter defaults (as text)."""
    for line in _logical_lines(text):
        toks = line.split()
        if not toks or toks[0].lower() != ".subckt" or len(toks) < 2:
            continue
        if name is not None and toks[1].lower() != name.lower():
            continue
        rest = line.split(None, 2)[2] if len(toks) > 2 else ""
        m = re.search(r"\bparams:", rest, re.I)
        if m:
            pin_text, par_text = rest[:m.start()], rest[m.end():]
        else:
            first_eq = re.search(r"\S+\s*=", rest)
            pin_text = rest[:first_eq.start()] if first_eq else rest
            par_text = rest[first_eq.start():] if first_eq else ""
        params = {k: v for k, v in _PARAM_RE.findall(par_text)}
        return SubcktHeader(toks[1], tuple(pin_text.split()), params)
    raise ParameterError("subckt text", (name or "<first>"), "text with a matching .subckt line")


def card_name(device) -> str:
    """Stable card name: the device's subckt name without its parameter-hash suffix."""
    return check_name(_HEX_SUFFIX.sub("", device.subckt_name), "card name")


# ==================================================================== expressions
_SUFFIX = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "mil": 25.4e-6, "m": 1e-3, "u": 1e-6,
           "n": 1e-9, "p": 1e-12, "f": 1e-15}
_TOKEN = re.compile(r"""
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[A-Za-z]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|==|!=|&&|\|\||[-+*/^(){},?:<>!&|])
  | (?P<ws>\s+)
""", re.X)


def _number(text: str) -> float:
    m = re.match(r"((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([A-Za-z]*)$", text)
    value, suffix = float(m.group(1)), m.group(2).lower()
    for s in ("meg", "mil", "t", "g", "k", "m", "u", "n", "p", "f"):
        if suffix.startswith(s):
            return value * _SUFFIX[s]
    return value      # no scale suffix (trailing unit letters such as 'V' are ignored)


def _tokenize(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise DialectError(f"cannot read {expr[pos:pos + 20]!r} in expression {expr!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(kind)))
    return out


class _Parser:
    """Recursive descent for SPICE B-source / .param expressions (ngspice precedence:
    ternary < || < && < comparisons < +- < */ < unary < power (right-assoc))."""

    def __init__(self, expr: str, xor_caret: bool = False):
        self.expr = expr
        self.toks = _tokenize(expr)
        self.i = 0
        self.xor_caret = xor_caret      # True when reading Xyce/LTspice text (^ = XOR)

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("end", "")

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise DialectError(f"expected {value!r} at token {self.i} of {self.expr!r}, "
                               f"found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self):
        node = self.ternary()
        if self.peek()[0] != "end":
            raise DialectError(f"unexpected {self.peek()[1]!r} in expression {self.expr!r}")
        return node

    def ternary(self):
        cond = self.logic_or()
        if self.peek()[1] == "?":
            self.take("?")
            a = self.ternary()
            self.take(":")
            b = self.ternary()
            return ("tern", cond, a, b)
        return cond

    def logic_or(self):
        node = self.logic_and()
        while self.peek()[1] in ("||", "|") or (self.xor_caret and self.peek()[1] == "^"):
            op = self.take()[1]
            node = ("bin", "||" if op in ("||", "|") else "xor", node, self.logic_and())
        return node

    def logic_and(self):
        node = self.compare()
        while self.peek()[1] in ("&&", "&"):
            self.take()
            node = ("bin", "&&", node, self.compare())
        return node

    def compare(self):
        node = self.additive()
        while self.peek()[1] in ("<", ">", "<=", ">=", "==", "!="):
            op = self.take()[1]
            node = ("bin", op, node, self.additive())
        return node

    def additive(self):
        node = self.mult()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = ("bin", op, node, self.mult())
        return node

    def mult(self):
        node = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = ("bin", op, node, self.unary())
        return node

    def unary(self):
        t = self.peek()[1]
        if t in ("-", "+", "!", "~"):
            self.take()
            inner = self.unary()
            return ("neg", inner) if t == "-" else ("not", inner) if t in ("!", "~") else inner
        return self.power()

    def power(self):
        base = self.atom()
        t = self.peek()[1]
        if t == "**" or (t == "^" and not self.xor_caret):
            self.take()
            return ("pow", base, self.unary())
        return base

    def atom(self):
        kind, text = self.take()
        if kind == "num":
            return ("num", _number(text))
        if text in ("(", "{"):
            inner = self.ternary()
            self.take(")" if text == "(" else "}")
            return ("group", inner)
        if kind == "name":
            low = text.lower()
            if self.peek()[1] == "(":
                if low in ("v", "i"):
                    return self._probe(low)
                self.take("(")
                args = []
                if self.peek()[1] != ")":
                    args.append(self.ternary())
                    while self.peek()[1] == ",":
                        self.take(",")
                        args.append(self.ternary())
                self.take(")")
                return ("call", low, args)
            return ("name", text)
        raise DialectError(f"unexpected {text!r} in expression {self.expr!r}")

    def _probe(self, kind):
        self.take("(")
        nodes, cur = [], ""
        while True:
            k, t = self.take()
            if k == "end":
                raise DialectError(f"unclosed {kind}( in {self.expr!r}")
            if t == ")":
                break
            if t == ",":
                nodes.append(cur)
                cur = ""
            else:
                cur += t
        nodes.append(cur)
        if any(not n for n in nodes) or len(nodes) > 2 or (kind == "i" and len(nodes) != 1):
            raise DialectError(f"cannot read {kind}({','.join(nodes)}) in {self.expr!r}")
        return (kind + "probe", tuple(nodes))


def parse_expression(expr: str, dialect: str = "ngspice"):
    """Parse an expression of ``dialect`` into a tuple tree (see :func:`evaluate`)."""
    return _Parser(expr, xor_caret=dialect != "ngspice").parse()


_PREC = {"tern": 1, "||": 2, "xor": 2, "&&": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "==": 4,
         "!=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "not": 7, "pow": 8, "atom": 9}

_COMMON = {"exp", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
           "asinh", "acosh", "atanh", "abs", "min", "max", "sgn", "floor", "ceil", "ln",
           "log10", "ddt", "uramp"}
_RANDOM = {"gauss", "agauss", "unif", "aunif", "limit", "rand", "random"}
_NAMES = {"time": "time", "pi": "pi", "temper": "temp"}


def _prec(node) -> int:
    k = node[0]
    if k == "bin":
        return _PREC[node[1]]
    return _PREC.get(k, 9)


class _Emitter:
    def __init__(self, dialect: str, context: str, params: set[str], where: str):
        self.d, self.ctx, self.params, self.where = dialect, context, params, where

    def fail(self, what):
        raise DialectError(f"{what} has no faithful {self.d} translation ({self.where})")

    def wrap(self, node, min_prec, strict=False):
        text = self.emit(node)
        p = _prec(node)
        if p < min_prec or (strict and p == min_prec):
            return f"({text})"
        return text

    def absp(self, a, b):            # abs(a) ** b
        if self.d == "xyce":
            return f"pow(abs({self.emit(a)}),{self.emit(b)})"
        return f"pwr({self.emit(a)},{self.emit(b)})"

    def emit(self, node) -> str:
        k = node[0]
        if k == "num":
            return repr(float(node[1]))
        if k == "name":
            low = node[1].lower()
            if node[1] in self.params or low in {p.lower() for p in self.params}:
                return node[1]
            if low in _NAMES:
                return _NAMES[low]
            if low == "hertz":
                self.fail("the variable 'hertz'")
            return node[1]               # a global .param of the user's deck
        if k == "group":
            return self.wrap(node[1], 9)
        if k == "vprobe":
            return f"v({','.join(node[1])})"
        if k == "iprobe":
            return f"i({node[1][0]})"
        if k == "neg":
            return "-" + self.wrap(node[1], 8)
        if k == "not":
            return ("~" if self.d == "xyce" else "!") + self.wrap(node[1], 8)
        if k == "pow":
            return self.absp(node[1], node[2])
        if k == "tern":
            c, a, b = (self.emit(x) for x in node[1:])
            if self.d == "ltspice":
                return f"if({c},{a},{b})"
            return f"{self.wrap(node[1], 2)} ? {self.wrap(node[2], 1)} : {self.wrap(node[3], 1)}"
        if k == "bin":
            op = node[1]
            p = _PREC[op]
            sym = {"&&": "&", "||": "|"}.get(op, op)
            if op == "xor":
                self.fail("a boolean XOR")
            left = self.wrap(node[2], p)
            right = self.wrap(node[3], p, strict=True)
            return f"{left}{sym}{right}"
        if k == "call":
            return self.call(node[1], node[2])
        raise DialectError(f"unknown expression node {k!r}")

    def call(self, fn, args):
        e = self.emit
        n = len(args)
        if fn in _RANDOM:
            self.fail(f"the random function {fn}()")
        if fn in _COMMON:
            return f"{fn}({','.join(e(a) for a in args)})"
        if fn == "log" and n == 1:
            return f"ln({e(args[0])})"
        if fn == "u" and n == 1:
            return f"stp({e(args[0])})" if self.d == "xyce" else f"u({e(args[0])})"
        if fn == "u2" and n == 1:
            return f"limit({e(args[0])},0.0,1.0)"
        if fn in ("pow", "pwr") and n == 2:
            # see the module docstring: meaning differs between B-sources and .param
            if self.ctx == "bsource":
                if fn == "pow":
                    return self.absp(args[0], args[1])
                return f"pwrs({e(args[0])},{e(args[1])})"
            if fn == "pow":
                return f"pow({e(args[0])},{e(args[1])})"
            return self.absp(args[0], args[1])
        if fn == "ternary_fcn" and n == 3:
            if self.d == "ltspice":
                return f"if({e(args[0])},{e(args[1])},{e(args[2])})"
            return f"if({e(args[0])},{e(args[1])},{e(args[2])})"
        if fn == "pwl" and n >= 3 and n % 2 == 1:
            return self.pwl(args)
        self.fail(f"the function {fn}() with {n} argument(s)")

    def pwl(self, args):
        def const(a):
            if a[0] == "num":
                return a[1]
            if a[0] == "neg" and a[1][0] == "num":
                return -a[1][1]
            if a[0] == "group":
                return const(a[1])
            self.fail("a pwl() table with non-numeric points")
        xs = [const(a) for a in args[1::2]]
        ys = [const(a) for a in args[2::2]]
        if len(xs) == 1:
            pts = [(xs[0], ys[0])]
        else:
            # ngspice extrapolates pwl() linearly; table() holds its end values: add two
            # points far outside the range that continue the end slopes.
            span = max(abs(xs[-1] - xs[0]), 1e-300)
            far = 1e6 * span
            s0 = (ys[1] - ys[0]) / (xs[1] - xs[0])
            s1 = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
            pts = ([(xs[0] - far, ys[0] - s0 * far)] + list(zip(xs, ys))
                   + [(xs[-1] + far, ys[-1] + s1 * far)])
        body = ",".join(f"{repr(float(x))},{repr(float(y))}" for x, y in pts)
        return f"table({self.emit(args[0])},{body})"


def translate_expression(expr: str, dialect: str, context: str = "bsource",
                         params: set[str] | frozenset = frozenset(), where: str = "") -> str:
    """Translate one ngspice expression (without outer braces) to ``dialect``.
    ``context``: "bsource" (a B-source value) or "param" (a .param / brace value)."""
    if dialect not in DIALECTS:
        raise ParameterError("dialect", dialect, f"one of {DIALECTS}")
    if dialect == "ngspice":
        return expr
    tree = parse_expression(expr, "ngspice")
    return _Emitter(dialect, context, set(params), where or expr).emit(tree)


# ------------------------------------------------------------------ reference evaluator
def _sgn(x):
    return (x > 0) - (x < 0)


def _table(x, *pts):
    xs, ys = pts[0::2], pts[1::2]
    if x <= xs[0]:
        return ys[0]
    for k in range(1, len(xs)):
        if x <= xs[k]:
            return ys[k - 1] + (ys[k] - ys[k - 1]) * (x - xs[k - 1]) / (xs[k] - xs[k - 1])
    return ys[-1]


def _pwl(x, *pts):
    xs, ys = pts[0::2], pts[1::2]
    if len(xs) == 1:
        return ys[0]
    k = 1
    while k < len(xs) - 1 and x > xs[k]:
        k += 1
    return ys[k - 1] + (ys[k] - ys[k - 1]) * (x - xs[k - 1]) / (xs[k] - xs[k - 1])


def _real_pow(a, b):
    try:
        r = a ** b
    except ZeroDivisionError:
        return math.inf
    return r.real if isinstance(r, complex) else r


_BASE_FUNCS = {
    "exp": math.exp, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "asin": math.asin,
    "acos": math.acos, "atan": math.atan, "asinh": math.asinh, "acosh": math.acosh,
    "atanh": math.atanh, "abs": abs, "min": min, "max": max, "sgn": _sgn,
    "floor": math.floor, "ceil": math.ceil, "ln": math.log, "log10": math.log10,
    "uramp": lambda x: max(x, 0.0), "limit": lambda x, lo, hi: min(max(x, lo), hi),
    "if": lambda c, a, b: a if c else b,
}


def _semantics(dialect: str, context: str) -> dict:
    """Function meanings per dialect, as documented (ngspice's measured on ngspice 39)."""
    f = dict(_BASE_FUNCS)
    if dialect == "ngspice":
        f.update(log=math.log, u=lambda x: 1.0 if x > 0 else 0.0,
                 u2=lambda x: min(max(x, 0.0), 1.0), pwl=_pwl,
                 ternary_fcn=lambda c, a, b: a if c else b)
        if context == "bsource":
            f.update(pow=lambda a, b: abs(a) ** b, pwr=lambda a, b: _sgn(a) * abs(a) ** b)
        else:
            f.update(pow=_real_pow, pwr=lambda a, b: abs(a) ** b)
    elif dialect == "xyce":
        f.update(log=math.log10, stp=lambda x: 1.0 if x > 0 else 0.0, table=_table,
                 pow=_real_pow, pwr=_real_pow, pwrs=lambda a, b: _sgn(a) * abs(a) ** b)
    else:
        f.update(log=math.log, u=lambda x: 1.0 if x > 0 else 0.0, table=_table,
                 pow=_real_pow, pwr=lambda a, b: abs(a) ** b,
                 pwrs=lambda a, b: _sgn(a) * abs(a) ** b)
    return f


def evaluate(tree, env: dict, dialect: str = "ngspice", context: str = "bsource") -> float:
    """Value of a parsed expression under ``dialect``'s documented semantics. ``env`` maps
    parameter names and probes (``"v(p,n)"``, ``"v(w)"``, ``"i(v1)"``) to numbers. Used by
    the tests to check that a translation keeps the expression's value."""
    funcs = _semantics(dialect, context)
    pw = (lambda a, b: abs(a) ** b) if dialect == "ngspice" else _real_pow

    def ev(n):
        k = n[0]
        if k == "num":
            return n[1]
        if k == "name":
            low = n[1].lower()
            if low == "pi":
                return math.pi
            for key in (n[1], low):
                if key in env:
                    return env[key]
            raise KeyError(n[1])
        if k == "group":
            return ev(n[1])
        if k in ("vprobe", "iprobe"):
            key = f"{k[0]}({','.join(n[1])})".lower()
            if key in env:
                return env[key]
            if k == "vprobe" and len(n[1]) == 2:
                return env[f"v({n[1][0]})".lower()] - env[f"v({n[1][1]})".lower()]
            raise KeyError(key)
        if k == "neg":
            return -ev(n[1])
        if k == "not":
            return 0.0 if ev(n[1]) else 1.0
        if k == "pow":
            return pw(ev(n[1]), ev(n[2]))
        if k == "tern":
            return ev(n[2]) if ev(n[1]) else ev(n[3])
        if k == "bin":
            a, b = ev(n[2]), ev(n[3])
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                    "/": lambda: a / b, "<": lambda: float(a < b), ">": lambda: float(a > b),
                    "<=": lambda: float(a <= b), ">=": lambda: float(a >= b),
                    "==": lambda: float(a == b), "!=": lambda: float(a != b),
                    "&&": lambda: float(bool(a) and bool(b)),
                    "||": lambda: float(bool(a) or bool(b)),
                    "xor": lambda: float(bool(a) != bool(b))}[n[1]]()
        if k == "call":
            return funcs[n[1]](*[ev(a) for a in n[2]])
        raise KeyError(k)
    return float(ev(tree))


# ==================================================================== card translation
_BRACED = re.compile(r"\{([^{}]*)\}")


def _translate_braces(text: str, dialect: str, params: set, where: str) -> str:
    return _BRACED.sub(lambda m: "{" + translate_expression(m.group(1), dialect, "param",
                                                            params, where) + "}", text)


def translate(text: str, dialect: str, rename: Optional[dict] = None) -> str:
    """Translate ngspice ``.subckt`` text (one or more blocks, comments) to ``dialect``.

    ``rename`` maps subckt names to new names (applied in every dialect, ngspice included).
    Raises DialectError for anything without a faithful translation (see the module doc).
    """
    if dialect not in DIALECTS:
        raise ParameterError("dialect", dialect, f"one of {DIALECTS}")
    rename = {k.lower(): v for k, v in (rename or {}).items()}
    lines = _logical_lines(text)
    out: list[str] = []
    block: list[str] = []
    depth = 0
    for ln in lines:
        s = ln.strip()
        low = s.lower()
        if not s:
            continue
        if low.startswith(".subckt"):
            depth += 1
            block.append(ln)
            continue
        if depth == 0:
            if s.startswith("*"):
                out.append(ln)
                continue
            raise DialectError(f"a card may hold only comments and .subckt blocks; found {s!r}")
        block.append(ln)
        if low.startswith(".ends"):
            depth -= 1
            if depth == 0:
                out += _translate_block(block, dialect, rename)
                block = []
    if depth:
        raise DialectError("unterminated .subckt block (missing .ends)")
    return "\n".join(out) + "\n"


def _translate_block(block: list[str], dialect: str, rename: dict) -> list[str]:
    header = parse_subckt_header("\n".join(block))
    name = header.name
    new_name = rename.get(name.lower(), name)
    params = set(header.params)
    for ln in block:
        s = ln.strip().lower()
        if s.startswith(".param"):
            params |= {k for k, _ in _PARAM_RE.findall(ln.split(None, 1)[1])}
    where = f"subckt {new_name}"
    ics: dict[str, str] = {}
    out: list[str] = []
    for ln in block:
        s = ln.strip()
        low = s.lower()
        if s.startswith("*"):
            out.append(ln)
            continue
        if low.startswith(".subckt"):
            parts = [".subckt", new_name, *header.pins]
            if header.params:
                if dialect != "ltspice":
                    parts.append("params:")
                parts += [f"{k}={_translate_braces(v, dialect, params, where)}"
                          for k, v in header.params.items()]
            out.append(" ".join(parts))
            continue
        if low.startswith(".ends"):
            out.append(f".ends {new_name}")
            continue
        if low.startswith(".param"):
            out.append(_translate_braces(s, dialect, params, where) if dialect != "ngspice" else s)
            continue
        if low.startswith(".ic"):
            if dialect == "ngspice":
                out.append(s)
                continue
            for node, value in re.findall(r"v\(\s*([^)\s]+)\s*\)\s*=\s*(\{[^{}]*\}|\S+)", s, re.I):
                ics[node.lower()] = _translate_braces(value, dialect, params, where)
            continue
        if low.startswith(".model"):
            out.append(s)
            continue
        if low.startswith("."):
            raise DialectError(f"{s.split()[0]} inside a subckt is not translated ({where})")
        kind = low[0]
        if dialect == "ngspice":
            if kind == "x":
                toks = s.split()
                toks = [rename.get(t.lower(), t) for t in toks]
                out.append(" ".join(toks))
            else:
                out.append(s)
            continue
        if kind == "b":
            m = re.match(r"(\S+\s+\S+\s+\S+)\s+([IV])\s*=\s*(.+)$", s, re.I)
            if not m:
                raise DialectError(f"cannot read B-source line {s!r} ({where})")
            expr = translate_expression(m.group(3).strip(), dialect, "bsource", params, where)
            src = m.group(2).upper()
            out.append(f"{m.group(1)} {src}={{{expr}}}" if dialect == "xyce"
                       else f"{m.group(1)} {src}={expr}")
            continue
        if kind in "efgh" and ("{" in s or re.search(r"\b(value|table|poly)\b", low)):
            raise DialectError(f"behavioural {kind.upper()} source {s!r}: write it as a "
                               f"B-source ({where})")
        if kind == "x":
            toks = s.split()
            toks = [rename.get(t.lower(), t) for t in toks]
            out.append(_translate_braces(" ".join(toks), dialect, params, where))
            continue
        out.append(_translate_braces(s, dialect, params, where))
    if ics:
        out = _move_ics(out, ics, dialect, where)
    return out


def _move_ics(lines: list[str], ics: dict, dialect: str, where: str) -> list[str]:
    """Put each .ic value on the one capacitor between its node and ground."""
    done = set()
    res = []
    for ln in lines:
        toks = ln.split()
        if toks and toks[0][0].lower() == "c" and len(toks) >= 4:
            a, b = toks[1].lower(), toks[2].lower()
            node = a if b == "0" and a in ics else b if a == "0" and b in ics else None
            if node is not None:
                if node in done:
                    raise DialectError(f"node {node!r} has two capacitors to ground: cannot "
                                       f"carry its .ic ({where})")
                if any(t.lower().startswith("ic=") for t in toks):
                    raise DialectError(f"capacitor {toks[0]} already has an ic= ({where})")
                ic = ics[node]
                # the capacitor's voltage is v(first) - v(second): flip the sign if the
                # node is its second terminal
                if node == b:
                    ic = "{-(" + ic.strip("{}") + ")}" if ic.startswith("{") else repr(-float(ic))
                ln = f"{ln} {'IC' if dialect == 'xyce' else 'ic'}={ic}"
                done.add(node)
        res.append(ln)
    missing = sorted(set(ics) - done)
    if missing:
        raise DialectError(f".ic on node(s) {missing} without a single capacitor to ground: "
                           f"{dialect} cards need the initial value on such a capacitor ({where})")
    return res


# ==================================================================== files
def _families():
    from .devices import DEVICE_FAMILIES
    return DEVICE_FAMILIES


def family_file(family) -> str:
    """File stem of a family's library: the class name in lower case (``memristor``)."""
    return check_name(family.__name__.lower(), "family file name")


def _comment(text) -> str:
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:300]


def _header_lines(dialect: str, family) -> list[str]:
    how = {"ngspice": ".include models/ngspice/{f}.lib",
           "xyce": ".INCLUDE models/xyce/{f}.lib",
           "ltspice": ".lib models/ltspice/{f}.lib"}[dialect].format(f=family_file(family))
    return [f"* lithispice model cards: {family.__name__} presets, {dialect} dialect",
            "* GENERATED by lithispice.modelcards (`lithispice export --out models`); do not edit.",
            f"* Use: {how} ; then X<name> <pins> <card> [param=value ...]",
            "* Units: SI (V, A, s, ohm, K, eV). See models/README.md."]


def card_files(dialect: str, families=None) -> dict[str, str]:
    """``{relative path: text}`` of the library files of ``dialect``."""
    files = {}
    used: dict[str, str] = {}
    for fam in (families or _families()):
        parts = _header_lines(dialect, fam)
        for preset in fam.presets():
            dev = fam.preset(preset)
            name = card_name(dev)
            key = name.lower()
            if key in used:
                raise DialectError(f"card name {name!r} of {fam.__name__} preset {preset!r} "
                                   f"clashes with {used[key]}")
            used[key] = f"{fam.__name__} preset {preset!r}"
            text = translate(dev.subckt(), dialect, rename={dev.subckt_name: name})
            src = getattr(dev, "source", "")
            parts += ["", f"* ---- {fam.__name__} preset {_comment(preset)}"
                      + (f" ({_comment(src)})" if src else "")]
            parts += text.rstrip("\n").splitlines()
        files[f"{dialect}/{family_file(fam)}.lib"] = "\n".join(parts) + "\n"
    return files


def _fmt_default(text: str) -> str:
    try:
        return f"{float(text):.4g}"
    except ValueError:
        return text


def key_parameters(family, limit: int = 8) -> list[str]:
    """The subckt parameters whose defaults differ between a family's presets (at most
    ``limit``; all of them if no two presets differ): what tells the presets apart."""
    headers = [parse_subckt_header(family.preset(p).subckt(), family.preset(p).subckt_name)
               for p in family.presets()]
    keys = list(headers[0].params)
    varying = [k for k in keys if len({h.params.get(k) for h in headers}) > 1]
    return (varying or keys)[:limit]


def readme(families=None) -> str:
    """The text of models/README.md (generated, so it always lists the current cards)."""
    fams = list(families or _families())
    out = [
        "# lithispice model cards",
        "",
        "Generated by `lithispice export --out models` (module `lithispice.modelcards`) from the",
        "device models in `lithispice/devices/`; **do not edit** -- regenerate. A test",
        "(`tests/test_modelcards.py`) fails when these files differ from what the code generates,",
        "and simulates every ngspice card in ngspice.",
        "",
        "| folder | simulator | include with |",
        "| --- | --- | --- |",
        "| `ngspice/` | ngspice (>= 39) | `.include models/ngspice/<family>.lib` |",
        "| `xyce/` | Xyce (>= 7) | `.INCLUDE models/xyce/<family>.lib` |",
        "| `ltspice/` | LTspice (24; see the `ic` note) | `.lib models/ltspice/<family>.lib` |",
        "",
        "Each `<family>.lib` holds one `.subckt` per preset. Every physical parameter is a",
        "subcircuit parameter whose default is the preset's value, so an instance can override",
        "it: `X1 row col lsm_LiCoO2 w0=0.2 ron=2e4 tk=320`. Units are SI: V, A, s, ohm, K, and",
        "eV for activation energies. Each card's comment lines give its equations' source and",
        "the preset's citation.",
        "",
        "## Cards",
        "",
    ]
    for fam in fams:
        first = fam.preset(fam.presets()[0])
        keys = key_parameters(fam)
        out += [f"### {fam.__name__} (`{family_file(fam)}.lib`)", "",
                f"Pins: `{' '.join(first.pins)}`. "
                f"Instance parameters: `{', '.join(first.instance_params)}`.",
                "", "| card | preset | key defaults (those that differ between presets) | source |",
                "| --- | --- | --- | --- |"]
        for preset in fam.presets():
            dev = fam.preset(preset)
            hdr = parse_subckt_header(dev.subckt(), dev.subckt_name)
            shown = ", ".join(f"{k}={_fmt_default(hdr.params[k])}" for k in keys if k in hdr.params)
            src = _comment(getattr(dev, "source", "")).replace("|", "/")
            out.append(f"| `{card_name(dev)}` | {_comment(preset)} | {shown} | {src} |")
        out.append("")
    out += [
        "## Dialects",
        "",
        "The Xyce and LTspice cards are translations of the ngspice cards (a text transform in",
        "`lithispice/modelcards.py`, unit-tested expression by expression). What changes:",
        "",
        "* **Initial state.** ngspice cards hold each state node at its initial value during",
        "  the operating point with an `.ic` inside the subcircuit (memristor: `.ic v(w)={w0}`).",
        "  Xyce's `.IC` accepts numbers only, so the Xyce cards put `IC={w0}` on the node's",
        "  capacitor (Xyce applies a capacitor `IC` in every analysis). LTspice cards do the same",
        "  with `ic={w0}`: LTspice 24 applies it as a constraint of the initial operating",
        "  point; **LTspice XVII applies a capacitor `ic` only with `.tran ... uic`**, so use",
        "  `uic` there (or upgrade).",
        "* **Expressions.** Xyce wants one brace pair around a whole B-source expression and",
        "  none inside; LTspice takes no braces in B-sources. `log` is natural in ngspice but",
        "  base 10 in Xyce (cards use `ln`); `^` is XOR in Xyce and LTspice (cards write powers",
        "  as functions); ngspice's `pow`, `pwr`, `u`, `u2`, `pwl` are mapped to the functions",
        "  with the same meaning (`pwl` extrapolates linearly in ngspice, the mapped `table`",
        "  gets two far points that continue the end slopes).",
        "* **Subcircuit line.** LTspice cards list parameters without the `params:` keyword.",
        "",
        "The ngspice cards are simulated in the test suite; Xyce and LTspice are not installed",
        "there, so their cards are checked by re-reading the translated expressions with each",
        "simulator's documented semantics and comparing values with the ngspice originals.",
        "",
        "## Regenerate",
        "",
        "```bash",
        "lithispice export --out models        # or: make models",
        "```",
        "",
    ]
    return "\n".join(out)


def generate(dialects=DIALECTS, families=None) -> dict[str, str]:
    """Every model file as ``{relative path: text}``, README.md included."""
    files: dict[str, str] = {}
    for d in dialects:
        if d not in DIALECTS:
            raise ParameterError("dialect", d, f"one of {DIALECTS}")
        files.update(card_files(d, families))
    files["README.md"] = readme(families)
    return files


def export(out="models", dialects=DIALECTS, families=None) -> list[Path]:
    """Write the model cards under ``out``; returns the paths written. Files of the same
    folders that are no longer generated (a removed preset family) are left alone."""
    root = Path(out)
    written = []
    for rel, text in sorted(generate(dialects, families).items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text)
            tmp.replace(path)
        written.append(path)
    return written


def check_models(out="models", dialects=DIALECTS) -> list[str]:
    """Relative paths whose content under ``out`` differs from what the code generates."""
    root = Path(out)
    bad = []
    for rel, text in sorted(generate(dialects).items()):
        path = root / rel
        if not path.exists() or path.read_text() != text:
            bad.append(rel)
    return bad


# ==================================================================== testbenches
def _memristor_bench(dev, name, lib) -> tuple[str, Callable]:
    """Set pulse at 1.2 x v_set for 3 t_switch from w0 = 0: the state must pass 0.5."""
    v = 1.2 * dev.v_set
    t = dev.t_switch_set
    deck = "\n".join([
        f"card testbench {name}",
        f".include {lib}",
        f"V1 a 0 pwl(0 0 {t * 0.01!r} {v!r} {t * 3!r} {v!r} {t * 3.01!r} 0 {t * 4!r} 0)",
        f"X1 a 0 {name} w0=0",
        f".tran {t / 100!r} {t * 4!r}",
        ".end", ""])

    def check(res):
        w = res["v(x1.w)"]
        return bool(w[0] < 0.05 and w.max() > 0.5), f"state from {w[0]:.3g} to max {w.max():.3g}"
    return deck, check


def _generic_bench(dev, name, lib) -> tuple[str, Callable]:
    """Any family: 0.1 V through 1 kohm on the first pin, the others to ground through
    1 kohm; it must simulate to finite values (no family-specific knowledge of 'state')."""
    pins = list(dev.pins)
    lines = [f"card testbench {name}", f".include {lib}", "V1 drv 0 pwl(0 0 1u 0.1)",
             "R1 drv t0 1k"]
    for k in range(1, len(pins)):
        lines.append(f"R{k + 1} t{k} 0 1k")
    lines += [f"X1 {' '.join(f't{k}' for k in range(len(pins)))} {name}", ".tran 1u 100u",
              ".end", ""]

    def check(res):
        import numpy as np
        ok = all(np.all(np.isfinite(np.real(res[n]))) for n in res.names)
        return ok, "finite" if ok else "non-finite values"
    return "\n".join(lines), check


_BENCHES = {"Memristor": _memristor_bench}


def testbench(family, preset: str, lib: str) -> tuple[str, Callable]:
    """A small ngspice deck exercising one card (``lib``: path of the ngspice library) and a
    check ``result -> (ok, detail)``. A family may provide ``card_testbench(device, card_name,
    lib)`` returning the same pair; otherwise a built-in bench (Memristor: a set pulse moves
    the state past 0.5) or a generic one (runs, finite values)."""
    dev = family.preset(preset)
    name = card_name(dev)
    hook = getattr(family, "card_testbench", None)
    if callable(hook):
        return hook(dev, name, lib)
    return _BENCHES.get(family.__name__, _generic_bench)(dev, name, lib)
