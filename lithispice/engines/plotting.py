"""Matplotlib figures of a :class:`~lithispice.engines.result.Plot`: one axis per unit.

Voltages, currents and device states differ by many orders of magnitude; drawn on one
scale the currents are a flat line at 0. Each unit (V, A, 1, K, C ...) gets its own axis,
stacked with a shared x axis. Complex vectors (AC) are drawn as magnitudes on a log
frequency axis. Nothing here selects a backend or shows a window: the figure works under
Agg (no display), and in a notebook it shows as usual.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..errors import ParameterError
from .quantities import DeviceMap, quantity

__all__ = ["default_signals", "plot_signals", "MAX_DEFAULT_SIGNALS"]

#: the default selection draws at most this many vectors (the first ones in file order)
MAX_DEFAULT_SIGNALS = 24


def default_signals(plot, limit: Optional[int] = MAX_DEFAULT_SIGNALS) -> list[str]:
    """The vectors worth a first look: the top-level nets ``v(net)`` and the currents of
    the top-level sources ``i(vname)`` (no ``.``: nothing inside a subcircuit), axis
    excluded, in file order; at most ``limit`` of them (None: all)."""
    out = []
    for name in plot.names:
        if name == plot.axis_name:
            continue
        n = name.lower()
        inner = n[2:-1] if n[:2] in ("v(", "i(") and n.endswith(")") else n
        if n.endswith("#branch"):
            inner = n[:-7]
        if "." in inner:
            continue
        if n.startswith("v(") or n.startswith("i(") or n.endswith("#branch"):
            out.append(name)
    return out if limit is None else out[:limit]


def _resolve(plot, key: str) -> str:
    """The plot's own name for ``key`` (``out`` -> ``v(out)``, ``v1#branch`` <-> ``i(v1)``),
    or the key itself for a differential ``v(a,b)``."""
    k = plot._resolve(key)
    return plot.names[k] if k is not None else key


def plot_signals(plot, signals: Sequence[str] = (), *, devices: Optional[DeviceMap] = None,
                 ax=None, title: Optional[str] = None, legend: bool = True, **line_kw):
    """Draw ``signals`` of ``plot`` against its axis, one matplotlib Axes per unit.

    Args:
        signals: vector names as ``plot[...]`` accepts them (``"v(out)"``, ``"out"``,
            ``"i(vdd)"``, ``"v(x1.w)"``, ``"v(a,b)"``); none: :func:`default_signals`.
        devices: the deck's device map, for the units of device states (quantities.py).
        ax: None (a new figure, one row per unit), one Axes (one unit; two units: the
            second on ``ax.twinx()``), or a sequence of Axes, one per unit in order of
            first appearance.
        title: figure title (default: the plot's name).
        legend: draw a legend on every axis.
        line_kw: passed to ``Axes.plot`` (``lw``, ``alpha`` ...).

    Returns:
        list of the Axes, one per unit (``axes[0].figure`` is the figure).

    Raises:
        ParameterError: an unknown vector, no vector to draw, or ``ax`` that cannot hold
            the units.
    """
    names = list(signals) if signals else default_signals(plot)
    if not names:
        raise ParameterError("signals", tuple(signals), "at least one vector of the plot",
                             f"available: {', '.join(plot.names[:20])}")
    groups: dict = {}                  # unit -> [(label, values, quantity)]
    for key in names:
        if not isinstance(key, str):
            raise ParameterError("signals", key, "vector names (str)")
        try:
            y = plot[key]
        except KeyError:
            raise ParameterError("signals", key, "a vector of the plot",
                                 f"available: {', '.join(plot.names[:30])}"
                                 + (", ..." if len(plot.names) > 30 else "")) from None
        name = _resolve(plot, key)
        types = dict(zip(plot.names, plot.types))
        q = quantity(name, types.get(name, ""), devices)
        groups.setdefault(q.unit, []).append((name, np.asarray(y), q))
    axes = _axes(ax, len(groups))
    x = plot.axis if plot.axis is not None else np.arange(len(plot), dtype=float)
    xq = (quantity(plot.axis_name, plot.types[0]) if plot.axis_name is not None
          else None)                                   # .op / .tf: points, no unit
    complex_data = plot.is_complex
    for a, (unit, items) in zip(axes, groups.items()):
        kinds = {q.kind for _, _, q in items}
        kind = kinds.pop() if len(kinds) == 1 else "value"
        descs = {q.description for _, _, q in items}
        if kind not in ("voltage", "current") and len(descs) == 1 and len(items) == 1:
            kind = descs.pop() or kind        # e.g. "temperature", "memristor state w: ..."
            kind = kind.split(":")[0]
        for name, y, _ in items:
            if np.iscomplexobj(y):
                a.plot(x, np.abs(y), label=f"|{name}|", **line_kw)
            else:
                a.plot(x, y, label=name, **line_kw)
        a.set_ylabel(f"{'|' + kind + '|' if complex_data else kind} ({unit or 'no unit'})")
        a.grid(alpha=0.3)
        if legend:
            a.legend(fontsize=7, loc="best", ncol=2 if len(items) > 8 else 1)
        if complex_data and (plot.axis_name or "").lower() == "frequency":
            a.set_xscale("log")
    xlabel = "point" if xq is None else plot.axis_name + (f" ({xq.unit})" if xq.unit else "")
    axes[-1].set_xlabel(xlabel)
    if title is None:
        title = plot.plotname or ""
    if title:
        axes[0].set_title(title)
    return axes


def _axes(ax, n: int) -> list:
    if ax is None:
        import matplotlib.pyplot as plt
        fig, arr = plt.subplots(n, 1, sharex=True, squeeze=False,
                                figsize=(9, 2.2 + 2.3 * n), layout="constrained")
        return list(arr[:, 0])
    if hasattr(ax, "plot"):                      # one Axes
        if n == 1:
            return [ax]
        if n == 2:
            return [ax, ax.twinx()]
        raise ParameterError("ax", ax, "ax=None or a sequence of one Axes per unit",
                             f"the signals have {n} units; one Axes holds at most two "
                             "(the second on twinx)")
    axes = list(ax)
    if len(axes) != n:
        raise ParameterError("ax", f"{len(axes)} Axes", f"{n} Axes, one per unit")
    return axes
