"""SPICE expressions as trees: the parser, the dialect printers (ngspice -> Xyce / LTspice) and a
reference evaluator with each dialect's documented semantics. Also the ``.subckt`` header reader.

One representation for every expression a card carries: the device exports write ngspice text,
:mod:`lithispice.spice.ir` reads it into element lists whose values are these trees, and the
printers (Xyce, LTspice here; Verilog-A in :mod:`lithispice.spice.veriloga`) write them out.
See :mod:`lithispice.modelcards` for the table of dialect differences.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

from ..errors import LithispiceError, ParameterError

DIALECTS = ("ngspice", "xyce", "ltspice")


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


def canonical(tree):
    """The tree without its explicit parentheses (``group`` nodes): two spellings of the same
    expression compare equal (the printers add only the parentheses precedence needs)."""
    if not isinstance(tree, tuple):
        return [canonical(t) for t in tree] if isinstance(tree, list) else tree
    if tree and tree[0] == "group":
        return canonical(tree[1])
    return tuple(canonical(t) for t in tree)


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
