"""Simulator processes that must not outlive the process that started them.

A simulator runs in its own process group (session), so that a timeout or an interrupt can
kill it together with whatever it started. The engines register each running group here
(:func:`group_started` / :func:`group_ended`); then:

* :func:`kill_live_groups` kills every simulator group this process is running;
* a **guardian** (:func:`enable_guardian`, used in sweep worker processes: local pool
  workers and Dask workers) is a small helper process (``python -I -S``, a few MB) that is
  told the runs in progress through a pipe: each run folder before its simulator starts
  (:func:`run_started`), then the simulator's group. When its owner dies -- in any way,
  SIGKILL and the OOM killer included -- the pipe reaches end of file, and the guardian
  kills those groups and every process working in those folders, removes the folders
  (not the kept ones), then exits. It also exits when its owner's pid is no longer its
  parent (checked every second). Telling it costs three ``write`` calls per run (~10 us):
  nothing measurable (a ``PR_SET_PDEATHSIG`` on the simulator itself would need
  ``preexec_fn``, i.e. a full ``fork`` of the worker instead of ``vfork``: ~3 ms more per
  run for a 50 MB worker);
* :func:`die_with_parent` (local pool workers): ``PR_SET_PDEATHSIG`` (Linux, via ctypes)
  plus a watchdog thread polling ``os.getppid()``. When the sweep's parent process dies --
  SIGINT, SIGTERM or SIGKILL -- the worker stops its running simulation (group killed,
  folder removed) and exits within about a second; its guardian and the multiprocessing
  resource tracker (which exits when the last process holding its pipe is gone) follow.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Optional

__all__ = ["group_started", "group_ended", "live_groups", "kill_live_groups", "spawning",
           "exit_now", "enable_guardian", "guardian_pid", "die_with_parent",
           "set_parent_death_signal"]

_live: dict = {}                     # pgid -> run folder: the simulators running now
_runs: dict = {}                     # run folder -> keep it?: the runs in progress
_guard: dict = {"owner": None, "fd": None, "proc": None, "failed": None}
_guard_lock = threading.Lock()
_guard_wanted = False
_dying = False                       # the owner is gone: no new simulator may run
_spawn_lock = threading.Lock()       # held while a simulator is started and registered
_spawn = {"active": False, "pending": None}

_GUARDIAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_guardian.py")


# ----------------------------------------------------------------------------- registry
def run_started(rundir: str, keep: bool = False) -> None:
    """A run begins in the folder ``rundir``, before its simulator starts. If this process
    dies before :func:`run_ended`, its guardian kills every process working in that folder
    (current directory inside it) or in the run's group, and removes it unless ``keep``."""
    _runs[rundir] = bool(keep)
    if _guard_wanted:
        _send(f"R{int(bool(keep))}{rundir}\n")


def run_ended(rundir: str) -> None:
    """The run in ``rundir`` is over: its simulator gone, its folder removed (or kept)."""
    _runs.pop(rundir, None)
    if _guard_wanted:
        _send(f"E{rundir}\n")


def group_started(pgid: int, rundir: str) -> None:
    """The simulator of the run in ``rundir`` started as process group ``pgid``."""
    _live[pgid] = rundir
    if _guard_wanted:
        _send(f"P{pgid} {rundir}\n")
    if _dying:                         # a worker whose parent died took one more task
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass


def group_ended(pgid: int) -> None:
    """The group of ``pgid`` is gone (killed or exited, and reaped)."""
    _live.pop(pgid, None)


def live_groups() -> dict:
    """``{pgid: run folder}`` of the simulators this process is running now."""
    return dict(_live)


def kill_live_groups(sig: Optional[int] = None) -> None:
    """Send ``sig`` (default SIGKILL) to every live simulator group of this process."""
    sig = signal.SIGKILL if sig is None else sig
    for pgid in list(_live):
        try:
            os.killpg(pgid, sig)
        except OSError:
            pass


@contextlib.contextmanager
def spawning():
    """Around starting a simulator and :func:`group_started`: a stop requested meanwhile
    through :func:`exit_now` (a signal handler) is deferred to the end of the block, so no
    simulator can be started and left unregistered; the engine's cleanup (which kills a
    running group) then runs. In a process whose parent died, raises SystemExit at once."""
    with _spawn_lock:
        if _dying:
            raise SystemExit(128 + signal.SIGTERM)
        main = threading.current_thread() is threading.main_thread()
        if main:
            _spawn["active"] = True
        try:
            yield
        finally:
            if main:
                _spawn["active"] = False
                code, _spawn["pending"] = _spawn["pending"], None
                if code is not None:
                    raise SystemExit(code)


def dying() -> bool:
    """True once this process's parent has died (:func:`die_with_parent`)."""
    return _dying


def exit_now(code: int) -> None:
    """For a signal handler: raise SystemExit(code), unless a simulator is being started
    (then at the end of :func:`spawning`)."""
    if _spawn["active"]:
        _spawn["pending"] = code
        return
    raise SystemExit(code)


# ----------------------------------------------------------------------------- guardian
def _close_guardian() -> None:
    fd, proc = _guard["fd"], _guard["proc"]
    _guard.update(owner=None, fd=None, proc=None)
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
    if proc is not None:
        try:
            proc.wait(1.0)             # end of file: it exits at once
        except subprocess.TimeoutExpired:
            pass                       # it exits by itself


def _start_guardian() -> Optional[int]:
    """The write end of this process's guardian pipe (started if needed), or None."""
    pid = os.getpid()
    if _guard["owner"] == pid and _guard["fd"] is not None:
        return _guard["fd"]
    if _guard["failed"] == pid:
        return None                    # could not start one: do not retry on every run
    with _guard_lock:
        if _guard["owner"] == pid and _guard["fd"] is not None:
            return _guard["fd"]
        if _guard["fd"] is not None:   # inherited through fork: the parent's guardian
            try:
                os.close(_guard["fd"])
            except OSError:
                pass
            _guard.update(owner=None, fd=None, proc=None)
        try:
            r, w = os.pipe()
        except OSError:
            _guard["failed"] = pid
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", _GUARDIAN, str(pid)], stdin=r,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
        except OSError:
            os.close(r)
            os.close(w)
            _guard["failed"] = pid
            return None
        os.close(r)
        os.set_blocking(w, False)      # never let a stuck guardian block a run
        state = [f"R{int(k)}{d}\n" for d, k in _runs.items()] + \
            [f"P{pgid} {d}\n" for pgid, d in _live.items()]
        for line in state:             # a restarted guardian learns the runs in progress
            try:
                os.write(w, line.encode("utf-8", "surrogateescape"))
            except OSError:
                pass
        _guard.update(owner=pid, fd=w, proc=proc)
        return w


def _send(line: str) -> None:
    fd = _start_guardian()
    if fd is None:
        return
    try:
        os.write(fd, line.encode("utf-8", "surrogateescape"))
    except BlockingIOError:
        pass                           # full pipe: lose this one message
    except OSError:                    # the guardian died: start another next time
        with _guard_lock:
            if _guard["fd"] == fd:
                _close_guardian()


def enable_guardian() -> Optional[int]:
    """Give this process a guardian (see the module docstring); returns its pid, or None if
    it could not be started (then runs go on unguarded). Idempotent; after a fork the child
    gets its own."""
    global _guard_wanted
    if not _guard_wanted:
        _guard_wanted = True
        atexit.register(_atexit)
    _start_guardian()
    return guardian_pid()


def guardian_pid() -> Optional[int]:
    proc = _guard["proc"]
    return proc.pid if proc is not None and _guard["owner"] == os.getpid() else None


def _atexit() -> None:
    if _guard["owner"] == os.getpid():
        _close_guardian()


# ----------------------------------------------------------------------------- parent death
def set_parent_death_signal(sig: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies (``prctl
    PR_SET_PDEATHSIG``). Returns False where unavailable. Note: Linux sends it when the
    parent *thread* that created this process exits; :func:`die_with_parent` checks the
    parent pid before acting on it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(sig), 0, 0, 0) == 0      # 1 = PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - no libc / no prctl: the watchdog still works
        return False


def die_with_parent(parent_pid: int, *, poll: float = 0.2, grace: float = 3.0) -> None:
    """Make this process (a pool worker) exit soon after ``parent_pid`` dies.

    On the parent's death (PR_SET_PDEATHSIG = SIGUSR1, or the watchdog thread seeing
    ``os.getppid()`` change) :func:`dying` becomes True and SystemExit is raised in the main
    thread, which stops a running simulation cleanly (group killed, run folder removed); the
    caller then ends the process (a pool worker: ``executors._run_local``). If it is still
    there ``grace`` s later, the watchdog kills the live groups and ends it with
    ``os._exit``. Call from the main thread (the signal handler needs it)."""
    main = threading.main_thread()
    state = {"fired": False}
    gone = threading.Event()

    def orphaned() -> bool:
        return os.getppid() != parent_pid

    handler = False
    if threading.current_thread() is main:
        def on_parent_death(signum, frame):
            global _dying
            if orphaned() and not state["fired"]:
                state["fired"] = True
                _dying = True
                gone.set()                 # wake the watchdog
                exit_now(128 + signal.SIGTERM)
        signal.signal(signal.SIGUSR1, on_parent_death)
        handler = True
        set_parent_death_signal(signal.SIGUSR1)

    def watch():
        global _dying
        while not orphaned():
            gone.wait(poll)
        _dying = True
        if handler and not state["fired"]:
            try:
                signal.pthread_kill(main.ident, signal.SIGUSR1)
            except (OSError, ValueError, AttributeError):
                pass
        # The main thread now stops the running simulation (group killed, folder removed)
        # and exits the process itself (a pool worker: executors._run_local). Only if it
        # has not after ``grace`` s (stuck in C code?): kill the groups and exit from here.
        time.sleep(grace)
        _spawn_lock.acquire(timeout=1.0)   # no simulator half-started (then unregistered)
        kill_live_groups()
        os._exit(128 + signal.SIGTERM)

    threading.Thread(target=watch, name="lithispice-parent-watch", daemon=True).start()
