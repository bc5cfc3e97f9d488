"""Validation of everything that is written into a SPICE deck.

A name, node or parameter value that reaches a netlist must never be able to start a new
line or a control command (``.control``, ``shell``, ``.include /etc/...``). The grammar is
deliberately strict: a letter first, then letters, digits and underscores, at most 64 chars.
Numbers must be finite floats and are printed with full precision (``repr``-exact).

Free text has two safe forms only: a deck *title* (:func:`check_title`: a fixed safe
character set, starting with a letter or digit, one line -- never ``.include``, ``*`` or
``+``) and *comment text* (:func:`comment_text`: any string flattened to one line of
printable ASCII, to be written after a ``*`` by the library itself).
"""
from __future__ import annotations

import math
import re

from ..errors import NameValidationError, ParameterError

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
# A title is the first line of an ngspice deck and of a VACASK netlist. ngspice still
# expands a first line ``.include FILE`` / ``.inc`` / ``.incl`` / ``.lib`` (any case; seen in
# ngspice 39), so the first character must be a letter or a digit, and the rest a fixed set
# without line breaks, quotes, backslashes or comment/continuation starters.
_TITLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.,:;()+\-=/#%]{0,199}\Z")
TITLE_RULE = ("1-200 characters among letters, digits, spaces and _.,:;()+-=/#%, starting "
              "with a letter or a digit (it is the deck's first line: no line breaks, no "
              "leading '.', '*' or '+')")
# ngspice's own reserved words that would be read as something else in a node position
_RESERVED = {"params", "ic", "uic", "dc", "ac", "tran", "end", "ends", "subckt", "model"}


def _shown(value, limit: int = 80) -> str:
    """``repr`` of a refused value for an error message, cut to ``limit`` characters (a
    megabyte-long name must not make a megabyte-long message)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a safe SPICE identifier, else raise NameValidationError.

    ``what`` names the role (e.g. "instance name", "net") for the error message.
    Ground is written ``0`` and is accepted only where :func:`check_net` is used.
    """
    if not isinstance(name, str) or not _IDENT.match(name) or name.lower() in _RESERVED:
        raise NameValidationError(
            f"invalid {what} {_shown(name)}: must match [A-Za-z][A-Za-z0-9_]* (max 64 chars), "
            f"not a reserved word; no spaces, dots, newlines or SPICE syntax allowed")
    return str.__str__(name)        # a plain str, whatever subclass came in


def check_title(title: str, what: str = "title") -> str:
    """Return ``title`` if it is a safe deck title (see ``TITLE_RULE``), else raise
    NameValidationError. The message shows the title through ``repr`` only."""
    if not isinstance(title, str) or not _TITLE.match(title):
        raise NameValidationError(f"invalid {what} {_shown(title)}: {TITLE_RULE}")
    return str.__str__(title)


def comment_text(text, limit: int = 200) -> str:
    """``text`` flattened to one line of printable ASCII for a comment line the library
    writes after ``*`` (or ``//``): every other character -- line breaks ``\\n \\r``,
    ``\\x0b \\x0c``, NUL, U+0085, U+2028, U+2029, any non-ASCII -- becomes a space, and it is
    cut to ``limit`` characters. The result can never start a new card."""
    return "".join(c if " " <= c <= "~" else " " for c in str(text))[:limit].strip()


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
