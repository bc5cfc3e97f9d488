"""Topology checks of a chip graph and validation of device ``.subckt`` text.

Both exist so a broken circuit fails in Python with a message naming the net or element,
instead of in ngspice with "singular matrix: check node xr3c5.n1" after a long setup.
"""
from __future__ import annotations

import re

import networkx as nx

from ..errors import NetlistError

GROUND = "0"
_MAX_LISTED = 12

# Lines a device's .subckt must never carry: they would end the deck, run commands, read
# files, or change global settings for every other element of the chip.
_FORBIDDEN_CARDS = {
    ".control", ".endc", ".include", ".inc", ".lib", ".endl", ".end", ".title", ".options",
    ".option", ".opt", ".tran", ".op", ".dc", ".ac", ".noise", ".tf", ".sens", ".pz", ".disto",
    ".four", ".fourier", ".meas", ".measure", ".print", ".plot", ".save", ".width", ".global",
    ".temp", ".probe", ".step", ".alter", ".csparam",
}
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
        if words[0].lower() in _FORBIDDEN_CARDS:
            raise NetlistError(f"subckt {name!r}: line {k + 1} {lines[k].strip()!r} is not allowed "
                               "inside a device subcircuit")
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
