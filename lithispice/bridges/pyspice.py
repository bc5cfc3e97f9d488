"""PySpice bridge: a lithispice device or Chip as PySpice objects.

::

    sub = Memristor.preset("LiCoO2").pyspice_subcircuit()     # a PySpice SubCircuit
    circuit = Circuit("mine")
    circuit.subcircuit(sub)
    circuit.X("m1", sub.name, "a", circuit.gnd, w0=0.2)
    simulator = circuit.simulator(temperature=25, ngspice_shared=ngspice_shared())

    circuit = chip.to_pyspice()                # a PySpice Circuit (ChipCircuit)
    simulator = circuit.simulator()            # the chip's .options, .ic and .save applied
    analysis = circuit.run_analysis(simulator) # the chip's .tran / .op / .dc / .ac

Nothing is re-authored. A device's SubCircuit prints the device's own validated ``.subckt``
text, exactly as :meth:`Chip.deck` embeds it (one card per line); its elements are opaque
to PySpice (``sub.elements`` is empty, ``sub.parameters`` lists the ``params:`` defaults).

What :func:`to_pyspice` maps (every element line of ``str(circuit)`` is checked equal to the
one of ``chip.deck()``):

* title -> ``Circuit.title``; device subcircuits -> ``circuit.subcircuit(...)``;
* R, C (``ic=``), L (``ic=``), E, G -> ``circuit.R / C / L / VCVS / VCCS`` with float values
  (PySpice 1.5 prints a float by its repr: the same digits as the deck);
* V, I -> ``circuit.V / I`` with the deck's value text (``"dc 0.0 ac 1.0 pwl(...)"``) as a
  string: PySpice has no element holding DC, AC and a waveform at once except as text;
* X -> ``circuit.X(name, subckt, *nets, **instance_params)``.

The cards follow the circuit temperature, and PySpice's default is 27 C where a Chip's is
25 C (298.15 K): give ``temperature=`` to a hand-made circuit's simulator.

PySpice keeps simulator settings on its simulator, not on the Circuit, so the
:class:`ChipCircuit` holds them and applies them in :meth:`ChipCircuit.simulator`:
the circuit temperature (``.temp`` or ``options(temp=)``) as ``simulator.temperature``
(degrees C), ``.options`` (``tnom`` as ``nominal_temperature``, flags as bare options),
``.ic`` -> ``initial_condition``, ``.save`` -> ``save``;
:meth:`ChipCircuit.run_analysis` runs the chip's analysis with the chip's numbers. PySpice
always writes ``.options TEMP`` and ``TNOM`` (27 C unless set; 27 C is ngspice's TNOM too).

Simulating: PySpice's default simulator is libngspice in the calling process. Debian's
libngspice 39 cannot be reset after a fatal error and PySpice 1.5 allows one instance per
process (docs/DESIGN.md section 8); PySpice also logs "Unsupported Ngspice version 39"
(cosmetic), and takes every ngspice note on stderr ("Note: Starting dynamic gmin
stepping") for an error: :func:`ngspice_shared` gives the simulator an instance that fails
only on real errors. Simulate in a child process when a failure must not end the caller,
as :func:`lithispice.engines.shared.run_deck_shared` does.
"""
from __future__ import annotations

import re

from PySpice.Spice.Netlist import Circuit, SubCircuit

from ..devices.base import SpiceDevice
from ..errors import NetlistError
from ..netlist._checks import validate_subckt_text
from ..netlist._lines import one_card_per_line
from ..spice.carddoc import at_temperature
from ..spice.names import check_name

__all__ = ["DeviceSubCircuit", "ChipCircuit", "subcircuit", "to_pyspice", "ngspice_shared"]

_PARAM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)\Z")


class DeviceSubCircuit(SubCircuit):
    """A PySpice SubCircuit that prints a validated ``.subckt ... .ends`` text verbatim.

    ``name``, ``external_nodes`` (the pins, in order) and ``parameters`` (the ``params:``
    defaults of the ``.subckt`` line, as text) behave as in PySpice; the element list stays
    the device's own text, so PySpice sees no elements inside.
    """

    def __init__(self, name: str, pins, text: str):
        super().__init__(name, *pins)
        self._text = text
        head = next(ln for ln in text.split("\n")
                    if ln.strip() and not ln.lstrip().startswith("*")).split()
        params = {}
        for word in head[2 + len(pins):]:
            m = _PARAM.match(word)
            if m:
                params[m.group(1)] = m.group(2)
        self._parameters = params

    @property
    def text(self) -> str:
        """The ``.subckt ... .ends`` text this SubCircuit prints."""
        return self._text

    def clone(self, name=None):
        """A copy; renaming is refused (the name is part of the text and of its hash)."""
        if name is not None and name != self.name:
            raise NetlistError(f"subcircuit {self.name!r}: a device subcircuit cannot be "
                               "renamed (its name is written inside its text)")
        return DeviceSubCircuit(self.name, self.external_nodes, self._text)

    def __str__(self) -> str:
        return self._text if self._text.endswith("\n") else self._text + "\n"


def subcircuit(device) -> DeviceSubCircuit:
    """``device`` (any :class:`lithispice.devices.SpiceDevice`: a device family, a circuit
    block, your own) as a PySpice SubCircuit: its ``.subckt`` text checked as
    :meth:`Chip.add` checks it, with one card per line as in :meth:`Chip.deck`."""
    if not isinstance(device, SpiceDevice):
        raise NetlistError(f"{type(device).__name__} is not a SpiceDevice (needs subckt_name, "
                           "pins, dc_paths, instance_params, subckt())")
    name = check_name(device.subckt_name, "subckt name")
    pins = tuple(check_name(p, "pin name") for p in device.pins)
    text = validate_subckt_text(device.subckt(), name, pins)
    return DeviceSubCircuit(name, pins, one_card_per_line(text))


def _judges_like_the_engines():
    """An NgSpiceShared subclass whose stderr judgement is that of lithispice's engines."""
    from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi, ffi_string_utf8

    from ..engines.batch import _FAILED_RUN_PATTERNS, CONVERGENCE_PATTERNS, SYNTAX_PATTERNS
    failures = [*SYNTAX_PATTERNS, *CONVERGENCE_PATTERNS, *_FAILED_RUN_PATTERNS]

    class JudgedNgSpiceShared(NgSpiceShared):
        """PySpice's libngspice, failing a command only on an ngspice error or failure
        message (the patterns the batch engine classifies), not on every stderr line:
        ngspice 39 writes its notes there ("Note: Starting dynamic gmin stepping",
        "Trying gmin = ...", "dc value used for op"), and PySpice 1.5 takes each one for an
        error (NgSpiceCommandError)."""

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            message = ffi_string_utf8(message_c)
            prefix, _, content = message.partition(" ")
            if prefix == "stderr":
                self._stderr.append(content)
                if content.lstrip().lower().startswith("error") or any(
                        p.search(content) for p in failures):
                    self._error_in_stderr = True
                    self._logger.error(content)
                else:
                    self._logger.info(content)
            else:
                self._stdout.append(content)
                if "error" in content.lower():       # PySpice's own rule for stdout
                    self._error_in_stdout = True
            return self.send_char(message, ngspice_id)

    return JudgedNgSpiceShared


def ngspice_shared():
    """The process's PySpice libngspice instance (PySpice 1.5 allows one per process), made
    by the first call as one that fails a command only on a real ngspice error, not on its
    notes (see ``JudgedNgSpiceShared``); an instance PySpice already made is returned as it
    is. Pass it to a hand-made circuit's simulator:
    ``circuit.simulator(ngspice_shared=ngspice_shared())``; :meth:`ChipCircuit.simulator`
    does so itself."""
    from PySpice.Spice.NgSpice.Shared import NgSpiceShared
    made = NgSpiceShared._instances.get(0)
    return made if made is not None else _judges_like_the_engines().new_instance()


class ChipCircuit(Circuit):
    """A PySpice Circuit built from a Chip (:func:`to_pyspice`), carrying the chip's
    simulator settings (``chip_temperature`` in degC, ``chip_options``, ``chip_ics``,
    ``chip_saves``) and analysis
    (``chip_analysis``: the numbers given to ``Chip.tran/op/dc/ac``, or None)."""

    def __init__(self, title, ground=0, global_nodes=()):
        super().__init__(title, ground, global_nodes)
        self.chip_temperature: float | None = None      # degC, as ngspice's .temp
        self.chip_options: dict = {}
        self.chip_ics: dict = {}
        self.chip_saves: list = []
        self.chip_analysis: dict | None = None

    def clone(self, title=None):
        new = super().clone(title)
        new.chip_temperature = self.chip_temperature
        new.chip_options, new.chip_ics = dict(self.chip_options), dict(self.chip_ics)
        new.chip_saves = list(self.chip_saves)
        new.chip_analysis = None if self.chip_analysis is None else dict(self.chip_analysis)
        return new

    def simulator(self, *args, **kwargs):
        """PySpice's ``Circuit.simulator(...)`` with the chip's ``.options``, ``.ic`` and
        ``.save`` applied (a ``temperature=`` / ``nominal_temperature=`` given here wins
        over the chip's ``temp`` / ``tnom``); the default libngspice instance is
        :func:`ngspice_shared` (ngspice's notes are not taken for errors)."""
        if kwargs.get("simulator", "ngspice-shared") == "ngspice-shared":
            kwargs.setdefault("ngspice_shared", ngspice_shared())
        sim = super().simulator(*args, **kwargs)
        if self.chip_temperature is not None and "temperature" not in kwargs:
            sim.temperature = self.chip_temperature
        for name, value in self.chip_options.items():
            if name == "tnom":
                if "nominal_temperature" not in kwargs:
                    sim.nominal_temperature = float(value)
            elif value is True:
                sim.options(name)
            elif value is not False:
                sim.options(**{name: value})
        if self.chip_ics:
            sim.initial_condition(**self.chip_ics)
        if self.chip_saves:
            sim.save(list(self.chip_saves))
        return sim

    def run_analysis(self, simulator=None, **simulator_kwargs):
        """Run the chip's analysis in PySpice and return PySpice's analysis object
        (``analysis.time``, ``analysis.nodes["out"]``, ``analysis.branches["vin"]``).

        ``simulator``: one from :meth:`simulator` (default: a new one, made with
        ``simulator_kwargs``). Runs in the calling process (see the module docstring).
        """
        spec = self.chip_analysis
        if spec is None:
            raise NetlistError(f"circuit {self.title!r} has no analysis: the chip had none "
                               "(call tran(), op(), dc() or ac() before to_pyspice())")
        sim = simulator if simulator is not None else self.simulator(**simulator_kwargs)
        kind = spec["kind"]
        if kind == "tran":
            return sim.transient(step_time=spec["tstep"], end_time=spec["tstop"],
                                 start_time=spec["tstart"], max_time=spec["tmax"],
                                 use_initial_condition=spec["uic"])
        if kind == "op":
            return sim.operating_point()
        if kind == "dc":
            return sim.dc(**{spec["source"]: slice(spec["start"], spec["stop"], spec["step"])})
        return sim.ac(variation=spec["variation"], number_of_points=spec["points"],
                      start_frequency=spec["fstart"], stop_frequency=spec["fstop"])


def to_pyspice(chip) -> ChipCircuit:
    """``chip`` as a PySpice Circuit (:class:`ChipCircuit`); see the module docstring for
    what is mapped. The chip is checked first (:meth:`Chip.check`, as :meth:`Chip.deck`)."""
    chip.deck()                         # every check a deck gets, before anything is built
    circuit = ChipCircuit(chip.title)
    for name, text in chip._subckts.values():
        # the cards as the deck writes them: temperature rule resolved (carddoc.at_temperature)
        circuit.subcircuit(_subcircuit_from_text(name, at_temperature(text, chip.temperature)))
    for el in chip._elements.values():
        made = _add_element(circuit, el)
        if _card_key(str(made)) != _card_key(el.line()):
            # PySpice printed something else than the deck: refuse rather than simulate
            # a different circuit
            raise NetlistError(f"element {el.spice!r}: PySpice writes {str(made)!r}, the deck "
                               f"{el.line()!r}")
    # the circuit temperature, degC, as the deck's '.temp' card writes it (Chip.deck)
    circuit.chip_temperature = round(chip.temperature - 273.15, 9)
    circuit.chip_options = {k: v for k, v in chip._options.items() if k != "temp"}
    circuit.chip_ics = dict(chip._ics)
    circuit.chip_saves = list(chip._saves)
    spec = chip._analysis_spec
    if spec is not None:
        spec = dict(spec)
        if spec["kind"] == "dc":
            spec["source"] = chip._resolve_source(spec["source"])
    circuit.chip_analysis = spec
    return circuit


def _card_key(line: str):
    """A card's words, its ``name=value`` words as a set (PySpice sorts instance
    parameters by name; SPICE does not care about their order)."""
    words = line.split()
    return ([w for w in words if "=" not in w], sorted(w for w in words if "=" in w))


def _subcircuit_from_text(name: str, text: str) -> DeviceSubCircuit:
    """The SubCircuit of a chip's (already validated) subckt text."""
    head = next(ln for ln in text.split("\n")
                if ln.strip() and not ln.lstrip().startswith("*")).split()
    pins = []
    for word in head[2:]:
        if word.lower() == "params:" or "=" in word:
            break
        pins.append(word)
    return DeviceSubCircuit(name, pins, one_card_per_line(text))


def _add_element(circuit: Circuit, el):
    """Add one chip Element to ``circuit`` through PySpice's element methods."""
    name, v = el.spice[1:], el.values
    if el.kind == "R":
        return circuit.R(name, *el.nets, v["ohms"])
    if el.kind in ("C", "L"):
        key = "farads" if el.kind == "C" else "henries"
        extra = {} if v["ic"] is None else {"initial_condition": v["ic"]}
        return getattr(circuit, el.kind)(name, *el.nets, v[key], **extra)
    if el.kind in ("V", "I"):
        return getattr(circuit, el.kind)(name, *el.nets, el.body)
    if el.kind == "E":
        return circuit.VCVS(name, *el.nets, voltage_gain=v["gain"])
    if el.kind == "G":
        return circuit.VCCS(name, *el.nets, transconductance=v["gm"])
    if el.kind == "X":
        return circuit.X(name, v["subckt"], *el.nets, **v["params"])
    raise NetlistError(f"element {el.spice!r}: kind {el.kind!r} has no PySpice mapping")
