"""Helpers shared by the circuit blocks: validation, unique subckt names, smooth functions.

Every block is a frozen dataclass implementing the SpiceDevice protocol
(lithispice/devices/base.py). Smooth functions are emitted instead of hard limits because
ngspice's step control copes badly with derivative jumps, and ``limit()`` is a Monte Carlo
function in ngspice, not a clamp (DESIGN 8).
"""
from __future__ import annotations

import hashlib
import re

from ..spice.names import fmt
from ..validate import check_int, check_number as check  # noqa: F401  (re-exported)


def unique_name(prefix: str, stem: str, values) -> str:
    """``<prefix>_<stem>_<hash>``: a valid SPICE identifier unique per parameter set."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", str(stem)).strip("_")[:24] or "blk"
    digest = hashlib.sha1(repr(tuple(values)).encode()).hexdigest()[:8]
    return f"{prefix}_{stem}_{digest}"


def comment(text: str) -> str:
    """Text safe inside a SPICE comment line: one line, printable ASCII."""
    return "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))[:200]


def softplus(u: str, w: float) -> str:
    """w ln(1 + exp(u/w)) written overflow-free: max(u,0) + w ln(1 + exp(-|u|/w))."""
    return f"(max({u},0)+{fmt(w)}*ln(1+exp(-abs({u})/{fmt(w)})))"


def softclamp(x: str, lo: str, hi: str, w: float) -> str:
    """lo + softplus(x - lo) - softplus(x - hi): ~x between lo and hi (error < w e^-d/w at
    distance d from a rail), saturating smoothly within a few w of each rail."""
    return f"({lo}+{softplus(f'({x})-({lo})', w)}-{softplus(f'({x})-({hi})', w)})"


def sigmoid(x: str, w: float) -> str:
    """1/(1 + exp(-x/w)), overflow-free through tanh: 0.5 (1 + tanh(x/(2w)))."""
    return f"(0.5*(1+tanh(({x})/{fmt(2.0 * w)})))"


def supply_on(v: str, w: float = 0.05) -> str:
    """0 with no supply, 1 within ~10 w of a positive supply: gates quiescent currents so a
    collapsed supply does not draw current backwards."""
    return f"(1-exp(-max({v},0)/{fmt(w)}))"
