"""Simulation results: :class:`Plot` (one analysis) and :class:`Result` (one ngspice run).

Vector names are ngspice's, case-insensitive: ``v(node)`` in volts (V), ``i(vname)`` in
amperes (A), the axis ``time`` in seconds (s), ``frequency`` in hertz (Hz), a DC sweep
``v(v-sweep)`` (V), ``i(i-sweep)`` (A), ``temp-sweep`` (degrees Celsius) or ``res-sweep``
(ohm). Subcircuit nodes are ``v(x1.node)``.

Sign convention of branch currents (SPICE's): ``i(v1)`` is the current flowing *into* the
positive terminal of ``v1`` and through the source to its negative terminal, so a source
that delivers power reports a negative current.

AC and noise plots are complex (complex128); their frequency axis is returned real.
"""
from __future__ import annotations

import os
import re
import weakref
from typing import Iterator, Optional, Sequence, Union

import numpy as np

__all__ = ["Plot", "Result", "PLOT_KINDS"]

#: ngspice plot names -> short analysis kind, as used by :meth:`Result.get_plot`.
PLOT_KINDS = {
    "transient analysis": "tran",
    "ac analysis": "ac",
    "dc transfer characteristic": "dc",
    "operating point": "op",
    "noise spectral density curves": "noise",
    "integrated noise": "noise_integrated",
    "transfer function": "tf",
    "sensitivity analysis": "sens",
    "ac sensitivity analysis": "sens",
    "pole-zero analysis": "pz",
    "distortion - 2nd harmonic": "disto",
    "distortion - 3rd harmonic": "disto",
    "periodic steady state analysis": "pss",
}

_AXIS_TYPES = ("time", "frequency")
_DIFF_RE = re.compile(r"^v\(([^,()]+),([^,()]+)\)$")
_GROUND = ("0", "gnd", "gnd!")


def _norm(name: str) -> str:
    return "".join(str(name).split()).lower()


class Plot:
    """One analysis of one run: named vectors over a common axis.

    Attributes:
        names: vector names in file order (ngspice spelling).
        types: ngspice vector types in the same order (``time``, ``voltage``, ``current``,
            ``frequency``, ...).
        title: the deck's title line. ``date``: ngspice's date string.
        plotname: e.g. ``"Transient Analysis"``; ``kind``: ``"tran"``, ``"ac"``, ``"dc"``,
            ``"op"``, ``"noise"``, ``"tf"``, ``"sens"``, ``"pz"``, ... (``"unknown"``).
        flags: ``"real"`` or ``"complex"``; ``is_complex``: bool.
        truncated: True when the analysis was cut short (aborted run): the raw file did not
            give its point count, which was derived from the data present.

    Index with ``plot["v(out)"]`` (case-insensitive). Also accepted: a bare node name
    (``plot["out"]`` = ``v(out)``), ``"v1#branch"`` for ``"i(v1)"`` and back, and a
    differential ``"v(a,b)"`` = ``v(a) - v(b)`` (V).
    """

    def __init__(self, names: Sequence[str], types: Sequence[str],
                 columns: Sequence[np.ndarray], *, title: str = "", date: str = "",
                 plotname: str = "", flags: str = "", truncated: bool = False):
        if not (len(names) == len(types) == len(columns)):
            raise ValueError("names, types and columns must have the same length")
        self.names: list[str] = list(names)
        self.types: list[str] = [str(t).lower() for t in types]
        self._cols: list[np.ndarray] = [np.asarray(c) for c in columns]
        self._index = {_norm(n): k for k, n in enumerate(self.names)}
        self.title = title
        self.date = date
        self.plotname = plotname
        self.kind = PLOT_KINDS.get(plotname.strip().lower(), "unknown")
        self.flags = flags or ("complex" if any(np.iscomplexobj(c) for c in self._cols) else "real")
        self.is_complex = "complex" in self.flags.lower()
        self.truncated = bool(truncated)
        self._axis_k = self._find_axis()
        self._owner = None             # weakref to the Result holding this plot (its deck)

    # -- axis -------------------------------------------------------------------------------
    def _find_axis(self) -> Optional[int]:
        if not self.names or self.kind in ("op", "tf", "sens", "pz"):
            return None
        first, typ = self.names[0].lower(), self.types[0]
        if typ in _AXIS_TYPES or first in _AXIS_TYPES or "sweep" in first:
            return 0
        return None

    @property
    def axis_name(self) -> Optional[str]:
        """Name of the independent variable (``time``, ``frequency``, ``v(v-sweep)``, ...),
        or None for an operating point / transfer function."""
        return None if self._axis_k is None else self.names[self._axis_k]

    @property
    def axis(self) -> Optional[np.ndarray]:
        """The independent variable (real float64): s, Hz, or the swept quantity's unit."""
        if self._axis_k is None:
            return None
        a = self._cols[self._axis_k]
        return a.real.copy() if np.iscomplexobj(a) else a

    @property
    def time(self) -> np.ndarray:
        """Time axis of a transient analysis, s."""
        if self.kind != "tran" and (self.axis_name or "").lower() != "time":
            raise AttributeError(
                f"plot {self.plotname!r} has no time axis; use .axis ({self.axis_name!r})")
        return self.axis

    @property
    def frequency(self) -> np.ndarray:
        """Frequency axis of an AC or noise analysis, Hz (real)."""
        if (self.axis_name or "").lower() != "frequency":
            raise AttributeError(
                f"plot {self.plotname!r} has no frequency axis; use .axis ({self.axis_name!r})")
        return self.axis

    # -- vectors ----------------------------------------------------------------------------
    def _resolve(self, key: str) -> Optional[int]:
        k = _norm(key)
        if k in self._index:
            return self._index[k]
        cands = []
        if k.endswith("#branch"):
            cands.append(f"i({k[:-7]})")
        m = re.fullmatch(r"i\((.+)\)", k)
        if m:
            cands.append(f"{m.group(1)}#branch")
        if "(" not in k:
            cands.append(f"v({k})")
        for c in cands:
            if c in self._index:
                return self._index[c]
        return None

    def __getitem__(self, key: str) -> np.ndarray:
        """Vector by ngspice name (case-insensitive): V, A, s, Hz (see class docstring)."""
        k = self._resolve(key)
        if k is not None:
            if k == self._axis_k:
                return self.axis
            return self._cols[k]
        m = _DIFF_RE.match(_norm(key))
        if m:
            return self._node(m.group(1)) - self._node(m.group(2))
        raise KeyError(self._missing(key))

    def _node(self, node: str) -> np.ndarray:
        if node in _GROUND:
            return np.zeros(len(self), dtype=np.complex128 if self.is_complex else np.float64)
        k = self._resolve(f"v({node})")
        if k is None:
            raise KeyError(self._missing(f"v({node})"))
        return self._cols[k]

    def _missing(self, key: str) -> str:
        shown = ", ".join(self.names[:30]) + (", ..." if len(self.names) > 30 else "")
        return f"no vector {key!r} in plot {self.plotname!r}; available: {shown}"

    def get(self, key: str, default=None):
        """Like ``plot[key]`` but returns ``default`` when the vector is absent."""
        try:
            return self[key]
        except KeyError:
            return default

    def v(self, node: str, ref: Optional[str] = None) -> np.ndarray:
        """Node voltage ``v(node)`` in V, or ``v(node) - v(ref)`` when ``ref`` is given."""
        out = self._node(_norm(node))
        return out if ref is None else out - self._node(_norm(ref))

    def i(self, name: str) -> np.ndarray:
        """Branch current ``i(name)`` of a voltage source / inductor, A (SPICE sign)."""
        return self[f"i({name})"]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._resolve(key) is not None

    def keys(self) -> list[str]:
        """Vector names in file order."""
        return list(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def items(self):
        """(name, array) pairs in file order."""
        return [(n, self[n]) for n in self.names]

    def __len__(self) -> int:
        """Number of points."""
        return len(self._cols[0]) if self._cols else 0

    # -- export -----------------------------------------------------------------------------
    def to_dict(self, as_lists: bool = False) -> dict:
        """``{name: array}`` in file order (the axis real); ``as_lists`` gives plain lists
        (complex values as ``[re, im]`` pairs) for JSON."""
        out = {}
        for n in self.names:
            a = self[n]
            if as_lists:
                a = np.stack([a.real, a.imag], axis=-1).tolist() if np.iscomplexobj(a) else a.tolist()
            out[n] = a
        return out

    def to_csv(self, path: Union[str, os.PathLike], delimiter: str = ",") -> None:
        """Write all vectors as columns with a header row of names; complex vectors as two
        columns ``name.re`` and ``name.im``. Values with 17 significant digits (lossless).
        A path is written whole or not at all (:mod:`lithispice.fileio`); a full disk
        raises DiskFullError."""
        header, cols = [], []
        for n in self.names:
            a = self[n]
            if np.iscomplexobj(a):
                header += [f"{n}.re", f"{n}.im"]
                cols += [a.real, a.imag]
            else:
                header.append(n)
                cols.append(a)
        mat = np.column_stack(cols) if cols else np.empty((0, 0))
        from ..fileio import atomic_path, is_path
        if not is_path(path):                  # an open file: written as given
            np.savetxt(path, mat, delimiter=delimiter, header=delimiter.join(header),
                       comments="", fmt="%.17g")
            return
        # a temporary name, then a rename: a full disk leaves no truncated CSV
        with atomic_path(path) as tmp:
            np.savetxt(tmp, mat, delimiter=delimiter, header=delimiter.join(header),
                       comments="", fmt="%.17g")

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_owner"] = None         # a weakref cannot be pickled; the Result relinks it
        return state

    def _devices(self):
        ref = getattr(self, "_owner", None)
        owner = ref() if ref is not None else None
        return owner.devices if owner is not None else None

    def __call__(self, *signals: str, ax=None, title: Optional[str] = None, **line_kw):
        """Draw vectors against the axis with matplotlib, one Axes per unit (V, A, device
        states ...), stacked with a shared x axis: ``res.plot("v(out)", "i(vdd)")`` (as
        ``res.plot`` is the primary Plot, calling it draws). No signals: the top-level nets
        and source currents (:func:`lithispice.engines.plotting.default_signals`).

        ``ax``: None (a new figure), one Axes (one unit; two units: the second on
        ``ax.twinx()``), or a sequence of Axes, one per unit. ``line_kw`` go to
        ``Axes.plot``. Agg-safe: selects no backend and shows nothing. Returns the list of
        Axes, one per unit (``axes[0].figure`` is the figure). An unknown vector raises
        ParameterError naming it."""
        from .plotting import plot_signals
        return plot_signals(self, signals, devices=self._devices(), ax=ax, title=title,
                            **line_kw)

    def to_xarray(self, devices=None):
        """This plot as an :class:`xarray.Dataset`: one variable per vector, named as
        ``plot[...]`` names it (``v(col0)``, ``i(vin)``, ``v(x1.w)``), over one dimension,
        the analysis axis: ``time`` (s), ``frequency`` (Hz), ``sweep`` (a DC sweep; the
        coordinate's attribute ``vector`` is ngspice's name, e.g. ``v(v-sweep)``) or
        ``index`` (no axis: .op, .tf). Values are the arrays ``plot[name]`` returns (complex
        for AC). Attributes of each variable: ``units`` (V, A, 1, C, K, s, Hz ...),
        ``quantity`` (voltage, current, state, control ...), ``long_name``; how the unit is
        found (device states such as a memristor's ``w``, dimensionless): see
        :mod:`lithispice.engines.quantities`. ``devices``: a
        :class:`~lithispice.engines.quantities.DeviceMap` (``Result.to_xarray`` passes the
        one of its deck)."""
        import xarray as xr
        from .quantities import quantity
        if devices is None:
            devices = self._devices()
        axis_name = self.axis_name
        if axis_name is None:
            dim = "index"
            coord = (dim, np.arange(len(self), dtype=np.int64), {"long_name": "point"})
        else:
            low = axis_name.lower()
            dim = low if low in _AXIS_TYPES else "sweep"
            q = quantity(axis_name, self.types[self._axis_k])
            coord = (dim, np.asarray(self.axis),
                     {"units": q.unit, "quantity": q.kind, "long_name": q.description or dim,
                      "vector": axis_name})
        data = {}
        for name, typ in zip(self.names, self.types):
            if name == axis_name:
                continue
            q = quantity(name, typ, devices)
            data[name] = ((dim,), self[name], {"units": q.unit, "quantity": q.kind,
                                               "long_name": q.description or name})
        ds = xr.Dataset(data, coords={dim: coord})
        ds.attrs.update(title=self.title, plotname=self.plotname, analysis=self.kind,
                        date=self.date)
        if self.truncated:
            ds.attrs["truncated"] = 1
        return ds

    def __repr__(self) -> str:
        trunc = ", truncated" if self.truncated else ""
        return (f"<Plot {self.plotname!r} kind={self.kind} points={len(self)} "
                f"vectors={len(self.names)} {self.flags}{trunc}>")


class Result:
    """The outcome of one ngspice run.

    Indexing and the vector helpers act on the *primary* plot: the only plot, or, when the
    deck ran several analyses, the first plot in file order that is not an operating point.
    Every analysis is in ``res.plots`` (ngspice's execution order); pick one with
    ``res.get_plot("ac")``.

    Views: ``res.to_xarray()`` (an xarray Dataset with units), ``res.to_netcdf(path)``,
    ``res.to_csv(path)``; ``res.plot("v(out)", "i(vdd)")`` draws with matplotlib (the
    primary :class:`Plot` is callable), one axis per unit.

    Attributes:
        plots: list of :class:`Plot`.
        plot: the primary plot.
        log: ngspice's stdout followed by its stderr (text). ``stdout``, ``stderr``: each.
        elapsed: wall-clock time of the whole run as seen by the caller, s (process start,
            simulation, reading the results).
        stats: ngspice's own figures parsed from its output: always
            ``total_analysis_time_s`` and ``total_elapsed_time_s`` (s, 1 ms resolution) when
            ngspice printed them, and with ``stats=True`` the whole ``rusage all`` set
            (``transient_iterations``, ``matrix_load_time_s``, ``circuit_equations``,
            memory figures in bytes as ``*_bytes``...).
        warnings: ngspice warnings worth a look (e.g. ignored model parameters), and
            lithispice's own notes about the deck.
        returncode: ngspice's exit status (batch) or 0 (shared).
        engine: ``"batch"`` or ``"shared"``.
        workdir: the run directory when kept (``keep_files=True``), else None.
        deck: the ngspice deck that was run (text), when the engine knows it; it tells
            :meth:`to_xarray` and :meth:`plot` which nodes are device states (units).
    """

    def __init__(self, plots: Sequence[Plot], *, stdout: str = "", stderr: str = "",
                 elapsed: float = 0.0, stats: Optional[dict] = None,
                 warnings: Sequence[str] = (), returncode: int = 0, engine: str = "batch",
                 workdir: Optional[str] = None, deck: Optional[str] = None):
        self.plots: list[Plot] = list(plots)
        if not self.plots:
            raise ValueError("a Result needs at least one plot")
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = float(elapsed)
        self.stats: dict = dict(stats or {})
        self.warnings: list[str] = list(warnings)
        self.returncode = returncode
        self.engine = engine
        self.workdir = workdir
        self._deck = deck
        self._devices = None
        self.plot: Plot = next((p for p in self.plots if p.kind != "op"), self.plots[0])
        ref = weakref.ref(self)
        for p in self.plots:
            p._owner = ref

    @property
    def log(self) -> str:
        """ngspice's stdout then stderr, as text."""
        if self.stderr:
            return self.stdout.rstrip("\n") + "\n" + self.stderr
        return self.stdout

    @property
    def analysis_time(self) -> Optional[float]:
        """ngspice's "Total analysis time", s (None if not printed)."""
        return self.stats.get("total_analysis_time_s")

    def get_plot(self, which: Union[str, int]) -> Plot:
        """A plot by index, by kind (``"tran"``, ``"ac"``, ``"dc"``, ``"op"``, ``"noise"``,
        ...: the first of that kind) or by ngspice plot name (``"AC Analysis"``)."""
        if isinstance(which, int):
            return self.plots[which]
        w = which.strip().lower()
        for p in self.plots:
            if p.kind == w or p.plotname.strip().lower() == w:
                return p
        raise KeyError(f"no plot {which!r}; plots: {[p.plotname for p in self.plots]}")

    # -- delegation to the primary plot ----------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Vector names of the primary plot."""
        return self.plot.names

    @property
    def axis(self) -> Optional[np.ndarray]:
        """Axis of the primary plot (s, Hz or the swept unit), or None for ``.op``."""
        return self.plot.axis

    @property
    def axis_name(self) -> Optional[str]:
        """Axis name of the primary plot (``time``, ``frequency``, ``v(v-sweep)``, ...)."""
        return self.plot.axis_name

    @property
    def time(self) -> np.ndarray:
        """Time axis of the primary plot, s (AttributeError if it is not a transient)."""
        return self.plot.time

    @property
    def frequency(self) -> np.ndarray:
        """Frequency axis of the primary plot, Hz (AttributeError if it has none)."""
        return self.plot.frequency

    @property
    def kind(self) -> str:
        """Analysis kind of the primary plot (``tran``, ``ac``, ``dc``, ``op``, ...)."""
        return self.plot.kind

    @property
    def truncated(self) -> bool:
        """True if any plot was cut short."""
        return any(p.truncated for p in self.plots)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.plot[key]

    def __contains__(self, key: object) -> bool:
        return key in self.plot

    def __len__(self) -> int:
        return len(self.plot)

    def get(self, key: str, default=None):
        """``res[key]`` or ``default`` when absent (primary plot)."""
        return self.plot.get(key, default)

    def v(self, node: str, ref: Optional[str] = None) -> np.ndarray:
        """Node voltage in V (``v(node) - v(ref)`` with ``ref``), primary plot."""
        return self.plot.v(node, ref)

    def i(self, name: str) -> np.ndarray:
        """Branch current ``i(name)`` in A (SPICE sign), primary plot."""
        return self.plot.i(name)

    def keys(self) -> list[str]:
        return self.plot.keys()

    def to_dict(self, as_lists: bool = False, all_plots: bool = False) -> dict:
        """``{name: array}`` of the primary plot; with ``all_plots`` a dict
        ``{"tran": {...}, "ac": {...}, ...}`` (a repeated kind gets a suffix ``_2``...)."""
        if not all_plots:
            return self.plot.to_dict(as_lists)
        out: dict = {}
        for p in self.plots:
            key, n = p.kind, 2
            while key in out:
                key, n = f"{p.kind}_{n}", n + 1
            out[key] = p.to_dict(as_lists)
        return out

    def to_csv(self, path: Union[str, os.PathLike], plot: Union[str, int, None] = None,
               delimiter: str = ",") -> None:
        """Write the primary plot (or ``plot``, see :meth:`get_plot`) to a CSV file."""
        (self.plot if plot is None else self.get_plot(plot)).to_csv(path, delimiter)

    def __setstate__(self, state):
        self.__dict__.update(state)
        ref = weakref.ref(self)
        for p in self.plots:
            p._owner = ref

    # -- views ---------------------------------------------------------------------------
    @property
    def deck(self) -> Optional[str]:
        """The ngspice deck that was run (text), or None (see the class docstring)."""
        return getattr(self, "_deck", None)     # a Result pickled before decks were kept

    @deck.setter
    def deck(self, text: Optional[str]) -> None:
        self._deck = text
        self._devices = None                    # derived from the deck: recompute

    @property
    def devices(self):
        """The :class:`~lithispice.engines.quantities.DeviceMap` of :attr:`deck` (which
        instances are lithispice devices, which nets carry a control signal); empty without
        a deck."""
        if getattr(self, "_devices", None) is None:
            from .quantities import DeviceMap, device_map
            self._devices = device_map(self.deck) if self.deck else DeviceMap()
        return self._devices

    def to_xarray(self, plot: Union[str, int, None] = None):
        """The primary plot (or ``plot``, see :meth:`get_plot`) as an :class:`xarray.Dataset`
        indexed by its axis (``time`` s, ``frequency`` Hz, ``sweep``), one variable per
        vector under the name ``res[...]`` uses (``v(col0)``, ``i(vin)``, ``v(x1.w)``) with
        ``units`` attributes: V for node voltages, A for currents, the device's unit for a
        device state (a memristor's ``v(x1.w)``: ``1``; a battery's ``v(xb.qa)``: ``C``);
        see :meth:`Plot.to_xarray` and :mod:`lithispice.engines.quantities`."""
        p = self.plot if plot is None else self.get_plot(plot)
        ds = p.to_xarray(self.devices)
        ds.attrs["engine"] = self.engine
        return ds

    def to_netcdf(self, path: Union[str, os.PathLike], plot: Union[str, int, None] = None) -> None:
        """Write :meth:`to_xarray` as netCDF-3 (scipy engine) with the vector names as they
        are; read it back with :func:`lithispice.engines.ncio.open_netcdf` (or
        ``xarray.open_dataset(path, engine="scipy")``)."""
        from .ncio import to_netcdf
        to_netcdf(self.to_xarray(plot), path)

    def default_signals(self, limit: Optional[int] = 24) -> list[str]:
        """The vectors ``res.plot()`` draws by default: top-level nets and source currents
        (nothing inside a subcircuit), at most ``limit`` (None: all)."""
        from .plotting import default_signals
        return default_signals(self.plot, limit)

    def __repr__(self) -> str:
        kinds = ",".join(p.kind for p in self.plots)
        return (f"<Result engine={self.engine} plots=[{kinds}] points={len(self.plot)} "
                f"elapsed={self.elapsed * 1e3:.1f} ms>")
