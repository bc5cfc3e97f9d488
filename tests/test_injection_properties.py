"""Property-based tests (hypothesis) of issue 11 item 1: arbitrary text given to any
injection surface of a Chip (names, nets, titles, values, options, save vectors, waveform
specs, dc source, device strings, crossbar fields, osdi_for answers) either raises a
lithispice error or gives an ngspice deck and a VACASK netlist in which every line is one
the library writes -- checked by the independent parsers of tests/test_security.py, which
also holds the surfaces. The text is drawn from SPICE/VACASK syntax fragments, every line
separator Python or a simulator might honour, and arbitrary unicode.
"""
from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lithispice.netlist import Chip
from lithispice.netlist._checks import check_deck_text, validate_subckt_text
from lithispice.errors import LithispiceError, NetlistError
from lithispice.spice.names import check_name, check_net, check_title, comment_text

from test_security import (ALL_SURFACES, base_chip, ngspice_deck_problems, outcome,
                           vacask_netlist_problems)

FRAGMENTS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x00", "\x85", "\u2028", "\u2029", "\ufeff",
             " ", "\t", ".", "+", "*", ";", "$", "//", "'", '"', "(", ")", "{", "}", "[", "]",
             "=", ",", ":", "/", "\\", "@", "`", "<<<", ".include ", ".inc ", ".incl ",
             ".INCLUDE ", ".lib ", ".LIB ", ".control", ".endc", "shell ", ".options ",
             ".param ", ".end", ".ends", ".subckt ", ".title ", "include ", "embed ",
             "postprocess(PYTHON, ", "control", "endc", "load ", "model ", "a", "x", "r1", "0",
             "gnd", "v(", "i(", "1e3", "/etc/passwd", "PWNED"]
texts = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=12)
    .map("".join),
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
)
SETTINGS = settings(max_examples=1500, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(surface=st.sampled_from(sorted(ALL_SURFACES)), text=texts)
def test_any_text_on_any_surface_is_refused_or_writes_only_library_cards(surface, text):
    what, problems = outcome(ALL_SURFACES[surface], text)
    assert what in ("refused", "accepted"), (surface, text, problems)


@settings(max_examples=400, deadline=None)
@given(title=texts, names=st.lists(texts, min_size=1, max_size=4), value=texts)
def test_a_whole_chip_from_random_strings(title, names, value):
    """Several surfaces at once: a title, element/net names and a value, all random."""
    try:
        c = Chip(title)
        c.vsource(names[0], names[-1], "0", dc=1.0)
        for k, n in enumerate(names):
            c.resistor(f"r{k}", names[-1], n if n != names[-1] else "0", value)
        c.save(*names)
        c.tran(1e-6, 1e-3)
        deck = c.deck()
    except LithispiceError:
        return
    assert ngspice_deck_problems(deck, c) == []
    from test_security import fake_osdi_for
    try:
        net = c.vacask_netlist(osdi_for=fake_osdi_for)
    except LithispiceError:
        return
    assert vacask_netlist_problems(net, c) == []


@settings(max_examples=600, deadline=None)
@given(text=texts)
def test_validators_return_only_safe_text(text):
    for fn in (check_name, check_net):
        try:
            out = fn(text)
        except LithispiceError:
            continue
        assert out == "0" or (out[0].isascii() and out[0].isalpha()
                              and all(c.isascii() and (c.isalnum() or c == "_") for c in out))
    try:
        t = check_title(text)
    except LithispiceError:
        pass
    else:
        assert t[0].isascii() and t[0].isalnum()
        assert all(" " <= c <= "~" and c not in "\"'\\$*" for c in t) and len(t) <= 200
    c = comment_text(text)
    assert all(" " <= ch <= "~" for ch in c) and len(c) <= 200


@settings(max_examples=600, deadline=None)
@given(line=texts)
def test_a_foreign_line_in_a_deck_is_refused_unless_harmless(line):
    """check_deck_text (run by Chip.deck) on a good deck with one random line inserted: it
    either refuses, or the parser finds the deck clean except for an element line naming an
    element the chip does not have (a harmless line such as a comment passes)."""
    chip = base_chip()
    lines = chip.deck().split("\n")
    text = "\n".join(lines[:3] + [line] + lines[3:])
    try:
        check_deck_text(text)
    except NetlistError:
        return
    problems = [p for p in ngspice_deck_problems(text, chip) if "the chip does not have" not in p]
    assert problems == [], (line, problems)


@settings(max_examples=600, deadline=None)
@given(line=texts)
def test_a_random_line_in_a_device_subckt_never_adds_a_foreign_dot_card(line):
    text = f".subckt fake p n\nR1 p n 1k\n{line}\n.ends fake\n"
    try:
        out = validate_subckt_text(text, "fake", ("p", "n"))
    except NetlistError:
        return
    for ln in out.split("\n"):
        s = ln.strip()
        assert not s or s[0] in "*+" or s[0].isalpha() or s.split()[0].lower() in (
            ".subckt", ".ends", ".param", ".ic", ".nodeset", ".model", ".func"), ln
        assert all(c == "\t" or " " <= c <= "~" for c in ln)
