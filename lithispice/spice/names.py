"""Validation of everything that is written into a SPICE deck.

A name, node or parameter value that reaches a netlist must never be able to start a new
line or a control command (``.control``, ``shell``, ``.include /etc/...``). The grammar is
deliberately strict: a letter first, then letters, digits and underscores, at most 64 chars.
Numbers must be finite floats and are printed with full precision (``repr``-exact).
"""
from __future__ import annotations

import math
import re

from ..errors import NameValidationError, ParameterError

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
# ngspice's own reserved words that would be read as something else in a node position
_RESERVED = {"params", "ic", "uic", "dc", "ac", "tran", "end", "ends", "subckt", "model"}


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a safe SPICE identifier, else raise NameValidationError.

    ``what`` names the role (e.g. "instance name", "net") for the error message.
    Ground is written ``0`` and is accepted only where :func:`check_net` is used.
    """
    if not isinstance(name, str) or not _IDENT.match(name) or name.lower() in _RESERVED:
        raise NameValidationError(
            f"invalid {what} {name!r}: must match [A-Za-z][A-Za-z0-9_]* (max 64 chars), "
            f"not a reserved word; no spaces, dots, newlines or SPICE syntax allowed")
    return name


def check_net(net: str) -> str:
    """Validate a net name; ``"0"`` (and ``"gnd"``) mean ground and are returned as ``"0"``."""
    if net == "0" or (isinstance(net, str) and net.lower() == "gnd"):
        return "0"
    return check_name(net, "net")


def fmt(value: float, name: str = "value") -> str:
    """Format a finite real number for a deck (shortest round-trip repr)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a finite real number") from None
    if not math.isfinite(x):
        raise ParameterError(name, value, "a finite real number")
    return repr(x)
