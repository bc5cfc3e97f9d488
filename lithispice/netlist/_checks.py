"""Topology checks of a chip graph and validation of device ``.subckt`` text.

Both exist so a broken circuit fails in Python with a message naming the net or element,
instead of in ngspice with "singular matrix: check node xr3c5.n1" after a long setup.
"""
from __future__ import annotations

import re

import networkx as nx

from ..errors import NetlistError
from ..spice.names import check_title

GROUND = "0"
_MAX_LISTED = 12

# The only dot cards a device's .subckt may carry. An allow-list, not a deny-list: ngspice
# 39 reads every card that merely *starts* with ``.inc`` (``.incl``, ``.incxyz``) or ``.lib``
# as an include, so a list of forbidden names always misses one. Everything else starting
# with ``.`` (.control, .include, .options, .end, .title, analyses...) is refused: it would
# run commands, read files or change every other element of the chip.
SUBCKT_CARDS = frozenset({".subckt", ".ends", ".param", ".ic", ".nodeset", ".model", ".func"})
# The dot cards Chip.deck() writes outside subcircuits.
DECK_CARDS = frozenset({".subckt", ".ic", ".options", ".temp", ".save", ".tran", ".op", ".dc",
                        ".ac", ".end"})
_BAD_CHARS = re.compile(r"[^\t\x20-\x7e\n]")


def _listed(items) -> str:
    items = list(items)
    text = ", ".join(repr(x) for x in items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        text += f", ... ({len(items)} in all)"
    return text


def validate_subckt_text(text: str, name: str, pins: tuple[str, ...]) -> str:
    """Check that ``text`` is one ``.subckt name pins... .ends`` block and return it normalised.

    Normalised = lines right-stripped, one trailing newline, so two devices emitting the
    same block with different trailing whitespace are recognised as the same subcircuit.
    Raises NetlistError naming the subcircuit and the offending line.
    """
    if not isinstance(text, str):
        raise NetlistError(f"subckt {name!r}: subckt() returned {type(text).__name__}, not str")
    bad = _BAD_CHARS.search(text)
    if bad:
        raise NetlistError(f"subckt {name!r}: character {bad.group()!r} is not allowed "
                           "(printable ASCII, tabs and newlines only)")
    lines = [ln.rstrip() for ln in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    cards = [(k, ln.split()) for k, ln in enumerate(lines)
             if ln.strip() and not ln.lstrip().startswith("*")]
    if not cards:
        raise NetlistError(f"subckt {name!r}: empty text")
    for k, words in cards:
        w0 = words[0]
        if w0.startswith(".") and w0.lower() not in SUBCKT_CARDS:
            raise NetlistError(f"subckt {name!r}: line {k + 1} {lines[k].strip()[:80]!r} is not "
                               "allowed inside a device subcircuit (dot cards allowed there: "
                               f"{', '.join(sorted(SUBCKT_CARDS))})")
        if not (w0[0].isalpha() or w0[0] in ".+"):
            raise NetlistError(f"subckt {name!r}: line {k + 1} {lines[k].strip()[:80]!r} is "
                               "neither a comment ('*'), a continuation ('+'), an element "
                               "(a letter first) nor a dot card")
    head = cards[0][1]
    if head[0].lower() != ".subckt" or len(head) < 2 or head[1].lower() != name.lower():
        raise NetlistError(f"subckt {name!r}: first card must be '.subckt {name} ...', "
                           f"got {lines[cards[0][0]].strip()!r}")
    declared = []
    for w in head[2:]:
        if w.lower() == "params:" or "=" in w:
            break
        declared.append(w.lower())
    if declared != [p.lower() for p in pins]:
        raise NetlistError(f"subckt {name!r}: .subckt line declares pins {declared}, "
                           f"the device says pins={list(pins)}")
    depth = 0
    for idx, (k, words) in enumerate(cards):
        w0 = words[0].lower()
        if w0 == ".subckt":
            depth += 1
        elif w0 == ".ends":
            depth -= 1
            if depth == 0 and idx != len(cards) - 1:
                raise NetlistError(f"subckt {name!r}: text continues after its closing .ends "
                                   f"(line {k + 1})")
    last = cards[-1][1]
    if depth != 0 or last[0].lower() != ".ends" or (len(last) > 1 and last[1].lower() != name.lower()):
        raise NetlistError(f"subckt {name!r}: must end with '.ends' or '.ends {name}' "
                           "and balance its .subckt/.ends")
    return "\n".join(lines) + "\n"


def check_deck_text(text: str) -> None:
    """Raise NetlistError unless every line of a Chip deck is one the library writes: the
    title card ``.title <title>`` (the title by :func:`lithispice.spice.names.check_title`),
    ``*`` comments, ``+`` continuations (of a V/I source line -- a PWL table -- or inside a subcircuit), element lines (a letter first; R C L V I E G X outside subcircuits), the dot cards of
    ``DECK_CARDS`` (``SUBCKT_CARDS`` inside a ``.subckt`` block), ``.end`` last.

    A final guard, run on each deck: the pieces are validated where they are made, and this
    check makes a future code path that writes free text into a deck fail loudly instead of
    producing a deck that includes a file or runs a command.
    """
    bad = _BAD_CHARS.search(text)
    if bad:
        raise NetlistError(f"deck: character {bad.group()!r} is not allowed (printable "
                           "ASCII, tabs and newlines only)")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise NetlistError("deck: empty text")
    # the title card: '.title ' then a title that check_title accepts (nothing else may
    # follow '.title' on the first line; a '.title' anywhere else is refused below)
    if not lines[0].startswith(".title "):
        raise NetlistError(f"deck line 1: {lines[0][:80]!r} is not '.title <title>'")
    check_title(lines[0][len(".title "):], "deck title")
    depth = 0
    last = len(lines)
    continuable = False                 # the last top-level card was a V or I source
    for k in range(1, last):
        s = lines[k].strip()
        if not s or s[0] == "*":
            continue
        c = s[0]
        if c == "+":
            if not (depth or continuable):
                raise NetlistError(f"deck line {k + 1}: a continuation {s[:80]!r} that does "
                                   "not continue a source line")
            continue
        continuable = depth == 0 and c in "VIvi"
        if c == ".":
            head = s.split(None, 1)[0].lower()
            if head not in (SUBCKT_CARDS if depth else DECK_CARDS):
                raise NetlistError(f"deck line {k + 1}: {s[:80]!r} is not a card the "
                                   "library writes there")
            if head == ".subckt":
                depth += 1
            elif head == ".ends":
                depth -= 1
            elif head == ".end" and k != last - 1:
                raise NetlistError(f"deck line {k + 1}: '.end' before the end of the deck")
            continue
        if not c.isalpha() or (depth == 0 and c.upper() not in "RCLVIEGX"):
            raise NetlistError(f"deck line {k + 1}: {s[:80]!r} is not an element line")
    if depth != 0:
        raise NetlistError("deck: unbalanced .subckt/.ends")
    if lines[-1].strip().lower() != ".end":
        raise NetlistError("deck: the last line must be '.end'")


def topology_problems(graph: nx.MultiGraph, elements, dc_check: bool = True) -> list[str]:
    """Human-readable problems of a bipartite chip graph; empty list = fine.

    ``elements``: objects with ``spice`` (name), ``kind`` (SPICE letter), ``nets``,
    ``pins`` and ``dc_pairs`` (pin pairs joined by a DC path).
    ``dc_check=False`` skips the DC-path test (when ``rshunt``/``gshunt`` ties every node
    to ground anyway).
    """
    problems: list[str] = []
    elements = list(elements)
    if not elements:
        return ["the chip has no elements"]
    nets = [n for kind, n in graph.nodes if kind == "net"]

    if GROUND not in nets:
        problems.append("no ground: no element connects to net '0' (alias 'gnd'); SPICE needs "
                        "a reference node")

    for net in nets:
        if net == GROUND:
            continue
        touching = [(d["pin"], graph.nodes[el]["name"])
                    for _, el, d in graph.edges(("net", net), data=True)]
        if len(touching) < 2:
            pin, name = touching[0]
            problems.append(f"floating net {net!r}: only pin {pin!r} of element {name!r} "
                            "connects to it")

    if dc_check and GROUND in nets:
        dcg = nx.Graph()
        dcg.add_nodes_from(nets)
        for el in elements:
            pin_net = dict(zip(el.pins, el.nets))
            for a, b in el.dc_pairs:
                dcg.add_edge(pin_net[a], pin_net[b])
        for comp in nx.connected_components(dcg):
            if GROUND in comp:
                continue
            cut = sorted(comp)
            names = sorted({graph.nodes[e]["name"] for n in cut for e in graph.neighbors(("net", n))})
            problems.append(f"no DC path to ground from net(s) {_listed(cut)}: they reach ground "
                            f"only through capacitors, current sources or device pins without a "
                            f"DC path (elements {_listed(names)}); the operating point would be "
                            "singular -- add a resistor to ground or set options(rshunt=...)")

    # A loop of ideal voltage-defined branches fixes the same voltage twice: singular matrix.
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    vgraph = nx.Graph()
    for el in elements:
        if el.kind not in ("V", "E"):
            continue
        a, b = el.nets[0], el.nets[1]
        if find(a) == find(b):
            loop = [el.spice]
            if a != b:
                path = nx.shortest_path(vgraph, a, b)
                loop += [vgraph.edges[u, v]["name"] for u, v in zip(path, path[1:])]
            problems.append(f"voltage sources {_listed(loop)} form a loop (or a source is "
                            "shorted); their voltages are over-determined")
            continue
        parent[find(a)] = find(b)
        vgraph.add_edge(a, b, name=el.spice)
    return problems
