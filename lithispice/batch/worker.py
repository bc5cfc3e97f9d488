"""What runs on a worker: one point = one ``run_deck`` (or ``run_vacask``) + extraction,
packed into a run file.

This module is all a worker (a local pool process or a Dask worker) needs to import: the
deck text (or the VACASK job and its models' sources, :mod:`.engine`) is made by the client,
so a cluster needs lithispice, not the user's generator code. Every failure of the point --
the simulator's (typed :mod:`lithispice.errors`), the extraction function's, a missing
waveform -- is caught here and becomes a *failed* run record with the error's type, message
and the simulator's log tail; only the death of the worker process itself is left to the
executor.
"""
from __future__ import annotations

import hashlib
import os
import socket
import time
import traceback
import uuid
import weakref

import numpy as np

from ..engines import run_deck, run_vacask
from ..errors import SimulationError
from .engine import vacask_runnable
from .space import Point
from .store import pack_run

__all__ = ["execute", "execute_point", "execute_dask", "final", "Final"]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _short_traceback(limit: int = 12) -> str:
    lines = traceback.format_exc().rstrip().splitlines()
    return "\n".join(lines[-limit:])


def _failure(stage: str, exc: BaseException) -> dict:
    err = {"type": type(exc).__name__, "stage": stage, "message": _first_line(exc)}
    if isinstance(exc, SimulationError):
        err["log_tail"] = exc.log_tail
        err["deck_lines"] = list(exc.deck_lines)
    else:
        err["log_tail"] = _short_traceback()
        err["deck_lines"] = []
    return err


def _coord_list(values) -> list | None:
    """A coordinate's values as a JSON list (numbers or text), or None if it is not one."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        return None
    if arr.dtype.kind in "biu":
        return [int(v) for v in arr]
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)):
        return [float(v) for v in arr]
    if arr.dtype.kind in "US":
        return [str(v) for v in arr]
    return None


def _labels(name: str, v) -> dict:
    """Dimension names, index coordinates and plain attributes of an ``xarray.DataArray``
    value (duck-typed: workers need not import xarray): ``{"dims": [...], "coords": {dim:
    [values]}, "attrs": {...}}``."""
    dims = [str(d) for d in v.dims]
    coords = {}
    for d in dims:
        c = v.coords.get(d) if hasattr(v, "coords") else None
        if c is not None:
            vals = _coord_list(c.values)
            if vals is not None:
                coords[d] = vals
    attrs = {str(k): a for k, a in (getattr(v, "attrs", None) or {}).items()
             if isinstance(a, (str, int, float)) and not isinstance(a, bool)
             and (not isinstance(a, float) or np.isfinite(a))}
    return {"dims": dims, "coords": coords, "attrs": attrs}


def _as_arrays(values, what: str, labels: dict | None = None) -> dict:
    """Numeric arrays of an extraction's ``{name: number, array or DataArray}``; the
    dimension names and coordinates of DataArray values go into ``labels`` (name -> ...)."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise TypeError(f"{what} must return a dict of name -> number/array, "
                        f"not {type(values).__name__}")
    out = {}
    for name, v in values.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{what}: names must be non-empty strings, got {name!r}")
        if labels is not None and hasattr(v, "dims") and hasattr(v, "values") \
                and not isinstance(v, np.ndarray):
            labels[name] = _labels(name, v)
            v = v.values
        arr = np.asarray(v)
        if arr.dtype == object or arr.dtype.kind not in "biufc":
            raise TypeError(f"{what}: value {name!r} is not numeric (dtype {arr.dtype})")
        out[name] = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)
    return out


def _result_name(res, name: str):
    """The result's own name of the vector ``name`` was asked as (``V(OUT)``, ``out`` ->
    ``v(out)``, ``v1#branch`` -> ``i(v1)``), or None when it cannot tell."""
    try:
        k = res.plot._resolve(name)
        return str(res.plot.names[k]) if isinstance(k, (int, np.integer)) else None
    except Exception:                 # noqa: BLE001 - a name only; the values are stored
        return None


def execute(task: dict, extract=None) -> bytes:
    """Run one point and return the bytes of its run file (never raises for a point's own
    failure). ``task``: key, index, params, master_seed, deck, timeout, waveforms (list of
    vector names or "all"), extract_name, engine ("ngspice" when absent; "vacask" also needs
    vacask and models, see :mod:`.engine`). ``extract(result, point) -> dict`` or None."""
    engine = task.get("engine", "ngspice")
    t0 = time.perf_counter()
    meta = {
        "key": task["key"], "index": task["index"], "params": task["params"],
        "seed": task["seed"], "master_seed": task["master_seed"],
        "deck_sha256": hashlib.sha256(task["deck"].encode()).hexdigest(),
        "extract_fn": task.get("extract_name"), "run_id": uuid.uuid4().hex,
        "pid": os.getpid(), "host": socket.gethostname(), "status": "failed", "error": None,
        "engine": engine,
    }
    extracted, waves, axis = {}, {}, None
    stage = engine
    try:
        if engine == "vacask":
            stage = "models"
            job = vacask_runnable(task)
            stage = engine
            res = run_vacask(job, timeout=task["timeout"])
            meta["vacask_elapsed_s"] = res.elapsed
        else:
            res = run_deck(task["deck"], timeout=task["timeout"])
            meta["analysis_time_s"] = res.stats.get("total_analysis_time_s")
            meta["ngspice_elapsed_s"] = res.stats.get("total_elapsed_time_s")
        meta["points"] = len(res)
        meta["warnings"] = list(res.warnings)[:20]
        stage = "extract"
        if extract is not None:
            point = Point(task["index"], dict(task["params"]), task["master_seed"])
            labels: dict = {}
            extracted = _as_arrays(extract(res, point), "extract", labels)
            if labels:      # only then: run files of plain arrays are as they always were
                meta["extracted_labels"] = labels
        stage = "waveforms"
        wanted = task.get("waveforms") or ()
        names = list(res.names) if wanted == "all" else list(wanted)
        if names:
            axis_name = res.axis_name
            canon = {}
            for name in names:
                if axis_name is not None and name.lower() == axis_name.lower():
                    continue
                waves[name] = np.asarray(res[name])
                c = _result_name(res, name)
                if c is not None and c != name:
                    canon[name] = c
            if canon:       # the Dataset names the variable as the result does
                meta["waveform_names"] = canon
            axis = np.asarray(res.axis) if res.axis is not None else np.arange(len(res), dtype=float)
            meta["axis_name"] = axis_name or "index"
        meta["status"] = "ok"
    except Exception as exc:          # noqa: BLE001 - every failure of the point is recorded
        meta.pop("extracted_labels", None)
        meta["error"] = _failure(stage, exc)
        meta["deck"] = task["deck"]   # failed points keep their deck: rerun it by hand
        extracted, waves, axis = {}, {}, None
    meta["elapsed_s"] = time.perf_counter() - t0
    try:
        return pack_run(meta, extracted, waves, axis)
    except Exception as exc:          # noqa: BLE001 - e.g. an unpackable extracted value
        meta.update(status="failed", error=_failure("store", exc), deck=task["deck"])
        return pack_run(meta)


def execute_dask(task: dict, extract=None) -> bytes:
    """:func:`execute` on a Dask worker: first gives the worker process a guardian
    (:func:`lithispice.engines.procs.enable_guardian`), so that a worker killed mid-run
    (SIGKILL, the nanny's memory limit) takes its simulator and run folder with it."""
    from ..engines import procs
    procs.enable_guardian()
    return execute(task, extract)


def execute_point(task: dict, deck_fn, extract=None):
    """Worker-side deck generation (local pools): make the point's deck (or VACASK job),
    key it, reuse the stored run if the store (a local path) has a usable one, else claim
    it and run it. Returns ``("reused", key, status, draws)``, ``("busy", key, first look,
    draws)`` (another sweep holds the point's claim: the client comes back to it later) or
    ``("ran", key, run file bytes, draws)``, ``draws`` being what the deck function drew
    (:mod:`.draws`); a deck function returning the wrong type gives a failed run of error
    type SweepError, stage "deck" (which stops the sweep on the client, as when decks are
    made there)."""
    from .engine import build_point
    from .store import point_key
    from .sweep import SweepError, _plan_task
    engine = task.get("engine", "ngspice")
    point = Point(task["index"], dict(task["params"]), task["master_seed"])
    bad_setup = False
    try:
        key, fields, error = build_point(deck_fn, point, engine, task.get("extract_id"))
    except SweepError as exc:
        key = point_key("<deck function failed: SweepError>", task["params"], task["seed"],
                        engine)
        fields, error, bad_setup = None, _failure("deck", exc), True
    what, first, waveforms = _plan_task(task, key, engine, lookup=not bad_setup,
                                        claim=error is None)
    draws = dict(point.draws)
    if what in ("reused", "busy"):
        return what, key, first, draws
    if error is not None:
        return "ran", key, pack_run({
            "key": key, "index": task["index"], "params": task["params"], "seed": task["seed"],
            "master_seed": task["master_seed"], "status": "failed", "error": error,
            "engine": engine, "extract_fn": task.get("extract_name"), "elapsed_s": 0.0}), draws
    return ("ran", key, execute(dict(task, key=key, waveforms=waveforms, **fields), extract),
            draws)


# Final -> its declared dimension names. Kept outside the object on purpose: a Final's
# state (vars()) and __call__ code are its store-key fingerprint (keys.code_fingerprint),
# and naming dimensions must not change the key of any stored point.
_FINAL_DIMS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _vector_units(vectors) -> str:
    """V or A when every vector is a node voltage ``v(...)`` or a current ``i(...)``."""
    kinds = {str(v).strip().lower()[:2] for v in vectors}
    return {"v(": "V", "i(": "A"}.get(kinds.pop(), "") if len(kinds) == 1 else ""


class Final:
    """Extraction: the last value of vectors (the end of a transient, the operating point).

    ``final("v(out)", "i(vin)")`` -> ``{"v(out)": x, "i(vin)": y}``;
    ``final(i_col=["i(vsense0)", "i(vsense1)"])`` -> ``{"i_col": array([..., ...])}``.
    ``dims={"i_col": "col"}`` names a group's dimension in the sweep's Dataset (default:
    the fallback ``i_col_dim0``); the Dataset variable also gets ``units`` (V / A, from
    the vector names) and ``vectors`` (the API names of the vectors, in order) as
    attributes. Naming dimensions changes neither the extraction nor the points' store
    keys. A picklable object, so it also works in spawned and Dask workers.
    """

    def __init__(self, *vectors: str, dims=None, **groups):
        self.vectors = tuple(vectors)
        self.groups = {k: tuple(v) for k, v in groups.items()}
        if not self.vectors and not self.groups:
            raise ValueError("final(): name at least one vector")
        if dims:
            from .draws import check_dims
            from ..errors import ParameterError
            if not isinstance(dims, dict):
                raise ParameterError("final(dims=)", dims, "a mapping group name -> dimension "
                                     "name(s)")
            for name, d in dims.items():
                if name not in self.groups:
                    raise ParameterError("final(dims=)", name,
                                         f"one of the groups {sorted(self.groups)}")
                check_dims(name, d, 1, "final(dims=)")
            _FINAL_DIMS[self] = {k: check_dims(k, v, 1) for k, v in dims.items()}

    @property
    def dims(self) -> dict:
        """Declared dimension names: group name -> (dimension,)."""
        return dict(_FINAL_DIMS.get(self, {}))

    def outputs(self) -> dict:
        """Attributes of each extracted variable in the Dataset: ``units`` and, for a
        group, ``vectors`` (comma-separated API names)."""
        out = {v: {"units": _vector_units([v])} for v in self.vectors}
        for name, vecs in self.groups.items():
            out[name] = {"units": _vector_units(vecs), "vectors": ", ".join(vecs)}
        return out

    def __call__(self, result, point=None) -> dict:
        out = {v: float(np.real(result[v][-1])) for v in self.vectors}
        for name, vecs in self.groups.items():
            out[name] = np.array([float(np.real(result[v][-1])) for v in vecs])
        return out

    def __repr__(self):
        args = [repr(v) for v in self.vectors] + [f"{k}={list(v)!r}" for k, v in self.groups.items()]
        return f"final({', '.join(args)})"


def final(*vectors: str, dims=None, **groups) -> Final:
    """See :class:`Final`."""
    return Final(*vectors, dims=dims, **groups)
