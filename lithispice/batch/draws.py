"""What a point drew: the per-point random inputs of a sweep, recorded beside its results.

A deck function draws device-to-device variability from the point's own stream
(:meth:`~lithispice.batch.Point.rng`), typically with :func:`~lithispice.batch.instance_variation`.
Those numbers decide the result but are not sweep parameters, so before this module a Monte
Carlo Dataset could not say which r_on gave which column current. Now:

* while a sweep makes a point's deck (:func:`recording`), every
  :func:`~lithispice.batch.instance_variation` call records what it drew into the point
  (:meth:`Point.record`), named after the parameter as the device's Python API spells it
  (``ron`` -> ``r_on``), with its unit (``ohm``), its SPICE name and the spread; a deck
  function drawing by other means calls ``point.record(name, value, units=...)`` itself;
* the sweep keeps each point's draws (also for points reused from the store: the deck is
  made for every point anyway, to key it) and writes them next to the sweep's manifest
  (``manifests/<sweep id>.draws.npz``, :func:`save` / :func:`load`), so
  :func:`~lithispice.batch.open_sweep` shows them too;
* the Dataset gets one data variable per drawn name over the space's dimensions plus the
  draw's own (``r_on (point, row, col)``, see :func:`default_dims`).

Draws never enter a point's store key: they follow from the seed and the deck function,
which the key already covers (through the deck text they produce), so stores written before
draws were recorded stay resumable.
"""
from __future__ import annotations

import contextlib
import contextvars
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np

__all__ = ["recording", "current_point", "default_dims", "DrawTable", "save", "load",
           "DRAWS_FORMAT"]

DRAWS_FORMAT = "lithispice-draws/1"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# the point whose deck is being made in this thread/context (None: not in a sweep)
_CURRENT: contextvars.ContextVar = contextvars.ContextVar("lithispice_sweep_point", default=None)


@contextlib.contextmanager
def recording(point):
    """Make ``point`` the one :func:`instance_variation` records into, for the duration."""
    token = _CURRENT.set(point)
    try:
        yield point
    finally:
        _CURRENT.reset(token)


def current_point():
    """The point whose deck is being made now (inside a sweep), else None."""
    return _CURRENT.get()


def default_dims(shape) -> Optional[tuple]:
    """Dimension names of a drawn array of ``shape`` when the drawer names none: a 2-D
    draw is per cell of an array (``row``, ``col``: :func:`build_crossbar`'s
    ``device_params`` layout), a 1-D one per ``cell``; None (the documented fallback
    ``<name>_dim<k>``) for more dimensions."""
    return {0: (), 1: ("cell",), 2: ("row", "col")}.get(len(shape))


def check_dims(name: str, dims, ndim: int, what: str = "dims") -> Optional[tuple]:
    """``dims`` as a tuple of ``ndim`` valid names (a string counts as one), or None."""
    from ..errors import ParameterError
    if dims is None:
        return None
    if isinstance(dims, str):
        dims = (dims,)
    try:
        dims = tuple(dims)
    except TypeError:
        raise ParameterError(f"{what} of {name}", dims, "a list of dimension names") from None
    if len(dims) != ndim:
        raise ParameterError(f"{what} of {name}", list(dims),
                             f"{ndim} dimension name(s): the value has shape of {ndim} axes")
    for d in dims:
        if not isinstance(d, str) or not _NAME.match(d):
            raise ParameterError(f"{what} of {name}", d, "a name of letters, digits and _ "
                                 "not starting with a digit")
    if len(set(dims)) != len(dims):
        raise ParameterError(f"{what} of {name}", list(dims), "distinct names")
    return dims


def make_entry(name: str, value, *, units: str = "", dims=None, attrs=None) -> dict:
    """One recorded draw: ``{"value": float64 array, "units", "dims", "attrs"}``."""
    from ..errors import ParameterError
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError("draw name", name, "a name of letters, digits and _ not "
                             "starting with a digit")
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ParameterError(f"draw {name}", arr.dtype, "real numbers")
    arr = arr.astype(np.float64)
    clean = {}
    for k, v in (attrs or {}).items():
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            clean[str(k)] = v
    return {"value": arr, "units": str(units or ""), "dims": check_dims(name, dims, arr.ndim),
            "attrs": clean}


class DrawTable:
    """The draws of ``n`` points: ``add(k, draws)`` with a point's ``draws`` dict,
    :meth:`variables` for the Dataset. A name's arrays of different shapes (a sweep over
    the array size) are padded with NaN to the largest."""

    def __init__(self, n: int):
        self.n = int(n)
        self.points: list = [None] * self.n

    def add(self, k: int, draws: Optional[dict]) -> None:
        if draws is not None and 0 <= k < self.n:
            self.points[k] = dict(draws)

    def __bool__(self):
        return any(self.points)

    def names(self) -> list[str]:
        out: list[str] = []
        for d in self.points:
            for name in d or ():
                if name not in out:
                    out.append(name)
        return out

    def variables(self) -> dict:
        """name -> ``(values (n, *shape), meta)`` with meta ``units``, ``dims`` (tuple or
        None) and ``attrs``, from the first point that drew it."""
        out = {}
        for name in self.names():
            entries = [d.get(name) if d else None for d in self.points]
            first = next(e for e in entries if e is not None)
            ndim = first["value"].ndim
            shape = [0] * ndim
            for e in entries:
                if e is not None and e["value"].ndim == ndim:
                    shape = [max(a, b) for a, b in zip(shape, e["value"].shape)]
            arr = np.full((self.n, *shape), np.nan)
            for k, e in enumerate(entries):
                if e is not None and e["value"].ndim == ndim:
                    arr[(k, *(slice(0, s) for s in e["value"].shape))] = e["value"]
            out[name] = (arr, {"units": first["units"], "dims": first["dims"],
                               "attrs": dict(first["attrs"])})
        return out


# --------------------------------------------------------------------------- on disk
def save(table: DrawTable, path: Path, write) -> None:
    """Write ``table`` to ``path`` with ``write(path, bytes)`` (the store's atomic write).
    An ``.npz``: ``__meta__`` (JSON as uint8: format, n, per name units/dims/attrs and the
    shape each point drew, null where it drew none) and one ``d<k>`` array (n, *shape) per
    name (NaN-padded; each point's own shape in the meta)."""
    meta = {"format": DRAWS_FORMAT, "n": table.n, "names": {}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k, (name, (arr, m)) in enumerate(table.variables().items()):
            shapes = [list(d[name]["value"].shape)
                      if d and name in d and d[name]["value"].ndim == arr.ndim - 1 else None
                      for d in table.points]
            meta["names"][name] = {"entry": f"d{k}", "units": m["units"],
                                   "dims": list(m["dims"]) if m["dims"] is not None else None,
                                   "attrs": m["attrs"], "shapes": shapes}
            zf.writestr(f"d{k}.npy", _npy(arr))
        zf.writestr("__meta__.npy", _npy(np.frombuffer(json.dumps(meta, sort_keys=True)
                                                      .encode(), dtype=np.uint8)))
    write(path, buf.getvalue())


def load(path: Path, n: int) -> Optional[DrawTable]:
    """The table saved at ``path`` (None: no file, another point count, or damaged)."""
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(bytes(_read(zf, "__meta__")).decode())
            if meta.get("format") != DRAWS_FORMAT or int(meta.get("n", -1)) != n:
                return None
            table = DrawTable(n)
            for name, m in meta["names"].items():
                arr = _read(zf, m["entry"])
                for k, shape in enumerate(m["shapes"]):
                    if shape is None:
                        continue
                    val = arr[(k, *(slice(0, int(s)) for s in shape))]
                    table.points[k] = table.points[k] or {}
                    table.points[k][name] = {"value": np.array(val), "units": m["units"],
                                             "dims": tuple(m["dims"]) if m["dims"] is not None
                                             else None, "attrs": m["attrs"]}
            return table
    except FileNotFoundError:
        return None
    except Exception:          # noqa: BLE001 - a damaged side file: the draws are unknown
        return None


def merged(new: DrawTable, old: Optional[DrawTable]) -> DrawTable:
    """``new`` with the points it lacks taken from ``old`` (an earlier, longer run of the
    same sweep: same id, so the same draws)."""
    if old is None or old.n != new.n:
        return new
    out = DrawTable(new.n)
    out.points = [a if a else b for a, b in zip(new.points, old.points)]
    return out


def _npy(arr: np.ndarray) -> bytes:
    b = io.BytesIO()
    np.lib.format.write_array(b, np.require(arr, requirements="C"), allow_pickle=False)
    return b.getvalue()


def _read(zf: zipfile.ZipFile, entry: str) -> np.ndarray:
    return np.lib.format.read_array(io.BytesIO(zf.read(f"{entry}.npy")), allow_pickle=False)
