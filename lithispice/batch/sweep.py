"""Sweeps and Monte Carlo runs: ``run_sweep(deck_fn, space, store=...)``.

Flow: the space is walked point by point; each point's deck is made (``deck_fn(point)``
returns the deck text or a Chip; for ``engine="vacask"`` a Chip, whose VACASK netlist is
made, see :mod:`.engine`), keyed (sha256 of deck + parameters + seed + engine + the files the
deck includes + the extraction function's code, see :mod:`.store` and :mod:`.keys`) and
looked up in the store -- by the client (Dask, ``workers=0``) or, with a local pool, by the
worker that will run it (``generate="auto"``), which keeps the client's share of the two
cores small. A point already stored *ok* is reused; a missing one (or a failed one, unless
``retry_failed=False``) is claimed (``claims/<key>.claim``) and simulated; a point another
sweep has claimed is put off and taken from the store when that sweep has stored it (or run
here if its claim is let go or goes stale): sweeps sharing a store, also at the same time,
run each point once. The client writes every result to the store and, when the sweep ends,
its manifest (``manifests/<sweep id>.json``, one per sweep). Each finished run is
stored atomically as it arrives, so an interrupted sweep -- Ctrl-C, a killed client or
worker, a simulator crash or timeout -- is resumed by calling ``run_sweep`` again with the
same arguments: only missing and failed points run. Failed points are stored with their
error type, message and the simulator's log tail, never dropped, and never stop the others.

Results come back as an ``xarray.Dataset`` (:meth:`SweepResult.dataset`): the space's
dimensions (one per Grid parameter, else ``point``), the swept parameters, ``seed`` and
``key`` as coordinates, one variable per extracted quantity (array values over named
dimensions: ``i_col (point, col)``; undeclared ones over ``<name>_dim<k>``), what each
point drew (``r_on (point, row, col)`` in ohm, :mod:`.draws`), ``status`` (ok / failed /
missing), ``error_type``, ``error``, and the requested waveforms. Vectors keep the names the
Python API gives them (``v(col0)``, ``i(vin)``, ``v(x1.w)``: :func:`api_name`), which are
also valid netCDF names (:mod:`lithispice.engines.ncio` writes them unchanged).
"""
from __future__ import annotations

import json
import math
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..errors import LithispiceError, ParameterError
from .draws import DrawTable
from .engine import build_point, check_engine
from .executors import make_executor
from .space import Space, as_space
from .store import MANIFEST_FORMAT, Store, claim_ttl, pack_run, point_key, unpack_run

__all__ = ["run_sweep", "SweepResult", "FailedPoint", "open_sweep", "list_sweeps", "sweep_id",
           "SweepError"]


class SweepError(LithispiceError):
    """A sweep cannot be set up or assembled (bad deck function, inconsistent extraction)."""


@dataclass(frozen=True)
class FailedPoint:
    """A point whose run failed: where (``index``, ``params``), what (``error_type``:
    ConvergenceError, SimulationTimeout, NetlistSyntaxError, WorkerDied, an extraction
    function's exception ...), ``message``, ngspice's ``log_tail`` and the ``key`` of its
    run file (which also holds the deck)."""
    index: int
    params: dict
    error_type: str
    message: str
    log_tail: str
    key: str
    stage: str = ""


@dataclass
class SweepResult:
    """Outcome of :func:`run_sweep`.

    ``dataset``: the xarray Dataset; ``store``: the store path; ``n_points``; ``n_ok``,
    ``n_failed``, ``n_missing`` (not run: interrupted); ``n_ran``: simulator runs done by
    this call; ``n_reused``: points taken from the store; ``failures``: list of
    :class:`FailedPoint`; ``elapsed``: wall time, s; ``executor``: where it ran;
    ``engine``: "ngspice" or "vacask"; ``sweep_id``: the sweep's id in its store
    (``open_sweep(store, sweep=...)``).
    """
    dataset: object
    store: Path
    n_points: int
    n_ok: int
    n_failed: int
    n_missing: int
    n_ran: int
    n_reused: int
    failures: list = field(default_factory=list)
    elapsed: float = 0.0
    executor: str = ""
    engine: str = "ngspice"
    sweep_id: str = ""

    def __repr__(self):
        return (f"<SweepResult {self.n_points} points: {self.n_ok} ok, {self.n_failed} failed, "
                f"{self.n_missing} missing; ran {self.n_ran}, reused {self.n_reused}; "
                f"{self.elapsed:.1f} s in {self.engine} on {self.executor}; "
                f"store {str(self.store)!r}>")


def _name_of(fn) -> Optional[str]:
    """Identity of the extraction function, stored with each run: a stored run extracted by
    another function is not reused. Callable objects with their own repr (``final(...)``)
    include it, so ``final("v(a)")`` and ``final("v(b)")`` differ."""
    if fn is None:
        return None
    mod = getattr(fn, "__module__", None) or type(fn).__module__
    qual = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    name = f"{mod}.{qual}"
    if not hasattr(fn, "__qualname__") and type(fn).__repr__ is not object.__repr__:
        name += ":" + repr(fn)
    return name


def _reusable(meta: dict, retry_failed: bool, waveforms, extract_name,
              engine: str = "ngspice") -> bool:
    if meta.get("engine", "ngspice") != engine:
        return False                   # keys differ per engine; this is a second guard
    if meta.get("status") != "ok":
        return not retry_failed
    if meta.get("extract_fn") != extract_name:
        return False                   # extracted by another function: run again
    have = set(meta.get("waveforms", {}))
    if waveforms == "all":
        return bool(have) or meta.get("points", 0) == 0
    return set(waveforms or ()) <= have


_UNSEEN = object()


def _record_id(rec) -> str:
    """Which stored run a look saw (None: no file)."""
    if rec is None:
        return "<none>"
    return str(rec.meta.get("run_id") or "<no run id>")


def _accept(meta: dict, first: str, retry_failed: bool, waveforms, extract_name,
            engine: str) -> bool:
    """Use this stored run? Yes if reusable; also a *failed* run that appeared (or
    changed) since the first look: another sweep ran this very point meanwhile (we were
    waiting for it), and running it again would run it twice."""
    if _reusable(meta, retry_failed, waveforms, extract_name, engine):
        return True
    return (meta.get("status") != "ok" and meta.get("engine", "ngspice") == engine
            and str(meta.get("run_id") or "<no run id>") != first)


def _wanted_waveforms(rec, waveforms, extract_name, engine):
    """The waveforms to ask for when a point runs again: those requested, plus those of the
    stored ok run it replaces (same extraction), so that another sweep's waveforms survive."""
    if rec is None or waveforms == "all" or not rec.ok:
        return waveforms
    meta = rec.meta
    if meta.get("extract_fn") != extract_name or meta.get("engine", "ngspice") != engine:
        return waveforms
    extra = [w for w in meta.get("waveforms", {}) if w not in (waveforms or ())]
    return list(waveforms or ()) + extra if extra else waveforms


def _plan(st: Store, key: str, *, owner: Optional[str], ttl: float, retry_failed: bool,
          waveforms, extract_name, engine: str, first=_UNSEEN, claim: bool = True):
    """What to do with a point whose key is ``key``: ``("reused", status, None)``,
    ``("busy", first look, None)`` (another sweep holds its claim: come back later) or
    ``("run", first look, waveforms to ask for)`` -- then this process holds the claim
    (unless ``claim`` is False: a failed deck is stored without running anything)."""
    kw = dict(retry_failed=retry_failed, waveforms=waveforms, extract_name=extract_name,
              engine=engine)
    rec = st.get(key, meta_only=True)
    if first is _UNSEEN:
        first = _record_id(rec)
    if rec is not None and _accept(rec.meta, first, **kw):
        return "reused", rec.meta.get("status"), None
    if not claim or owner is None:
        return "run", first, _wanted_waveforms(rec, waveforms, extract_name, engine)
    if st.claim(key, owner, ttl) is None:
        return "busy", first, None
    # claimed: look again -- the holder before us may have stored it and let go meanwhile
    rec = st.get(key, meta_only=True)
    if rec is not None and _accept(rec.meta, first, **kw):
        st.release(key, owner)
        return "reused", rec.meta.get("status"), None
    return "run", first, _wanted_waveforms(rec, waveforms, extract_name, engine)


def _plan_task(task: dict, key: str, engine: str, *, lookup: bool = True,
               claim: bool = True):
    """:func:`_plan` on a pool worker, from what its task carries (``store``,
    ``claim_owner``, ``claim_ttl``, ``retry_failed``, ``waveforms``, ``extract_name``)."""
    if not lookup:
        return "run", _record_id(None), task.get("waveforms")
    return _plan(Store(task["store"]), key, owner=task.get("claim_owner"),
                 ttl=float(task.get("claim_ttl") or claim_ttl(task.get("timeout", 60.0))),
                 retry_failed=task["retry_failed"], waveforms=task.get("waveforms"),
                 extract_name=task.get("extract_name"), engine=engine, claim=claim)


def _fingerprint(obj, what: str) -> str:
    from .keys import code_fingerprint
    try:
        return code_fingerprint(obj)
    except Exception:                  # noqa: BLE001 - unknowable code: never reuse its runs
        return f"<{what}: no fingerprint, {uuid.uuid4().hex}>"


def sweep_id(space: Space, deck, extract_id: Optional[str], waveforms, engine: str) -> str:
    """The id of a sweep in its store (its manifest's name, ``manifests/<id>.json``): 16 hex
    digits of sha256 over the space's points, the deck function's and the extraction
    function's code (:func:`.keys.code_fingerprint`), the waveforms and the engine. The same
    sweep run again (resumed, or at the same time elsewhere) has the same id."""
    from .keys import value_fingerprint
    return value_fingerprint({"space": space.fingerprint(), "deck": _fingerprint(deck, "deck"),
                              "extract": extract_id, "waveforms": waveforms,
                              "engine": engine})[:16]


def _extract_labels(extract, dims) -> tuple[dict, dict]:
    """Declared dimension names of extracted variables (``name -> [dims]``: the extraction's
    own ``dims`` -- :class:`Final` -- overridden by run_sweep's ``dims``) and their Dataset
    attributes (``extract.outputs()``: units, vector names)."""
    from .draws import check_dims
    declared = {}
    for source, what in ((getattr(extract, "dims", None), "extract.dims"), (dims, "dims")):
        if source is None:
            continue
        if not isinstance(source, dict):
            raise ParameterError(what, source, "a mapping variable name -> dimension name(s)")
        for var, d in source.items():
            if not isinstance(var, str) or not var:
                raise ParameterError(what, var, "variable names (text)")
            d = [d] if isinstance(d, str) else d
            try:
                n = len(d)
            except TypeError:
                raise ParameterError(f"{what}[{var!r}]", d, "a list of dimension names") from None
            declared[var] = list(check_dims(var, d, n, what))
    attrs = {}
    outputs = getattr(extract, "outputs", None)
    if callable(outputs):
        try:
            attrs = {str(k): {a: v for a, v in dict(v).items() if isinstance(v, (str, int, float))}
                     for k, v in dict(outputs()).items()}
        except Exception:            # noqa: BLE001 - attributes are a courtesy
            attrs = {}
    return declared, attrs


def _save_draws(st: Store, sid: str, drawn: DrawTable) -> DrawTable:
    """Write the sweep's draws next to its manifest (merged with those an earlier run of
    the same sweep recorded for points this one did not reach); returns the merged table."""
    from .draws import load, merged, save
    path = st.path / "manifests" / f"{sid}.draws.npz"
    table = merged(drawn, load(path, drawn.n))
    if table:
        try:
            save(table, path, st._atomic_write)
        except Exception as exc:     # noqa: BLE001 - e.g. a full disk: the runs and the
            warnings.warn(f"the sweep's draws were not saved ({exc})", stacklevel=3)
            # manifest matter more; the Dataset of this call still has the draws
    return table


def run_sweep(deck: Callable, space, *, store=None, extract=None, waveforms=(),
              resample=None, workers: Optional[int] = None, scheduler=None,
              timeout: float = 60.0, retry_failed: bool = True, progress: bool = True,
              fsync: bool = False, name: Optional[str] = None,
              generate: str = "auto", engine: str = "ngspice", dims=None) -> SweepResult:
    """Run ``deck`` over every point of ``space``, each point one simulator batch run.

    A complete example (a 2 x 2 crossbar Monte Carlo whose ``v(col0)`` follows each
    point's drawn ``r_on``) is the docstring of :mod:`lithispice.batch`.

    Args:
        deck: ``point -> deck text`` (str) or ``point -> Chip`` (``engine="vacask"``: a
            Chip only); called in this process, or on local pool workers (``generate``).
            ``point`` is a :class:`~lithispice.batch.Point` (``point["r_line"]``,
            ``point.rng()`` for seeded variability).
        space: :class:`Grid`, :class:`Points`, :class:`Random` / :func:`MonteCarlo`, a
            mapping of value lists (a Grid) or a list of parameter dicts (Points).
        store: directory of the run files (created; default: a new temporary directory).
            Pass the same store again to resume. Several sweeps may share a store, also
            running at the same time: each has its own manifest, and a point they have
            in common runs once (see :mod:`.store`, *Claims*).
        extract: ``(result, point) -> {name: number or array}`` run on the worker right
            after ngspice; becomes Dataset variables (:func:`final` is a ready one). With a
            local pool or Dask it must be picklable (cloudpickle takes lambdas). Its code
            (not only its name) is part of each point's key: an edited function, or
            another lambda, does not reuse runs extracted by the old one. A value may be an
            ``xarray.DataArray``: its dimension names (and index coordinates) are kept.
        waveforms: vector names to keep whole (``["v(out)"]``), or ``"all"``.
        resample: an axis (e.g. ``np.linspace(0, 1e-3, 101)``, s) onto which waveforms are
            interpolated in the Dataset (dimension ``time``); default: raw samples padded
            with NaN (dimension ``sample``, with the axis as variable ``<axis>_axis``).
        workers: local worker processes (default: all cores; 0: in this process).
        scheduler: a Dask scheduler address or ``distributed.Client``; overrides workers.
        timeout: per-run simulator time limit, s (a run past it is killed and recorded as
            a SimulationTimeout failure).
        retry_failed: rerun points whose stored run failed (default True).
        progress: show a tqdm progress bar on stderr (completed / failed / remaining, ETA).
        fsync: make every stored run durable against power loss too (slower).
        name: a label for the progress bar and the Dataset's attributes (and a way to pick
            the sweep in :func:`open_sweep`).
        generate: where decks are made: "client" (this process), "workers" (each pool
            worker makes its points' decks and checks the store itself: the client then
            does almost nothing per point, which is what lets 2 workers use 2 cores) or
            "auto" (workers for a local pool when the deck function can be pickled --
            cloudpickle takes closures and lambdas -- else client; always client for Dask,
            whose workers need neither the generator's code nor the store's file system).
        engine: "ngspice" (``run_deck``) or "vacask" (``run_vacask`` of the point's Chip:
            the task carries its VACASK netlist and the Verilog-A sources of its compiled
            models, which a worker on another machine compiles where the .osdi is missing;
            see :mod:`lithispice.batch.engine`). Results, extraction, store, resume and
            failure records work the same; the engine is part of each point's store key.
        dims: names of the dimensions of array-valued extracted variables,
            ``{"i_col": ["col"]}`` (a string for one dimension); they override those of
            the extraction (``final(..., dims=...)``, a DataArray's). Undeclared arrays get
            ``<variable>_dim<k>``. Named dimensions get integer coordinates 0..n-1 unless the
            extraction gave others. Presentation only: no store key depends on it.

    The Dataset also records what each point *drew* (:mod:`.draws`): every
    :func:`instance_variation` call of the deck function (and every
    :meth:`Point.record`) becomes a variable named after the parameter as the Python API
    spells it (``r_on``, ``v_set``), with ``units`` (ohm, V), over the space's dimensions
    and the draw's own (``row``, ``col`` for a crossbar's cells) -- so a point's result can
    be traced to, and recomputed from, its inputs. Swept and Random-drawn parameters are
    coordinates, as before.

    The key of an ngspice point also covers the files its deck reads through ``.include`` /
    ``.lib`` (found as ngspice finds them, :mod:`.keys`): edit one and its points run
    again; a missing one makes the point fail (error type IncludeNotFoundError, stage
    "include") instead of running.

    Raises ParameterError (``engine`` unknown, bad ``workers``, ``timeout`` ...) and, for
    VACASK, VacaskNotFoundError before any point runs; SweepError for a deck function that
    returns the wrong type (deck text for VACASK, a :class:`DeckTemplate` included).
    """
    t_start = time.perf_counter()
    engine = check_engine(engine)
    if not callable(deck):
        raise ParameterError("deck", deck, "a callable point -> deck text or Chip")
    if engine == "vacask":
        from .generators import DeckTemplate
        if isinstance(deck, DeckTemplate):
            raise SweepError("engine='vacask' runs Chips: a DeckTemplate makes ngspice deck "
                             "text, which VACASK cannot run. Use engine='ngspice', or a deck "
                             "function that builds a Chip (e.g. CrossbarProgramRead)")
        from ..engines.vacask import find_vacask
        find_vacask()
    if extract is not None and not callable(extract):
        raise ParameterError("extract", extract, "a callable (result, point) -> dict, or None")
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ParameterError("timeout", timeout, "a positive number of seconds")
    if isinstance(waveforms, str) and waveforms != "all":
        waveforms = [waveforms]
    if waveforms != "all":
        waveforms = [str(w) for w in (waveforms or ())]
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 0):
        raise ParameterError("workers", workers, "an integer >= 0 (0 = in this process)")
    space = as_space(space)
    st = store if isinstance(store, Store) else Store(
        store if store is not None else tempfile.mkdtemp(prefix="lithispice-sweep-"), fsync=fsync)
    extract_name = _name_of(extract)
    extract_id = _fingerprint(extract, "extract") if extract is not None else None
    declared, out_attrs = _extract_labels(extract, dims)
    drawn = DrawTable(len(space))
    sid = sweep_id(space, deck, extract_id, waveforms, engine)
    owner = f"{sid}-{uuid.uuid4().hex[:12]}"       # this call: the owner of its claims
    ttl = claim_ttl(timeout)
    n = len(space)
    keys: list[Optional[str]] = [None] * n
    counts = {"ok": 0, "failed": 0, "ran": 0, "reused": 0}
    manifest = {"format": MANIFEST_FORMAT, "sweep_id": sid, "name": name,
                "space": space.describe(), "keys": keys, "extract_fn": extract_name,
                "extract_id": extract_id, "waveforms": waveforms, "engine": engine,
                "params": [None] * n, "seeds": [None] * n,
                "extract_dims": declared, "extract_attrs": out_attrs,
                "draws": f"{sid}.draws.npz"}
    plan_kw = dict(retry_failed=retry_failed, waveforms=waveforms, extract_name=extract_name,
                   engine=engine)

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n, desc=name or "sweep", unit="run", file=sys.stderr, dynamic_ncols=True,
                   bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
                              "{rate_fmt}{postfix}]")

    def tick(status: str):
        counts[status] += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"ok={counts['ok']} failed={counts['failed']} "
                                f"left={n - counts['ok'] - counts['failed']}", refresh=False)

    # key -> indices of this sweep waiting for the run of that key now in flight here
    inflight: dict[str, list[int]] = {}
    # key -> {"key", "indices", "first", "task"}: points another sweep is running now
    deferred: dict[str, dict] = {}

    def take(key: str, index: int) -> list[int]:
        idx = inflight.pop(key, [])
        return idx + [index] if index not in idx else idx

    def reuse(key: str, indices, status):
        for i in indices:
            keys[i] = key
            counts["reused"] += 1
            tick("ok" if status == "ok" else "failed")

    def defer(key: str, indices, first, task):
        d = deferred.setdefault(key, {"key": key, "indices": [], "first": first, "task": task})
        d["indices"].extend(i for i in indices if i not in d["indices"])

    def tasks(items):
        """Make decks just ahead of the executor; reuse what the store has; claim what
        runs here; put off what another sweep is running."""
        for item in items:
            if isinstance(item, dict):              # a put-off point, once more
                key, task, idx = item["key"], item["task"], item["indices"]
                if on_workers:
                    inflight[key] = list(idx)
                    yield task
                    continue
                what, first, wave = _plan(st, key, owner=owner, ttl=ttl, first=item["first"],
                                          **plan_kw)
                if what == "reused":
                    reuse(key, idx, first)      # (what, status, None)
                elif what == "busy":
                    defer(key, idx, item["first"], task)
                else:
                    inflight[key] = list(idx)
                    yield dict(task, waveforms=wave)
                continue
            k = item
            point = space.point(k)
            params = point.params
            manifest["params"][k] = params
            manifest["seeds"][k] = point.seed
            if on_workers:
                yield {"generate": True, "index": k, "params": params, "seed": point.seed,
                       "master_seed": space.seed, "timeout": float(timeout),
                       "waveforms": waveforms, "extract_name": extract_name,
                       "extract_id": extract_id, "store": str(st.path.resolve()),
                       "retry_failed": retry_failed, "engine": engine,
                       "claim_owner": owner, "claim_ttl": ttl}
                continue
            # a deck function or netlist failure: no deck, no deck hash -- the failure is
            # keyed by the parameters alone; a wrong return type (SweepError) stops here
            key, fields, error = build_point(deck, point, engine, extract_id)
            keys[k] = key
            drawn.add(k, point.draws)
            if error is not None:
                rec = st.get(key, meta_only=True)
                if rec is not None and _reusable(rec.meta, retry_failed, waveforms,
                                                 extract_name, engine):
                    reuse(key, [k], rec.meta.get("status"))
                    continue
                payload = pack_run({"key": key, "index": k, "params": params,
                                    "seed": point.seed, "master_seed": space.seed,
                                    "status": "failed", "error": error, "engine": engine,
                                    "extract_fn": extract_name, "elapsed_s": 0.0})
                st.put(key, payload, journal={"index": k, "status": "failed", "ran": False})
                tick("failed")
                continue
            if key in inflight:                 # the same run twice in one sweep
                inflight[key].append(k)
                continue
            if key in deferred:
                deferred[key]["indices"].append(k)
                continue
            task = {"key": key, "index": k, "params": params, "seed": point.seed,
                    "master_seed": space.seed, "timeout": float(timeout),
                    "waveforms": waveforms, "extract_name": extract_name, "engine": engine,
                    **fields}
            what, first, wave = _plan(st, key, owner=owner, ttl=ttl, **plan_kw)
            if what == "reused":
                reuse(key, [k], first)
            elif what == "busy":
                defer(key, [k], first, task)
            else:
                inflight[key] = [k]
                yield dict(task, waveforms=wave)

    def busy(task: dict, key: str, first: str):
        """A pool worker met a claim on ``key``: ours (the same run twice in this sweep,
        in flight) -> wait for it; another sweep's -> put the point off."""
        index = task["index"]
        rec = st.get(key, meta_only=True)
        if rec is not None and _accept(rec.meta, first, **plan_kw):
            reuse(key, take(key, index), rec.meta.get("status"))
            return
        c = st.read_claim(key)
        if c is not None and c.get("owner") == owner and not c.get("stale"):
            inflight.setdefault(key, []).append(index)
            return
        defer(key, take(key, index), first, task)

    def run_round(executor, items):
        for task, payload, failure in executor.run(tasks(items)):
            if isinstance(payload, tuple):          # the deck was made on the worker
                kind, key, data, point_draws = payload
                keys[task["index"]] = key
                drawn.add(task["index"], point_draws)
                if kind == "reused":
                    reuse(key, take(key, task["index"]), data)
                    continue
                if kind == "busy":
                    busy(task, key, data)
                    continue
                task = dict(task, key=key)
                payload = data
            if "key" not in task:
                # the worker died before telling the key: make the deck here to key the
                # failure like any other run of this point (deck functions are deterministic)
                try:
                    point = space.point(task["index"])
                    key, fields, _ = build_point(deck, point, engine, extract_id)
                    drawn.add(task["index"], point.draws)
                    text = (fields or {}).get("deck", "")
                except SweepError as exc:
                    text, key = "", point_key(f"<deck function failed: {type(exc).__name__}>",
                                              task["params"], task["seed"], engine)
                task = dict(task, key=key, deck=text)
                keys[task["index"]] = key
            key = task["key"]
            if payload is None:
                payload = pack_run({"key": key, "index": task["index"], "params": task["params"],
                                    "seed": task["seed"], "master_seed": task["master_seed"],
                                    "status": "failed", "deck": task["deck"],
                                    "extract_fn": extract_name, "engine": engine,
                                    "error": {"type": failure[0], "stage": "worker",
                                              "message": failure[1], "log_tail": "",
                                              "deck_lines": []}})
            meta = unpack_run(payload, meta_only=True).meta
            err = meta.get("error") or {}
            if err.get("type") == "SweepError" and err.get("stage") == "deck":
                # a deck function returning the wrong type, seen on a worker: stop, as the
                # client does when it makes the decks
                raise SweepError(err.get("message", "the deck function failed"))
            st.put(key, payload, journal={"index": task["index"], "status": meta["status"],
                                          "ran": True, "elapsed_s": meta.get("elapsed_s"),
                                          "pid": meta.get("pid")})
            st.release(key, owner)
            counts["ran"] += 1
            for i in take(key, task["index"]):
                keys[i] = key
                tick("ok" if meta["status"] == "ok" else "failed")

    def wait_for_others() -> list:
        """Put-off points: reuse those now stored; return those free to run (their claim
        was let go without a result, or went stale); wait while none is."""
        pause = 0.05
        while deferred:
            ready = []
            for key, d in list(deferred.items()):
                rec = st.get(key, meta_only=True)
                if rec is not None and _accept(rec.meta, d["first"], **plan_kw):
                    del deferred[key]
                    reuse(key, d["indices"], rec.meta.get("status"))
                    continue
                c = st.read_claim(key)
                if c is None or c.get("stale"):
                    del deferred[key]
                    ready.append(d)
            if ready:
                return ready
            if deferred:
                time.sleep(pause)
                pause = min(1.0, pause * 1.5)
        return []

    if generate not in ("auto", "client", "workers"):
        raise ParameterError("generate", generate, "'auto', 'client' or 'workers'")
    on_workers = False
    if scheduler is None and workers != 0 and generate != "client":
        from .executors import _dumps
        try:
            _dumps(deck)
            on_workers = True
        except Exception as exc:     # noqa: BLE001 - not picklable: make decks here
            if generate == "workers":
                raise ParameterError("deck", deck, "a picklable function for "
                                     f"generate='workers' ({exc})") from None
    executor = make_executor(workers, scheduler, extract, deck=deck if on_workers else None)
    interrupted = None
    try:
        items = range(n)
        while True:
            run_round(executor, items)
            items = wait_for_others()
            if not items:
                break
    except KeyboardInterrupt as exc:
        interrupted = exc
    finally:
        executor.close()
        st.release_all(owner)
        if bar is not None:
            bar.close()
        manifest["finished"] = time.time()
        drawn = _save_draws(st, sid, drawn)
        st.write_manifest(manifest)
    if interrupted is not None:
        raise interrupted
    ds, failures, n_ok, n_failed, n_missing = assemble(space, st, keys, waveforms, resample, name,
                                                       engine=engine, draws=drawn,
                                                       declared=declared, attrs=out_attrs)
    ds.attrs["sweep_id"] = sid
    return SweepResult(dataset=ds, store=st.path, n_points=n, n_ok=n_ok, n_failed=n_failed,
                       n_missing=n_missing, n_ran=counts["ran"], n_reused=counts["reused"],
                       failures=failures, elapsed=time.perf_counter() - t_start,
                       executor=executor.description, engine=engine, sweep_id=sid)


# ---------------------------------------------------------------------------------- Dataset
def _interp(axis, values, grid):
    if np.iscomplexobj(values):
        return np.interp(grid, axis, values.real) + 1j * np.interp(grid, axis, values.imag)
    return np.interp(grid, axis, values, left=np.nan, right=np.nan)


def api_name(name: str) -> str:
    """A vector name as the Python API (``Result.names``) spells it, without the result at
    hand: lower case, no spaces, ``vin#branch`` -> ``i(vin)``. (Runs stored by this version
    also record the result's own name of each requested waveform -- ``out`` -> ``v(out)``
    -- which the Dataset uses first.)"""
    s = "".join(str(name).split()).lower()
    if s.endswith("#branch") and len(s) > 7:
        return f"i({s[:-7]})"
    return s


class _Dims:
    """Gives every array variable's axes a dimension name: the one asked for when it is
    free or means the same axis (same size and coordinates), else ``<var>_<dim>``; the
    fallback ``<var>_dim<k>`` when none is asked for. Named dimensions get coordinates
    (given ones, else 0..n-1); fallback ones none."""

    def __init__(self, space_dims, space_shape):
        self.size = dict(zip(space_dims, space_shape))
        self.space = set(space_dims)
        self.coords: dict = {}

    def place(self, var: str, shape, wanted=None, given=None) -> tuple:
        if wanted is None or len(wanted) != len(shape):
            if wanted is not None:
                warnings.warn(f"dims {list(wanted)} declared for {var!r}, which has "
                              f"{len(shape)} axes (shape {tuple(shape)}): using "
                              f"{var}_dim0...", stacklevel=3)
            out = tuple(f"{var}_dim{k}" for k in range(len(shape)))
            self.size.update(zip(out, shape))
            return out
        out = []
        for d, n in zip(wanted, shape):
            vals = list((given or {}).get(d) or range(n))
            if len(vals) != n:
                vals = list(range(n))
            name = d
            if d in self.space or (d in self.size and (self.size[d] != n or
                                                      self.coords.get(d) != vals)):
                name = f"{var}_{d}"
            if name not in self.size:
                self.size[name] = n
                self.coords[name] = vals
            out.append(name)
        return tuple(out)


def assemble(space: Space, st: Store, keys, waveforms=(), resample=None, name=None,
             engine: Optional[str] = "ngspice", *, draws: Optional[DrawTable] = None,
             declared: Optional[dict] = None, attrs: Optional[dict] = None):
    """Build the Dataset of a sweep from its store; returns (ds, failures, ok, failed, missing).

    ``draws``: what each point drew (:class:`.draws.DrawTable`); ``declared``: declared
    dimension names of extracted variables; ``attrs``: their attributes."""
    import xarray as xr
    n, shape, dims = len(space), space.shape, space.dims
    records = {}
    for key in {k for k in keys if k is not None}:
        rec = st.get(key)
        if rec is not None:
            records[key] = rec
    status = np.empty(n, dtype=object)
    err_type = np.empty(n, dtype=object)
    err_msg = np.empty(n, dtype=object)
    failures = []
    xvals: dict[str, list] = {}
    xshape: dict[str, tuple] = {}
    xlabels: dict[str, dict] = {}          # dims/coords/attrs a DataArray extraction gave
    wnames: list[str] = []
    wcanon: dict[str, str] = {}            # requested name -> the result's name of it
    for k in range(n):
        rec = records.get(keys[k]) if keys[k] is not None else None
        if rec is None:
            status[k], err_type[k], err_msg[k] = "missing", "", ""
            continue
        if rec.ok:
            status[k], err_type[k], err_msg[k] = "ok", "", ""
            for xname, arr in rec.extracted.items():
                if xname not in xshape:
                    xshape[xname] = arr.shape
                    xvals[xname] = [None] * n
                elif arr.shape != xshape[xname]:
                    raise SweepError(f"extracted value {xname!r} has shape {arr.shape} at point "
                                     f"{k} but {xshape[xname]} elsewhere: an extraction must "
                                     "return the same shapes for every point")
                xvals[xname][k] = arr
            for xname, lab in (rec.meta.get("extracted_labels") or {}).items():
                xlabels.setdefault(xname, lab)
            for w in rec.waveforms:
                if w not in wnames and (waveforms == "all" or w in waveforms):
                    wnames.append(w)
            for w, c in (rec.meta.get("waveform_names") or {}).items():
                wcanon.setdefault(w, c)
        else:
            e = rec.meta.get("error") or {}
            status[k], err_type[k], err_msg[k] = "failed", e.get("type", "?"), e.get("message", "")
            failures.append(FailedPoint(k, rec.meta.get("params", {}), e.get("type", "?"),
                                        e.get("message", ""), e.get("log_tail", ""),
                                        keys[k], e.get("stage", "")))
    seeds = np.array([space.point(k).seed for k in range(n)], dtype=np.int64).reshape(shape)
    coords = dict(space.coords())
    coords["seed"] = (dims, seeds)
    coords["key"] = (dims, np.array([k or "" for k in keys], dtype=str).reshape(shape))
    data = {
        "status": (dims, status.astype(str).reshape(shape)),
        "error_type": (dims, err_type.astype(str).reshape(shape)),
        "error": (dims, err_msg.astype(str).reshape(shape)),
    }
    placer = _Dims(dims, shape)
    var_attrs: dict[str, dict] = {}
    for xname, vals in xvals.items():
        shp = xshape[xname]
        cplx = any(v is not None and np.iscomplexobj(v) for v in vals)
        arr = np.full((n,) + shp, np.nan, dtype=np.complex128 if cplx else np.float64)
        for k, v in enumerate(vals):
            if v is not None:
                arr[k] = v
        lab = xlabels.get(xname) or {}
        wanted = (dims_decl := (declared or {}).get(xname)) or lab.get("dims")
        extra = placer.place(xname, shp, tuple(wanted) if wanted else None,
                             lab.get("coords") if not dims_decl else None)
        data[xname] = (dims + extra, arr.reshape(shape + shp))
        var_attrs[xname] = {**(lab.get("attrs") or {}), **((attrs or {}).get(xname) or {})}
    if any(status[k] == "ok" for k in range(n)):
        for var in sorted(set(declared or {}) - set(xvals)):
            warnings.warn(f"dims declared for {var!r}, which no point extracted (extracted: "
                          f"{sorted(xvals) or 'nothing'})", stacklevel=3)
    # what each point drew: a variable per name ("draw:<name>" if the name is taken)
    taken = set(data) | set(coords) | set(space.names)
    for dname, (arr, meta) in (draws.variables().items() if draws else ()):
        shp = arr.shape[1:]
        extra = placer.place(dname, shp, meta["dims"])
        var = f"draw:{dname}" if dname in taken else dname
        data[var] = (dims + extra, arr.reshape(shape + shp))
        var_attrs[var] = {**meta["attrs"], "units": meta["units"],
                          "role": "drawn per point (Monte Carlo input)"}
    # a waveform whose name an extracted value already uses (final("v(out)") and
    # waveforms=["v(out)"]) is stored as "wave:<name>"; names as the API spells them
    wname = {}
    for w in wnames:
        a = wcanon.get(w) or api_name(w)
        wname[w] = a if a not in wname.values() else w
    wvar = {w: (f"wave:{wname[w]}" if wname[w] in data or wname[w] in xvals else wname[w])
            for w in wnames}
    if wnames:
        axis_name = "time"
        ok_recs = [records[keys[k]] for k in range(n) if status[k] == "ok"]
        for rec in ok_recs:
            axis_name = rec.meta.get("axis_name", axis_name)
            break
        if resample is not None:
            grid = np.asarray(resample, dtype=float)
            coords[axis_name] = (axis_name, grid)
            for w in wnames:
                arr = np.full((n, grid.size), np.nan)
                for k in range(n):
                    if status[k] == "ok":
                        rec = records[keys[k]]
                        if w in rec.waveforms:
                            v = _interp(rec.axis, rec.waveforms[w], grid)
                            if np.iscomplexobj(v):
                                arr = arr.astype(np.complex128)
                            arr[k] = v
                data[wvar[w]] = (dims + (axis_name,), arr.reshape(shape + (grid.size,)))
        else:
            m = max((len(records[keys[k]].axis) for k in range(n)
                     if status[k] == "ok" and records[keys[k]].axis is not None), default=0)
            ax = np.full((n, m), np.nan)
            nsamp = np.zeros(n, dtype=np.int64)
            for k in range(n):
                if status[k] == "ok" and records[keys[k]].axis is not None:
                    a = records[keys[k]].axis
                    ax[k, :a.size] = a
                    nsamp[k] = a.size
            data[f"{axis_name}_axis"] = (dims + ("sample",), ax.reshape(shape + (m,)))
            data["n_samples"] = (dims, nsamp.reshape(shape))
            for w in wnames:
                cplx = any(status[k] == "ok" and np.iscomplexobj(records[keys[k]].waveforms.get(w, 0.0))
                           for k in range(n))
                arr = np.full((n, m), np.nan, dtype=np.complex128 if cplx else np.float64)
                for k in range(n):
                    if status[k] == "ok":
                        v = records[keys[k]].waveforms.get(w)
                        if v is not None:
                            arr[k, :v.size] = v
                data[wvar[w]] = (dims + ("sample",), arr.reshape(shape + (m,)))
    n_ok = int(np.sum(status == "ok"))
    n_failed = int(np.sum(status == "failed"))
    n_missing = n - n_ok - n_failed
    for dname, vals in placer.coords.items():
        coords[dname] = (dname, np.asarray(vals))
    ds = xr.Dataset(data, coords=coords)
    for var, a in var_attrs.items():
        ds[var].attrs.update({k: v for k, v in a.items() if v != ""})
    for w in wnames:
        ds[wvar[w]].attrs["units"] = "V" if wname[w].startswith("v(") else (
            "A" if wname[w].startswith("i(") else "")
        if wvar[w] != w:
            ds[wvar[w]].attrs["requested_as"] = w
    ds.attrs.update({"title": name or "lithispice sweep", "store": str(st.path),
                     "n_points": n, "n_ok": n_ok, "n_failed": n_failed, "n_missing": n_missing,
                     "engine": engine or "ngspice",
                     "space": json.dumps(space.describe(), sort_keys=True)})
    return ds, failures, n_ok, n_failed, n_missing


class _SpaceFromManifest(Space):
    def __init__(self, desc: dict, params: list, seed: int):
        self.dims = tuple(desc["dims"])
        self._shape = tuple(desc["shape"])
        self._names = tuple(desc["names"])
        self._params = params
        self.seed = seed
        self._axes = desc.get("axes")
        self._desc = dict(desc)

    @property
    def shape(self):
        return self._shape

    @property
    def names(self):
        return self._names

    def __len__(self):
        return len(self._params)

    def params_at(self, index):
        p = self._params[index]
        return dict(p) if p is not None else {n: np.nan for n in self._names}

    def coords(self):
        if self._axes is not None:
            return {name: (name, np.asarray(vals)) for name, vals in self._axes.items()}
        return super().coords()

    def describe(self):
        if "type" in self._desc:       # the space's own description, as run_sweep gave it
            return dict(self._desc)
        return {"type": "manifest", "dims": list(self.dims), "shape": list(self._shape),
                "names": list(self._names), "seed": self.seed}


def list_sweeps(store) -> list[dict]:
    """The sweeps of a store, newest first: ``{"sweep_id", "name", "engine", "n_points",
    "n_keys" (points with a key), "finished" (time.time() when it last ended)}``."""
    st = store if isinstance(store, Store) else Store(store)
    return [{"sweep_id": m["sweep_id"], "name": m.get("name"),
             "engine": m.get("engine", "ngspice"), "n_points": len(m.get("keys") or ()),
             "n_keys": sum(k is not None for k in m.get("keys") or ()),
             "finished": m.get("finished")} for m in st.manifests()]


def open_sweep(store, resample=None, sweep: Optional[str] = None):
    """The Dataset of a stored sweep, without running anything. A store may hold several
    sweeps (``manifests/<sweep id>.json``, :func:`list_sweeps`): ``sweep`` picks one by id
    (or a unique prefix, :attr:`SweepResult.sweep_id`) or by name; default the one that
    ended last. Stores written before per-sweep manifests (one ``manifest.json``) open too."""
    st = store if isinstance(store, Store) else Store(store)
    man = st.manifest(sweep)
    if man is None:
        if sweep is not None and st.manifests():
            have = ", ".join(f"{m['sweep_id']} ({m.get('name') or 'unnamed'})"
                             for m in st.manifests())
            raise SweepError(f"no sweep {sweep!r} in {st.path}; it holds: {have}")
        raise SweepError(f"no sweep manifest in {st.path}: not a sweep store, or a sweep that "
                         "never started")
    space = _SpaceFromManifest(man["space"], man["params"], man["space"].get("seed", 0))
    from .draws import load
    drawn = load(st.path / "manifests" / str(man["draws"]), len(man["keys"])) \
        if man.get("draws") else None
    ds, *_ = assemble(space, st, man["keys"], man.get("waveforms") or (), resample, man.get("name"),
                      engine=man.get("engine", "ngspice"), draws=drawn,
                      declared=man.get("extract_dims") or {},
                      attrs=man.get("extract_attrs") or {})
    ds.attrs["sweep_id"] = man["sweep_id"]
    return ds
