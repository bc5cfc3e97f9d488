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


def _as_arrays(values, what: str) -> dict:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise TypeError(f"{what} must return a dict of name -> number/array, "
                        f"not {type(values).__name__}")
    out = {}
    for name, v in values.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{what}: names must be non-empty strings, got {name!r}")
        arr = np.asarray(v)
        if arr.dtype == object or arr.dtype.kind not in "biufc":
            raise TypeError(f"{what}: value {name!r} is not numeric (dtype {arr.dtype})")
        out[name] = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)
    return out


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
            extracted = _as_arrays(extract(res, point), "extract")
        stage = "waveforms"
        wanted = task.get("waveforms") or ()
        names = list(res.names) if wanted == "all" else list(wanted)
        if names:
            axis_name = res.axis_name
            for name in names:
                if axis_name is not None and name.lower() == axis_name.lower():
                    continue
                waves[name] = np.asarray(res[name])
            axis = np.asarray(res.axis) if res.axis is not None else np.arange(len(res), dtype=float)
            meta["axis_name"] = axis_name or "index"
        meta["status"] = "ok"
    except Exception as exc:          # noqa: BLE001 - every failure of the point is recorded
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
    it and run it. Returns ``("reused", key, status)``, ``("busy", key, first look)``
    (another sweep holds the point's claim: the client comes back to it later) or
    ``("ran", key, run file bytes)``; a deck function returning the wrong type gives a
    failed run of error type SweepError, stage "deck" (which stops the sweep on the
    client, as when decks are made there)."""
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
    if what in ("reused", "busy"):
        return what, key, first
    if error is not None:
        return "ran", key, pack_run({
            "key": key, "index": task["index"], "params": task["params"], "seed": task["seed"],
            "master_seed": task["master_seed"], "status": "failed", "error": error,
            "engine": engine, "extract_fn": task.get("extract_name"), "elapsed_s": 0.0})
    return "ran", key, execute(dict(task, key=key, waveforms=waveforms, **fields), extract)


class Final:
    """Extraction: the last value of vectors (the end of a transient, the operating point).

    ``final("v(out)", "i(vin)")`` -> ``{"v(out)": x, "i(vin)": y}``;
    ``final(i_col=["i(vsense0)", "i(vsense1)"])`` -> ``{"i_col": array([..., ...])}``.
    A picklable object, so it also works in spawned and Dask workers.
    """

    def __init__(self, *vectors: str, **groups):
        self.vectors = tuple(vectors)
        self.groups = {k: tuple(v) for k, v in groups.items()}
        if not self.vectors and not self.groups:
            raise ValueError("final(): name at least one vector")

    def __call__(self, result, point=None) -> dict:
        out = {v: float(np.real(result[v][-1])) for v in self.vectors}
        for name, vecs in self.groups.items():
            out[name] = np.array([float(np.real(result[v][-1])) for v in vecs])
        return out

    def __repr__(self):
        args = [repr(v) for v in self.vectors] + [f"{k}={list(v)!r}" for k, v in self.groups.items()]
        return f"final({', '.join(args)})"


def final(*vectors: str, **groups) -> Final:
    """See :class:`Final`."""
    return Final(*vectors, **groups)
