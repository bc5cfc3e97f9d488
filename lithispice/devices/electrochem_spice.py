"""SPICE forms of the shared electrochemical elements (csrc/electrochem.h) used by several
device exports, so each equation is written once on the SPICE side too."""
from __future__ import annotations

from ..materials.electrodes import (RAMADASS2004_LICOO2_DEN, RAMADASS2004_LICOO2_DOMAIN,
                                    RAMADASS2004_LICOO2_NUM)
from ..spice.names import fmt

#: stoichiometry range (x_lo, x_hi) where the Ramadass fit has no pole; callers clamp x to it
RAMADASS_DOMAIN = RAMADASS2004_LICOO2_DOMAIN


def ramadass_licoo2_expr(y2: str) -> str:
    """U(x) in V of the Ramadass et al. 2004 LiCoO2 rational fit, as an ngspice expression of
    ``y2`` = x^2 (an expression: ``v(y2)`` for a node, or a ``.func`` argument; numerator and
    denominator in Horner form, as lse_ocv_eval)."""
    def horner(c):
        expr = fmt(c[-1])
        for a in reversed(c[:-1]):
            expr = f"({fmt(a)}+{y2}*{expr})"
        return expr
    return f"{horner(RAMADASS2004_LICOO2_NUM)}/{horner(RAMADASS2004_LICOO2_DEN)}"
