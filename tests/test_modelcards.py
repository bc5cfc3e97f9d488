"""Model cards: in sync with the code, every ngspice card runs in ngspice and moves its
state, and the Xyce/LTspice translations keep every expression's value.

Xyce and LTspice are not installed here: their cards are checked by parsing the translated
expressions back with each simulator's documented semantics (``modelcards.evaluate``) and
comparing with the ngspice original, whose semantics are themselves checked against real
ngspice below (test_reference_semantics_match_ngspice).
"""
import math
import re
from pathlib import Path

import numpy as np
import pytest

from lithispice import modelcards as mc
from lithispice.devices import DEVICE_FAMILIES
from lithispice.engines import run_deck

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"


def test_checked_in_models_are_in_sync_with_the_code(tmp_path):
    assert mc.check_models(MODELS) == [], "run: lithispice export --out models"
    written = mc.export(tmp_path)
    rel = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert rel == sorted(mc.generate())
    for path in written:
        assert path.read_text() == (MODELS / path.relative_to(tmp_path)).read_text()
    # every family and every preset has a card in every dialect
    for fam in DEVICE_FAMILIES:
        for d in mc.DIALECTS:
            text = (MODELS / d / f"{mc.family_file(fam)}.lib").read_text()
            for p in fam.presets():
                assert re.search(rf"^\.subckt {mc.card_name(fam.preset(p))} ", text, re.M | re.I)


@pytest.mark.parametrize("family,preset", [(f, p) for f in DEVICE_FAMILIES for p in f.presets()],
                         ids=lambda x: getattr(x, "__name__", x))
def test_every_ngspice_card_loads_runs_and_moves_its_state(family, preset):
    lib = MODELS / mc.library_path("ngspice", family, "inc")     # the .include form
    deck, check = mc.testbench(family, preset, str(lib))
    res = run_deck(deck, timeout=120)
    ok, detail = check(res)
    assert ok, f"{family.__name__} {preset}: {detail}"


def _ngspice_expressions(text: str):
    """(context, expression, params) of every B-source and brace value in a card file."""
    out = []
    for block in re.split(r"(?im)^\.ends\b.*$", text):
        hdr = re.search(r"(?im)^\.subckt\s+\S+.*$", block)
        if not hdr:
            continue
        h = mc.parse_subckt_header(hdr.group(0))
        params = dict(h.params)
        for ln in block.splitlines():
            s = ln.strip()
            if s.lower().startswith(".param"):
                for k, v in mc._PARAM_RE.findall(s.split(None, 1)[1]):
                    params[k] = v
        for ln in block.splitlines():
            s = ln.strip()
            if s[:1].lower() == "b":
                out.append(("bsource", re.split(r"\s[IV]\s*=\s*", s, maxsplit=1, flags=re.I)[1], params))
            elif not s.startswith("*") and not s.lower().startswith(".subckt"):
                for e in re.findall(r"\{([^{}]*)\}", s):
                    out.append(("param", e, params))
    return out


def _probes(tree) -> set:
    """Every v(...) / i(...) an expression reads, as evaluate() keys."""
    out = set()
    stack = [tree]
    while stack:
        n = stack.pop()
        if not isinstance(n, tuple):
            continue
        if n[0] in ("vprobe", "iprobe"):
            out.add(f"{n[0][0]}({','.join(n[1])})".lower())
            continue
        for c in n[1:]:
            if isinstance(c, tuple):
                stack.append(c)
            elif isinstance(c, list):
                stack.extend(c)
    return out


def _env(params: dict, probes: set, rng) -> dict:
    """Values for a card's parameters (defaults, .params evaluated in order) and probes."""
    env = {"temper": 27.0, "temp": 27.0}      # the circuit temperature (degC): tk = 0 reads it
    for k, v in params.items():
        v = v.strip("{}")
        env[k] = mc.evaluate(mc.parse_expression(v), env, "ngspice", "param")
    for pr in sorted(probes):
        env[pr] = float(rng.uniform(-1.5, 1.5))
    return env


@pytest.mark.parametrize("dialect", ["xyce", "ltspice"])
def test_translated_cards_keep_every_expression_value(dialect):
    rng = np.random.default_rng(0)
    checked = 0
    for fam in DEVICE_FAMILIES:
        text = (MODELS / "ngspice" / f"{mc.family_file(fam)}.lib").read_text()
        for ctx, expr, params in _ngspice_expressions(text):
            tree = mc.parse_expression(expr, "ngspice")
            out = mc.translate_expression(expr, dialect, ctx, set(params))
            assert "{" not in out and "^" not in out
            back = mc.parse_expression(out, dialect)
            probes = _probes(tree)
            compared = 0
            for _ in range(40):
                env = _env(params, probes, rng)
                try:
                    a = mc.evaluate(tree, env, "ngspice", ctx)
                except (ValueError, OverflowError, ZeroDivisionError):
                    continue          # outside the expression's domain: draw again
                b = mc.evaluate(back, env, dialect, ctx)
                # pwl tables with far sentinel points (|x| ~ 1e6, microbattery OCV) are
                # interpolated by a different but equivalent formula after translation: the
                # rounding of slope * (x - x_k) there reaches ~1e-12, hence 1e-10 for pwl.
                rel = 1e-10 if "pwl(" in expr else 1e-12
                assert b == pytest.approx(a, rel=rel, abs=1e-300), (expr, out)
                compared += 1
                if compared == 5:
                    break
            assert compared == 5, expr
            checked += 1
    assert checked > 20


def test_dialect_structure_of_the_memristor_cards():
    x = (MODELS / "xyce" / "memristor.lib").read_text()
    lt = (MODELS / "ltspice" / "memristor.lib").read_text()
    ng = (MODELS / "ngspice" / "memristor.lib").read_text()
    n_cards = len(re.findall(r"(?m)^\.subckt ", ng))
    # ngspice: .ic inside the subckt; Xyce / LTspice: on the state capacitor instead
    assert len(re.findall(r"(?im)^\.ic v\(w\)=\{w0\}", ng)) == n_cards
    assert not re.search(r"(?im)^\.ic", x) and not re.search(r"(?im)^\.ic", lt)
    assert len(re.findall(r"(?m)^Cw w 0 1 IC=\{w0\}$", x)) == n_cards
    assert len(re.findall(r"(?m)^Cw w 0 1 ic=\{w0\}$", lt)) == n_cards
    # Xyce: one brace pair around each B expression; LTspice: none; no params: in LTspice
    for ln in x.splitlines():
        if ln.startswith("B"):
            expr = ln.split("=", 1)[1]
            assert expr.startswith("{") and expr.endswith("}") and expr.count("{") == 1
    for ln in lt.splitlines():
        if ln.startswith("B"):
            assert "{" not in ln
    assert "params:" not in lt.lower() and x.lower().count("params:") == n_cards
    assert not re.search(r"\blog\(", x)                 # Xyce LOG is base 10


def test_expression_translations():
    t = mc.translate_expression
    assert t("log(x)", "xyce") == "ln(x)"
    assert t("a^b", "xyce") == "pow(abs(a),b)" and t("a**b", "ltspice") == "pwr(a,b)"
    assert t("pwr(a,b)", "xyce") == "pwrs(a,b)"
    assert t("pow(a,b)", "ltspice", "param") == "pow(a,b)"
    assert t("u(x)+u2(y)", "xyce") == "stp(x)+limit(y,0.0,1.0)"
    assert t("x>0 ? 1 : 2", "ltspice") == "if(x>0.0,1.0,2.0)"
    assert t("!(a && b) || c", "xyce") == "~(a&b)|c"
    assert t("-{a}^2", "xyce") == "-pow(abs(a),2.0)"
    assert t("1k*x + 2meg", "ltspice") == "1000.0*x+2000000.0"
    assert t("a-(b-c)", "xyce") == "a-(b-c)" and t("a/(b*c)", "xyce") == "a/(b*c)"
    # pwl: ngspice extrapolates linearly, the table must too (within its far points)
    tree = mc.parse_expression("pwl(v(x), 0,0, 1,1, 2,4)")
    back = mc.parse_expression(t("pwl(v(x), 0,0, 1,1, 2,4)", "xyce"), "xyce")
    for xv in (-3.0, 0.5, 1.5, 3.0, 10.0):
        env = {"v(x)": xv}
        assert mc.evaluate(back, env, "xyce") == pytest.approx(mc.evaluate(tree, env))
    for bad in ("gauss(1,0.1,3)", "limit(1,0.2)", "nint(x)", "hertz*2"):
        with pytest.raises(mc.DialectError):
            t(bad, "xyce")


def test_translate_rejects_what_it_cannot_carry():
    ok = ".subckt a p n params: k=1\nBx p n I={k}*v(p,n)\n.ends a\n"
    assert "Bx p n I={k*v(p,n)}" in mc.translate(ok, "xyce")
    with pytest.raises(mc.DialectError, match="control"):
        mc.translate(".subckt a p n\n.control\n.endc\n.ends a\n", "xyce")
    with pytest.raises(mc.DialectError, match="capacitor"):
        mc.translate(".subckt a p n\nR1 p w 1\n.ic v(w)=1\n.ends a\n", "ltspice")
    with pytest.raises(mc.DialectError, match="B-source"):
        mc.translate(".subckt a p n\nE1 p n value={v(p)}\n.ends a\n", "xyce")


def test_reference_semantics_match_ngspice():
    """The ngspice semantics used to check translations, measured on the real ngspice."""
    exprs = ["pow(-2,3)", "pwr(-2,3)", "(-2)**3", "-2^2", "log(100)", "u(-1)+u2(0.3)",
             "pwl(3, 0,0, 1,1, 2,4)", "pwl(-3, 0,0, 1,1, 2,4)", "2>1 ? 4 : 5", "uramp(-2)+sgn(-3)"]
    lines = ["semantics"] + [f"B{k} n{k} 0 V={e}\nR{k} n{k} 0 1" for k, e in enumerate(exprs)]
    lines += [".op", ".end", ""]
    res = run_deck("\n".join(lines))
    for k, e in enumerate(exprs):
        want = mc.evaluate(mc.parse_expression(e), {}, "ngspice", "bsource")
        assert res[f"v(n{k})"][0] == pytest.approx(want), e
    # .param (numparam) semantics differ for pow/pwr
    deck = ("p\n.param a={pow(-2,3)} b={pwr(-2,3)} c={(-2)**3}\nV1 a 0 {a}\nV2 b 0 {b}\n"
            "V3 c 0 {c}\n.op\n.end\n")
    res = run_deck(deck)
    for name, e in (("a", "pow(-2,3)"), ("b", "pwr(-2,3)"), ("c", "(-2)**3")):
        assert res[f"v({name})"][0] == pytest.approx(
            mc.evaluate(mc.parse_expression(e), {}, "ngspice", "param"))
    assert math.isclose(mc.evaluate(mc.parse_expression("log(100)", "xyce"), {}, "xyce"), 2.0)
