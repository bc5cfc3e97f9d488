"""The netlist builder: a chip as a bipartite graph of elements and nets, emitted as a deck.

Reads like a schematic::

    chip = Chip("divider")
    chip.vsource("in", "a", "0", dc=1.0)          # emitted as  Vin a 0 dc 1.0
    chip.resistor("top", "a", "mid", 1e3)          # Rtop a mid 1000.0
    chip.add("m1", memristor, params={"w0": 0.2}, p="mid", n="0")   # Xm1 mid 0 <subckt> w0=0.2
    chip.tran(1e-6, 1e-3)
    res = chip.run()
    res["v(mid)"], res["i(vin)"]

Element names get the SPICE type letter as a prefix (``resistor("top")`` -> ``Rtop``, as in
PySpice); every add method returns that SPICE name. Nets are case-insensitive in SPICE, so
they are stored lower-case; ``"0"`` and ``"gnd"`` are ground. Every name, net and number
passes the strict grammar of :mod:`lithispice.spice.names`: there is no way to put free
text into a deck (no raw-line escape hatch) -- the deck cannot carry ``.control``,
``shell`` or ``.include``. The title is the one free-text line: a safe character set,
starting with a letter or digit (:func:`lithispice.spice.names.check_title`; ngspice expands
an ``.include`` even on the title line). Every deck is checked line by line before it is
returned (:func:`lithispice.netlist._checks.check_deck_text`).

The graph (:attr:`Chip.graph`) is a networkx MultiGraph with element nodes
``("element", spice_name_lower)`` (attribute ``bipartite=0``) and net nodes ``("net", net)``
(``bipartite=1``); each edge is one pin, keyed and labelled by the pin name.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from ..devices.base import SpiceDevice
from ..devices.param_checks import check_instance_param, instance_hint, instance_name
from ..errors import NameValidationError, NetlistError, ParameterError
from ..spice.names import check_name, check_net, check_title, fmt
from ..spice.carddoc import at_temperature
from ..spice.params import Param
from . import _analyses
from ._checks import GROUND, check_deck_text, topology_problems, validate_subckt_text
from ._lines import one_card_per_line
from ._waveforms import source_value

_SAVE_V = re.compile(r"v\(\s*([A-Za-z0-9_]+)\s*\)\Z", re.I)
_SAVE_I = re.compile(r"i\(\s*([A-Za-z][A-Za-z0-9_]*)\s*\)\Z", re.I)


@dataclass(frozen=True)
class Element:
    """One element line of the deck.

    ``spice``: emitted name (type letter + user name); ``kind``: SPICE type letter;
    ``pins``/``nets``: pin names and the nets they connect, in line order; ``body``: the
    validated text after the nets; ``dc_pairs``: pins joined by a DC-conducting path.
    ``values``: the same numbers as ``body``, structured, for engines that do not read
    SPICE text (floats in SI units): R ``{"ohms"}``, C ``{"farads", "ic"}``, L
    ``{"henries", "ic"}`` (``ic`` None when not given), V/I ``{"dc", "ac", "waveform"}``
    (see :func:`lithispice.netlist._waveforms.source_value`), E ``{"gain"}``, G ``{"gm"}``,
    X ``{"subckt", "params"}`` (``params``: instance overrides, canonical name -> float).
    """

    spice: str
    kind: str
    pins: tuple[str, ...]
    nets: tuple[str, ...]
    body: str
    dc_pairs: tuple[tuple[str, str], ...]
    values: Mapping = field(default_factory=dict, compare=False, hash=False)

    def line(self) -> str:
        return f"{self.spice} {' '.join(self.nets)} {self.body}"


@dataclass(frozen=True)
class _DeviceInfo:
    subckt_name: str
    pins: tuple[str, ...]
    dc_pairs: tuple[tuple[str, str], ...]
    params: dict            # lower-case name -> name as the device spells it
    text: str               # validated, normalised .subckt block


#: range of Chip.temperature, K (a physical temperature: param_checks.temperature hints at
#: degrees Celsius given as K)
_CIRCUIT_T = Param(None, "temperature", "K", "circuit temperature", 0, 2000, lo_open=True)


def _positive(value, name: str, unit: str) -> str:
    text = fmt(value, name)
    if float(value) <= 0:
        raise ParameterError(name, value, f"> 0 {unit}")
    return text


class Chip:
    """A circuit under construction; see the module docstring for an example.

    ``title``: the deck's first line, written ``.title <title>`` (letters, digits, spaces
    and ``_.,:;()+-=/#%``, at most 200 characters, starting with a letter or a digit -- it
    is a SPICE line, so newlines are refused, and ngspice would expand a title
    ``.include FILE``). Assigning :attr:`title` later is validated the same way.
    ``temperature``: the circuit temperature in K (default 298.15 K, as the kernels), which
    every device at its default ``tk = 0`` follows; see :attr:`temperature`.
    """

    def __init__(self, title: str = "lithispice chip", temperature: float = 298.15):
        self.title = title
        self._g = nx.MultiGraph()
        self._elements: dict[str, Element] = {}       # lower-case SPICE name -> element
        self._subckts: dict[str, tuple[str, str]] = {}  # lower name -> (name, text)
        self._ics: dict[str, str] = {}
        self._options: dict = {}
        self._saves: list[str] = []
        self._analysis: tuple | None = None
        self._analysis_spec: dict | None = None     # the same analysis as numbers (engines)
        self._devices: dict[int, tuple[object, _DeviceInfo]] = {}   # id -> (device, info)
        self.temperature = temperature          # K; validated by the property

    # ------------------------------------------------------------------ inspection
    @property
    def temperature(self) -> float:
        """The circuit temperature, K (default 298.15 K, the kernels' default): ``.temp``
        (degC) in the ngspice deck, ``options temp`` in VACASK. Every device whose ``tk`` is
        0 (the cards' default) runs at it; an instance's ``tk > 0`` overrides it for that
        instance. ``chip.options(temp=degC)`` sets the same circuit temperature in degrees
        Celsius: whichever of the two was set last is in force (the deck carries one
        ``.temp`` line, never a second ``.options temp``)."""
        if "temp" in self._options:
            return float(self._options["temp"]) + 273.15
        return self._temperature

    @temperature.setter
    def temperature(self, kelvin: float) -> None:
        from ..devices.param_checks import temperature as _kelvin
        self._temperature = _kelvin(_CIRCUIT_T, kelvin, "temperature")
        self._options.pop("temp", None)         # the later setting wins

    @property
    def title(self) -> str:
        """The deck's first line (validated by :func:`lithispice.spice.names.check_title`)."""
        return self._title

    @title.setter
    def title(self, value: str) -> None:
        self._title = check_title(value)

    @property
    def graph(self) -> nx.MultiGraph:
        """Read-only view of the bipartite element/net graph."""
        return self._g.copy(as_view=True)

    def nets(self) -> tuple[str, ...]:
        """Net names in order of first use (lower-case; ground is ``"0"``)."""
        return tuple(n for kind, n in self._g.nodes if kind == "net")

    def elements(self) -> tuple[str, ...]:
        """SPICE names of the elements in order of addition."""
        return tuple(e.spice for e in self._elements.values())

    def element(self, spice_name: str) -> Element:
        """The element called ``spice_name`` (case-insensitive), e.g. ``"Rtop"``."""
        try:
            return self._elements[spice_name.lower()]
        except (KeyError, AttributeError):
            raise NetlistError(f"no element {spice_name!r} in chip {self.title!r}") from None

    def __repr__(self) -> str:
        return (f"Chip({self.title!r}: {len(self._elements)} elements, "
                f"{len(self.nets())} nets)")

    # ------------------------------------------------------------------ elements
    def _register(self, kind: str, name: str, pins: tuple[str, ...], nets, body: str,
                  dc_pairs, values: Mapping | None = None) -> str:
        spice = kind + check_name(name, "element name")
        key = spice.lower()
        if key in self._elements:
            raise NetlistError(f"duplicate element name {spice!r}: {self._elements[key].spice!r} "
                               "already exists (SPICE names are case-insensitive)")
        nets = tuple(check_net(n).lower() for n in nets)
        el = Element(spice, kind, tuple(pins), nets, body, tuple(dc_pairs), dict(values or {}))
        self._elements[key] = el
        self._g.add_node(("element", key), bipartite=0, name=spice, kind=kind)
        for pin, net in zip(pins, nets):
            self._g.add_node(("net", net), bipartite=1)
            self._g.add_edge(("element", key), ("net", net), key=pin, pin=pin)
        return spice

    def add(self, name: str, device: SpiceDevice, /, params: Mapping | None = None, *,
            nets: Mapping[str, str] | None = None, **pin_nets: str) -> str:
        """Instantiate ``device`` as ``X<name>``; pins connected by keyword (``p="a"``).

        Every pin of ``device.pins`` must be connected exactly once (``nets=`` is the same
        as keywords, for pin names that are not Python identifiers or clash with the
        arguments). ``params``: per-instance overrides, names from
        ``device.instance_params``, finite numbers. The device's ``.subckt`` is emitted
        once per deck; a different device text under the same ``subckt_name`` is an error.
        Returns the SPICE name.
        """
        check_name(name, "element name")
        for arg, val in (("params", params), ("nets", nets)):
            if val is not None and not isinstance(val, Mapping):
                raise NetlistError(f"element {name!r}: {arg}= must be a mapping, not "
                                   f"{type(val).__name__} (a pin called {arg!r} goes in nets=)")
        info = self._device_info(device, name)
        sub, pins = info.subckt_name, info.pins
        conn = dict(nets or {})
        overlap = sorted(set(conn) & set(pin_nets))
        if overlap:
            raise NetlistError(f"element {name!r}: pin(s) {overlap} connected twice")
        conn.update(pin_nets)
        unknown = sorted(set(conn) - set(pins))
        missing = [p for p in pins if p not in conn]
        if unknown or missing:
            raise NetlistError(
                f"element {name!r} (subckt {sub!r}, pins {list(pins)}): "
                + "; ".join(x for x in (f"unknown pin(s) {unknown}" if unknown else "",
                                        f"unconnected pin(s) {missing}" if missing else "") if x))
        words = [sub]
        given: dict[str, float] = {}
        for pname, value in (params or {}).items():
            # a SPICE name (any case) or the Python field of the same row (r_on -> ron)
            canon = info.params.get(str(pname).lower()) or instance_name(device, pname)
            if canon is None:
                hint = instance_hint(device, pname)
                raise NetlistError(f"element {name!r}: parameter {pname!r} is not an instance "
                                   f"parameter of {sub!r}" + (f"; {hint}" if hint else "")
                                   + f" (allowed: {sorted(info.params.values())})")
            if canon in given:
                raise NetlistError(f"element {name!r}: parameter {canon!r} given twice "
                                   f"(as {pname!r} too)")
            # the device's table: range, K not degrees Celsius, bar not ppm
            x = check_instance_param(device, canon, value, f"{name}.{canon}")
            words.append(f"{canon}={fmt(x, f'{name}.{canon}')}")
            given[canon] = x
        known = self._subckts.get(sub.lower())
        if known is not None and known[1] != info.text:
            raise NetlistError(f"two different devices share subckt name {sub!r}: give each "
                               "parameter set its own subckt_name")
        # only now mutate: a refused add leaves the chip unchanged
        spice = self._register("X", name, pins, [conn[p] for p in pins], " ".join(words),
                               info.dc_pairs, {"subckt": sub, "params": given})
        self._subckts.setdefault(sub.lower(), (sub, info.text))
        return spice

    def _device_info(self, device, name: str) -> "_DeviceInfo":
        """Validated SPICE view of ``device``, computed once per device object.

        Devices are frozen parameter sets, so the same object always yields the same text;
        caching by identity (the cache keeps the object alive, so its id is not reused)
        makes a 128 x 128 crossbar of one device validate its subckt once, not 16384 times.
        """
        hit = self._devices.get(id(device))
        if hit is not None and hit[0] is device:
            return hit[1]
        if not isinstance(device, SpiceDevice):
            raise NetlistError(f"element {name!r}: {type(device).__name__} is not a SpiceDevice "
                               "(needs subckt_name, pins, dc_paths, instance_params, subckt())")
        sub = check_name(device.subckt_name, "subckt name")
        pins = tuple(check_name(p, "pin name") for p in device.pins)
        if not pins or len({p.lower() for p in pins}) != len(pins):
            raise NetlistError(f"device {sub!r}: pins {list(pins)} must be non-empty and unique")
        dc_pairs = []
        for pair in device.dc_paths:
            if len(pair) != 2 or any(p not in pins for p in pair):
                raise NetlistError(f"device {sub!r}: dc_paths entry {pair!r} names pins outside "
                                   f"{list(pins)}")
            dc_pairs.append(tuple(pair))
        params = {p.lower(): check_name(p, "instance parameter") for p in device.instance_params}
        text = validate_subckt_text(device.subckt(), sub, pins)
        info = _DeviceInfo(sub, pins, tuple(dc_pairs), params, text)
        self._devices[id(device)] = (device, info)
        return info

    def resistor(self, name: str, a: str, b: str, ohms: float) -> str:
        """``R<name> a b ohms`` (ohms > 0). Conducts DC."""
        body = _positive(ohms, f"{name}.ohms", "ohm")
        return self._register("R", name, ("a", "b"), (a, b), body, [("a", "b")],
                              {"ohms": float(ohms)})

    def capacitor(self, name: str, a: str, b: str, farads: float, ic: float | None = None) -> str:
        """``C<name> a b farads [ic=V]`` (farads > 0). ``ic`` (volts, a - b) is used only by
        ``tran(uic=True)``; use :meth:`ic` to set a node for the operating point. No DC path."""
        body = _positive(farads, f"{name}.farads", "F")
        if ic is not None:
            body += f" ic={fmt(ic, f'{name}.ic')}"
        return self._register("C", name, ("a", "b"), (a, b), body, [],
                              {"farads": float(farads), "ic": None if ic is None else float(ic)})

    def inductor(self, name: str, a: str, b: str, henries: float, ic: float | None = None) -> str:
        """``L<name> a b henries [ic=A]`` (henries > 0). Conducts DC."""
        body = _positive(henries, f"{name}.henries", "H")
        if ic is not None:
            body += f" ic={fmt(ic, f'{name}.ic')}"
        return self._register("L", name, ("a", "b"), (a, b), body, [("a", "b")],
                              {"henries": float(henries), "ic": None if ic is None else float(ic)})

    def vsource(self, name: str, p: str, n: str, dc: float = 0.0, *, ac=None, pwl=None,
                sine=None, pulse=None) -> str:
        """Independent voltage source ``V<name>``, V(p) - V(n) in volts.

        ``pwl``: sequence of (time s, volts); ``sine``: mapping/sequence offset, amplitude,
        freq (Hz), delay (s), damping (1/s), phase (deg); ``pulse``: v1, v2, delay, rise,
        fall, width, period (s). At most one waveform; ``dc`` is the value of ``.op`` and
        ``.dc`` (a transient starts from the waveform's value at t = 0); ``ac`` is a
        magnitude or (magnitude, phase deg). The result key of its current is
        ``i(v<name>)``, positive flowing from p through the source to n.
        """
        body, values = source_value(dc, ac, pwl, sine, pulse, what=name)
        return self._register("V", name, ("p", "n"), (p, n), body, [("p", "n")], values)

    def isource(self, name: str, p: str, n: str, dc: float = 0.0, *, ac=None, pwl=None,
                sine=None, pulse=None) -> str:
        """Independent current source ``I<name>`` in amperes; waveforms as :meth:`vsource`.

        SPICE convention: positive current flows from p through the source to n (it
        *leaves* the circuit at p). No DC path.
        """
        body, values = source_value(dc, ac, pwl, sine, pulse, what=name)
        return self._register("I", name, ("p", "n"), (p, n), body, [], values)

    def vcvs(self, name: str, p: str, n: str, cp: str, cn: str, gain: float) -> str:
        """``E<name>``: V(p) - V(n) = gain * (V(cp) - V(cn)). The output is an ideal voltage
        source (a DC path p-n); the control pins draw no current."""
        body = fmt(gain, f"{name}.gain")
        return self._register("E", name, ("p", "n", "cp", "cn"), (p, n, cp, cn), body,
                              [("p", "n")], {"gain": float(gain)})

    def vccs(self, name: str, p: str, n: str, cp: str, cn: str, gm: float) -> str:
        """``G<name>``: current gm * (V(cp) - V(cn)) (A, gm in S) from p through it to n.
        No DC path."""
        body = fmt(gm, f"{name}.gm")
        return self._register("G", name, ("p", "n", "cp", "cn"), (p, n, cp, cn), body, [],
                              {"gm": float(gm)})

    # ------------------------------------------------------------------ controls
    def ic(self, net: str, volts: float) -> None:
        """Initial node voltage: ``.ic v(net)=volts``. Without ``uic`` ngspice holds the
        node there during the initial operating point, then releases it."""
        net = check_net(net).lower()
        if net == GROUND:
            raise NetlistError("an initial condition on ground ('0') is meaningless")
        self._ics[net] = fmt(volts, f"ic.{net}")

    def options(self, **kw) -> dict:
        """Set simulator options from a whitelist (see ``_analyses.OPTIONS``), e.g.
        ``options(reltol=1e-4, method="gear")``; returns all options set so far."""
        self._options = _analyses.validate_options(self._options, kw)
        return dict(self._options)

    def save(self, *vectors: str) -> None:
        """Restrict the output to these vectors: ``"v(net)"``, a bare net name, ``"i(Vname)"``
        (current of a V/E source or inductor) or ``"all"``. By default ngspice saves all
        node voltages and source currents."""
        for vec in vectors:
            if not isinstance(vec, str):
                raise NameValidationError(f"invalid save vector {vec!r}")
            m_v, m_i = _SAVE_V.match(vec.strip()), _SAVE_I.match(vec.strip())
            if vec.strip().lower() == "all":
                out = "all"
            elif m_v or m_i is None:
                net = check_net(m_v.group(1) if m_v else vec).lower()
                if net == GROUND:
                    raise NetlistError("save: ground ('0') is the reference, always 0 V")
                out = f"v({net})"
            else:
                out = f"i({check_name(m_i.group(1), 'element name').lower()})"
            if out not in self._saves:
                self._saves.append(out)

    # ------------------------------------------------------------------ analyses
    # One analysis per deck: calling another replaces it, so the same chip can be re-run
    # with .op and then .tran without rebuilding it.
    def tran(self, tstep: float, tstop: float, tstart: float = 0.0, tmax: float | None = None,
             uic: bool = False) -> None:
        """Transient analysis: output step ``tstep``, end ``tstop``, output from ``tstart``,
        internal step limit ``tmax`` (all s); ``uic`` skips the operating point."""
        self._analysis = ("tran", _analyses.tran_line(tstep, tstop, tstart, tmax, uic))
        self._analysis_spec = {"kind": "tran", "tstep": float(tstep), "tstop": float(tstop),
                               "tstart": float(tstart),
                               "tmax": None if tmax is None else float(tmax), "uic": uic}

    def op(self) -> None:
        """DC operating point."""
        self._analysis = ("op", ".op")
        self._analysis_spec = {"kind": "op"}

    def dc(self, source: str, start: float, stop: float, step: float) -> None:
        """DC sweep of an independent source (its SPICE name, e.g. ``"Vin"``, or the name
        given to :meth:`vsource`/:meth:`isource`), in volts or amperes."""
        check_name(source, "dc source")
        self._analysis = ("dc", source, _analyses.dc_values(start, stop, step))
        self._analysis_spec = {"kind": "dc", "source": source, "start": float(start),
                               "stop": float(stop), "step": float(step)}

    def ac(self, variation: str = "dec", points: int = 10, fstart: float = 1.0,
           fstop: float = 1e6) -> None:
        """Small-signal AC sweep (Hz); sources need an ``ac=`` magnitude."""
        self._analysis = ("ac", _analyses.ac_line(variation, points, fstart, fstop))
        self._analysis_spec = {"kind": "ac", "variation": variation.lower(), "points": points,
                               "fstart": float(fstart), "fstop": float(fstop)}

    # ------------------------------------------------------------------ checks and output
    def _resolve_source(self, source: str) -> str:
        srcs = [e for e in self._elements.values() if e.kind in ("V", "I")]
        hit = [e for e in srcs if e.spice.lower() == source.lower()]
        if not hit:
            hit = [e for e in srcs if e.spice[1:].lower() == source.lower()]
        if len(hit) != 1:
            raise NetlistError(f"dc sweep source {source!r}: "
                               + ("ambiguous, " if hit else "not found, ")
                               + f"independent sources are {[e.spice for e in srcs]}")
        return hit[0].spice

    def problems(self) -> list[str]:
        """Everything :meth:`check` would complain about, as a list of messages."""
        shunted = any(float(self._options.get(k, 0.0)) > 0 for k in ("rshunt", "gshunt"))
        found = topology_problems(self._g, self._elements.values(), dc_check=not shunted)
        nets = set(self.nets())
        counts = Counter(e.spice.lower() for e in self._elements.values())
        dups = sorted(k for k, c in counts.items() if c > 1)
        if dups:
            found.append(f"duplicate element names {dups}")
        for net in self._ics:
            if net not in nets:
                found.append(f".ic on net {net!r}, which no element connects to")
        for vec in self._saves:
            if vec.startswith("v(") and vec[2:-1] not in nets:
                found.append(f"save {vec!r}: no such net")
            elif vec.startswith("i("):
                el = self._elements.get(vec[2:-1])
                if el is None or el.kind not in ("V", "E", "L"):
                    found.append(f"save {vec!r}: no voltage source, E source or inductor "
                                 f"called {vec[2:-1]!r}")
        if self._analysis and self._analysis[0] == "dc":
            try:
                self._resolve_source(self._analysis[1])
            except NetlistError as err:
                found.append(str(err))
        return found

    def check(self) -> None:
        """Raise NetlistError listing every problem: no ground, floating nets (one pin),
        nets without a DC path to ground, voltage-source loops, duplicate names, dangling
        .ic/.save/.dc references. Called by :meth:`deck`."""
        found = self.problems()
        if found:
            err = NetlistError(f"chip {self.title!r} has {len(found)} problem(s):\n  - "
                               + "\n  - ".join(found))
            err.problems = found
            raise err

    def deck(self) -> str:
        """The ngspice deck as text (checked first). Same chip -> byte-identical text."""
        self.check()
        # '.title' (ngspice's title card) rather than a bare first line: ngspice reads either
        # as the title, and spicelib's SpiceEditor opens only decks whose first line starts
        # with '*' or '.title'. One card per line, for the same editor (see _lines.py).
        out = [".title " + self.title,
               "* generated by lithispice.netlist.Chip; regenerate, do not edit"]
        if self._subckts:
            out.append("* --- subcircuits")
            for _, text in self._subckts.values():
                # the cards' temper rule resolved to this chip's temperature (same values,
                # ngspice runs B-source arrays twice as fast: carddoc.at_temperature)
                text = at_temperature(text, self.temperature)
                out.append(one_card_per_line(text.rstrip("\n")))
        out.append("* --- elements")
        out += [e.line() for e in self._elements.values()]
        if self._ics:
            out.append(".ic " + " ".join(f"v({n})={v}" for n, v in self._ics.items()))
        # the circuit temperature (K -> degC, rounded past float noise: 298.15 K -> 25)
        out.append(f".temp {fmt(round(self.temperature - 273.15, 9))}")
        opt = _analyses.options_line({k: v for k, v in self._options.items() if k != "temp"})
        if opt:
            out.append(opt)
        if self._saves:
            out.append(".save " + " ".join(self._saves))
        if self._analysis is not None:
            kind = self._analysis[0]
            if kind == "dc":
                out.append(" ".join([".dc", self._resolve_source(self._analysis[1]),
                                     *self._analysis[2]]))
            else:
                out.append(self._analysis[1])
        out.append(".end")
        text = "\n".join(out) + "\n"
        check_deck_text(text)
        return text

    ENGINES = ("ngspice", "vacask")

    def run(self, timeout: float = 60.0, engine: str = "ngspice", *, progress=False, **kw):
        """Simulate and return the Result.

        ``engine``: ``"ngspice"`` (batch ngspice, :func:`lithispice.engines.run_deck`;
        keywords workdir, keep_files, ngspice, stats) or ``"vacask"``
        (:func:`lithispice.engines.run_vacask`; keywords workdir, keep_files, vacask,
        osdi_for). Both give the same vector names (``v(net)``, ``v(x1.node)``,
        ``i(vname)``). ``timeout`` in seconds.

        ``progress``: True shows the simulated time against the stop time with an ETA on
        stderr while the simulator runs (``"auto"``: only when stderr is a terminal;
        default False); see :mod:`lithispice.engines.progress`. The Result keeps this
        chip's deck (``res.deck``), so ``res.to_xarray()`` and ``res.plot()`` know the
        units of device states (a memristor's ``v(x1.w)`` is dimensionless).
        """
        if not isinstance(engine, str) or engine.lower() not in self.ENGINES:
            raise ParameterError("engine", engine, " or ".join(repr(e) for e in self.ENGINES))
        if self._analysis is None:
            raise NetlistError(f"chip {self.title!r} has no analysis: call tran(), op(), dc() "
                               "or ac() before run()")
        if engine.lower() == "vacask":
            from ..engines.vacask import run_vacask
            res = run_vacask(self, timeout=timeout, progress=progress, **kw)
            try:
                res.deck = self.deck()  # the same chip as ngspice text: units of states
            except (NetlistError, ParameterError):
                pass                    # units then by name only; the result stands
            return res
        from ..engines import run_deck  # lazy: the netlist builder works without an engine
        return run_deck(self.deck(), timeout=timeout, progress=progress, **kw)

    def vacask_netlist(self, osdi_for=None) -> str:
        """The VACASK netlist of this chip as text (checked first), for inspection; see
        :func:`lithispice.engines.vacask.vacask_netlist` (``osdi_for`` compiles the device
        subcircuits, default :func:`lithispice.spice.veriloga.osdi_for_subckt`)."""
        from ..engines.vacask import vacask_netlist
        return vacask_netlist(self, osdi_for)[0]

    def to_pyspice(self):
        """This chip as a PySpice ``Circuit`` (checked first): the same subcircuits and
        element lines as :meth:`deck`. ``circuit.simulator()`` applies the chip's
        ``.options``/``.ic``/``.save``; ``circuit.run_analysis()`` runs its analysis in
        PySpice (in this process). What is mapped: :mod:`lithispice.bridges.pyspice`."""
        from ..bridges.pyspice import to_pyspice   # lazy: PySpice only when asked for
        return to_pyspice(self)
