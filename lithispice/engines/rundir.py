"""Run folders of the simulator engines: creation with an owner file, removal of stale ones
left by killed processes, and the diagnosis of a full disk.

Every ``lithispice-*`` run folder of :func:`~lithispice.engines.run_deck` and
:func:`~lithispice.engines.run_vacask` holds an owner file, :data:`OWNER_FILE` (pid, host,
pid namespace and start time of the process that made it), unless the caller asked to keep
the folder. A folder outlives its run only if that process was killed (SIGKILL, the OOM
killer, a lost Dask worker). :func:`cleanup_stale` -- called by the engines at most once a
minute per temp folder (:data:`SCAN_INTERVAL`) -- removes the folders whose owner is dead and
that are older than :data:`STALE_AGE`, after killing any process still working in one (its
current directory is the folder). Folders without an owner file (kept runs, other programs,
older lithispice versions) are never touched.

A full disk does not stop ngspice: it writes a short raw file and exits with status 0. A
failed run is therefore checked with :func:`disk_full_error` (the log's ENOSPC/EFBIG text,
SIGXFSZ, free space left in the run folder) and reported as
:class:`~lithispice.errors.DiskFullError` rather than as an analysis stopped early.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from typing import Optional

from ..errors import DiskFullError
from ..fileio import DISK_ERRNOS, _describe, disk_errno, disk_error, free_bytes  # noqa: F401

__all__ = ["OWNER_FILE", "STALE_AGE", "SCAN_INTERVAL", "make_rundir", "release_rundir",
           "cleanup_stale", "free_bytes", "disk_errno", "disk_full_error", "DISK_ERRNOS"]

OWNER_FILE = ".lithispice-owner"
STALE_AGE = 60.0          # s: a dead owner's folder younger than this is left alone
SCAN_INTERVAL = 60.0      # s: at most one scan per temp folder per process in this time
LOW_SPACE = 1 << 20       # bytes: a failed run with less free space than this = disk full

_LOG_MARKS = ("no space left on device", "disk quota exceeded", "file too large")

_last_scan: dict = {}
_scan_lock = threading.Lock()


# ----------------------------------------------------------------------------- disk full
def disk_full_error(rundir: str, stdout: str, stderr: str, what: str, *, rc: int = 0,
                    program: str = "ngspice", tail: str = "", engine: str = "ngspice",
                    by_space: bool = True) -> Optional[DiskFullError]:
    """For a failed run: a DiskFullError if the disk (or the file size limit) is why, else
    None. Signs: the simulator killed by SIGXFSZ, an ENOSPC/EDQUOT/EFBIG message in its
    log, or (if ``by_space``: the log names no other cause) less than :data:`LOW_SPACE`
    bytes left in the run folder."""
    free = free_bytes(rundir)
    log = (stdout + "\n" + stderr).lower()
    sigxfsz = getattr(signal, "SIGXFSZ", None)
    if (sigxfsz is not None and rc == -sigxfsz) or "file too large" in log:
        why = _describe(errno.EFBIG)
        fix = "raise the file size limit (ulimit -f)"
    elif any(m in log for m in _LOG_MARKS) or (by_space and free is not None
                                                and free < LOW_SPACE):
        why = _describe(errno.ENOSPC)
        fix = "free some space, or give workdir= a folder on another disk"
    else:
        return None
    msg = f"{program} could not write its results: {why} in {rundir}"
    if free is not None:
        msg += f" ({free} bytes free there)"
    msg += f"; the run failed with: {what}. To fix: {fix}"
    return DiskFullError(msg, rundir, free, tail, engine=engine)


# ----------------------------------------------------------------------------- owners
def _start_ticks(pid: int) -> Optional[str]:
    """Start time of ``pid`` in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[19] if len(rest) > 19 else None


def _pid_ns() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


_OWNER: dict = {}


def _owner_text() -> str:
    pid = os.getpid()
    if _OWNER.get("pid") != pid:           # computed once per process (and after a fork)
        _OWNER.update(pid=pid, text=f"pid={pid}\nhost={socket.gethostname()}\n"
                      f"pidns={_pid_ns()}\nstart={_start_ticks(pid) or ''}\n")
    return _OWNER["text"]


def _owner_alive(fields: dict) -> bool:
    """False only when the owner is known to be dead on this host; True if in doubt."""
    if fields.get("host") != socket.gethostname() or fields.get("pidns", "") != _pid_ns():
        return True                        # another machine or container: not ours to judge
    try:
        pid = int(fields["pid"])
    except (KeyError, ValueError):
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                               # exists, another user's
    except OSError:
        return True
    start = fields.get("start")
    now = _start_ticks(pid)
    return not (start and now and start != now)       # a reused pid is another process


# ----------------------------------------------------------------------------- folders
def make_rundir(prefix: str, workdir: Optional[str], keep: bool, *,
                engine: str = "ngspice") -> str:
    """A new run folder (``tempfile.mkdtemp``) with its owner file unless ``keep``; first
    removes stale folders of dead owners in the same place (rate-limited). A full disk
    raises DiskFullError."""
    try:
        cleanup_stale(workdir)
    except Exception:   # noqa: BLE001 - housekeeping must never fail a run
        pass
    try:
        rundir = tempfile.mkdtemp(prefix=prefix, dir=workdir)
    except OSError as exc:
        if disk_errno(exc):
            raise disk_error(exc, workdir or tempfile.gettempdir(), engine=engine,
                             doing="creating a run folder in") from None
        raise
    if not keep:
        try:
            with open(os.path.join(rundir, OWNER_FILE), "w") as fh:
                fh.write(_owner_text())
        except OSError as exc:
            shutil.rmtree(rundir, ignore_errors=True)
            if disk_errno(exc):
                raise disk_error(exc, rundir, engine=engine) from None
            raise
    return rundir


def release_rundir(rundir: str) -> None:
    """Remove a finished run folder (errors ignored)."""
    shutil.rmtree(rundir, ignore_errors=True)


def _read_owner(path: str) -> Optional[dict]:
    try:
        with open(path, "r", errors="replace") as fh:
            text = fh.read(4096)
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            fields[k.strip()] = v.strip()
    return fields


def _kill_processes_in(folder: str) -> int:
    """SIGKILL every process of ours whose current directory is inside ``folder`` (a
    simulator or a deck's shell command that outlived its owner); returns how many."""
    from ._guardian import _kill_inside
    return _kill_inside([folder])


def cleanup_stale(directory: Optional[str] = None, *, min_age: float = STALE_AGE,
                  force: bool = False) -> list:
    """Remove ``lithispice-*`` run folders in ``directory`` (default: the temp folder) whose
    owner process is dead and whose owner file is older than ``min_age`` s, killing any
    process still working inside one. Runs at most once per :data:`SCAN_INTERVAL` per
    directory unless ``force``. Returns the folders removed."""
    directory = os.path.abspath(directory or tempfile.gettempdir())
    now = time.monotonic()
    with _scan_lock:
        last = _last_scan.get(directory)
        if not force and last is not None and now - last < SCAN_INTERVAL:
            return []
        _last_scan[directory] = now
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    wall = time.time()
    for entry in entries:
        if not entry.name.startswith("lithispice-"):
            continue
        owner = os.path.join(entry.path, OWNER_FILE)
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            age = wall - os.stat(owner).st_mtime
        except OSError:
            continue                       # no owner file: never ours to remove
        if age < min_age:
            continue
        fields = _read_owner(owner)
        if fields is None or _owner_alive(fields):
            continue
        if _kill_processes_in(entry.path):
            time.sleep(0.1)                # let them die before their folder goes
        shutil.rmtree(entry.path, ignore_errors=True)
        if os.path.exists(entry.path):     # a write raced the removal: once more
            shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.exists(entry.path):
            removed.append(entry.path)
    return removed
