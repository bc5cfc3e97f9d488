"""What every device model offers the netlist builder.

A device is a frozen parameter set that can (a) simulate itself with the compiled kernel and
(b) export itself as an ngspice ``.subckt``. The builder needs only the SPICE side:

``subckt_name``  the name of the ``.subckt`` (a valid identifier, unique per parameter set)
``pins``         ordered pin names, as in the ``.subckt`` line
``dc_paths``     pairs of pins joined by a DC-conducting path inside the device (the builder
                 uses them to find nets without a DC path to ground)
``subckt()``     the ``.subckt ... .ends`` text (the builder includes it once per deck)
``instance_params`` names of the ``params:`` a single instance may override (e.g. ``w0``)

The families and circuit blocks also inherit :class:`SpiceExport` (``pyspice_subcircuit()``).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SpiceDevice(Protocol):
    subckt_name: str
    pins: tuple[str, ...]
    dc_paths: tuple[tuple[str, str], ...]
    instance_params: tuple[str, ...]

    def subckt(self) -> str: ...


class SpiceExport:
    """Mixin of the device families and circuit blocks: the bridges to other tools, each a
    thin call into :mod:`lithispice.bridges` (imported only when used)."""
    __slots__ = ()

    def pyspice_subcircuit(self):
        """This device as a PySpice ``SubCircuit`` that prints the device's own validated
        ``.subckt`` text (pins and ``params:`` as in :meth:`subckt`); add it with
        ``circuit.subcircuit(sub)`` and instantiate with
        ``circuit.X(name, sub.name, *nets, **instance_params)``. See
        :mod:`lithispice.bridges.pyspice`."""
        from ..bridges.pyspice import subcircuit
        return subcircuit(self)


def lookup_preset(presets: dict, name: str, overrides: dict):
    """``presets[name]``, with ``overrides`` applied through the device's validated
    ``replace``; an unknown name raises ParameterError listing the known ones."""
    from ..errors import ParameterError
    if not isinstance(name, str) or name not in presets:
        import difflib
        hint = difflib.get_close_matches(name, list(presets), n=1) if isinstance(name, str) else []
        raise ParameterError("name", name, f"one of {list(presets)}",
                             detail=f"did you mean {hint[0]!r}?" if hint else "")
    dev = presets[name]
    return dev.replace(**overrides) if overrides else dev


def hashed_subckt(device, prefix: str, make_body, placeholder: str) -> tuple[str, str]:
    """(subckt name, text) of ``device``, computed once and cached on the (frozen) instance.

    The name is ``<prefix>_<readable stem>_<8 hex of the text's sha1>``: it changes exactly when
    the SPICE text changes, so decks that embed a subckt stay valid across kernel-only changes.
    ``make_body(device)`` returns the text with ``placeholder`` where the name goes.
    """
    import hashlib
    import re
    cached = device.__dict__.get("_spice_cache")
    if cached is None:
        body = make_body(device)
        stem = re.sub(r"[^A-Za-z0-9]+", "_", device.name).strip("_")[:28] or prefix
        name = f"{prefix}_{stem}_{hashlib.sha1(body.encode()).hexdigest()[:8]}"
        cached = (name, body.replace(placeholder, name))
        object.__setattr__(device, "_spice_cache", cached)
    return cached
