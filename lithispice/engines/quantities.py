"""What each vector of a run measures: its SI unit and meaning, for :meth:`Result.to_xarray`
and :meth:`Result.plot`.

ngspice types every node ``voltage``, but the internal nodes of lithispice's device cards
carry states that are not voltages (the memristor's ``w`` is dimensionless, a battery's
``qa`` is a charge in C). The unit of a vector is decided in this order:

1. The axis and SPICE's own names: ``time`` s, ``frequency`` Hz, ``v(v-sweep)`` V,
   ``i(i-sweep)`` A, ``temp-sweep`` degC, ``res-sweep`` ohm; ``i(...)`` and ``...#branch``
   are currents, A.
2. ``v(<path>.<node>)`` where ``<path>`` is an instance of a lithispice device card (found
   in the deck by its card name prefix: ``lsm_`` memristor, ``lss_`` synapse, ``lsb_``
   microbattery, ``lsg_`` gas sensor; a subcircuit defined in the deck must also have the
   family's initial-state parameter, :data:`MARKERS`; nested subcircuits followed): a node whose initial
   value is a card parameter ``<node>0`` takes that parameter's unit from the device's
   parameter table (``w`` <- ``w0``, ``thc`` <- ``thc0``, ``thr`` <- ``thr0``, ``soc`` <-
   ``soc0``, ``x`` <- ``x0``); the read-out and counter nodes listed in each family's ``PROBES``
   (``*_spice.py``, the card headers' list; :func:`state_nodes`) take the unit given there. Every
   other node of a card is a voltage.
3. A net wired to a gas sensor's control pins (:data:`CONTROL_PINS`): ``lgp`` carries
   log10(p_gas / 1 ppm) (1), ``tk`` the temperature (K).
4. Anything else named ``v(...)`` is a voltage (V); other names take the unit of ngspice's
   vector type (``voltage`` V, ``current`` A), else none ("").

Without the deck (a Result built by hand, or a netlist run in VACASK directly) only rules 1
and 4 apply.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Optional, Sequence

__all__ = ["Quantity", "DeviceMap", "device_map", "quantity", "state_nodes", "EXTRA_NODES",
           "CONTROL_PINS"]


@dataclass(frozen=True)
class Quantity:
    """What a vector measures: ``unit`` (SI text, ``"1"`` dimensionless, ``""`` unknown),
    ``kind`` (``voltage``, ``current``, ``state``, ``time``, ``frequency``, ``sweep``,
    ``control``, ``other``) and a one-line ``description``."""
    unit: str
    kind: str
    description: str = ""

    @property
    def label(self) -> str:
        """Axis label text: ``"voltage (V)"``, ``"state (1)"``."""
        return f"{self.kind} ({self.unit})" if self.unit else self.kind


#: card name prefix -> device family's parameter-table module (lithispice.devices)
FAMILIES = {"lsm": "memristor", "lss": "synapse", "lsb": "microbattery", "lsg": "gas_sensor"}

#: card name prefix -> the parameter every card of that family has (its initial state):
#: a subcircuit defined in the deck with the prefix but without it is not a device card
MARKERS = {"lsm": "w0", "lss": "thc0", "lsb": "soc0", "lsg": "x0"}

#: card name prefix -> {internal node (regex): (unit, meaning)} for internal nodes that the
#: family's ``PROBES`` (``<family>_spice.py``, the card headers' list) do not name one by one:
#: numbered finite volumes, random draws, clamped fit arguments. The probes themselves are
#: read from ``PROBES`` (:func:`state_nodes`), so a card header and a Dataset agree.
EXTRA_NODES = {
    "lsm": {r"z[sr]": ("1", "cycle-to-cycle random draw (standard normal)")},
    "lss": {
        r"tc\d+": ("1", "channel lithiation of one finite volume"),
        r"tr\d+": ("1", "reservoir lithiation of one finite volume"),
        r"xc|yc": ("1", "clamped surface lithiation (OCV fit argument)"),
        r"sn|sh": ("1", "gate-stack overpotential over vt2 / current over i2c"),
    },
    "lsb": {
        r"t\d+": ("1", "cathode lithiation of one finite volume"),
        r"xs|y2": ("1", "clamped surface lithiation (OCV fit argument)"),
        r"ia": ("1", "anode current in units of 2 i0 A"),
    },
    "lsg": {},
}


@functools.lru_cache(maxsize=None)
def state_nodes(fam: str) -> tuple:
    """``((node regex, (unit, meaning)), ...)`` of family ``fam`` (card prefix): its
    ``PROBES`` first, then :data:`EXTRA_NODES`. Built once per family (a result of an array
    asks it for thousands of vectors)."""
    import importlib
    out = {}
    try:
        mod = importlib.import_module(f"lithispice.devices.{FAMILIES[fam]}_spice")
        for p in getattr(mod, "PROBES", ()):
            out[re.escape(p.node)] = (p.unit, p.doc)
    except ImportError:                        # rule 2 then rests on EXTRA_NODES only
        pass
    for pat, val in EXTRA_NODES.get(fam, {}).items():
        out.setdefault(pat, val)
    return tuple(out.items())


#: card name prefix -> {pin position: (unit, meaning)} for pins that carry a non-voltage
#: signal on their net (the gas sensor's inputs: se ref lgp tk)
CONTROL_PINS = {"lsg": {2: ("1", "log10(p_gas / 1 ppm)"), 3: ("K", "temperature")}}

_AXES = {
    "time": Quantity("s", "time", "time"),
    "frequency": Quantity("Hz", "frequency", "frequency"),
    "v(v-sweep)": Quantity("V", "sweep", "swept source voltage"),
    "v-sweep": Quantity("V", "sweep", "swept source voltage"),
    "i(i-sweep)": Quantity("A", "sweep", "swept source current"),
    "i-sweep": Quantity("A", "sweep", "swept source current"),
    "temp-sweep": Quantity("degC", "sweep", "swept circuit temperature"),
    "res-sweep": Quantity("ohm", "sweep", "swept resistance"),
}


class DeviceMap:
    """Which instance paths of a deck are lithispice device cards, and which nets carry a
    control signal. ``instances``: ``{"x1": "lsm", "xtop.xb": "lsb"}`` (lower case, ngspice's
    hierarchical names); ``nets``: ``{"tk": Quantity("K", ...)}``."""

    def __init__(self, instances: Optional[dict] = None, nets: Optional[dict] = None):
        self.instances: dict = dict(instances or {})
        self.nets: dict = dict(nets or {})

    def __bool__(self) -> bool:
        return bool(self.instances or self.nets)


def _logical_lines(text: str) -> list[str]:
    """Deck lines with ``+`` continuations joined (:func:`lithispice.spice.expr._logical_lines`,
    after comments and blank lines are dropped, so a continuation after a comment still joins
    its card, as in ngspice)."""
    from ..spice.expr import _logical_lines as joined
    cards = (s for s in (raw.strip() for raw in text.splitlines()) if s and not s.startswith("*"))
    return [line.strip() for line in joined("\n".join(cards))]


def _x_line(tokens: Sequence[str]) -> tuple[list[str], str]:
    """(nets, subcircuit name) of an X instance line's tokens (after the instance name)."""
    words: list[str] = []
    for t in tokens:
        if "=" in t or t.lower() in ("params:", "params"):
            break
        words.append(t)
    if not words:
        return [], ""
    return words[:-1], words[-1]


def device_map(deck: str) -> DeviceMap:
    """Parse a deck (ngspice text) into a :class:`DeviceMap`. Cards referenced by
    ``.include``/``.lib`` are recognised by their name prefix; subcircuits defined in the deck
    are followed to any depth (instance ``x1`` of a subcircuit holding ``xm``: ``x1.xm``)."""
    lines = _logical_lines(deck)[1:]          # the first line is the title
    subckts: dict = {}                        # name -> (pins, body lines)
    top: list[str] = []
    stack: list = []
    for ln in lines:
        low = ln.lower()
        if low.startswith(".subckt"):
            toks = ln.split()
            name = toks[1].lower() if len(toks) > 1 else ""
            pins = [t.lower() for t in toks[2:] if "=" not in t and t.lower() not in ("params:",)]
            params = {t.split("=", 1)[0].lower() for t in toks[2:] if "=" in t}
            stack.append((name, pins, [], params))
            continue
        if low.startswith(".ends"):
            if stack:
                name, pins, body, params = stack.pop()
                subckts[name] = (pins, body, params)
            continue
        if low.startswith(".end") and not stack:
            break
        (stack[-1][2] if stack else top).append(ln)
    dm = DeviceMap()

    def walk(body: list[str], prefix: str, bind: dict, depth: int) -> None:
        if depth > 50:                        # a recursive subcircuit: ngspice refuses it
            return
        for ln in body:
            if ln[0] not in "xX":
                continue
            toks = ln.split()
            inst = prefix + toks[0].lower()
            nets, sub = _x_line(toks[1:])
            sub = sub.lower()
            fam = sub.split("_", 1)[0] if "_" in sub else ""
            if fam in FAMILIES and sub in subckts and MARKERS[fam] not in subckts[sub][2]:
                fam = ""                      # e.g. lss_access_...: a block, not a card
            if fam in FAMILIES:
                dm.instances[inst] = fam
                for pos, (unit, desc) in CONTROL_PINS.get(fam, {}).items():
                    if pos < len(nets):
                        net = nets[pos].lower()
                        net = bind.get(net, prefix + net)
                        if net not in ("0", "gnd"):
                            dm.nets[net] = Quantity(unit, "control", desc)
            elif sub in subckts:
                pins, sbody, _ = subckts[sub]
                inner = {p: bind.get(n.lower(), prefix + n.lower()) for p, n in zip(pins, nets)}
                walk(sbody, inst + ".", inner, depth + 1)

    walk(top, "", {}, 0)
    return dm


_V_RE = re.compile(r"^v\((.+)\)$")
_I_RE = re.compile(r"^i\((.+)\)$")


def _state_quantity(fam: str, node: str) -> Optional[Quantity]:
    desc = ""
    unit: Optional[str] = None
    for pat, (u, d) in state_nodes(fam):
        if re.fullmatch(pat, node):
            unit, desc = u, d
            break
    table = _param_table(fam)
    if table is not None:
        try:
            row = table.by_spice(node + "0")
        except Exception:                      # no such parameter: not a state with an .ic
            row = None
        if row is not None:
            unit = row.unit
            desc = desc or row.doc
    if unit is None:
        return None
    return Quantity(unit, "state" if unit != "V" else "voltage", desc)


@functools.lru_cache(maxsize=None)
def _param_table(fam: str):
    import importlib
    try:
        mod = importlib.import_module(f"lithispice.devices.{FAMILIES[fam]}_params")
    except Exception:                          # a table that does not import: rule 2 only
        return None
    return getattr(mod, "PARAMS", None)


def quantity(name: str, vtype: str = "", devices: Optional[DeviceMap] = None) -> Quantity:
    """The :class:`Quantity` of vector ``name`` (ngspice spelling, case-insensitive) with
    ngspice vector type ``vtype``, given the deck's :class:`DeviceMap` (see module doc)."""
    n = "".join(str(name).split()).lower()
    if n in _AXES:
        return _AXES[n]
    m = _I_RE.match(n)
    if m or n.endswith("#branch"):
        elem = m.group(1) if m else n[:-7]
        return Quantity("A", "current", f"current through {elem} (SPICE sign: into its + pin)")
    m = _V_RE.match(n)
    if m:
        node = m.group(1)
        if "," in node:
            return Quantity("V", "voltage", f"voltage {node.replace(',', ' - ')}")
        if devices:
            if node in devices.nets:
                return devices.nets[node]
            path, _, leaf = node.rpartition(".")
            fam = devices.instances.get(path) if path else None
            if fam:
                q = _state_quantity(fam, leaf)
                if q is not None:
                    return q
        return Quantity("V", "voltage", f"node voltage of {node}")
    t = (vtype or "").lower()
    if t == "voltage":
        return Quantity("V", "voltage", "")
    if t == "current":
        return Quantity("A", "current", "")
    if t in ("time", "frequency"):
        return _AXES[t]
    return Quantity("", "other", "")
